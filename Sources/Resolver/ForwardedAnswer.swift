import DNSWire
import VPCModel

/// The response to a forwarded query, as the client gets it: the local CNAMEs that led to the
/// forwarded name, then the upstream's sections, unless the view's DNS Firewall stops a name of
/// the chain (INSPECT_REDIRECTION_DOMAIN, AWS-DNS-RULES 6.1): then its block response instead.
struct ForwardedAnswer {
    var rcode: RCode
    var answers: [ResourceRecord]
    var authorities: [ResourceRecord]
    var additionals: [ResourceRecord]
    var reason: Reason

    init(_ pending: PendingQuery, upstream: Message) {
        rcode = upstream.rcode
        answers = pending.chain + upstream.answers
        authorities = upstream.authorities
        additionals = upstream.additionals
        reason = pending.reason
        guard let firewall = reason.firewall?.pendingInspection else { return }
        let question = pending.request.question
        // The query name was inspected before it was forwarded: the chain's targets are left.
        switch firewall.inspect(Firewall.redirectionTargets(answers), type: question.type) {
        case .pass(let alert, _):
            if reason.firewall?.match == nil { reason.firewall?.match = alert }
        case .block(let match, let block):
            // An OVERRIDE here answers its CNAME alone: its target is not looked up again.
            (rcode, answers) = block.response(to: question)
            authorities = []
            additionals = []
            reason.source = .firewallBlock(ruleGroupID: match.ruleGroupID, rule: match.ruleName)
            reason.firewall?.match = match
        case .fail:
            rcode = .servFail
            answers = []
            authorities = []
            additionals = []
            reason.source = .firewallFailure
        }
        reason.firewall?.pendingInspection = nil
    }
}
