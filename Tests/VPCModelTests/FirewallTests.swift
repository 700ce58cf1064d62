import DNSWire
import IPAddress
import Testing
import VPCConfig
import VPCModel

/// DNS Firewall decisions of the model (AWS-DNS-RULES 6.1) and the config errors `vpcdns check`
/// reports for firewall, inbound endpoint and Profile settings, with their config lines.
@Suite struct FirewallTests {
    static func config(rules: String, lists: String? = nil, associations: String = "[{ id: rslvr-frg-00000000000000001, priority: 101 }]",
                       extra: String = "") -> String {
        """
        upstreams: ["127.0.0.1:5300"]
        firewall:
          domain_lists:
        \(lists ?? """
            - { id: rslvr-fdl-00000000000000001, domains: ["bad.example", "*.evil.example"] }
            - { id: rslvr-fdl-00000000000000002, domains: ["*"] }
        """)
          rule_groups:
            - id: rslvr-frg-00000000000000001
              rules:
        \(rules)
        vpcs:
          - id: vpc-0a1b2c3d4e5f60718
            region: us-east-1
            cidrs: ["10.10.0.0/16"]
            enable_dns_hostnames: true
            firewall:
              rule_groups: \(associations)
        \(extra)
        """
    }

    static let block = "        - { name: b, priority: 100, domain_list: rslvr-fdl-00000000000000001, action: BLOCK }"

    func decide(_ model: ResolutionModel, _ name: String, _ type: RRType = .a) -> Decision {
        model.decide(Question(name: try! DNSName(name), type: type), client: IPAddress("10.10.0.5")!, local: nil)
    }

    @Test func exactAndWildcardSpecifications() throws {
        let model = try makeModel(Self.config(rules: Self.block))
        for (name, blocked) in [("bad.example", true), ("BAD.Example", true), ("www.bad.example", false),
                                ("evil.example", false), ("a.evil.example", true), ("a.b.evil.example", true)] {
            let decision = decide(model, name)
            if case .answer(let answer) = decision, case .firewallBlock = answer.reason.source {
                #expect(blocked, "\(name) was blocked")
                #expect(answer.rcode == .noError && answer.answers.isEmpty)
            } else {
                #expect(!blocked, "\(name) was not blocked")
            }
        }
    }

    @Test func firstMatchingRuleByPriorityDecides() throws {
        let rules = """
                - { name: late, priority: 200, domain_list: rslvr-fdl-00000000000000002, action: BLOCK, block_response: NXDOMAIN }
                - { name: early, priority: 100, domain_list: rslvr-fdl-00000000000000001, action: ALERT }
        """
        let model = try makeModel(Self.config(rules: rules))
        guard case .forward(_, _, _, let reason) = decide(model, "bad.example") else { Issue.record("alerted query not forwarded"); return }
        #expect(reason.firewall?.match?.action == .alert && reason.firewall?.match?.ruleName == "early")
        guard case .answer(let other) = decide(model, "other.example") else { Issue.record("not blocked"); return }
        #expect(other.rcode == .nxDomain)
    }

    @Test func qtypeLimitsARule() throws {
        let rules = "        - { name: mx, priority: 100, domain_list: rslvr-fdl-00000000000000001, action: BLOCK, qtype: MX }"
        let model = try makeModel(Self.config(rules: rules))
        guard case .answer = decide(model, "bad.example", .mx) else { Issue.record("MX not blocked"); return }
        guard case .forward = decide(model, "bad.example", .a) else { Issue.record("A blocked"); return }
    }

    @Test func overrideAnswersTheCNAMEWithItsTTL() throws {
        let rules = """
                - { name: o, priority: 100, domain_list: rslvr-fdl-00000000000000001, action: BLOCK, block_response: OVERRIDE, block_override_domain: walled.example, block_override_ttl: 42 }
        """
        let model = try makeModel(Self.config(rules: rules))
        guard case .forward(_, let name, let chain, let reason) = decide(model, "bad.example") else { Issue.record("not forwarded"); return }
        #expect(name == "walled.example.")
        #expect(chain.map(\.description) == ["bad.example. 42 IN CNAME walled.example."])
        #expect(reason.firewall?.match?.action == .block && reason.firewall?.pendingInspection == nil)
        guard case .answer(let cname) = decide(model, "bad.example", .cname) else { Issue.record("CNAME query not answered"); return }
        #expect(cname.answers.map(\.description) == ["bad.example. 42 IN CNAME walled.example."])
    }

    @Test func undecidableRuleFailsClosedByDefault() throws {
        let lists = """
            - { id: rslvr-fdl-00000000000000001, domains: ["bad.example"] }
            - { id: rslvr-fdl-00000000000000003, managed_owner_name: "Route 53 Resolver DNS Firewall" }
        """
        let rules = """
                - { name: known, priority: 100, domain_list: rslvr-fdl-00000000000000001, action: BLOCK, block_response: NXDOMAIN }
                - { name: managed, priority: 200, domain_list: rslvr-fdl-00000000000000003, action: BLOCK }
        """
        let closed = try makeModel(Self.config(rules: rules, lists: lists))
        guard case .answer(let known) = decide(closed, "bad.example"), known.rcode == .nxDomain else { Issue.record("known rule not first"); return }
        guard case .answer(let failed) = decide(closed, "www.example"), failed.rcode == .servFail else { Issue.record("did not fail closed"); return }
        let open = try makeModel(Self.config(rules: rules, lists: lists).replacingOccurrences(
            of: "priority: 101 }]", with: "priority: 101 }]\n      fail_open: true"))
        guard case .forward = decide(open, "www.example") else { Issue.record("did not fail open"); return }
    }

    @Test func checkReportsFirewallMistakesWithTheirLines() {
        let rules = """
                - { name: a, priority: 100, domain_list: rslvr-fdl-00000000000000009, action: BLOCK }
                - { name: b, priority: 100, domain_list: rslvr-fdl-00000000000000001, action: BLOCK }
                - { name: c, priority: 300, domain_list: rslvr-fdl-00000000000000001, action: BLOCK, block_response: OVERRIDE }
                - { name: d, priority: 400, domain_list: rslvr-fdl-00000000000000001, action: ALLOW, block_response: NXDOMAIN }
        """
        let associations = "[{ id: rslvr-frg-00000000000000001, priority: 101 }, { id: rslvr-frg-00000000000000009, priority: 102 }]"
        #expect(modelErrors(Self.config(rules: rules, associations: associations)) == [
            "9: ResourceNotFoundException: domain list rslvr-fdl-00000000000000009 is not defined under firewall.domain_lists",
            "10: ValidationException: priority 100 is already used by rule a of rslvr-frg-00000000000000001; each rule in a rule group needs a unique priority",
            "11: ValidationException: BlockResponse OVERRIDE requires BlockOverrideDomain, BlockOverrideDnsType and BlockOverrideTtl (block_override_domain is missing)",
            "12: ValidationException: block_response applies only to rules whose action is BLOCK, not ALLOW",
            "19: ResourceNotFoundException: rule group rslvr-frg-00000000000000009 is not defined under firewall.rule_groups",
        ])
    }

    @Test func domainListFileErrorsNameTheFileLine() {
        let lists = "    - { id: rslvr-fdl-00000000000000001, file: lists/bad.txt }"
        let errors = modelErrors(Self.config(rules: Self.block, lists: lists), zones: ["lists/bad.txt": "# comment\nok.example\nbad name.example\n"])
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("3: ValidationException: 'bad name.example' is not a valid domain name") == true)
    }

    @Test func profilesAreChecked() {
        let extra = """
        profiles:
          - id: rp-00000000000000001
            vpcs: [vpc-0a1b2c3d4e5f60718, vpc-0000000000000000f]
          - id: rp-00000000000000002
            vpcs: [vpc-0a1b2c3d4e5f60718]
        """
        #expect(modelErrors(Self.config(rules: Self.block, extra: extra)) == [
            "19: ResourceNotFoundException: VPC vpc-0000000000000000f is not defined under vpcs",
            "21: ConflictException: VPC vpc-0a1b2c3d4e5f60718 is already associated with Profile rp-00000000000000001; a VPC can have only one Profile",
        ])
    }

    @Test func inboundEndpointsAreChecked() {
        let extra = """
            inbound_endpoints:
              - { id: rslvr-in-00000000000000001, listen: ["127.0.0.5:53"] }
              - { id: rslvr-in-00000000000000001, listen: ["127.0.0.5:53"] }
        """
        #expect(modelErrors(Self.config(rules: Self.block, extra: extra)) == [
            "19: ResourceExistsException: inbound endpoint rslvr-in-00000000000000001 is already defined",
            "19: InvalidParameterException: 127.0.0.5:53 is already an address of inbound endpoint rslvr-in-00000000000000001",
        ])
    }

    @Test func firewallRunsBeforeEC2NamesAndPrivateDNS() throws {
        // AWS: DNS Firewall can block private hosted zone names, VPC endpoint names and EC2 names.
        let lists = """
            - { id: rslvr-fdl-00000000000000001, domains: ["*.ec2.internal", "ssm.us-east-1.amazonaws.com"] }
        """
        let extra = """
            instances: [{ id: i-0123456789abcdef0, ipv4: 10.10.5.5 }]
            endpoints:
              - id: vpce-0123456789abcdef0
                service: com.amazonaws.us-east-1.ssm
                dns_suffix: abcdefgh
                private_dns: true
                interfaces: [{ az: us-east-1a, ipv4: 10.10.1.10 }]
        """
        let model = try makeModel(Self.config(rules: Self.block, lists: lists, extra: extra))
        for name in ["ip-10-10-5-5.ec2.internal", "ssm.us-east-1.amazonaws.com"] {
            guard case .answer(let answer) = decide(model, name), case .firewallBlock = answer.reason.source else {
                Issue.record("\(name) not blocked")
                continue
            }
            #expect(answer.answers.isEmpty)
        }
        guard case .answer(let ptr) = decide(model, "5.5.10.10.in-addr.arpa", .ptr) else { Issue.record("PTR not local"); return }
        #expect(ptr.answers.map(\.description) == ["5.5.10.10.in-addr.arpa. 60 IN PTR ip-10-10-5-5.ec2.internal."])
    }
}
