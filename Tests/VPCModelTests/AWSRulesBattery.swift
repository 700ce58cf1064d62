import DNSWire
import Testing
import VPCModel

/// The behaviour of AWS-DNS-RULES sections 2-6, one case per rule, against one model.
@Suite struct AWSRulesBattery {
    static let config = """
    listen: ["127.0.0.1:5353"]
    upstreams: ["127.0.0.1:5300"]
    allow: ["127.0.0.0/8"]
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: us-east-1
        cidrs: ["10.10.0.0/16", "fd00:10:10::/48"]
        listen: ["127.0.0.2:53"]
        enable_dns_hostnames: true
        endpoints:
          - id: vpce-0123456789abcdef0
            service: com.amazonaws.us-east-1.ssm
            dns_suffix: abcdefgh
            private_dns: true
            interfaces:
              - { az: us-east-1a, ipv4: 10.10.1.10 }
              - { az: us-east-1b, ipv4: 10.10.2.10 }
          - id: vpce-0123456789abcdef1
            service: com.amazonaws.us-east-1.ecr.dkr
            dns_suffix: bluzidnv
            private_dns: true
            ip_type: dualstack
            interfaces:
              - { az: us-east-1a, ipv4: 10.10.1.11, ipv6: "fd00:10:10:1::11" }
          - id: vpce-0123456789abcdef2
            service: com.amazonaws.us-east-1.kinesis-streams
            dns_suffix: lj2wisx3
            private_dns: true
            interfaces:
              - { az: us-east-1a, ipv4: 10.10.1.12 }
          - id: vpce-0123456789abcdef3
            service: com.amazonaws.us-east-1.execute-api
            dns_suffix: 9hnenorg
            private_dns: true
            interfaces:
              - { az: us-east-1a, ipv4: 10.10.1.13 }
          - id: vpce-0123456789abcdef4
            service: com.amazonaws.us-east-1.s3
            dns_suffix: q634a777
            interfaces:
              - { az: us-east-1a, ipv4: 10.10.1.14 }
          - id: vpce-0123456789abcdef5
            service: com.amazonaws.us-east-1.sts
            dns_suffix: zzzzzzzz
            private_dns: false
            ip_type: service-defined
            interfaces:
              - { az: us-east-1a, ipv4: 10.10.1.15, ipv6: "fd00:10:10:1::15" }
          - id: vpce-0123456789abcdef6
            service: com.amazonaws.us-east-1.dynamodb
            type: gateway
          - id: vpce-0123456789abcdef7
            service: com.amazonaws.us-east-1.ecr.api
            dns_suffix: apiapi12
            private_dns: true
            interfaces:
              - { az: us-east-1a, ipv4: 10.10.1.16 }
          - id: vpce-0123456789abcdef8
            service: com.amazonaws.us-east-1.monitoring
            dns_suffix: monmon12
            private_dns: true
            state: pending
            interfaces:
              - { az: us-east-1a, ipv4: 10.10.1.17 }
        zones: [corp.example.internal.zone, amazonaws.com.zone]
        rules:
          - { domain: forwarded.example.com, type: forward, targets: ["127.0.0.1:5301"] }
          - { domain: local.forwarded.example.com, type: system }
          - { domain: kms.us-east-1.amazonaws.com, type: forward, targets: ["127.0.0.1:5301"] }
          - { domain: corp.example.internal, type: system }
      - id: vpc-0b1b2c3d4e5f60719
        region: us-east-1
        cidrs: ["10.20.0.0/16"]
        enable_dns_hostnames: true
      - id: vpc-0c1b2c3d4e5f6071a
        region: us-east-1
        cidrs: ["10.30.0.0/16"]
        enable_dns_support: false
      - id: vpc-0d1b2c3d4e5f6071b
        region: us-east-1
        cidrs: ["10.40.0.0/16"]
        enable_dns_hostnames: false
        zones: [hidden.example.internal.zone]
    """

    static let zones = [
        "corp.example.internal.zone": """
        $TTL 300
        @ IN SOA ns1 hostmaster 1 7200 900 1209600 86400
          IN NS ns1
        ns1 IN A 10.10.0.53
        www IN CNAME web
        web IN A 10.10.5.5
        out IN CNAME ssm.us-east-1.amazonaws.com.
        ext IN CNAME www.example.org.
        *.apps IN A 10.10.6.6
        a.b.deep IN A 10.10.7.7
        """,
        "amazonaws.com.zone": """
        $TTL 300
        @ IN SOA ns1.corp.example.internal. hostmaster.corp.example.internal. 1 7200 900 1209600 86400
          IN NS ns1.corp.example.internal.
        custom IN A 10.10.9.9
        """,
        "hidden.example.internal.zone": """
        $TTL 300
        @ IN SOA ns1 hostmaster 1 7200 900 1209600 86400
          IN NS ns1
        ns1 IN A 10.40.0.53
        """,
    ]

    static let soa = "ssm.us-east-1.amazonaws.com. 60 IN SOA ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"
    static let corpSOA = "corp.example.internal. 60 IN SOA ns1.corp.example.internal. hostmaster.corp.example.internal. 1 7200 900 1209600 86400"
    static let vpceSOA = "us-east-1.vpce.amazonaws.com. 60 IN SOA ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"

    struct Case: CustomTestStringConvertible, Sendable {
        var rule: String
        var name: String
        var type: RRType = .a
        var client = "10.10.0.5"
        var local: String?
        var expected: Outcome
        var testDescription: String { "rule \(rule): \(name) \(type) from \(client)" }
    }

    static let cases: [Case] = [
        // 1.2 enableDnsSupport=false: the resolver does not answer.
        Case(rule: "1.2", name: "ssm.us-east-1.amazonaws.com", client: "10.30.0.5", expected: .drop),
        // 1.3 / 5.2 private zones need both attributes: the zone file is not served, so the name goes upstream.
        Case(rule: "1.3", name: "ns1.hidden.example.internal", client: "10.40.0.5", expected: .forward(0)),
        // 2.1 / 2.4 regional name: every interface; zonal name: that AZ only.
        Case(rule: "2.4", name: "vpce-0123456789abcdef0-abcdefgh.ssm.us-east-1.vpce.amazonaws.com", client: "10.20.0.5",
             expected: .answer("NOERROR", ["vpce-0123456789abcdef0-abcdefgh.ssm.us-east-1.vpce.amazonaws.com. 60 IN A 10.10.1.10",
                                           "vpce-0123456789abcdef0-abcdefgh.ssm.us-east-1.vpce.amazonaws.com. 60 IN A 10.10.2.10"])),
        Case(rule: "2.4", name: "vpce-0123456789abcdef0-abcdefgh-us-east-1b.ssm.us-east-1.vpce.amazonaws.com", client: "10.20.0.5",
             expected: .answer("NOERROR", ["vpce-0123456789abcdef0-abcdefgh-us-east-1b.ssm.us-east-1.vpce.amazonaws.com. 60 IN A 10.10.2.10"])),
        // 2.1 base name of a dotted service reverses its labels.
        Case(rule: "2.1", name: "vpce-0123456789abcdef1-bluzidnv.dkr.ecr.us-east-1.vpce.amazonaws.com", type: .aaaa, client: "10.20.0.5",
             expected: .answer("NOERROR", ["vpce-0123456789abcdef1-bluzidnv.dkr.ecr.us-east-1.vpce.amazonaws.com. 60 IN AAAA fd00:10:10:1::11"])),
        // 2.2 S3 wildcard endpoint names.
        Case(rule: "2.2", name: "bucket.vpce-0123456789abcdef4-q634a777.s3.us-east-1.vpce.amazonaws.com", client: "10.20.0.5",
             expected: .answer("NOERROR", ["bucket.vpce-0123456789abcdef4-q634a777.s3.us-east-1.vpce.amazonaws.com. 60 IN A 10.10.1.14"])),
        Case(rule: "2.2", name: "accesspoint.vpce-0123456789abcdef4-q634a777-us-east-1a.s3.us-east-1.vpce.amazonaws.com", client: "10.20.0.5",
             expected: .answer("NOERROR", ["accesspoint.vpce-0123456789abcdef4-q634a777-us-east-1a.s3.us-east-1.vpce.amazonaws.com. 60 IN A 10.10.1.14"])),
        // 2.3 endpoint names resolve for every client, in any VPC or none, private DNS on or off.
        Case(rule: "2.3", name: "vpce-0123456789abcdef5-zzzzzzzz.sts.us-east-1.vpce.amazonaws.com", client: "127.0.0.1",
             expected: .answer("NOERROR", ["vpce-0123456789abcdef5-zzzzzzzz.sts.us-east-1.vpce.amazonaws.com. 60 IN A 10.10.1.15"])),
        Case(rule: "2.3", name: "vpce-0123456789abcdef0-abcdefgh.ssm.us-east-1.vpce.amazonaws.com", client: "10.20.0.5",
             expected: .answer("NOERROR", ["vpce-0123456789abcdef0-abcdefgh.ssm.us-east-1.vpce.amazonaws.com. 60 IN A 10.10.1.10",
                                           "vpce-0123456789abcdef0-abcdefgh.ssm.us-east-1.vpce.amazonaws.com. 60 IN A 10.10.2.10"])),
        // 2.6 ipv4 endpoints have no AAAA: NODATA; service-defined adds AAAA on endpoint names.
        Case(rule: "2.6", name: "vpce-0123456789abcdef0-abcdefgh.ssm.us-east-1.vpce.amazonaws.com", type: .aaaa, client: "10.20.0.5",
             expected: .answer("NOERROR", authority: [vpceSOA])),
        Case(rule: "2.6", name: "vpce-0123456789abcdef5-zzzzzzzz.sts.us-east-1.vpce.amazonaws.com", type: .aaaa, client: "10.20.0.5",
             expected: .answer("NOERROR", ["vpce-0123456789abcdef5-zzzzzzzz.sts.us-east-1.vpce.amazonaws.com. 60 IN AAAA fd00:10:10:1::15"])),
        // 3.6 / 5.4 in a VPC with a private zone for amazonaws.com, that zone shadows the public vpce names too.
        Case(rule: "5.4", name: "vpce-0123456789abcdef0-abcdefgh.ssm.us-east-1.vpce.amazonaws.com",
             expected: .answer("NXDOMAIN", authority: ["amazonaws.com. 60 IN SOA ns1.corp.example.internal. hostmaster.corp.example.internal. 1 7200 900 1209600 86400"])),
        // 2.x an unknown vpce name under the same base is not shadowed.
        Case(rule: "2.3", name: "vpce-0fffffffffffffff0-abcdefgh.ssm.us-east-1.vpce.amazonaws.com", client: "10.20.0.5", expected: .forward(0)),
        // 3.1 / 3.3 private DNS: the default name answers every interface, TTL 60.
        Case(rule: "3.3", name: "ssm.us-east-1.amazonaws.com",
             expected: .answer("NOERROR", ["ssm.us-east-1.amazonaws.com. 60 IN A 10.10.1.10", "ssm.us-east-1.amazonaws.com. 60 IN A 10.10.2.10"])),
        Case(rule: "3.3", name: "SSM.US-EAST-1.AmazonAWS.com",
             expected: .answer("NOERROR", ["ssm.us-east-1.amazonaws.com. 60 IN A 10.10.1.10", "ssm.us-east-1.amazonaws.com. 60 IN A 10.10.2.10"])),
        // 3.2 other VPCs (and clients in none) do not see the hidden zone: upstream answers.
        Case(rule: "3.2", name: "ssm.us-east-1.amazonaws.com", client: "10.20.0.5", expected: .forward(0)),
        Case(rule: "3.2", name: "ssm.us-east-1.amazonaws.com", client: "127.0.0.1", expected: .forward(0)),
        // ... unless the query arrives on the VPC's own listener.
        Case(rule: "3.2", name: "ssm.us-east-1.amazonaws.com", client: "127.0.0.1", local: "127.0.0.2:53",
             expected: .answer("NOERROR", ["ssm.us-east-1.amazonaws.com. 60 IN A 10.10.1.10", "ssm.us-east-1.amazonaws.com. 60 IN A 10.10.2.10"])),
        // 3.3 wildcard private names: *.dkr.ecr answers any registry name; 12: the apex too.
        Case(rule: "3.3", name: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
             expected: .answer("NOERROR", ["123456789012.dkr.ecr.us-east-1.amazonaws.com. 60 IN A 10.10.1.11"])),
        Case(rule: "12", name: "dkr.ecr.us-east-1.amazonaws.com",
             expected: .answer("NOERROR", ["dkr.ecr.us-east-1.amazonaws.com. 60 IN A 10.10.1.11"])),
        // 3.3 execute-api has the apex and the wildcard.
        Case(rule: "3.3", name: "execute-api.us-east-1.amazonaws.com",
             expected: .answer("NOERROR", ["execute-api.us-east-1.amazonaws.com. 60 IN A 10.10.1.13"])),
        Case(rule: "3.3", name: "abc123.execute-api.us-east-1.amazonaws.com",
             expected: .answer("NOERROR", ["abc123.execute-api.us-east-1.amazonaws.com. 60 IN A 10.10.1.13"])),
        // 3.6 shadowing: a name under the private zone with no record is NXDOMAIN, never forwarded.
        Case(rule: "3.6", name: "foo.ssm.us-east-1.amazonaws.com", expected: .answer("NXDOMAIN", authority: [soa])),
        Case(rule: "3.6", name: "ssmmessages.us-east-1.amazonaws.com",
             expected: .answer("NXDOMAIN", authority: ["amazonaws.com. 60 IN SOA ns1.corp.example.internal. hostmaster.corp.example.internal. 1 7200 900 1209600 86400"])),
        // 3.7 NODATA: NOERROR, no answer, the zone SOA with TTL 60.
        Case(rule: "3.7", name: "ssm.us-east-1.amazonaws.com", type: .aaaa, expected: .answer("NOERROR", authority: [soa])),
        // 3.9 the managed zone's NS set.
        Case(rule: "3.9", name: "ssm.us-east-1.amazonaws.com", type: .ns, expected: .answer("NOERROR", [
            "ssm.us-east-1.amazonaws.com. 172800 IN NS ns-0.awsdns-00.com.", "ssm.us-east-1.amazonaws.com. 172800 IN NS ns-1024.awsdns-00.org.",
            "ssm.us-east-1.amazonaws.com. 172800 IN NS ns-1536.awsdns-00.co.uk.", "ssm.us-east-1.amazonaws.com. 172800 IN NS ns-512.awsdns-00.net."])),
        // 4 service catalog exceptions.
        Case(rule: "4", name: "kinesis.us-east-1.amazonaws.com", expected: .answer("NOERROR", ["kinesis.us-east-1.amazonaws.com. 60 IN A 10.10.1.12"])),
        Case(rule: "4", name: "api.ecr.us-east-1.amazonaws.com", expected: .answer("NOERROR", ["api.ecr.us-east-1.amazonaws.com. 60 IN A 10.10.1.16"])),
        // 4 / 5.5 S3 interface without private DNS and gateway endpoints change nothing: a parent PHZ answers.
        Case(rule: "5.5", name: "dynamodb.us-east-1.amazonaws.com",
             expected: .answer("NXDOMAIN", authority: ["amazonaws.com. 60 IN SOA ns1.corp.example.internal. hostmaster.corp.example.internal. 1 7200 900 1209600 86400"])),
        // 5.4 overlapping namespaces: the user PHZ for amazonaws.com answers its own names, the more specific endpoint zone wins below.
        Case(rule: "5.4", name: "custom.amazonaws.com", expected: .answer("NOERROR", ["custom.amazonaws.com. 300 IN A 10.10.9.9"])),
        // 5.7 an endpoint not available serves no DNS.
        Case(rule: "5.7", name: "monitoring.us-east-1.amazonaws.com",
             expected: .answer("NXDOMAIN", authority: ["amazonaws.com. 60 IN SOA ns1.corp.example.internal. hostmaster.corp.example.internal. 1 7200 900 1209600 86400"])),
        // 6.2 forward rules match the domain and below; the most specific rule wins.
        Case(rule: "6.2", name: "forwarded.example.com", expected: .forward(1)),
        Case(rule: "6.2", name: "a.b.forwarded.example.com", expected: .forward(1)),
        Case(rule: "6.2", name: "x.local.forwarded.example.com", expected: .forward(0)),
        // 6.3 a forward rule at exactly the private name beats the endpoint's zone.
        Case(rule: "6.3", name: "kms.us-east-1.amazonaws.com", expected: .forward(1)),
        // 6.3 a system rule at a zone's name keeps the zone.
        Case(rule: "6.3", name: "web.corp.example.internal",
             expected: .answer("NOERROR", ["web.corp.example.internal. 300 IN A 10.10.5.5"])),
        // 6.4 private zone lookups: CNAME inside, wildcard, empty non-terminal, NXDOMAIN.
        Case(rule: "6.4", name: "www.corp.example.internal",
             expected: .answer("NOERROR", ["www.corp.example.internal. 300 IN CNAME web.corp.example.internal.", "web.corp.example.internal. 300 IN A 10.10.5.5"])),
        Case(rule: "6.4", name: "x.apps.corp.example.internal", expected: .answer("NOERROR", ["x.apps.corp.example.internal. 300 IN A 10.10.6.6"])),
        Case(rule: "6.4", name: "b.deep.corp.example.internal", expected: .answer("NOERROR", authority: [corpSOA])),
        Case(rule: "6.4", name: "nope.corp.example.internal", expected: .answer("NXDOMAIN", authority: [corpSOA])),
        // A CNAME from a private zone into an endpoint zone is followed through local data.
        Case(rule: "6.4", name: "out.corp.example.internal", expected: .answer("NOERROR", [
            "out.corp.example.internal. 300 IN CNAME ssm.us-east-1.amazonaws.com.",
            "ssm.us-east-1.amazonaws.com. 60 IN A 10.10.1.10", "ssm.us-east-1.amazonaws.com. 60 IN A 10.10.2.10"])),
        // A CNAME leaving local data is continued upstream, the chain kept.
        Case(rule: "6.4", name: "ext.corp.example.internal",
             expected: .forward(0, name: "www.example.org.", chain: ["ext.corp.example.internal. 300 IN CNAME www.example.org."])),
        // 6.4 no PHZ and no rule: recursion upstream.
        Case(rule: "6.4", name: "www.example.org", expected: .forward(0)),
        // Never an open resolver: clients outside allow and the VPC CIDRs are refused.
        Case(rule: "allow", name: "ssm.us-east-1.amazonaws.com", client: "192.0.2.1", expected: .refuse),
    ]

    @Test(arguments: cases)
    func rule(_ testCase: Case) throws {
        let model = try makeModel(Self.config, zones: Self.zones)
        #expect(try model.outcome(testCase.name, testCase.type, from: testCase.client, to: testCase.local) == testCase.expected)
    }

    /// 3.5: answers rotate between queries, every address each time.
    @Test func answersRotate() throws {
        let model = try makeModel(Self.config, zones: Self.zones)
        var firsts: Set<String> = []
        for _ in 0..<4 {
            let decision = model.decide(Question(name: "ssm.us-east-1.amazonaws.com.", type: .a), client: .v4(.init(10, 10, 0, 5)), local: nil)
            guard case .answer(let answer) = decision else { Issue.record("expected an answer"); return }
            #expect(answer.answers.count == 2)
            firsts.insert(answer.answers[0].rdata.description)
        }
        #expect(firsts == ["10.10.1.10", "10.10.2.10"])
    }

    /// Upstream set 1 is the forward rules' shared target list.
    @Test func forwardRulesShareAnUpstreamSet() throws {
        let model = try makeModel(Self.config, zones: Self.zones)
        #expect(model.upstreamSets.count == 2)
        #expect(model.upstreamSets[1].map(\.description) == ["127.0.0.1:5301"])
    }
}
