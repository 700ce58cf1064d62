import DNSCache
import DNSWire
import IPAddress
import Resolver
import Testing
import VPCConfig
import VPCModel

/// AWS-DNS-RULES 7.1: packets over the per-client rate are dropped silently; TCP is not limited.
@Suite struct RateLimitTests {
    static func engine(packetsPerSecond: Int) throws -> QueryEngine {
        let yaml = """
        upstreams: ["127.0.0.1:9"]
        allow: ["127.0.0.0/8"]
        rate_limit: { packets_per_second: \(packetsPerSecond) }
        services:
          - { name: com.amazonaws.us-east-1.ssm, private_dns_names: [] }
        vpcs:
          - id: vpc-0a1b2c3d4e5f60718
            region: us-east-1
            cidrs: ["127.0.0.0/8"]
        """
        let config = try ConfigLoader.parse(yaml: yaml, file: "test.yaml", baseDirectory: "/tmp")
        let model = try ResolutionModel(config: config, zoneRoot: "/tmp")
        return QueryEngine(state: ServingState(config: config, model: model, upstreams: try UpstreamPool(sets: [], timeout: .seconds(1), tries: 1)),
                           cache: DNSCache())
    }

    /// A question the door refuses at once (class CH), so every admitted packet is answered synchronously.
    static let probe = try! Message(header: Header(id: 9), questions: [Question(name: "x.example.", type: .txt, dnsClass: .chaos)]).encode()

    func burst(_ engine: QueryEngine, from client: String, count: Int, tcp: Bool = false) -> Int {
        let sink = CapturingSink()
        for _ in 0..<count {
            Self.probe.withUnsafeBytes { engine.handle($0, client: SocketAddress(client)!, local: nil, overTCP: tcp, sink: sink) }
        }
        return sink.count
    }

    @Test func excessPacketsFromOneClientAreDropped() throws {
        let engine = try Self.engine(packetsPerSecond: 10)
        let answered = burst(engine, from: "127.0.0.5:1000", count: 100)
        #expect(answered >= 10 && answered < 30)
        // Another client has its own budget; TCP is never limited.
        #expect(burst(engine, from: "127.0.0.6:1000", count: 10) == 10)
        #expect(burst(engine, from: "127.0.0.5:1000", count: 50, tcp: true) == 50)
    }

    @Test func zeroMeansNoLimit() throws {
        #expect(burst(try Self.engine(packetsPerSecond: 0), from: "127.0.0.5:1000", count: 2000) == 2000)
    }
}
