import Testing
import VPCModel

/// AWS-DNS-RULES section 4: endpoint service name → private DNS names and base endpoint name.
@Suite struct ServiceCatalogTests {
    static let cases: [(String, [String], String)] = [
        ("com.amazonaws.ap-northeast-1.ssm", ["ssm.ap-northeast-1.amazonaws.com"], "ssm.ap-northeast-1.vpce.amazonaws.com"),
        ("com.amazonaws.us-east-1.kinesis-streams", ["kinesis.us-east-1.amazonaws.com"], "kinesis-streams.us-east-1.vpce.amazonaws.com"),
        ("com.amazonaws.us-east-1.ecr.api", ["api.ecr.us-east-1.amazonaws.com"], "api.ecr.us-east-1.vpce.amazonaws.com"),
        ("com.amazonaws.us-west-2.ecr.dkr", ["*.dkr.ecr.us-west-2.amazonaws.com"], "dkr.ecr.us-west-2.vpce.amazonaws.com"),
        ("com.amazonaws.us-east-1.execute-api", ["execute-api.us-east-1.amazonaws.com", "*.execute-api.us-east-1.amazonaws.com"],
         "execute-api.us-east-1.vpce.amazonaws.com"),
        ("com.amazonaws.us-east-1.s3", ["s3.us-east-1.amazonaws.com", "*.s3.us-east-1.amazonaws.com",
                                         "s3-control.us-east-1.amazonaws.com", "*.s3-control.us-east-1.amazonaws.com",
                                         "s3-accesspoint.us-east-1.amazonaws.com", "*.s3-accesspoint.us-east-1.amazonaws.com"],
         "s3.us-east-1.vpce.amazonaws.com"),
        ("com.amazonaws.us-east-1.monitoring", ["monitoring.us-east-1.amazonaws.com", "monitoring.us-east-1.api.aws",
                                                 "monitoring-fips.us-east-1.amazonaws.com", "monitoring-fips.us-east-1.api.aws"],
         "monitoring.us-east-1.vpce.amazonaws.com"),
        ("com.amazonaws.eu-west-1.sqs", ["sqs.eu-west-1.amazonaws.com", "sqs.eu-west-1.api.aws"], "sqs.eu-west-1.vpce.amazonaws.com"),
        ("com.amazonaws.eu-west-1.sqs-fips", ["sqs-fips.eu-west-1.amazonaws.com"], "sqs-fips.eu-west-1.vpce.amazonaws.com"),
        ("com.amazonaws.us-east-1.kinesis-firehose", ["firehose.us-east-1.amazonaws.com"], "kinesis-firehose.us-east-1.vpce.amazonaws.com"),
        ("com.amazonaws.us-east-1.sagemaker.api", ["api.sagemaker.us-east-1.amazonaws.com"], "api.sagemaker.us-east-1.vpce.amazonaws.com"),
        ("com.amazonaws.us-east-1.iot.data", [], "data.iot.us-east-1.vpce.amazonaws.com"),
        ("com.amazonaws.us-east-1.dynamodb-streams", [], "dynamodb-streams.us-east-1.vpce.amazonaws.com"),
        ("cn.com.amazonaws.cn-north-1.sqs", ["sqs.cn-north-1.amazonaws.com.cn", "sqs.cn-north-1.api.aws"], "sqs.cn-north-1.vpce.amazonaws.com.cn"),
        ("com.amazonaws.cn-northwest-1.ec2", ["ec2.cn-northwest-1.amazonaws.com.cn"], "ec2.cn-northwest-1.vpce.amazonaws.com.cn"),
        ("com.amazonaws.us-gov-west-1.kms-fips", ["kms-fips.us-gov-west-1.amazonaws.com"], "kms-fips.us-gov-west-1.vpce.amazonaws.com"),
        ("com.amazonaws.vpce.us-east-1.vpce-svc-0c7c07b604c6f4254", [], "vpce-svc-0c7c07b604c6f4254.us-east-1.vpce.amazonaws.com"),
    ]

    @Test(arguments: cases)
    func embeddedCatalog(service: String, privateNames: [String], base: String) throws {
        let name = try #require(ServiceName(service))
        let catalog = ServiceCatalog()
        #expect(catalog.entry(for: name).privateDNSNames == privateNames)
        #expect(catalog.baseEndpointDNSName(for: name) == base)
    }

    @Test func configOverridesTheEmbeddedEntry() throws {
        let name = try #require(ServiceName("com.amazonaws.us-east-1.ecs-agent"))
        #expect(ServiceCatalog().entry(for: name).privateDNSNames.isEmpty)
        let catalog = ServiceCatalog(overrides: ["com.amazonaws.us-east-1.ecs-agent": .init(
            privateDNSNames: ["*.ecs-a.us-east-1.amazonaws.com"], baseEndpointDNSName: "ecs-a.us-east-1.vpce.amazonaws.com")])
        #expect(catalog.entry(for: name).privateDNSNames == ["*.ecs-a.us-east-1.amazonaws.com"])
        #expect(catalog.baseEndpointDNSName(for: name) == "ecs-a.us-east-1.vpce.amazonaws.com")
    }

    @Test(arguments: ["com.amazonaws.ap-northeast1.ssm", "com.amazonaws.ssm", "org.example.us-east-1.ssm", "com.amazonaws.us-east-1."])
    func malformedServiceNames(_ text: String) {
        #expect(ServiceName(text) == nil)
    }
}
