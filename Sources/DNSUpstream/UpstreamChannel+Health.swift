import Dispatch

extension UpstreamChannel {
    /// Whether the channel's queue runs a block within `timeout`: false when c-ares or a
    /// completion is stuck on it. Says nothing about the upstream servers themselves.
    public func isResponsive(within timeout: DispatchTimeInterval = .seconds(2)) -> Bool {
        let ran = DispatchSemaphore(value: 0)
        queue.async { ran.signal() }
        return ran.wait(timeout: .now() + timeout) == .success
    }
}
