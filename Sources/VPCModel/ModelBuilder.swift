import DNSWire
import DNSZone
import IPAddress
import VPCConfig

/// Turns a config into views, endpoint names and upstream sets, collecting every AWS
/// validation error with the config line it belongs to.
struct ModelBuilder {
    let config: VPCDNSConfig
    let catalog: ServiceCatalog
    let loadZone: (ZoneFileReference) throws(ConfigErrors) -> Zone
    private(set) var errors: [ConfigError] = []
    private(set) var upstreamSets: [[Upstream]] = []
    private(set) var endpointNames = EndpointNameTable()
    /// The config's DNS Firewall lists and rule groups, compiled once for every view.
    let firewalls: FirewallCompiler
    /// What each Profile holds, by the id of each VPC associated with it.
    var profiles: [String: ProfileContents] = [:]

    init(config: VPCDNSConfig, loadZone: @escaping (ZoneFileReference) throws(ConfigErrors) -> Zone) {
        self.config = config
        self.loadZone = loadZone
        firewalls = FirewallCompiler(config.firewall)
        errors = firewalls.errors
        catalog = ServiceCatalog(overrides: Dictionary(config.services.map {
            ($0.name, ServiceCatalog.Entry(privateDNSNames: $0.privateDnsNames, baseEndpointDNSName: $0.baseEndpointDnsName))
        }, uniquingKeysWith: { _, last in last }))
        upstreamSets = [config.upstreams]
    }

    mutating func fail(_ location: SourceLocation, _ message: String) {
        errors.append(ConfigError(location: location, message: message))
    }

    /// Builds every VPC's view, checking ids for duplicates across the whole config.
    mutating func buildViews() -> [View] {
        buildProfiles()
        checkInboundEndpoints()
        var seenVPCs: [String: SourceLocation] = [:]
        var seenEndpoints: [String: SourceLocation] = [:]
        var seenInstances: [String: SourceLocation] = [:]
        var views: [View] = []
        for vpc in config.vpcs {
            if let first = seenVPCs[vpc.id] {
                fail(vpc.location(of: "id"), "duplicate VPC id \(vpc.id) (first defined at \(first))")
            }
            seenVPCs[vpc.id] = vpc.location(of: "id")
            for endpoint in vpc.endpoints {
                if let first = seenEndpoints[endpoint.id] {
                    fail(endpoint.location(of: "id"), "duplicate endpoint id \(endpoint.id) (first defined at \(first))")
                }
                seenEndpoints[endpoint.id] = endpoint.location(of: "id")
            }
            for instance in vpc.instances {
                if let first = seenInstances[instance.id] {
                    fail(instance.location(of: "id"), "duplicate instance id \(instance.id) (first defined at \(first))")
                }
                seenInstances[instance.id] = instance.location(of: "id")
            }
            let (view, inboundOnlyZones) = buildView(vpc)
            views.append(view)
            inboundViews += buildInboundViews(of: view, adding: inboundOnlyZones)
        }
        return views
    }

    /// Views of queries arriving through each VPC's inbound endpoints, built by `buildViews`.
    private(set) var inboundViews: [View] = []

    /// A VPC's own view, and the hidden zones only queries through its inbound endpoints see.
    private mutating func buildView(_ vpc: VPCDefinition) -> (View, [ServedZone]) {
        var inboundOnlyZones: [ServedZone] = []
        var authorities: [DNSName: Authority] = [:]
        let privateZonesServed = vpc.enableDnsSupport && vpc.enableDnsHostnames
        var managedApexes: [DNSName: String] = [:]
        var claimedNames: [DNSName: String] = [:]
        for endpoint in vpc.endpoints {
            guard let service = checkEndpoint(endpoint, in: vpc) else { continue }
            addEndpointNames(endpoint, service: service, vpc: vpc)
            guard endpoint.type == .interface, endpoint.privateDns else { continue }
            if !privateZonesServed {
                fail(endpoint.location(of: "private_dns"), AWSErrors.privateDNSNeedsAttributes(vpc: vpc.id))
                continue
            }
            let names = privateNames(for: service, endpoint: endpoint)
            if names.isEmpty {
                fail(endpoint.location(of: "private_dns"), AWSErrors.noPrivateName(service: service.fullName))
                continue
            }
            if let conflict = names.first(where: { claimedNames[$0] != nil }) {
                fail(endpoint.location(of: "private_dns"), AWSErrors.conflictingPrivateName(String(conflict.description.dropLast()), vpc: vpc.id))
                continue
            }
            for name in names { claimedNames[name] = endpoint.id }
            // Endpoints that do not serve DNS yet add no zone. S3 private DNS meant only for
            // inbound Resolver endpoints is seen through them only: in-VPC clients get S3's
            // public answer (rule 5.6).
            guard endpoint.state == .available else { continue }
            for served in managedZones(of: endpoint, names: names) {
                if endpoint.privateDnsOnlyForInboundResolverEndpoint {
                    inboundOnlyZones.append(served)
                } else {
                    authorities[served.zone.origin, default: Authority()].zone = served
                    managedApexes[served.zone.origin] = endpoint.id
                }
            }
        }
        for reference in vpc.zones {
            let zone: Zone
            do throws(ConfigErrors) {
                zone = try loadZone(reference)
            } catch {
                errors += error.errors
                continue
            }
            if let holder = managedApexes[zone.origin] {
                fail(reference.location, AWSErrors.conflictingZone(vpc: vpc.id, region: vpc.region, holder: "of \(holder)"))
                continue
            }
            if let existing = authorities[zone.origin]?.zone {
                fail(reference.location, AWSErrors.conflictingZone(vpc: vpc.id, region: vpc.region, holder: "\(zone.origin) at \(existing.location)"))
                continue
            }
            guard privateZonesServed else { continue }
            authorities[zone.origin, default: Authority()].zone = ServedZone(
                zone: zone, source: .privateZone(apex: zone.origin, file: reference.path),
                location: reference.location, rotatesAnswers: false)
        }
        for rule in vpc.rules {
            let domain: DNSName
            do {
                domain = try DNSName(rule.domain)
            } catch {
                fail(rule.location(of: "domain"), "bad rule domain '\(rule.domain)': \(error)")
                continue
            }
            if authorities[domain]?.rule != nil {
                fail(rule.location(of: "domain"), "ResourceExistsException: a rule for \(domain) is already associated with \(vpc.id)")
                continue
            }
            let kind: ResolverRule.Kind
            switch rule.type {
            case .system: kind = .system
            case .forward: kind = .forward(upstream: upstreamSet(for: rule.targets.map(Upstream.address)))
            }
            authorities[domain, default: Authority()].rule = ResolverRule(domain: domain, kind: kind, location: rule.location)
        }
        if let profile = profiles[vpc.id] {
            addProfile(profile, to: &authorities, privateZonesServed: privateZonesServed)
        }
        for zone in AutodefinedZones.zones(for: vpc) {
            authorities[zone.apex, default: Authority()].autodefined = zone
        }
        let view = View(name: vpc.id, vpc: vpc, dnsSupport: vpc.enableDnsSupport, authorities: authorities,
                        instanceNames: instanceNames(for: vpc), firewall: firewall(of: vpc))
        return (view, privateZonesServed ? inboundOnlyZones : [])
    }

    /// The hidden zones of an endpoint's private DNS names, one per apex.
    mutating func managedZones(of endpoint: EndpointDefinition, names: [DNSName]) -> [ServedZone] {
        var zones: [ServedZone] = []
        for (apex, apexNames) in ManagedZones.namesByApex(names) {
            do throws(ZoneErrors) {
                let zone = try ZoneAdapter.managedZone(origin: apex, soa: ManagedZones.soa(apex: apex),
                                                       records: ManagedZones.records(apex: apex, names: apexNames, endpoint: endpoint))
                zones.append(ServedZone(zone: zone, source: .managedZone(apex: apex, endpointID: endpoint.id),
                                        location: endpoint.location, rotatesAnswers: true))
            } catch {
                fail(endpoint.location, "cannot build the private DNS zone \(apex): \(error)")
            }
        }
        return zones
    }

    /// The model's rule for a rule definition whose domain is already parsed.
    mutating func resolverRule(_ rule: ResolverRuleDefinition, domain: DNSName) -> ResolverRule {
        let kind: ResolverRule.Kind
        switch rule.type {
        case .system: kind = .system
        case .forward: kind = .forward(upstream: upstreamSet(for: rule.targets.map(Upstream.address)))
        }
        return ResolverRule(domain: domain, kind: kind, location: rule.location)
    }

    /// The index of an upstream set, shared by rules with the same targets.
    private mutating func upstreamSet(for upstreams: [Upstream]) -> UpstreamSetID {
        if let index = upstreamSets.firstIndex(of: upstreams) { return UpstreamSetID(index: index) }
        upstreamSets.append(upstreams)
        return UpstreamSetID(index: upstreamSets.count - 1)
    }

    /// Checks what AWS checks when an endpoint is created; nil when it cannot be used at all.
    private mutating func checkEndpoint(_ endpoint: EndpointDefinition, in vpc: VPCDefinition) -> ServiceName? {
        guard let service = ServiceName(endpoint.service) else {
            fail(endpoint.location(of: "service"), AWSErrors.unknownService(endpoint.service))
            return nil
        }
        if endpoint.type != .interface && endpoint.privateDns {
            fail(endpoint.location(of: "private_dns"), "InvalidParameter: private DNS applies only to interface endpoints, not \(endpoint.type.rawValue) endpoints")
        }
        if endpoint.privateDnsOnlyForInboundResolverEndpoint,
           !vpc.endpoints.contains(where: { $0.type == .gateway && $0.service == endpoint.service }) {
            fail(endpoint.location(of: "private_dns_only_for_inbound_resolver_endpoint"), AWSErrors.inboundOnlyNeedsGateway(vpc: vpc.id))
        }
        guard endpoint.type == .interface else { return service }
        var seenAZs: Set<String> = []
        for interface in endpoint.interfaces {
            if !seenAZs.insert(interface.az).inserted {
                fail(interface.location(of: "az"), "DuplicateSubnetsInSameZone: an endpoint has one subnet per Availability Zone; \(interface.az) is given twice")
            }
            if !interface.az.hasPrefix(vpc.region) {
                fail(interface.location(of: "az"), "InvalidParameter: Availability Zone \(interface.az) is not in the VPC's region \(vpc.region)")
            }
            for (key, address) in [("ipv4", interface.ipv4.map(IPAddress.v4)), ("ipv6", interface.ipv6.map(IPAddress.v6))] {
                guard let address else { continue }
                if !vpc.cidrs.contains(where: { $0.contains(address) }) {
                    fail(interface.location(of: key), "InvalidParameter: \(address) is not within the CIDR blocks of \(vpc.id) (\(vpc.cidrs.map(\.description).joined(separator: ", ")))")
                }
            }
            let needsV4 = endpoint.ipType != .ipv6, needsV6 = endpoint.ipType != .ipv4
            if needsV4 && interface.ipv4 == nil || needsV6 && interface.ipv6 == nil {
                fail(interface.location, "InvalidParameter: DnsRecordIpType \(endpoint.ipType.rawValue) needs \(needsV4 && needsV6 ? "IPv4 and IPv6 addresses" : needsV4 ? "an IPv4 address" : "an IPv6 address") on every interface")
            }
        }
        return service
    }

    func privateNames(for service: ServiceName, endpoint: EndpointDefinition) -> [DNSName] {
        catalog.entry(for: service).privateDNSNames.compactMap { try? DNSName($0) }
    }

    private mutating func addEndpointNames(_ endpoint: EndpointDefinition, service: ServiceName, vpc: VPCDefinition) {
        guard endpoint.type == .interface, endpoint.state == .available else { return }
        do {
            let base = try DNSName(catalog.baseEndpointDNSName(for: service))
            endpointNames.add(try EndpointRecords(endpoint: endpoint, service: service, base: base, vpcRegion: vpc.region),
                              endpointID: endpoint.id, region: service.region, vpceDomain: service.vpceDomain)
        } catch {
            fail(endpoint.location, "cannot build the endpoint names of \(endpoint.id): \(error)")
        }
    }
}
