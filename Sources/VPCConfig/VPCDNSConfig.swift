import IPAddress

/// The whole config file (`Config/vpcdns.yaml`), as written: structure and formats are checked,
/// AWS semantics (duplicate ids, addresses outside the VPC, DNS attributes) are VPCModel's job.
///
/// Equality ignores where things were written (see `ConfigOrigin`), so a reload can compare the
/// old and new configs to see whether anything that matters changed.
public struct VPCDNSConfig: Hashable, Sendable, ConfigLocatable {
    /// `listen`: addresses vpcdns serves UDP and TCP on. A bare address gets port 53; port 0 asks
    /// the kernel for one (tests). Default `["127.0.0.1:5353"]`.
    public var listen: [SocketAddress]
    /// `upstreams`: where names that are not answered locally are forwarded, in order.
    /// Default `["resolv.conf"]`. An empty list forwards nothing (air-gapped hosts).
    public var upstreams: [Upstream]
    /// `allow`: clients that may query at all; VPC CIDRs are added by the model, everyone else
    /// gets REFUSED. Default `["127.0.0.0/8", "::1/128"]`.
    public var allow: [CIDR]
    /// `upstream_timeout_ms`: how long one try waits for an upstream, 100...60000. Default 2000.
    public var upstreamTimeoutMs: Int
    /// `upstream_tries`: tries per query across the upstreams, 1...10. Default 2.
    public var upstreamTries: Int
    /// `upstream_case_randomization`: send each forwarded query name in random letter case
    /// (DNS 0x20) and take only answers that echo it. Default true; false for upstreams that do
    /// not echo the case (their answers would all be dropped and every query time out).
    public var upstreamCaseRandomization: Bool
    /// `max_pending_forwards`: bounds on client queries waiting for upstream answers.
    public var maxPendingForwards: PendingForwardSettings
    /// `cache`: answer cache bounds.
    public var cache: CacheSettings
    /// `negative_soa_ttl`: TTL of the SOA put in NXDOMAIN/NODATA answers from private zones
    /// (AWS-DNS-RULES 3.9: 60 was observed), 0...86400. Default 60.
    public var negativeSoaTTL: Int
    /// `tcp`: TCP listener limits.
    public var tcp: TCPSettings
    /// `rate_limit`: per-client packet limit.
    public var rateLimit: RateLimitSettings
    /// `query_log`: Route 53 Resolver style JSON query log. Default none (no query log).
    public var queryLog: QueryLogSettings?
    /// `metrics`: the Prometheus HTTP listener. Default none.
    public var metrics: MetricsSettings?
    /// `control`: the `vpcdns ctl` socket. Default none.
    public var control: ControlSettings?
    /// `explain`: clients that may ask for provenance on the wire. Default none.
    public var explain: ExplainSettings?
    /// `services`: entries that extend or override the embedded endpoint-service catalog.
    /// Default none.
    public var services: [ServiceDefinition]
    /// `vpcs`: the VPCs (views) vpcdns answers for. Default none (a plain forwarder).
    public var vpcs: [VPCDefinition]
    /// `firewall`: DNS Firewall domain lists and rule groups. Default none.
    public var firewall = FirewallSettings()
    /// `profiles`: Route 53 Profiles and the VPCs they are associated with. Default none.
    public var profiles: [ProfileDefinition] = []
    /// The document's start, and where each top-level key's value is.
    public var origin: ConfigOrigin

    public static let defaultListen = [SocketAddress(ip: .v4(IPv4Address(127, 0, 0, 1)), port: 5353)]
    public static let defaultUpstreams: [Upstream] = [.resolvConf]
    public static let defaultAllow = [CIDR("127.0.0.0/8")!, CIDR("::1/128")!]
    public static let defaultUpstreamTimeoutMs = 2000
    public static let upstreamTimeoutMsRange = 100...60_000
    public static let defaultUpstreamTries = 2
    public static let upstreamTriesRange = 1...10
    public static let defaultNegativeSoaTTL = 60
    public static let negativeSoaTTLRange = 0...86_400

    public init(
        listen: [SocketAddress] = Self.defaultListen,
        upstreams: [Upstream] = Self.defaultUpstreams,
        allow: [CIDR] = Self.defaultAllow,
        upstreamTimeoutMs: Int = Self.defaultUpstreamTimeoutMs,
        upstreamTries: Int = Self.defaultUpstreamTries,
        upstreamCaseRandomization: Bool = true,
        maxPendingForwards: PendingForwardSettings = PendingForwardSettings(),
        cache: CacheSettings = CacheSettings(),
        negativeSoaTTL: Int = Self.defaultNegativeSoaTTL,
        tcp: TCPSettings = TCPSettings(),
        rateLimit: RateLimitSettings = RateLimitSettings(),
        queryLog: QueryLogSettings? = nil,
        metrics: MetricsSettings? = nil,
        control: ControlSettings? = nil,
        explain: ExplainSettings? = nil,
        services: [ServiceDefinition] = [],
        vpcs: [VPCDefinition] = [],
        origin: ConfigOrigin = ConfigOrigin()
    ) {
        self.listen = listen
        self.upstreams = upstreams
        self.allow = allow
        self.upstreamTimeoutMs = upstreamTimeoutMs
        self.upstreamTries = upstreamTries
        self.upstreamCaseRandomization = upstreamCaseRandomization
        self.maxPendingForwards = maxPendingForwards
        self.cache = cache
        self.negativeSoaTTL = negativeSoaTTL
        self.tcp = tcp
        self.rateLimit = rateLimit
        self.queryLog = queryLog
        self.metrics = metrics
        self.control = control
        self.explain = explain
        self.services = services
        self.vpcs = vpcs
        self.origin = origin
    }
}

/// One entry of `upstreams`.
public enum Upstream: Hashable, Sendable, CustomStringConvertible {
    /// The word `resolv.conf`: the nameservers in `/etc/resolv.conf`, read when the daemon starts
    /// or reloads.
    case resolvConf
    /// `ip:port`, `[ipv6]:port`, or a bare address (port 53).
    case address(SocketAddress)

    public var description: String {
        switch self {
        case .resolvConf: "resolv.conf"
        case .address(let address): address.description
        }
    }
}

/// `cache:` — positive and negative (RFC 2308) answer cache bounds.
public struct CacheSettings: Hashable, Sendable, ConfigLocatable {
    /// `max_entries`: entries kept before the oldest are evicted, 0...10000000; 0 turns the cache
    /// off. Default 100000.
    public var maxEntries: Int
    /// `min_ttl`: TTLs below this are raised to it while cached, seconds, 0...86400. Default 0.
    public var minTTL: Int
    /// `max_ttl`: TTLs above this are cut to it while cached, seconds, 0...2147483647, at least
    /// `min_ttl`. Default 86400.
    public var maxTTL: Int
    /// `max_negative_ttl`: cap on how long NXDOMAIN/NODATA answers are cached, seconds,
    /// 0...86400. Default 3600.
    public var maxNegativeTTL: Int
    /// `max_memory_mib`: memory the cache may hold, MiB, 1...65536, counted as the allocator
    /// holds it (what it adds to the resident size). Default 32.
    public var maxMemoryMiB: Int
    /// `serve_stale`: answer from an expired entry when every upstream try fails (RFC 8767).
    /// Default true (AWS's resolver does).
    public var serveStale: Bool
    /// `stale_answer_ttl`: the TTL of such answers, seconds, 1...3600. Default 30 (RFC 8767).
    public var staleAnswerTTL: Int
    /// `max_stale_age`: how long past its TTL an entry may still be served stale, seconds,
    /// 1...604800. Default 86400 (RFC 8767 recommends one to three days).
    public var maxStaleAge: Int
    public var origin: ConfigOrigin

    public static let maxEntriesRange = 0...10_000_000
    public static let minTTLRange = 0...86_400
    public static let maxTTLRange = 0...2_147_483_647
    public static let maxNegativeTTLRange = 0...86_400
    public static let maxMemoryMiBRange = 1...65_536
    public static let staleAnswerTTLRange = 1...3_600
    public static let maxStaleAgeRange = 1...604_800

    public init(maxEntries: Int = 100_000, minTTL: Int = 0, maxTTL: Int = 86_400, maxNegativeTTL: Int = 3600,
                maxMemoryMiB: Int = 32, serveStale: Bool = true, staleAnswerTTL: Int = 30, maxStaleAge: Int = 86_400,
                origin: ConfigOrigin = ConfigOrigin()) {
        self.maxEntries = maxEntries
        self.minTTL = minTTL
        self.maxTTL = maxTTL
        self.maxNegativeTTL = maxNegativeTTL
        self.maxMemoryMiB = maxMemoryMiB
        self.serveStale = serveStale
        self.staleAnswerTTL = staleAnswerTTL
        self.maxStaleAge = maxStaleAge
        self.origin = origin
    }
}

/// `tcp:` — TCP listener limits. Each listen address has its own connection table (each VPC's
/// resolver address its own, as each VPC's resolver is its own in AWS); every limit applies per
/// address, and a reload applies changed limits to the connections accepted after it.
public struct TCPSettings: Hashable, Sendable, ConfigLocatable {
    /// `idle_timeout_ms`: a connection with no complete query for this long is closed,
    /// 100...3600000. Default 10000.
    public var idleTimeoutMs: Int
    /// `max_connections`: open TCP connections on one listen address, 1...65535; at the limit a
    /// new connection closes the one idle longest, or is closed at once. Default 256.
    public var maxConnections: Int
    /// `max_connections_per_client`: open connections of one client address, 1...65535; at the
    /// limit a new one closes that client's connection idle longest. Default 64.
    public var maxConnectionsPerClient: Int
    /// `max_queries_in_flight_per_client`: queries of one client address, over all its
    /// connections, being answered at once, 1...65535; beyond it the client's connections stop
    /// being read until answers go out. Default 256.
    public var maxQueriesInFlightPerClient: Int
    public var origin: ConfigOrigin

    public static let idleTimeoutMsRange = 100...3_600_000
    /// The range of every count limit: `max_connections`, `max_connections_per_client`,
    /// `max_queries_in_flight_per_client`.
    public static let limitRange = 1...65_535

    public init(idleTimeoutMs: Int = 10_000, maxConnections: Int = 256, maxConnectionsPerClient: Int = 64,
                maxQueriesInFlightPerClient: Int = 256, origin: ConfigOrigin = ConfigOrigin()) {
        self.idleTimeoutMs = idleTimeoutMs
        self.maxConnections = maxConnections
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.maxQueriesInFlightPerClient = maxQueriesInFlightPerClient
        self.origin = origin
    }
}

/// `rate_limit:` — a token bucket per source IP; packets over the limit are dropped silently,
/// as AWS does (AWS-DNS-RULES 7.1).
public struct RateLimitSettings: Hashable, Sendable, ConfigLocatable {
    /// `packets_per_second`: per source IP, 0...10000000; 0 turns the limit off. AWS's resolver
    /// allows 1024. Default 0.
    public var packetsPerSecond: Int
    public var origin: ConfigOrigin

    public static let packetsPerSecondRange = 0...10_000_000

    public init(packetsPerSecond: Int = 0, origin: ConfigOrigin = ConfigOrigin()) {
        self.packetsPerSecond = packetsPerSecond
        self.origin = origin
    }
}

/// `query_log:` — one JSON object per non-cached query, shaped like a Route 53 Resolver query
/// log record (AWS-DNS-RULES 8).
public struct QueryLogSettings: Hashable, Sendable, ConfigLocatable {
    /// Where records go.
    public enum Destination: Hashable, Sendable {
        /// `path: "-"`.
        case standardError
        /// Any other path, made absolute against the config file's folder.
        case file(String)
    }

    /// `path` as written (required): a file path, or `-` for standard error.
    public var path: String
    /// `path` resolved.
    public var destination: Destination
    /// `account_id`: the 12-digit `account_id` field of each record. Default `000000000000`.
    public var accountId: String
    public var origin: ConfigOrigin

    public static let defaultAccountId = "000000000000"

    public init(path: String, destination: Destination, accountId: String = Self.defaultAccountId,
                origin: ConfigOrigin = ConfigOrigin()) {
        self.path = path
        self.destination = destination
        self.accountId = accountId
        self.origin = origin
    }
}

/// One `services:` entry: an endpoint service and the private DNS names its interface endpoints
/// take over when private DNS is on. Replaces the embedded catalog's entry of the same name.
public struct ServiceDefinition: Hashable, Sendable, ConfigLocatable {
    /// `name` (required): the endpoint service name, `com.amazonaws.<region>.<service>` or a
    /// `vpce-svc-` name; lowercase.
    public var name: String
    /// `private_dns_names` (required, may be empty): names, `*.` wildcards allowed, as written.
    public var privateDnsNames: [String]
    /// `base_endpoint_dns_name`: the name that endpoint-specific `vpce-` names are built on
    /// (AWS-DNS-RULES 2.1), e.g. `ssm.ap-northeast-1.vpce.amazonaws.com`. Default none: the
    /// model derives it.
    public var baseEndpointDnsName: String?
    public var origin: ConfigOrigin

    public init(name: String, privateDnsNames: [String], baseEndpointDnsName: String? = nil,
                origin: ConfigOrigin = ConfigOrigin()) {
        self.name = name
        self.privateDnsNames = privateDnsNames
        self.baseEndpointDnsName = baseEndpointDnsName
        self.origin = origin
    }
}
