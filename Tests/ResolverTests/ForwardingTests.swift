import DNSCache
import DNSWire
import IPAddress
import Platform
import Resolver
import Testing
import VPCConfig
import VPCModel

/// Forwarding through a real UDP upstream on loopback.
@Suite(.serialized) struct ForwardingTests {
    static func state(upstream: SocketAddress, previous: ServingState? = nil) throws -> ServingState {
        let yaml = """
        upstreams: ["\(upstream)"]
        allow: ["127.0.0.0/8"]
        """
        let config = try ConfigLoader.parse(yaml: yaml, file: "test.yaml", baseDirectory: "/tmp")
        let model = try ResolutionModel(config: config, zoneRoot: "/tmp")
        return ServingState(config: config, model: model, upstreams: try UpstreamPool(sets: model.upstreamSets, timeout: .seconds(15), tries: 1,
                                                                        reusing: previous?.upstreams))
    }

    func query(_ name: String, id: UInt16) -> [UInt8] {
        var header = Header(id: id)
        header.recursionDesired = true
        return try! Message(header: header, questions: [Question(name: try! DNSName(name), type: .a)]).encode()
    }

    func ask(_ engine: QueryEngine, _ name: String, id: UInt16 = 7) -> CapturingSink {
        let sink = CapturingSink()
        query(name, id: id).withUnsafeBytes { engine.handle($0, client: SocketAddress("127.0.0.1:4000")!, local: nil, overTCP: false, sink: sink) }
        return sink
    }

    /// Waits for every sink's reply. The upstream's timeout and this wait are far longer than its
    /// 300 ms delay, so that a test run on a loaded machine still sees the one upstream answer.
    func waitFor(_ sinks: [CapturingSink]) async throws {
        for _ in 0..<750 where sinks.contains(where: { $0.count == 0 }) { try await Task.sleep(for: .milliseconds(20)) }
    }

    @Test func identicalConcurrentMissesGoUpstreamOnce() async throws {
        let upstream = try CountingUpstream(delay: .milliseconds(300))
        defer { upstream.stop() }
        let engine = QueryEngine(state: try Self.state(upstream: upstream.address), cache: DNSCache())
        defer { engine.state.upstreams.shutdown() }
        let sinks = (0..<50).map { ask(engine, "www.example.org.", id: UInt16($0)) }
        try await waitFor(sinks)
        #expect(upstream.queryCount == 1)
        for (index, sink) in sinks.enumerated() {
            let reply = try #require(sink.messages.first)
            #expect(reply.header.id == UInt16(index))
            #expect(reply.answers.map(\.description) == ["www.example.org. 300 IN A 192.0.2.1"])
        }
        // A repeat is a cache hit: still one upstream query.
        let again = ask(engine, "www.example.org.")
        #expect(again.count == 1)
        #expect(upstream.queryCount == 1)
    }

    /// Queries that waited for one upstream answer get the stored bytes: exactly what a cache hit
    /// gives each of them afterwards (its ID, its spelling of the name, its OPT record), with the
    /// cache's TTL policy applied (`max_ttl` 60; the upstream said 300). The upstream is asked once.
    @Test func waitersGetTheBytesOfALaterCacheHit() async throws {
        let upstream = try CountingUpstream(delay: .milliseconds(300))
        defer { upstream.stop() }
        let cache = DNSCache(settings: CacheSettings(maxTTL: 60), clock: ManualClock(milliseconds: 5_000))
        let engine = QueryEngine(state: try Self.state(upstream: upstream.address), cache: cache)
        defer { engine.state.upstreams.shutdown() }
        let spellings = ["www.example.org.", "WWW.Example.ORG.", "wWw.eXaMpLe.OrG."]
        func query(_ index: Int) -> [UInt8] {
            var header = Header(id: UInt16(100 + index))
            header.recursionDesired = true
            header.checkingDisabled = index % 3 == 0
            let edns = index % 2 == 0 ? EDNS(udpPayloadSize: 1232) : nil
            return try! Message(header: header, questions: [Question(name: try! DNSName(spellings[index % 3]), type: .a)],
                                edns: edns).encode()
        }
        func send(_ bytes: [UInt8]) -> CapturingSink {
            let sink = CapturingSink()
            bytes.withUnsafeBytes { engine.handle($0, client: SocketAddress("127.0.0.1:4000")!, local: nil, overTCP: false, sink: sink) }
            return sink
        }
        let waiters = (0..<12).map { send(query($0)) }
        try await waitFor(waiters)
        #expect(upstream.queryCount == 1)
        for (index, waiter) in waiters.enumerated() {
            let waited = try #require(waiter.responses.withLock { $0 }.first)
            let hit = send(query(index))
            #expect(hit.responses.withLock { $0 } == [waited], "waiter \(index) and its cache hit differ")
            let reply = try Message(wire: waited)
            #expect(reply.header.id == UInt16(100 + index))
            #expect(reply.header.checkingDisabled == (index % 3 == 0))
            #expect(reply.questions.first?.name.wire == (try DNSName(spellings[index % 3])).wire)
            #expect(reply.answers.map(\.ttl) == [60])
            #expect(reply.edns.map(\.udpPayloadSize) == (index % 2 == 0 ? 4096 : nil))
        }
        #expect(upstream.queryCount == 1)
        #expect(cache.statistics.hits == 12)
    }

    @Test func reloadKeepsTheCacheOnlyForUnchangedUpstreams() async throws {
        let upstream = try CountingUpstream(delay: .zero)
        let other = try CountingUpstream(delay: .zero)
        defer { upstream.stop(); other.stop() }
        let first = try Self.state(upstream: upstream.address)
        let engine = QueryEngine(state: first, cache: DNSCache())
        let sink = ask(engine, "cached.example.org.")
        try await waitFor([sink])
        #expect(engine.cache.count == 1)

        let same = try Self.state(upstream: upstream.address, previous: first)
        engine.install(same)
        #expect(engine.cache.count == 1, "same upstream: the cache survives")
        #expect(ask(engine, "cached.example.org.").count == 1, "answered from the cache at once")
        #expect(upstream.queryCount == 1)

        let changed = try Self.state(upstream: other.address, previous: same)
        engine.install(changed)
        same.upstreams.retire(keeping: changed.upstreams)
        #expect(engine.cache.count == 0, "new upstream: its answers are not the old one's")
        changed.upstreams.shutdown()
    }
}
