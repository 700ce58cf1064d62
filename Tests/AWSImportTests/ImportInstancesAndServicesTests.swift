import AWSImport
import DNSWire
import IPAddress
import Testing
import VPCConfig
import VPCModel

/// `vpcdns import` of `describe-instances` (into `instances:`) and `describe-vpc-endpoint-services`
/// (into `services:`), loaded through the real config loader and model.
@Suite struct ImportInstancesAndServicesTests {
    static func model(_ fixtures: [String]) throws -> (String, ResolutionModel) {
        let yaml = "upstreams: [\"127.0.0.1:9\"]\n" + (try ImportTests.imported(fixtures))
        let config = try ConfigLoader.parse(yaml: yaml, file: "imported.yaml", baseDirectory: "/tmp")
        return (yaml, try ResolutionModel(config: config, zoneRoot: "/tmp"))
    }

    static func answers(_ model: ResolutionModel, _ name: String, _ type: RRType) throws -> [String] {
        guard case .answer(let answer) = model.decide(Question(name: try DNSName(name), type: type), client: IPAddress("10.0.3.3")!, local: nil)
        else { return ["not answered locally"] }
        return answer.answers.map { $0.rdata.description }.sorted()
    }

    @Test func instancesBecomeEC2Names() throws {
        let (yaml, model) = try Self.model(["describe-instances.json", "describe-vpcs.json"])
        #expect(yaml.contains("      - id: i-1234567890abcdef0\n        ipv4: [10.0.1.157, 10.0.1.158]\n        public_ipv4: 34.253.223.13\n        hostname_type: ip-name\n        resource_name_a: true\n"))
        #expect(yaml.contains("      - id: i-0598c7d356eba48d7\n        ipv4: [10.0.2.44]\n        ipv6: [\"2600:1f18:aaa:2::44\"]\n        hostname_type: resource-name\n"))
        #expect(!yaml.contains("i-0fedcba9876543210"))  // terminated: no addresses
        #expect(yaml.contains("region: us-east-1\n") && yaml.contains("enable_dns_hostnames: true\n"))
        #expect(try Self.answers(model, "ip-10-0-1-157.ec2.internal", .a) == ["10.0.1.157"])
        #expect(try Self.answers(model, "ip-10-0-1-158.ec2.internal", .a) == ["10.0.1.158"])
        #expect(try Self.answers(model, "i-1234567890abcdef0.ec2.internal", .a) == ["10.0.1.157"])
        #expect(try Self.answers(model, "ec2-34-253-223-13.compute-1.amazonaws.com", .a) == ["10.0.1.157"])
        #expect(try Self.answers(model, "157.1.0.10.in-addr.arpa", .ptr) == ["ip-10-0-1-157.ec2.internal."])
        #expect(try Self.answers(model, "44.2.0.10.in-addr.arpa", .ptr) == ["i-0598c7d356eba48d7.ec2.internal."])
        #expect(try Self.answers(model, "i-0598c7d356eba48d7.ec2.internal", .aaaa) == ["2600:1f18:aaa:2::44"])
    }

    /// Instances and endpoints of one VPC land in one `vpcs:` item.
    @Test func instancesJoinTheEndpointsVPC() throws {
        let (yaml, model) = try Self.model(ImportTests.all + ["describe-instances.json"])
        #expect(yaml.components(separatedBy: "  - id: vpc-1a2b3c4d").count == 2)
        #expect(try Self.answers(model, "ip-10-0-1-20.ec2.internal", .a) == ["10.0.1.20"])  // an endpoint interface
        #expect(try Self.answers(model, "ssm.us-east-1.amazonaws.com", .a) == ["10.0.1.20", "10.0.2.20"])
    }

    @Test func serviceDetailsBecomeServices() throws {
        let yaml = try ImportTests.imported(["describe-vpc-endpoint-services.json"])
        #expect(yaml == """
        services:
          - name: com.amazonaws.us-east-1.ecr.dkr
            private_dns_names: ["*.dkr.ecr.us-east-1.amazonaws.com", "dkr.ecr.us-east-1.amazonaws.com", "*.dkr-ecr.us-east-1.on.aws", "dkr-ecr.us-east-1.on.aws"]
            base_endpoint_dns_name: dkr.ecr.us-east-1.vpce.amazonaws.com
          - name: com.amazonaws.us-east-1.s3
            private_dns_names: ["*.s3.us-east-1.amazonaws.com", "s3.us-east-1.amazonaws.com"]
            base_endpoint_dns_name: s3.us-east-1.vpce.amazonaws.com
          - name: com.amazonaws.us-east-1.dynamodb
            private_dns_names: []
            base_endpoint_dns_name: dynamodb.us-east-1.vpce.amazonaws.com
          - name: com.amazonaws.vpce.us-east-1.vpce-svc-0e123abc123198abc
            private_dns_names: []
            base_endpoint_dns_name: vpce-svc-0e123abc123198abc.us-east-1.vpce.amazonaws.com

        """)
        // The imported catalog loads and replaces the embedded one.
        let config = try ConfigLoader.parse(yaml: yaml, file: "imported.yaml", baseDirectory: "/tmp")
        #expect(config.services.count == 4)
        #expect(config.services[0].privateDnsNames.count == 4)
    }

    /// With the services imported, an endpoint answers the account's own names.
    @Test func importedServicesDriveTheEndpoints() throws {
        let (_, model) = try Self.model(ImportTests.all + ["describe-vpc-endpoint-services.json"])
        #expect(try Self.answers(model, "ssm.us-east-1.amazonaws.com", .a) == ["10.0.1.20", "10.0.2.20"])  // not in the document: embedded
    }
}
