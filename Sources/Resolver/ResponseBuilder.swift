import DNSWire

/// Builds responses from sections, with the header, OPT record and size limit `ReplyRules` sets
/// for every reply (`qr rd ra`, AA never set, EDNS answered with `udp: 4096`).
public enum ResponseBuilder {
    /// The header of a response to `query`: ID, opcode, RD and CD copied; QR and RA set.
    public static func responseHeader(for query: Header) -> Header {
        Header(id: query.id, flags: ReplyRules.flags(query: query.flags, rcode: RCode.noError.rawValue))
    }

    /// A complete response with the given sections, encoded to fit the client.
    public static func response(to request: Request, rcode: RCode, answers: [ResourceRecord],
                                authorities: [ResourceRecord] = [], additionals: [ResourceRecord] = []) -> [UInt8] {
        var message = Message(header: responseHeader(for: request.message.header), questions: [request.question],
                              answers: answers, authorities: authorities, additionals: additionals,
                              edns: ReplyRules.edns(answering: request.edns))
        message.rcode = rcode
        return encoded(message, maxSize: request.maxResponseSize)
    }

    /// An error response echoing the query's question section (if it had exactly one question).
    public static func error(_ rcode: RCode, for query: Message, overTCP: Bool) -> [UInt8] {
        var message = Message(header: responseHeader(for: query.header),
                              questions: query.questions.count == 1 ? query.questions : [],
                              edns: ReplyRules.edns(answering: query.edns))
        message.rcode = rcode
        return encoded(message, maxSize: ReplyRules.maxSize(payloadSize: query.edns?.udpPayloadSize, overTCP: overTCP))
    }

    /// An error response to an admitted request.
    public static func error(_ rcode: RCode, for request: Request) -> [UInt8] {
        response(to: request, rcode: rcode, answers: [])
    }

    /// `message` on the wire, fitted to `maxSize` by `ReplyRules.encode`; when a record cannot be
    /// encoded (RDATA over 65535 bytes, a character-string over 255), SERVFAIL with the question
    /// and OPT only, and failing even that, the bare header with SERVFAIL. A response that cannot
    /// be written never traps.
    public static func encoded(_ message: Message, maxSize: Int) -> [UInt8] {
        if let wire = try? ReplyRules.encode(message, maxSize: maxSize) { return wire }
        var failure = Message(header: message.header, questions: message.questions, edns: message.edns)
        failure.rcode = .servFail
        if let wire = try? failure.encode(maxSize: maxSize) { return wire }
        var header = message.header
        header.rcodeLow = UInt8(RCode.servFail.rawValue)
        return header.wireWithoutSections
    }
}
