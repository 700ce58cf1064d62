import Dispatch
import IPAddress
import Testing
import Glibc
@testable import DNSUpstream

/// What a hostile or broken network does to the upstream side: large answers from servers
/// without TCP, error answers, forged answers, and how many bits a forger has to guess.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct UpstreamHardeningTests {
    private func channel(_ servers: [SocketAddress], timeout: Duration = .milliseconds(1000), tries: Int = 2) throws -> UpstreamChannel {
        try UpstreamChannel(configuration: UpstreamConfiguration(servers: servers, timeout: timeout, tries: tries))
    }

    /// `query` with an OPT record (1232-byte buffer) appended, as the resolver sends it.
    private func ednsQuery(id: UInt16, name: String) -> [UInt8] {
        var bytes = DNSTestMessage.query(id: id, name: name)
        bytes[11] = 1
        return bytes + [0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]
    }

    /// A 995-byte answer (61 A records) over UDP from a server that closes every TCP connection:
    /// c-ares 1.18 without EDNS took any UDP answer over 512 bytes for truncated.
    @Test func largeUDPAnswerFromAServerWithoutTCP() async throws {
        let server = try TestDNSServer(.custom(tcp: false) { query, end, _ in
            let name = DNSTestMessage.parseQuestion(query)!.name
            return DNSTestMessage.response(to: query, questionEnd: end, rcode: 0,
                                           addresses: (0..<61).map { DNSTestMessage.address(for: name, index: $0) })
        })
        defer { server.stop() }
        let channel = try channel([server.address])
        defer { channel.shutdown() }

        let name = "large.example."
        let result = try #require(await ask(channel, ednsQuery(id: 0x0995, name: name)))
        let bytes = try result.get()
        let expectedSize: Int = 12 + 19 + 61 * 16
        #expect(bytes.count == expectedSize)
        let answer = try #require(DNSTestMessage.parseAnswer(bytes))
        #expect(answer.id == server.received.first?.id)
        #expect(answer.addresses.count == 61)
        #expect(server.received.allSatisfy { !$0.overTCP })
        #expect(server.received.count == 1)
    }

    /// Error answers come back exactly as the server sent them (the channel's ID, name case restored), after
    /// one query: with ARES_FLAG_EDNS c-ares 1.18 would cut the query's last 11 bytes and resend it,
    /// and turn EDNS off for the channel, so that the next large answer needed TCP again.
    @Test(arguments: [UInt8(1), 2, 4, 5])
    func errorAnswersAreRelayedUnchangedAndKeepEDNS(rcode: UInt8) async throws {
        let server = try TestDNSServer(.custom(tcp: false) { query, end, _ in
            let name = DNSTestMessage.parseQuestion(query)!.name
            if name.hasPrefix("error") {
                // No OPT in the answer, as an EDNS-unaware server would send it.
                return DNSTestMessage.response(to: Array(query[..<end]), questionEnd: end, rcode: rcode)
            }
            return DNSTestMessage.response(to: query, questionEnd: end, rcode: 0,
                                           addresses: (0..<61).map { DNSTestMessage.address(for: name, index: $0) })
        })
        defer { server.stop() }
        let channel = try channel([server.address])
        defer { channel.shutdown() }

        let query = ednsQuery(id: 0x4545, name: "error.example.")
        let result = try #require(await ask(channel, query))
        let bytes = try result.get()
        let questionEnd = 12 + 15 + 4
        let received = server.received
        var expected = DNSTestMessage.response(to: Array(query[..<questionEnd]), questionEnd: questionEnd, rcode: rcode)
        expected.replaceSubrange(0..<2, with: received.first?.bytes.prefix(2) ?? [])
        #expect(bytes == expected)
        #expect(received.count == 1)
        #expect(received.first?.bytes.count == query.count, "the query went out cut: \(received)")

        let large = try #require(await ask(channel, ednsQuery(id: 7, name: "large.example.")))
        #expect(DNSTestMessage.parseAnswer(try large.get())?.addresses.count == 61)
        #expect(server.received.allSatisfy { !$0.overTCP })
    }

    /// The same over TCP, after a truncated UDP answer: the error answer streams through c-ares
    /// marked and comes back as sent; EDNS stays on for the next large UDP answer.
    @Test func errorAnswerOverTCPIsRelayedAndKeepsEDNS() async throws {
        let server = try TestDNSServer(.custom(tcp: true) { query, end, overTCP in
            let name = DNSTestMessage.parseQuestion(query)!.name
            if name.hasPrefix("error") {
                return overTCP ? DNSTestMessage.response(to: Array(query[..<end]), questionEnd: end, rcode: 2)
                               : DNSTestMessage.response(to: query, questionEnd: end, rcode: 0, truncated: true)
            }
            return overTCP ? nil : DNSTestMessage.response(to: query, questionEnd: end, rcode: 0,
                                                           addresses: (0..<61).map { DNSTestMessage.address(for: name, index: $0) })
        })
        defer { server.stop() }
        let channel = try channel([server.address])
        defer { channel.shutdown() }

        let query = ednsQuery(id: 0x7C97, name: "error.example.")
        let result = try #require(await ask(channel, query))
        let questionEnd = 12 + 15 + 4
        var expected = DNSTestMessage.response(to: Array(query[..<questionEnd]), questionEnd: questionEnd, rcode: 2)
        expected.replaceSubrange(0..<2, with: server.received.last?.bytes.prefix(2) ?? [])
        #expect(try result.get() == expected)
        #expect(server.received.map(\.overTCP) == [false, true])
        #expect(server.received.allSatisfy { $0.bytes.count == query.count })

        let large = try #require(await ask(channel, ednsQuery(id: 7, name: "large.example.")))
        #expect(DNSTestMessage.parseAnswer(try large.get())?.addresses.count == 61)
        #expect(server.received.filter(\.overTCP).count == 1)
    }

    /// SERVFAIL or REFUSED from the first server: the second is asked at once.
    @Test(arguments: [TestDNSServer.Behavior.servfail, .refused])
    func errorFromTheFirstServerAsksTheNext(first: TestDNSServer.Behavior) async throws {
        let failing = try TestDNSServer(first)
        defer { failing.stop() }
        let answering = try TestDNSServer(.answer)
        defer { answering.stop() }
        let channel = try channel([failing.address, answering.address], timeout: .seconds(5))
        defer { channel.shutdown() }

        let name = "next.example."
        let result = try #require(await ask(channel, DNSTestMessage.query(id: 0x0A0A, name: name), limit: .seconds(3)))
        let answer = try #require(DNSTestMessage.parseAnswer(try result.get()))
        #expect(answer.rcode == 0)
        #expect(answer.addresses == [DNSTestMessage.address(for: name)])
        #expect(failing.received.count == 1)
        #expect(answering.received.count == 1)
    }

    /// Every server fails: the last error answer is relayed, also when a later server is silent.
    @Test func lastErrorAnswerIsRelayedWhenEveryServerFails() async throws {
        let servfail = try TestDNSServer(.servfail)
        defer { servfail.stop() }
        let refused = try TestDNSServer(.refused)
        defer { refused.stop() }
        let silent = try TestDNSServer(.silent)
        defer { silent.stop() }

        let both = try channel([servfail.address, refused.address], tries: 1)
        defer { both.shutdown() }
        let last = try #require(await ask(both, DNSTestMessage.query(id: 1, name: "all.example.")))
        #expect(DNSTestMessage.parseAnswer(try last.get())?.rcode == 5)

        let thenSilent = try channel([servfail.address, silent.address], timeout: .milliseconds(200), tries: 1)
        defer { thenSilent.shutdown() }
        let held = try #require(await ask(thenSilent, DNSTestMessage.query(id: 2, name: "held.example.")))
        let answer = try #require(DNSTestMessage.parseAnswer(try held.get()))
        #expect(answer.rcode == 2)
        #expect(answer.id == servfail.received.last?.id, "relayed as the server sent it, with the channel's ID")
    }

    /// While many queries are outstanding, each leaves from its own port (c-ares 1.18 alone sends
    /// them all from one), and the name's letters arrive in random case.
    @Test func everyQueryHasItsOwnPortAndCasePattern() async throws {
        let count = 64
        let server = try TestDNSServer(.holdUntil(distinctIDs: count, maxWaitMilliseconds: 5000))
        defer { server.stop() }
        let channel = try channel([server.address], timeout: .seconds(10), tries: 1)
        defer { channel.shutdown() }

        let name = "abcdefghijklmnopqrstuvwxyz.example."
        let results = await withTaskGroup(of: Result<[UInt8], UpstreamError>?.self) { group in
            for index in 0..<count {
                group.addTask { await ask(channel, DNSTestMessage.query(id: UInt16(index), name: name)) }
            }
            var results: [Result<[UInt8], UpstreamError>?] = []
            for await result in group { results.append(result) }
            return results
        }
        let received = server.received
        #expect(received.count == count)
        let ports = Set(received.compactMap(\.sourcePort))
        #expect(ports.count >= count - 2, "\(count) outstanding queries left from \(ports.count) ports")
        #expect(ports.allSatisfy { $0 >= 1024 })
        let spelled = Set(received.map { String(decoding: $0.bytes[13..<39], as: UTF8.self) })
        #expect(spelled.count >= count - 2, "\(count) queries had \(spelled.count) case patterns")
        for result in results {
            let bytes = try #require(try result?.get())
            // The caller gets its own spelling back.
            #expect(String(decoding: bytes[13..<39], as: UTF8.self) == "abcdefghijklmnopqrstuvwxyz")
        }
        #expect(channel.counters.queries == count)
        #expect(channel.counters.answers == count)
        #expect(channel.counters.latencyBuckets.reduce(0, +) == count)
    }

    /// A server slower than one try: the retry leaves from a new socket, and the first try's
    /// answer, arriving on the first socket after the retry was sent, is still taken.
    @Test func lateAnswerToAnEarlierTryIsTaken() async throws {
        let server = try TestDNSServer(.delayed(milliseconds: 300))
        defer { server.stop() }
        // Deadline 2 × 200 ms: only the first try's answer (at 300 ms) can make it.
        let channel = try channel([server.address], timeout: .milliseconds(200), tries: 2)
        defer { channel.shutdown() }
        let name = "late.example."
        let result = try #require(await ask(channel, DNSTestMessage.query(id: 0x1A7E, name: name)))
        let answer = try #require(DNSTestMessage.parseAnswer(try result.get()))
        #expect(answer.addresses == [DNSTestMessage.address(for: name)])
        #expect(server.received.count == 2)
        #expect(Set(server.received.compactMap(\.sourcePort)).count == 2)
    }

    /// A forger who knows the port and ID but not the case pattern: its answer (the name in lower
    /// case, address 6.6.6.6) is dropped and the real one taken.
    @Test func answerWithAnotherCasePatternIsDropped() async throws {
        let server = try TestDNSServer(.custom(tcp: false) { query, end, _ in
            var forged = DNSTestMessage.response(to: query, questionEnd: end, rcode: 0, addresses: [[6, 6, 6, 6]])
            for index in 12..<(end - 4) where forged[index] >= 0x41 && forged[index] <= 0x5a { forged[index] |= 0x20 }
            return forged
        })
        defer { server.stop() }
        // The custom server sends only the forgery; the real answer never comes.
        let channel = try channel([server.address], timeout: .milliseconds(300), tries: 1)
        defer { channel.shutdown() }
        let result = try #require(await ask(channel, DNSTestMessage.query(id: 9, name: "forged-with-many-letters.example.")))
        #expect(throws: UpstreamError.self) { try result.get() }
        #expect(channel.counters.rejectedDatagrams >= 1)
    }

    /// `ares_timeout` walks every outstanding query; it runs when the timer fires, not after each
    /// of 500 sends and answers.
    @Test func timeoutsAreScannedOnlyWhenTheTimerFires() async throws {
        let server = try TestDNSServer(.answer)
        defer { server.stop() }
        let channel = try channel([server.address], timeout: .seconds(5))
        defer { channel.shutdown() }
        let failures = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<500 {
                group.addTask {
                    guard case .success? = await ask(channel, DNSTestMessage.query(id: 1, name: "n\(index).example.")) else { return true }
                    return false
                }
            }
            var failures = 0
            for await failed in group where failed { failures += 1 }
            return failures
        }
        #expect(failures == 0)
        #expect(inspect(channel) { $0.statistics.timeoutScans } < 10)
    }
}
