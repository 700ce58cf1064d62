#if canImport(Glibc)
import Glibc
#endif
import Platform

/// A failure talking to the service manager or reading what it passed us.
///
/// Every case names the exact failure; none of them is fatal: the daemon logs it and goes on
/// (a service that cannot notify is still a working DNS server).
public enum SystemdError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `NOTIFY_SOCKET` is neither an absolute path nor an abstract `@name`, or does not fit
    /// `sockaddr_un`.
    case invalidNotifySocket(String)
    /// An environment variable set by the service manager could not be parsed.
    case invalidVariable(name: String, value: String)
    /// `LISTEN_FDNAMES` has a different number of names than `LISTEN_FDS` has descriptors.
    case nameCountMismatch(descriptors: Int, names: Int)
    /// A system call failed; `errno` is kept as it was.
    case systemCall(String, errno: Int32)
    /// A datagram went out shorter than it was (the service manager would misread it).
    case shortSend(sent: Int, expected: Int)

    public var description: String {
        switch self {
        case .invalidNotifySocket(let value):
            return "NOTIFY_SOCKET=\(value) is not an absolute path or @abstract name that fits sockaddr_un"
        case .invalidVariable(let name, let value):
            return "\(name)=\(value) is not valid"
        case .nameCountMismatch(let descriptors, let names):
            return "LISTEN_FDNAMES has \(names) names for \(descriptors) descriptors"
        case .systemCall(let call, let code):
            return "\(call): \(errnoText(code)) (errno \(code))"
        case .shortSend(let sent, let expected):
            return "sent \(sent) of \(expected) bytes to NOTIFY_SOCKET"
        }
    }
}
