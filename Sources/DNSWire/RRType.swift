/// A resource record TYPE (RFC 1035 3.2.2, IANA registry), with mnemonics for known values and
/// the RFC 3597 `TYPEnnn` form for the rest.
public struct RRType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = RRType(1)
    public static let ns = RRType(2)
    public static let cname = RRType(5)
    public static let soa = RRType(6)
    public static let ptr = RRType(12)
    public static let hinfo = RRType(13)
    public static let mx = RRType(15)
    public static let txt = RRType(16)
    public static let aaaa = RRType(28)
    public static let srv = RRType(33)
    public static let naptr = RRType(35)
    public static let ds = RRType(43)
    public static let opt = RRType(41)
    public static let rrsig = RRType(46)
    public static let nsec = RRType(47)
    public static let dnskey = RRType(48)
    public static let svcb = RRType(64)
    public static let https = RRType(65)
    public static let ixfr = RRType(251)
    public static let axfr = RRType(252)
    public static let any = RRType(255)
    public static let caa = RRType(257)

    static let mnemonics: [UInt16: String] = [
        1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO", 15: "MX", 16: "TXT", 28: "AAAA",
        33: "SRV", 35: "NAPTR", 41: "OPT", 43: "DS", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 50: "NSEC3",
        64: "SVCB", 65: "HTTPS", 251: "IXFR", 252: "AXFR", 255: "ANY", 257: "CAA",
    ]
    static let byMnemonic: [String: UInt16] = Dictionary(uniqueKeysWithValues: mnemonics.map { ($1, $0) })

    /// Parses `AAAA` or `TYPE28` (case-insensitive).
    public init?(mnemonic: some StringProtocol) {
        let upper = mnemonic.uppercased()
        if let value = Self.byMnemonic[upper] {
            rawValue = value
        } else if upper.hasPrefix("TYPE"), let value = UInt16(upper.dropFirst(4)) {
            rawValue = value
        } else {
            return nil
        }
    }

    /// Query-only types (RFC 6895 section 3.1: meta-types and QTYPEs).
    public var isMetaType: Bool { rawValue == 41 || (128...255).contains(rawValue) }

    public var description: String { Self.mnemonics[rawValue] ?? "TYPE\(rawValue)" }
}

/// A resource record CLASS.
public struct DNSClass: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let internet = DNSClass(1)
    public static let chaos = DNSClass(3)
    public static let hesiod = DNSClass(4)
    public static let none = DNSClass(254)
    public static let any = DNSClass(255)

    /// Parses `IN`, `CH`, `HS` or `CLASS3` (case-insensitive).
    public init?(mnemonic: some StringProtocol) {
        switch mnemonic.uppercased() {
        case "IN": rawValue = 1
        case "CH": rawValue = 3
        case "HS": rawValue = 4
        case let upper where upper.hasPrefix("CLASS"):
            guard let value = UInt16(upper.dropFirst(5)) else { return nil }
            rawValue = value
        default: return nil
        }
    }

    public var description: String {
        switch rawValue {
        case 1: "IN"
        case 3: "CH"
        case 4: "HS"
        case 254: "NONE"
        case 255: "ANY"
        default: "CLASS\(rawValue)"
        }
    }
}

/// A response code, including EDNS extended codes (12 bits in all).
public struct RCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let noError = RCode(0)
    public static let formErr = RCode(1)
    public static let servFail = RCode(2)
    public static let nxDomain = RCode(3)
    public static let notImp = RCode(4)
    public static let refused = RCode(5)
    public static let badVers = RCode(16)

    public var description: String {
        switch rawValue {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 6: "YXDOMAIN"
        case 7: "YXRRSET"
        case 8: "NXRRSET"
        case 9: "NOTAUTH"
        case 10: "NOTZONE"
        case 16: "BADVERS"
        default: "RCODE\(rawValue)"
        }
    }
}

/// A header OPCODE.
public struct OpCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    public static let query = OpCode(0)
    public static let iquery = OpCode(1)
    public static let status = OpCode(2)
    public static let notify = OpCode(4)
    public static let update = OpCode(5)

    public var description: String {
        switch rawValue {
        case 0: "QUERY"
        case 1: "IQUERY"
        case 2: "STATUS"
        case 4: "NOTIFY"
        case 5: "UPDATE"
        default: "OPCODE\(rawValue)"
        }
    }
}
