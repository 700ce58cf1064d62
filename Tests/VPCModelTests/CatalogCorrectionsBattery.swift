import DNSWire
import Testing
import VPCModel

/// AWS-DNS-RULES section 12: the corrected service catalog as a VPC's clients see it.
@Suite struct CatalogCorrectionsBattery {
    static func endpoint(_ id: String, _ service: String, _ suffix: String, _ address: String?, privateDNS: Bool = true) -> String {
        let interfaces = address.map { "[{ az: eu-west-2a, ipv4: \($0) }]" } ?? "[]"
        return "      - { id: \(id), service: \(service), dns_suffix: \(suffix), private_dns: \(privateDNS), interfaces: \(interfaces) }\n"
    }

    static let config = """
    upstreams: ["127.0.0.1:5300"]
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: eu-west-2
        cidrs: ["10.10.0.0/16"]
        enable_dns_hostnames: true
        endpoints:

    """
        + endpoint("vpce-0123456789abcdef0", "com.amazonaws.eu-west-2.ecr.dkr", "aaaaaaaa", "10.10.1.10")
        + endpoint("vpce-0123456789abcdef1", "com.amazonaws.eu-west-2.ecr.api", "bbbbbbbb", "10.10.1.11")
        + endpoint("vpce-0123456789abcdef2", "com.amazonaws.eu-west-2.ecs-agent", "cccccccc", "10.10.1.12")
        + endpoint("vpce-0123456789abcdef3", "com.amazonaws.eu-west-2.ecs-telemetry", "dddddddd", "10.10.1.13")
        + endpoint("vpce-0123456789abcdef4", "com.amazonaws.eu-west-2.kinesis-firehose", "eeeeeeee", "10.10.1.14")
        + endpoint("vpce-0123456789abcdef5", "com.amazonaws.eu-west-2.dynamodb-streams", "ffffffff", "10.10.1.15", privateDNS: false)
        + endpoint("vpce-0123456789abcdef6", "com.amazonaws.eu-west-2.logs", "gggggggg", "10.10.1.16")
        + endpoint("vpce-0123456789abcdef7", "com.amazonaws.eu-west-2.kinesisvideo", "hhhhhhhh", "10.10.1.17")
        + endpoint("vpce-0123456789abcdef8", "com.amazonaws.eu-west-2.ssm", "iiiiiiii", nil)
        + endpoint("vpce-0123456789abcdef9", "com.amazonaws.eu-west-2.dynamodb", "jjjjjjjj", "10.10.1.19", privateDNS: false)
        + endpoint("vpce-0123456789abcdefa", "aws.sagemaker.eu-west-2.notebook", "kkkkkkkk", "10.10.1.20")
        + endpoint("vpce-0123456789abcdefb", "api.aws.eu-west-2.cassandra-streams", "llllllll", "10.10.1.21")

    static func soa(_ apex: String) -> String {
        "\(apex) 60 IN SOA ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var expected: Outcome
        var testDescription: String { "rule 12: \(name)" }
    }

    static func a(_ name: String, _ address: String) -> Outcome { .answer("NOERROR", ["\(name). 60 IN A \(address)"]) }

    static let cases: [Case] = [
        Case(name: "dkr.ecr.eu-west-2.amazonaws.com", expected: a("dkr.ecr.eu-west-2.amazonaws.com", "10.10.1.10")),
        Case(name: "123456789012.dkr.ecr.eu-west-2.amazonaws.com", expected: a("123456789012.dkr.ecr.eu-west-2.amazonaws.com", "10.10.1.10")),
        Case(name: "dkr-ecr.eu-west-2.on.aws", expected: a("dkr-ecr.eu-west-2.on.aws", "10.10.1.10")),
        Case(name: "123456789012.dkr-ecr.eu-west-2.on.aws", expected: a("123456789012.dkr-ecr.eu-west-2.on.aws", "10.10.1.10")),
        Case(name: "vpce-0123456789abcdef0-aaaaaaaa.dkr.ecr.eu-west-2.vpce.amazonaws.com",
             expected: a("vpce-0123456789abcdef0-aaaaaaaa.dkr.ecr.eu-west-2.vpce.amazonaws.com", "10.10.1.10")),
        Case(name: "api.ecr.eu-west-2.amazonaws.com", expected: a("api.ecr.eu-west-2.amazonaws.com", "10.10.1.11")),
        Case(name: "ecr.eu-west-2.api.aws", expected: a("ecr.eu-west-2.api.aws", "10.10.1.11")),
        Case(name: "ecs-a.eu-west-2.amazonaws.com", expected: a("ecs-a.eu-west-2.amazonaws.com", "10.10.1.12")),
        // Numbered agent hosts stay public.
        Case(name: "ecs-a-1.eu-west-2.amazonaws.com", expected: .forward(0)),
        Case(name: "vpce-0123456789abcdef2-cccccccc.ecs-a.eu-west-2.vpce.amazonaws.com",
             expected: a("vpce-0123456789abcdef2-cccccccc.ecs-a.eu-west-2.vpce.amazonaws.com", "10.10.1.12")),
        Case(name: "ecs-t.eu-west-2.amazonaws.com", expected: a("ecs-t.eu-west-2.amazonaws.com", "10.10.1.13")),
        Case(name: "vpce-0123456789abcdef3-dddddddd.ecs-t.eu-west-2.vpce.amazonaws.com",
             expected: a("vpce-0123456789abcdef3-dddddddd.ecs-t.eu-west-2.vpce.amazonaws.com", "10.10.1.13")),
        Case(name: "firehose.eu-west-2.amazonaws.com", expected: a("firehose.eu-west-2.amazonaws.com", "10.10.1.14")),
        Case(name: "vpce-0123456789abcdef4-eeeeeeee.firehose.eu-west-2.vpce.amazonaws.com",
             expected: a("vpce-0123456789abcdef4-eeeeeeee.firehose.eu-west-2.vpce.amazonaws.com", "10.10.1.14")),
        Case(name: "vpce-0123456789abcdef5-ffffffff.streams.dynamodb.eu-west-2.vpce.amazonaws.com",
             expected: a("vpce-0123456789abcdef5-ffffffff.streams.dynamodb.eu-west-2.vpce.amazonaws.com", "10.10.1.15")),
        Case(name: "vpce-0123456789abcdef9-jjjjjjjj.dynamodb.eu-west-2.vpce.amazonaws.com",
             expected: a("vpce-0123456789abcdef9-jjjjjjjj.dynamodb.eu-west-2.vpce.amazonaws.com", "10.10.1.19")),
        Case(name: "logs.eu-west-2.api.aws", expected: a("logs.eu-west-2.api.aws", "10.10.1.16")),
        Case(name: "streaming-logs.eu-west-2.amazonaws.com", expected: a("streaming-logs.eu-west-2.amazonaws.com", "10.10.1.16")),
        Case(name: "streaming-logs.eu-west-2.api.aws", expected: a("streaming-logs.eu-west-2.api.aws", "10.10.1.16")),
        Case(name: "abc.kinesisvideo.eu-west-2.amazonaws.com", expected: a("abc.kinesisvideo.eu-west-2.amazonaws.com", "10.10.1.17")),
        Case(name: "nb1.notebook.eu-west-2.sagemaker.aws", expected: a("nb1.notebook.eu-west-2.sagemaker.aws", "10.10.1.20")),
        Case(name: "vpce-0123456789abcdefa-kkkkkkkk.notebook.eu-west-2.vpce.sagemaker.aws",
             expected: a("vpce-0123456789abcdefa-kkkkkkkk.notebook.eu-west-2.vpce.sagemaker.aws", "10.10.1.20")),
        Case(name: "cassandra-streams.eu-west-2.api.aws", expected: a("cassandra-streams.eu-west-2.api.aws", "10.10.1.21")),
        // An interface endpoint without subnets: its private name resolves to nothing, never to
        // the public address.
        Case(name: "ssm.eu-west-2.amazonaws.com", expected: .answer("NOERROR", authority: [soa("ssm.eu-west-2.amazonaws.com.")])),
        Case(name: "ssm.eu-west-2.api.aws", expected: .answer("NOERROR", authority: [soa("ssm.eu-west-2.api.aws.")])),
    ]

    @Test(arguments: cases)
    func corrected(_ testCase: Case) throws {
        let model = try makeModel(Self.config)
        #expect(try model.outcome(testCase.name, from: "10.10.0.5") == testCase.expected)
    }

    /// DynamoDB interface endpoints and endpoint services without a verified name refuse private
    /// DNS with AWS's own text.
    @Test(arguments: ["com.amazonaws.eu-west-2.dynamodb", "com.amazonaws.vpce.eu-west-2.vpce-svc-0c7c07b604c6f4254"])
    func privateDNSWithoutAPrivateName(_ service: String) {
        let errors = modelErrors("""
        vpcs:
          - id: vpc-0a1b2c3d4e5f60718
            region: eu-west-2
            cidrs: ["10.10.0.0/16"]
            enable_dns_hostnames: true
            endpoints:
        """ + "\n" + Self.endpoint("vpce-0123456789abcdef0", service, "aaaaaaaa", "10.10.1.10"))
        #expect(errors == ["7: Private DNS can't be enabled because the service \(service) does not provide a private DNS name."])
    }
}
