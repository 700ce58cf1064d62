#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IP address and port: a listener, an upstream or a client.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    public var ip: IPAddress
    public var port: UInt16

    public init(ip: IPAddress, port: UInt16) {
        self.ip = ip
        self.port = port
    }

    /// Parses `127.0.0.1:5353`, `[::1]:53`, or a bare address (`10.0.0.2`, `::1`) with `defaultPort`.
    public init?(_ text: some StringProtocol, defaultPort: UInt16? = nil) {
        let text = Substring(text)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), let ip = IPv6Address(text[text.index(after: text.startIndex)..<close])
            else { return nil }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty {
                guard let defaultPort else { return nil }
                self.init(ip: .v6(ip), port: defaultPort)
            } else {
                guard rest.first == ":", let port = Self.parsePort(rest.dropFirst()) else { return nil }
                self.init(ip: .v6(ip), port: port)
            }
        } else if let ip = IPAddress(text) {
            guard let defaultPort else { return nil }
            self.init(ip: ip, port: defaultPort)
        } else {
            guard let colon = text.lastIndex(of: ":"), let ip = IPv4Address(text[..<colon]),
                  let port = Self.parsePort(text[text.index(after: colon)...]) else { return nil }
            self.init(ip: .v4(ip), port: port)
        }
    }

    /// Reads an `AF_INET` / `AF_INET6` socket address without allocating; nil for any other
    /// family.
    @inlinable
    public init?(storage: UnsafeRawPointer) {
        switch Int32(storage.load(as: sockaddr.self).sa_family) {
        case AF_INET:
            let sin = storage.load(as: sockaddr_in.self)
            self.init(ip: .v4(IPv4Address(UInt32(bigEndian: sin.sin_addr.s_addr))), port: UInt16(bigEndian: sin.sin_port))
        case AF_INET6:
            let sin6 = storage.load(as: sockaddr_in6.self)
            self.init(ip: .v6(IPv6Address(sin6.sin6_addr)), port: UInt16(bigEndian: sin6.sin6_port))
        default:
            return nil
        }
    }

    /// Writes this address as a `sockaddr` into `storage` (room for a `sockaddr_storage`) and
    /// returns its length. No allocation.
    @inlinable
    public func write(into storage: UnsafeMutableRawPointer) -> socklen_t {
        switch ip {
        case .v4(let v4):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr.s_addr = v4.value.bigEndian
            storage.storeBytes(of: sin, as: sockaddr_in.self)
            return socklen_t(MemoryLayout<sockaddr_in>.size)
        case .v6(let v6):
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            sin6.sin6_addr = v6.in6
            storage.storeBytes(of: sin6, as: sockaddr_in6.self)
            return socklen_t(MemoryLayout<sockaddr_in6>.size)
        }
    }

    /// Calls `body` with this address as a `sockaddr` and its length.
    public func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        var storage = sockaddr_storage()
        let length = withUnsafeMutableBytes(of: &storage) { write(into: $0.baseAddress!) }
        return try withUnsafePointer(to: &storage) {
            try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }

    public var family: Int32 { ip.isIPv4 ? AF_INET : AF_INET6 }

    /// `127.0.0.1:53` or `[::1]:53`.
    public var description: String {
        switch ip {
        case .v4(let v4): "\(v4):\(port)"
        case .v6(let v6): "[\(v6)]:\(port)"
        }
    }

    private static func parsePort(_ text: Substring) -> UInt16? {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt16(text)
    }
}
