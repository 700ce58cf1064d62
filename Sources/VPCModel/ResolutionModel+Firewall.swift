import DNSWire
import VPCConfig

/// The DNS Firewall on the model's decision: it runs first, before rules and zones, on the query
/// name, and again on every name of the CNAME chain that local data gives (AWS-DNS-RULES 6.1).
/// The chain of a forwarded answer is inspected when it comes back (`FirewallOutcome`).
extension ResolutionModel {
    func screened(_ question: Question, in view: View) -> Decision {
        guard let firewall = view.firewall else { return resolve(question, in: view) }
        switch firewall.inspect(CollectionOfOne(question.name), type: question.type) {
        case .fail:
            return failedClosed(view)
        case .block(let match, let block):
            return blocked(question, by: match, answering: block, in: view)
        case .pass(let alert, let trusted):
            let decision = resolve(question, in: view)
            if trusted {
                return decision.withReason { $0.firewall = FirewallOutcome(match: alert, pendingInspection: nil) }
            }
            let localChain: [ResourceRecord]
            switch decision {
            case .answer(let answer): localChain = answer.answers
            case .forward(_, _, let chain, _): localChain = chain
            case .refuse, .drop: return decision
            }
            let targets = Firewall.redirectionTargets(localChain)
            if targets.isEmpty {
                let pending: Firewall? = if case .forward = decision { firewall } else { nil }
                return decision.withReason { $0.firewall = FirewallOutcome(match: alert, pendingInspection: pending) }
            }
            switch firewall.inspect(targets, type: question.type) {
            case .fail:
                return failedClosed(view)
            case .block(let match, let block):
                return blocked(question, by: match, answering: block, in: view)
            case .pass(let chainAlert, let chainTrusted):
                let pending: Firewall? = if case .forward = decision, !chainTrusted { firewall } else { nil }
                return decision.withReason { $0.firewall = FirewallOutcome(match: alert ?? chainAlert, pendingInspection: pending) }
            }
        }
    }

    private func failedClosed(_ view: View) -> Decision {
        .answer(Answer(rcode: .servFail, answers: [], reason: Reason(view: view.name, source: .firewallFailure,
                                                                     location: view.vpc?.location(of: "firewall"))))
    }

    /// The BLOCK answer. OVERRIDE answers the CNAME and resolves its target in the view, as a
    /// local CNAME does, without the firewall looking at the target again.
    private func blocked(_ question: Question, by match: FirewallMatch, answering block: BlockAnswer, in view: View) -> Decision {
        var reason = Reason(view: view.name, source: .firewallBlock(ruleGroupID: match.ruleGroupID, rule: match.ruleName))
        reason.firewall = FirewallOutcome(match: match, pendingInspection: nil)
        let (rcode, records) = block.response(to: question)
        guard case .override(let target, _) = block, question.type != .cname, question.type != .any else {
            return .answer(Answer(rcode: rcode, answers: records, reason: reason))
        }
        switch resolve(Question(name: target, type: question.type), in: view) {
        case .answer(var answer):
            answer.answers = records + answer.answers
            answer.reason = reason
            return .answer(answer)
        case .forward(let upstream, let name, let chain, _):
            return .forward(upstream: upstream, name: name, chain: records + chain, reason: reason)
        case .refuse, .drop:
            return .answer(Answer(rcode: rcode, answers: records, reason: reason))
        }
    }
}

extension Firewall {
    /// The names a redirection chain leads a query to: each CNAME target, in order.
    public static func redirectionTargets(_ answers: [ResourceRecord]) -> [DNSName] {
        var names: [DNSName] = []
        for record in answers {
            if case .cname(let target) = record.rdata { names.append(target) }
        }
        return names
    }
}

extension BlockAnswer {
    /// The RCODE and answer records of this block response to `question`: NODATA is NOERROR with
    /// nothing, NXDOMAIN the name error, OVERRIDE the CNAME with its TTL.
    public func response(to question: Question) -> (RCode, [ResourceRecord]) {
        switch self {
        case .noData: (.noError, [])
        case .nxDomain: (.nxDomain, [])
        case .override(let target, let ttl): (.noError, [ResourceRecord(name: question.name, ttl: ttl, rdata: .cname(target))])
        }
    }
}

extension Decision {
    /// The same decision with its reason changed by `change`.
    public func withReason(_ change: (inout Reason) -> Void) -> Decision {
        switch self {
        case .answer(var answer):
            change(&answer.reason)
            return .answer(answer)
        case .forward(let upstream, let name, let chain, var reason):
            change(&reason)
            return .forward(upstream: upstream, name: name, chain: chain, reason: reason)
        case .refuse(var reason):
            change(&reason)
            return .refuse(reason)
        case .drop(var reason):
            change(&reason)
            return .drop(reason)
        }
    }
}
