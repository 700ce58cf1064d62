import DNSCache
import DNSWire
import Testing

@Suite struct TTLTests {
    /// Store at t = 0 with TTL 60; what a lookup `elapsed` ms later returns (nil: miss).
    @Test(arguments: [
        (UInt64(0), UInt32?(60)),
        (999, 60),
        (1_000, 59),
        (15_000, 45),
        (15_999, 45),
        (59_999, 1),
        (60_000, nil),
        (3_600_000, nil),
    ])
    func countsDownThenExpires(elapsed: UInt64, expected: UInt32?) throws {
        let (cache, clock) = makeCache(CacheSettings(serveStale: false))
        let name: DNSName = "ssm.ap-northeast-1.amazonaws.com."
        let stored = cache.store(try response(name, answers: ["ssm.ap-northeast-1.amazonaws.com. 60 IN A 10.10.1.10",
                                                                "ssm.ap-northeast-1.amazonaws.com. 60 IN A 10.10.2.10"]),
                                 for: key(name))
        #expect(stored == .stored(ttl: 60, negative: false))
        clock.advance(milliseconds: elapsed)
        let reply = cache.lookup(key(name), query: query(name))
        if let expected {
            let answers = try #require(reply).answers
            #expect(answers.map(\.ttl) == [expected, expected])
            #expect(answers.map(\.rdata) == [.a(.init(10, 10, 1, 10)), .a(.init(10, 10, 2, 10))])
        } else {
            #expect(reply == nil)
            #expect(cache.count == 0, "an expired entry is removed when found (without serve-stale)")
            #expect(cache.statistics.expired == 1)
        }
    }

    @Test func entryLivesForTheSmallestTTLOverAnswerAndAuthority() throws {
        let (cache, clock) = makeCache()
        let name: DNSName = "www.example."
        let message = try response(name, answers: ["www.example. 300 IN CNAME web.example.", "web.example. 30 IN A 192.0.2.1"],
                                   authority: ["example. 100 IN NS ns1.example."])
        #expect(cache.store(message, for: key(name)) == .stored(ttl: 30, negative: false))
        clock.advance(seconds: 20)
        let reply = try #require(cache.lookup(key(name), query: query(name)))
        #expect(reply.answers.map(\.ttl) == [280, 10], "each record counts down from its own TTL")
        #expect(reply.authorities.map(\.ttl) == [80])
        clock.advance(seconds: 10)
        #expect(cache.lookup(key(name), query: query(name)) == nil)
    }

    @Test func authoritySetsTheLifetimeWhenItIsShortest() throws {
        let (cache, _) = makeCache()
        let name: DNSName = "www.example."
        let message = try response(name, answers: ["www.example. 300 IN A 192.0.2.1"], authority: ["example. 20 IN NS ns1.example."])
        #expect(cache.store(message, for: key(name)) == .stored(ttl: 20, negative: false))
    }

    /// (minTTL, maxTTL, record TTL, TTL stored and served)
    @Test(arguments: [
        (UInt32(0), UInt32(86_400), UInt32(120), UInt32(120)),
        (60, 86_400, 10, 60),
        (60, 86_400, 61, 61),
        (0, 300, 86_400, 300),
        (0, 300, 299, 299),
        (600, 300, 100, 300),  // contradictory settings: the maximum wins
    ])
    func clampsPositiveTTLs(minTTL: UInt32, maxTTL: UInt32, ttl: UInt32, expected: UInt32) throws {
        let (cache, _) = makeCache(CacheSettings(minTTL: minTTL, maxTTL: maxTTL))
        let name: DNSName = "x.example."
        #expect(cache.store(try response(name, answers: ["x.example. \(ttl) IN A 192.0.2.1"]), for: key(name))
            == .stored(ttl: expected, negative: false))
        #expect(try #require(cache.lookup(key(name), query: query(name))).answers.map(\.ttl) == [expected])
    }

    @Test func additionalRecordsThatWouldExpireFirstAreDropped() throws {
        let (cache, clock) = makeCache()
        let name: DNSName = "example."
        let message = try response(name, .mx, answers: ["example. 100 IN MX 10 mail.example."],
                                   additional: ["mail.example. 50 IN A 192.0.2.25", "mail.example. 200 IN AAAA 2001:db8::25"])
        cache.store(message, for: key(name, .mx))
        clock.advance(seconds: 40)
        let reply = try #require(cache.lookup(key(name, .mx), query: query(name, .mx)))
        #expect(reply.additionals.map(\.type) == [.aaaa])
        #expect(reply.additionals.map(\.ttl) == [160])
    }
}
