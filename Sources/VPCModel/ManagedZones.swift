import DNSWire
import VPCConfig

/// The hidden private hosted zones AWS creates for an endpoint with private DNS
/// (AWS-DNS-RULES 3.1-3.4, 3.9): one per private name apex, holding the Route 53 PHZ SOA and NS
/// and the endpoint's addresses at the name (a `*.` name becomes a wildcard record).
enum ManagedZones {
    /// Route 53's private hosted zone SOA as observed (3.9); SOA record TTL 900 (Route 53 default).
    static let soaTTL: UInt32 = 900
    static let nsTTL: UInt32 = 172_800
    static let nameServers: [DNSName] = ["ns-1536.awsdns-00.co.uk.", "ns-0.awsdns-00.com.", "ns-1024.awsdns-00.org.", "ns-512.awsdns-00.net."]

    static func soa(apex: DNSName) -> ResourceRecord {
        ResourceRecord(name: apex, ttl: soaTTL, rdata: .soa(SOA(
            mname: "ns-1536.awsdns-00.co.uk.", rname: "awsdns-hostmaster.amazon.com.",
            serial: 1, refresh: 7200, retry: 900, expire: 1_209_600, minimum: 86400)))
    }

    /// Private names grouped by zone apex (the name without a leading `*.`), in first-seen order.
    static func namesByApex(_ names: [DNSName]) -> [(apex: DNSName, names: [DNSName])] {
        var order: [DNSName] = []
        var groups: [DNSName: [DNSName]] = [:]
        for name in names {
            let apex = name.isWildcard ? name.parent! : name
            if groups[apex] == nil { order.append(apex) }
            groups[apex, default: []].append(name)
        }
        return order.map { ($0, groups[$0]!) }
    }

    /// The zone's records besides the SOA: NS, then A/AAAA at each private name.
    static func records(apex: DNSName, names: [DNSName], endpoint: EndpointDefinition) -> [ResourceRecord] {
        var records = nameServers.map { ResourceRecord(name: apex, ttl: nsTTL, rdata: .ns($0)) }
        let addresses = EndpointRecords.addressRecords(endpoint.interfaces, ipType: endpoint.ipType, privateName: true)
        for name in names {
            records += addresses.map { ResourceRecord(name: name, ttl: EndpointRecords.ttl, rdata: $0) }
        }
        return records
    }
}
