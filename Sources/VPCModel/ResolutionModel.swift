import DNSWire
import DNSZone
import IPAddress
import Synchronization
import VPCConfig

/// What vpcdns decides with, built from its config and immutable once built: views, endpoint
/// names, upstream sets, who may ask. `decide` is the one place that says what AWS's resolver
/// would do with a question. The config itself is not kept: what serves and explains reads it
/// from `ServingState.config` or its own copy.
public final class ResolutionModel: Sendable {
    /// VPC views in config order.
    public let views: [View]
    /// Views of queries arriving through a VPC's inbound Resolver endpoints.
    public let inboundViews: [View]
    /// For clients in no VPC: no private zones or rules.
    public let defaultView: View
    /// Upstream sets, in the order of their `UpstreamSetID`s: first `upstreams`, then forward
    /// rules' targets.
    public let upstreamSets: [[Upstream]]
    let endpointNames: EndpointNameTable
    /// Who may query: `allow` plus every VPC CIDR.
    let allowed: [CIDR]
    /// TTL cap for the SOA in negative answers from private zones (AWS-DNS-RULES 3.9).
    let negativeSOATTL: UInt32
    /// Turns the answer order of endpoint records on every query (AWS-DNS-RULES 3.5).
    private let rotation = Atomic<UInt32>(0)

    /// Most CNAME hops followed through local data before giving up (with SERVFAIL).
    static let maxChain = 8

    /// Builds the model, loading zone files confined to the config's folder.
    public convenience init(config: VPCDNSConfig, zoneRoot: String) throws(ConfigErrors) {
        try self.init(config: config) { reference throws(ConfigErrors) in
            try ZoneAdapter.load(reference, includeRoot: zoneRoot)
        }
    }

    /// Builds the model with an injected zone loader; throws every validation error found.
    public init(config: VPCDNSConfig, loadZone: @escaping (ZoneFileReference) throws(ConfigErrors) -> Zone) throws(ConfigErrors) {
        var builder = ModelBuilder(config: config, loadZone: loadZone)
        let views = builder.buildViews()
        guard builder.errors.isEmpty else { throw ConfigErrors(builder.errors.sorted { $0.location < $1.location }) }
        self.views = views
        inboundViews = builder.inboundViews
        defaultView = View(name: "default", vpc: nil, dnsSupport: true,
                           authorities: Dictionary(uniqueKeysWithValues: AutodefinedZones.defaultView.map { ($0.apex, Authority(autodefined: $0)) }))
        upstreamSets = builder.upstreamSets
        endpointNames = builder.endpointNames
        allowed = config.allow + config.vpcs.flatMap(\.cidrs)
        negativeSOATTL = UInt32(config.negativeSoaTTL)
    }

    /// The servers of upstream set `set`.
    public func upstreams(of set: UpstreamSetID) -> [Upstream] { upstreamSets[set.index] }

    /// Number of endpoint-specific names served, for status lines.
    public var endpointNameCount: Int { endpointNames.count }

    /// Endpoint-specific records, for `vpcdns zones`.
    public var endpointRecords: [ResourceRecord] { endpointNames.allRecords }

    /// The view a query sees: the inbound endpoint or the VPC whose own listen address it arrived
    /// on; else the first VPC in config order whose CIDRs hold the client; else the default view.
    public func view(client: IPAddress, local: SocketAddress?) -> View {
        if let local, let view = inboundViews.first(where: { $0.inboundEndpoint?.listen.contains(local) == true }) { return view }
        return viewIndex(client: client, local: local).map { views[$0] } ?? defaultView
    }

    /// Whether a query arriving on `local` came through an inbound Resolver endpoint (its view is
    /// one of `inboundViews`, not of `views`).
    public func arrivesThroughInboundEndpoint(_ local: SocketAddress?) -> Bool {
        guard let local, !inboundViews.isEmpty else { return false }
        return inboundViews.contains { $0.inboundEndpoint?.listen.contains(local) == true }
    }

    /// The position in `views` of the VPC view `view(client:local:)` picks for a query that did
    /// not come through an inbound endpoint; nil for the default view.
    public func viewIndex(client: IPAddress, local: SocketAddress?) -> Int? {
        if let local, let index = views.firstIndex(where: { $0.vpc?.listen.contains(local) == true }) {
            return index
        }
        let client = client.unmapped
        return views.firstIndex { $0.vpc?.cidrs.contains { $0.contains(client) } == true }
    }

    public func isAllowed(_ client: IPAddress) -> Bool {
        let client = client.unmapped
        return allowed.contains { $0.contains(client) }
    }

    /// What AWS's resolver would do with `question` from `client`, arriving on `local`.
    public func decide(_ question: Question, client: IPAddress, local: SocketAddress?) -> Decision {
        let view = view(client: client, local: local)
        guard isAllowed(client) else { return .refuse(Reason(view: view.name, source: .notAllowed)) }
        guard view.dnsSupport else {
            return .drop(Reason(view: view.name, source: .dnsSupportDisabled, location: view.vpc?.location(of: "enable_dns_support")))
        }
        let decision = view.firewall == nil ? resolve(question, in: view) : screened(question, in: view)
        guard let endpoint = view.inboundEndpoint else { return decision }
        return decision.withReason { $0.resolverEndpoint = endpoint.id }
    }

    /// Resolves through rules, private zones and endpoint names (in AWS's order), following
    /// CNAMEs through local data; what is left goes upstream.
    public func resolve(_ question: Question, in view: View) -> Decision {
        var name = question.name
        var chain: [ResourceRecord] = []
        for _ in 0..<Self.maxChain {
            let step = resolveOnce(name, type: question.type, in: view)
            switch step {
            case .done(var answer):
                answer.answers = chain + answer.answers
                return .answer(answer)
            case .forward(let upstream, let reason):
                return .forward(upstream: upstream, name: name, chain: chain, reason: reason)
            case .cname(let records, let target):
                chain += records
                name = target
            }
        }
        return .answer(Answer(rcode: .servFail, answers: [], reason: Reason(view: view.name, source: .recursion)))
    }

    private enum Step {
        case done(Answer)
        case forward(upstream: UpstreamSetID, reason: Reason)
        /// Local data gave a CNAME chain leaving it: continue at `target`.
        case cname([ResourceRecord], target: DNSName)
    }

    private func resolveOnce(_ name: DNSName, type: RRType, in view: View) -> Step {
        var systemRule: ResolverRule?
        let labels = name.labelCount
        var drop = max(0, labels - view.deepestAuthority)
        while drop <= labels {
            let suffix = drop == 0 ? name : name.dropping(labels: drop)
            drop += 1
            guard let authority = view.authorities[suffix] else { continue }
            if let rule = authority.rule, systemRule == nil {
                switch rule.kind {
                case .forward(let upstream):
                    return .forward(upstream: upstream, reason: Reason(view: view.name, source: .forwardRule(domain: rule.domain), location: rule.location))
                case .system:
                    systemRule = rule
                }
            }
            if let served = authority.zone {
                return answer(from: served, name: name, type: type, view: view)
            }
            if let zone = authority.autodefined {
                return .done(answer(from: zone, name: name, type: type, view: view))
            }
        }
        if let entry = endpointNames.lookup(name) {
            let reason = Reason(view: view.name, source: .endpointName(endpointID: entry.endpointID))
            let matching = type == .any ? entry.records.minimalANYAnswer() : entry.records.filter { $0.type == type }
            if matching.isEmpty {
                return .done(Answer(rcode: .noError, answers: [], authorities: [entry.soa], reason: reason))
            }
            return .done(Answer(rcode: .noError, answers: rotated(matching), reason: reason))
        }
        let reason = systemRule.map { Reason(view: view.name, source: .systemRule(domain: $0.domain), location: $0.location) }
            ?? Reason(view: view.name, source: .recursion)
        return .forward(upstream: .configured, reason: reason)
    }

    private func answer(from served: ServedZone, name: DNSName, type: RRType, view: View) -> Step {
        let reason = Reason(view: view.name, source: served.source, location: served.location)
        switch served.zone.lookup(name, type: type) {
        case .answer(let records):
            if let last = records.last, case .cname(let target) = last.rdata, type != .cname, type != .any,
               !target.isSubdomain(of: served.zone.origin) {
                return .cname(records, target: target)
            }
            return .done(Answer(rcode: .noError, answers: served.rotatesAnswers ? rotated(records) : records, reason: reason))
        case .noData(let soa, let chain):
            return .done(Answer(rcode: .noError, answers: chain, authorities: [negative(soa)], reason: reason))
        case .nxDomain(let soa, let chain):
            return .done(Answer(rcode: .nxDomain, answers: chain, authorities: [negative(soa)], reason: reason))
        case .delegation:
            // A delegation inside a private zone: AWS's resolver would follow it; vpcdns hands
            // the question to the default upstreams.
            return .forward(upstream: .configured, reason: reason)
        case .outOfZone:
            return .forward(upstream: .configured, reason: reason)
        }
    }

    /// The SOA of a negative answer: TTL min(SOA TTL, SOA MINIMUM) per RFC 2308, capped by
    /// `negative_soa_ttl` (AWS answers were seen with 60, AWS-DNS-RULES 3.9).
    func negative(_ soa: ResourceRecord) -> ResourceRecord {
        var capped = soa
        let minimum: UInt32 = if case .soa(let values) = soa.rdata { values.minimum } else { soa.ttl }
        capped.ttl = min(soa.ttl, minimum, negativeSOATTL)
        return capped
    }

    /// The records turned by one position more than on the previous call.
    private func rotated(_ records: [ResourceRecord]) -> [ResourceRecord] {
        guard records.count > 1 else { return records }
        let turn = Int(rotation.add(1, ordering: .relaxed).oldValue % UInt32(records.count))
        return Array(records[turn...] + records[..<turn])
    }
}
