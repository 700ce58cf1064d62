import DNSWire
import VPCConfig

/// Why the model decided what it did: the view, and the zone, rule or endpoint that answered,
/// with the config line it came from, for logs, the query log and tests.
public struct Reason: Sendable, CustomStringConvertible {
    public enum Source: Sendable, Equatable {
        /// A private hosted zone loaded from a zone file.
        case privateZone(apex: DNSName, file: String)
        /// The hidden zone AWS manages for an endpoint's private DNS name.
        case managedZone(apex: DNSName, endpointID: String)
        /// An endpoint-specific `vpce-…` name (public, every view).
        case endpointName(endpointID: String)
        /// A zone the resolver answers without config: EC2 names, reverse zones, `localhost`.
        case autodefined(apex: DNSName)
        case forwardRule(domain: DNSName)
        /// A system rule matched; resolution went on as if no forward rule applied.
        case systemRule(domain: DNSName)
        /// Nothing local matched: the default upstreams.
        case recursion
        case notAllowed
        case dnsSupportDisabled
        /// A DNS Firewall BLOCK rule answered.
        case firewallBlock(ruleGroupID: String, rule: String)
        /// The DNS Firewall could not decide and the VPC fails closed.
        case firewallFailure
    }

    /// The VPC id of the view, or `default`.
    public var view: String
    public var source: Source
    public var location: SourceLocation?
    /// What the DNS Firewall did, when the view has one.
    public var firewall: FirewallOutcome?
    /// The inbound Resolver endpoint the query came through, if any.
    public var resolverEndpoint: String?

    public init(view: String, source: Source, location: SourceLocation? = nil) {
        self.view = view
        self.source = source
        self.location = location
    }

    public var description: String {
        let what: String
        switch source {
        case .privateZone(let apex, let file): what = "zone \(apex) (\(file))"
        case .managedZone(let apex, let endpoint): what = "private DNS \(apex) of \(endpoint)"
        case .endpointName(let endpoint): what = "endpoint name of \(endpoint)"
        case .autodefined(let apex): what = "autodefined zone \(apex)"
        case .forwardRule(let domain): what = "forward rule \(domain)"
        case .systemRule(let domain): what = "system rule \(domain)"
        case .recursion: what = "recursion"
        case .notAllowed: what = "client not allowed"
        case .dnsSupportDisabled: what = "enableDnsSupport is false"
        case .firewallBlock(let group, let rule): what = "firewall rule \(rule) of \(group)"
        case .firewallFailure: what = "firewall cannot decide (fail closed)"
        }
        let through = resolverEndpoint.map { " through \($0)" } ?? ""
        let alert = firewall?.match.map { $0.action == .alert ? ", firewall alert \($0.ruleName)" : "" } ?? ""
        return "view \(view)\(through): \(what)" + (location.map { " at \($0)" } ?? "") + alert
    }
}

/// The model's one answer for a question.
public enum Decision: Sendable {
    /// Answer from local data. `answers` may end in a CNAME whose target the caller resolves further
    /// when `continueAt` is set (a chain leaving local data).
    case answer(Answer)
    /// Send upstream set `upstream` the question for `name` (the query name, or the target of
    /// the local CNAME chain in `chain`, which then precedes the upstream's answer).
    case forward(upstream: UpstreamSetID, name: DNSName, chain: [ResourceRecord], reason: Reason)
    /// REFUSED: the client may not use this resolver.
    case refuse(Reason)
    /// No answer at all (the client sees a timeout), as AWS's resolver with DNS support off.
    case drop(Reason)
}

/// A locally computed response body.
public struct Answer: Sendable {
    public var rcode: RCode
    public var answers: [ResourceRecord]
    public var authorities: [ResourceRecord]
    public var reason: Reason

    public init(rcode: RCode, answers: [ResourceRecord], authorities: [ResourceRecord] = [], reason: Reason) {
        self.rcode = rcode
        self.answers = answers
        self.authorities = authorities
        self.reason = reason
    }
}
