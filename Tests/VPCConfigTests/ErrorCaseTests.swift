import Testing
@testable import VPCConfig

/// An interface endpoint mapping as the 6th+ lines of a document: `- id:` on line 6, column 7.
private func endpointDocument(_ extraLines: String = "", type: String? = nil) -> String {
    """
    vpcs:
    \(minimalVPC)
        endpoints:
          - id: vpce-0123456789abcdef0
            service: com.amazonaws.ap-northeast-1.ssm\(type.map { "\n        type: \($0)" } ?? "")
    \(extraLines)
    """
}

/// Each case: one mistake, the one error it must produce, where, and what the message says.
let singleErrorCases: [ErrorCase] = [
    // Keys.
    ErrorCase("typo key in an endpoint suggests the allowed key", 7, 9,
              "unknown key 'privat_dns' in endpoint; did you mean private_dns?", """
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: ap-northeast-1
        cidrs: ["10.10.0.0/16"]
        endpoints:
          - id: vpce-0123456789abcdef0
            privat_dns: true
            service: com.amazonaws.ap-northeast-1.ssm
            dns_suffix: abcdefgh
            interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.10 }]
    """),
    ErrorCase("typo top-level key suggests upstreams", 2, 1, "unknown key 'upstream' in top level; did you mean upstreams?", """
    listen: ["127.0.0.1:53"]
    upstream: ["192.0.2.1"]
    """),
    ErrorCase("unknown key lists the allowed ones", 1, 1,
              "unknown key 'colour' in top level (allowed: listen, upstreams, allow, upstream_timeout_ms", """
    colour: red
    """),
    ErrorCase("typo in an interface key", 7, 47, "unknown key 'ipv5' in interface; did you mean ipv4?", """
    vpcs:
    \(minimalVPC)
        endpoints:
          - { id: vpce-0123456789abcdef0, service: com.amazonaws.ap-northeast-1.ssm, dns_suffix: abcdefgh,
              interfaces: [{ az: ap-northeast-1a, ipv5: 10.10.1.10, ipv4: 10.10.1.10 }] }
    """),
    ErrorCase("duplicate key in a vpc names the first one", 4, 5, "duplicate key 'region' in vpc (first written at 3:5)", """
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: ap-northeast-1
        region: ap-northeast-3
        cidrs: ["10.10.0.0/16"]
    """),
    ErrorCase("duplicate quoted key in a flow mapping", 1, 23, "duplicate key 'max_ttl' in cache (first written at 1:10)", """
    cache: { max_ttl: 60, "max_ttl": 70 }
    """),
    ErrorCase("merge key", 3, 3, "YAML merge keys (<<) are not supported", """
    tcp: &t { max_connections: 10 }
    cache:
      <<: *t
    """),
    ErrorCase("non-string key", 1, 3, "keys in top level must be words, got a list", """
    ? [listen]
    : 1
    """),

    // Types.
    ErrorCase("a mapping where a list of strings belongs", 1, 9, "listen: expected a list of strings, got a mapping", """
    listen: { address: 127.0.0.1 }
    """),
    ErrorCase("a string where a list belongs (no silent one-element list)", 1, 12,
              "upstreams: expected a list of strings, got a string '192.0.2.1'", """
    upstreams: 192.0.2.1
    """),
    ErrorCase("a list inside a list of strings", 1, 23, "allow: expected a string, got a list", """
    allow: ["10.0.0.0/8", [1]]
    """),
    ErrorCase("an integer where a list of mappings belongs", 1, 7, "vpcs: expected a list of mappings, got an integer 3", """
    vpcs: 3
    """),
    ErrorCase("a list where a mapping belongs", 1, 8, "cache: expected a mapping (cache), got a list", """
    cache: [1]
    """),
    ErrorCase("a quoted number where an integer belongs", 1, 17, "upstream_tries: expected an integer, got a string '2'", """
    upstream_tries: "2"
    """),
    ErrorCase("a fraction where an integer belongs", 1, 19, "negative_soa_ttl: expected an integer, got a number 1.5", """
    negative_soa_ttl: 1.5
    """),
    ErrorCase("YAML 1.1 yes is not a boolean", 5, 25, "enable_dns_support: expected true or false, got a string 'yes'", """
    vpcs:
    \(minimalVPC)
        enable_dns_support: yes
    """),
    ErrorCase("a boolean where a string belongs", 3, 13, "region: expected a string, got a boolean 'true'", """
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: true
        cidrs: ["10.10.0.0/16"]
    """),
    ErrorCase("a null required value", 3, 12, "region: a value is required", """
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region:
        cidrs: ["10.10.0.0/16"]
    """),
    ErrorCase("a list item that is not a mapping", 2, 5, "vpcs: expected a mapping (vpc), got a string 'vpc-0a1b2c3d4e5f60718'", """
    vpcs:
      - vpc-0a1b2c3d4e5f60718
    """),

    // Numbers.
    ErrorCase("timeout below its range", 1, 22, "upstream_timeout_ms: 50 is out of range (100...60000)", """
    upstream_timeout_ms: 50
    """),
    ErrorCase("tries above its range", 1, 17, "upstream_tries: 11 is out of range (1...10)", """
    upstream_tries: 11
    """),
    ErrorCase("an integer too big for Int", 1, 35, "packets_per_second: 99999999999999999999999 is out of range", """
    rate_limit: { packets_per_second: 99999999999999999999999 }
    """),
    ErrorCase("tcp connections of zero", 3, 20, "max_connections: 0 is out of range (1...65535)", """
    tcp:
      idle_timeout_ms: 100
      max_connections: 0
    """),
    ErrorCase("tcp connections per client of zero", 2, 31, "max_connections_per_client: 0 is out of range (1...65535)", """
    tcp:
      max_connections_per_client: 0
    """),
    ErrorCase("tcp queries in flight per client above the range", 2, 37,
              "max_queries_in_flight_per_client: 70000 is out of range (1...65535)", """
    tcp:
      max_queries_in_flight_per_client: 70000
    """),
    ErrorCase("cache min_ttl above max_ttl", 3, 12, "cache: min_ttl (600) is greater than max_ttl (300)", """
    cache:
      min_ttl: 600
      max_ttl: 300
    """),
    ErrorCase("stale answer TTL of zero", 2, 21, "stale_answer_ttl: 0 is out of range (1...3600)", """
    cache:
      stale_answer_ttl: 0
    """),
    ErrorCase("cache memory of zero", 2, 19, "max_memory_mib: 0 is out of range (1...65536)", """
    cache:
      max_memory_mib: 0
    """),

    // Addresses.
    ErrorCase("listen port out of range", 1, 28, "listen: '127.0.0.1:99999' is not a valid address", """
    listen: ["127.0.0.1:5353", "127.0.0.1:99999"]
    """),
    ErrorCase("upstream that is neither an address nor resolv.conf", 1, 13, "upstreams: 'resolv' is not a valid upstream", """
    upstreams: [resolv]
    """),
    ErrorCase("upstream on port 0", 1, 13, "upstreams: '192.0.2.1:0' is not a valid upstream", """
    upstreams: ["192.0.2.1:0"]
    """),
    ErrorCase("allow entry with a bad prefix", 1, 9, "allow: '10.0.0.0/33' is not a valid CIDR block", """
    allow: [10.0.0.0/33]
    """),
    ErrorCase("allow entry with host bits set", 1, 20, "allow: '127.0.0.1/8' has host bits set; did you mean 127.0.0.0/8?", """
    allow: ["::1/128", "127.0.0.1/8"]
    """),
    ErrorCase("vpc cidr with host bits set", 4, 13, "cidrs: 'fd00:10:10::1/56' has host bits set; did you mean fd00:10:10::/56?", """
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: ap-northeast-1
        cidrs: [fd00:10:10::1/56]
    """),
    ErrorCase("vpc cidr that is not an address", 4, 13, "cidrs: '10.10.0/16' is not a valid CIDR block", """
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: ap-northeast-1
        cidrs: [10.10.0/16]
    """),
    ErrorCase("empty vpc cidrs", 4, 12, "cidrs: a VPC needs at least one CIDR block", """
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: ap-northeast-1
        cidrs: []
    """),
    ErrorCase("an IPv6 address in ipv4", 10, 42, "ipv4: 'fd00::10' is not an IPv4 address", endpointDocument("""
            dns_suffix: abcdefgh
            interfaces:
              - { az: ap-northeast-1a, ipv4: "fd00::10" }
    """)),
    ErrorCase("a bad ipv6", 10, 42, "ipv6: '10.10.1.10' is not an IPv6 address", endpointDocument("""
            dns_suffix: abcdefgh
            interfaces:
              - { az: ap-northeast-1a, ipv6: 10.10.1.10 }
    """)),
    ErrorCase("an interface with no address", 10, 13, "interface needs an address: give ipv4, ipv6 or both", endpointDocument("""
            dns_suffix: abcdefgh
            interfaces:
              - { az: ap-northeast-1a }
    """)),
    ErrorCase("rule target that is not an address", 8, 36, "targets: 'dns.example.com' is not a valid address", """
    vpcs:
    \(minimalVPC)
        rules:
          - domain: corp.example.com
            type: forward
            targets: ["192.0.2.10:53", dns.example.com]
    """),

    // AWS identifiers and names.
    ErrorCase("region without its last dash", 3, 13,
              "region: 'ap-northeast1' is not a valid region name (expected a form like ap-northeast-1", """
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: ap-northeast1
        cidrs: ["10.10.0.0/16"]
    """),
    ErrorCase("short vpc id", 2, 9, "id: 'vpc-123' is not a valid VPC id", """
    vpcs:
      - id: vpc-123
        region: ap-northeast-1
        cidrs: ["10.10.0.0/16"]
    """),
    ErrorCase("upper-case endpoint id", 6, 13, "id: 'vpce-0123456789ABCDEF0' is not a valid VPC endpoint id", """
    vpcs:
    \(minimalVPC)
        endpoints:
          - id: vpce-0123456789ABCDEF0
            service: com.amazonaws.ap-northeast-1.ssm
            dns_suffix: abcdefgh
            interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.10 }]
    """),
    ErrorCase("dns suffix of 7 characters", 8, 21, "dns_suffix: 'abcdefg' is not a valid endpoint DNS suffix", endpointDocument("""
            dns_suffix: abcdefg
            interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.10 }]
    """)),
    ErrorCase("an az of another shape", 9, 28, "az: 'apne1-az1' is not a valid availability zone name", endpointDocument("""
            dns_suffix: abcdefgh
            interfaces: [{ az: apne1-az1, ipv4: 10.10.1.10 }]
    """)),
    ErrorCase("upper-case service name", 7, 18, "service: 'com.amazonaws.ap-northeast-1.SSM' is not a valid endpoint service name", """
    vpcs:
    \(minimalVPC)
        endpoints:
          - id: vpce-0123456789abcdef0
            service: com.amazonaws.ap-northeast-1.SSM
            dns_suffix: abcdefgh
            interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.10 }]
    """),
    ErrorCase("service name with a leading space is not trimmed", 7, 18,
              "service: ' com.amazonaws.ap-northeast-1.ssm' is not a valid endpoint service name", """
    vpcs:
    \(minimalVPC)
        endpoints:
          - id: vpce-0123456789abcdef0
            service: " com.amazonaws.ap-northeast-1.ssm"
            dns_suffix: abcdefgh
            interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.10 }]
    """),
    ErrorCase("wildcard not at the start of a private DNS name", 3, 25,
              "private_dns_names: 'a.*.example.com' is not a valid domain name", """
    services:
      - name: com.amazonaws.ap-northeast-1.example
        private_dns_names: ["a.*.example.com"]
    """),
    ErrorCase("rule domain with a space", 6, 17, "domain: 'corp example.com' is not a valid domain name", """
    vpcs:
    \(minimalVPC)
        rules:
          - domain: corp example.com
            type: system
    """),
    ErrorCase("account id of 11 digits", 3, 15, "account_id: '11112222333' is not a valid AWS account id (expected 12 digits)", """
    query_log:
      path: "-"
      account_id: 11112222333
    """),

    // Words.
    ErrorCase("unknown endpoint type lists the choices", 8, 15,
              "type: 'tunnel' is not a valid endpoint type (expected interface, gateway or gatewayloadbalancer)",
              endpointDocument("""
            dns_suffix: abcdefgh
            interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.10 }]
    """, type: "tunnel")),
    ErrorCase("unknown endpoint state", 8, 16, "state: 'active' is not a valid endpoint state (expected pendingacceptance, pending", endpointDocument("""
            state: active
            dns_suffix: abcdefgh
            interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.10 }]
    """)),
    ErrorCase("unknown ip type", 8, 18, "ip_type: 'ipv5' is not a valid DNS record IP type (expected ipv4, ipv6, dualstack or service-defined)",
              endpointDocument("""
            ip_type: ipv5
            dns_suffix: abcdefgh
            interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.10 }]
    """)),
    ErrorCase("unknown rule type", 6, 43, "type: 'recursive' is not a valid rule type (expected forward or system)", """
    vpcs:
    \(minimalVPC)
        rules:
          - { domain: corp.example.com, type: recursive }
    """),

    // Keys that depend on other keys.
    ErrorCase("interface endpoint without dns_suffix", 6, 9, "endpoint is missing required key 'dns_suffix'", endpointDocument("""
            interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.10 }]
    """)),
    ErrorCase("gateway endpoint with a dns suffix", 9, 21, "dns_suffix: not allowed on a gateway endpoint", endpointDocument("""
            dns_suffix: abcdefgh
    """, type: "gateway")),
    ErrorCase("gateway endpoint with private dns", 9, 22, "private_dns: gateway endpoints have no private DNS", endpointDocument("""
            private_dns: true
    """, type: "Gateway")),
    ErrorCase("forward rule without targets", 6, 9, "rule is missing required key 'targets' (a forward rule needs at least one target)", """
    vpcs:
    \(minimalVPC)
        rules:
          - domain: corp.example.com
            type: forward
    """),
    ErrorCase("forward rule with empty targets", 6, 61, "targets: a forward rule needs at least one target", """
    vpcs:
    \(minimalVPC)
        rules:
          - { domain: corp.example.com, type: FORWARD, targets: [] }
    """),
    ErrorCase("system rule with targets", 6, 60, "targets: not allowed on a system rule", """
    vpcs:
    \(minimalVPC)
        rules:
          - { domain: corp.example.com, type: system, targets: ["192.0.2.10"] }
    """),
    ErrorCase("missing required vpc key is reported at the vpc", 2, 5, "vpc is missing required key 'region'", """
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        cidrs: ["10.10.0.0/16"]
    """),
    ErrorCase("service without private_dns_names", 2, 5, "service is missing required key 'private_dns_names'", """
    services:
      - name: com.amazonaws.ap-northeast-1.example
    """),
    ErrorCase("query_log without path (flow mapping starts at its brace)", 1, 12, "query_log is missing required key 'path'", """
    query_log: { account_id: "111122223333" }
    """),
    ErrorCase("zone path with a trailing space is not trimmed", 5, 13, "zones: 'zones/a.zone ' starts or ends with white space", """
    vpcs:
    \(minimalVPC)
        zones: ["zones/a.zone "]
    """),
    ErrorCase("empty zone path", 5, 13, "zones: a path must not be empty", """
    vpcs:
    \(minimalVPC)
        zones: [""]
    """),

    // Documents.
    ErrorCase("empty document", 1, 1, "the config is empty", ""),
    ErrorCase("comments only", 1, 1, "the config is empty", "# nothing here\n\n"),
    ErrorCase("a null document", 2, 1, "the config is empty", "# a null document\n~\n"),
    ErrorCase("a list at the top level", 1, 1, "expected a mapping of settings, got a list", "- listen\n"),
    ErrorCase("a second document", 2, 1, "invalid YAML: but found another document", "listen: []\n---\nlisten: []\n"),
]

@Test(arguments: singleErrorCases)
func singleError(_ testCase: ErrorCase) {
    expectSingleError(testCase)
}
