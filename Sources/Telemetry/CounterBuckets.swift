import DNSWire
import Resolver

/// The fixed label values of the per-query counters and where each one's cell lies in a view's
/// block of atomics: counting is index arithmetic and an atomic add, never a dictionary or a lock.
///
/// A view's block holds the requests (`[transport][type]`, flattened), then the rcodes, then
/// the answer sources.
enum CounterBuckets {
    /// Query types with their own `type` label; every other type counts as `other`.
    static let types: [String] = ["A", "AAAA", "CNAME", "MX", "TXT", "PTR", "SRV", "NS", "SOA", "HTTPS", "SVCB",
                                  "CAA", "DS", "DNSKEY", "ANY", "other", "none"]
    private static let typeCount = 17

    /// The index in `types` of the question's type; `none` when the request had no readable question.
    static func type(_ type: RRType?) -> Int {
        guard let type else { return 16 }
        switch type.rawValue {
        case 1: return 0
        case 28: return 1
        case 5: return 2
        case 15: return 3
        case 16: return 4
        case 12: return 5
        case 33: return 6
        case 2: return 7
        case 6: return 8
        case 65: return 9
        case 64: return 10
        case 257: return 11
        case 43: return 12
        case 48: return 13
        case 255: return 14
        default: return 15
        }
    }

    static let transports: [String] = ["udp", "tcp"]

    /// Response codes with their own `rcode` label, then `other`, then `dropped` (no response).
    static let rcodes: [String] = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "BADVERS", "other", "dropped"]

    /// Where an answer came from (`source` label), indexed by `QueryTally.Source.rawValue`.
    static let sources: [String] = QueryTally.Source.allCases.map { source in
        switch source {
        case .privateZone: "private_zone"
        case .privateDNS: "private_dns"
        case .endpointName: "endpoint_name"
        case .forwardRule: "forward_rule"
        case .upstream: "upstream"
        case .cache: "cache"
        case .refused: "refused"
        case .dnsSupportOff: "dns_support_off"
        case .door: "door"
        case .autodefined: "autodefined"
        case .firewall: "firewall"
        }
    }

    /// The `view` label of events with no view (refused at the door before one was chosen).
    static let noView = "none"

    // MARK: cells

    static let rcodeCells = (2 * typeCount)..<(2 * typeCount + 9)
    static let sourceCells = rcodeCells.upperBound..<(rcodeCells.upperBound + 11)
    static let cellCount = sourceCells.upperBound

    static func requestCell(transport: Int, type: Int) -> Int { transport * typeCount + type }

    @inline(__always)
    static func requestCell(transport: QueryEvent.Transport, type: RRType?) -> Int {
        requestCell(transport: transport == .udp ? 0 : 1, type: Self.type(type))
    }

    @inline(__always)
    static func rcodeCell(_ tally: QueryTally) -> Int {
        let base = rcodeCells.lowerBound
        if tally.dropped { return base + 8 }
        switch tally.rcode.rawValue {
        case 0...5: return base + Int(tally.rcode.rawValue)
        case 16: return base + 6
        default: return base + 7
        }
    }

    @inline(__always)
    static func sourceCell(_ source: QueryTally.Source) -> Int { sourceCells.lowerBound + source.rawValue }
}
