import IPAddress
import Yams

/// Decoders for `firewall:`, `vpcs[].firewall:`, `vpcs[].inbound_endpoints:` and `profiles:`.
extension ConfigDecoder {
    static func firewall(_ node: Node, reader: NodeReader, baseDirectory: String) -> FirewallSettings? {
        guard let fields = reader.mapping(node, what: "firewall", key: "firewall", allowed: ["domain_lists", "rule_groups"])
        else { return nil }
        var settings = FirewallSettings(origin: fields.origin)
        if let node = fields.optional("domain_lists"), let items = reader.list(node, key: "domain_lists", of: "mappings") {
            settings.domainLists = items.compactMap { domainList($0, reader: reader, baseDirectory: baseDirectory) }
        }
        if let node = fields.optional("rule_groups"), let items = reader.list(node, key: "rule_groups", of: "mappings") {
            settings.ruleGroups = items.compactMap { ruleGroup($0, reader: reader) }
        }
        return settings
    }

    static func domainList(_ node: Node, reader: NodeReader, baseDirectory: String) -> FirewallDomainListDefinition? {
        guard let fields = reader.mapping(node, what: "domain list", key: "domain_lists",
                                          allowed: ["id", "name", "domains", "file", "managed_owner_name"])
        else { return nil }
        let id = fields.required("id").flatMap { reader.string($0, key: "id", format: Formats.firewallDomainListID) }
        let name = fields.optional("name").flatMap { reader.string($0, key: "name") }
        var domains: [String] = []
        if let node = fields.optional("domains") {
            domains = domainNames(node, key: "domains", reader: reader, check: Formats.firewallDomain) ?? []
        }
        var file: ZoneFileReference?
        if let node = fields.optional("file"), let path = filePath(node, key: "file", reader: reader) {
            file = ZoneFileReference(path: path, resolvedPath: Paths.resolve(path, against: baseDirectory),
                                     origin: ConfigOrigin(location: reader.location(of: node)))
        }
        let owner = fields.optional("managed_owner_name").flatMap { reader.string($0, key: "managed_owner_name") }
        guard let id else { return nil }
        return FirewallDomainListDefinition(id: id, name: name ?? id, domains: domains, file: file,
                                            managedOwnerName: owner, origin: fields.origin)
    }

    static func ruleGroup(_ node: Node, reader: NodeReader) -> FirewallRuleGroupDefinition? {
        guard let fields = reader.mapping(node, what: "rule group", key: "rule_groups", allowed: ["id", "name", "rules"])
        else { return nil }
        let id = fields.required("id").flatMap { reader.string($0, key: "id", format: Formats.firewallRuleGroupID) }
        let name = fields.optional("name").flatMap { reader.string($0, key: "name") }
        var rules: [FirewallRuleDefinition] = []
        if let node = fields.optional("rules"), let items = reader.list(node, key: "rules", of: "mappings") {
            rules = items.compactMap { firewallRule($0, reader: reader) }
        }
        guard let id else { return nil }
        return FirewallRuleGroupDefinition(id: id, name: name ?? id, rules: rules, origin: fields.origin)
    }

    static func firewallRule(_ node: Node, reader: NodeReader) -> FirewallRuleDefinition? {
        typealias Rule = FirewallRuleDefinition
        guard let fields = reader.mapping(node, what: "firewall rule", key: "rules", allowed: [
            "name", "priority", "domain_list", "action", "block_response", "block_override_domain",
            "block_override_dns_type", "block_override_ttl", "qtype", "redirection",
        ]) else { return nil }
        let name = fields.required("name").flatMap { reader.string($0, key: "name") }
        let priority = fields.required("priority").flatMap { reader.integer($0, key: "priority", range: Rule.priorityRange) }
        let list = fields.required("domain_list").flatMap {
            reader.string($0, key: "domain_list", format: Formats.firewallDomainListID)
        }
        let action = fields.required("action").flatMap { reader.word($0, key: "action", as: Rule.Action.self, what: "firewall action") }
        var rule = Rule(name: name ?? "", priority: priority ?? 0, domainList: list ?? "", action: action ?? .block, origin: fields.origin)
        var fine = name != nil && priority != nil && list != nil && action != nil
        if let node = fields.optional("block_response") {
            rule.blockResponse = reader.word(node, key: "block_response", as: Rule.BlockResponse.self, what: "block response")
            fine = fine && rule.blockResponse != nil
        }
        if let node = fields.optional("block_override_domain") {
            rule.blockOverrideDomain = reader.string(node, key: "block_override_domain") { Formats.domainName($0) }
            fine = fine && rule.blockOverrideDomain != nil
        }
        if let node = fields.optional("block_override_dns_type") {
            rule.blockOverrideDnsType = reader.string(node, key: "block_override_dns_type") { text in
                text.uppercased() == "CNAME" ? nil : "is not a valid override record type (expected CNAME, the only one AWS allows)"
            }
            fine = fine && rule.blockOverrideDnsType != nil
        }
        if let node = fields.optional("block_override_ttl") {
            rule.blockOverrideTTL = reader.integer(node, key: "block_override_ttl", range: Rule.blockOverrideTTLRange)
            fine = fine && rule.blockOverrideTTL != nil
        }
        if let node = fields.optional("qtype") {
            rule.qtype = reader.string(node, key: "qtype", format: Formats.queryType)
            fine = fine && rule.qtype != nil
        }
        if let node = fields.optional("redirection") {
            if let value = reader.word(node, key: "redirection", as: Rule.Redirection.self, what: "redirection action") {
                rule.redirection = value
            } else {
                fine = false
            }
        }
        return fine ? rule : nil
    }

    static func firewallAssociations(_ node: Node, reader: NodeReader) -> FirewallAssociationsDefinition? {
        guard let fields = reader.mapping(node, what: "firewall", key: "firewall", allowed: ["rule_groups", "fail_open"])
        else { return nil }
        var settings = FirewallAssociationsDefinition(origin: fields.origin)
        if let node = fields.optional("rule_groups"), let items = reader.list(node, key: "rule_groups", of: "mappings") {
            settings.ruleGroups = items.compactMap { item in
                guard let fields = reader.mapping(item, what: "rule group association", key: "rule_groups", allowed: ["id", "priority"])
                else { return nil }
                let id = fields.required("id").flatMap { reader.string($0, key: "id", format: Formats.firewallRuleGroupID) }
                let priority = fields.required("priority").flatMap {
                    reader.integer($0, key: "priority", range: FirewallGroupAssociationDefinition.priorityRange)
                }
                guard let id, let priority else { return nil }
                return FirewallGroupAssociationDefinition(id: id, priority: priority, origin: fields.origin)
            }
        }
        if let node = fields.optional("fail_open") {
            settings.failOpen = reader.boolean(node, key: "fail_open")
        }
        return settings
    }

    static func inboundEndpoint(_ node: Node, reader: NodeReader) -> InboundEndpointDefinition? {
        guard let fields = reader.mapping(node, what: "inbound endpoint", key: "inbound_endpoints", allowed: ["id", "listen"])
        else { return nil }
        let id = fields.required("id").flatMap { reader.string($0, key: "id", format: Formats.inboundEndpointID) }
        var listen: [SocketAddress]?
        if let node = fields.required("listen") {
            listen = reader.socketAddresses(node, key: "listen", allowPortZero: true)
            if listen?.isEmpty == true {
                reader.fail(node, "listen: an inbound endpoint needs at least one address")
                listen = nil
            }
        }
        guard let id, let listen else { return nil }
        return InboundEndpointDefinition(id: id, listen: listen, origin: fields.origin)
    }

    static func profile(_ node: Node, reader: NodeReader, baseDirectory: String) -> ProfileDefinition? {
        guard let fields = reader.mapping(node, what: "profile", key: "profiles",
                                          allowed: ["id", "name", "vpcs", "zones", "rules", "endpoints", "firewall"])
        else { return nil }
        let id = fields.required("id").flatMap { reader.string($0, key: "id", format: Formats.profileID) }
        let name = fields.optional("name").flatMap { reader.string($0, key: "name") }
        var profile = ProfileDefinition(id: id ?? "", name: name ?? id ?? "", origin: fields.origin)
        if let node = fields.optional("vpcs") {
            profile.vpcs = reader.list(node, key: "vpcs", expected: "a VPC id (vpc- followed by 8 or 17 lowercase hex digits)") {
                Formats.vpcID($0) == nil ? $0 : nil
            } ?? []
        }
        if let node = fields.optional("zones") {
            profile.zones = zoneFiles(node, reader: reader, baseDirectory: baseDirectory)
        }
        if let node = fields.optional("rules"), let items = reader.list(node, key: "rules", of: "mappings") {
            profile.rules = items.compactMap { rule($0, reader: reader) }
        }
        if let node = fields.optional("endpoints") {
            profile.endpoints = reader.list(node, key: "endpoints", expected: "a VPC endpoint id (vpce- followed by 8 or 17 lowercase hex digits)") {
                Formats.endpointID($0) == nil ? $0 : nil
            } ?? []
        }
        profile.firewall = fields.optional("firewall").flatMap { firewallAssociations($0, reader: reader) }
        return id == nil ? nil : profile
    }
}

extension Formats {
    static func firewallDomainListID(_ text: String) -> String? {
        resourceID(text, prefix: "rslvr-fdl-") ? nil : "is not a valid firewall domain list id (expected rslvr-fdl- followed by 8 to 32 lowercase letters or digits)"
    }

    static func firewallRuleGroupID(_ text: String) -> String? {
        resourceID(text, prefix: "rslvr-frg-") ? nil : "is not a valid firewall rule group id (expected rslvr-frg- followed by 8 to 32 lowercase letters or digits)"
    }

    static func inboundEndpointID(_ text: String) -> String? {
        resourceID(text, prefix: "rslvr-in-") ? nil : "is not a valid inbound Resolver endpoint id (expected rslvr-in- followed by 8 to 32 lowercase letters or digits)"
    }

    static func profileID(_ text: String) -> String? {
        resourceID(text, prefix: "rp-") ? nil : "is not a valid Route 53 Profile id (expected rp- followed by 8 to 32 lowercase letters or digits)"
    }

    /// A domain list entry as AWS accepts it: an optional leading `*`, then letters, digits, `-`
    /// and dots, 1 to 255 characters (`*` alone matches every name).
    static func firewallDomain(_ text: String) -> String? {
        if text == "*" { return nil }
        guard text.utf8.count <= 255 else { return "is not a valid domain specification (1 to 255 characters)" }
        return domainName(text, allowWildcard: true)
    }

    /// A DNS type mnemonic (`A`, `MX`) or `TYPE` and a number 1...65535.
    static func queryType(_ text: String) -> String? {
        let upper = text.uppercased()
        if upper.hasPrefix("TYPE"), let number = Int(upper.dropFirst(4)), (1...65535).contains(number) { return nil }
        let fine = !text.isEmpty && text.count <= 10 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        return fine ? nil : "is not a valid query type (expected a type such as A, AAAA, MX, or TYPE28)"
    }

    /// `prefix` and 8 to 32 lowercase letters or digits: Route 53 Resolver ids are 16 or 17 hex
    /// digits in real output, and AWS's own examples end in `example`.
    private static func resourceID(_ text: String, prefix: String) -> Bool {
        guard text.hasPrefix(prefix) else { return false }
        let body = text.dropFirst(prefix.count)
        return (8...32).contains(body.count) && body.allSatisfy { $0.isASCII && ($0.isNumber || $0.isLowercase) }
    }
}

/// The check `domains:` entries get, for entries read from a domain list `file:` by the model.
public enum FirewallDomainSpecification {
    /// Nil when `text` is a valid domain specification, else why not (follows `'<text>' `).
    public static func problem(_ text: String) -> String? { Formats.firewallDomain(text) }
}
