import DNSCache
import DNSWire
import IPAddress
import Resolver
import Synchronization
import Testing
import VPCConfig
import VPCModel
import Explain

/// The CH TXT provenance answer goes through the engine's door like any query: outsiders, even
/// those `explain.allow` names, get REFUSED; bad EDNS gets BADVERS; the rate limit and the query
/// log see it.
@Suite("provenance on the wire")
struct ProvenanceTests {
    static let yaml = """
    upstreams: ["127.0.0.1:9"]
    allow: ["127.0.0.1/32"]
    rate_limit: { packets_per_second: 3 }
    explain: { allow: ["127.0.0.1/32", "192.0.2.0/24"] }
    services:
      - { name: com.amazonaws.us-east-1.ssm, private_dns_names: [] }
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: us-east-1
        cidrs: ["10.10.0.0/16"]
    """

    final class Events: Sendable {
        let all = Mutex<[QueryEvent]>([])
    }

    static func engine(chaos: (any ChaosResponder)? = WireProvenance(), events: Events = Events()) throws -> QueryEngine {
        let config = try ConfigLoader.parse(yaml: yaml, file: "test.yaml", baseDirectory: "/tmp")
        let model = try ResolutionModel(config: config, zoneRoot: "/tmp")
        let state = ServingState(config: config, model: model, upstreams: try UpstreamPool(sets: [], timeout: .seconds(1), tries: 1))
        return QueryEngine(state: state, cache: DNSCache(), observer: { event in events.all.withLock { $0.append(event) } },
                           chaos: chaos)
    }

    static func question(_ name: DNSName = "_aaaa.web.corp.test.explain.vpcdns.", edns: EDNS? = nil) -> [UInt8] {
        try! Message(header: Header(id: 0x5150), questions: [Question(name: name, type: .txt, dnsClass: .chaos)], edns: edns).encode()
    }

    func ask(_ engine: QueryEngine, _ bytes: [UInt8], from client: String, tcp: Bool = false) -> [Message] {
        let sink = CapturingReplies()
        bytes.withUnsafeBytes { engine.handle($0, client: SocketAddress(client)!, local: nil, overTCP: tcp, sink: sink) }
        return sink.messages
    }

    @Test func aClientItServesInExplainAllowGetsTheSteps() throws {
        let replies = ask(try Self.engine(), Self.question(), from: "127.0.0.1:5000")
        let reply = try #require(replies.first)
        #expect(reply.rcode == .noError && reply.header.id == 0x5150)
        let lines = reply.answers.compactMap { record -> String? in
            guard case .txt(let chunks) = record.rdata else { return nil }
            return String(decoding: chunks.joined(), as: UTF8.self)
        }
        #expect(lines.first == "1. query from 127.0.0.1")
        #expect(lines.contains { $0.hasPrefix("reason: ") })
        #expect(reply.answers.allSatisfy { $0.dnsClass == .chaos && $0.name == "_aaaa.web.corp.test.explain.vpcdns." })
    }

    @Test func anOutsiderIsRefusedEvenWhenExplainAllowNamesIt() throws {
        let replies = ask(try Self.engine(), Self.question(), from: "192.0.2.7:5000")
        let reply = try #require(replies.first)
        #expect(reply.rcode == .refused && reply.answers.isEmpty)
    }

    @Test func anOutsidersMalformedChaosPacketGetsNothing() throws {
        let cut = Array(Self.question().dropLast(3))
        #expect(ask(try Self.engine(), cut, from: "192.0.2.7:5000").isEmpty)
        #expect(ask(try Self.engine(), cut, from: "127.0.0.1:5000").first?.rcode == .formErr)
    }

    @Test func aClientItServesOutsideExplainAllowIsRefused() throws {
        let reply = try #require(ask(try Self.engine(), Self.question(), from: "10.10.0.5:5000").first)
        #expect(reply.rcode == .refused && reply.answers.isEmpty)
    }

    @Test func theDoorsEDNSCheckComesFirst() throws {
        let reply = try #require(ask(try Self.engine(), Self.question(edns: EDNS(version: 1)), from: "127.0.0.1:5000").first)
        #expect(reply.rcode == .badVers && reply.answers.isEmpty)
    }

    @Test func otherChaosQuestionsAndAnEngineWithoutResponderRefuse() throws {
        #expect(ask(try Self.engine(), Self.question("version.bind."), from: "127.0.0.1:5000").first?.rcode == .refused)
        let bare = try Self.engine(chaos: nil)
        #expect(ask(bare, Self.question(), from: "127.0.0.1:5000").first?.rcode == .refused)
    }

    @Test func theRateLimitAndTheQueryLogSeeIt() throws {
        let events = Events()
        let engine = try Self.engine(events: events)
        let answered = (0..<10).map { _ in ask(engine, Self.question(), from: "127.0.0.1:5000").count }.reduce(0, +)
        #expect(answered < 10)
        let logged = events.all.withLock { $0 }
        #expect(logged.contains { !$0.dropped && $0.question?.dnsClass == .chaos && $0.rcode == .noError })
        #expect(logged.contains { $0.rateLimited })
        #expect(ask(engine, Self.question(), from: "127.0.0.1:5000", tcp: true).first?.rcode == .noError)
    }
}

/// Collects what the engine sends, decoded.
final class CapturingReplies: ResponseSink, Sendable {
    private let responses = Mutex<[[UInt8]]>([])
    func send(_ response: [UInt8]) { responses.withLock { $0.append(response) } }
    var messages: [Message] { responses.withLock { $0 }.compactMap { try? Message(wire: $0) } }
}
