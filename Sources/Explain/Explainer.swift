import DNSWire
import IPAddress
import Resolver
import VPCConfig
import VPCModel

/// Builds explanations from the model: the decision is always `ResolutionModel.decide`'s own;
/// the steps around it cite the config facts that led there.
public enum Explainer {
    /// An answer for a forwarded question that is already known (the live cache), and where it came from.
    public typealias UpstreamAnswer = @Sendable (_ upstreamSet: UpstreamSetID, _ name: DNSName, _ type: RRType) -> (Message, String)?

    /// Explains `question` from `client`, arriving on `local` (a listen address, or nil), with
    /// `model` built from `config` (whose lines the steps cite). `upstreamNames`: the servers of
    /// each upstream set, for naming them; `known`: a cached answer.
    public static func explain(_ question: Question, client: IPAddress, local: SocketAddress?, config: VPCDNSConfig,
                               model: ResolutionModel, upstreamNames: [[String]] = [], known: UpstreamAnswer? = nil) -> Explanation {
        var steps: [Explanation.Step] = []
        func step(_ text: String, _ location: SourceLocation? = nil) { steps.append(.init(text: text, location: location)) }

        step("query from \(client)" + (local.map { " arriving on \($0)" } ?? ""))
        let view = model.view(client: client, local: local)
        step(viewReason(view, client: client, local: local), view.vpc.map { vpc in
            if let local, vpc.listen.contains(local) { return vpc.origin.location(of: "listen") }
            return vpc.origin.location(of: "cidrs")
        })
        if let cidr = config.allow.first(where: { $0.contains(client.unmapped) }) {
            step("client allowed by allow \(cidr)", config.origin.location(of: "allow"))
        } else if let vpc = config.vpcs.first(where: { $0.cidrs.contains { $0.contains(client.unmapped) } }) {
            step("client allowed: inside the CIDRs of \(vpc.id)", vpc.origin.location(of: "cidrs"))
        } else {
            step("client not allowed: in neither allow nor any VPC's CIDRs", config.origin.location(of: "allow"))
        }
        if !view.dnsSupport { step("enable_dns_support is false in \(view.name): the resolver does not answer", view.vpc?.origin.location(of: "enable_dns_support")) }

        let decision = model.decide(question, client: client, local: local)
        let consulted: Bool = switch decision {
        case .refuse, .drop: false
        default: true
        }
        var chain: [ResourceRecord] = []
        if consulted {
            steps += candidates(question.name, view: view, upstreams: upstreamNames)
            if let endpoint = model.endpointNameOwner(question.name) {
                step("\(question.name) is an endpoint-specific name of \(endpoint) (public, every view)")
            }
            chain = cnameChain(decision, type: question.type)
            for record in chain { if case .cname(let target) = record.rdata { step("local CNAME \(record.name) -> \(target): resolution continues at \(target)") } }
        }

        let query = queryBytes(question)
        let request: Request? = query.withUnsafeBytes { bytes in
            if case .accepted(let request) = RequestAdmission.admit(bytes, overTCP: false) { return request }
            return nil
        }
        var response: Message?
        let reason: Reason
        switch decision {
        case .answer(let answer):
            reason = answer.reason
            step("answered locally, \(answer.rcode) with \(answer.answers.count) answer record\(answer.answers.count == 1 ? "" : "s"): \(answer.reason.withoutLocation)",
                 answer.reason.location)
            response = request.flatMap { try? Message(wire: ResponseBuilder.response(to: $0, rcode: answer.rcode, answers: answer.answers,
                                                                                    authorities: answer.authorities)) }
        case .refuse(let why):
            reason = why
            step("REFUSED: \(why.withoutLocation)", why.location)
            response = request.flatMap { try? Message(wire: ResponseBuilder.error(.refused, for: $0)) }
        case .drop(let why):
            reason = why
            step("dropped: \(why.withoutLocation)", why.location)
        case .forward(let upstream, let name, let localChain, let why):
            reason = why
            let servers = upstream.index < upstreamNames.count ? upstreamNames[upstream.index].joined(separator: ", ") : "?"
            let origin = why.location ?? config.origin.location(of: "upstreams")
            step("forwarded: \(why.withoutLocation); \(name) \(question.type) goes to upstream set \(upstream) (\(servers.isEmpty ? "no servers: SERVFAIL" : servers))", origin)
            if let (message, source) = known?(upstream, name, question.type), let request {
                step("the upstream's answer is \(source)")
                response = try? Message(wire: ResponseBuilder.response(to: request, rcode: message.rcode, answers: localChain + message.answers,
                                                                       authorities: message.authorities))
            }
        }
        return Explanation(question: question, steps: steps, decision: decision, reason: reason.description, response: response)
    }

    private static func viewReason(_ view: View, client: IPAddress, local: SocketAddress?) -> String {
        guard let vpc = view.vpc else {
            return "view default: the client is in no VPC's CIDRs" + (local == nil ? "" : " and the query arrived on no VPC's listen address")
        }
        if let local, vpc.listen.contains(local) { return "view \(vpc.id): the query arrived on its listen address \(local)" }
        let cidr = vpc.cidrs.first { $0.contains(client.unmapped) }.map(\.description) ?? "?"
        return "view \(vpc.id): the client is inside its CIDR \(cidr) (the first VPC in config order that holds it)"
    }

    /// Every rule and zone at the name or its parents, most specific first, as AWS weighs them.
    private static func candidates(_ name: DNSName, view: View, upstreams: [[String]]) -> [Explanation.Step] {
        let found = view.configured(along: name)
        guard !found.isEmpty else {
            return [.init(text: "no resolver rule or private zone of view \(view.name) covers \(name) or a parent name", location: nil)]
        }
        return found.map { item in
            let text: String = switch item.kind {
            case .forwardRule(let upstream):
                "FORWARD rule for \(item.name) (upstream set \(upstream): "
                    + (upstream.index < upstreams.count ? upstreams[upstream.index].joined(separator: ", ") : "?") + ")"
            case .systemRule: "SYSTEM rule for \(item.name): rules stop here, private zones and names still apply"
            case .zone(let zone): zone.source.zoneDescription(item.name)
            case .autodefined(let what): "autodefined zone \(item.name) (\(what)): a rule or private zone of the same name would win"
            }
            return .init(text: "candidate: " + text, location: item.location)
        }
    }

    /// The local CNAMEs followed on the way (none when CNAME itself was asked for).
    private static func cnameChain(_ decision: Decision, type: RRType) -> [ResourceRecord] {
        switch decision {
        case .answer(let answer): type == .cname || type == .any ? [] : answer.answers.filter { $0.type == .cname }
        case .forward(_, _, let chain, _): chain
        default: []
        }
    }

    static func queryBytes(_ question: Question) -> [UInt8] {
        var header = Header(id: 0)
        header.recursionDesired = true
        return (try? Message(header: header, questions: [question], edns: EDNS(udpPayloadSize: 1232)).encode()) ?? []
    }
}

extension Reason {
    /// The reason's text without its config location (a step prints that on its own).
    var withoutLocation: String {
        var copy = self
        copy.location = nil
        return copy.description
    }
}

extension Reason.Source {
    /// How a candidate zone at `apex` is named in a step.
    func zoneDescription(_ apex: DNSName) -> String {
        switch self {
        case .privateZone(_, let file): "private zone \(apex) (\(file))"
        case .managedZone(_, let endpoint): "private zone \(apex) (endpoint private DNS of \(endpoint))"
        default: "zone \(apex)"
        }
    }
}
