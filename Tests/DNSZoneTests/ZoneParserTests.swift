import DNSWire
@testable import DNSZone
import Testing

/// Master-file syntax and directives (RFC 1035 section 5), one feature a case.
@Suite struct ZoneParserTests {
    @Test(arguments: [
        ("relative and absolute owners", "www A 192.0.2.2\nabs.example.com. A 192.0.2.3",
         ["abs.example.com. 3600 IN A 192.0.2.3", "www.example.com. 3600 IN A 192.0.2.2"]),
        ("@ is the origin", "@ TXT apex",
         ["example.com. 3600 IN TXT \"apex\""]),
        ("$ORIGIN absolute then relative", "$ORIGIN sub.example.com.\nwww A 192.0.2.2\n$ORIGIN deeper\nx A 192.0.2.3\n@ MX 10 @",
         ["deeper.sub.example.com. 3600 IN MX 10 deeper.sub.example.com.", "www.sub.example.com. 3600 IN A 192.0.2.2",
          "x.deeper.sub.example.com. 3600 IN A 192.0.2.3"]),
        ("omitted owner repeats the previous", "www A 192.0.2.2\n  TXT \"t\"\n\tAAAA 2001:db8::2",
         ["www.example.com. 3600 IN A 192.0.2.2", "www.example.com. 3600 IN AAAA 2001:db8::2", "www.example.com. 3600 IN TXT \"t\""]),
        ("TTL and class in either order, units", "a 60 IN A 192.0.2.1\nb IN 1h30m A 192.0.2.2\nc in a 192.0.2.3",
         ["a.example.com. 60 IN A 192.0.2.1", "b.example.com. 5400 IN A 192.0.2.2", "c.example.com. 3600 IN A 192.0.2.3"]),
        ("$TTL changes the default", "a A 192.0.2.1\n$TTL 2m\nb A 192.0.2.2",
         ["a.example.com. 3600 IN A 192.0.2.1", "b.example.com. 120 IN A 192.0.2.2"]),
        ("TTL over 2^31-1 becomes 0", "a 2147483648 A 192.0.2.1\nb 2147483647 A 192.0.2.2",
         ["a.example.com. 0 IN A 192.0.2.1", "b.example.com. 2147483647 IN A 192.0.2.2"]),
        ("parentheses and comments", "big TXT ( \"one\" ; first\n  \"two\" ) ; done\nsrv SRV ( 1 2\n 3 sip ) ; comment",
         ["big.example.com. 3600 IN TXT \"one\" \"two\"", "srv.example.com. 3600 IN SRV 1 2 3 sip.example.com."]),
        ("quoted strings and escapes", "t TXT \"a\\\"b\" \"\\065\\066\" \"semi;colon (x)\" plain\\ word \"\"",
         ["t.example.com. 3600 IN TXT \"a\\\"b\" \"AB\" \"semi;colon (x)\" \"plain word\" \"\""]),
        ("generic RDATA", "g TYPE65400 \\# 3 010203\nh A \\# 4 C0000209\ne TYPE65401 \\# 0",
         ["e.example.com. 3600 IN TYPE65401 \\# 0", "g.example.com. 3600 IN TYPE65400 \\# 3 010203", "h.example.com. 3600 IN A 192.0.2.9"]),
        ("wildcard owners", "*.w A 192.0.2.9\n*.x.w CNAME www",
         ["*.w.example.com. 3600 IN A 192.0.2.9", "*.x.w.example.com. 3600 IN CNAME www.example.com."]),
        ("every typed RDATA", """
            a AAAA 2001:DB8::1
            c CNAME www.example.net.
            p PTR host
            m MX 10 mail
            s SRV 0 5 5060 sip
            q CAA 0 issue "ca.example.net"
            d NS ns.d
            """,
         ["a.example.com. 3600 IN AAAA 2001:db8::1", "c.example.com. 3600 IN CNAME www.example.net.",
          "d.example.com. 3600 IN NS ns.d.example.com.", "m.example.com. 3600 IN MX 10 mail.example.com.",
          "p.example.com. 3600 IN PTR host.example.com.", "q.example.com. 3600 IN CAA 0 issue \"ca.example.net\"",
          "s.example.com. 3600 IN SRV 0 5 5060 sip.example.com."]),
        ("identical records collapse, names case-insensitively; in one run the last spelling stays (BIND)",
         "www A 192.0.2.2\nWWW A 192.0.2.2\nx CNAME Target.example.net.\nx CNAME target.EXAMPLE.net.\ny NS A.example.net.\nz A 192.0.2.9\ny NS a.example.net.",
         ["www.example.com. 3600 IN A 192.0.2.2", "x.example.com. 3600 IN CNAME target.EXAMPLE.net.", "y.example.com. 3600 IN NS A.example.net.",
          "z.example.com. 3600 IN A 192.0.2.9"]),
        ("TXT is compared byte for byte", "t TXT Case\nt TXT case",
         ["t.example.com. 3600 IN TXT \"Case\"", "t.example.com. 3600 IN TXT \"case\""]),
        ("owner case and escapes kept", "Mixed.Case A 192.0.2.5\na\\.b A 192.0.2.6\n\"quoted\" A 192.0.2.7",
         ["Mixed.Case.example.com. 3600 IN A 192.0.2.5", "a\\.b.example.com. 3600 IN A 192.0.2.6", "quoted.example.com. 3600 IN A 192.0.2.7"]),
        ("RRset TTL: first of a run wins", "r 100 A 192.0.2.1\nr 200 A 192.0.2.2\nr A 192.0.2.3",
         ["r.example.com. 100 IN A 192.0.2.1", "r.example.com. 100 IN A 192.0.2.2", "r.example.com. 100 IN A 192.0.2.3"]),
        ("RRset TTL: a later run sets it", "r 300 A 192.0.2.1\nx A 192.0.2.9\nr 60 A 192.0.2.2\nu 60 A 192.0.2.3\ny A 192.0.2.9\nu 600 A 192.0.2.3",
         ["r.example.com. 60 IN A 192.0.2.1", "r.example.com. 60 IN A 192.0.2.2", "u.example.com. 600 IN A 192.0.2.3",
          "x.example.com. 3600 IN A 192.0.2.9", "y.example.com. 3600 IN A 192.0.2.9"]),
        ("CNAME beside DNSSEC types", "c CNAME www\nc TYPE47 \\# 5 0377777700",
         ["c.example.com. 3600 IN CNAME www.example.com.", "c.example.com. 3600 IN NSEC \\# 5 0377777700"]),
    ])
    func parses(feature: String, body: String, expected: [String]) throws {
        #expect(try bodyRecords(body) == expected.sorted(), "\(feature)")
    }

    @Test func withoutTTLTheSOAMinimumBecomesTheDefault() throws {
        let zone = try parseZone("""
            $ORIGIN example.com.
            @ SOA ns1 hostmaster 1 3600 600 86400 900
              NS ns1
            ns1 60 A 192.0.2.1
            a A 192.0.2.2
            """)
        #expect(presentation(zone.records) == [
            "a.example.com. 900 IN A 192.0.2.2", "example.com. 900 IN NS ns1.example.com.",
            "example.com. 900 IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 900",
            "ns1.example.com. 60 IN A 192.0.2.1",
        ])
        #expect(zone.warnings.map(\.description) == ["test.zone:2:1: no TTL specified; using the SOA MINIMUM (900) as the default TTL"])
    }

    @Test func withoutDefaultTTLTheLastExplicitOneIsUsed() throws {
        let zone = try parseZone("""
            $ORIGIN example.com.
            @ 500 SOA ns1 hostmaster 1 3600 600 86400 900
              NS ns1
            ns1 700 A 192.0.2.1
            a A 192.0.2.2
            """)
        #expect(presentation(zone.records) == [
            "a.example.com. 700 IN A 192.0.2.2", "example.com. 500 IN NS ns1.example.com.",
            "example.com. 500 IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 900",
            "ns1.example.com. 700 IN A 192.0.2.1",
        ])
    }

    @Test func ttlWarningsNameTheLine() throws {
        let zone = try parseZone(zoneHead + "r 100 A 192.0.2.1\nr 200 A 192.0.2.2")
        #expect(zone.warnings.map(\.description) == ["test.zone:7:1: TTL 200 differs from the TTL of the A RRset at r.example.com.; using 100"])
    }

    /// Errors with their exact position. Body lines start at line 6 of test.zone.
    @Test(arguments: [
        ("a A 192.0.2.256", "test.zone:6:5: bad IPv4 address '192.0.2.256'"),
        ("a AAAA 2001:db8::1::2", "test.zone:6:8: bad IPv6 address"),
        ("a FOO 1 2 3", "test.zone:6:3: unknown record type 'FOO'"),
        ("a ANY 1", "test.zone:6:3: unknown record type 'ANY'"),
        ("a 1x A 192.0.2.1", "test.zone:6:3: bad TTL '1x'"),
        ("$TTL 5q", "test.zone:6:6: bad $TTL '5q'"),
        ("$TTL", "test.zone:6:1: $TTL takes one TTL"),
        ("$ORIGIN a..b.", "test.zone:6:9: bad $ORIGIN 'a..b.': empty label"),
        ("$FOO bar", "test.zone:6:1: unknown directive '$FOO'"),
        ("$GENERATE 1-2 h$ A 192.0.2.$", "test.zone:6:1: $GENERATE is not supported"),
        ("a A 192.0.2.1 )", "test.zone:6:15: unbalanced ')'"),
        ("a TXT ( \"one\"\nb A 192.0.2.1", "test.zone:6:7: '(' is never closed"),
        ("a TXT \"no end\nb A 192.0.2.1", "test.zone:6:7: quoted string is not closed on its line"),
        (String(repeating: "a", count: 64) + " A 192.0.2.1", "test.zone:6:1: bad owner name"),
        (String(repeating: "a", count: 64) + " A 192.0.2.1", "label of 64 bytes exceeds 63"),
        ("a CH A 192.0.2.1", "test.zone:6:3: class CH is not the zone's class IN"),
        ("www.example.net. A 192.0.2.1", "test.zone:6:1: out of zone: www.example.net. is not at or below the zone origin example.com."),
        ("c CNAME ns1\nc A 192.0.2.1", "test.zone:7:1: CNAME and other data at c.example.com."),
        ("c A 192.0.2.1\nc CNAME ns1", "test.zone:7:1: CNAME and other data at c.example.com."),
        ("c CNAME ns1\nc CNAME www", "test.zone:7:1: more than one CNAME record at c.example.com."),
        ("@ SOA ns2 hostmaster 2 3600 600 86400 300", "test.zone:6:1: more than one SOA record at example.com."),
        ("sub SOA ns2 hostmaster 2 3600 600 86400 300", "test.zone:6:1: SOA record not at the zone apex (sub.example.com.)"),
        ("m MX 10", "test.zone:6:3: missing a domain name"),
        ("a A 192.0.2.1 192.0.2.2", "test.zone:6:15: unexpected '192.0.2.2' after A data"),
        ("bad\\25x A 192.0.2.1", "test.zone:6:1: bad owner name 'bad\\25x'"),
        ("g TYPE65400 \\# 3 0102", "test.zone:6:16: \\# length 3 but 2 bytes of hex given"),
        ("h HINFO \"PC\" \"Linux\"", "test.zone:6:3: type HINFO needs the generic form"),
        ("t TXT \"" + String(repeating: "x", count: 256) + "\"", "test.zone:6:7: character-string of 256 bytes exceeds 255"),
    ])
    func rejects(body: String, expected: String) {
        let errors = zoneErrors(zoneHead + body)
        #expect(errors.contains { $0.hasPrefix(expected) || ($0.contains(expected) && !expected.hasPrefix("test.zone")) },
                "expected \(expected), got \(errors)")
    }

    @Test(arguments: [
        ("$ORIGIN example.com.\n$TTL 300\n  A 192.0.2.1\n@ SOA ns1 h 1 1 1 1 1\n@ NS ns1\nns1 A 192.0.2.1",
         ["test.zone:3:3: no owner name: the first record must begin with one"]),
        ("$ORIGIN example.com.\nns1 A 192.0.2.1\n@ SOA ns1 h 1 1 1 1 1\n@ NS ns1",
         ["test.zone:2:1: no TTL specified: give this record a TTL or add a $TTL line before it"]),
        ("$ORIGIN example.com.\n$TTL 300\n@ NS ns1\nns1 A 192.0.2.1",
         ["test.zone: no SOA record at the zone apex example.com."]),
        ("$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 h 1 1 1 1 1\nns1 A 192.0.2.1",
         ["test.zone: no NS records at the zone apex example.com."]),
        ("$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 h 1 1 1 1 1\n@ NS ns1\n@ NS ns2\nns2 AAAA 2001:db8::2",
         ["test.zone:4:1: NS 'ns1.example.com.' has no address records (A or AAAA)"]),
        ("$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 h 1 1 1 1 1\n@ NS ns\nns CNAME ns1\nns1 A 192.0.2.1",
         ["test.zone:4:1: NS 'ns.example.com.' is a CNAME (illegal)"]),
    ])
    func rejectsWholeZone(text: String, expected: [String]) {
        #expect(zoneErrors(text) == expected)
    }

    @Test func nsTargetsOutsideTheZoneOrUnderACutAreNotChecked() throws {
        _ = try parseZone("$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 h 1 1 1 1 1\n@ NS ns.example.net.\n@ NS ns.sub\nsub NS ns.example.net.")
    }

    @Test func zonesWithoutNSWhenNotRequired() throws {
        let zone = try parseZone("$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 h 1 1 1 1 1\nwww A 192.0.2.1", requireNS: false)
        #expect(zone.records.count == 2)
    }

    @Test func everyErrorIsReportedWhereReadingCanContinue() {
        let errors = zoneErrors(zoneHead + "a A 192.0.2.256\nb FOO x\nc CNAME ns1\nc A 192.0.2.3\nd.example.net. A 192.0.2.4\n")
        #expect(errors == [
            "test.zone:6:5: bad IPv4 address '192.0.2.256'",
            "test.zone:7:3: unknown record type 'FOO'",
            "test.zone:9:1: CNAME and other data at c.example.com. (a CNAME exists)",
            "test.zone:10:1: out of zone: d.example.net. is not at or below the zone origin example.com.",
        ])
    }

    @Test func readingStopsAfterAHundredErrors() {
        let errors = zoneErrors(zoneHead + String(repeating: "a A 192.0.2.256\n", count: 150))
        #expect(errors.count == 101)
        #expect(errors.last == "test.zone:105:5: too many errors; stopped reading")
    }

    @Test func aLexicalErrorStopsReading() {
        let errors = zoneErrors(zoneHead + "a A 192.0.2.256\nb A 192.0.2.1 )\nc FOO x\n")
        #expect(errors == ["test.zone:6:5: bad IPv4 address '192.0.2.256'", "test.zone:7:15: unbalanced ')'"])
    }

    @Test func aBadOwnerDoesNotLendItsRecordsToThePreviousOwner() {
        let errors = zoneErrors(zoneHead + "a..b A 192.0.2.1\n  TXT \"x\"\n")
        #expect(errors == ["test.zone:6:1: bad owner name 'a..b': empty label"])
    }

    @Test func errorsPrintFileLineColumn() {
        #expect(ZoneError(file: "z/a.zone", line: 3, column: 7, message: "bad").description == "z/a.zone:3:7: bad")
        #expect(ZoneError(file: "z/a.zone", line: 0, column: 0, message: "no SOA").description == "z/a.zone: no SOA")
        let all = ZoneErrors(errors: [ZoneError(file: "f", line: 1, column: 2, message: "x"), ZoneError(file: "f", line: 3, column: 4, message: "y")])
        #expect(all.description == "f:1:2: x\nf:3:4: y")
    }

    @Test func zoneFileTextReadsBackToTheSameZone() throws {
        let text = zoneHead + "www A 192.0.2.2\n*.w TXT \"a\\\"b\" \"\\255\"\ng TYPE65400 \\# 2 0102\na\\.b MX 5 @\nsub NS ns.sub\nns.sub A 192.0.2.9\n"
        let zone = try parseZone(text)
        let again = try parseZone(zone.zoneFileText)
        #expect(again.records == zone.records)
        #expect(zone.zoneFileText.hasPrefix("$ORIGIN example.com.\nexample.com. 3600 IN SOA "))
    }
}
