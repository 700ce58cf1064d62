import DNSCache
import DNSWire
import Testing

/// What is cached and what is not (RFC 2308 for negative answers).
@Suite struct PolicyTests {
    /// (rcode, SOA TTL, SOA MINIMUM, maxNegativeTTL, negative TTL expected)
    @Test(arguments: [
        (RCode.nxDomain, UInt32(900), UInt32(86_400), UInt32(3_600), UInt32(900)),
        (.nxDomain, 900, 60, 3_600, 60),
        (.nxDomain, 7_200, 86_400, 3_600, 3_600),
        (.noError, 900, 86_400, 3_600, 900),
        (.noError, 900, 30, 3_600, 30),
        (.noError, 86_400, 86_400, 600, 600),
    ])
    func negativeAnswersUseTheSOA(rcode: RCode, soaTTL: UInt32, minimum: UInt32, cap: UInt32, expected: UInt32) throws {
        let (cache, clock) = makeCache(CacheSettings(maxNegativeTTL: cap))
        let name: DNSName = "missing.example."
        let soa = "example. \(soaTTL) IN SOA ns1.example. hostmaster.example. 1 7200 900 1209600 \(minimum)"
        let message = try response(name, rcode: rcode, authority: [soa])
        #expect(cache.store(message, for: key(name)) == .stored(ttl: expected, negative: true))
        clock.advance(seconds: 10)
        let reply = try #require(cache.lookup(key(name), query: query(name)))
        #expect(reply.rcode == rcode)
        #expect(reply.answers.isEmpty)
        #expect(reply.authorities.map(\.ttl) == [expected - 10], "the SOA is served with the negative TTL, counted down")
        clock.advance(seconds: UInt64(expected - 10))
        #expect(cache.lookup(key(name), query: query(name)) == nil)
    }

    @Test func nxdomainAfterACNAMEKeepsTheChain() throws {
        let (cache, _) = makeCache()
        let name: DNSName = "alias.example."
        let message = try response(name, rcode: .nxDomain, answers: ["alias.example. 300 IN CNAME gone.example."], authority: [soa])
        #expect(cache.store(message, for: key(name)) == .stored(ttl: 300, negative: true))
        let reply = try #require(cache.lookup(key(name), query: query(name)))
        #expect(reply.rcode == .nxDomain)
        #expect(reply.answers.map(\.type) == [.cname])
    }

    struct Refusal: CustomTestStringConvertible, Sendable {
        let label: String
        let make: @Sendable (DNSName) throws -> Message
        let reason: StoreResult.NotCached
        var testDescription: String { label }
    }

    static let refusals: [Refusal] = [
        Refusal(label: "NXDOMAIN without SOA", make: { try response($0, rcode: .nxDomain) }, reason: .noSOA),
        Refusal(label: "NODATA without SOA", make: { try response($0) }, reason: .noSOA),
        Refusal(label: "referral (NS, no SOA)", make: { try response($0, authority: ["example. 300 IN NS ns1.example."]) },
                reason: .noSOA),
        Refusal(label: "TC", make: { try response($0, answers: ["x.example. 60 IN A 192.0.2.1"]) { $0.truncated = true } },
                reason: .truncated),
        Refusal(label: "SERVFAIL", make: { try response($0, rcode: .servFail) }, reason: .rcode(.servFail)),
        Refusal(label: "REFUSED", make: { try response($0, rcode: .refused) }, reason: .rcode(.refused)),
        Refusal(label: "FORMERR", make: { try response($0, rcode: .formErr) }, reason: .rcode(.formErr)),
        Refusal(label: "NOTIMP", make: { try response($0, rcode: .notImp) }, reason: .rcode(.notImp)),
        Refusal(label: "SERVFAIL with answers and SOA",
                make: { try response($0, rcode: .servFail, answers: ["x.example. 60 IN A 192.0.2.1"], authority: [soa]) },
                reason: .rcode(.servFail)),
        Refusal(label: "BADVERS (extended)", make: { try response($0, rcode: .badVers, edns: EDNS()) }, reason: .rcode(.badVers)),
        Refusal(label: "answer TTL 0", make: { try response($0, answers: ["x.example. 60 IN A 192.0.2.1", "x.example. 0 IN A 192.0.2.2"]) },
                reason: .zeroTTL),
        Refusal(label: "authority TTL 0",
                make: { try response($0, answers: ["x.example. 60 IN A 192.0.2.1"], authority: ["example. 0 IN NS ns1.example."]) },
                reason: .zeroTTL),
        Refusal(label: "SOA MINIMUM 0",
                make: { try response($0, rcode: .nxDomain, authority: ["example. 900 IN SOA ns1.example. h.example. 1 2 3 4 0"]) },
                reason: .zeroTTL),
        Refusal(label: "not a response",
                make: { try response($0, answers: ["x.example. 60 IN A 192.0.2.1"]) { $0.isResponse = false } },
                reason: .notAResponse),
        Refusal(label: "other question name",
                make: { _ in try response("y.example.", answers: ["y.example. 60 IN A 192.0.2.1"]) }, reason: .questionMismatch),
        Refusal(label: "other question type",
                make: { try response($0, .aaaa, answers: ["x.example. 60 IN AAAA 2001:db8::1"]) }, reason: .questionMismatch),
        Refusal(label: "no question", make: { name in
            var message = try response(name, answers: ["x.example. 60 IN A 192.0.2.1"])
            message.questions = []
            return message
        }, reason: .questionMismatch),
    ]

    @Test(arguments: refusals)
    func refused(_ refusal: Refusal) throws {
        let (cache, _) = makeCache()
        let name: DNSName = "x.example."
        #expect(cache.store(try refusal.make(name), for: key(name)) == .notCached(refusal.reason))
        #expect(cache.count == 0)
        #expect(cache.lookup(key(name), query: query(name)) == nil)
        #expect(cache.statistics.uncacheable == 1)
        #expect(cache.statistics.inserts == 0)
    }

    @Test func undecodableBytesAreNotCached() throws {
        let (cache, _) = makeCache()
        let name: DNSName = "x.example."
        var bytes = try response(name, answers: ["x.example. 60 IN A 192.0.2.1"]).encode()
        #expect(cache.store(wire: bytes, for: key(name)) == .stored(ttl: 60, negative: false), "the well-formed reply is cached")
        cache.removeAll()
        bytes.removeLast(2)
        guard case .notCached(.undecodable) = cache.store(wire: bytes, for: key(name)) else {
            Issue.record("a reply cut short must be refused as undecodable")
            return
        }
        #expect(cache.count == 0)
    }

    @Test func disabledCacheStoresNothing() throws {
        let (cache, _) = makeCache(CacheSettings(maxEntries: 0))
        let name: DNSName = "x.example."
        #expect(cache.store(try response(name, answers: ["x.example. 60 IN A 192.0.2.1"]), for: key(name)) == .notCached(.disabled))
        #expect(cache.count == 0)
    }

    @Test func anEntryLargerThanTheByteBoundIsRefused() throws {
        let (cache, _) = makeCache(CacheSettings(maxBytes: 300))
        let name: DNSName = "x.example."
        let answers = (0..<40).map { "x.example. 60 IN A 192.0.2.\($0)" }
        guard case .notCached(.tooLarge) = cache.store(try response(name, answers: answers), for: key(name)) else {
            Issue.record("expected tooLarge")
            return
        }
        #expect(cache.count == 0)
    }

    @Test func keysKeepAnswersApart() throws {
        let (cache, _) = makeCache()
        let name: DNSName = "x.example."
        let base = key(name)
        cache.store(try response(name, answers: ["x.example. 60 IN A 192.0.2.1"]), for: base)
        var otherClass = base
        otherClass.dnsClass = .chaos
        let others: [(String, CacheKey)] = [
            ("type", key(name, .aaaa)), ("class", otherClass), ("DO", key(name, dnssecOK: true)),
            ("upstream set", key(name, upstreamSet: 1)), ("view", key(name, view: "vpc-0a1b2c3d4e5f60718")),
            ("name", key("y.example.")),
        ]
        for (label, other) in others {
            let otherQuery = Message(header: Header(id: 1),
                                     questions: [Question(name: other.name, type: other.type, dnsClass: other.dnsClass)])
            #expect(cache.lookup(other, query: otherQuery) == nil, "differs by \(label)")
        }
        #expect(cache.lookup(base, query: query(name)) != nil)

        // And each key gets its own answer back.
        cache.store(try response(name, answers: ["x.example. 60 IN A 192.0.2.2"]), for: key(name, dnssecOK: true))
        cache.store(try response(name, answers: ["x.example. 60 IN A 192.0.2.3"]), for: key(name, upstreamSet: 7))
        let expected: [(CacheKey, UInt8)] = [(base, 1), (key(name, dnssecOK: true), 2), (key(name, upstreamSet: 7), 3)]
        for (key, last) in expected {
            #expect(cache.lookup(key, query: query(name))?.answers.map(\.rdata) == [.a(.init(192, 0, 2, last))])
        }
    }

    @Test func keysIgnoreCase() throws {
        let (cache, _) = makeCache()
        cache.store(try response("WWW.Example.", answers: ["WWW.Example. 60 IN A 192.0.2.1"]), for: key("WWW.Example."))
        #expect(cache.lookup(key("www.example."), query: query("www.EXAMPLE.")) != nil)
        #expect(key("WWW.Example.") == key("www.example."))
        #expect(key("WWW.Example.").hashValue == key("www.example.").hashValue)
    }

    /// Key equality and hashing agree for case variants, at every position of the 8-byte words
    /// the hash folds, and never fold bytes that are not A-Z ('@' and '[' border them; 0xC1 |
    /// 0x20 would be 0xE1).
    @Test(arguments: [
        ("WWW.Example.", "www.example.", true),
        ("a.B.c.D.e.F.g.H.i.J.k.L.", "A.b.C.d.E.f.G.h.I.j.K.l.", true),
        ("ssm.ap-northeast-1.AMAZONAWS.com.", "SSM.AP-NORTHEAST-1.amazonaws.COM.", true),
        ("\\064.example.", "\\096.example.", false),  // '@' vs '`'
        ("\\091.example.", "\\123.example.", false),  // '[' vs '{'
        ("\\193.example.", "\\225.example.", false),  // 0xC1 vs 0xE1
        ("\\090.example.", "\\122.example.", true),   // 'Z' vs 'z'
        ("\\065.example.", "\\097.example.", true),   // 'A' vs 'a'
        ("abcdefgh.example.", "abcdefgi.example.", false),
    ])
    func keyEqualityAndHashAgree(lhs: String, rhs: String, equal: Bool) throws {
        let left = key(try DNSName(lhs)), right = key(try DNSName(rhs))
        #expect((left == right) == equal)
        #expect((try DNSName(lhs) == DNSName(rhs)) == equal, "same verdict as DNSName")
        if equal { #expect(left.hashValue == right.hashValue) }
        var other = left
        other.view = "v"
        #expect(other != left)
    }

    @Test func storingAgainReplacesTheEntry() throws {
        let (cache, clock) = makeCache()
        let name: DNSName = "x.example."
        cache.store(try response(name, answers: ["x.example. 60 IN A 192.0.2.1"]), for: key(name))
        clock.advance(seconds: 30)
        cache.store(try response(name, answers: ["x.example. 60 IN A 192.0.2.9"]), for: key(name))
        let reply = try #require(cache.lookup(key(name), query: query(name)))
        #expect(reply.answers.map(\.rdata) == [.a(.init(192, 0, 2, 9))])
        #expect(reply.answers.map(\.ttl) == [60], "the new entry counts from its own store time")
        #expect(cache.count == 1)
        #expect(cache.statistics.updates == 1 && cache.statistics.inserts == 1)
    }
}
