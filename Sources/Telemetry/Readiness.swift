import Synchronization

/// What `/ready` answers: whether vpcdns serves the config as it is now on disk.
///
/// Ready from the first successful load until a reload fails (then the previous config is still
/// served, but not the current one: a probe should see that), again after a reload succeeds, and
/// no more once stopping has begun. `/health` only says the process answers HTTP.
public final class Readiness: Sendable {
    private let state = Mutex<(ready: Bool, reason: String)>((false, "starting"))

    public init() {}

    public var isReady: Bool { state.withLock { $0.ready } }

    /// `ready` or why not, for the probe's body and `vpcdns ctl status`.
    public var description: String { state.withLock { $0.ready ? "ready" : "not ready: \($0.reason)" } }

    public func serving() { state.withLock { $0 = (true, "") } }
    public func reloadFailed(_ why: String) { state.withLock { $0 = (false, "the last reload failed, serving the previous config: \(why)") } }
    public func stopping() { state.withLock { $0 = (false, "stopping") } }
}
