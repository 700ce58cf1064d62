/// An address block such as `10.10.0.0/16` or `fd00:ec2::/64`.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    /// The block's first address (host bits cleared).
    public let network: IPAddress
    public let prefixLength: Int

    /// Builds a block; host bits of `address` are cleared. Returns nil for an out-of-range prefix.
    public init?(address: IPAddress, prefixLength: Int) {
        switch address {
        case .v4(let v4):
            guard (0...32).contains(prefixLength) else { return nil }
            network = .v4(IPv4Address(v4.value & Self.mask32(prefixLength)))
        case .v6(let v6):
            guard (0...128).contains(prefixLength) else { return nil }
            let (highMask, lowMask) = Self.mask128(prefixLength)
            network = .v6(IPv6Address(high: v6.high & highMask, low: v6.low & lowMask))
        }
        self.prefixLength = prefixLength
    }

    /// Parses `address/prefix`; a bare address is a host block (/32 or /128).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(parts[0]) else { return nil }
        let hostLength = address.isIPv4 ? 32 : 128
        var length = hostLength
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                  let parsed = Int(parts[1]) else { return nil }
            length = parsed
        }
        self.init(address: address, prefixLength: length)
    }

    /// Whether `address` lies in this block. IPv4-mapped IPv6 addresses match IPv4 blocks.
    public func contains(_ address: IPAddress) -> Bool {
        switch (network, address.unmapped) {
        case (.v4(let net), .v4(let candidate)):
            return candidate.value & Self.mask32(prefixLength) == net.value
        case (.v6(let net), .v6(let candidate)):
            let (highMask, lowMask) = Self.mask128(prefixLength)
            return candidate.high & highMask == net.high && candidate.low & lowMask == net.low
        default:
            return false
        }
    }

    public var description: String { "\(network)/\(prefixLength)" }

    private static func mask32(_ length: Int) -> UInt32 {
        length == 0 ? 0 : UInt32.max << UInt32(32 - length)
    }

    private static func mask128(_ length: Int) -> (UInt64, UInt64) {
        if length == 0 { return (0, 0) }
        if length <= 64 { return (UInt64.max << UInt64(64 - length), 0) }
        if length == 128 { return (UInt64.max, UInt64.max) }
        return (UInt64.max, UInt64.max << UInt64(128 - length))
    }
}
