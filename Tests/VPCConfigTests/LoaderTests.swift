#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import VPCConfig

private func at(_ line: Int, _ column: Int, _ file: String = "test.yaml") -> VPCConfig.SourceLocation {
    VPCConfig.SourceLocation(file: file, line: line, column: column)
}

// MARK: Several errors in one pass

@Test func severalErrorsAreReportedTogetherInReadingOrder() {
    let found = errors(of: """
    listen: ["127.0.0.1:5353", "not-an-address"]
    upstream_tries: 0
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: ap-northeast1
        cidrs: ["10.10.0.0/16"]
        endpoints:
          - id: vpce-0123456789abcdef0
            service: com.amazonaws.ap-northeast-1.ssm
            dns_suffix: abcdefgh
            privat_dns: true
            interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.300 }]
      - id: vpc-0a1b2c3d4e5f60719
        cidrs: ["10.11.0.0/16"]
        colour: blue
    """)
    #expect(found.map(\.location) == [at(1, 28), at(2, 17), at(5, 13), at(11, 9), at(12, 51), at(13, 5), at(15, 5)])
    let messages = found.map(\.message)
    #expect(messages.count == 7)
    guard messages.count == 7 else { return }
    #expect(messages[0].contains("'not-an-address' is not a valid address"))
    #expect(messages[1].contains("upstream_tries: 0 is out of range (1...10)"))
    #expect(messages[2].contains("'ap-northeast1' is not a valid region name"))
    #expect(messages[3].contains("did you mean private_dns?"))
    #expect(messages[4].contains("'10.10.1.300' is not an IPv4 address"))
    #expect(messages[5].contains("vpc is missing required key 'region'"))
    #expect(messages[6].contains("unknown key 'colour' in vpc"))
    #expect(ConfigErrors(found).description.split(separator: "\n").count == 7)
}

@Test func everyDuplicateKeyIsReportedAtItsRepeat() {
    let found = errors(of: """
    listen: []
    upstream_tries: 2
    listen: ["127.0.0.1:53"]
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: ap-northeast-1
        cidrs: ["10.10.0.0/16"]
        id: vpc-0a1b2c3d4e5f60719
        endpoints:
          - { id: vpce-0123456789abcdef0, id: vpce-0123456789abcdef1, service: com.amazonaws.ap-northeast-1.ssm,
              dns_suffix: abcdefgh, interfaces: [{ az: ap-northeast-1a, ipv4: 10.10.1.10, "ipv4": 10.10.1.11 }] }
    listen: []
    """)
    #expect(found.map(\.location) == [at(3, 1), at(8, 5), at(10, 39), at(11, 87), at(12, 1)])
    #expect(found.map(\.message) == [
        "duplicate key 'listen' in top level (first written at 1:1)",
        "duplicate key 'id' in vpc (first written at 5:5)",
        "duplicate key 'id' in endpoint (first written at 10:11)",
        "duplicate key 'ipv4' in interface (first written at 11:69)",
        "duplicate key 'listen' in top level (first written at 1:1)",
    ])
}

@Test func tooManyErrorsStopsReporting() {
    let entries = Array(repeating: "\"x\"", count: 300).joined(separator: ", ")
    let found = errors(of: "allow: [\(entries)]\n")
    #expect(found.count == NodeReader.maxErrors + 1)
    #expect(found.last?.message == "too many errors; stopped reporting here")
}

@Test func aliasExpansionIsBounded() {
    // 100 VPCs x 100 endpoints x 100 interfaces through aliases: a million items from a small file.
    var yaml = """
    vpcs:
      - &v
        id: vpc-0a1b2c3d4e5f60718
        region: ap-northeast-1
        cidrs: ["10.10.0.0/16"]
        endpoints:
          - &e
            id: vpce-0123456789abcdef0
            service: com.amazonaws.ap-northeast-1.ssm
            dns_suffix: abcdefgh
            interfaces: [&i { az: ap-northeast-1a, ipv4: 10.10.1.10 }\(String(repeating: ", *i", count: 99))]

    """
    yaml += String(repeating: "      - *e\n", count: 99)
    yaml += String(repeating: "  - *v\n", count: 99)
    do {
        // A small bound keeps this quick in debug builds; the default is `NodeReader.defaultMaxVisits`.
        _ = try ConfigLoader.parse(yaml: yaml, file: "test.yaml", baseDirectory: "/", maxVisits: 20_000)
        Issue.record("an alias bomb was accepted")
    } catch {
        #expect(error.errors.count == 1)
        #expect(error.errors.first?.message.contains("expands to more than 20000 values") == true)
    }
    // The same shape without the bomb reads fine under the default bound.
    let small = yaml.replacingOccurrences(of: String(repeating: ", *i", count: 99), with: "")
        .replacingOccurrences(of: String(repeating: "      - *e\n", count: 99), with: "")
        .replacingOccurrences(of: String(repeating: "  - *v\n", count: 99), with: "  - *v\n")
    #expect(throws: Never.self) { try parse(small) }
}

// MARK: YAML syntax

@Test(arguments: [
    ErrorCase("unclosed flow list", 2, 1, "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at 1:9)",
              "listen: [\"127.0.0.1:53\"\nupstreams: []\n"),
    ErrorCase("mapping value in a scalar", 3, 27, "invalid YAML: mapping values are not allowed in this context", """
    vpcs:
      - id: vpc-0a1b2c3d4e5f60718
        region: ap-northeast-1: x
    """),
    ErrorCase("bad indentation", 2, 3, "invalid YAML: did not find expected key (while parsing a block mapping at 1:1)", """
    listen: []
      upstreams: []
      - x
    """),
    ErrorCase("tab indentation", 2, 1, "invalid YAML: found character that cannot start any token", "cache:\n\tmax_ttl: 5\n"),
    ErrorCase("unterminated quote", 3, 1, "invalid YAML: found unexpected end of stream (while scanning a quoted scalar at 1:13)",
              "upstreams: [\"192.0.2.1]\n\n"),
    ErrorCase("undefined alias", 1, 9, "invalid YAML: found undefined alias", "listen: *nowhere\n"),
    ErrorCase("control character", 1, 10, "invalid YAML: control characters are not allowed", "listen: [\u{01}]\n"),
])
func yamlSyntaxErrorsAreLocated(_ testCase: ErrorCase) {
    expectSingleError(testCase)
}

// MARK: Paths and files

@Test func zonePathsResolveAgainstTheConfigFolder() throws {
    let config = try parse("""
    vpcs:
    \(minimalVPC)
        zones:
          - zones/a.zone
          - ./b.zone
          - ../shared/c.zone
          - /var/lib/vpcdns//d.zone
          - sub/../e.zone
    """, base: "/etc/vpcdns/")
    let zones = config.vpcs[0].zones
    #expect(zones.map(\.path) == ["zones/a.zone", "./b.zone", "../shared/c.zone", "/var/lib/vpcdns//d.zone", "sub/../e.zone"])
    #expect(zones.map(\.resolvedPath) == [
        "/etc/vpcdns/zones/a.zone", "/etc/vpcdns/b.zone", "/etc/shared/c.zone", "/var/lib/vpcdns/d.zone", "/etc/vpcdns/e.zone",
    ])
    #expect(zones.map(\.location) == [at(6, 9), at(7, 9), at(8, 9), at(9, 9), at(10, 9)])
}

@Test func relativeBaseDirectoryIsMadeAbsolute() throws {
    let config = try parse("vpcs:\n\(minimalVPC)\n    zones: [z.zone]\n", base: "conf")
    #expect(config.vpcs[0].zones[0].resolvedPath == Paths.currentDirectory() + "/conf/z.zone")
}

/// A fresh folder under the temporary directory, removed by `body`'s end.
private func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
    var template = Array("/tmp/vpcconfig-test-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    let directory = String(cString: try #require(made))
    defer {
        _ = system("rm -rf '\(directory)'")
    }
    try body(directory)
}

private func write(_ bytes: [UInt8], to path: String) throws {
    let handle = try #require(fopen(path, "wb"))
    defer { fclose(handle) }
    #expect(fwrite(bytes, 1, bytes.count, handle) == bytes.count)
}

@Test func loadResolvesZonesNextToTheFile() throws {
    try withTemporaryDirectory { directory in
        let path = directory + "/etc/vpcdns.yaml"
        #expect(mkdir(directory + "/etc", 0o700) == 0)
        try write(Array("vpcs:\n\(minimalVPC)\n    zones: [zones/corp.zone, ../other.zone]\nquery_log: { path: q.log }\n".utf8), to: path)
        let config = try ConfigLoader.load(path: path)
        #expect(config.vpcs[0].zones.map(\.resolvedPath) == [directory + "/etc/zones/corp.zone", directory + "/other.zone"])
        #expect(config.queryLog?.destination == .file(directory + "/etc/q.log"))
        #expect(config.location.file == path)
    }
}

@Test func loadReportsErrorsWithTheGivenPath() throws {
    try withTemporaryDirectory { directory in
        let path = directory + "/bad.yaml"
        try write(Array("listen: []\nupstream_tries: 99\n".utf8), to: path)
        #expect(throws: ConfigErrors([ConfigError(location: at(2, 17, path), message: "upstream_tries: 99 is out of range (1...10)")])) {
            try ConfigLoader.load(path: path)
        }
    }
}

@Test func missingFileIsOneWholeFileError() throws {
    do {
        _ = try ConfigLoader.load(path: "/nonexistent/vpcdns.yaml")
        Issue.record("a missing file was accepted")
    } catch {
        #expect(error.errors.count == 1)
        #expect(error.errors.first?.location.line == 0)
        #expect(error.description == "/nonexistent/vpcdns.yaml: cannot read the config file: No such file or directory")
    }
}

@Test func directoryIsNotAConfigFile() throws {
    try withTemporaryDirectory { directory in
        do {
            _ = try ConfigLoader.load(path: directory)
            Issue.record("a directory was accepted")
        } catch let error as ConfigErrors {
            #expect(error.errors.first?.message == "cannot read the config file: not a regular file (a directory)")
        }
    }
}

/// A FIFO would make the read wait for a writer forever (`check` and every reload hanging): it
/// is refused at once, as is anything else that is not a regular file.
@Test func fifoIsNotAConfigFile() throws {
    try withTemporaryDirectory { directory in
        let path = directory + "/vpcdns.yaml"
        #expect(mkfifo(path, 0o600) == 0)
        #expect(throws: ConfigErrors([ConfigError(location: at(0, 0, path), message: "cannot read the config file: not a regular file (a FIFO)")])) {
            try ConfigLoader.load(path: path)
        }
    }
}

@Test func invalidUTF8IsLocated() throws {
    try withTemporaryDirectory { directory in
        let path = directory + "/latin1.yaml"
        try write(Array("listen: []\n# caf".utf8) + [0xE9] + Array("\n".utf8), to: path)
        #expect(throws: ConfigErrors([ConfigError(location: at(2, 6, path), message: "the config file is not valid UTF-8")])) {
            try ConfigLoader.load(path: path)
        }
    }
}

// MARK: Helpers

@Test(arguments: [
    ("privat_dns", "private_dns"), ("upstream", "upstreams"), ("vpc", "vpcs"), ("ipv5", "ipv4"),
    ("enable_dns_hostname", "enable_dns_hostnames"), ("colour", nil), ("LISTEN", nil), ("", nil),
] as [(String, String?)])
func nearestAllowedKey(_ written: String, _ expected: String?) {
    let allowed = ["listen", "upstreams", "vpcs", "private_dns", "ipv4", "ipv6", "enable_dns_hostnames", "enable_dns_support"]
    #expect(NodeReader.nearest(to: written, in: allowed) == expected)
}

@Test func keyRenamingKeepsEveryOtherPosition() {
    let text = "a: 1\r\nb: 2\n  \"c\": 3\n"
    #expect(ConfigLoader.renameKey(in: text, at: Position(line: 2, column: 1), marker: 0) == "a: 1\r\n\u{E000}: 2\n  \"c\": 3\n")
    #expect(ConfigLoader.renameKey(in: text, at: Position(line: 3, column: 3), marker: 1) == "a: 1\r\nb: 2\n  \"\u{E001}\": 3\n")
    #expect(ConfigLoader.renameKey(in: "*x: 1\n", at: Position(line: 1, column: 1), marker: 0) == nil)
    #expect(ConfigLoader.renameKey(in: "a: 1\n", at: Position(line: 9, column: 1), marker: 0) == nil)
}
