import DNSWire
import Testing

@Suite struct DNSNameTests {
    @Test(arguments: [
        ("ssm.ap-northeast-1.amazonaws.com", "ssm.ap-northeast-1.amazonaws.com."),
        ("SSM.Ap-Northeast-1.AmazonAWS.com.", "SSM.Ap-Northeast-1.AmazonAWS.com."),
        (".", "."),
        ("a\\.b.example.", "a\\.b.example."),
        ("a\\032b.example.", "a\\032b.example."),
        ("\\097bc.example.", "abc.example."),
        ("*.dkr.ecr.us-east-1.amazonaws.com", "*.dkr.ecr.us-east-1.amazonaws.com."),
    ])
    func presentationRoundTrip(text: String, expected: String) throws {
        #expect(try DNSName(text).description == expected)
    }

    @Test func relativeNamesTakeTheOrigin() throws {
        let origin = DNSName("corp.example.internal.")
        #expect(try DNSName("www", origin: origin).description == "www.corp.example.internal.")
        #expect(try DNSName("www.other.", origin: origin).description == "www.other.")
        #expect(try DNSName("@", origin: origin) == origin)
    }

    @Test func comparisonIgnoresASCIICaseOnly() throws {
        #expect(DNSName("SSM.example.") == DNSName("ssm.EXAMPLE."))
        #expect(DNSName("ssm.example.").hashValue == DNSName("SSM.EXAMPLE.").hashValue)
        #expect(DNSName("\\195\\137.example.") != DNSName("\\195\\169.example."))
        let set: Set<DNSName> = [DNSName("A.example."), DNSName("a.example.")]
        #expect(set.count == 1)
    }

    @Test func limitsAreEnforced() throws {
        let label63 = String(repeating: "a", count: 63)
        #expect(throws: DNSNameError.labelTooLong(64)) { try DNSName(label63 + "a.example.") }
        let doubleDot = "a..example."  // a variable: a literal would use the trapping literal initializer
        #expect(throws: DNSNameError.emptyLabel) { try DNSName(doubleDot) }
        let long = Array(repeating: label63, count: 4).joined(separator: ".") + "."
        #expect(throws: DNSNameError.nameTooLong(257)) { try DNSName(long) }
        let fits = Array(repeating: label63, count: 3).joined(separator: ".") + "." + String(repeating: "b", count: 61) + "."
        #expect(try DNSName(fits).wire.count == 255)
        let badEscape = "bad\\25x.example."
        #expect(throws: DNSNameError.self) { try DNSName(badEscape) }
    }

    @Test func hierarchy() throws {
        let name = DNSName("foo.ssm.us-east-1.amazonaws.com.")
        #expect(name.isSubdomain(of: DNSName("SSM.us-east-1.amazonaws.com.")))
        #expect(name.isSubdomain(of: .root))
        #expect(!name.isSubdomain(of: DNSName("sm.us-east-1.amazonaws.com.")))
        #expect(!(DNSName("ssmmessages.us-east-1.amazonaws.com.")).isSubdomain(of: DNSName("ssm.us-east-1.amazonaws.com.")))
        #expect(name.parent?.description == "ssm.us-east-1.amazonaws.com.")
        #expect(name.labelCount == 5)
        #expect(name.dropping(labels: 2).description == "us-east-1.amazonaws.com.")
        #expect(DNSName("*.example.").isWildcard)
        #expect(!(DNSName("a*.example.")).isWildcard)
    }

    @Test func canonicalOrder() throws {
        let names = try ["z.example.", "example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.", "*.z.example."].map { try DNSName($0) }
        #expect(names.sorted().map(\.description) == ["example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.", "z.example.", "*.z.example."])
    }
}
