/// Maps an endpoint service to the private DNS names AWS's hidden zone answers for it
/// (AWS-DNS-RULES sections 4 and 12). The embedded table covers the exceptions to the default rule
/// `<service>.<region>.amazonaws.com`; config `services:` entries override or extend it.
public struct ServiceCatalog: Sendable {
    /// What a service contributes to DNS.
    public struct Entry: Hashable, Sendable {
        /// Private DNS names; a leading `*.` makes a wildcard record in the zone of the rest.
        public var privateDNSNames: [String]
        /// Overrides the derived `BaseEndpointDnsNames[0]` when set.
        public var baseEndpointDNSName: String?

        public init(privateDNSNames: [String], baseEndpointDNSName: String? = nil) {
            self.privateDNSNames = privateDNSNames
            self.baseEndpointDNSName = baseEndpointDNSName
        }
    }

    /// Config overrides by full service name.
    private var overrides: [String: Entry]

    public init(overrides: [String: Entry] = [:]) {
        self.overrides = overrides
    }

    /// The entry for `service`: a config override, else the embedded rules.
    public func entry(for service: ServiceName) -> Entry {
        if let override = overrides[service.fullName] {
            return override
        }
        return Entry(privateDNSNames: Self.embeddedPrivateNames(service))
    }

    public func baseEndpointDNSName(for service: ServiceName) -> String {
        entry(for: service).baseEndpointDNSName ?? Self.embeddedBase(service) ?? service.baseEndpointDNSName
    }

    /// The embedded rules of AWS-DNS-RULES sections 4 and 12. `R` is the region.
    static func embeddedPrivateNames(_ service: ServiceName) -> [String] {
        // Services of other accounts have only the private name their owner verified: none by default.
        if service.isPrivateLinkService { return [] }
        let region = service.region, suffix = service.domain
        let regional = { (label: String) in "\(label).\(region).\(suffix)" }
        let apiAWS = { (label: String) in "\(label).\(region).api.aws" }
        // Names of the newer service-name forms (`aws.api.R.x`, `aws.sagemaker.R.notebook`).
        if suffix == "sagemaker.aws" { return ["*." + regional(service.dnsLabels)] }
        if suffix == "api.aws" { return [regional(service.dnsLabels)] }
        switch service.service {
        case "kinesis-streams": return [regional("kinesis")]
        case "kinesis-firehose": return [regional("firehose")]
        case "kinesisvideo": return ["*." + regional("kinesisvideo")]
        case "ecr.api": return [regional("api.ecr"), apiAWS("ecr")]
        case "ecr.dkr":
            return [regional("dkr.ecr"), "*." + regional("dkr.ecr"), "dkr-ecr.\(region).on.aws", "*.dkr-ecr.\(region).on.aws"]
        case "ecs-agent": return [regional("ecs-a")]
        case "ecs-telemetry": return [regional("ecs-t")]
        case "sagemaker.api": return [regional("api.sagemaker")]
        case "codeartifact.repositories": return ["*." + regional("d.codeartifact")]
        case "execute-api": return [regional("execute-api"), "*." + regional("execute-api")]
        case "s3":
            return ["s3", "s3-control", "s3-accesspoint"].flatMap { [regional($0), "*." + regional($0)] }
        case "monitoring":
            return [regional("monitoring"), apiAWS("monitoring"), regional("monitoring-fips"), apiAWS("monitoring-fips")]
        case "sqs": return [regional("sqs"), apiAWS("sqs")]
        case "ssm", "ssmmessages", "cassandra": return [regional(service.service), apiAWS(service.service)]
        case "logs": return [regional("logs"), apiAWS("logs"), regional("streaming-logs"), apiAWS("streaming-logs")]
        // No AWS-managed private DNS: users add their own zone (iot.data), or AWS provides none
        // (DynamoDB interface endpoints and DynamoDB Streams: enabling private DNS is refused).
        case "iot.data", "dynamodb", "dynamodb-streams": return []
        default: return [regional(service.dnsLabels)]
        }
    }

    /// Base endpoint names that differ from the service name (AWS-DNS-RULES 12).
    static func embeddedBase(_ service: ServiceName) -> String? {
        guard !service.isPrivateLinkService else { return nil }
        let label: String
        switch service.service {
        case "ecs-agent": label = "ecs-a"
        case "ecs-telemetry": label = "ecs-t"
        case "kinesis-firehose": label = "firehose"
        case "dynamodb-streams": label = "streams.dynamodb"
        default: return nil
        }
        return "\(label).\(service.region).\(service.vpceDomain)"
    }
}
