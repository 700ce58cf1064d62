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
}
