import DNSWire

/// Builds responses the way the VPC resolver sends them: `qr rd ra`, AA never set
/// (AWS-DNS-RULES 3.10), EDNS answered with `udp: 4096` (7.3), sized to what the client can take.
public enum ResponseBuilder {
    /// 512 without EDNS, the advertised size (at least 512, at most 4096) with it, 65535 over TCP.
    public static func maxResponseSize(for edns: EDNS?, overTCP: Bool) -> Int {
        if overTCP { return 65535 }
        guard let edns else { return 512 }
        return min(max(Int(edns.udpPayloadSize), 512), RequestAdmission.maxUDPPayload)
    }

    /// The header of a response to `query`: ID, opcode, RD and CD copied; QR and RA set.
    public static func responseHeader(for query: Header) -> Header {
        var header = Header(id: query.id)
        header.isResponse = true
        header.opcode = query.opcode
        header.recursionDesired = query.recursionDesired
        header.checkingDisabled = query.checkingDisabled
        header.recursionAvailable = true
        return header
    }

    /// The OPT record of a response: our payload size, the client's DO bit echoed (RFC 3225).
    public static func responseEDNS(for query: EDNS?) -> EDNS? {
        guard let query else { return nil }
        return EDNS(udpPayloadSize: UInt16(RequestAdmission.maxUDPPayload), dnssecOK: query.dnssecOK)
    }

    /// A complete response with the given sections, encoded to fit the client.
    public static func response(to request: Request, rcode: RCode, answers: [ResourceRecord],
                                authorities: [ResourceRecord] = [], additionals: [ResourceRecord] = []) -> [UInt8] {
        var message = Message(header: responseHeader(for: request.message.header), questions: [request.question],
                              answers: answers, authorities: authorities, additionals: additionals,
                              edns: responseEDNS(for: request.edns))
        message.rcode = rcode
        return encoded(message, maxSize: request.maxResponseSize)
    }

    /// An error response echoing the query's question section (if it had exactly one question).
    public static func error(_ rcode: RCode, for query: Message, overTCP: Bool) -> [UInt8] {
        var message = Message(header: responseHeader(for: query.header),
                              questions: query.questions.count == 1 ? query.questions : [], edns: responseEDNS(for: query.edns))
        message.rcode = rcode
        return encoded(message, maxSize: maxResponseSize(for: query.edns, overTCP: overTCP))
    }

    /// An error response to an admitted request.
    public static func error(_ rcode: RCode, for request: Request) -> [UInt8] {
        response(to: request, rcode: rcode, answers: [])
    }

    /// `message` on the wire; when a record cannot be encoded (RDATA over 65535 bytes, a
    /// character-string over 255), SERVFAIL with the question and OPT only, and failing even
    /// that, the bare header with SERVFAIL. A response that cannot be written never traps.
    public static func encoded(_ message: Message, maxSize: Int) -> [UInt8] {
        if let wire = try? message.encode(maxSize: maxSize) { return wire }
        var failure = Message(header: message.header, questions: message.questions, edns: message.edns)
        failure.rcode = .servFail
        if let wire = try? failure.encode(maxSize: maxSize) { return wire }
        var header = message.header
        header.rcodeLow = UInt8(RCode.servFail.rawValue)
        return header.wireWithoutSections
    }
}
