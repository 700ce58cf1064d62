/// An IPv4 or IPv6 address.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses IPv4 dotted-quad or any IPv6 text form.
    public init?(_ text: some StringProtocol) {
        if let v4 = IPv4Address(text) {
            self = .v4(v4)
        } else if let v6 = IPv6Address(text) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    /// The same address with an IPv4-mapped IPv6 address turned back into IPv4, so a dual-stack
    /// socket's peers match IPv4 CIDRs.
    public var unmapped: IPAddress {
        if case .v6(let v6) = self, let v4 = v6.mappedIPv4 { return .v4(v4) }
        return self
    }

    /// 0.0.0.0 or `::`: the wildcard a socket binds to in order to receive on every address.
    public var isUnspecified: Bool {
        switch self {
        case .v4(let address): address.value == 0
        case .v6(let address): address.high == 0 && address.low == 0
        }
    }

    public var isIPv4: Bool {
        if case .v4 = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .v4(let address): address.description
        case .v6(let address): address.description
        }
    }
}
