import DNSWire
import VPCConfig

/// One view's DNS Firewall, compiled: its rules in AWS's evaluation order (rule groups by
/// association priority, rules by priority, AWS-DNS-RULES 6.1) and one index from domain
/// specifications to the rules that hold them, so a name costs one hash lookup per label,
/// whatever the number of rules and domains.
public struct Firewall: Sendable {
    /// A rule as evaluated: where it came from, what it does, which queries it applies to.
    struct Rule: Sendable {
        var match: FirewallMatch
        var block: BlockAnswer
        /// Nil: every type.
        var qtype: RRType?
        /// `TRUST_REDIRECTION_DOMAIN`: a name this rule matched vouches for the rest of its chain.
        var trustsRedirection: Bool
        /// The rule's domain list has unknown contents (an AWS managed list given by id only).
        var listUnknown: Bool
    }

    /// A name's lowercased wire form: the key of both indexes, so the suffixes of a query name
    /// are looked up as slices of one buffer, without building a name for each; hashed in one
    /// call over its bytes.
    struct Key: Hashable, Sendable {
        let wire: ArraySlice<UInt8>

        static func == (lhs: Key, rhs: Key) -> Bool { lhs.wire.elementsEqual(rhs.wire) }
        func hash(into hasher: inout Hasher) { wire.withUnsafeBytes { hasher.combine(bytes: $0) } }
    }

    let rules: [Rule]
    /// Rule positions (in `rules`) by exact domain, each list ascending.
    let exact: [Key: [Int]]
    /// Rule positions by the name under a `*.` specification (the root for `*`), ascending.
    let wildcard: [Key: [Int]]
    /// `fail_open`: when the firewall cannot decide, let the query through instead of SERVFAIL.
    public let failOpen: Bool
    /// The first rule (if any) whose list has unknown contents.
    private let firstUnknown: Int?
    /// The most labels a `*.` suffix has (-1 when there is none): shorter suffixes of a name are
    /// the only ones worth a lookup.
    private let deepestWildcard: Int

    init(rules: [Rule], exact: [Key: [Int]], wildcard: [Key: [Int]], failOpen: Bool) {
        self.rules = rules
        self.exact = exact
        self.wildcard = wildcard
        self.failOpen = failOpen
        firstUnknown = rules.firstIndex(where: \.listUnknown)
        deepestWildcard = wildcard.keys.map(Self.labelCount).max() ?? -1
    }

    /// The rule groups in evaluation order, for status output.
    public var ruleGroupIDs: [String] {
        var seen: Set<String> = []
        return rules.map(\.match.ruleGroupID).filter { seen.insert($0).inserted }
    }

    public var ruleCount: Int { rules.count }

    static func key(_ name: DNSName) -> Key { Key(wire: name.lowercased().wire[...]) }

    private static func labelCount(_ key: Key) -> Int {
        let wire = key.wire
        var count = 0
        var index = wire.startIndex
        while wire[index] != 0 {
            count += 1
            index += Int(wire[index]) + 1
        }
        return count
    }

    /// What the rules say about one name.
    enum Evaluation {
        case noMatch
        case matched(Rule)
        /// A rule with unknown contents comes before any rule known to match.
        case undecidable
    }

    /// The first rule, in evaluation order, that matches `name` for a query of `type`.
    func evaluate(_ name: DNSName, type: RRType) -> Evaluation {
        var best = Int.max
        func consider(_ positions: [Int]?) {
            guard let positions else { return }
            for position in positions where position < best {
                if let qtype = rules[position].qtype, qtype != type { continue }
                best = position
                break
            }
        }
        let key = Self.key(name)
        let wire = key.wire
        if !exact.isEmpty { consider(exact[key]) }
        if deepestWildcard >= 0 {
            // Every proper suffix, shortest last, that is no longer than the deepest `*.` suffix.
            var remaining = Self.labelCount(key)
            var index = wire.startIndex
            while remaining > 0 {
                index += Int(wire[index]) + 1
                remaining -= 1
                if remaining <= deepestWildcard { consider(wildcard[Key(wire: wire[index...])]) }
            }
        }
        if let unknown = firstUnknownRule(for: type), unknown < best { return .undecidable }
        return best == .max ? .noMatch : .matched(rules[best])
    }

    private func firstUnknownRule(for type: RRType) -> Int? {
        guard let firstUnknown else { return nil }
        return rules[firstUnknown...].firstIndex { $0.listUnknown && ($0.qtype == nil || $0.qtype == type) }
    }

    /// Checks names in order (the query name, or the targets of its redirection chain), as AWS
    /// does: the first BLOCK ends it; ALERT is remembered for the log; a name matched by a rule
    /// that trusts redirection ends the inspection of the chain.
    public func inspect(_ names: some Sequence<DNSName>, type: RRType) -> FirewallVerdict {
        var alert: FirewallMatch?
        for name in names {
            switch evaluate(name, type: type) {
            case .noMatch:
                continue
            case .undecidable:
                return failOpen ? .pass(alert: alert, trusted: true) : .fail
            case .matched(let rule):
                switch rule.match.action {
                case .block: return .block(rule.match, rule.block)
                case .alert: alert = alert ?? rule.match
                case .allow: break
                }
                if rule.trustsRedirection { return .pass(alert: alert, trusted: true) }
            }
        }
        return .pass(alert: alert, trusted: false)
    }
}

/// The rule that matched a query, as the query log names it (AWS-DNS-RULES 8).
public struct FirewallMatch: Sendable, Hashable {
    public var ruleGroupID: String
    public var domainListID: String
    public var ruleName: String
    public var action: FirewallRuleDefinition.Action

    /// `firewall_rule_action` as AWS writes it.
    public var actionName: String { action.rawValue.uppercased() }
}

/// What a BLOCK rule answers.
public enum BlockAnswer: Sendable, Hashable {
    case noData
    case nxDomain
    /// A CNAME to `target` with `ttl`.
    case override(target: DNSName, ttl: UInt32)
}

/// The firewall's word on a query (and its chain so far).
public enum FirewallVerdict: Sendable {
    /// Let it through; `alert` is the ALERT rule to log; `trusted` when the rest of the chain
    /// needs no inspection.
    case pass(alert: FirewallMatch?, trusted: Bool)
    case block(FirewallMatch, BlockAnswer)
    /// The firewall could not decide and the VPC fails closed: SERVFAIL.
    case fail
}

/// What the firewall did with one query, carried with the model's reason to the query log and
/// to the forwarded-answer path (which inspects the upstream's chain).
public struct FirewallOutcome: Sendable {
    /// The ALERT or BLOCK rule that matched; nil for ALLOW or no match (AWS logs these fields only
    /// for ALERT and BLOCK).
    public var match: FirewallMatch?
    /// The firewall still to apply to the CNAME chain of a forwarded answer; nil when the chain is
    /// trusted or already decided.
    public var pendingInspection: Firewall?

    public init(match: FirewallMatch?, pendingInspection: Firewall?) {
        self.match = match
        self.pendingInspection = pendingInspection
    }
}
