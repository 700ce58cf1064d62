import DNSWire
import DNSZone
import Testing

/// Zones built in code (the AWS model's synthetic zones) and the zone's views of its data.
@Suite struct ZoneBuildTests {
    static let origin: DNSName = "ssm.us-east-1.amazonaws.com."
    static let soa = try! ResourceRecord(
        "ssm.us-east-1.amazonaws.com. 900 IN SOA ns-0.awsdns-00.com. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400")

    static func records(_ lines: [String]) throws -> [ResourceRecord] {
        try lines.map { try ResourceRecord($0) }
    }

    @Test func syntheticZoneWithoutNS() throws {
        let zone = try Zone(origin: Self.origin, soa: Self.soa, records: Self.records([
            "ssm.us-east-1.amazonaws.com. 60 IN A 10.10.1.10",
            "ssm.us-east-1.amazonaws.com. 60 IN A 10.10.2.10",
            "*.ssm.us-east-1.amazonaws.com. 60 IN A 10.10.1.10",
        ]))
        #expect(zone.lookup("SSM.us-east-1.amazonaws.com.", type: .a) == .answer(try Self.records([
            "ssm.us-east-1.amazonaws.com. 60 IN A 10.10.1.10", "ssm.us-east-1.amazonaws.com. 60 IN A 10.10.2.10",
        ])))
        #expect(zone.lookup("x.ssm.us-east-1.amazonaws.com.", type: .a) == .answer(try Self.records(["x.ssm.us-east-1.amazonaws.com. 60 IN A 10.10.1.10"])))
        #expect(zone.lookup("ssm.us-east-1.amazonaws.com.", type: .aaaa) == .noData(soa: Self.soa, chain: []))
        #expect(throws: ZoneErrors.self) { try Zone(origin: Self.origin, soa: Self.soa, records: [], requireNS: true) }
    }

    @Test func syntheticZonesFollowTheSameRules() throws {
        func errors(_ lines: [String], soa: ResourceRecord = Self.soa) throws -> [String] {
            let records = try Self.records(lines)
            do throws(ZoneErrors) {
                _ = try Zone(origin: Self.origin, soa: soa, records: records)
                return []
            } catch {
                return error.errors.map(\.description)
            }
        }
        #expect(try errors(["ssm.us-east-2.amazonaws.com. 60 IN A 10.0.0.1"]) ==
                ["ssm.us-east-1.amazonaws.com.: out of zone: ssm.us-east-2.amazonaws.com. is not at or below the zone origin ssm.us-east-1.amazonaws.com."])
        #expect(try errors(["a.ssm.us-east-1.amazonaws.com. 60 IN CNAME b.example.", "a.ssm.us-east-1.amazonaws.com. 60 IN A 10.0.0.1"]) ==
                ["ssm.us-east-1.amazonaws.com.: CNAME and other data at a.ssm.us-east-1.amazonaws.com. (a CNAME exists)"])
        #expect(try errors(["a.ssm.us-east-1.amazonaws.com. 60 CH A 10.0.0.1"]) ==
                ["ssm.us-east-1.amazonaws.com.: class CH is not the zone's class IN"])
        #expect(try errors([], soa: ResourceRecord("ssm.us-east-1.amazonaws.com. 60 IN A 10.0.0.1")) ==
                ["ssm.us-east-1.amazonaws.com.: the SOA record given is of type A"])
        #expect(try errors([], soa: ResourceRecord("x.ssm.us-east-1.amazonaws.com. 60 IN SOA a. b. 1 1 1 1 1")).first?
                    .contains("SOA record not at the zone apex") == true)
        #expect(try errors(["ssm.us-east-1.amazonaws.com. 60 IN SOA a. b. 2 1 1 1 1"]) ==
                ["ssm.us-east-1.amazonaws.com.: more than one SOA record at ssm.us-east-1.amazonaws.com."])
        #expect(try errors([Self.soa.description]) == [])
    }

    @Test func inCodeTheFirstTTLOfAnRRsetWins() throws {
        let zone = try Zone(origin: Self.origin, soa: Self.soa, records: Self.records([
            "a.ssm.us-east-1.amazonaws.com. 60 IN A 10.0.0.1", "a.ssm.us-east-1.amazonaws.com. 30 IN A 10.0.0.2",
            "a.ssm.us-east-1.amazonaws.com. 60 IN A 10.0.0.1",
        ]))
        #expect(zone.rrset("a.ssm.us-east-1.amazonaws.com.", .a)?.records.map(\.description) ==
                ["a.ssm.us-east-1.amazonaws.com. 60 IN A 10.0.0.1", "a.ssm.us-east-1.amazonaws.com. 60 IN A 10.0.0.2"])
        #expect(zone.warnings.count == 1)
    }

    @Test func namesIncludeEmptyNonTerminals() throws {
        let zone = try Zone(origin: Self.origin, soa: Self.soa, records: Self.records(["a.b.c.ssm.us-east-1.amazonaws.com. 60 IN A 10.0.0.1"]))
        #expect(zone.rrsets(at: "b.c.ssm.us-east-1.amazonaws.com.") == [:])
        #expect(zone.rrsets(at: "c.ssm.us-east-1.amazonaws.com.") == [:])
        #expect(zone.rrsets(at: "d.ssm.us-east-1.amazonaws.com.") == nil)
        #expect(zone.rrsets(at: "a.b.c.ssm.us-east-1.amazonaws.com.")?[.a]?.ttl == 60)
        #expect(zone.names.count == 4)
    }

    @Test func recordsAndZoneFileTextAreInCanonicalOrderWithTheSOAFirst() throws {
        let zone = try Zone(origin: "example.", soa: ResourceRecord("example. 60 IN SOA ns.example. h.example. 1 2 3 4 5"), records: Self.records([
            "z.example. 60 IN A 10.0.0.2",
            "Z.a.example. 60 IN A 10.0.0.1",
            "example. 60 IN TXT \"b\"",
            "example. 60 IN TXT \"a\"",
            "example. 60 IN NS ns.example.",
            "*.z.example. 60 IN AAAA ::1",
            "a.example. 60 IN MX 10 z.example.",
            "sub.example. 60 IN NS ns.sub.example.",
        ]))
        #expect(zone.delegationPoints == ["sub.example."])
        #expect(zone.zoneFileText == """
            $ORIGIN example.
            example. 60 IN SOA ns.example. h.example. 1 2 3 4 5
            example. 60 IN NS ns.example.
            example. 60 IN TXT "a"
            example. 60 IN TXT "b"
            a.example. 60 IN MX 10 z.example.
            Z.a.example. 60 IN A 10.0.0.1
            sub.example. 60 IN NS ns.sub.example.
            z.example. 60 IN A 10.0.0.2
            *.z.example. 60 IN AAAA ::1

            """)
    }
}
