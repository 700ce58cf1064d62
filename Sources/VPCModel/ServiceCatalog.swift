/// Maps an endpoint service to the private DNS names AWS's hidden zone answers for it
/// (AWS-DNS-RULES section 4). The embedded table covers the exceptions to the default rule
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
        entry(for: service).baseEndpointDNSName ?? service.baseEndpointDNSName
    }

    /// The embedded rules of AWS-DNS-RULES section 4. `R` is the region, `P` the partition suffix.
    static func embeddedPrivateNames(_ service: ServiceName) -> [String] {
        // Services of other accounts have only the private name their owner verified: none by default.
        if service.isPrivateLinkService { return [] }
        let region = service.region, suffix = service.partitionSuffix
        let regional = { (label: String) in "\(label).\(region).\(suffix)" }
        switch service.service {
        case "kinesis-streams": return [regional("kinesis")]
        case "kinesis-firehose": return [regional("firehose")]
        case "ecr.api": return [regional("api.ecr")]
        case "ecr.dkr": return ["*." + regional("dkr.ecr")]
        case "sagemaker.api": return [regional("api.sagemaker")]
        case "codeartifact.repositories": return ["*." + regional("d.codeartifact")]
        case "execute-api": return [regional("execute-api"), "*." + regional("execute-api")]
        case "s3":
            return ["s3", "s3-control", "s3-accesspoint"].flatMap { [regional($0), "*." + regional($0)] }
        case "monitoring":
            return [regional("monitoring"), "monitoring.\(region).api.aws",
                    regional("monitoring-fips"), "monitoring-fips.\(region).api.aws"]
        case "sqs": return [regional("sqs"), "sqs.\(region).api.aws"]
        // No AWS-managed private DNS: users add their own zone (AWS-DNS-RULES 4, iot.data),
        // or AWS documents none (DynamoDB Streams), or the names are unknown (ECS agent/telemetry).
        case "iot.data", "dynamodb-streams", "ecs-agent", "ecs-telemetry": return []
        default: return [regional(service.dnsLabels)]
        }
    }
}
