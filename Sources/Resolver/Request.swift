import DNSWire

/// A query that passed the door checks: one question, QUERY opcode, EDNS version 0 or none.
public struct Request: Sendable {
    public let message: Message
    public let question: Question
    /// The largest response the client can take on this transport.
    public let maxResponseSize: Int

    public var edns: EDNS? { message.edns }
}

/// What the door checks decided for one datagram or TCP frame.
public enum Admission: Sendable {
    case accepted(Request)
    /// A response to send at once (FORMERR, NOTIMP, BADVERS, REFUSED), already encoded.
    case rejected([UInt8], RCode)
    /// Nothing to send: too short to answer, or itself a response.
    case dropped(reason: String)
}

/// The hardening at the door (RFC 1035, 6891; STYLE.md): header checked first, hostile input
/// assumed, every failure mapped to the response a client can act on.
public enum RequestAdmission {
    /// `allowingChaos` admits a CHAOS-class question too (for a `ChaosResponder`); any other class
    /// but IN is REFUSED.
    public static func admit(_ bytes: UnsafeRawBufferPointer, overTCP: Bool, allowingChaos: Bool = false) -> Admission {
        guard let peek = HeaderPeek(bytes) else { return .dropped(reason: "shorter than a header") }
        guard !peek.header.isResponse else { return .dropped(reason: "QR set in a request") }
        let message: Message
        do {
            message = try Message(wire: bytes)
        } catch {
            return .rejected(headerOnlyResponse(to: peek.header, rcode: .formErr), .formErr)
        }
        guard message.header.opcode == .query else {
            return .rejected(ResponseBuilder.error(.notImp, for: message, overTCP: overTCP), .notImp)
        }
        if let edns = message.edns, edns.version != 0 {
            return .rejected(ResponseBuilder.error(.badVers, for: message, overTCP: overTCP), .badVers)
        }
        guard message.questions.count == 1, let question = message.questions.first else {
            return .rejected(ResponseBuilder.error(.formErr, for: message, overTCP: overTCP), .formErr)
        }
        if question.type == .opt {
            return .rejected(ResponseBuilder.error(.formErr, for: message, overTCP: overTCP), .formErr)
        }
        if question.type == .axfr || question.type == .ixfr {
            return .rejected(ResponseBuilder.error(.notImp, for: message, overTCP: overTCP), .notImp)
        }
        guard question.dnsClass == .internet || (allowingChaos && question.dnsClass == .chaos) else {
            return .rejected(ResponseBuilder.error(.refused, for: message, overTCP: overTCP), .refused)
        }
        return .accepted(Request(message: message, question: question,
                                 maxResponseSize: ReplyRules.maxSize(payloadSize: message.edns?.udpPayloadSize, overTCP: overTCP)))
    }

    /// The header checks made before anything else is read (miekg/dns's accept rules): opcode
    /// QUERY, exactly one question, at most one answer or authority record (NOTIFY, IXFR) and two
    /// additional ones. Nil when the header passes.
    public static func rejection(_ peek: HeaderPeek) -> RCode? {
        guard peek.header.opcode == .query else { return .notImp }
        guard peek.questionCount == 1, peek.answerCount <= 1, peek.authorityCount <= 1, peek.additionalCount <= 2 else {
            return .formErr
        }
        return nil
    }

    /// FORMERR for a message whose body could not be read: the header's ID and opcode, no sections.
    static func headerOnlyResponse(to header: Header, rcode: RCode) -> [UInt8] {
        var reply = ResponseBuilder.responseHeader(for: header)
        reply.rcodeLow = UInt8(rcode.rawValue & 0xf)
        return reply.wireWithoutSections
    }
}
