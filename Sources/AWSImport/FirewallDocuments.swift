/// DNS Firewall objects read from `aws route53resolver list-firewall-*` output.
struct ImportedFirewall {
    struct DomainList {
        var id: String
        var name: String
        var managedOwnerName: String?
        /// Nil until a `list-firewall-domains` output for this list is added.
        var domains: [String]?
    }

    struct RuleGroup {
        var id: String
        var name: String
    }

    struct Rule {
        var groupID: String
        var listID: String
        var name: String
        var priority: Int
        var action: String
        var blockResponse: String?
        var overrideDomain: String?
        var overrideTTL: Int?
        var qtype: String?
        var redirection: String?
    }

    struct Association {
        var groupID: String
        var vpcID: String
        var priority: Int
        /// From the association's ARN (`arn:aws:route53resolver:<region>:…`).
        var region: String?
    }

    var lists: [DomainList] = []
    /// Domains of lists not (yet) named by `list-firewall-domain-lists`, by list id.
    var domainsByList: [String: [String]] = [:]
    var groups: [RuleGroup] = []
    var rules: [Rule] = []
    var associations: [Association] = []
    /// `FirewallFailOpen` by VPC id, from `list-firewall-configs`.
    var failOpen: [String: Bool] = [:]

    var isEmpty: Bool { lists.isEmpty && groups.isEmpty && rules.isEmpty && associations.isEmpty && domainsByList.isEmpty }

    /// Adds one document if it is firewall output; false when it is not.
    mutating func add(_ document: JSONDocument) throws(ImportError) -> Bool {
        let root = document.root
        if root["FirewallDomainLists"] != nil {
            for item in try document.list("FirewallDomainLists") {
                let id = try document.string("Id", in: item, context: "a firewall domain list")
                lists.append(DomainList(id: id, name: item["Name"] as? String ?? id,
                                        managedOwnerName: item["ManagedOwnerName"] as? String, domains: nil))
            }
        } else if root["Domains"] != nil {
            guard let domains = root["Domains"] as? [String] else {
                throw ImportError(file: document.file, message: "\"Domains\" is not a list of strings")
            }
            guard let id = Self.domainListID(inFileName: document.file) else {
                throw ImportError(file: document.file, message: "list-firewall-domains output does not say which list it is: name the file after the list id, e.g. rslvr-fdl-0123456789abcdef0.json")
            }
            domainsByList[id, default: []] += domains.map { $0.hasSuffix(".") && $0 != "." ? String($0.dropLast()) : $0 }
        } else if root["FirewallRuleGroups"] != nil {
            for item in try document.list("FirewallRuleGroups") {
                let id = try document.string("Id", in: item, context: "a firewall rule group")
                groups.append(RuleGroup(id: id, name: item["Name"] as? String ?? id))
            }
        } else if root["FirewallRules"] != nil {
            for item in try document.list("FirewallRules") {
                let name = try document.string("Name", in: item, context: "a firewall rule")
                guard let priority = item["Priority"] as? Int else { throw ImportError(file: document.file, message: "\(name): missing \"Priority\"") }
                rules.append(Rule(groupID: try document.string("FirewallRuleGroupId", in: item, context: name),
                                  listID: try document.string("FirewallDomainListId", in: item, context: name),
                                  name: name, priority: priority, action: try document.string("Action", in: item, context: name),
                                  blockResponse: item["BlockResponse"] as? String, overrideDomain: item["BlockOverrideDomain"] as? String,
                                  overrideTTL: item["BlockOverrideTtl"] as? Int, qtype: item["Qtype"] as? String,
                                  redirection: item["FirewallDomainRedirectionAction"] as? String))
            }
        } else if root["FirewallRuleGroupAssociations"] != nil {
            for item in try document.list("FirewallRuleGroupAssociations") {
                let groupID = try document.string("FirewallRuleGroupId", in: item, context: "a rule group association")
                guard let priority = item["Priority"] as? Int else { throw ImportError(file: document.file, message: "\(groupID): missing \"Priority\"") }
                let arnParts = (item["Arn"] as? String)?.split(separator: ":", omittingEmptySubsequences: false) ?? []
                associations.append(Association(groupID: groupID, vpcID: try document.string("VpcId", in: item, context: groupID),
                                                priority: priority, region: arnParts.count > 3 ? String(arnParts[3]) : nil))
            }
        } else if root["FirewallConfigs"] != nil {
            for item in try document.list("FirewallConfigs") {
                let vpc = try document.string("ResourceId", in: item, context: "a firewall config")
                switch (item["FirewallFailOpen"] as? String)?.uppercased() {
                case "ENABLED": failOpen[vpc] = true
                case "DISABLED": failOpen[vpc] = false
                default: break
                }
            }
        } else {
            return false
        }
        return true
    }

    /// The `rslvr-fdl-…` id in a file name such as `rslvr-fdl-0a1b….json` or `domains-rslvr-fdl-0a1b….json`.
    static func domainListID(inFileName path: String) -> String? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let start = name.range(of: "rslvr-fdl-") else { return nil }
        let id = name[start.lowerBound...].prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        return id.count > "rslvr-fdl-".count ? String(id) : nil
    }

    /// The top-level `firewall:` YAML.
    func yaml() -> String {
        var text = "firewall:\n  domain_lists:\n"
        var listIDs = lists.map(\.id)
        for id in domainsByList.keys.sorted() where !listIDs.contains(id) { listIDs.append(id) }
        for id in listIDs {
            let list = lists.first { $0.id == id }
            text += "    - id: \(id)\n      name: \(quoted(list?.name ?? id))\n"
            if let owner = list?.managedOwnerName { text += "      managed_owner_name: \(quoted(owner))\n" }
            if let domains = domainsByList[id] {
                text += "      domains: [\(domains.map(quoted).joined(separator: ", "))]\n"
            }
        }
        text += "  rule_groups:\n"
        var groupIDs = groups.map(\.id)
        for rule in rules where !groupIDs.contains(rule.groupID) { groupIDs.append(rule.groupID) }
        for id in groupIDs {
            text += "    - id: \(id)\n      name: \(quoted(groups.first { $0.id == id }?.name ?? id))\n      rules:\n"
            for rule in rules.filter({ $0.groupID == id }).sorted(by: { $0.priority < $1.priority }) {
                text += "        - name: \(quoted(rule.name))\n          priority: \(rule.priority)\n"
                text += "          domain_list: \(rule.listID)\n          action: \(rule.action)\n"
                // Settings AWS ignores for the rule's action are left out: check refuses them.
                let blocks = rule.action.uppercased() == "BLOCK"
                let overrides = blocks && rule.blockResponse?.uppercased() == "OVERRIDE"
                if blocks, let value = rule.blockResponse { text += "          block_response: \(value)\n" }
                if overrides, let value = rule.overrideDomain { text += "          block_override_domain: \(quoted(value))\n" }
                if overrides, let value = rule.overrideTTL { text += "          block_override_ttl: \(value)\n" }
                if let value = rule.qtype { text += "          qtype: \(value)\n" }
                if let value = rule.redirection { text += "          redirection: \(value)\n" }
            }
        }
        return text
    }

    /// A VPC's `firewall:` block, nil when nothing is associated with it.
    func vpcYAML(_ vpcID: String) -> String? {
        let own = associations.filter { $0.vpcID == vpcID }.sorted { $0.priority < $1.priority }
        guard !own.isEmpty else { return nil }
        var text = "    firewall:\n      rule_groups:\n"
        for association in own { text += "        - { id: \(association.groupID), priority: \(association.priority) }\n" }
        if let open = failOpen[vpcID] { text += "      fail_open: \(open)\n" }
        return text
    }

    /// The region of a VPC's firewall associations, for a VPC that has no endpoints.
    func region(of vpcID: String) -> String? {
        associations.first { $0.vpcID == vpcID && $0.region != nil }?.region
    }

    /// A YAML double-quoted string.
    private func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result + "\""
    }
}
