import IPAddress

/// Top-level `firewall:` — Route 53 Resolver DNS Firewall domain lists and rule groups, shared by
/// every VPC and Profile that associates a group (AWS-DNS-RULES 6.1).
public struct FirewallSettings: Hashable, Sendable, ConfigLocatable {
    /// `domain_lists`: lists of domain specifications rules refer to by id. Default none.
    public var domainLists: [FirewallDomainListDefinition]
    /// `rule_groups`: groups of rules, associated with VPCs by id. Default none.
    public var ruleGroups: [FirewallRuleGroupDefinition]
    public var origin: ConfigOrigin

    public init(domainLists: [FirewallDomainListDefinition] = [], ruleGroups: [FirewallRuleGroupDefinition] = [],
                origin: ConfigOrigin = ConfigOrigin()) {
        self.domainLists = domainLists
        self.ruleGroups = ruleGroups
        self.origin = origin
    }
}

/// One `domain_lists:` entry.
public struct FirewallDomainListDefinition: Hashable, Sendable, ConfigLocatable {
    /// `id` (required): `rslvr-fdl-` and 8 to 32 lowercase letters or digits.
    public var id: String
    /// `name`: for people and logs. Default the id.
    public var name: String
    /// `domains`: domain specifications as written: a name (itself only), `*.name` (names below
    /// it) or `*` (every name). Default none.
    public var domains: [String]
    /// `file`: a file of further specifications, one a line (`#` starts a comment), relative to
    /// the config. Default none.
    public var file: ZoneFileReference?
    /// `managed_owner_name`: set on AWS managed lists (`Route 53 Resolver DNS Firewall`), whose
    /// domains AWS does not disclose. A managed list with no `domains` or `file` has unknown
    /// contents: a rule that reaches it cannot decide (fail open or closed). Default none.
    public var managedOwnerName: String?
    public var origin: ConfigOrigin

    public init(id: String, name: String, domains: [String] = [], file: ZoneFileReference? = nil,
                managedOwnerName: String? = nil, origin: ConfigOrigin = ConfigOrigin()) {
        self.id = id
        self.name = name
        self.domains = domains
        self.file = file
        self.managedOwnerName = managedOwnerName
        self.origin = origin
    }
}

/// One `rule_groups:` entry.
public struct FirewallRuleGroupDefinition: Hashable, Sendable, ConfigLocatable {
    /// `id` (required): `rslvr-frg-` and 8 to 32 lowercase letters or digits.
    public var id: String
    /// `name`: default the id.
    public var name: String
    /// `rules`: default none (a group that matches nothing).
    public var rules: [FirewallRuleDefinition]
    public var origin: ConfigOrigin

    public init(id: String, name: String, rules: [FirewallRuleDefinition] = [], origin: ConfigOrigin = ConfigOrigin()) {
        self.id = id
        self.name = name
        self.rules = rules
        self.origin = origin
    }
}

/// One `rules:` entry of a rule group: AWS's `FirewallRule`.
public struct FirewallRuleDefinition: Hashable, Sendable, ConfigLocatable {
    /// `action` values (`Action`).
    public enum Action: String, Hashable, Sendable, CaseIterable {
        case allow, alert, block
    }

    /// `block_response` values (`BlockResponse`).
    public enum BlockResponse: String, Hashable, Sendable, CaseIterable {
        case nodata, nxdomain, override
    }

    /// `redirection` values (`FirewallDomainRedirectionAction`).
    public enum Redirection: String, Hashable, Sendable, CaseIterable {
        /// Every name of a CNAME/DNAME chain is checked against the firewall (AWS's default).
        case inspectRedirectionDomain = "inspect_redirection_domain"
        /// Only the first name is checked; the chain it leads to is trusted.
        case trustRedirectionDomain = "trust_redirection_domain"
    }

    /// `name` (required): unique in the group.
    public var name: String
    /// `priority` (required): order inside the group, lowest first; unique in the group.
    public var priority: Int
    /// `domain_list` (required): the id of a `firewall.domain_lists` entry.
    public var domainList: String
    /// `action` (required). Written case-insensitively.
    public var action: Action
    /// `block_response`: BLOCK only. Default `.nodata`.
    public var blockResponse: BlockResponse?
    /// `block_override_domain`: the CNAME target an OVERRIDE answers with; required for OVERRIDE.
    public var blockOverrideDomain: String?
    /// `block_override_dns_type`: `CNAME`, the only type AWS allows. Default CNAME.
    public var blockOverrideDnsType: String?
    /// `block_override_ttl`: the OVERRIDE record's TTL, 0...604800. Default 0.
    public var blockOverrideTTL: Int?
    /// `qtype`: the rule matches only queries of this type (`MX`, `TYPE28`). Default every type.
    public var qtype: String?
    /// `redirection`: default `.inspectRedirectionDomain`. Written case-insensitively.
    public var redirection: Redirection
    public var origin: ConfigOrigin

    public static let blockOverrideTTLRange = 0...604_800
    public static let priorityRange = 1...2_147_483_647

    public init(name: String, priority: Int, domainList: String, action: Action, blockResponse: BlockResponse? = nil,
                blockOverrideDomain: String? = nil, blockOverrideDnsType: String? = nil, blockOverrideTTL: Int? = nil,
                qtype: String? = nil, redirection: Redirection = .inspectRedirectionDomain, origin: ConfigOrigin = ConfigOrigin()) {
        self.name = name
        self.priority = priority
        self.domainList = domainList
        self.action = action
        self.blockResponse = blockResponse
        self.blockOverrideDomain = blockOverrideDomain
        self.blockOverrideDnsType = blockOverrideDnsType
        self.blockOverrideTTL = blockOverrideTTL
        self.qtype = qtype
        self.redirection = redirection
        self.origin = origin
    }
}

/// `vpcs[].firewall:` and `profiles[].firewall:` — the rule groups associated and the fail mode.
public struct FirewallAssociationsDefinition: Hashable, Sendable, ConfigLocatable {
    /// `rule_groups`: `{ id, priority }` items. Default none.
    public var ruleGroups: [FirewallGroupAssociationDefinition]
    /// `fail_open`: AWS's `FirewallFailOpen`; nil when not written (closed, or the Profile's or
    /// the VPC's own setting).
    public var failOpen: Bool?
    public var origin: ConfigOrigin

    public init(ruleGroups: [FirewallGroupAssociationDefinition] = [], failOpen: Bool? = nil, origin: ConfigOrigin = ConfigOrigin()) {
        self.ruleGroups = ruleGroups
        self.failOpen = failOpen
        self.origin = origin
    }
}

/// One associated rule group: AWS's `FirewallRuleGroupAssociation`.
public struct FirewallGroupAssociationDefinition: Hashable, Sendable, ConfigLocatable {
    /// `id` (required): a `firewall.rule_groups` id.
    public var id: String
    /// `priority` (required): order among the VPC's groups, lowest first; 101...9900 as AWS allows.
    public var priority: Int
    public var origin: ConfigOrigin

    public static let priorityRange = 100...9900

    public init(id: String, priority: Int, origin: ConfigOrigin = ConfigOrigin()) {
        self.id = id
        self.priority = priority
        self.origin = origin
    }
}

/// One `vpcs[].inbound_endpoints:` entry: a Route 53 Resolver inbound endpoint into the VPC.
public struct InboundEndpointDefinition: Hashable, Sendable, ConfigLocatable {
    /// `id` (required): `rslvr-in-` and 8 to 32 lowercase letters or digits.
    public var id: String
    /// `listen` (required, at least one): the endpoint's addresses; vpcdns serves on them and
    /// queries arriving there see the VPC as a query through this endpoint.
    public var listen: [SocketAddress]
    public var origin: ConfigOrigin

    public init(id: String, listen: [SocketAddress], origin: ConfigOrigin = ConfigOrigin()) {
        self.id = id
        self.listen = listen
        self.origin = origin
    }
}

/// One `profiles:` entry: a Route 53 Profile and the VPCs associated with it (AWS-DNS-RULES S38).
public struct ProfileDefinition: Hashable, Sendable, ConfigLocatable {
    /// `id` (required): `rp-` and 8 to 32 lowercase letters or digits.
    public var id: String
    /// `name`: default the id.
    public var name: String
    /// `vpcs`: ids of the VPCs associated with the Profile (a VPC has at most one). Default none.
    public var vpcs: [String]
    /// `zones`: private hosted zones the Profile holds, as zone files. Default none.
    public var zones: [ZoneFileReference]
    /// `rules`: Resolver rules the Profile holds. Default none.
    public var rules: [ResolverRuleDefinition]
    /// `endpoints`: ids of interface endpoints (defined under some VPC) whose private DNS names
    /// the Profile shares. Default none.
    public var endpoints: [String]
    /// `firewall`: rule groups the Profile holds, and its fail mode. Default none.
    public var firewall: FirewallAssociationsDefinition?
    public var origin: ConfigOrigin

    public init(id: String, name: String, vpcs: [String] = [], zones: [ZoneFileReference] = [],
                rules: [ResolverRuleDefinition] = [], endpoints: [String] = [],
                firewall: FirewallAssociationsDefinition? = nil, origin: ConfigOrigin = ConfigOrigin()) {
        self.id = id
        self.name = name
        self.vpcs = vpcs
        self.zones = zones
        self.rules = rules
        self.endpoints = endpoints
        self.firewall = firewall
        self.origin = origin
    }
}

extension VPCDefinition {
    /// Every address vpcdns serves this VPC on: its own `listen` and its inbound endpoints'.
    public var servedAddresses: [SocketAddress] {
        listen + inboundEndpoints.flatMap(\.listen)
    }
}
