import Testing
import VPCModel

/// AWS refuses these configurations; vpcdns refuses them too, with AWS's text and the config line.
@Suite struct ValidationTests {
    static func config(vpcAttributes: String = "enable_dns_hostnames: true", endpoints: String, zones: String = "", cidrs: String = "[\"10.10.0.0/16\"]") -> String {
        """
        upstreams: ["127.0.0.1:5300"]
        vpcs:
          - id: vpc-0a1b2c3d4e5f60718
            region: us-east-1
            cidrs: \(cidrs)
            \(vpcAttributes)
            endpoints:
        \(endpoints)
            zones: [\(zones)]
        """
    }

    static let ssm = """
          - id: vpce-0123456789abcdef0
            service: com.amazonaws.us-east-1.ssm
            dns_suffix: abcdefgh
            private_dns: true
            interfaces:
              - { az: us-east-1a, ipv4: 10.10.1.10 }
    """

    @Test func privateDNSNeedsBothAttributes() {
        #expect(modelErrors(Self.config(vpcAttributes: "enable_dns_hostnames: false", endpoints: Self.ssm)) == [
            "11: InvalidParameter: Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for vpc-0a1b2c3d4e5f60718",
        ])
    }

    @Test func onePrivateNamePerVPC() {
        let second = Self.ssm.replacingOccurrences(of: "abcdef0", with: "abcdef1").replacingOccurrences(of: "10.10.1.10", with: "10.10.1.11")
        #expect(modelErrors(Self.config(endpoints: Self.ssm + "\n" + second)) == [
            "17: InvalidParameter: private-dns-enabled cannot be set because there is already a conflicting DNS domain for ssm.us-east-1.amazonaws.com in the VPC vpc-0a1b2c3d4e5f60718",
        ])
    }

    @Test func secondEndpointWithoutPrivateDNSIsFine() {
        let second = Self.ssm.replacingOccurrences(of: "abcdef0", with: "abcdef1").replacingOccurrences(of: "private_dns: true", with: "private_dns: false")
        #expect(modelErrors(Self.config(endpoints: Self.ssm + "\n" + second)) == [])
    }

    @Test func zoneFileCollidingWithAPrivateName() {
        let zone = """
        $TTL 60
        @ IN SOA ns hostmaster 1 7200 900 1209600 86400
          IN NS ns
        ns IN A 10.10.0.53
        """
        #expect(modelErrors(Self.config(endpoints: Self.ssm, zones: "ssm.us-east-1.amazonaws.com.zone"),
                            zones: ["ssm.us-east-1.amazonaws.com.zone": zone]) == [
            "14: ConflictingDomainExists: The VPC vpc-0a1b2c3d4e5f60718 in region us-east-1 has already been associated with the hosted zone of vpce-0123456789abcdef0 with the same domain name.",
        ])
    }

    @Test func interfaceOutsideTheVPC() {
        #expect(modelErrors(Self.config(endpoints: Self.ssm.replacingOccurrences(of: "10.10.1.10", with: "10.99.1.10"))) == [
            "13: InvalidParameter: 10.99.1.10 is not within the CIDR blocks of vpc-0a1b2c3d4e5f60718 (10.10.0.0/16)",
        ])
    }

    @Test func duplicateEndpointIDs() {
        let second = Self.ssm.replacingOccurrences(of: "com.amazonaws.us-east-1.ssm", with: "com.amazonaws.us-east-1.sts")
        #expect(modelErrors(Self.config(endpoints: Self.ssm + "\n" + second)).first?.hasPrefix("14: duplicate endpoint id vpce-0123456789abcdef0 (first defined at ") == true)
    }

    @Test func unknownServiceName() {
        #expect(modelErrors(Self.config(endpoints: Self.ssm.replacingOccurrences(of: "com.amazonaws.us-east-1.ssm", with: "com.amazon.us-east-1.ssm"))) == [
            "9: InvalidServiceName: The Vpc Endpoint Service 'com.amazon.us-east-1.ssm' does not exist",
        ])
    }

    @Test func ipTypeNeedsItsAddresses() {
        let dual = Self.ssm.replacingOccurrences(of: "private_dns: true", with: "private_dns: true\n        ip_type: dualstack")
        #expect(modelErrors(Self.config(endpoints: dual)) == [
            "14: InvalidParameter: DnsRecordIpType dualstack needs IPv4 and IPv6 addresses on every interface",
        ])
    }

    @Test func oneSubnetPerAZ() {
        let twice = Self.ssm + "\n          - { az: us-east-1a, ipv4: 10.10.2.10 }"
        #expect(modelErrors(Self.config(endpoints: twice)) == [
            "14: DuplicateSubnetsInSameZone: an endpoint has one subnet per Availability Zone; us-east-1a is given twice",
        ])
    }

    @Test func inboundOnlyNeedsAGatewayEndpoint() {
        let s3 = """
              - id: vpce-0123456789abcdef0
                service: com.amazonaws.us-east-1.s3
                dns_suffix: abcdefgh
                private_dns: true
                private_dns_only_for_inbound_resolver_endpoint: true
                interfaces:
                  - { az: us-east-1a, ipv4: 10.10.1.10 }
        """
        #expect(modelErrors(Self.config(endpoints: s3)) == [
            "12: InvalidParameter: To set PrivateDnsOnlyForInboundResolverEndpoint to true, the VPC vpc-0a1b2c3d4e5f60718 must have a Gateway endpoint for the service.",
        ])
        let gateway = s3 + "\n      - id: vpce-0123456789abcdef9\n        service: com.amazonaws.us-east-1.s3\n        type: gateway"
        #expect(modelErrors(Self.config(endpoints: gateway)) == [])
    }

    @Test func everyErrorIsReportedAtOnce() {
        let bad = Self.ssm.replacingOccurrences(of: "10.10.1.10", with: "10.99.1.10")
        #expect(modelErrors(Self.config(vpcAttributes: "enable_dns_hostnames: false", endpoints: bad)).count == 2)
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
