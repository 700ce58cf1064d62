import IPAddress
import Testing
@testable import DNSUpstream

/// `UpstreamConfiguration.randomizesCase`: on, the name goes upstream in random case and only an
/// answer echoing it is taken; off, the name goes as the client spelled it and an upstream that
/// answers in lowercase is taken.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct CaseRandomizationTests {
    /// Answers every query with the question's letters lowercased, as a server that does not echo
    /// the case does.
    private static func lowercasingServer() throws -> TestDNSServer {
        try TestDNSServer(.custom(tcp: false) { query, end, _ in
            let name = DNSTestMessage.parseQuestion(query)!.name
            var answer = DNSTestMessage.response(to: query, questionEnd: end, rcode: 0, addresses: [DNSTestMessage.address(for: name)])
            for index in 12..<(end - 4) where answer[index] >= 0x41 && answer[index] <= 0x5a { answer[index] |= 0x20 }
            return answer
        })
    }

    private static let name = "Mixed-Case.Example."
    private static let spelled = Array("\u{0A}Mixed-Case\u{07}Example".utf8)

    @Test func offSendsTheClientsSpellingAndTakesALowercaseAnswer() async throws {
        let server = try Self.lowercasingServer()
        defer { server.stop() }
        let channel = try UpstreamChannel(configuration: UpstreamConfiguration(
            servers: [server.address], timeout: .milliseconds(500), tries: 1, randomizesCase: false))
        defer { channel.shutdown() }

        let result = try #require(await ask(channel, DNSTestMessage.query(id: 0x0C0C, name: Self.name)))
        let bytes = try result.get()
        let answer = try #require(DNSTestMessage.parseAnswer(bytes))
        #expect(answer.id == server.received.first?.id)
        #expect(answer.addresses == [DNSTestMessage.address(for: "mixed-case.example.")])
        // The client gets its own spelling back; the upstream got it unchanged.
        #expect(Array(bytes[12..<(12 + Self.spelled.count)]) == Self.spelled)
        let sent = try #require(server.received.first)
        #expect(Array(sent.bytes[12..<(12 + Self.spelled.count)]) == Self.spelled)
    }

    @Test func onDropsALowercaseAnswer() async throws {
        let server = try Self.lowercasingServer()
        defer { server.stop() }
        let channel = try UpstreamChannel(configuration: UpstreamConfiguration(
            servers: [server.address], timeout: .milliseconds(300), tries: 1))
        defer { channel.shutdown() }

        let result = try #require(await ask(channel, DNSTestMessage.query(id: 7, name: "many-letters-in-this-name.example.")))
        #expect(throws: UpstreamError.self) { try result.get() }
        #expect(channel.counters.rejectedDatagrams >= 1)
        let sent = try #require(server.received.first)
        let sentName = Array(sent.bytes[12..<(sent.bytes.count - 4)])
        #expect(sentName.contains { $0 >= 0x41 && $0 <= 0x5a }, "no letter went upstream in uppercase")
    }

    /// Without regard to case applies to the name's letters only: QTYPE 65 (HTTPS) and 97 differ
    /// only in the bit that is the case bit of a letter.
    @Test func caseInsensitiveMatchKeepsQTYPEExact() {
        let https = DNSTestMessage.query(id: 1, name: "a.example.", type: 65)
        let other = DNSTestMessage.query(id: 1, name: "A.EXAMPLE.", type: 97)
        let question = Array(https[12...])
        var answer = other
        answer[2] |= 0x80
        #expect(!answer.withUnsafeBytes { UpstreamWire.matches($0, id: 1, question: question, caseSensitive: false) })
        var same = DNSTestMessage.query(id: 1, name: "A.EXAMPLE.", type: 65)
        same[2] |= 0x80
        #expect(same.withUnsafeBytes { UpstreamWire.matches($0, id: 1, question: question, caseSensitive: false) })
        #expect(!same.withUnsafeBytes { UpstreamWire.matches($0, id: 1, question: question) })
    }
}
