import DNSWire
import DNSZone
import Testing

/// RFC 1034 4.3.2 / RFC 4592 lookups against one zone with every case in it. Expected outcomes
/// are written as: the kind, then the CNAME chain in order, then the final records sorted.
@Suite struct ZoneLookupTests {
    static let zone: Zone = {
        var chain = ""
        for step in 1...17 { chain += "c\(step) CNAME c\(step + 1)\n" }
        let text = """
            $ORIGIN example.com.
            $TTL 300
            @        SOA   ns1 hostmaster 2024010101 3600 600 86400 60
            @        NS    ns1
            @        A     192.0.2.1
            @        MX    10 mail
            ns1      A     192.0.2.53
            mail     A     192.0.2.25
            www      A     192.0.2.80
            www      AAAA  2001:db8::80
            WWW2     CNAME www
            alias    CNAME WWW2
            loop1    CNAME loop2
            loop2    CNAME loop1
            self     CNAME self
            out      CNAME target.example.net.
            dangling CNAME nothere
            *.wild   A     192.0.2.100
            *.wild   TXT   "wild"
            exists.wild TXT "real"
            a.b.ent  A     192.0.2.7
            *.ent    A     192.0.2.8
            *.cw     CNAME www
            sub      NS    ns.sub
            sub      NS    ns1
            sub      DS    \\# 4 01020304
            ns.sub   A     192.0.2.99
            deep.sub A     192.0.2.98
            tosub    CNAME host.sub
            c18      A     192.0.2.18
            \(chain)
            """
        return try! ZoneFile.parse(text: text, file: "lookup.zone", origin: "example.com.", includeRoot: nil)
    }()

    static let soa = "SOA example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 3600 600 86400 60"

    static func render(_ answer: ZoneAnswer) -> [String] {
        func split(_ records: [ResourceRecord]) -> [String] {
            let chainEnd = records.firstIndex { $0.type != .cname } ?? records.count
            return records[..<chainEnd].map(\.description) + presentation(Array(records[chainEnd...]))
        }
        switch answer {
        case .answer(let records): return ["ANSWER"] + split(records)
        case .noData(let soa, let chain): return ["NODATA"] + chain.map(\.description) + ["SOA \(soa)"]
        case .nxDomain(let soa, let chain): return ["NXDOMAIN"] + chain.map(\.description) + ["SOA \(soa)"]
        case .delegation(let ns, let glue): return ["DELEGATION"] + presentation(ns) + ["GLUE"] + presentation(glue)
        case .outOfZone: return ["OUTOFZONE"]
        }
    }

    static let cases: [(String, RRType, [String])] = [
        // Exact matches, case-insensitive, owners as written in the zone.
        ("example.com.", .a, ["ANSWER", "example.com. 300 IN A 192.0.2.1"]),
        ("EXAMPLE.com.", .ns, ["ANSWER", "example.com. 300 IN NS ns1.example.com."]),
        ("example.com.", .soa, ["ANSWER", "example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 3600 600 86400 60"]),
        ("WWW.example.com.", .a, ["ANSWER", "www.example.com. 300 IN A 192.0.2.80"]),
        // ANY gets one RRset, the lowest type (RFC 8482), not every record of the name.
        ("www.example.com.", .any, ["ANSWER", "www.example.com. 300 IN A 192.0.2.80"]),
        // NODATA and NXDOMAIN carry the SOA with its own TTL.
        ("www.example.com.", .txt, ["NODATA", soa]),
        ("nothere.example.com.", .a, ["NXDOMAIN", soa]),
        ("x.www.example.com.", .a, ["NXDOMAIN", soa]),
        // CNAMEs: chains, loops, leaving the zone, dangling, asking for the CNAME itself.
        ("wwW2.example.com.", .a, ["ANSWER", "WWW2.example.com. 300 IN CNAME www.example.com.", "www.example.com. 300 IN A 192.0.2.80"]),
        ("alias.example.com.", .a, ["ANSWER", "alias.example.com. 300 IN CNAME WWW2.example.com.",
                                    "WWW2.example.com. 300 IN CNAME www.example.com.", "www.example.com. 300 IN A 192.0.2.80"]),
        ("alias.example.com.", .cname, ["ANSWER", "alias.example.com. 300 IN CNAME WWW2.example.com."]),
        ("alias.example.com.", .any, ["ANSWER", "alias.example.com. 300 IN CNAME WWW2.example.com."]),
        ("alias.example.com.", .txt, ["NODATA", "alias.example.com. 300 IN CNAME WWW2.example.com.",
                                      "WWW2.example.com. 300 IN CNAME www.example.com.", soa]),
        ("loop1.example.com.", .a, ["ANSWER", "loop1.example.com. 300 IN CNAME loop2.example.com.", "loop2.example.com. 300 IN CNAME loop1.example.com."]),
        ("self.example.com.", .a, ["ANSWER", "self.example.com. 300 IN CNAME self.example.com."]),
        ("out.example.com.", .a, ["ANSWER", "out.example.com. 300 IN CNAME target.example.net."]),
        ("dangling.example.com.", .a, ["NXDOMAIN", "dangling.example.com. 300 IN CNAME nothere.example.com.", soa]),
        ("c1.example.com.", .a, ["ANSWER"] + (1...16).map { "c\($0).example.com. 300 IN CNAME c\($0 + 1).example.com." }),
        ("c3.example.com.", .a, ["ANSWER"] + (3...17).map { "c\($0).example.com. 300 IN CNAME c\($0 + 1).example.com." } + ["c18.example.com. 300 IN A 192.0.2.18"]),
        // Wildcards: synthesized with the query name (its case), not for existing names.
        ("x.wild.example.com.", .a, ["ANSWER", "x.wild.example.com. 300 IN A 192.0.2.100"]),
        ("X.Wild.example.com.", .txt, ["ANSWER", "X.Wild.example.com. 300 IN TXT \"wild\""]),
        ("a.b.wild.example.com.", .a, ["ANSWER", "a.b.wild.example.com. 300 IN A 192.0.2.100"]),
        ("x.wild.example.com.", .any, ["ANSWER", "x.wild.example.com. 300 IN A 192.0.2.100"]),
        ("x.wild.example.com.", .mx, ["NODATA", soa]),
        ("*.wild.example.com.", .a, ["ANSWER", "*.wild.example.com. 300 IN A 192.0.2.100"]),
        ("exists.wild.example.com.", .a, ["NODATA", soa]),
        ("exists.wild.example.com.", .txt, ["ANSWER", "exists.wild.example.com. 300 IN TXT \"real\""]),
        ("sub.exists.wild.example.com.", .a, ["NXDOMAIN", soa]),
        ("wild.example.com.", .a, ["NODATA", soa]),
        ("q.cw.example.com.", .a, ["ANSWER", "q.cw.example.com. 300 IN CNAME www.example.com.", "www.example.com. 300 IN A 192.0.2.80"]),
        // Empty non-terminals exist; a wildcard does not reach across one.
        ("ent.example.com.", .a, ["NODATA", soa]),
        ("b.ent.example.com.", .a, ["NODATA", soa]),
        ("x.ent.example.com.", .a, ["ANSWER", "x.ent.example.com. 300 IN A 192.0.2.8"]),
        ("x.b.ent.example.com.", .a, ["NXDOMAIN", soa]),
        // Delegations: at, below, glue under the cut; DS answered from the parent side.
        ("sub.example.com.", .a, ["DELEGATION", "sub.example.com. 300 IN NS ns.sub.example.com.", "sub.example.com. 300 IN NS ns1.example.com.",
                                  "GLUE", "ns.sub.example.com. 300 IN A 192.0.2.99", "ns1.example.com. 300 IN A 192.0.2.53"]),
        ("deep.sub.example.com.", .a, ["DELEGATION", "sub.example.com. 300 IN NS ns.sub.example.com.", "sub.example.com. 300 IN NS ns1.example.com.",
                                       "GLUE", "ns.sub.example.com. 300 IN A 192.0.2.99", "ns1.example.com. 300 IN A 192.0.2.53"]),
        ("nothere.sub.example.com.", .ns, ["DELEGATION", "sub.example.com. 300 IN NS ns.sub.example.com.", "sub.example.com. 300 IN NS ns1.example.com.",
                                           "GLUE", "ns.sub.example.com. 300 IN A 192.0.2.99", "ns1.example.com. 300 IN A 192.0.2.53"]),
        ("sub.example.com.", .ds, ["ANSWER", "sub.example.com. 300 IN DS \\# 4 01020304"]),
        ("tosub.example.com.", .a, ["ANSWER", "tosub.example.com. 300 IN CNAME host.sub.example.com."]),
        // Outside the zone.
        ("example.net.", .a, ["OUTOFZONE"]),
        ("com.", .a, ["OUTOFZONE"]),
        ("xexample.com.", .a, ["OUTOFZONE"]),
    ]

    @Test(arguments: cases)
    func lookup(name: String, type: RRType, expected: [String]) throws {
        let answer = Self.zone.lookup(try DNSName(name), type: type)
        #expect(Self.render(answer) == expected, "\(name) \(type)")
    }

    @Test func negativeAnswersCarryTheSOARecordItself() throws {
        guard case .nxDomain(let soa, let chain) = Self.zone.lookup("nothere.example.com.", type: .a) else {
            Issue.record("expected NXDOMAIN")
            return
        }
        #expect(soa == Self.zone.soa)
        #expect(chain.isEmpty)
    }
}
