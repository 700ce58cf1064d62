import DNSWire
import IPAddress
import Resolver
import VPCConfig
import VPCModel

/// Answer provenance for people who only have dig: a CHAOS-class TXT query for
/// `[_TYPE.]NAME.explain.vpcdns.` is answered with the steps `vpcdns explain` prints for NAME
/// (type TYPE, default A) asked by the same client on the same address, one TXT record per step,
/// then the reason and the answer records. Only clients in `explain.allow` get it; others get
/// REFUSED.
public enum WireProvenance {
    public static let suffix: DNSName = "explain.vpcdns."

    /// Whether `bytes` is a query whose single question is of class CHAOS, read without decoding
    /// the message: the question name's labels are skipped and the class read.
    public static func isChaosQuestion(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count > 12, bytes[2] & 0x80 == 0, bytes[4] == 0, bytes[5] == 1 else { return false }
        var offset = 12
        while offset < bytes.count {
            let length = Int(bytes[offset])
            if length == 0 { break }
            guard length < 64 else { return false }
            offset += length + 1
        }
        offset += 3
        return offset + 1 < bytes.count && bytes[offset] == 0 && bytes[offset + 1] == DNSClass.chaos.rawValue.littleEndianLow
    }

    /// The response to a provenance question, or nil when `bytes` asks something else.
    public static func respond(to bytes: UnsafeRawBufferPointer, client: SocketAddress, local: SocketAddress?, overTCP: Bool,
                               allowed: [CIDR], config: VPCDNSConfig, model: ResolutionModel, upstreamNames: [[String]]) -> [UInt8]? {
        guard let query = try? Message(wire: bytes), query.questions.count == 1, let question = query.questions.first,
              question.dnsClass == .chaos, question.type == .txt, question.name.isSubdomain(of: suffix),
              question.name.labelCount > suffix.labelCount
        else { return nil }
        let maxSize = ReplyRules.maxSize(payloadSize: query.edns?.udpPayloadSize, overTCP: overTCP)
        var response = Message(header: ResponseBuilder.responseHeader(for: query.header), questions: [question],
                               edns: ReplyRules.edns(answering: query.edns))
        guard allowed.contains(where: { $0.contains(client.ip.unmapped) }), let asked = innerQuestion(question.name) else {
            response.rcode = allowed.contains(where: { $0.contains(client.ip.unmapped) }) ? .formErr : .refused
            return try? response.encode(maxSize: maxSize)
        }
        let explanation = Explainer.explain(asked, client: client.ip, local: local, config: config, model: model, upstreamNames: upstreamNames)
        var lines = explanation.steps.enumerated().map { "\($0.offset + 1). \($0.element)" }
        lines.append("reason: \(explanation.reason)")
        if let answer = explanation.response {
            lines.append("status: \(answer.rcode)")
            lines += answer.answers.map { "answer: \($0)" }
        }
        response.answers = lines.map { line in
            ResourceRecord(name: question.name, dnsClass: .chaos, ttl: 0, rdata: .txt(chunks(Array(line.utf8))))
        }
        return try? response.encode(maxSize: maxSize)
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

private extension UInt16 {
    var littleEndianLow: UInt8 { UInt8(self & 0xff) }
}
