import DNSCache
import DNSWire
import Testing

/// Size bounds, CLOCK eviction, removal.
@Suite struct EvictionTests {
    func name(_ index: Int) -> DNSName { try! DNSName("host\(index).example.") }

    func store(_ index: Int, in cache: DNSCache, ttl: UInt32 = 60, upstreamSet: Int = 0) throws {
        let message = try response(name(index), answers: ["host\(index).example. \(ttl) IN A 192.0.2.\(index % 256)"])
        #expect(cache.store(message, for: key(name(index), upstreamSet: upstreamSet)) == .stored(ttl: ttl, negative: false))
    }

    func isCached(_ index: Int, in cache: DNSCache, upstreamSet: Int = 0) -> Bool {
        cache.lookup(key(name(index), upstreamSet: upstreamSet), query: query(name(index))) != nil
    }

    @Test func entryBoundHolds() throws {
        let (cache, _) = makeCache(CacheSettings(maxEntries: 10))
        for index in 0..<25 {
            try store(index, in: cache)
            #expect(cache.count == min(index + 1, 10))
        }
        let statistics = cache.statistics
        #expect(statistics.evictions == 15)
        #expect(statistics.inserts == 25)
        #expect(statistics.entries == 10)
        #expect((15..<25).allSatisfy { isCached($0, in: cache) }, "with no hits, the oldest go first")
    }

    @Test func entriesThatWereHitSurviveASecondChance() throws {
        let (cache, _) = makeCache(CacheSettings(maxEntries: 10))
        for index in 0..<10 { try store(index, in: cache) }
        for index in 0..<5 { #expect(isCached(index, in: cache)) }
        for index in 10..<15 { try store(index, in: cache) }
        #expect((0..<5).allSatisfy { isCached($0, in: cache) }, "hit entries kept")
        #expect((5..<10).allSatisfy { !isCached($0, in: cache) }, "unused entries evicted")
        #expect((10..<15).allSatisfy { isCached($0, in: cache) })
    }

    @Test func expiredEntriesGoBeforeLiveOnes() throws {
        let (cache, clock) = makeCache(CacheSettings(maxEntries: 2))
        try store(0, in: cache, ttl: 10)
        try store(1, in: cache, ttl: 100)
        clock.advance(seconds: 20)
        try store(2, in: cache)
        #expect(cache.statistics.expired == 1)
        #expect(cache.statistics.evictions == 0)
        #expect(isCached(1, in: cache) && isCached(2, in: cache))
    }

    @Test func byteBoundHolds() throws {
        let (cache, _) = makeCache(CacheSettings(maxBytes: 1_000))
        for index in 0..<50 {
            try store(index, in: cache)
            let statistics = cache.statistics
            #expect(statistics.bytes <= 1_000)
            #expect(statistics.bytes > 0)
        }
        let statistics = cache.statistics
        #expect(statistics.entries < 10, "about 160 bytes an entry: a handful fit")
        #expect(statistics.entries >= 2)
        #expect(statistics.evictions == 50 - UInt64(statistics.entries))
    }

    @Test func retainKeepsOnlyMatchingKeys() throws {
        let (cache, _) = makeCache()
        for index in 0..<9 { try store(index, in: cache, upstreamSet: index % 3) }
        cache.retain { $0.upstreamSet != 1 }
        #expect(cache.count == 6)
        #expect(cache.statistics.removed == 3)
        for index in 0..<9 {
            #expect(isCached(index, in: cache, upstreamSet: index % 3) == (index % 3 != 1))
        }
    }

    @Test func removeAllAndRemoveExpired() throws {
        let (cache, clock) = makeCache(CacheSettings(serveStale: false))
        try store(0, in: cache, ttl: 10)
        try store(1, in: cache, ttl: 100)
        clock.advance(seconds: 10)
        cache.removeExpired()
        #expect(cache.count == 1)
        #expect(cache.statistics.expired == 1)
        cache.removeAll()
        #expect(cache.count == 0)
        #expect(!isCached(1, in: cache))
        let statistics = cache.statistics
        #expect(statistics.removed == 1 && statistics.bytes == 0)
        try store(2, in: cache)
        #expect(isCached(2, in: cache), "usable after removeAll")
    }
}
