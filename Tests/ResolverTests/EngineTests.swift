import DNSCache
import DNSWire
import IPAddress
import Resolver
import Synchronization
import Testing
import VPCConfig
import VPCModel

/// Collects what the engine sends.
final class CapturingSink: ResponseSink, Sendable {
    let responses = Mutex<[[UInt8]]>([])
    func send(_ response: [UInt8]) { responses.withLock { $0.append(response) } }
    var messages: [Message] { responses.withLock { $0 }.compactMap { try? Message(wire: $0) } }
    var count: Int { responses.withLock { $0.count } }
}

@Suite struct EngineTests {
    /// One endpoint with 26 IPv6 interfaces: its AAAA answer (about 750 bytes) does not fit in 512.
    static let yaml = """
    upstreams: ["127.0.0.1:9"]
    upstream_timeout_ms: 100
    upstream_tries: 1
    allow: ["127.0.0.0/8"]
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: us-east-1
        cidrs: ["10.10.0.0/16", "fd00:10:10::/48"]
        enable_dns_hostnames: true
        endpoints:
          - id: vpce-0123456789abcdef0
            service: com.amazonaws.us-east-1.ssm
            dns_suffix: abcdefgh
            private_dns: true
            ip_type: ipv6
            interfaces:
    \(letters.enumerated().map { "          - { az: us-east-1\($1), ipv6: \"fd00:10:10:\($0 + 1)::10\" }" }.joined(separator: "\n"))
    """

    static let letters = "abcdefghijklmnopqrstuvwxyz".map(String.init)

    static func engine() throws -> QueryEngine {
        let config = try ConfigLoader.parse(yaml: yaml, file: "test.yaml", baseDirectory: "/tmp")
        let model = try ResolutionModel(config: config, zoneRoot: "/tmp")
        let pool = try UpstreamPool(sets: model.upstreamSets, timeout: .milliseconds(100), tries: 1)
        return QueryEngine(state: ServingState(config: config, model: model, upstreams: pool), cache: DNSCache())
    }

    static let vpcClient = SocketAddress("10.10.0.5:40000")!

    func ask(_ engine: QueryEngine, _ bytes: [UInt8], from client: SocketAddress = vpcClient, tcp: Bool = false) -> CapturingSink {
        let sink = CapturingSink()
        bytes.withUnsafeBytes { engine.handle($0, client: client, local: nil, overTCP: tcp, sink: sink) }
        return sink
    }

    func query(_ name: DNSName, _ type: RRType = .a, id: UInt16 = 0x4242, edns: EDNS? = nil, opcode: OpCode = .query,
               questions: Int = 1) -> [UInt8] {
        var header = Header(id: id)
        header.recursionDesired = true
        header.opcode = opcode
        return try! Message(header: header, questions: Array(repeating: Question(name: name, type: type), count: questions), edns: edns).encode()
    }

    @Test func localAnswerIsSentBeforeHandleReturns() throws {
        let sink = ask(try Self.engine(), query("ssm.us-east-1.amazonaws.com.", .aaaa))
        let reply = try #require(sink.messages.first)
        #expect(sink.count == 1)
        #expect(reply.header.id == 0x4242)
        #expect(reply.header.isResponse && reply.header.recursionDesired && reply.header.recursionAvailable)
        #expect(!reply.header.authoritative)  // AWS-DNS-RULES 3.10
        #expect(reply.rcode == .noError)
        #expect(reply.edns == nil)
    }

    @Test func withoutEDNSLargeAnswersAreTruncatedToFit512() throws {
        let sink = ask(try Self.engine(), query("ssm.us-east-1.amazonaws.com.", .aaaa))
        let bytes = try #require(sink.responses.withLock { $0.first })
        let reply = try Message(wire: bytes)
        #expect(bytes.count <= 512)
        #expect(reply.header.truncated)
        #expect(reply.answers.isEmpty)
    }

    @Test func ednsPayloadSizeIsHonouredAndCapped() throws {
        let engine = try Self.engine()
        let small = try #require(ask(engine, query("ssm.us-east-1.amazonaws.com.", .aaaa, edns: EDNS(udpPayloadSize: 1232, dnssecOK: true))).messages.first)
        #expect(!small.header.truncated)
        #expect(small.answers.count == 26)
        #expect(small.edns?.udpPayloadSize == 4096)
        #expect(small.edns?.dnssecOK == true)
        let tcp = try #require(ask(engine, query("ssm.us-east-1.amazonaws.com.", .aaaa), tcp: true).messages.first)
        #expect(!tcp.header.truncated && tcp.answers.count == 26)
    }

    @Test func malformedWithReadableHeaderIsFORMERR() throws {
        let sink = ask(try Self.engine(), [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1])
        let reply = try #require(sink.messages.first)
        #expect(reply.rcode == .formErr)
        #expect(reply.header.id == 0x1234)
    }

    @Test func shortPacketsAndResponsesAreDropped() throws {
        let engine = try Self.engine()
        #expect(ask(engine, [0x12, 0x34, 0x01]).count == 0)
        var response = query("ssm.us-east-1.amazonaws.com.")
        response[2] |= 0x80
        #expect(ask(engine, response).count == 0)
    }

    @Test func twoQuestionsIsFORMERR() throws {
        #expect(try #require(ask(try Self.engine(), query("a.example.", questions: 2)).messages.first).rcode == .formErr)
        #expect(try #require(ask(try Self.engine(), query("a.example.", questions: 0)).messages.first).rcode == .formErr)
    }

    @Test func otherOpcodesAreNOTIMP() throws {
        #expect(try #require(ask(try Self.engine(), query("a.example.", opcode: .update)).messages.first).rcode == .notImp)
    }

    @Test func unknownEDNSVersionIsBADVERS() throws {
        let reply = try #require(ask(try Self.engine(), query("a.example.", edns: EDNS(version: 1))).messages.first)
        #expect(reply.rcode == .badVers)
        #expect(reply.edns?.version == 0)
    }

    @Test func clientsOutsideAllowAreRefused() throws {
        let reply = try #require(ask(try Self.engine(), query("ssm.us-east-1.amazonaws.com."), from: SocketAddress("192.0.2.7:5000")!).messages.first)
        #expect(reply.rcode == .refused)
        #expect(reply.answers.isEmpty)
    }

    @Test func nonINClassIsRefused() throws {
        var header = Header(id: 1)
        header.recursionDesired = true
        let chaos = try Message(header: header, questions: [Question(name: "version.bind.", type: .txt, dnsClass: .chaos)]).encode()
        #expect(try #require(ask(try Self.engine(), chaos).messages.first).rcode == .refused)
    }

    @Test func deadUpstreamGivesSERVFAILNotSilence() async throws {
        let engine = try Self.engine()
        let sink = ask(engine, query("www.example.org."))
        for _ in 0..<200 where sink.count == 0 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(try #require(sink.messages.first).rcode == .servFail)
        engine.state.upstreams.shutdown()
    }
}
