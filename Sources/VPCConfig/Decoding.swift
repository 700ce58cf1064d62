import IPAddress
import Yams

/// Builds the config value types from a composed YAML tree. Each decoder reports every problem
/// it finds to the reader and returns nil when a required part is unusable, so the caller can
/// go on with the next item.
enum ConfigDecoder {
    static func config(_ root: Node, reader: NodeReader, baseDirectory: String) -> VPCDNSConfig? {
        guard let fields = reader.mapping(root, what: "top level", allowed: [
            "listen", "upstreams", "allow", "upstream_timeout_ms", "upstream_tries", "upstream_case_randomization", "max_pending_forwards", "cache",
            "negative_soa_ttl", "tcp", "rate_limit", "query_log", "services", "vpcs",
            "firewall", "profiles",
            "metrics", "control", "explain",
        ]) else { return nil }

        var config = VPCDNSConfig(origin: fields.origin)
        if let node = fields.optional("listen") {
            config.listen = reader.socketAddresses(node, key: "listen", allowPortZero: true) ?? config.listen
        }
        if let node = fields.optional("upstreams") {
            config.upstreams = reader.list(node, key: "upstreams",
                                           expected: "a valid upstream (expected resolv.conf, ip, ip:port or [ipv6]:port, port 1-65535)") {
                upstream($0)
            } ?? config.upstreams
        }
        if let node = fields.optional("allow") {
            config.allow = reader.cidrs(node, key: "allow", example: "10.0.0.0/8") ?? config.allow
        }
        if let node = fields.optional("upstream_timeout_ms") {
            config.upstreamTimeoutMs = reader.integer(node, key: "upstream_timeout_ms",
                                                      range: VPCDNSConfig.upstreamTimeoutMsRange) ?? config.upstreamTimeoutMs
        }
        if let node = fields.optional("upstream_tries") {
            config.upstreamTries = reader.integer(node, key: "upstream_tries",
                                                  range: VPCDNSConfig.upstreamTriesRange) ?? config.upstreamTries
        }
        if let node = fields.optional("upstream_case_randomization") {
            config.upstreamCaseRandomization = reader.boolean(node, key: "upstream_case_randomization") ?? config.upstreamCaseRandomization
        }
        if let node = fields.optional("max_pending_forwards") {
            config.maxPendingForwards = maxPendingForwards(node, reader: reader) ?? config.maxPendingForwards
        }
        if let node = fields.optional("cache") { config.cache = cache(node, reader: reader) ?? config.cache }
        if let node = fields.optional("negative_soa_ttl") {
            config.negativeSoaTTL = reader.integer(node, key: "negative_soa_ttl",
                                                   range: VPCDNSConfig.negativeSoaTTLRange) ?? config.negativeSoaTTL
        }
        if let node = fields.optional("tcp") { config.tcp = tcp(node, reader: reader) ?? config.tcp }
        if let node = fields.optional("rate_limit") { config.rateLimit = rateLimit(node, reader: reader) ?? config.rateLimit }
        if let node = fields.optional("query_log") {
            config.queryLog = queryLog(node, reader: reader, baseDirectory: baseDirectory)
        }
        if let node = fields.optional("metrics") { config.metrics = metrics(node, reader: reader) }
        if let node = fields.optional("control") { config.control = control(node, reader: reader, baseDirectory: baseDirectory) }
        if let node = fields.optional("explain") { config.explain = explain(node, reader: reader) }
        if let node = fields.optional("services"), let items = reader.list(node, key: "services", of: "mappings") {
            config.services = items.compactMap { service($0, reader: reader) }
        }
        if let node = fields.optional("vpcs"), let items = reader.list(node, key: "vpcs", of: "mappings") {
            config.vpcs = items.compactMap { vpc($0, reader: reader, baseDirectory: baseDirectory) }
        }
        if let node = fields.optional("firewall") {
            config.firewall = firewall(node, reader: reader, baseDirectory: baseDirectory) ?? config.firewall
        }
        if let node = fields.optional("profiles"), let items = reader.list(node, key: "profiles", of: "mappings") {
            config.profiles = items.compactMap { profile($0, reader: reader, baseDirectory: baseDirectory) }
        }
        return config
    }

    static func upstream(_ text: String) -> Upstream? {
        if text == "resolv.conf" { return .resolvConf }
        guard let address = SocketAddress(text, defaultPort: 53), address.port != 0 else { return nil }
        return .address(address)
    }

    // MARK: Settings blocks

    static func cache(_ node: Node, reader: NodeReader) -> CacheSettings? {
        guard let fields = reader.mapping(node, what: "cache", key: "cache",
                                          allowed: ["max_entries", "min_ttl", "max_ttl", "max_negative_ttl", "max_memory_mib",
                                                    "serve_stale", "stale_answer_ttl", "max_stale_age"])
        else { return nil }
        var settings = CacheSettings(origin: fields.origin)
        if let node = fields.optional("max_entries") {
            settings.maxEntries = reader.integer(node, key: "max_entries", range: CacheSettings.maxEntriesRange) ?? settings.maxEntries
        }
        var minRead = true, maxRead = true
        if let node = fields.optional("min_ttl") {
            if let value = reader.integer(node, key: "min_ttl", range: CacheSettings.minTTLRange) { settings.minTTL = value } else { minRead = false }
        }
        if let node = fields.optional("max_ttl") {
            if let value = reader.integer(node, key: "max_ttl", range: CacheSettings.maxTTLRange) { settings.maxTTL = value } else { maxRead = false }
        }
        if let node = fields.optional("max_negative_ttl") {
            settings.maxNegativeTTL = reader.integer(node, key: "max_negative_ttl",
                                                     range: CacheSettings.maxNegativeTTLRange) ?? settings.maxNegativeTTL
        }
        if let node = fields.optional("max_memory_mib") {
            settings.maxMemoryMiB = reader.integer(node, key: "max_memory_mib", range: CacheSettings.maxMemoryMiBRange)
                ?? settings.maxMemoryMiB
        }
        if let node = fields.optional("serve_stale") {
            settings.serveStale = reader.boolean(node, key: "serve_stale") ?? settings.serveStale
        }
        if let node = fields.optional("stale_answer_ttl") {
            settings.staleAnswerTTL = reader.integer(node, key: "stale_answer_ttl", range: CacheSettings.staleAnswerTTLRange)
                ?? settings.staleAnswerTTL
        }
        if let node = fields.optional("max_stale_age") {
            settings.maxStaleAge = reader.integer(node, key: "max_stale_age", range: CacheSettings.maxStaleAgeRange)
                ?? settings.maxStaleAge
        }
        if minRead, maxRead, settings.minTTL > settings.maxTTL {
            reader.fail(fields.origin.location(of: fields.has("max_ttl") ? "max_ttl" : "min_ttl"),
                        "cache: min_ttl (\(settings.minTTL)) is greater than max_ttl (\(settings.maxTTL))")
        }
        return settings
    }

    static func maxPendingForwards(_ node: Node, reader: NodeReader) -> PendingForwardSettings? {
        guard let fields = reader.mapping(node, what: "max_pending_forwards", key: "max_pending_forwards",
                                          allowed: ["per_upstream_set", "total"])
        else { return nil }
        var settings = PendingForwardSettings(origin: fields.origin)
        if let node = fields.optional("per_upstream_set") {
            settings.perUpstreamSet = reader.integer(node, key: "per_upstream_set", range: PendingForwardSettings.range) ?? settings.perUpstreamSet
        }
        if let node = fields.optional("total") {
            settings.total = reader.integer(node, key: "total", range: PendingForwardSettings.range) ?? settings.total
        }
        return settings
    }

    static func tcp(_ node: Node, reader: NodeReader) -> TCPSettings? {
        guard let fields = reader.mapping(node, what: "tcp", key: "tcp", allowed: ["idle_timeout_ms", "max_connections",
                                                                                    "max_connections_per_client",
                                                                                    "max_queries_in_flight_per_client"])
        else { return nil }
        var settings = TCPSettings(origin: fields.origin)
        if let node = fields.optional("idle_timeout_ms") {
            settings.idleTimeoutMs = reader.integer(node, key: "idle_timeout_ms",
                                                    range: TCPSettings.idleTimeoutMsRange) ?? settings.idleTimeoutMs
        }
        if let node = fields.optional("max_connections") {
            settings.maxConnections = reader.integer(node, key: "max_connections",
                                                     range: TCPSettings.limitRange) ?? settings.maxConnections
        }
        if let node = fields.optional("max_connections_per_client") {
            settings.maxConnectionsPerClient = reader.integer(node, key: "max_connections_per_client",
                                                              range: TCPSettings.limitRange) ?? settings.maxConnectionsPerClient
        }
        if let node = fields.optional("max_queries_in_flight_per_client") {
            settings.maxQueriesInFlightPerClient = reader.integer(node, key: "max_queries_in_flight_per_client",
                                                                  range: TCPSettings.limitRange)
                ?? settings.maxQueriesInFlightPerClient
        }
        return settings
    }

    static func rateLimit(_ node: Node, reader: NodeReader) -> RateLimitSettings? {
        guard let fields = reader.mapping(node, what: "rate_limit", key: "rate_limit", allowed: ["packets_per_second"])
        else { return nil }
        var settings = RateLimitSettings(origin: fields.origin)
        if let node = fields.optional("packets_per_second") {
            settings.packetsPerSecond = reader.integer(node, key: "packets_per_second",
                                                       range: RateLimitSettings.packetsPerSecondRange) ?? settings.packetsPerSecond
        }
        return settings
    }

    static func queryLog(_ node: Node, reader: NodeReader, baseDirectory: String) -> QueryLogSettings? {
        guard let fields = reader.mapping(node, what: "query_log", key: "query_log", allowed: ["path", "account_id"])
        else { return nil }
        var accountId = QueryLogSettings.defaultAccountId
        if let node = fields.optional("account_id") {
            accountId = reader.string(node, key: "account_id", format: Formats.accountID) ?? accountId
        }
        guard let pathNode = fields.required("path"), let path = filePath(pathNode, key: "path", reader: reader)
        else { return nil }
        let destination: QueryLogSettings.Destination =
            path == "-" ? .standardError : .file(Paths.resolve(path, against: baseDirectory))
        return QueryLogSettings(path: path, destination: destination, accountId: accountId, origin: fields.origin)
    }

    static func service(_ node: Node, reader: NodeReader) -> ServiceDefinition? {
        guard let fields = reader.mapping(node, what: "service", key: "services", allowed: ["name", "private_dns_names", "base_endpoint_dns_name"])
        else { return nil }
        let name = fields.required("name").flatMap { reader.string($0, key: "name", format: Formats.serviceName) }
        let names = fields.required("private_dns_names").flatMap { node in
            domainNames(node, key: "private_dns_names", reader: reader) { Formats.domainName($0, allowWildcard: true) }
        }
        var base: String?
        var baseFine = true
        if let node = fields.optional("base_endpoint_dns_name") {
            base = reader.string(node, key: "base_endpoint_dns_name") { Formats.domainName($0) }
            baseFine = base != nil
        }
        guard let name, let names, baseFine else { return nil }
        return ServiceDefinition(name: name, privateDnsNames: names, baseEndpointDnsName: base, origin: fields.origin)
    }

    // MARK: VPCs

    static func vpc(_ node: Node, reader: NodeReader, baseDirectory: String) -> VPCDefinition? {
        guard let fields = reader.mapping(node, what: "vpc", key: "vpcs", allowed: [
            "id", "region", "cidrs", "listen", "enable_dns_support", "enable_dns_hostnames",
            "endpoints", "zones", "rules", "instances", "autodefined_reverse", "synthesize_ip_names",
            "firewall", "inbound_endpoints",
        ]) else { return nil }
        let id = fields.required("id").flatMap { reader.string($0, key: "id", format: Formats.vpcID) }
        let region = fields.required("region").flatMap { reader.string($0, key: "region", format: Formats.region) }
        var cidrs: [CIDR]?
        if let node = fields.required("cidrs") {
            cidrs = reader.cidrs(node, key: "cidrs", example: "10.10.0.0/16")
            if cidrs?.isEmpty == true {
                reader.fail(node, "cidrs: a VPC needs at least one CIDR block")
                cidrs = nil
            }
        }
        var listen: [SocketAddress] = []
        if let node = fields.optional("listen") {
            listen = reader.socketAddresses(node, key: "listen", allowPortZero: true) ?? []
        }
        var dnsSupport = VPCDefinition.defaultEnableDnsSupport
        if let node = fields.optional("enable_dns_support") {
            dnsSupport = reader.boolean(node, key: "enable_dns_support") ?? dnsSupport
        }
        var dnsHostnames = VPCDefinition.defaultEnableDnsHostnames
        if let node = fields.optional("enable_dns_hostnames") {
            dnsHostnames = reader.boolean(node, key: "enable_dns_hostnames") ?? dnsHostnames
        }
        var endpoints: [EndpointDefinition] = []
        if let node = fields.optional("endpoints"), let items = reader.list(node, key: "endpoints", of: "mappings") {
            endpoints = items.compactMap { endpoint($0, reader: reader) }
        }
        var zones: [ZoneFileReference] = []
        if let node = fields.optional("zones") {
            zones = zoneFiles(node, reader: reader, baseDirectory: baseDirectory)
        }
        var rules: [ResolverRuleDefinition] = []
        if let node = fields.optional("rules"), let items = reader.list(node, key: "rules", of: "mappings") {
            rules = items.compactMap { rule($0, reader: reader) }
        }
        var instances: [InstanceDefinition] = []
        if let node = fields.optional("instances"), let items = reader.list(node, key: "instances", of: "mappings") {
            instances = items.compactMap { instance($0, reader: reader) }
        }
        var autodefinedReverse = VPCDefinition.defaultAutodefinedReverse
        if let node = fields.optional("autodefined_reverse") {
            autodefinedReverse = reader.boolean(node, key: "autodefined_reverse") ?? autodefinedReverse
        }
        var synthesizeIPNames = VPCDefinition.defaultSynthesizeIPNames
        if let node = fields.optional("synthesize_ip_names") {
            synthesizeIPNames = reader.boolean(node, key: "synthesize_ip_names") ?? synthesizeIPNames
        }
        guard let id, let region, let cidrs else { return nil }
        var vpc = VPCDefinition(id: id, region: region, cidrs: cidrs, listen: listen, enableDnsSupport: dnsSupport,
                                enableDnsHostnames: dnsHostnames, endpoints: endpoints, zones: zones, rules: rules,
                                instances: instances, autodefinedReverse: autodefinedReverse,
                                synthesizeIPNames: synthesizeIPNames, origin: fields.origin)
        vpc.firewall = fields.optional("firewall").flatMap { firewallAssociations($0, reader: reader) }
        if let node = fields.optional("inbound_endpoints"), let items = reader.list(node, key: "inbound_endpoints", of: "mappings") {
            vpc.inboundEndpoints = items.compactMap { inboundEndpoint($0, reader: reader) }
        }
        return vpc
    }

    static func endpoint(_ node: Node, reader: NodeReader) -> EndpointDefinition? {
        typealias Endpoint = EndpointDefinition
        guard let fields = reader.mapping(node, what: "endpoint", key: "endpoints", allowed: [
            "id", "service", "type", "dns_suffix", "private_dns", "ip_type", "state",
            "private_dns_only_for_inbound_resolver_endpoint", "interfaces",
        ]) else { return nil }
        let id = fields.required("id").flatMap { reader.string($0, key: "id", format: Formats.endpointID) }
        let service = fields.required("service").flatMap { reader.string($0, key: "service", format: Formats.serviceName) }
        var type = Endpoint.defaultType
        var typeRead = true
        if let node = fields.optional("type") {
            if let value = reader.word(node, key: "type", as: Endpoint.EndpointType.self, what: "endpoint type") {
                type = value
            } else {
                typeRead = false
            }
        }
        var suffix: String?
        var suffixFine = true
        if let node = fields.optional("dns_suffix") {
            suffix = reader.string(node, key: "dns_suffix", format: Formats.dnsSuffix)
            suffixFine = suffix != nil
        }
        var privateDns = false
        if let node = fields.optional("private_dns") {
            privateDns = reader.boolean(node, key: "private_dns") ?? privateDns
        }
        var ipType = Endpoint.defaultIPType
        if let node = fields.optional("ip_type") {
            ipType = reader.word(node, key: "ip_type", as: Endpoint.DNSRecordIPType.self, what: "DNS record IP type") ?? ipType
        }
        var state = Endpoint.defaultState
        if let node = fields.optional("state") {
            state = reader.word(node, key: "state", as: Endpoint.State.self, what: "endpoint state") ?? state
        }
        var inboundOnly = false
        if let node = fields.optional("private_dns_only_for_inbound_resolver_endpoint") {
            inboundOnly = reader.boolean(node, key: "private_dns_only_for_inbound_resolver_endpoint") ?? inboundOnly
        }
        var interfaces: [EndpointInterfaceDefinition] = []
        if let node = fields.optional("interfaces") {
            interfaces = reader.list(node, key: "interfaces", of: "mappings")?.compactMap { interface($0, reader: reader) } ?? []
        }

        if typeRead {
            switch type {
            case .interface:
                if fields.optional("dns_suffix") == nil {
                    missing("dns_suffix", in: fields, reader: reader, because: "required for interface endpoints")
                    suffixFine = false
                }
            case .gateway:
                for key in ["dns_suffix", "interfaces"] where fields.optional(key) != nil {
                    reader.fail(fields.origin.location(of: key),
                                "\(key): not allowed on a gateway endpoint (gateway endpoints have no network interfaces or DNS names)")
                }
                if privateDns {
                    reader.fail(fields.origin.location(of: "private_dns"), "private_dns: gateway endpoints have no private DNS")
                }
            case .gatewayLoadBalancer:
                break
            }
        }
        guard let id, let service, suffixFine else { return nil }
        return EndpointDefinition(id: id, service: service, type: type, dnsSuffix: suffix, privateDns: privateDns,
                                  ipType: ipType, state: state, privateDnsOnlyForInboundResolverEndpoint: inboundOnly,
                                  interfaces: interfaces, origin: fields.origin)
    }

    static func interface(_ node: Node, reader: NodeReader) -> EndpointInterfaceDefinition? {
        guard let fields = reader.mapping(node, what: "interface", key: "interfaces", allowed: ["az", "ipv4", "ipv6"]) else { return nil }
        let az = fields.required("az").flatMap { reader.string($0, key: "az", format: Formats.availabilityZone) }
        var ipv4: IPv4Address?, ipv6: IPv6Address?
        var addressesFine = true
        if let node = fields.optional("ipv4") {
            ipv4 = reader.string(node, key: "ipv4").flatMap { text in
                if let address = IPv4Address(text) { return address }
                reader.fail(node, "ipv4: '\(text)' is not an IPv4 address")
                return nil
            }
            addressesFine = ipv4 != nil
        }
        if let node = fields.optional("ipv6") {
            ipv6 = reader.string(node, key: "ipv6").flatMap { text in
                if let address = IPv6Address(text) { return address }
                reader.fail(node, "ipv6: '\(text)' is not an IPv6 address")
                return nil
            }
            addressesFine = addressesFine && ipv6 != nil
        }
        if fields.optional("ipv4") == nil && fields.optional("ipv6") == nil {
            reader.fail(fields.location, "interface needs an address: give ipv4, ipv6 or both")
        }
        guard let az, addressesFine, ipv4 != nil || ipv6 != nil else { return nil }
        return EndpointInterfaceDefinition(az: az, ipv4: ipv4, ipv6: ipv6, origin: fields.origin)
    }

    static func rule(_ node: Node, reader: NodeReader) -> ResolverRuleDefinition? {
        guard let fields = reader.mapping(node, what: "rule", key: "rules", allowed: ["domain", "type", "targets"]) else { return nil }
        let domain = fields.required("domain").flatMap { node in
            reader.string(node, key: "domain") { Formats.domainName($0, allowRoot: true) }
        }
        let type = fields.required("type").flatMap {
            reader.word($0, key: "type", as: ResolverRuleDefinition.RuleType.self, what: "rule type")
        }
        var targets: [SocketAddress]?
        if let node = fields.optional("targets") {
            targets = reader.socketAddresses(node, key: "targets", allowPortZero: false)
        }
        switch type {
        case .forward?:
            if fields.optional("targets") == nil {
                missing("targets", in: fields, reader: reader, because: "a forward rule needs at least one target")
                targets = nil
            } else if targets?.isEmpty == true {
                reader.fail(fields.origin.location(of: "targets"), "targets: a forward rule needs at least one target")
                targets = nil
            }
        case .system?:
            if fields.optional("targets") != nil {
                reader.fail(fields.origin.location(of: "targets"), "targets: not allowed on a system rule (system rules resolve locally)")
                targets = nil
            } else {
                targets = []
            }
        case nil:
            break
        }
        guard let domain, let type, let targets else { return nil }
        return ResolverRuleDefinition(domain: domain, type: type, targets: targets, origin: fields.origin)
    }

    // MARK: Helpers

    /// A `zones:` list: zone file paths resolved against the config's folder.
    static func zoneFiles(_ node: Node, reader: NodeReader, baseDirectory: String) -> [ZoneFileReference] {
        guard let items = reader.list(node, key: "zones", of: "strings") else { return [] }
        return items.compactMap { item in
            filePath(item, key: "zones", reader: reader).map {
                ZoneFileReference(path: $0, resolvedPath: Paths.resolve($0, against: baseDirectory),
                                  origin: ConfigOrigin(location: reader.location(of: item)))
            }
        }
    }

    /// Reports a key that this item needs because of another key's value: absent, or null.
    static func missing(_ key: String, in fields: Fields, reader: NodeReader, because reason: String) {
        if fields.has(key) {
            reader.fail(fields.origin.location(of: key), "\(key): a value is required (\(reason))")
        } else {
            reader.fail(fields.location, "\(fields.what) is missing required key '\(key)' (\(reason))")
        }
    }

    /// A list of domain names checked by `check`.
    static func domainNames(_ node: Node, key: String, reader: NodeReader, check: (String) -> String?) -> [String]? {
        guard let items = reader.list(node, key: key, of: "strings") else { return nil }
        var names: [String] = []
        var failed = false
        for item in items {
            if let name = reader.string(item, key: key, format: check) { names.append(name) } else { failed = true }
        }
        return failed ? nil : names
    }

    /// A file path as written: not empty, no leading or trailing white space (nothing is trimmed
    /// silently), no NUL.
    static func filePath(_ node: Node, key: String, reader: NodeReader) -> String? {
        guard let path = reader.string(node, key: key) else { return nil }
        if path.isEmpty {
            reader.fail(node, "\(key): a path must not be empty")
            return nil
        }
        if path.first!.isWhitespace || path.last!.isWhitespace {
            reader.fail(node, "\(key): '\(path)' starts or ends with white space; remove it (nothing is trimmed)")
            return nil
        }
        if path.contains("\0") {
            reader.fail(node, "\(key): a path must not contain NUL")
            return nil
        }
        return path
    }
}
