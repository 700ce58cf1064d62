import IPAddress
import Testing
@testable import VPCConfig

/// `instances:`, `autodefined_reverse` and `synthesize_ip_names` of a VPC, and interface
/// endpoints without subnets (AWS-DNS-RULES 11, 12).
@Suite struct InstanceConfigTests {
    @Test func instancesAndSwitchesAreRead() throws {
        let config = try parse("""
        vpcs:
        \(minimalVPC)
            autodefined_reverse: false
            synthesize_ip_names: true
            instances:
              - id: i-0123456789abcdef0
                ipv4: 10.10.5.5
              - id: i-0123456789abcdef1
                ipv4: [10.10.5.6, 10.10.5.7]
                ipv6: ["fd00::1", "fd00::2"]
                public_ipv4: 203.0.113.25
                hostname_type: Resource-Name
                resource_name_a: true
                resource_name_aaaa: true
        """)
        let vpc = try #require(config.vpcs.first)
        #expect(!vpc.autodefinedReverse && vpc.synthesizeIPNames)
        #expect(vpc.instances.count == 2)
        #expect(vpc.instances[0] == InstanceDefinition(id: "i-0123456789abcdef0", ipv4: [IPv4Address(10, 10, 5, 5)]))
        let second = vpc.instances[1]
        #expect(second.ipv4 == [IPv4Address(10, 10, 5, 6), IPv4Address(10, 10, 5, 7)])
        #expect(second.ipv6 == [IPv6Address("fd00::1")!, IPv6Address("fd00::2")!])
        #expect(second.publicIPv4 == IPv4Address(203, 0, 113, 25))
        #expect(second.hostnameType == .resourceName && second.resourceNameA && second.resourceNameAAAA)
    }

    @Test func defaultsFollowAWS() throws {
        let vpc = try #require(try parse("vpcs:\n\(minimalVPC)\n").vpcs.first)
        #expect(vpc.autodefinedReverse && !vpc.synthesizeIPNames && vpc.instances.isEmpty)
    }

    /// An interface endpoint with no subnets is legal (AWS-DNS-RULES 12).
    @Test(arguments: ["", "        interfaces: []\n"])
    func interfaceEndpointWithoutSubnets(_ interfaces: String) throws {
        let config = try parse("""
        vpcs:
        \(minimalVPC)
            endpoints:
              - id: vpce-0123456789abcdef0
                service: com.amazonaws.ap-northeast-1.ssm
                dns_suffix: abcdefgh

        """ + interfaces)
        #expect(config.vpcs.first?.endpoints.first?.interfaces == [])
    }

    static func instanceDocument(_ lines: String) -> String {
        "vpcs:\n\(minimalVPC)\n    instances:\n      - id: i-0123456789abcdef0\n" + lines
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase("bad instance id", 6, 13, "is not a valid instance id", "vpcs:\n\(minimalVPC)\n    instances:\n      - id: i-xyz\n        ipv4: 10.10.5.5\n"),
        ErrorCase("instance without an address", 6, 9, "instance needs an address", instanceDocument("        public_ipv4: 203.0.113.1\n")),
        ErrorCase("bad ipv4", 7, 15, "ipv4: 'ten' is not an IPv4 address", instanceDocument("        ipv4: ten\n")),
        ErrorCase("bad ipv4 in a list", 7, 27, "ipv4: '10.10.5' is not an IPv4 address", instanceDocument("        ipv4: [10.10.5.5, 10.10.5]\n")),
        ErrorCase("bad ipv6", 7, 15, "ipv6: '10.10.5.5' is not an IPv6 address", instanceDocument("        ipv6: 10.10.5.5\n")),
        ErrorCase("public address list", 8, 22, "public_ipv4: expected", instanceDocument("        ipv4: 10.10.5.5\n        public_ipv4: [203.0.113.1]\n")),
        ErrorCase("unknown hostname type", 8, 24, "hostname_type", instanceDocument("        ipv4: 10.10.5.5\n        hostname_type: dns-name\n")),
        ErrorCase("typo in an instance key", 8, 9, "did you mean resource_name_a?", instanceDocument("        ipv4: 10.10.5.5\n        resource_name_aa: true\n")),
        ErrorCase("autodefined_reverse not a boolean", 5, 26, "autodefined_reverse", "vpcs:\n\(minimalVPC)\n    autodefined_reverse: maybe\n"),
    ]

    @Test(arguments: errorCases)
    func instanceError(_ testCase: ErrorCase) {
        expectSingleError(testCase)
    }
}
