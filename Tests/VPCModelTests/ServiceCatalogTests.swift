import Testing
import VPCModel

/// AWS-DNS-RULES sections 4 and 12: endpoint service name → private DNS names and base endpoint name.
@Suite struct ServiceCatalogTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var rule: String
        var service: String
        var privateNames: [String]
        var base: String
        var testDescription: String { "rule \(rule): \(service)" }
    }

    static let cases: [Case] = [
        Case(rule: "4", service: "com.amazonaws.ap-northeast-1.ec2messages", privateNames: ["ec2messages.ap-northeast-1.amazonaws.com"],
             base: "ec2messages.ap-northeast-1.vpce.amazonaws.com"),
        Case(rule: "4", service: "com.amazonaws.us-east-1.kinesis-streams", privateNames: ["kinesis.us-east-1.amazonaws.com"],
             base: "kinesis-streams.us-east-1.vpce.amazonaws.com"),
        Case(rule: "4", service: "com.amazonaws.us-east-1.execute-api",
             privateNames: ["execute-api.us-east-1.amazonaws.com", "*.execute-api.us-east-1.amazonaws.com"],
             base: "execute-api.us-east-1.vpce.amazonaws.com"),
        Case(rule: "4", service: "com.amazonaws.us-east-1.s3",
             privateNames: ["s3.us-east-1.amazonaws.com", "*.s3.us-east-1.amazonaws.com",
                            "s3-control.us-east-1.amazonaws.com", "*.s3-control.us-east-1.amazonaws.com",
                            "s3-accesspoint.us-east-1.amazonaws.com", "*.s3-accesspoint.us-east-1.amazonaws.com"],
             base: "s3.us-east-1.vpce.amazonaws.com"),
        Case(rule: "4", service: "com.amazonaws.us-east-1.monitoring",
             privateNames: ["monitoring.us-east-1.amazonaws.com", "monitoring.us-east-1.api.aws",
                            "monitoring-fips.us-east-1.amazonaws.com", "monitoring-fips.us-east-1.api.aws"],
             base: "monitoring.us-east-1.vpce.amazonaws.com"),
        Case(rule: "4", service: "com.amazonaws.eu-west-1.sqs", privateNames: ["sqs.eu-west-1.amazonaws.com", "sqs.eu-west-1.api.aws"],
             base: "sqs.eu-west-1.vpce.amazonaws.com"),
        Case(rule: "4", service: "com.amazonaws.eu-west-1.sqs-fips", privateNames: ["sqs-fips.eu-west-1.amazonaws.com"],
             base: "sqs-fips.eu-west-1.vpce.amazonaws.com"),
        Case(rule: "4", service: "com.amazonaws.us-east-1.sagemaker.api", privateNames: ["api.sagemaker.us-east-1.amazonaws.com"],
             base: "api.sagemaker.us-east-1.vpce.amazonaws.com"),
        Case(rule: "4", service: "com.amazonaws.us-east-1.iot.data", privateNames: [], base: "data.iot.us-east-1.vpce.amazonaws.com"),
        Case(rule: "4", service: "cn.com.amazonaws.cn-north-1.sqs", privateNames: ["sqs.cn-north-1.amazonaws.com.cn", "sqs.cn-north-1.api.aws"],
             base: "sqs.cn-north-1.vpce.amazonaws.com.cn"),
        Case(rule: "4", service: "com.amazonaws.cn-northwest-1.ec2", privateNames: ["ec2.cn-northwest-1.amazonaws.com.cn"],
             base: "ec2.cn-northwest-1.vpce.amazonaws.com.cn"),
        Case(rule: "4", service: "com.amazonaws.us-gov-west-1.kms-fips", privateNames: ["kms-fips.us-gov-west-1.amazonaws.com"],
             base: "kms-fips.us-gov-west-1.vpce.amazonaws.com"),
        Case(rule: "4", service: "com.amazonaws.vpce.us-east-1.vpce-svc-0c7c07b604c6f4254", privateNames: [],
             base: "vpce-svc-0c7c07b604c6f4254.us-east-1.vpce.amazonaws.com"),
        // Section 12 corrections.
        Case(rule: "12", service: "com.amazonaws.us-west-2.ecr.dkr",
             privateNames: ["dkr.ecr.us-west-2.amazonaws.com", "*.dkr.ecr.us-west-2.amazonaws.com",
                            "dkr-ecr.us-west-2.on.aws", "*.dkr-ecr.us-west-2.on.aws"],
             base: "dkr.ecr.us-west-2.vpce.amazonaws.com"),
        Case(rule: "12", service: "com.amazonaws.us-east-1.ecr.api", privateNames: ["api.ecr.us-east-1.amazonaws.com", "ecr.us-east-1.api.aws"],
             base: "api.ecr.us-east-1.vpce.amazonaws.com"),
        Case(rule: "12", service: "com.amazonaws.us-east-1.ecs-agent", privateNames: ["ecs-a.us-east-1.amazonaws.com"],
             base: "ecs-a.us-east-1.vpce.amazonaws.com"),
        Case(rule: "12", service: "com.amazonaws.us-east-1.ecs-telemetry", privateNames: ["ecs-t.us-east-1.amazonaws.com"],
             base: "ecs-t.us-east-1.vpce.amazonaws.com"),
        Case(rule: "12", service: "com.amazonaws.us-east-1.ecs", privateNames: ["ecs.us-east-1.amazonaws.com"],
             base: "ecs.us-east-1.vpce.amazonaws.com"),
        Case(rule: "12", service: "com.amazonaws.us-east-1.kinesis-firehose", privateNames: ["firehose.us-east-1.amazonaws.com"],
             base: "firehose.us-east-1.vpce.amazonaws.com"),
        Case(rule: "12", service: "com.amazonaws.us-east-1.dynamodb-streams", privateNames: [],
             base: "streams.dynamodb.us-east-1.vpce.amazonaws.com"),
        Case(rule: "12", service: "com.amazonaws.us-east-1.dynamodb", privateNames: [], base: "dynamodb.us-east-1.vpce.amazonaws.com"),
        Case(rule: "12", service: "com.amazonaws.eu-west-2.ssm", privateNames: ["ssm.eu-west-2.amazonaws.com", "ssm.eu-west-2.api.aws"],
             base: "ssm.eu-west-2.vpce.amazonaws.com"),
        Case(rule: "12", service: "com.amazonaws.eu-west-2.ssmmessages",
             privateNames: ["ssmmessages.eu-west-2.amazonaws.com", "ssmmessages.eu-west-2.api.aws"],
             base: "ssmmessages.eu-west-2.vpce.amazonaws.com"),
        Case(rule: "12", service: "com.amazonaws.eu-west-2.cassandra", privateNames: ["cassandra.eu-west-2.amazonaws.com", "cassandra.eu-west-2.api.aws"],
             base: "cassandra.eu-west-2.vpce.amazonaws.com"),
        Case(rule: "12", service: "com.amazonaws.eu-west-2.logs",
             privateNames: ["logs.eu-west-2.amazonaws.com", "logs.eu-west-2.api.aws",
                            "streaming-logs.eu-west-2.amazonaws.com", "streaming-logs.eu-west-2.api.aws"],
             base: "logs.eu-west-2.vpce.amazonaws.com"),
        Case(rule: "12", service: "com.amazonaws.eu-west-2.secretsmanager", privateNames: ["secretsmanager.eu-west-2.amazonaws.com"],
             base: "secretsmanager.eu-west-2.vpce.amazonaws.com"),
        Case(rule: "12", service: "com.amazonaws.us-west-2.kinesisvideo", privateNames: ["*.kinesisvideo.us-west-2.amazonaws.com"],
             base: "kinesisvideo.us-west-2.vpce.amazonaws.com"),
        // Section 12: the other service-name forms.
        Case(rule: "12", service: "api.aws.us-east-1.cassandra-streams", privateNames: ["cassandra-streams.us-east-1.api.aws"],
             base: "cassandra-streams.us-east-1.vpce.amazonaws.com"),
        Case(rule: "12", service: "aws.api.us-east-1.bcm-data-exports", privateNames: ["bcm-data-exports.us-east-1.api.aws"],
             base: "bcm-data-exports.us-east-1.vpce.amazonaws.com"),
        Case(rule: "12", service: "aws.sagemaker.us-east-1.notebook", privateNames: ["*.notebook.us-east-1.sagemaker.aws"],
             base: "notebook.us-east-1.vpce.sagemaker.aws"),
    ]

    @Test(arguments: cases)
    func embeddedCatalog(_ testCase: Case) throws {
        let name = try #require(ServiceName(testCase.service))
        let catalog = ServiceCatalog()
        #expect(catalog.entry(for: name).privateDNSNames == testCase.privateNames)
        #expect(catalog.baseEndpointDNSName(for: name) == testCase.base)
    }

    @Test func configOverridesTheEmbeddedEntry() throws {
        let name = try #require(ServiceName("com.amazonaws.us-east-1.iot.data"))
        #expect(ServiceCatalog().entry(for: name).privateDNSNames.isEmpty)
        let catalog = ServiceCatalog(overrides: ["com.amazonaws.us-east-1.iot.data": .init(
            privateDNSNames: ["*.iot.us-east-1.amazonaws.com"], baseEndpointDNSName: "data.iot.us-east-1.vpce.amazonaws.com")])
        #expect(catalog.entry(for: name).privateDNSNames == ["*.iot.us-east-1.amazonaws.com"])
        #expect(catalog.baseEndpointDNSName(for: name) == "data.iot.us-east-1.vpce.amazonaws.com")
    }

    @Test(arguments: ["com.amazonaws.ap-northeast1.ssm", "com.amazonaws.ssm", "org.example.us-east-1.ssm", "com.amazonaws.us-east-1.",
                      "aws.example.us-east-1.x"])
    func malformedServiceNames(_ text: String) {
        #expect(ServiceName(text) == nil)
    }
}
