/// AWS's own error texts for the configurations AWS refuses (AWS-DNS-RULES section 5), so a
/// config error reads as the API error the same setup would get on AWS.
enum AWSErrors {
    static func privateDNSNeedsAttributes(vpc: String) -> String {
        "InvalidParameter: Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for \(vpc)"
    }

    static func conflictingPrivateName(_ name: String, vpc: String) -> String {
        "InvalidParameter: private-dns-enabled cannot be set because there is already a conflicting DNS domain for \(name) in the VPC \(vpc)"
    }

    static func conflictingZone(vpc: String, region: String, holder: String) -> String {
        "ConflictingDomainExists: The VPC \(vpc) in region \(region) has already been associated with the hosted zone \(holder) with the same domain name."
    }

    static func inboundOnlyNeedsGateway(vpc: String) -> String {
        "InvalidParameter: To set PrivateDnsOnlyForInboundResolverEndpoint to true, the VPC \(vpc) must have a Gateway endpoint for the service."
    }

    /// Real CloudFormation/Terraform errors for DynamoDB interface endpoints and endpoint
    /// services whose provider verified no name (AWS-DNS-RULES 12).
    static func noPrivateName(service: String) -> String {
        "Private DNS can't be enabled because the service \(service) does not provide a private DNS name."
    }

    static func unknownService(_ service: String) -> String {
        "InvalidServiceName: The Vpc Endpoint Service '\(service)' does not exist"
    }
}
