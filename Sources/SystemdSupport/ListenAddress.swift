#if canImport(Glibc)
import Glibc
#endif

/// The type of a socket, from `getsockopt(SO_TYPE)`.
public enum SocketType: Sendable, Equatable, CustomStringConvertible {
    case datagram
    case stream
    case sequentialPacket
    case other(Int32)

    public init(rawValue: Int32) {
        switch rawValue {
        case Int32(SOCK_DGRAM.rawValue): self = .datagram
        case Int32(SOCK_STREAM.rawValue): self = .stream
        case Int32(SOCK_SEQPACKET.rawValue): self = .sequentialPacket
        default: self = .other(rawValue)
        }
    }

    public var description: String {
        switch self {
        case .datagram: return "datagram"
        case .stream: return "stream"
        case .sequentialPacket: return "seqpacket"
        case .other(let value): return "type \(value)"
        }
    }
}

/// A socket address as the kernel returned it, decoded just enough to log it and to match it
/// against configured listen addresses, without depending on the project's address types.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// `AF_INET`, `AF_INET6`, `AF_UNIX`, ...
    public let family: Int32
    /// The numeric host (`127.0.0.1`, `::1`) for `AF_INET` / `AF_INET6`.
    public let host: String?
    /// The port in host byte order for `AF_INET` / `AF_INET6`.
    public let port: UInt16?
    /// The path for `AF_UNIX`; abstract names start with `@`.
    public let path: String?
    /// The raw `sockaddr` bytes, `length` of them, to hand back to the kernel unchanged.
    public let bytes: [UInt8]

    /// Decodes the first `length` bytes of `storage`.
    public init(storage: sockaddr_storage, length: socklen_t) {
        var storage = storage
        let count = min(Int(length), MemoryLayout<sockaddr_storage>.size)
        bytes = withUnsafeBytes(of: &storage) { Array($0.prefix(count)) }
        family = Int32(storage.ss_family)
        switch family {
        case AF_INET where count >= MemoryLayout<sockaddr_in>.size:
            let address = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in.self) }
            host = withUnsafeBytes(of: address.sin_addr) { Self.presentation(family: AF_INET, $0) }
            port = UInt16(bigEndian: address.sin_port)
            path = nil
        case AF_INET6 where count >= MemoryLayout<sockaddr_in6>.size:
            let address = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in6.self) }
            host = withUnsafeBytes(of: address.sin6_addr) { Self.presentation(family: AF_INET6, $0) }
            port = UInt16(bigEndian: address.sin6_port)
            path = nil
        case AF_UNIX:
            let offset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
            var name = Array(bytes.dropFirst(offset))
            if name.first == 0, name.count > 1 {
                path = "@" + String(decoding: name.dropFirst(), as: UTF8.self)
            } else {
                if let end = name.firstIndex(of: 0) { name.removeSubrange(end...) }
                path = String(decoding: name, as: UTF8.self)
            }
            host = nil
            port = nil
        default:
            host = nil
            port = nil
            path = nil
        }
    }

    public var description: String {
        switch family {
        case AF_INET: return "\(host ?? "?"):\(port ?? 0)"
        case AF_INET6: return "[\(host ?? "?")]:\(port ?? 0)"
        case AF_UNIX: return "unix:\(path ?? "")"
        default: return "family \(family)"
        }
    }

    private static func presentation(family: Int32, _ address: UnsafeRawBufferPointer) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let converted = buffer.withUnsafeMutableBufferPointer { output in
            inet_ntop(family, address.baseAddress, output.baseAddress, socklen_t(output.count)) != nil
        }
        guard converted else { return nil }
        let end = buffer.firstIndex(of: 0) ?? buffer.endIndex
        return String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
