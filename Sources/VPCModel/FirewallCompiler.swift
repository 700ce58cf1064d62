import DNSWire
import VPCConfig

/// Compiles the config's `firewall:` once (domain lists parsed, rules checked as AWS's API checks
/// them) and builds each view's `Firewall` from its rule group associations.
struct FirewallCompiler {
    /// One domain specification: a name itself, or every name below `suffix` (`*.suffix`; `*`
    /// is every name, with the root as suffix).
    enum Specification: Hashable {
        case exact(DNSName)
        case below(DNSName)
    }

    struct DomainList {
        var specifications: [Specification]
        /// An AWS managed list given without its domains: vpcdns cannot know what it matches.
        var unknown: Bool
    }

    struct GroupRule {
        var definition: FirewallRuleDefinition
        var rule: Firewall.Rule
        var listID: String
    }

    private(set) var lists: [String: DomainList] = [:]
    /// Each group's usable rules, by rule priority.
    private(set) var groups: [String: [GroupRule]] = [:]
    private(set) var errors: [ConfigError] = []

    init(_ settings: FirewallSettings) {
        for list in settings.domainLists {
            if lists[list.id] != nil {
                fail(list.location(of: "id"), "ResourceExistsException: a domain list with id \(list.id) is already defined")
                continue
            }
            lists[list.id] = compile(list)
        }
        for group in settings.ruleGroups {
            if groups[group.id] != nil {
                fail(group.location(of: "id"), "ResourceExistsException: a rule group with id \(group.id) is already defined")
                continue
            }
            groups[group.id] = compile(group)
        }
    }

    private mutating func fail(_ location: SourceLocation, _ message: String) {
        errors.append(ConfigError(location: location, message: message))
    }

    private mutating func compile(_ list: FirewallDomainListDefinition) -> DomainList {
        var entries = list.domains.map { text in
            FirewallDomainFile.Entry(text: text, location: list.location(of: "domains"))
        }
        if let file = list.file {
            switch FirewallDomainFile.read(file) {
            case .success(let read):
                for entry in read {
                    if let problem = FirewallDomainSpecification.problem(entry.text) {
                        fail(entry.location, "ValidationException: '\(entry.text)' \(problem)")
                    } else {
                        entries.append(entry)
                    }
                }
            case .failure(let error):
                errors.append(error)
            }
        }
        var specifications: [Specification] = []
        for entry in entries {
            do {
                if entry.text == "*" {
                    specifications.append(.below(.root))
                } else if entry.text.hasPrefix("*.") {
                    specifications.append(.below(try DNSName(entry.text.dropFirst(2))))
                } else {
                    specifications.append(.exact(try DNSName(entry.text)))
                }
            } catch {
                fail(entry.location, "ValidationException: '\(entry.text)' is not a valid domain: \(error)")
            }
        }
        let unknown = list.managedOwnerName != nil && list.domains.isEmpty && list.file == nil
        return DomainList(specifications: specifications, unknown: unknown)
    }

    private mutating func compile(_ group: FirewallRuleGroupDefinition) -> [GroupRule] {
        var byPriority: [Int: FirewallRuleDefinition] = [:]
        var names: Set<String> = []
        var rules: [GroupRule] = []
        for definition in group.rules {
            if let other = byPriority[definition.priority] {
                fail(definition.location(of: "priority"),
                     "ValidationException: priority \(definition.priority) is already used by rule \(other.name) of \(group.id); each rule in a rule group needs a unique priority")
                continue
            }
            byPriority[definition.priority] = definition
            if !names.insert(definition.name).inserted {
                fail(definition.location(of: "name"), "ValidationException: a rule named \(definition.name) already exists in \(group.id)")
            }
            guard lists[definition.domainList] != nil else {
                fail(definition.location(of: "domain_list"),
                     "ResourceNotFoundException: domain list \(definition.domainList) is not defined under firewall.domain_lists")
                continue
            }
            guard let block = blockAnswer(definition, group: group) else { continue }
            var qtype: RRType?
            if let text = definition.qtype {
                guard let type = RRType(mnemonic: text) else {
                    fail(definition.location(of: "qtype"), "ValidationException: '\(text)' is not a DNS query type vpcdns knows; write it as TYPE<number>")
                    continue
                }
                qtype = type
            }
            let match = FirewallMatch(ruleGroupID: group.id, domainListID: definition.domainList,
                                      ruleName: definition.name, action: definition.action)
            rules.append(GroupRule(definition: definition,
                                   rule: Firewall.Rule(match: match, block: block, qtype: qtype,
                                                       trustsRedirection: definition.redirection == .trustRedirectionDomain,
                                                       listUnknown: lists[definition.domainList]!.unknown),
                                   listID: definition.domainList))
        }
        return rules.sorted { $0.definition.priority < $1.definition.priority }
    }

    /// The BLOCK answer of a rule, checking the BLOCK-only settings as CreateFirewallRule does.
    private mutating func blockAnswer(_ rule: FirewallRuleDefinition, group: FirewallRuleGroupDefinition) -> BlockAnswer? {
        let overrideKeys = ["block_override_domain", "block_override_dns_type", "block_override_ttl"]
        let written = overrideKeys.filter { rule.origin.valueLocations[$0] != nil }
        guard rule.action == .block else {
            if let key = (["block_response"] + written).first(where: { rule.origin.valueLocations[$0] != nil }) {
                fail(rule.location(of: key), "ValidationException: \(key) applies only to rules whose action is BLOCK, not \(rule.action.rawValue.uppercased())")
                return nil
            }
            return .noData
        }
        switch rule.blockResponse ?? .nodata {
        case .nodata, .nxdomain:
            if let key = written.first {
                fail(rule.location(of: key), "ValidationException: \(key) applies only to BlockResponse OVERRIDE")
                return nil
            }
            return rule.blockResponse == .nxdomain ? .nxDomain : .noData
        case .override:
            guard let domain = rule.blockOverrideDomain else {
                fail(rule.location(of: "block_response"),
                     "ValidationException: BlockResponse OVERRIDE requires BlockOverrideDomain, BlockOverrideDnsType and BlockOverrideTtl (block_override_domain is missing)")
                return nil
            }
            do {
                return .override(target: try DNSName(domain), ttl: UInt32(rule.blockOverrideTTL ?? 0))
            } catch {
                fail(rule.location(of: "block_override_domain"), "ValidationException: '\(domain)' is not a valid domain: \(error)")
                return nil
            }
        }
    }

    /// The firewall of the given associations (already checked), or nil when there are none.
    func firewall(_ associations: [FirewallGroupAssociationDefinition], failOpen: Bool) -> Firewall? {
        guard !associations.isEmpty else { return nil }
        var rules: [Firewall.Rule] = []
        var exact: [Firewall.Key: [Int]] = [:]
        var below: [Firewall.Key: [Int]] = [:]
        for association in associations {
            for groupRule in groups[association.id] ?? [] {
                let position = rules.count
                rules.append(groupRule.rule)
                for specification in lists[groupRule.listID]?.specifications ?? [] {
                    switch specification {
                    case .exact(let name): exact[Firewall.key(name), default: []].append(position)
                    case .below(let suffix): below[Firewall.key(suffix), default: []].append(position)
                    }
                }
            }
        }
        return Firewall(rules: rules, exact: exact, wildcard: below, failOpen: failOpen)
    }
}
