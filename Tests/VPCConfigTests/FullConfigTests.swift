import IPAddress
import Testing
@testable import VPCConfig

/// Every key, each set to something other than its default, so a key that is read into the wrong
/// field, or not read at all, shows.
private let fullYAML = """
listen: ["127.0.0.1:5353", "[::1]:5353", "10.0.0.1", "127.0.0.1:0"]
upstreams: ["resolv.conf", "192.0.2.53:5300", "2001:db8::53", "[2001:db8::54]:53"]
allow: ["10.0.0.0/8", "fd00::/8"]
upstream_timeout_ms: 1500
upstream_tries: 3
cache: { max_entries: 5000, min_ttl: 5, max_ttl: 600, max_negative_ttl: 30 }
negative_soa_ttl: 120
tcp: { idle_timeout_ms: 3000, max_connections: 64, max_connections_per_client: 8, max_queries_in_flight_per_client: 40 }
rate_limit: { packets_per_second: 1024 }
query_log: { path: logs/query.log, account_id: "111122223333" }
services:
  - name: com.amazonaws.ap-northeast-1.example
    private_dns_names: ["example.ap-northeast-1.amazonaws.com", "*.example.ap-northeast-1.amazonaws.com"]
    base_endpoint_dns_name: "example.ap-northeast-1.vpce.amazonaws.com"
  - name: com.amazonaws.ap-northeast-1.iot.data
    private_dns_names: []
vpcs:
  - id: vpc-0a1b2c3d4e5f60718
    region: ap-northeast-1
    cidrs: ["10.10.0.0/16", "fd00:10:10::/56"]
    listen: ["10.10.0.2:53", "169.254.169.253"]
    enable_dns_support: false
    enable_dns_hostnames: true
    endpoints:
      - id: vpce-0123456789abcdef0
        service: com.amazonaws.ap-northeast-1.s3
        type: Interface
        dns_suffix: abcdefgh
        private_dns: true
        ip_type: Service-Defined
        state: PendingAcceptance
        private_dns_only_for_inbound_resolver_endpoint: true
        interfaces:
          - { az: ap-northeast-1a, ipv4: 10.10.1.10, ipv6: "fd00:10:10:1::10" }
          - { az: ap-northeast-1c, ipv6: "fd00:10:10:2::10" }
          - { az: us-west-2-lax-1a, ipv4: 10.10.3.10 }
      - id: vpce-0fedcba9
        service: com.amazonaws.ap-northeast-1.s3
        type: gateway
      - id: vpce-0aaaabbbbccccdddd
        service: com.amazonaws.vpce.ap-northeast-1.vpce-svc-0123456789abcdef0
        type: GatewayLoadBalancer
        interfaces: [{ az: ap-northeast-1d, ipv4: 10.10.4.10 }]
    zones: [zones/corp.example.internal.zone, /var/lib/vpcdns/other.zone]
    rules:
      - { domain: corp.example.com, type: forward, targets: ["192.0.2.10:53", "192.0.2.11", "[2001:db8::10]:5353"] }
      - { domain: acme.corp.example.com., type: SYSTEM }
      - { domain: ., type: forward, targets: ["192.0.2.1"] }
  - id: vpc-1234abcd
    region: us-gov-west-1
    cidrs: ["172.31.0.0/16"]
"""

private func address(_ text: String) -> SocketAddress { SocketAddress(text, defaultPort: 53)! }

@Test func fullConfigReadsEveryKey() throws {
    let config = try parse(fullYAML, base: "/etc/vpcdns")

    #expect(config.listen == ["127.0.0.1:5353", "[::1]:5353", "10.0.0.1:53", "127.0.0.1:0"].map(address))
    #expect(config.upstreams == [.resolvConf, .address(address("192.0.2.53:5300")), .address(address("[2001:db8::53]:53")),
                                 .address(address("[2001:db8::54]:53"))])
    #expect(config.upstreams.map(\.description) == ["resolv.conf", "192.0.2.53:5300", "[2001:db8::53]:53", "[2001:db8::54]:53"])
    #expect(config.allow == [CIDR("10.0.0.0/8")!, CIDR("fd00::/8")!])
    #expect(config.upstreamTimeoutMs == 1500)
    #expect(config.upstreamTries == 3)
    #expect(config.cache.maxEntries == 5000)
    #expect(config.cache.minTTL == 5)
    #expect(config.cache.maxTTL == 600)
    #expect(config.cache.maxNegativeTTL == 30)
    #expect(config.negativeSoaTTL == 120)
    #expect(config.tcp.idleTimeoutMs == 3000)
    #expect(config.tcp.maxConnections == 64)
    #expect(config.tcp.maxConnectionsPerClient == 8)
    #expect(config.tcp.maxQueriesInFlightPerClient == 40)
    #expect(config.rateLimit.packetsPerSecond == 1024)

    let log = try #require(config.queryLog)
    #expect(log.path == "logs/query.log")
    #expect(log.destination == .file("/etc/vpcdns/logs/query.log"))
    #expect(log.accountId == "111122223333")

    #expect(config.services.count == 2)
    #expect(config.services[0].name == "com.amazonaws.ap-northeast-1.example")
    #expect(config.services[0].privateDnsNames == ["example.ap-northeast-1.amazonaws.com", "*.example.ap-northeast-1.amazonaws.com"])
    #expect(config.services[0].baseEndpointDnsName == "example.ap-northeast-1.vpce.amazonaws.com")
    #expect(config.services[1].privateDnsNames == [])
    #expect(config.services[1].baseEndpointDnsName == nil)

    #expect(config.vpcs.count == 2)
    let vpc = config.vpcs[0]
    #expect(vpc.id == "vpc-0a1b2c3d4e5f60718")
    #expect(vpc.region == "ap-northeast-1")
    #expect(vpc.cidrs == [CIDR("10.10.0.0/16")!, CIDR("fd00:10:10::/56")!])
    #expect(vpc.listen == [address("10.10.0.2:53"), address("169.254.169.253:53")])
    #expect(vpc.enableDnsSupport == false)
    #expect(vpc.enableDnsHostnames == true)

    #expect(vpc.endpoints.count == 3)
    let s3 = vpc.endpoints[0]
    #expect(s3.id == "vpce-0123456789abcdef0")
    #expect(s3.service == "com.amazonaws.ap-northeast-1.s3")
    #expect(s3.type == .interface)
    #expect(s3.dnsSuffix == "abcdefgh")
    #expect(s3.privateDns == true)
    #expect(s3.ipType == .serviceDefined)
    #expect(s3.state == .pendingAcceptance)
    #expect(s3.privateDnsOnlyForInboundResolverEndpoint == true)
    #expect(s3.interfaces == [
        EndpointInterfaceDefinition(az: "ap-northeast-1a", ipv4: IPv4Address("10.10.1.10"), ipv6: IPv6Address("fd00:10:10:1::10")),
        EndpointInterfaceDefinition(az: "ap-northeast-1c", ipv6: IPv6Address("fd00:10:10:2::10")),
        EndpointInterfaceDefinition(az: "us-west-2-lax-1a", ipv4: IPv4Address("10.10.3.10")),
    ])
    let gateway = vpc.endpoints[1]
    #expect(gateway.type == .gateway)
    #expect(gateway.id == "vpce-0fedcba9")
    #expect(gateway.dnsSuffix == nil)
    #expect(gateway.interfaces.isEmpty)
    let gwlb = vpc.endpoints[2]
    #expect(gwlb.type == .gatewayLoadBalancer)
    #expect(gwlb.service == "com.amazonaws.vpce.ap-northeast-1.vpce-svc-0123456789abcdef0")
    #expect(gwlb.dnsSuffix == nil)
    #expect(gwlb.interfaces.map(\.az) == ["ap-northeast-1d"])

    #expect(vpc.zones.map(\.path) == ["zones/corp.example.internal.zone", "/var/lib/vpcdns/other.zone"])
    #expect(vpc.zones.map(\.resolvedPath) == ["/etc/vpcdns/zones/corp.example.internal.zone", "/var/lib/vpcdns/other.zone"])

    #expect(vpc.rules == [
        ResolverRuleDefinition(domain: "corp.example.com", type: .forward,
                               targets: [address("192.0.2.10:53"), address("192.0.2.11:53"), address("[2001:db8::10]:5353")]),
        ResolverRuleDefinition(domain: "acme.corp.example.com.", type: .system),
        ResolverRuleDefinition(domain: ".", type: .forward, targets: [address("192.0.2.1:53")]),
    ])

    let second = config.vpcs[1]
    #expect(second.id == "vpc-1234abcd")
    #expect(second.region == "us-gov-west-1")
    #expect(second.enableDnsSupport == true)
    #expect(second.enableDnsHostnames == false)
}

@Test func fullConfigKeepsLocations() throws {
    let config = try parse(fullYAML, file: "full.yaml")
    func at(_ line: Int, _ column: Int) -> VPCConfig.SourceLocation {
        VPCConfig.SourceLocation(file: "full.yaml", line: line, column: column)
    }
    #expect(config.location == at(1, 1))
    #expect(config.location(of: "upstream_tries") == at(5, 17))
    #expect(config.location(of: "query_log") == at(10, 12))
    #expect(config.cache.location == at(6, 8))
    #expect(config.cache.location(of: "max_ttl") == at(6, 50))
    #expect(config.tcp.location == at(8, 6))
    #expect(config.rateLimit.location == at(9, 13))
    #expect(config.queryLog?.location == at(10, 12))
    #expect(config.services[1].location == at(15, 5))
    let vpc = config.vpcs[0]
    #expect(vpc.location == at(18, 5))
    #expect(vpc.location(of: "cidrs") == at(20, 12))
    #expect(vpc.location(of: "enable_dns_hostnames") == at(23, 27))
    #expect(vpc.endpoints[0].location == at(25, 9))
    #expect(vpc.endpoints[0].location(of: "private_dns") == at(29, 22))
    #expect(vpc.endpoints[1].location == at(37, 9))
    #expect(vpc.endpoints[0].interfaces[1].location == at(35, 13))
    #expect(vpc.endpoints[0].interfaces[1].location(of: "ipv6") == at(35, 42))
    #expect(vpc.zones[1].location == at(44, 47))
    #expect(vpc.rules[2].location == at(48, 9))
    #expect(vpc.rules[2].location(of: "targets") == at(48, 46))
    #expect(config.vpcs[1].location == at(49, 5))
    // A key that was not written falls back to its item's location.
    #expect(vpc.endpoints[1].location(of: "dns_suffix") == at(37, 9))
}

@Test func minimalConfigGetsDocumentedDefaults() throws {
    let config = try parse("""
    vpcs:
    \(minimalVPC)
        endpoints:
          - id: vpce-0123456789abcdef0
            service: com.amazonaws.ap-northeast-1.ssm
            dns_suffix: abcdefgh
            interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.10 }]
    """)
    #expect(config.listen == [address("127.0.0.1:5353")])
    #expect(config.upstreams == [.resolvConf])
    #expect(config.allow == [CIDR("127.0.0.0/8")!, CIDR("::1/128")!])
    #expect(config.upstreamTimeoutMs == 2000)
    #expect(config.upstreamTries == 2)
    #expect(config.cache == CacheSettings(maxEntries: 100_000, minTTL: 0, maxTTL: 86_400, maxNegativeTTL: 3600))
    #expect(config.cache.maxMemoryMiB == 32 && config.cache.serveStale && config.cache.staleAnswerTTL == 30
            && config.cache.maxStaleAge == 86_400)
    #expect(config.negativeSoaTTL == 60)
    #expect(config.tcp == TCPSettings(idleTimeoutMs: 10_000, maxConnections: 256, maxConnectionsPerClient: 64,
                                      maxQueriesInFlightPerClient: 256))
    #expect(config.rateLimit.packetsPerSecond == 0)
    #expect(config.queryLog == nil)
    #expect(config.services.isEmpty)
    let vpc = try #require(config.vpcs.first)
    #expect(vpc.listen.isEmpty)
    #expect(vpc.enableDnsSupport == true)
    #expect(vpc.enableDnsHostnames == false)
    #expect(vpc.zones.isEmpty)
    #expect(vpc.rules.isEmpty)
    let endpoint = try #require(vpc.endpoints.first)
    #expect(endpoint.type == .interface)
    #expect(endpoint.privateDns == false)
    #expect(endpoint.ipType == .ipv4)
    #expect(endpoint.state == .available)
    #expect(endpoint.privateDnsOnlyForInboundResolverEndpoint == false)
    // Defaults in the type's initializer match the loader's.
    #expect(config == VPCDNSConfig(vpcs: [VPCDefinition(
        id: "vpc-0a1b2c3d4e5f60718", region: "ap-northeast-1", cidrs: [CIDR("10.10.0.0/16")!],
        endpoints: [EndpointDefinition(id: "vpce-0123456789abcdef0", service: "com.amazonaws.ap-northeast-1.ssm",
                                       dnsSuffix: "abcdefgh",
                                       interfaces: [EndpointInterfaceDefinition(az: "ap-northeast-1a", ipv4: IPv4Address(10, 10, 1, 10))])])]))
}

@Test func emptySettingsMeanDefaults() throws {
    // `key:` with nothing, and lists whose items are all commented out, mean the default.
    let config = try parse("""
    listen:
    upstreams:
    query_log:
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: ap-northeast-1
        cidrs: ["10.10.0.0/16"]
        endpoints:
        #  - id: vpce-0123456789abcdef0
        rules:
    """)
    #expect(config.listen == VPCDNSConfig.defaultListen)
    #expect(config.upstreams == [.resolvConf])
    #expect(config.queryLog == nil)
    #expect(config.vpcs[0].endpoints.isEmpty)
    #expect(config.vpcs[0].rules.isEmpty)
}

@Test func emptyListsAreKept() throws {
    let config = try parse("listen: []\nupstreams: []\nallow: []\n")
    #expect(config.listen.isEmpty)
    #expect(config.upstreams.isEmpty)
    #expect(config.allow.isEmpty)
}

@Test func queryLogToStandardError() throws {
    let config = try parse("query_log: { path: \"-\" }\n")
    #expect(config.queryLog?.destination == .standardError)
    #expect(config.queryLog?.accountId == "000000000000")
}

@Test(arguments: [
    ("PendingAcceptance", EndpointDefinition.State.pendingAcceptance), ("pending", .pending), ("Available", .available),
    ("REJECTED", .rejected), ("expired", .expired), ("Failed", .failed), ("deleting", .deleting), ("Deleted", .deleted),
])
func endpointStatesAreCaseInsensitive(_ written: String, _ state: EndpointDefinition.State) throws {
    let config = try parse("""
    vpcs:
    \(minimalVPC)
        endpoints:
          - { id: vpce-0123456789abcdef0, service: com.amazonaws.ap-northeast-1.ssm, dns_suffix: abcdefgh, state: \(written),
              interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.10 }] }
    """)
    #expect(config.vpcs[0].endpoints[0].state == state)
    #expect(state.rawValue == written.lowercased())
}

@Test func numbersWrittenAsPlainScalarsAreTextWhereTextBelongs() throws {
    // A suffix of digits and an unquoted account id are read as written, not as numbers.
    let config = try parse("""
    query_log: { path: "-", account_id: 012345678901 }
    vpcs:
    \(minimalVPC)
        endpoints:
          - { id: vpce-0123456789abcdef0, service: com.amazonaws.ap-northeast-1.ssm, dns_suffix: 12345678,
              interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.10 }] }
    """)
    #expect(config.queryLog?.accountId == "012345678901")
    #expect(config.vpcs[0].endpoints[0].dnsSuffix == "12345678")
}

@Test func equalityIgnoresWhereThingsWereWritten() throws {
    let a = try parse("upstream_tries: 3\nlisten: [\"127.0.0.1:53\"]\n", file: "a.yaml")
    let b = try parse("# moved down\n\nlisten:\n  - 127.0.0.1\nupstream_tries: 3\n", file: "b.yaml")
    #expect(a.location(of: "upstream_tries") != b.location(of: "upstream_tries"))
    #expect(a == b)
    #expect(a.hashValue == b.hashValue)
    let c = try parse("upstream_tries: 4\nlisten: [\"127.0.0.1:53\"]\n", file: "a.yaml")
    #expect(a != c)
}
