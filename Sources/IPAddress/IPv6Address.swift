#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv6 address held as two host-order `UInt64` halves.
public struct IPv6Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Network-order bytes, as they appear in AAAA RDATA and in `in6_addr`.
    public init(bytes: some Collection<UInt8>) {
        precondition(bytes.count == 16, "IPv6 address needs 16 bytes")
        var high: UInt64 = 0, low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    /// Parses any form `inet_pton` accepts (`::1`, `fd00:ec2::253`, `::ffff:10.0.0.1`).
    public init?(_ text: some StringProtocol) {
        guard text.contains(":"), text.count <= 45 else { return nil }
        var raw = in6_addr()
        let parsed = String(text).withCString { inet_pton(AF_INET6, $0, &raw) }
        guard parsed == 1 else { return nil }
        self.init(raw)
    }

    /// The address in an `in6_addr` (network order), read without allocating.
    @inlinable
    public init(_ raw: in6_addr) {
        self = withUnsafeBytes(of: raw) { bytes in
            IPv6Address(high: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                        low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    /// The address as an `in6_addr` (network order), built without allocating.
    @inlinable
    public var in6: in6_addr {
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { bytes in
            bytes.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
            bytes.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
        }
        return raw
    }

    public var bytes: [UInt8] {
        (0..<16).map { index in
            index < 8 ? UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(index)))
                      : UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(index - 8)))
        }
    }

    /// The embedded IPv4 address when this is an IPv4-mapped address (`::ffff:a.b.c.d`).
    public var mappedIPv4: IPv4Address? {
        guard high == 0, low >> 32 == 0xffff else { return nil }
        return IPv4Address(UInt32(truncatingIfNeeded: low))
    }

    /// RFC 5952 canonical text, as `inet_ntop` prints it.
    public var description: String {
        var raw = in6
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}
