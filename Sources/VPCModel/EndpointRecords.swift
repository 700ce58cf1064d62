import DNSWire
import IPAddress
import VPCConfig

/// The DNS data one interface endpoint contributes: its endpoint-specific names (public, every
/// view; AWS-DNS-RULES section 2) and the records of its private DNS names (section 3).
struct EndpointRecords {
    /// TTL of every endpoint record (AWS-DNS-RULES 2.5, 3.3).
    static let ttl: UInt32 = 60

    /// Exact endpoint-specific names and their records.
    var names: [DNSName: [ResourceRecord]] = [:]
    /// S3's `*.vpce-…` names, keyed by the name under the `*` (AWS-DNS-RULES 2.2).
    var wildcardParents: [DNSName: [ResourceRecord]] = [:]

    /// Builds the endpoint-specific names: regional (every interface) and, unless the endpoint
    /// is cross-region (2.8), one zonal name per AZ (that AZ's interface only).
    init(endpoint: EndpointDefinition, service: ServiceName, base: DNSName, vpcRegion: String) throws(DNSNameError) {
        guard let suffix = endpoint.dnsSuffix else { return }
        let stem = "\(endpoint.id)-\(suffix)"
        var named = [(name: try base.prepending(label: Array(stem.utf8)), interfaces: endpoint.interfaces)]
        if service.region == vpcRegion {
            for interface in endpoint.interfaces {
                named.append((try base.prepending(label: Array("\(stem)-\(interface.az)".utf8)), [interface]))
            }
        }
        let isS3 = service.service == "s3" && !service.isPrivateLinkService
        for (name, interfaces) in named {
            let records = Self.addressRecords(interfaces, ipType: endpoint.ipType, privateName: false)
                .map { ResourceRecord(name: name, ttl: Self.ttl, rdata: $0) }
            if isS3 {
                wildcardParents[name] = records
            } else {
                names[name] = records
            }
        }
    }

    /// A/AAAA RDATA for `interfaces` by DNS record IP type (AWS-DNS-RULES 2.6): `service-defined`
    /// gives AAAA only on the endpoint-specific names, never on private names.
    static func addressRecords(_ interfaces: [EndpointInterfaceDefinition], ipType: EndpointDefinition.DNSRecordIPType,
                               privateName: Bool) -> [RData] {
        let wantsA = ipType != .ipv6
        let wantsAAAA = ipType == .ipv6 || ipType == .dualstack || (ipType == .serviceDefined && !privateName)
        var rdata: [RData] = []
        if wantsA { rdata += interfaces.compactMap { $0.ipv4.map(RData.a) } }
        if wantsAAAA { rdata += interfaces.compactMap { $0.ipv6.map(RData.aaaa) } }
        return rdata
    }
}
