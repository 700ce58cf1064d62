import DNSWire
import IPAddress
import Resolver
import Testing
import VPCConfig
import VPCModel

/// The handle a forward decision names is the one the pool finds the set's channel by.
@Suite struct UpstreamSetTests {
    static let yaml = """
    upstreams: ["127.0.0.1:5390"]
    allow: ["127.0.0.0/8"]
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: us-east-1
        cidrs: ["10.10.0.0/16"]
        rules:
          - { domain: first.example, type: forward, targets: ["127.0.0.1:5391"] }
          - { domain: second.example, type: forward, targets: ["127.0.0.1:5392", "127.0.0.1:5393"] }
          - { domain: again.example, type: forward, targets: ["127.0.0.1:5391"] }
    """

    func forwardedSet(_ model: ResolutionModel, _ name: String) throws -> UpstreamSetID {
        let decision = model.decide(Question(name: try DNSName(name), type: .a), client: IPAddress("10.10.0.5")!, local: nil)
        guard case .forward(let set, _, _, _) = decision else {
            Issue.record("\(name) not forwarded: \(decision)")
            return UpstreamSetID(index: -1)
        }
        return set
    }

    @Test func aDecisionsSetIsTheChannelOfItsServers() throws {
        let config = try ConfigLoader.parse(yaml: Self.yaml, file: "test.yaml", baseDirectory: "/tmp")
        let model = try ResolutionModel(config: config, zoneRoot: "/tmp")
        let pool = try UpstreamPool(sets: model.upstreamSets, timeout: .seconds(1), tries: 1)
        defer { pool.shutdown() }

        let expected: [(String, UpstreamSetID, [String])] = [
            ("www.elsewhere.example.", .configured, ["127.0.0.1:5390"]),
            ("a.first.example.", UpstreamSetID(index: 1), ["127.0.0.1:5391"]),
            ("b.second.example.", UpstreamSetID(index: 2), ["127.0.0.1:5392", "127.0.0.1:5393"]),
            // The same targets share one set, and so one channel.
            ("c.again.example.", UpstreamSetID(index: 1), ["127.0.0.1:5391"]),
        ]
        for (name, id, servers) in expected {
            let set = try forwardedSet(model, name)
            #expect(set == id, "\(name)")
            #expect(model.upstreams(of: set).map(\.description) == servers, "\(name)")
            #expect(pool.channel(for: set).channel?.configuration.servers.map(\.description) == servers, "\(name)")
        }
        #expect(pool.channels.count == 3)
    }

    @Test func theHandlePrintsAsItsNumber() {
        #expect(UpstreamSetID.configured.description == "0")
        #expect("\(UpstreamSetID(index: 2))" == "2")
    }
}
