import DNSCache
import DNSWire
import Testing

/// What a hit looks like to the client: header, question, EDNS, size.
@Suite struct ReplyTests {
    let name: DNSName = "ssm.ap-northeast-1.amazonaws.com."
    let answers = ["ssm.ap-northeast-1.amazonaws.com. 60 IN A 10.10.1.10", "ssm.ap-northeast-1.amazonaws.com. 60 IN A 10.10.2.10"]

    @Test func headerComesFromTheQuery() throws {
        let (cache, _) = makeCache()
        // Upstream set AA and its own ID; neither may leak.
        cache.store(try response(name, answers: answers) { $0.authoritative = true }, for: key(name))
        for (id, rd, cd) in [(UInt16(0x1234), true, false), (0xfffe, false, true)] {
            let q = query(name, id: id, recursionDesired: rd) { $0.checkingDisabled = cd }
            let reply = try #require(cache.lookup(key(name), query: q))
            #expect(reply.header.id == id)
            #expect(reply.header.isResponse)
            #expect(reply.header.recursionDesired == rd)
            #expect(reply.header.checkingDisabled == cd)
            #expect(reply.header.recursionAvailable)
            #expect(!reply.header.authoritative)
            #expect(!reply.header.truncated)
            #expect(reply.header.opcode == .query)
            #expect(reply.rcode == .noError)
            let wire = try #require(cache.lookupWire(key(name), query: q, edns: nil, maxSize: 512))
            #expect(try Message(wire: wire) == reply, "both lookups give the same reply")
        }
    }

    @Test func questionKeepsTheClientsCase() throws {
        let (cache, _) = makeCache()
        let upstream: DNSName = "SSM.ap-northeast-1.AMAZONAWS.com."
        cache.store(try response(upstream, answers: answers.map { $0.replacingOccurrences("ssm.", "SSM.") }), for: key(upstream))
        let asked: DNSName = "sSm.Ap-NoRtHeAsT-1.aMaZoNaWs.CoM."
        let wire = try #require(cache.lookupWire(key(asked), query: query(asked), edns: nil, maxSize: 512))
        #expect(Array(wire[12..<(12 + asked.wire.count)]) == asked.wire, "question bytes exactly as the client wrote them")
        let reply = try Message(wire: wire)
        #expect(reply.questions.first?.name.wire == asked.wire)
        #expect(reply.answers.map(\.name.wire) == [asked.wire, asked.wire], "owners compressed to the question follow its case")
    }

    @Test func queryWithAnotherQuestionIsAMiss() throws {
        let (cache, _) = makeCache()
        cache.store(try response(name, answers: answers), for: key(name))
        #expect(cache.lookup(key(name), query: query("other.example.")) == nil)
        #expect(cache.lookup(key(name), query: query(name, .aaaa)) == nil)
        #expect(cache.lookupWire(key(name), query: Message(header: Header(id: 1)), edns: nil, maxSize: 512) == nil)
        #expect(cache.statistics.misses == 3 && cache.statistics.hits == 0)
    }

    @Test func upstreamEDNSIsNotStoredAndTheRepliesIsAppended() throws {
        let (cache, _) = makeCache()
        let upstreamEDNS = EDNS(udpPayloadSize: 1232, options: [.init(code: 3, data: Array("nsid".utf8))])
        cache.store(try response(name, answers: answers, additional: ["ns1.example. 60 IN A 192.0.2.53"], edns: upstreamEDNS),
                    for: key(name))
        #expect(cache.lookup(key(name), query: query(name))?.edns == nil)

        let plain = try Message(wire: try #require(cache.lookupWire(key(name), query: query(name), edns: nil, maxSize: 512)))
        #expect(plain.edns == nil)
        #expect(plain.additionals.count == 1)

        let ours = EDNS(udpPayloadSize: 4096, dnssecOK: true)
        let wire = try #require(cache.lookupWire(key(name), query: query(name, edns: EDNS()), edns: ours, maxSize: 4096))
        let reply = try Message(wire: wire)
        #expect(reply.edns == ours)
        #expect(reply.additionals.count == 1)
        #expect(reply.answers.count == 2)
        #expect(try wire.count == plain.encode().count + ours.encodedSize)
    }

    @Test func optCountCarriesIntoTheHighByteOfARCOUNT() throws {
        let (cache, _) = makeCache()
        let glue = (0..<255).map { "glue.example. 60 IN A 10.1.\($0 / 256).\($0 % 256)" }
        cache.store(try response(name, answers: answers, additional: glue), for: key(name))
        let edns = EDNS(udpPayloadSize: 65535)
        let reply = try Message(wire: try #require(cache.lookupWire(key(name), query: query(name), edns: edns, maxSize: 65535)))
        #expect(reply.additionals.count == 255)
        #expect(reply.edns == edns)
    }

    @Test func repliesTooBigForTheClientAreTruncatedByRRset() throws {
        let (cache, _) = makeCache()
        let big: DNSName = "big.example."
        let answers = (0..<40).map { "big.example. 60 IN A 10.0.0.\($0)" }
        cache.store(try response(big, answers: answers), for: key(big))
        let small = try Message(wire: try #require(cache.lookupWire(key(big), query: query(big), edns: nil, maxSize: 512)))
        #expect(small.header.truncated)
        #expect(small.answers.isEmpty, "the one RRset does not fit: it goes whole")
        #expect(small.header.id == 0x1234)

        let edns = EDNS(udpPayloadSize: 4096)
        let smallEDNS = try #require(cache.lookupWire(key(big), query: query(big), edns: edns, maxSize: 600))
        #expect(smallEDNS.count <= 600)
        let decoded = try Message(wire: smallEDNS)
        #expect(decoded.header.truncated && decoded.edns == edns)

        let full = try Message(wire: try #require(cache.lookupWire(key(big), query: query(big), edns: edns, maxSize: 4096)))
        #expect(!full.header.truncated)
        #expect(full.answers.count == 40)

        // Exactly at the limit takes the fast path and still fits.
        let exact = try #require(cache.lookupWire(key(big), query: query(big), edns: nil, maxSize: 65535))
        let atLimit = try #require(cache.lookupWire(key(big), query: query(big), edns: nil, maxSize: exact.count))
        #expect(atLimit == exact)
        #expect(!(try Message(wire: atLimit)).header.truncated)
    }

    /// Over TCP nothing is truncated for size alone (`ReplyRules.encode`, as for forwarded
    /// answers): an answer that fills the message once the OPT record is added goes whole,
    /// without the OPT.
    @Test func overTCPAFullAnswerGoesWholeWithoutTheOPT() throws {
        let (cache, _) = makeCache()
        let big: DNSName = "big.example."
        cache.store(try responseFillingTheMessage(big), for: key(big, .txt))
        let plain = try #require(cache.lookupWire(key(big, .txt), query: query(big, .txt), edns: nil, maxSize: 65535))
        #expect(plain.count == 65530)
        let wire = try #require(cache.lookupWire(key(big, .txt), query: query(big, .txt, edns: EDNS()), edns: EDNS(), maxSize: 65535))
        let reply = try Message(wire: wire)
        #expect(!reply.header.truncated)
        #expect(reply.answers.count == 2 && reply.edns == nil)
        // Over UDP the same answer is truncated as ever.
        let udp = try Message(wire: try #require(cache.lookupWire(key(big, .txt), query: query(big, .txt, edns: EDNS()), edns: EDNS(),
                                                                  maxSize: 4096)))
        #expect(udp.header.truncated && udp.answers.isEmpty)
    }

    @Test(arguments: [
        // (key DO, query AD, AD in reply) with the upstream's AD set
        (false, false, false),
        (false, true, true),
        (true, false, true),
    ])
    func authenticDataOnlyForClientsThatAsk(dnssecOK: Bool, queryAD: Bool, expected: Bool) throws {
        let (cache, _) = makeCache()
        let k = key(name, dnssecOK: dnssecOK)
        cache.store(try response(name, answers: answers) { $0.authenticData = true }, for: k)
        let reply = try #require(cache.lookup(k, query: query(name) { $0.authenticData = queryAD }))
        #expect(reply.header.authenticData == expected)
    }

    @Test func statisticsCountHitsAndMisses() throws {
        let (cache, clock) = makeCache(CacheSettings(serveStale: false))
        #expect(cache.lookup(key(name), query: query(name)) == nil)
        cache.store(try response(name, answers: answers), for: key(name))
        _ = cache.lookup(key(name), query: query(name))
        _ = cache.lookupWire(key(name), query: query(name), edns: nil, maxSize: 512)
        clock.advance(seconds: 60)
        _ = cache.lookup(key(name), query: query(name))
        let statistics = cache.statistics
        #expect(statistics.hits == 2)
        #expect(statistics.misses == 2)
        #expect(statistics.inserts == 1)
        #expect(statistics.expired == 1)
        #expect(statistics.entries == 0 && statistics.bytes == 0)
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
