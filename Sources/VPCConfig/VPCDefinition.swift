import IPAddress

/// One `vpcs:` entry: a VPC whose view vpcdns serves.
public struct VPCDefinition: Hashable, Sendable, ConfigLocatable {
    /// `id` (required): `vpc-` and 8 or 17 lowercase hex digits.
    public var id: String
    /// `region` (required): a region name such as `ap-northeast-1` or `us-gov-west-1`.
    public var region: String
    /// `cidrs` (required, at least one): the VPC's blocks; clients from here see this view.
    public var cidrs: [CIDR]
    /// `listen`: extra addresses vpcdns serves on; queries arriving there see this view, like
    /// AWS's VPC base + 2. A bare address gets port 53. Default none.
    public var listen: [SocketAddress]
    /// `enable_dns_support`: the VPC attribute `enableDnsSupport`. Default true, as on AWS.
    public var enableDnsSupport: Bool
    /// `enable_dns_hostnames`: the VPC attribute `enableDnsHostnames`. Default **false**, AWS's
    /// default for non-default VPCs; private zones and endpoint private DNS need it true
    /// (AWS-DNS-RULES 1.2, 1.3).
    public var enableDnsHostnames: Bool
    /// `endpoints`: VPC endpoints. Default none.
    public var endpoints: [EndpointDefinition]
    /// `zones`: private hosted zones as RFC 1035 zone files. Default none.
    public var zones: [ZoneFileReference]
    /// `rules`: Route 53 Resolver rules associated with this VPC. Default none.
    public var rules: [ResolverRuleDefinition]
    /// `instances`: EC2 instances whose hostnames and reverse names the VPC answers. Default none.
    public var instances: [InstanceDefinition]
    /// `autodefined_reverse`: AWS's `AutodefinedReverseFlag`. When true (the default, as on
    /// AWS) the reverse zones of the VPC's CIDRs and of the RFC 1918 / RFC 6303 set are answered
    /// locally and never forwarded (AWS-DNS-RULES 11.1).
    public var autodefinedReverse: Bool
    /// `synthesize_ip_names`: answer the IP-based name and the PTR of every address in the VPC's
    /// IPv4 CIDRs, not only of declared instances and endpoint interfaces. Default false
    /// (AWS-DNS-RULES 11.2).
    public var synthesizeIPNames: Bool
    /// `firewall`: DNS Firewall rule groups associated with this VPC, and its fail mode. Default none.
    public var firewall: FirewallAssociationsDefinition?
    /// `inbound_endpoints`: Resolver inbound endpoints into this VPC. Default none.
    public var inboundEndpoints: [InboundEndpointDefinition] = []
    public var origin: ConfigOrigin

    public static let defaultEnableDnsSupport = true
    public static let defaultEnableDnsHostnames = false
    public static let defaultAutodefinedReverse = true
    public static let defaultSynthesizeIPNames = false

    public init(id: String, region: String, cidrs: [CIDR], listen: [SocketAddress] = [],
                enableDnsSupport: Bool = Self.defaultEnableDnsSupport,
                enableDnsHostnames: Bool = Self.defaultEnableDnsHostnames,
                endpoints: [EndpointDefinition] = [], zones: [ZoneFileReference] = [],
                rules: [ResolverRuleDefinition] = [], instances: [InstanceDefinition] = [],
                autodefinedReverse: Bool = Self.defaultAutodefinedReverse,
                synthesizeIPNames: Bool = Self.defaultSynthesizeIPNames, origin: ConfigOrigin = ConfigOrigin()) {
        self.id = id
        self.region = region
        self.cidrs = cidrs
        self.listen = listen
        self.enableDnsSupport = enableDnsSupport
        self.enableDnsHostnames = enableDnsHostnames
        self.endpoints = endpoints
        self.zones = zones
        self.rules = rules
        self.instances = instances
        self.autodefinedReverse = autodefinedReverse
        self.synthesizeIPNames = synthesizeIPNames
        self.origin = origin
    }
}

/// One `endpoints:` entry of a VPC.
public struct EndpointDefinition: Hashable, Sendable, ConfigLocatable {
    /// `type` values.
    public enum EndpointType: String, Hashable, Sendable, CaseIterable {
        /// AWS PrivateLink: network interfaces in the VPC and DNS names for them.
        case interface
        /// S3 / DynamoDB route-table endpoint: no DNS change (AWS-DNS-RULES 5.5).
        case gateway
        /// Gateway Load Balancer endpoint: network interfaces, no private DNS.
        case gatewayLoadBalancer = "gatewayloadbalancer"
    }

    /// `ip_type` values: AWS's `DnsOptions.DnsRecordIpType` (AWS-DNS-RULES 2.6).
    public enum DNSRecordIPType: String, Hashable, Sendable, CaseIterable {
        case ipv4
        case ipv6
        case dualstack
        case serviceDefined = "service-defined"
    }

    /// `state` values: AWS's endpoint `State`, lowercased (AWS-DNS-RULES 5.7).
    public enum State: String, Hashable, Sendable, CaseIterable {
        case pendingAcceptance = "pendingacceptance"
        case pending
        case available
        case rejected
        case expired
        case failed
        case deleting
        case deleted
    }

    /// `id` (required): `vpce-` and 8 or 17 lowercase hex digits.
    public var id: String
    /// `service` (required): the endpoint service name, e.g. `com.amazonaws.ap-northeast-1.ssm`.
    public var service: String
    /// `type`: default `.interface`. Written case-insensitively.
    public var type: EndpointType
    /// `dns_suffix`: the 8 `[a-z0-9]` characters in `vpce-<id>-<suffix>.<service base>`.
    /// Required for interface endpoints, not allowed on gateway endpoints.
    public var dnsSuffix: String?
    /// `private_dns`: AWS's `PrivateDnsEnabled`. Default false. Not allowed true on gateway
    /// endpoints.
    public var privateDns: Bool
    /// `ip_type`: default `.ipv4`. Written case-insensitively.
    public var ipType: DNSRecordIPType
    /// `state`: default `.available`. Written case-insensitively (`PendingAcceptance` is fine).
    public var state: State
    /// `private_dns_only_for_inbound_resolver_endpoint`: AWS's S3-only option
    /// (AWS-DNS-RULES 5.6). Default false.
    public var privateDnsOnlyForInboundResolverEndpoint: Bool
    /// `interfaces`: the endpoint's network interfaces, one per AZ. Default none: an interface
    /// endpoint without subnets is legal, and its private name then resolves to no address
    /// (AWS-DNS-RULES 12). Not allowed on gateway endpoints.
    public var interfaces: [EndpointInterfaceDefinition]
    public var origin: ConfigOrigin

    public static let defaultType = EndpointType.interface
    public static let defaultIPType = DNSRecordIPType.ipv4
    public static let defaultState = State.available

    public init(id: String, service: String, type: EndpointType = Self.defaultType, dnsSuffix: String?,
                privateDns: Bool = false, ipType: DNSRecordIPType = Self.defaultIPType,
                state: State = Self.defaultState, privateDnsOnlyForInboundResolverEndpoint: Bool = false,
                interfaces: [EndpointInterfaceDefinition], origin: ConfigOrigin = ConfigOrigin()) {
        self.id = id
        self.service = service
        self.type = type
        self.dnsSuffix = dnsSuffix
        self.privateDns = privateDns
        self.ipType = ipType
        self.state = state
        self.privateDnsOnlyForInboundResolverEndpoint = privateDnsOnlyForInboundResolverEndpoint
        self.interfaces = interfaces
        self.origin = origin
    }
}

/// One `interfaces:` entry of an endpoint: its network interface in one AZ.
public struct EndpointInterfaceDefinition: Hashable, Sendable, ConfigLocatable {
    /// `az` (required): the AZ **name** (`ap-northeast-1a`), used in zonal `vpce-` names.
    /// Format-checked only; whether it belongs to the VPC's region is the model's check.
    public var az: String
    /// `ipv4`: the interface's private IPv4 address. At least one of `ipv4`/`ipv6` is required.
    public var ipv4: IPv4Address?
    /// `ipv6`: the interface's IPv6 address.
    public var ipv6: IPv6Address?
    public var origin: ConfigOrigin

    public init(az: String, ipv4: IPv4Address? = nil, ipv6: IPv6Address? = nil, origin: ConfigOrigin = ConfigOrigin()) {
        self.az = az
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.origin = origin
    }
}

/// One `zones:` entry of a VPC: a zone file path. The file is not opened here.
public struct ZoneFileReference: Hashable, Sendable, ConfigLocatable {
    /// The path as written in the config.
    public var path: String
    /// The path made absolute against the config file's folder, with `.` and `..` removed
    /// lexically (symbolic links are not followed).
    public var resolvedPath: String
    /// Where the path string was written.
    public var origin: ConfigOrigin

    public init(path: String, resolvedPath: String, origin: ConfigOrigin = ConfigOrigin()) {
        self.path = path
        self.resolvedPath = resolvedPath
        self.origin = origin
    }
}

/// One `rules:` entry of a VPC: a Route 53 Resolver rule (AWS-DNS-RULES 6.2).
public struct ResolverRuleDefinition: Hashable, Sendable, ConfigLocatable {
    /// `type` values. Written case-insensitively (`FORWARD` is fine).
    public enum RuleType: String, Hashable, Sendable, CaseIterable {
        /// Send matching names to `targets`.
        case forward
        /// Resolve matching names as if no forward rule matched (carves a subdomain out).
        case system
    }

    /// `domain` (required): the rule's domain, as written; `.` is the root. It matches itself and
    /// every name below it.
    public var domain: String
    /// `type` (required).
    public var type: RuleType
    /// `targets`: where a forward rule sends queries; bare addresses get port 53. Required (at
    /// least one) for forward rules, not allowed for system rules.
    public var targets: [SocketAddress]
    public var origin: ConfigOrigin

    public init(domain: String, type: RuleType, targets: [SocketAddress] = [], origin: ConfigOrigin = ConfigOrigin()) {
        self.domain = domain
        self.type = type
        self.targets = targets
        self.origin = origin
    }
}
