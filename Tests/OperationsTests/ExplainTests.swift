import DNSWire
import IPAddress
import Testing
import VPCConfig
import VPCModel
@testable import Explain

@Suite("explain")
struct ExplainTests {
    @Test func argumentsTakeNameTypeFromAndVia() throws {
        let parsed = try ExplainArguments.parse(["web.corp.test", "aaaa", "--from", "10.0.0.5", "--via", "10.0.0.2"])
        #expect(parsed.question == Question(name: "web.corp.test.", type: .aaaa))
        #expect(parsed.from == IPAddress("10.0.0.5"))
        #expect(parsed.via == SocketAddress("10.0.0.2:53"))
        #expect(throws: ExplainArguments.Invalid.self) { try ExplainArguments.parse(["a.test", "NOTATYPE"]) }
        #expect(throws: ExplainArguments.Invalid.self) { try ExplainArguments.parse(["a.test", "--from"]) }
        #expect(throws: ExplainArguments.Invalid.self) { try ExplainArguments.parse([]) }
    }

    @Test func provenanceNamesCarryTheQuestion() {
        #expect(WireProvenance.innerQuestion("web.corp.test.explain.vpcdns.") == Question(name: "web.corp.test.", type: .a))
        #expect(WireProvenance.innerQuestion("_aaaa.web.corp.test.explain.vpcdns.") == Question(name: "web.corp.test.", type: .aaaa))
        #expect(WireProvenance.innerQuestion("_bogus.web.explain.vpcdns.") == nil)
    }

    @Test func digFormatPrintsHeaderAndSections() throws {
        var header = Header(id: 42)
        header.isResponse = true
        header.recursionDesired = true
        let message = Message(header: header, questions: [Question(name: "a.test.", type: .a)],
                              answers: [ResourceRecord(name: "a.test.", ttl: 60, rdata: .a(IPv4Address(10, 0, 0, 1)))])
        let text = DigFormat.render(message)
        #expect(text.contains(";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 42"))
        #expect(text.contains(";; flags: qr rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 0"))
        #expect(text.contains(";; ANSWER SECTION:\na.test.\t60\tIN\tA\t10.0.0.1"))
    }
}
