import DNSWire
import IPAddress
import VPCConfig

/// A zone the resolver answers itself without any config (AWS's autodefined system rules,
/// AWS-DNS-RULES 11.1): EC2 domains, reverse zones, `localhost`. A name in it without data is
/// NXDOMAIN (or NODATA) with the zone's SOA, and is never forwarded.
struct AutodefinedZone: Sendable {
    enum Kind: Sendable {
        /// `<region>.compute.internal` / `ec2.internal`: IP-based and resource-based names.
        case privateEC2
        /// `<region>.compute.amazonaws.com` / `compute-1.amazonaws.com`: public names.
        case publicEC2
        /// `in-addr.arpa` / `ip6.arpa` zones: PTR records.
        case reverse
        /// `localhost`: every name in it is the loopback address (RFC 6761).
        case localhost
        /// Autodefined and empty (`compute-1.internal`, `localdomain`).
        case empty
    }

    let apex: DNSName
    let kind: Kind

    /// The Route 53 SOA, as in private hosted zones (AWS-DNS-RULES 3.9); what AWS puts in these
    /// zones' negative answers is not documented.
    var soa: ResourceRecord { ManagedZones.soa(apex: apex) }
}

/// Which zones are autodefined in a view.
enum AutodefinedZones {
    /// RFC 1918 reverse zones and the other RFC 6303 locally served zones.
    static let locallyServedReverse: [DNSName] = {
        var names: [String] = ["10", "168.192", "0", "127", "254.169", "2.0.192", "100.51.198", "113.0.203", "255.255.255.255"]
            .map { "\($0).in-addr.arpa" }
        names += (16...31).map { "\($0).172.in-addr.arpa" }
        names += ["d.f", "8.e.f", "9.e.f", "a.e.f", "b.e.f", "8.b.d.0.1.0.0.2"].map { "\($0).ip6.arpa" }
        names.append(String(repeating: "0.", count: 32) + "ip6.arpa")
        names.append("1." + String(repeating: "0.", count: 31) + "ip6.arpa")
        return names.map { try! DNSName($0) }
    }()

    static let localhost: [AutodefinedZone] = [
        AutodefinedZone(apex: "localhost.", kind: .localhost),
        AutodefinedZone(apex: "localdomain.", kind: .empty),
    ]

    /// A VPC's autodefined zones: EC2 domains when private DNS hostnames resolve (both DNS
    /// attributes true, AWS-DNS-RULES 11.2), reverse zones unless `autodefined_reverse` is
    /// false, and `localhost`.
    static func zones(for vpc: VPCDefinition) -> [AutodefinedZone] {
        var zones = localhost
        if vpc.enableDnsSupport && vpc.enableDnsHostnames {
            let names = EC2Names(region: vpc.region)
            zones.append(AutodefinedZone(apex: names.privateDomain, kind: .privateEC2))
            zones += names.legacyPrivateDomains.map { AutodefinedZone(apex: $0, kind: .empty) }
            zones.append(AutodefinedZone(apex: names.publicDomain, kind: .publicEC2))
        }
        if vpc.autodefinedReverse {
            let apexes = vpc.cidrs.flatMap(ReverseNames.zones(of:)) + locallyServedReverse
            var seen: Set<DNSName> = []
            zones += apexes.filter { seen.insert($0).inserted }.map { AutodefinedZone(apex: $0, kind: .reverse) }
        }
        return zones
    }

    /// The default view's: the RFC 6303 zones and `localhost`, which a recursive resolver must
    /// not send to the internet.
    static let defaultView: [AutodefinedZone] = localhost + locallyServedReverse.map { AutodefinedZone(apex: $0, kind: .reverse) }
}
