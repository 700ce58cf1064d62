import DNSWire
import IPAddress
import VPCConfig
import VPCModel

/// Why vpcdns answers a question the way it does: each step of the decision with the config
/// line of every fact it used, then the response it sends.
public struct Explanation: Sendable {
    /// One step; `location` is the config (or zone file) line the step rests on.
    public struct Step: Sendable, CustomStringConvertible {
        public var text: String
        public var location: SourceLocation?

        public var description: String { text + (location.map { " [\($0)]" } ?? "") }
    }

    public var question: Question
    public var steps: [Step]
    /// The model's decision.
    public var decision: Decision
    /// The one-line reason, as the query log's `vpcdns_answered_by` prints it.
    public var reason: String
    /// The response vpcdns sends: nil when it sends none (dropped), or when the answer comes from
    /// an upstream that was not asked (offline) and no cached answer was at hand.
    public var response: Message?

    /// Steps then the response in dig's format, as `vpcdns explain` and `vpcdns ctl lookup` print.
    public var text: String {
        var lines = [";; \(question.name) \(question.dnsClass) \(question.type)"]
        for (index, step) in steps.enumerated() { lines.append("\(index + 1). \(step)") }
        lines.append("")
        if let response {
            lines.append(DigFormat.render(response))
        } else if case .drop = decision {
            lines.append(";; no response: the client sees a timeout")
        } else {
            lines.append(";; no response shown: the upstream's answer is not known offline")
        }
        return lines.joined(separator: "\n")
    }
}
