import DNSWire
import IPAddress
import Testing
import VPCModel

/// Route 53 Profiles (AWS-DNS-RULES S38): a Profile's rules reach every VPC associated with it,
/// and a VPC's own rule at the same name wins.
@Suite struct ProfileTests {
    static let config = """
    upstreams: ["127.0.0.1:5300"]
    profiles:
      - id: rp-00000000000000001
        vpcs: [vpc-0aaaaaaa, vpc-0bbbbbbb]
        rules:
          - { domain: onprem.example, type: forward, targets: ["192.0.2.10"] }
          - { domain: shared.example, type: forward, targets: ["192.0.2.11"] }
    vpcs:
      - id: vpc-0aaaaaaa
        region: us-east-1
        cidrs: ["10.10.0.0/16"]
        rules:
          - { domain: shared.example, type: forward, targets: ["192.0.2.20"] }
      - id: vpc-0bbbbbbb
        region: us-east-1
        cidrs: ["10.20.0.0/16"]
      - id: vpc-0ccccccc
        region: us-east-1
        cidrs: ["10.30.0.0/16"]
    """

    func upstream(_ model: ResolutionModel, _ name: String, from client: String) -> String {
        guard case .forward(let set, _, _, _) = model.decide(Question(name: try! DNSName(name), type: .a), client: IPAddress(client)!, local: nil)
        else { return "not forwarded" }
        return model.upstreams(of: set).map(\.description).joined(separator: ",")
    }

    @Test func profileRulesReachEveryAssociatedVPCAndOwnRulesWin() throws {
        let model = try makeModel(Self.config)
        #expect(upstream(model, "db.onprem.example", from: "10.10.0.5") == "192.0.2.10:53")
        #expect(upstream(model, "db.onprem.example", from: "10.20.0.5") == "192.0.2.10:53")
        #expect(upstream(model, "db.onprem.example", from: "10.30.0.5") == "127.0.0.1:5300")
        #expect(upstream(model, "www.shared.example", from: "10.10.0.5") == "192.0.2.20:53")
        #expect(upstream(model, "www.shared.example", from: "10.20.0.5") == "192.0.2.11:53")
    }
}
