import DNSCache
import DNSWire
import Testing

/// A hit found from a query's folded name (`DNSCache.hit`) replies with exactly the bytes the
/// key-and-message lookup (`lookupWire`) gives for the same query, whatever the query's shape.
@Suite struct CacheHitTests {
    let name: DNSName = "ssm.ap-northeast-1.amazonaws.com."

    /// The query's wire form, what `QueryView` reads from it, and the two replies.
    func replies(_ cache: DNSCache, _ query: Message, upstreamSet: Int = 0,
                 overTCP: Bool = false) throws -> (fast: [UInt8]?, slow: [UInt8]?) {
        let bytes = try query.encode()
        return try bytes.withUnsafeBytes { request in
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: QueryView.maxNameLength) { folded in
                let view = try #require(QueryView(request, folding: folded.baseAddress!))
                let question = query.questions[0]
                let dnssecOK = query.edns?.dnssecOK ?? false
                let maxSize = ReplyRules.maxSize(payloadSize: query.edns?.udpPayloadSize, overTCP: overTCP)
                var fast: [UInt8]?
                if let hit = cache.hit(foldedName: UnsafeRawBufferPointer(start: folded.baseAddress, count: view.nameLength),
                                       type: view.type, dnssecOK: dnssecOK, upstreamSet: upstreamSet) {
                    #expect(hit.withReply(to: view, request: request, maxSize: maxSize) { fast = Array($0) })
                }
                let slow = cache.lookupWire(key(question.name, question.type, dnssecOK: dnssecOK, upstreamSet: upstreamSet),
                                            query: query, edns: ReplyRules.edns(answering: query.edns), maxSize: maxSize)
                return (fast, slow)
            }
        }
    }

    @Test func repliesEqualTheLookupOfEveryQueryShape() throws {
        let (cache, clock) = makeCache()
        let answers = ["ssm.ap-northeast-1.amazonaws.com. 60 IN A 10.10.1.10", "ssm.ap-northeast-1.amazonaws.com. 60 IN A 10.10.2.10"]
        cache.store(try response(name, answers: answers, additional: ["ns1.example. 300 IN A 192.0.2.53"]) { $0.authenticData = true },
                    for: key(name))
        cache.store(try response(name, answers: answers) { $0.authenticData = true }, for: key(name, dnssecOK: true))
        let shapes: [(String, Message)] = [
            ("plain", query(name)),
            ("client's case", query("sSm.Ap-NoRtHeAsT-1.aMaZoNaWs.CoM.")),
            ("EDNS", query(name, edns: EDNS(udpPayloadSize: 1232))),
            ("EDNS with DO", query(name, edns: EDNS(udpPayloadSize: 4096, dnssecOK: true))),
            ("AD and CD, no RD", query(name, id: 0xfffe, recursionDesired: false) { $0.authenticData = true; $0.checkingDisabled = true }),
        ]
        for elapsed: UInt64 in [0, 25] {
            clock.advance(seconds: elapsed)
            for (label, message) in shapes {
                let (fast, slow) = try replies(cache, message)
                #expect(fast != nil, "\(label): a hit")
                #expect(fast == slow, "\(label), \(elapsed) s after storing")
            }
        }
        #expect(cache.statistics.hits == 20 && cache.statistics.misses == 0)
    }

    @Test func anAnswerTooLargeForTheClientIsTruncatedAsTheLookupTruncatesIt() throws {
        let (cache, _) = makeCache()
        let answers = (0..<40).map { "ssm.ap-northeast-1.amazonaws.com. 60 IN A 10.10.\($0).10" }
        cache.store(try response(name, answers: answers), for: key(name))
        let (fast, slow) = try replies(cache, query(name))
        let reply = try Message(wire: try #require(fast))
        #expect(reply.header.truncated, "40 A records do not fit in 512 bytes")
        #expect(fast == slow)
        let overTCP = try replies(cache, query(name), overTCP: true)
        #expect(overTCP.fast == overTCP.slow)
        #expect(try Message(wire: try #require(overTCP.fast)).answers.count == 40)
    }

    @Test func overTCPAFullAnswerGoesWithoutTheOPTAsTheLookupSendsIt() throws {
        let (cache, _) = makeCache()
        cache.store(try responseFillingTheMessage(name), for: key(name, .txt))
        let (fast, slow) = try replies(cache, query(name, .txt, edns: EDNS()), overTCP: true)
        #expect(fast == slow)
        let reply = try Message(wire: try #require(fast))
        #expect(!reply.header.truncated && reply.answers.count == 2 && reply.edns == nil)
    }

    @Test func optCountCarriesIntoTheHighByteOfARCOUNT() throws {
        let (cache, _) = makeCache()
        let glue = (0..<255).map { "glue.example. 60 IN A 10.1.\($0 / 256).\($0 % 256)" }
        cache.store(try response(name, answers: ["ssm.ap-northeast-1.amazonaws.com. 60 IN A 10.10.1.10"], additional: glue),
                    for: key(name))
        let (fast, slow) = try replies(cache, query(name, edns: EDNS()), overTCP: true)
        #expect(fast == slow)
        let reply = try Message(wire: try #require(fast))
        #expect(reply.additionals.count == 255 && reply.edns != nil)
    }

    @Test func aHitNeedsTheSameTypeDOBitAndUpstreamSet() throws {
        let (cache, _) = makeCache()
        cache.store(try response(name, answers: ["ssm.ap-northeast-1.amazonaws.com. 60 IN A 10.10.1.10"]), for: key(name, upstreamSet: 1))
        #expect(try replies(cache, query(name), upstreamSet: 1).fast != nil)
        #expect(try replies(cache, query(name, .aaaa), upstreamSet: 1).fast == nil)
        #expect(try replies(cache, query(name, edns: EDNS(dnssecOK: true)), upstreamSet: 1).fast == nil)
        #expect(try replies(cache, query(name), upstreamSet: 0).fast == nil)
        #expect(try replies(cache, query("other.amazonaws.com."), upstreamSet: 1).fast == nil)
        // Each call above looked up twice (hit, then lookupWire): one hit and four misses, twice.
        #expect(cache.statistics.hits == 2 && cache.statistics.misses == 8)
    }
}
