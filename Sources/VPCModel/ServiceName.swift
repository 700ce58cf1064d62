/// An endpoint service name taken apart: `com.amazonaws.ap-northeast-1.ecr.dkr`,
/// `cn.com.amazonaws.cn-north-1.sqs`, a PrivateLink service `com.amazonaws.vpce.us-east-1.vpce-svc-0123`,
/// or one of the newer forms `aws.api.<region>.<service>`, `api.aws.<region>.<service>` and
/// `aws.sagemaker.<region>.notebook` (AWS-DNS-RULES 12).
public struct ServiceName: Hashable, Sendable, CustomStringConvertible {
    /// The name as configured.
    public let fullName: String
    public let region: String
    /// The part after the region: `ecr.dkr`, `kinesis-streams`, `vpce-svc-0123…`.
    public let service: String
    /// Whether this is an endpoint service of another account (`com.amazonaws.vpce.…`).
    public let isPrivateLinkService: Bool
    /// The domain the service's names end in: `amazonaws.com` (`.cn` in China) for
    /// `com.amazonaws.…` names, `api.aws` for `aws.api.…` and `api.aws.…`, `sagemaker.aws` for
    /// `aws.sagemaker.…`.
    public let domain: String

    public init?(_ fullName: String) {
        var parts = fullName.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.first == "cn" { parts.removeFirst() }
        guard parts.count >= 4 else { return nil }
        let domain: String?
        switch (parts[0], parts[1]) {
        case ("com", "amazonaws"): domain = nil
        case ("aws", "api"), ("api", "aws"): domain = "api.aws"
        case ("aws", "sagemaker"): domain = "sagemaker.aws"
        default: return nil
        }
        var rest = parts.dropFirst(2)
        let isPrivateLink = rest.first == "vpce"
        if isPrivateLink { rest = rest.dropFirst() }
        guard let region = rest.first, Region.isValid(region) else { return nil }
        let service = rest.dropFirst().joined(separator: ".")
        guard !service.isEmpty, !rest.dropFirst().contains(where: \.isEmpty) else { return nil }
        self.fullName = fullName
        self.region = region
        self.service = service
        isPrivateLinkService = isPrivateLink
        self.domain = domain ?? Region.partitionSuffix(region)
    }

    /// `amazonaws.com`, or `amazonaws.com.cn` in the China partition.
    public var partitionSuffix: String { Region.partitionSuffix(region) }

    /// Where the endpoint-specific names live: `vpce.amazonaws.com` (`.cn` in China), or
    /// `vpce.sagemaker.aws` for `aws.sagemaker.…` services.
    public var vpceDomain: String {
        domain == "sagemaker.aws" ? "vpce.sagemaker.aws" : "vpce.\(partitionSuffix)"
    }

    /// The service as it appears in DNS: dotted parts reversed (`ecr.dkr` → `dkr.ecr`), as in
    /// `dkr.ecr.us-west-2.vpce.amazonaws.com` (AWS-DNS-RULES 2.1).
    public var dnsLabels: String {
        service.split(separator: ".").reversed().joined(separator: ".")
    }

    /// `BaseEndpointDnsNames[0]`: the parent of the endpoint-specific names.
    public var baseEndpointDNSName: String {
        "\(dnsLabels).\(region).\(vpceDomain)"
    }

    public var description: String { fullName }
}

/// AWS region names (`ap-northeast-1`, `us-gov-west-1`, `cn-north-1`).
public enum Region {
    /// Whether `name` has the shape of a region: `<area>[-gov|-iso…]-<direction>-<number>`.
    public static func isValid(_ name: String) -> Bool {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts.count <= 4 else { return false }
        let letters = { (part: Substring) in !part.isEmpty && part.allSatisfy { $0 >= "a" && $0 <= "z" } }
        guard parts[0].count == 2, letters(parts[0]), letters(parts[parts.count - 2]),
              let last = parts.last, !last.isEmpty, last.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        if parts.count == 4 {
            guard parts[1] == "gov" || parts[1].hasPrefix("iso") else { return false }
        }
        return true
    }

    public static func partitionSuffix(_ region: String) -> String {
        region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
    }
}
