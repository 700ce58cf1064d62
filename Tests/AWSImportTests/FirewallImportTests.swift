import AWSImport
import DNSWire
import IPAddress
import Testing
import VPCConfig
import VPCModel

/// `vpcdns import` of `aws route53resolver list-firewall-*` output: the imported firewall loads
/// through the real loader and model and decides as the VPC's DNS Firewall would.
@Suite struct FirewallImportTests {
    static let firewallFiles = [
        "list-firewall-domain-lists.json", "rslvr-fdl-42b60677cexample.domains.json", "list-firewall-rule-groups.json",
        "list-firewall-rules.json", "list-firewall-rule-group-associations.json",
    ]

    static func model() throws -> ResolutionModel {
        let yaml = "upstreams: [\"127.0.0.1:9\"]\n" + (try ImportTests.imported(ImportTests.all + firewallFiles))
        let config = try ConfigLoader.parse(yaml: yaml, file: "imported.yaml", baseDirectory: "/tmp")
        return try ResolutionModel(config: config, zoneRoot: "/tmp")
    }

    static func decide(_ model: ResolutionModel, _ name: String, _ type: RRType = .a) -> Decision {
        model.decide(Question(name: try! DNSName(name), type: type), client: IPAddress("10.0.3.3")!, local: nil)
    }

    @Test func importedRulesBlockAsConfigured() throws {
        let model = try Self.model()
        guard case .answer(let blocked) = Self.decide(model, "bad.example") else { Issue.record("not blocked"); return }
        #expect(blocked.rcode == .nxDomain)
        #expect(blocked.reason.firewall?.match?.ruleGroupID == "rslvr-frg-47f93271fexample")
        #expect(blocked.reason.firewall?.match?.domainListID == "rslvr-fdl-42b60677cexample")
        guard case .answer(let below) = Self.decide(model, "a.evil.example") else { Issue.record("not blocked"); return }
        #expect(below.rcode == .nxDomain)
    }

    @Test func managedListWithoutDomainsFailsClosed() throws {
        // The managed list's contents are unknown: an A query that reaches its rule cannot be
        // decided, and the VPC fails closed (no list-firewall-configs output says otherwise).
        let model = try Self.model()
        guard case .answer(let failed) = Self.decide(model, "www.example.org") else { Issue.record("not answered"); return }
        #expect(failed.rcode == .servFail)
        // The rule is for A only: other types pass.
        if case .answer(let other) = Self.decide(model, "www.example.org", .txt) { #expect(other.rcode != .servFail) }
    }

    @Test func importedYAMLNamesEverything() throws {
        let yaml = try ImportTests.imported(ImportTests.all + Self.firewallFiles)
        #expect(yaml.contains("managed_owner_name: \"Route 53 Resolver DNS Firewall\""))
        #expect(yaml.contains("domains: [\"bad.example\", \"*.evil.example\"]"))
        #expect(yaml.contains("block_override_ttl: 60"))
        #expect(yaml.contains("redirection: TRUST_REDIRECTION_DOMAIN"))
        #expect(yaml.contains("- { id: rslvr-frg-47f93271fexample, priority: 101 }"))
    }

    @Test func domainsWithoutAListIDInTheFileNameAreRefused() {
        var importer = ConfigImporter()
        #expect(throws: ImportError.self) { try importer.add(file: "domains.json", text: "{\"Domains\": [\"a.example.\"]}") }
    }

    @Test func overrideSettingsOfOtherResponsesAreLeftOut() throws {
        var importer = ConfigImporter()
        try importer.add(file: "rules.json", text: """
            {"FirewallRules": [{"FirewallRuleGroupId": "rslvr-frg-47f93271fexample", "FirewallDomainListId": "rslvr-fdl-42b60677cexample",
              "Name": "nx", "Priority": 100, "Action": "BLOCK", "BlockResponse": "NXDOMAIN", "BlockOverrideTtl": 0},
             {"FirewallRuleGroupId": "rslvr-frg-47f93271fexample", "FirewallDomainListId": "rslvr-fdl-42b60677cexample",
              "Name": "ok", "Priority": 200, "Action": "ALLOW", "BlockResponse": "NODATA"}]}
            """)
        let yaml = try importer.yaml()
        #expect(!yaml.contains("block_override_ttl"))
        #expect(yaml.components(separatedBy: "block_response").count == 2)
    }
}
