#if canImport(Glibc)
import Glibc
import Platform
#endif

/// Tells the service manager about state changes with the `sd_notify(3)` protocol, without
/// libsystemd: one datagram per message on an `AF_UNIX` `SOCK_DGRAM` socket named by
/// `NOTIFY_SOCKET`.
///
/// Without `NOTIFY_SOCKET` (not started by systemd, or not `Type=notify`) every call is a no-op.
/// Failures are thrown for the caller to log, never fatal. The value is immutable and `Sendable`;
/// each send opens and closes its own socket, so any thread may send at any time.
public struct ServiceNotifier: Sendable {
    /// Where `NOTIFY_SOCKET` points.
    public enum Address: Sendable, Equatable, CustomStringConvertible {
        /// A file system socket, an absolute path.
        case path(String)
        /// A Linux abstract socket, written `@name` in `NOTIFY_SOCKET`; the name excludes the `@`.
        case abstract(String)

        /// Parses a `NOTIFY_SOCKET` value the way `sd_notify(3)` does (minus `vsock:`, which
        /// systemd 252 does not send): an absolute path or `@name`, fitting `sun_path`.
        public init(parsing value: String) throws(SystemdError) {
            let bytes = Array(value.utf8)
            let capacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
            guard let first = bytes.first, !bytes.contains(0) else {
                throw .invalidNotifySocket(value)
            }
            switch first {
            case UInt8(ascii: "/"):
                // Room for the terminating NUL.
                guard bytes.count < capacity else { throw .invalidNotifySocket(value) }
                self = .path(value)
            case UInt8(ascii: "@"):
                // The leading NUL takes the place of '@'; abstract names are not NUL-terminated.
                guard bytes.count > 1, bytes.count <= capacity else { throw .invalidNotifySocket(value) }
                self = .abstract(String(value.dropFirst()))
            default:
                throw .invalidNotifySocket(value)
            }
        }

        public var description: String {
            switch self {
            case .path(let path): return path
            case .abstract(let name): return "@" + name
            }
        }
    }

    private enum Target: Sendable {
        case none
        case address(Address)
        case invalid(SystemdError)
    }

    private let target: Target

    /// Reads `NOTIFY_SOCKET` from `environment`. An invalid value does not throw here: every send
    /// throws it instead, so the caller reports it where it reports other send failures.
    public init(environment: [String: String] = ProcessEnvironment.current()) {
        guard let value = environment["NOTIFY_SOCKET"], !value.isEmpty else {
            target = .none
            return
        }
        do {
            target = .address(try Address(parsing: value))
        } catch {
            target = .invalid(error)
        }
    }

    /// Sends to `address` regardless of the environment.
    public init(address: Address) {
        target = .address(address)
    }

    /// The socket messages go to; `nil` when notifications are off or `NOTIFY_SOCKET` is invalid.
    public var address: Address? {
        if case .address(let address) = target { return address }
        return nil
    }

    /// Whether messages are sent at all (`NOTIFY_SOCKET` was set, valid or not).
    public var isEnabled: Bool {
        if case .none = target { return false }
        return true
    }

    /// `READY=1`: start-up finished, or a reload finished. Send only after every listener is
    /// bound and every signal handler is in place.
    public func ready() throws(SystemdError) {
        try send("READY=1")
    }

    /// `RELOADING=1` with `MONOTONIC_USEC=` (which `Type=notify-reload` in systemd 253+ requires):
    /// a reload started; send `ready()` when it is done, whether or not it succeeded.
    public func reloading() throws(SystemdError) {
        try send("RELOADING=1\nMONOTONIC_USEC=\(MonotonicClock.microseconds())")
    }

    /// `STOPPING=1`: shutdown started.
    public func stopping() throws(SystemdError) {
        try send("STOPPING=1")
    }

    /// `STATUS=`: one line shown by `systemctl status`. Line breaks become spaces, since a new
    /// line would start a new assignment.
    public func status(_ text: String) throws(SystemdError) {
        let line = String(text.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
        try send("STATUS=" + line)
    }

    /// `WATCHDOG=1`: the service is alive. See `Watchdog` for sending it on a schedule.
    public func watchdog() throws(SystemdError) {
        try send("WATCHDOG=1")
    }

    /// `EXTEND_TIMEOUT_USEC=`: asks for more time for the current start, reload or stop.
    public func extendTimeout(microseconds: UInt64) throws(SystemdError) {
        try send("EXTEND_TIMEOUT_USEC=\(microseconds)")
    }

    /// Sends `state` as one datagram: newline-separated `NAME=value` assignments.
    public func send(_ state: String) throws(SystemdError) {
        switch target {
        case .none: return
        case .invalid(let error): throw error
        case .address(let address): try Self.send(state, to: address)
        }
    }

    private static func send(_ state: String, to address: Address) throws(SystemdError) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .systemCall("socket(AF_UNIX, SOCK_DGRAM)", errno: errno) }
        defer { close(fd) }

        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        let pathBytes: [UInt8]
        switch address {
        case .path(let path): pathBytes = Array(path.utf8) + [0]
        case .abstract(let name): pathBytes = [0] + Array(name.utf8)
        }
        withUnsafeMutableBytes(of: &storage.sun_path) { buffer in
            buffer.copyBytes(from: pathBytes.prefix(buffer.count))
        }
        let length = socklen_t(pathOffset + min(pathBytes.count, MemoryLayout.size(ofValue: storage.sun_path)))

        let message = Array(state.utf8)
        let sent = message.withUnsafeBytes { payload in
            withUnsafePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(fd, payload.baseAddress, payload.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
        guard sent >= 0 else { throw .systemCall("sendto(\(address))", errno: errno) }
        guard sent == message.count else { throw .shortSend(sent: sent, expected: message.count) }
    }
}
