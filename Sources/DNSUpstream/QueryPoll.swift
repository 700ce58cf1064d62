internal import CCAres
#if canImport(Glibc)
import Glibc
#endif

/// An epoll set of query sockets, itself watched by one Dispatch read source on the channel's
/// queue (an epoll descriptor is readable while any socket in it is).
final class QueryPoll {
    let descriptor: Int32

    init() {
        descriptor = epoll_create1(Int32(EPOLL_CLOEXEC))
    }

    /// Adds a socket, level-triggered for reading; false when epoll refuses it.
    func watch(_ socket: Int32) -> Bool {
        guard descriptor >= 0 else { return false }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = socket
        return epoll_ctl(descriptor, EPOLL_CTL_ADD, socket, &event) == 0
    }

    /// Calls `body` with each ready socket, without waiting, until none is ready.
    func forEachReady(_ body: (Int32) -> Void) {
        guard descriptor >= 0 else { return }
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        while true {
            let count = events.withUnsafeMutableBufferPointer { epoll_wait(descriptor, $0.baseAddress, 64, 0) }
            guard count > 0 else { return }
            for index in 0..<Int(count) { body(events[index].data.fd) }
            if count < 64 { return }
        }
    }
}
