import DNSWire
import IPAddress
import Resolver
import VPCConfig
import VPCModel

/// Answer provenance for people who only have dig: a CHAOS-class TXT query for
/// `[_TYPE.]NAME.explain.vpcdns.` is answered with the steps `vpcdns explain` prints for NAME
/// (type TYPE, default A) asked by the same client on the same address, one TXT record per step,
/// then the reason and the answer records. The engine offers it CHAOS questions only after its
/// door, so only clients it serves get here; of those, only clients in `explain.allow` get the
/// steps, others get REFUSED.
public struct WireProvenance: ChaosResponder {
    public static let suffix: DNSName = "explain.vpcdns."

    public init() {}

    /// The steps for a provenance question; nil for any other CHAOS question or with `explain`
    /// off (the engine refuses those).
    public func answer(_ question: Question, client: SocketAddress, local: SocketAddress?, state: ServingState)
        -> (rcode: RCode, answers: [ResourceRecord])? {
        guard let explain = state.config.explain, question.type == .txt, question.name.isSubdomain(of: Self.suffix),
              question.name.labelCount > Self.suffix.labelCount
        else { return nil }
        guard explain.allow.contains(where: { $0.contains(client.ip.unmapped) }) else { return (.refused, []) }
        guard let asked = Self.innerQuestion(question.name) else { return (.formErr, []) }
        let explanation = Explainer.explain(asked, client: client.ip, local: local, config: state.config, model: state.model,
                                            upstreamNames: state.upstreams.upstreamNames)
        var lines = explanation.steps.enumerated().map { "\($0.offset + 1). \($0.element)" }
        lines.append("reason: \(explanation.reason)")
        if let answer = explanation.response {
            lines.append("status: \(answer.rcode)")
            lines += answer.answers.map { "answer: \($0)" }
        }
        let records = lines.map { line in
            ResourceRecord(name: question.name, dnsClass: .chaos, ttl: 0, rdata: .txt(Self.chunks(Array(line.utf8))))
        }
        return (.noError, records)
    }

    /// `[_TYPE.]NAME` from `[_TYPE.]NAME.explain.vpcdns.`.
    static func innerQuestion(_ name: DNSName) -> Question? {
        var labels = Array(name.labels.dropLast(suffix.labelCount))
        var type = RRType.a
        if let first = labels.first, first.first == UInt8(ascii: "_"), labels.count > 1 {
            guard let asked = RRType(mnemonic: String(decoding: first.dropFirst(), as: UTF8.self)) else { return nil }
            type = asked
            labels.removeFirst()
        }
        guard let inner = try? DNSName(labels: labels) else { return nil }
        return Question(name: inner, type: type)
    }

    /// TXT character-strings of at most 255 bytes.
    private static func chunks(_ bytes: [UInt8]) -> [[UInt8]] {
        stride(from: 0, to: max(bytes.count, 1), by: 255).map { Array(bytes[$0..<min($0 + 255, bytes.count)]) }
    }
}
