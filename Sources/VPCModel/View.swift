import DNSWire
import DNSZone
import IPAddress
import VPCConfig

/// One VPC as its clients see DNS (or the default view, for clients in no VPC): which private
/// zones and resolver rules apply, keyed by name so a lookup walks the query's labels once.
public struct View: Sendable {
    /// The VPC id, or `default`.
    public let name: String
    public let vpc: VPCDefinition?
    /// `enableDnsSupport`: when false the resolver does not answer (AWS-DNS-RULES 1.2).
    public let dnsSupport: Bool
    /// Zones and rules by their exact name; a name may hold a rule and a zone at once.
    let authorities: [DNSName: Authority]
    /// The most labels any zone apex or rule domain has: longer suffixes need no lookup.
    let deepestAuthority: Int
    /// The records of the autodefined zones: EC2 names, PTRs, `localhost`.
    let instanceNames: InstanceNames
    /// The VPC's DNS Firewall (its own rule groups and its Profile's); nil when none is
    /// associated. Every query of the view must pass through `ResolutionModel.decide` for it.
    public let firewall: Firewall?
    /// Set on the view a query gets when it arrives through this inbound Resolver endpoint.
    public let inboundEndpoint: InboundEndpointDefinition?

    init(name: String, vpc: VPCDefinition?, dnsSupport: Bool, authorities: [DNSName: Authority],
         instanceNames: InstanceNames = .loopback, firewall: Firewall? = nil, inboundEndpoint: InboundEndpointDefinition? = nil) {
        self.name = name
        self.vpc = vpc
        self.dnsSupport = dnsSupport
        self.authorities = authorities
        self.instanceNames = instanceNames
        self.firewall = firewall
        self.inboundEndpoint = inboundEndpoint
        deepestAuthority = authorities.keys.map(\.labelCount).max() ?? -1
    }

    /// The apexes of the autodefined zones this view answers itself, for `vpcdns zones`.
    public var autodefinedZones: [DNSName] {
        authorities.values.compactMap { $0.autodefined?.apex }.sorted()
    }

    /// The records of the autodefined zones (EC2 names, PTRs, `localhost`), for `vpcdns zones`.
    public var autodefinedRecords: [ResourceRecord] { instanceNames.allRecords }

    /// The names that hold a resolver rule (forward or system): where local data stops or bends.
    public var ruleDomains: [DNSName] {
        authorities.values.compactMap { $0.rule?.domain }
    }

    /// Every name with a rule, a private zone or an autodefined zone: below these, the view's
    /// own data or rules decide; elsewhere only endpoint names and the upstreams do.
    public var authorityNames: [DNSName] { Array(authorities.keys) }

    /// The zones this view serves, for `vpcdns zones` and status lines.
    public var zones: [ServedZone] {
        authorities.values.compactMap(\.zone).sorted { $0.zone.origin < $1.zone.origin }
    }
}

/// What is configured at one name in a view.
struct Authority: Sendable {
    var rule: ResolverRule?
    var zone: ServedZone?
    /// An autodefined zone (AWS-DNS-RULES 11.1); a rule or a private zone at the same name wins.
    var autodefined: AutodefinedZone?
}

/// A Route 53 Resolver rule of a view (AWS-DNS-RULES 6.2).
struct ResolverRule: Sendable {
    enum Kind: Sendable {
        case forward(upstream: UpstreamSetID)
        case system
    }

    var domain: DNSName
    var kind: Kind
    var location: SourceLocation
}

/// A private zone a view serves: from a zone file, or the hidden zone of an endpoint.
public struct ServedZone: Sendable {
    public let zone: Zone
    public let source: Reason.Source
    public let location: SourceLocation
    /// Endpoint zones rotate their answers on each query (AWS-DNS-RULES 3.5).
    public let rotatesAnswers: Bool
}
