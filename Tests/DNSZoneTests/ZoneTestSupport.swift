import DNSWire
@testable import DNSZone
import Testing

/// The Fixtures folder of this test target (excluded from resources; read by path).
func fixturesFolder(file: String = #filePath) -> String {
    "/" + file.split(separator: "/").dropLast().joined(separator: "/") + "/Fixtures"
}

/// The first lines of most test zones: body lines start at line 6.
let zoneHead = """
$ORIGIN example.com.
$TTL 3600
@ SOA ns1 hostmaster 1 3600 600 86400 300
@ NS ns1
ns1 A 192.0.2.1

"""

let zoneHeadRecords = [
    "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300",
    "example.com. 3600 IN NS ns1.example.com.",
    "ns1.example.com. 3600 IN A 192.0.2.1",
]

/// Parses `text` as the zone example.com from a file called test.zone.
func parseZone(_ text: String, origin: String = "example.com.", requireNS: Bool = true,
               includeRoot: String? = nil, file: String = "test.zone") throws(ZoneErrors) -> Zone {
    try ZoneFile.parse(text: text, file: file, origin: DNSName(stringLiteral: origin), includeRoot: includeRoot, requireNS: requireNS)
}

/// The records `body` adds to `zoneHead`, in presentation form, sorted.
func bodyRecords(_ body: String) throws -> [String] {
    let zone = try parseZone(zoneHead + body)
    var records = zone.records.map(\.description)
    for line in zoneHeadRecords {
        guard let index = records.firstIndex(of: line) else { continue }
        records.remove(at: index)
    }
    return records.sorted()
}

/// The errors a zone text is rejected with, as `file:line:column: message`; [] if accepted.
func zoneErrors(_ text: String, requireNS: Bool = true, includeRoot: String? = nil, file: String = "test.zone") -> [String] {
    do {
        _ = try parseZone(text, requireNS: requireNS, includeRoot: includeRoot, file: file)
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

/// Records in presentation form, sorted: the order-independent form for comparisons.
func presentation(_ records: [ResourceRecord]) -> [String] { records.map(\.description).sorted() }
