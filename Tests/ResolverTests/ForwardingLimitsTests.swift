import DNSCache
import DNSWire
import IPAddress
@testable import Resolver
import Testing
import VPCConfig
import VPCModel

/// The bounds and clean-ups around forwarding: pending limits, answers at stop, scrubbing.
@Suite(.serialized) struct ForwardingLimitsTests {
    static func state(upstream: SocketAddress, perSet: Int, total: Int) throws -> ServingState {
        let yaml = """
        upstreams: ["\(upstream)"]
        allow: ["127.0.0.0/8"]
        max_pending_forwards:
          per_upstream_set: \(perSet)
          total: \(total)
        """
        let config = try ConfigLoader.parse(yaml: yaml, file: "test.yaml", baseDirectory: "/tmp")
        let model = try ResolutionModel(config: config, zoneRoot: "/tmp")
        return ServingState(config: config, model: model, upstreams: try UpstreamPool(sets: model.upstreamSets, timeout: .seconds(5), tries: 1,
                                                                        limits: config.maxPendingForwards))
    }

    func ask(_ engine: QueryEngine, _ name: String, id: UInt16 = 7) -> CapturingSink {
        var header = Header(id: id)
        header.recursionDesired = true
        let query = try! Message(header: header, questions: [Question(name: try! DNSName(name), type: .a)]).encode()
        let sink = CapturingSink()
        query.withUnsafeBytes { engine.handle($0, client: SocketAddress("127.0.0.1:4000")!, local: nil, overTCP: false, sink: sink) }
        return sink
    }

    @Test(arguments: [(2, 100), (100, 2)])
    func queriesOverALimitGetServfailAtOnce(perSet: Int, total: Int) async throws {
        let upstream = try CountingUpstream(delay: .milliseconds(300))
        defer { upstream.stop() }
        let engine = QueryEngine(state: try Self.state(upstream: upstream.address, perSet: perSet, total: total), cache: DNSCache())
        defer { engine.state.upstreams.shutdown() }

        let sinks = (0..<5).map { ask(engine, "name\($0).example.org.", id: UInt16($0)) }
        // Answered before any upstream answer could come: the three over the limit.
        #expect(sinks.filter { $0.count == 1 }.count == 3)
        #expect(sinks[2...].allSatisfy { $0.messages.first?.rcode == .servFail })
        #expect(engine.pendingForwards == 2)
        let pooled = engine.state.upstreams.channels[0]
        #expect((perSet == 2 ? pooled.pending.dropped : engine.waitingForwards.dropped) == 3)
        for _ in 0..<200 where sinks.contains(where: { $0.count == 0 }) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(sinks[..<2].allSatisfy { $0.messages.first?.answers.count == 1 })
        #expect(engine.pendingForwards == 0)
        #expect(pooled.pending.count == 0)
    }

    @Test func answerPendingForwardsAnswersEveryWaiterOnce() async throws {
        let upstream = try CountingUpstream(delay: .milliseconds(500))
        defer { upstream.stop() }
        let engine = QueryEngine(state: try Self.state(upstream: upstream.address, perSet: 100, total: 100), cache: DNSCache())
        defer { engine.state.upstreams.shutdown() }

        let sinks = (0..<3).map { ask(engine, "wait\($0 % 2).example.org.", id: UInt16($0)) }
        #expect(engine.pendingForwards == 3)
        engine.answerPendingForwards()
        #expect(sinks.allSatisfy { $0.count == 1 && $0.messages.first?.rcode == .servFail })
        #expect(engine.pendingForwards == 0)
        try await Task.sleep(for: .milliseconds(1200))
        // The late upstream answers find nobody waiting: still one response each.
        #expect(sinks.allSatisfy { $0.count == 1 })
    }

    @Test func scrubKeepsOnlyTheQuestionsChain() throws {
        let name = DNSName("www.example.org.")
        let target = DNSName("edge.cdn.example.net.")
        let other = DNSName("bank.example.com.")
        var message = Message(questions: [Question(name: name, type: .a)])
        message.answers = [
            ResourceRecord(name: other, ttl: 3600, rdata: .a(IPv4Address(6, 6, 6, 6))),
            ResourceRecord(name: target, ttl: 1 << 31, rdata: .a(IPv4Address(192, 0, 2, 1))),
            ResourceRecord(name: name, ttl: 300, rdata: .cname(target)),
        ]
        message.authorities = [
            ResourceRecord(name: DNSName("example.net."), ttl: 300, rdata: .ns(DNSName("ns.example.net."))),
            ResourceRecord(name: DNSName("example.com."), ttl: 300, rdata: .ns(DNSName("ns.example.com."))),
        ]
        message.additionals = [ResourceRecord(name: DNSName("ns.example.net."), ttl: 300, rdata: .a(IPv4Address(6, 6, 6, 7)))]
        AnswerScrubber.scrub(&message, question: message.questions[0])
        #expect(message.answers.map(\.name) == [target, name])
        #expect(message.answers.map(\.ttl) == [0, 300])
        #expect(message.authorities.map(\.name) == [DNSName("example.net.")])
        #expect(message.additionals.isEmpty)
    }
}
