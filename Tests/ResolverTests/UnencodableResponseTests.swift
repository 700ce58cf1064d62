import DNSWire
import Resolver
import Testing

/// A response holding a record the wire cannot carry goes out as SERVFAIL, never a trap.
@Suite struct UnencodableResponseTests {
    @Test func oversizedRecordBecomesServFail() throws {
        let name = DNSName("big.example.")
        var header = ResponseBuilder.responseHeader(for: Header(id: 77))
        header.recursionDesired = true
        let huge = RData.txt(Array(repeating: Array(repeating: 0x61, count: 255), count: 257))
        let message = Message(header: header, questions: [Question(name: name, type: .txt)],
                              answers: [ResourceRecord(name: name, ttl: 60, rdata: huge)], edns: EDNS(udpPayloadSize: 4096))
        for maxSize in [512, 4096, 65535] {
            let reply = try Message(wire: ResponseBuilder.encoded(message, maxSize: maxSize))
            #expect(reply.header.id == 77)
            #expect(reply.rcode == .servFail)
            #expect(reply.questions == message.questions)
            #expect(reply.answers.isEmpty)
            #expect(reply.edns != nil)
        }
    }

    @Test func headerOnlyWhenEvenTheErrorCannotBeWritten() throws {
        let options = Array(repeating: EDNS.Option(code: 65001, data: Array(repeating: 0, count: 40_000)), count: 2)
        let message = Message(header: ResponseBuilder.responseHeader(for: Header(id: 78)),
                              questions: [Question(name: "a.example.", type: .a)], edns: EDNS(options: options))
        let bytes = ResponseBuilder.encoded(message, maxSize: 65535)
        #expect(bytes.count == 12)
        let reply = try Message(wire: bytes)
        #expect(reply.header.id == 78 && reply.rcode == .servFail && reply.questions.isEmpty)
    }
}
