import DNSWire
import Testing
import VPCModel

/// AWS-DNS-RULES section 11: the names every VPC host resolves without configuring them
/// (autodefined rules, EC2 names), one case per rule, against one model.
@Suite struct AutodefinedRulesBattery {
    static let config = """
    listen: ["127.0.0.1:5353"]
    upstreams: ["127.0.0.1:5300"]
    allow: ["127.0.0.0/8"]
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: ap-northeast-1
        cidrs: ["10.10.0.0/16", "2406:da14:aaa::/56"]
        enable_dns_hostnames: true
        instances:
          - id: i-0123456789abcdef0
            ipv4: [10.10.5.5, 10.10.5.6]
            public_ipv4: 203.0.113.25
          - id: i-0123456789abcdef1
            ipv4: 10.10.5.7
            ipv6: "2406:da14:aaa:1::7"
            hostname_type: resource-name
            resource_name_a: true
            resource_name_aaaa: true
          - id: i-0123456789abcdef2
            ipv4: 10.10.5.8
            hostname_type: resource-name
        endpoints:
          - id: vpce-0123456789abcdef0
            service: com.amazonaws.ap-northeast-1.ssm
            dns_suffix: abcdefgh
            interfaces:
              - { az: ap-northeast-1a, ipv4: 10.10.1.10 }
          - id: vpce-0123456789abcdef1
            service: com.amazonaws.vpce.ap-northeast-1.vpce-svc-0c7c07b604c6f4254
            type: gatewayloadbalancer
            interfaces:
              - { az: ap-northeast-1a, ipv4: 10.10.1.30 }
        rules:
          - { domain: 20.172.in-addr.arpa, type: forward, targets: ["127.0.0.1:5301"] }
          - { domain: in-addr.arpa, type: forward, targets: ["127.0.0.1:5301"] }
      - id: vpc-0b1b2c3d4e5f60719
        region: us-east-1
        cidrs: ["10.20.0.0/16"]
        enable_dns_hostnames: true
        synthesize_ip_names: true
        instances:
          - { id: i-0223456789abcdef0, ipv4: 10.20.1.1, public_ipv4: 198.51.100.9 }
      - id: vpc-0c1b2c3d4e5f6071a
        region: eu-west-1
        cidrs: ["10.30.0.0/16"]
        enable_dns_hostnames: true
        autodefined_reverse: false
        instances:
          - { id: i-0323456789abcdef0, ipv4: 10.30.1.1 }
      - id: vpc-0d1b2c3d4e5f6071b
        region: eu-west-1
        cidrs: ["10.40.0.0/16"]
        enable_dns_hostnames: false
        instances:
          - { id: i-0423456789abcdef0, ipv4: 10.40.1.1 }
      - id: vpc-0e1b2c3d4e5f6071c
        region: cn-north-1
        cidrs: ["10.50.0.0/20", "2400:7fc0:aaa:4::/62"]
        enable_dns_hostnames: true
        instances:
          - { id: i-0523456789abcdef0, ipv4: 10.50.1.1, public_ipv4: 203.0.113.50 }
    """

    static func soa(_ apex: String) -> String {
        "\(apex) 60 IN SOA ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"
    }

    static let tokyo = "ap-northeast-1.compute.internal."

    struct Case: CustomTestStringConvertible, Sendable {
        var rule: String
        var name: String
        var type: RRType = .a
        var client = "10.10.0.5"
        var expected: Outcome
        var testDescription: String { "rule \(rule): \(name) \(type) from \(client)" }
    }

    static let cases: [Case] = [
        // 11.2 IP-based names of every private address, outside us-east-1.
        Case(rule: "11.2", name: "ip-10-10-5-5.ap-northeast-1.compute.internal",
             expected: .answer("NOERROR", ["ip-10-10-5-5.\(tokyo) 60 IN A 10.10.5.5"])),
        Case(rule: "11.2", name: "IP-10-10-5-6.AP-NORTHEAST-1.compute.internal",
             expected: .answer("NOERROR", ["ip-10-10-5-6.\(tokyo) 60 IN A 10.10.5.6"])),
        // 11.2 an IP-based name has no AAAA: NODATA with the zone's SOA.
        Case(rule: "11.2", name: "ip-10-10-5-5.ap-northeast-1.compute.internal", type: .aaaa,
             expected: .answer("NOERROR", authority: [soa(tokyo)])),
        // 11.2 IP-based names still resolve for a resource-name instance.
        Case(rule: "11.2", name: "ip-10-10-5-7.ap-northeast-1.compute.internal",
             expected: .answer("NOERROR", ["ip-10-10-5-7.\(tokyo) 60 IN A 10.10.5.7"])),
        // 11.2 resource-based names answer A / AAAA only when enabled.
        Case(rule: "11.2", name: "i-0123456789abcdef1.ap-northeast-1.compute.internal",
             expected: .answer("NOERROR", ["i-0123456789abcdef1.\(tokyo) 60 IN A 10.10.5.7"])),
        Case(rule: "11.2", name: "i-0123456789abcdef1.ap-northeast-1.compute.internal", type: .aaaa,
             expected: .answer("NOERROR", ["i-0123456789abcdef1.\(tokyo) 60 IN AAAA 2406:da14:aaa:1::7"])),
        Case(rule: "11.2", name: "i-0123456789abcdef2.ap-northeast-1.compute.internal",
             expected: .answer("NXDOMAIN", authority: [soa(tokyo)])),
        Case(rule: "11.2", name: "i-0123456789abcdef0.ap-northeast-1.compute.internal",
             expected: .answer("NXDOMAIN", authority: [soa(tokyo)])),
        // 11.2 an address no interface holds: NXDOMAIN, locally.
        Case(rule: "11.2", name: "ip-10-10-9-9.ap-northeast-1.compute.internal",
             expected: .answer("NXDOMAIN", authority: [soa(tokyo)])),
        // 11.2 endpoint interfaces have IP-based names too.
        Case(rule: "11.2", name: "ip-10-10-1-10.ap-northeast-1.compute.internal",
             expected: .answer("NOERROR", ["ip-10-10-1-10.\(tokyo) 60 IN A 10.10.1.10"])),
        // 11.2 PTR: the IP-based name; the hostname type's name for a resource-name instance's
        // primary address; the resource name for its IPv6 address.
        Case(rule: "11.2", name: "5.5.10.10.in-addr.arpa", type: .ptr,
             expected: .answer("NOERROR", ["5.5.10.10.in-addr.arpa. 60 IN PTR ip-10-10-5-5.\(tokyo)"])),
        Case(rule: "11.2", name: "6.5.10.10.in-addr.arpa", type: .ptr,
             expected: .answer("NOERROR", ["6.5.10.10.in-addr.arpa. 60 IN PTR ip-10-10-5-6.\(tokyo)"])),
        Case(rule: "11.2", name: "7.5.10.10.in-addr.arpa", type: .ptr,
             expected: .answer("NOERROR", ["7.5.10.10.in-addr.arpa. 60 IN PTR i-0123456789abcdef1.\(tokyo)"])),
        Case(rule: "11.2", name: "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.a.a.a.0.4.1.a.d.6.0.4.2.ip6.arpa", type: .ptr,
             expected: .answer("NOERROR", ["7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.a.a.a.0.4.1.a.d.6.0.4.2.ip6.arpa. 60 IN PTR i-0123456789abcdef1.\(tokyo)"])),
        Case(rule: "11.2", name: "30.1.10.10.in-addr.arpa", type: .ptr,
             expected: .answer("NOERROR", ["30.1.10.10.in-addr.arpa. 60 IN PTR ip-10-10-1-30.\(tokyo)"])),
        Case(rule: "11.2", name: "10.1.10.10.in-addr.arpa", type: .ptr,
             expected: .answer("NOERROR", ["10.1.10.10.in-addr.arpa. 60 IN PTR ip-10-10-1-10.\(tokyo)"])),
        // 11.2 the public name answers the private address inside the VPC.
        Case(rule: "11.2", name: "ec2-203-0-113-25.ap-northeast-1.compute.amazonaws.com",
             expected: .answer("NOERROR", ["ec2-203-0-113-25.ap-northeast-1.compute.amazonaws.com. 60 IN A 10.10.5.5"])),
        // ... and another instance's public name its public address, still locally.
        Case(rule: "11.2", name: "ec2-198-51-100-77.ap-northeast-1.compute.amazonaws.com",
             expected: .answer("NOERROR", ["ec2-198-51-100-77.ap-northeast-1.compute.amazonaws.com. 60 IN A 198.51.100.77"])),
        // 11.2 us-east-1: ec2.internal and compute-1.amazonaws.com.
        Case(rule: "11.2", name: "ip-10-20-1-1.ec2.internal", client: "10.20.0.5",
             expected: .answer("NOERROR", ["ip-10-20-1-1.ec2.internal. 60 IN A 10.20.1.1"])),
        Case(rule: "11.2", name: "ec2-198-51-100-9.compute-1.amazonaws.com", client: "10.20.0.5",
             expected: .answer("NOERROR", ["ec2-198-51-100-9.compute-1.amazonaws.com. 60 IN A 10.20.1.1"])),
        Case(rule: "11.1", name: "ip-10-20-1-1.compute-1.internal", client: "10.20.0.5",
             expected: .answer("NXDOMAIN", authority: [soa("compute-1.internal.")])),
        // 11.2 synthesize_ip_names: every address of the VPC's CIDRs, forward and reverse.
        Case(rule: "11.2", name: "ip-10-20-77-1.ec2.internal", client: "10.20.0.5",
             expected: .answer("NOERROR", ["ip-10-20-77-1.ec2.internal. 60 IN A 10.20.77.1"])),
        Case(rule: "11.2", name: "1.77.20.10.in-addr.arpa", type: .ptr, client: "10.20.0.5",
             expected: .answer("NOERROR", ["1.77.20.10.in-addr.arpa. 60 IN PTR ip-10-20-77-1.ec2.internal."])),
        Case(rule: "11.2", name: "ip-10-21-0-1.ec2.internal", client: "10.20.0.5",
             expected: .answer("NXDOMAIN", authority: [soa("ec2.internal.")])),
        Case(rule: "11.2", name: "77.20.10.in-addr.arpa", type: .ptr, client: "10.20.0.5",
             expected: .answer("NOERROR", authority: [soa("20.10.in-addr.arpa.")])),
        // 11.2 China: amazonaws.com.cn.
        Case(rule: "11.2", name: "ec2-203-0-113-50.cn-north-1.compute.amazonaws.com.cn", client: "10.50.0.5",
             expected: .answer("NOERROR", ["ec2-203-0-113-50.cn-north-1.compute.amazonaws.com.cn. 60 IN A 10.50.1.1"])),
        Case(rule: "11.2", name: "1.1.50.10.in-addr.arpa", type: .ptr, client: "10.50.0.5",
             expected: .answer("NOERROR", ["1.1.50.10.in-addr.arpa. 60 IN PTR ip-10-50-1-1.cn-north-1.compute.internal."])),
        // 11.1 a /20 CIDR is covered by sixteen /24 reverse zones.
        Case(rule: "11.1", name: "9.15.50.10.in-addr.arpa", type: .ptr, client: "10.50.0.5",
             expected: .answer("NXDOMAIN", authority: [soa("15.50.10.in-addr.arpa.")])),
        // 11.1 an IPv6 /62 is covered by four /64 zones, and nothing beyond it.
        Case(rule: "11.1", name: "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7.0.0.0.a.a.a.0.0.c.f.7.0.0.4.2.ip6.arpa", type: .ptr, client: "10.50.0.5",
             expected: .answer("NXDOMAIN", authority: [soa("7.0.0.0.a.a.a.0.0.c.f.7.0.0.4.2.ip6.arpa.")])),
        Case(rule: "11.1", name: "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.4.0.0.0.a.a.a.0.0.c.f.7.0.0.4.2.ip6.arpa", type: .ptr, client: "10.50.0.5",
             expected: .answer("NXDOMAIN", authority: [soa("4.0.0.0.a.a.a.0.0.c.f.7.0.0.4.2.ip6.arpa.")])),
        Case(rule: "11.1", name: "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.0.0.0.a.a.a.0.0.c.f.7.0.0.4.2.ip6.arpa", type: .ptr, client: "10.50.0.5",
             expected: .forward(0)),
        // 11.2 both DNS attributes are needed for EC2 names: otherwise the name is not local.
        Case(rule: "11.2", name: "ip-10-40-1-1.eu-west-1.compute.internal", client: "10.40.0.5", expected: .forward(0)),
        // 11.1 ... but the reverse zones stay local (RFC 6303): NXDOMAIN, no PTR data.
        Case(rule: "11.1", name: "1.1.40.10.in-addr.arpa", type: .ptr, client: "10.40.0.5",
             expected: .answer("NXDOMAIN", authority: [soa("40.10.in-addr.arpa.")])),
        // 11.1 a reverse name of the VPC without data: NXDOMAIN locally; an empty non-terminal: NODATA.
        Case(rule: "11.1", name: "9.9.10.10.in-addr.arpa", type: .ptr,
             expected: .answer("NXDOMAIN", authority: [soa("10.10.in-addr.arpa.")])),
        Case(rule: "11.1", name: "5.10.10.in-addr.arpa", type: .ptr,
             expected: .answer("NOERROR", authority: [soa("10.10.in-addr.arpa.")])),
        // 11.1 RFC 1918 / RFC 6303 reverse zones outside the VPC: local NXDOMAIN, even under a
        // forward rule for a less specific name (in-addr.arpa).
        Case(rule: "11.1", name: "1.0.168.192.in-addr.arpa", type: .ptr,
             expected: .answer("NXDOMAIN", authority: [soa("168.192.in-addr.arpa.")])),
        Case(rule: "11.1", name: "1.0.31.172.in-addr.arpa", type: .ptr,
             expected: .answer("NXDOMAIN", authority: [soa("31.172.in-addr.arpa.")])),
        Case(rule: "11.1", name: "254.169.254.169.in-addr.arpa", type: .ptr,
             expected: .answer("NXDOMAIN", authority: [soa("254.169.in-addr.arpa.")])),
        // 11.1 a public reverse name is not autodefined: the in-addr.arpa forward rule applies.
        Case(rule: "11.1", name: "8.8.8.8.in-addr.arpa", type: .ptr, expected: .forward(1)),
        // 11.1 a forward rule for exactly an autodefined name overrides it.
        Case(rule: "11.1", name: "1.0.20.172.in-addr.arpa", type: .ptr, expected: .forward(1)),
        // 11.1 autodefined_reverse: false: reverse names follow the normal rule order (upstream).
        Case(rule: "11.1", name: "1.1.30.10.in-addr.arpa", type: .ptr, client: "10.30.0.5", expected: .forward(0)),
        Case(rule: "11.1", name: "1.0.0.127.in-addr.arpa", type: .ptr, client: "10.30.0.5", expected: .forward(0)),
        // ... while its EC2 names stay local.
        Case(rule: "11.1", name: "ip-10-30-1-1.eu-west-1.compute.internal", client: "10.30.0.5",
             expected: .answer("NOERROR", ["ip-10-30-1-1.eu-west-1.compute.internal. 60 IN A 10.30.1.1"])),
        // 11.1 localhost and its reverse names.
        Case(rule: "11.1", name: "localhost", expected: .answer("NOERROR", ["localhost. 60 IN A 127.0.0.1"])),
        Case(rule: "11.1", name: "localhost", type: .aaaa, expected: .answer("NOERROR", ["localhost. 60 IN AAAA ::1"])),
        Case(rule: "11.1", name: "1.0.0.127.in-addr.arpa", type: .ptr,
             expected: .answer("NOERROR", ["1.0.0.127.in-addr.arpa. 60 IN PTR localhost."])),
        Case(rule: "11.1", name: "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa", type: .ptr,
             expected: .answer("NOERROR", ["1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa. 60 IN PTR localhost."])),
        Case(rule: "11.1", name: "nothing.localdomain", expected: .answer("NXDOMAIN", authority: [soa("localdomain.")])),
        // 11.1 in the default view (no VPC), RFC 6303 zones and localhost are answered locally.
        Case(rule: "11.1", name: "1.0.0.127.in-addr.arpa", type: .ptr, client: "127.0.0.1",
             expected: .answer("NOERROR", ["1.0.0.127.in-addr.arpa. 60 IN PTR localhost."])),
        Case(rule: "11.1", name: "5.5.10.10.in-addr.arpa", type: .ptr, client: "127.0.0.1",
             expected: .answer("NXDOMAIN", authority: [soa("10.in-addr.arpa.")])),
        Case(rule: "11.1", name: "8.8.8.8.in-addr.arpa", type: .ptr, client: "127.0.0.1", expected: .forward(0)),
        Case(rule: "11.1", name: "ip-10-10-5-5.ap-northeast-1.compute.internal", client: "127.0.0.1", expected: .forward(0)),
        // The SOA at an autodefined zone's apex.
        Case(rule: "11.1", name: "10.10.in-addr.arpa", type: .soa,
             expected: .answer("NOERROR", ["10.10.in-addr.arpa. 900 IN SOA ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"])),
    ]

    @Test(arguments: cases)
    func rule(_ testCase: Case) throws {
        let model = try makeModel(Self.config)
        #expect(try model.outcome(testCase.name, testCase.type, from: testCase.client) == testCase.expected)
    }

    /// 11.2 what EC2 refuses, with the config line.
    @Test func instanceErrors() {
        let errors = modelErrors("""
        vpcs:
          - id: vpc-0a1b2c3d4e5f60718
            region: ap-northeast-1
            cidrs: ["10.10.0.0/16"]
            endpoints:
              - { id: vpce-0123456789abcdef0, service: com.amazonaws.ap-northeast-1.ssm, dns_suffix: abcdefgh, interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.10 }] }
            instances:
              - { id: i-0123456789abcdef0, ipv4: 10.20.5.5 }
              - { id: i-0123456789abcdef1, ipv4: 10.10.1.10 }
              - { id: i-0123456789abcdef1, ipv4: 10.10.1.11 }
              - { id: i-0123456789abcdef2, ipv6: "fd00::1" }
        """).map { $0.replacing(/\/tmp\/vpcdns-model-\w+\/vpcdns.yaml/, with: "<file>") }
        #expect(errors == [
            "8: InvalidParameter: 10.20.5.5 is not within the CIDR blocks of vpc-0a1b2c3d4e5f60718 (10.10.0.0/16)",
            "9: InvalidIPAddress.InUse: Address 10.10.1.10 is in use (by vpce-0123456789abcdef0)",
            "10: duplicate instance id i-0123456789abcdef1 (first defined at <file>:9:15)",
            "11: InvalidParameterCombination: an instance without an IPv4 address needs hostname_type resource-name",
            "11: InvalidParameter: fd00::1 is not within the CIDR blocks of vpc-0a1b2c3d4e5f60718 (10.10.0.0/16)",
        ])
    }
}
