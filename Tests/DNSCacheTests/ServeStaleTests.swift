import DNSCache
import DNSWire
import Testing

/// Serve-stale (RFC 8767, AWS-DNS-RULES 12): expired answers kept for `maxStaleAge` and given
/// out with `staleAnswerTTL` only through `staleAnswer`, never as hits.
@Suite struct ServeStaleTests {
    let name: DNSName = "www.example."

    func storePositive(_ cache: DNSCache) throws {
        let message = try response(name, answers: ["www.example. 60 IN A 192.0.2.1"])
        #expect(cache.store(message, for: key(name)) == .stored(ttl: 60, negative: false))
    }

    @Test func rule12ExpiredAnswerIsServedStaleWithTheStaleTTL() throws {
        let (cache, clock) = makeCache(CacheSettings(staleAnswerTTL: 30, maxStaleAge: 600))
        try storePositive(cache)
        clock.advance(seconds: 10)
        let fresh = try #require(cache.staleAnswer(for: key(name))?.message())
        #expect(fresh.answers.map(\.ttl) == [50], "a fresh entry keeps its counted-down TTL")
        clock.advance(seconds: 100)
        #expect(cache.lookup(key(name), query: query(name)) == nil, "an expired entry is never a hit")
        let stale = try #require(cache.staleAnswer(for: key(name))?.message())
        #expect(stale.answers.map(\.ttl) == [30])
        #expect(stale.answers.map(\.rdata) == [.a(.init(192, 0, 2, 1))])
        #expect(cache.statistics.staleAnswers == 1)
        #expect(cache.count == 1, "kept within the stale window")
    }

    @Test func rule12NegativeAnswersAreServedStaleToo() throws {
        let (cache, clock) = makeCache(CacheSettings(staleAnswerTTL: 30, maxStaleAge: 600))
        let missing: DNSName = "missing.example."
        let message = try response(missing, rcode: .nxDomain,
                                   authority: ["example. 300 IN SOA ns.example. host.example. 1 7200 900 1209600 60"])
        #expect(cache.store(message, for: key(missing)) == .stored(ttl: 60, negative: true))
        clock.advance(seconds: 61)
        let stale = try #require(cache.staleAnswer(for: key(missing))?.message())
        #expect(stale.rcode == .nxDomain)
        #expect(stale.authorities.map(\.ttl) == [30])
    }

    @Test func rule12StaleEntriesEndAtMaxStaleAge() throws {
        let (cache, clock) = makeCache(CacheSettings(maxStaleAge: 100))
        try storePositive(cache)
        clock.advance(seconds: 60 + 99)
        #expect(cache.staleAnswer(for: key(name)) != nil)
        clock.advance(seconds: 1)
        #expect(cache.staleAnswer(for: key(name)) == nil)
        cache.removeExpired()
        #expect(cache.count == 0 && cache.statistics.expired == 1)
    }

    @Test func rule12OffMeansNoStaleAnswers() throws {
        let (cache, clock) = makeCache(CacheSettings(serveStale: false))
        try storePositive(cache)
        clock.advance(seconds: 61)
        #expect(cache.staleAnswer(for: key(name)) == nil)
    }

    @Test func staleEntriesAreEvictedBeforeLiveOnes() throws {
        let (cache, clock) = makeCache(CacheSettings(maxEntries: 2))
        try storePositive(cache)
        clock.advance(seconds: 61)
        let other: DNSName = "other.example."
        cache.store(try response(other, answers: ["other.example. 300 IN A 192.0.2.2"]), for: key(other))
        let third: DNSName = "third.example."
        cache.store(try response(third, answers: ["third.example. 300 IN A 192.0.2.3"]), for: key(third))
        #expect(cache.staleAnswer(for: key(name)) == nil)
        #expect(cache.lookup(key(other), query: query(other)) != nil)
        #expect(cache.statistics.evictions == 0 && cache.statistics.expired == 1)
    }
}

/// Sharding and the memory an entry is counted for.
@Suite struct ShardTests {
    @Test func largeCachesAreShardedSmallOnesAreNot() {
        #expect(CacheSettings().shardCount == 64)
        #expect(CacheSettings(maxEntries: 10).shardCount == 1)
        #expect(CacheSettings(maxEntries: 1_000_000, maxBytes: 1 << 30).shardCount == 256)
    }

    @Test func manyEntriesAcrossShardsAreAllFoundAndCounted() throws {
        let (cache, _) = makeCache(CacheSettings(maxEntries: 200_000, maxBytes: 256 << 20))
        for index in 0..<5_000 {
            let name = try DNSName("h\(index).example.")
            cache.store(try response(name, answers: ["h\(index).example. 60 IN A 192.0.2.1"]), for: key(name))
        }
        #expect(cache.count == 5_000)
        for index in stride(from: 0, to: 5_000, by: 7) {
            let name = try DNSName("H\(index).Example.")
            #expect(cache.lookup(key(name), query: query(name)) != nil)
        }
        let statistics = cache.statistics
        #expect(statistics.entries == 5_000 && statistics.hits == 715)
        #expect(cache.dump().count == 5_000)
        // An entry with a ~50-byte answer is counted at about its size, not a kilobyte.
        #expect(statistics.bytes / 5_000 < 200, "\(statistics.bytes / 5_000) bytes an entry")
    }
}
