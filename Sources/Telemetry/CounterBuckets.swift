import DNSWire
import Resolver
import VPCModel

/// The fixed label values of the per-query counters, each mapped to a cell index so that
/// counting is an array index and an atomic add, never a dictionary or a lock.
enum CounterBuckets {
    /// Query types with their own `type` label; every other type counts as `other`.
    static let types: [String] = ["A", "AAAA", "CNAME", "MX", "TXT", "PTR", "SRV", "NS", "SOA", "HTTPS", "SVCB",
                                  "CAA", "DS", "DNSKEY", "ANY", "other", "none"]
    private static let typeIndex: [Int] = {
        var table = [Int](repeating: types.firstIndex(of: "other")!, count: 258)
        for (index, name) in types.enumerated() {
            if let type = RRType(mnemonic: name) { table[Int(type.rawValue)] = index }
        }
        return table
    }()

    /// `type` cell: the question's type, `none` when the request had no readable question.
    static func type(_ question: Question?) -> Int {
        guard let question else { return types.count - 1 }
        let raw = Int(question.type.rawValue)
        return raw < typeIndex.count ? typeIndex[raw] : types.count - 2
    }

    static let transports: [String] = ["udp", "tcp"]
    static func transport(_ transport: QueryEvent.Transport) -> Int { transport == .udp ? 0 : 1 }

    /// Response codes with their own `rcode` label, then `other`, then `dropped` (no response).
    static let rcodes: [String] = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "BADVERS", "other", "dropped"]
    static func rcode(_ event: QueryEvent) -> Int {
        if event.dropped { return rcodes.count - 1 }
        switch event.rcode.rawValue {
        case 0...5: return Int(event.rcode.rawValue)
        case 16: return 6
        default: return 7
        }
    }

    /// Where an answer came from (`source` label).
    static let sources: [String] = ["private_zone", "private_dns", "endpoint_name", "forward_rule", "upstream", "cache",
                                    "refused", "dns_support_off", "door", "autodefined", "firewall"]
    static func source(_ event: QueryEvent) -> Int {
        if event.fromCache { return 5 }
        guard let reason = event.reason else { return 8 }
        switch reason.source {
        case .privateZone: return 0
        case .managedZone: return 1
        case .endpointName: return 2
        case .forwardRule: return 3
        case .systemRule, .recursion: return 4
        case .notAllowed: return 6
        case .dnsSupportDisabled: return 7
        case .autodefined: return 9
        case .firewallBlock, .firewallFailure: return 10
        }
    }

    /// The `view` label of events with no view (refused at the door before one was chosen).
    static let noView = "none"
}
