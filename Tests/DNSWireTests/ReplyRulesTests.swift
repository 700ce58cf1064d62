import DNSWire
import Testing

@Suite struct ReplyRulesWireTests {
    /// The OPT record written without building it is the one `EDNS.encode` writes for the reply.
    @Test(arguments: [false, true])
    func optBytesEqualTheEncodedReplyEDNS(dnssecOK: Bool) throws {
        let edns = try #require(ReplyRules.edns(answering: EDNS(udpPayloadSize: 1232, dnssecOK: dnssecOK)))
        var writer = WireWriter()
        try edns.encode(to: &writer)
        var written = [UInt8](repeating: 0xff, count: ReplyRules.optSize)
        written.withUnsafeMutableBufferPointer { ReplyRules.writeOPT(dnssecOK: dnssecOK, to: $0.baseAddress!) }
        #expect(written == writer.bytes)
        #expect(edns.encodedSize == ReplyRules.optSize)
    }

    @Test func replySizeLimits() {
        #expect(ReplyRules.maxSize(payloadSize: nil, overTCP: false) == 512)
        #expect(ReplyRules.maxSize(payloadSize: 100, overTCP: false) == 512)
        #expect(ReplyRules.maxSize(payloadSize: 1232, overTCP: false) == 1232)
        #expect(ReplyRules.maxSize(payloadSize: 65000, overTCP: false) == 4096)
        #expect(ReplyRules.maxSize(payloadSize: nil, overTCP: true) == 65535)
        #expect(ReplyRules.edns(answering: nil) == nil)
    }

    /// A reply whose answer fits a whole message only without the OPT record: truncated with TC
    /// over UDP, and by the plain encoder; over TCP sent with all its answers, without its
    /// additional data and OPT.
    @Test func overTCPAReplyIsNotTruncatedForSizeAlone() throws {
        let strings = Array(repeating: "\"" + String(repeating: "x", count: 255) + "\"", count: 255)
        var header = Header(id: 7)
        header.isResponse = true
        var reply = Message(header: header, questions: [Question(name: try DNSName("big.example."), type: .txt)],
                            answers: [try ResourceRecord("big.example. 60 IN TXT " + strings.joined(separator: " "))])
        // A second record of 13 + `length` bytes brings the answer to 65,530 bytes: 5 short of a
        // whole message, 6 too many with the 11-byte OPT.
        let length = 65530 - 13 - (try reply.encode().count)
        reply.answers.append(try ResourceRecord("big.example. 60 IN TXT \"" + String(repeating: "y", count: length) + "\""))
        #expect(try reply.encode().count == 65530)
        reply.additionals = [try ResourceRecord("ns1.example. 60 IN A 192.0.2.53")]
        reply.edns = ReplyRules.edns(answering: EDNS())
        #expect(try Message(wire: try reply.encode(maxSize: 65535)).header.truncated, "the plain encoder truncates")

        let tcp = try Message(wire: try ReplyRules.encode(reply, maxSize: ReplyRules.tcpMaxSize))
        #expect(!tcp.header.truncated && tcp.answers.count == 2 && tcp.additionals.isEmpty && tcp.edns == nil)
        let udp = try Message(wire: try ReplyRules.encode(reply, maxSize: 4096))
        #expect(udp.header.truncated && udp.edns != nil)
    }
}
