import DNSCache
import DNSWire
import Platform
import Resolver
import Testing

/// The header and OPT of a reply come from `ReplyRules` whichever path makes it: a response
/// built from sections and a cache hit give the same bytes for the same request and answer.
@Suite struct ReplyRulesTests {
    static let queryFlags: [UInt16] = [0, 0x0100, 0x0110, 0x0020, 0x0130, 0x0400 | 0x0200 | 0x0100]
    static let queryEDNS: [EDNS?] = [nil, EDNS(udpPayloadSize: 1232), EDNS(udpPayloadSize: 512, dnssecOK: true),
                                     EDNS(udpPayloadSize: 8000, dnssecOK: true), EDNS(udpPayloadSize: 100)]

    @Test(arguments: queryFlags, queryEDNS)
    func cacheHitEqualsTheBuiltResponse(flags: UInt16, edns: EDNS?) throws {
        let asked = try DNSName("Www.Example.")
        let query = try Message(header: Header(id: 0x4242, flags: flags), questions: [Question(name: asked, type: .a)], edns: edns).encode()
        guard case .accepted(let request) = query.withUnsafeBytes({ RequestAdmission.admit($0, overTCP: false) }) else {
            Issue.record("query not admitted")
            return
        }
        let record = ResourceRecord(name: try DNSName("www.example."), ttl: 300, rdata: .a(.init(192, 0, 2, 7)))
        let built = ResponseBuilder.response(to: request, rcode: .noError, answers: [record])

        let cache = DNSCache(clock: ManualClock(milliseconds: 5_000))
        let key = CacheKey(name: try DNSName("www.example."), type: .a, dnssecOK: edns?.dnssecOK ?? false)
        var upstreamHeader = Header(id: 0)
        upstreamHeader.isResponse = true
        upstreamHeader.recursionAvailable = true
        let upstream = Message(header: upstreamHeader, questions: [Question(name: key.name, type: .a)], answers: [record])
        #expect(cache.store(upstream, for: key) == .stored(ttl: 300, negative: false))
        let hit = cache.lookupWire(key, query: request.message, edns: ReplyRules.edns(answering: request.edns),
                                   maxSize: request.maxResponseSize)
        #expect(hit == built)

        let reply = try Message(wire: built)
        #expect(reply.header.flags == ReplyRules.flags(query: flags, rcode: 0))
        #expect(!reply.header.authoritative && !reply.header.truncated && !reply.header.authenticData)
        #expect(reply.edns == edns.map { EDNS(udpPayloadSize: 4096, dnssecOK: $0.dnssecOK) })
    }

    /// An EDNS version vpcdns does not speak: BADVERS in the OPT's extended RCODE, the low bits of
    /// the header's RCODE 0, the same OPT as every reply (4096, DO echoed).
    @Test(arguments: [false, true])
    func badVersionAnswerFollowsTheRules(dnssecOK: Bool) throws {
        var header = Header(id: 9)
        header.recursionDesired = true
        let query = try Message(header: header, questions: [Question(name: try DNSName("example."), type: .a)],
                                edns: EDNS(udpPayloadSize: 1232, version: 1, dnssecOK: dnssecOK)).encode()
        guard case .rejected(let bytes, let rcode) = query.withUnsafeBytes({ RequestAdmission.admit($0, overTCP: false) }) else {
            Issue.record("version 1 admitted")
            return
        }
        #expect(rcode == .badVers)
        let reply = try Message(wire: bytes)
        #expect(reply.rcode == .badVers)
        #expect(reply.header.flags == ReplyRules.flags(query: header.flags, rcode: RCode.badVers.rawValue))
        #expect(reply.edns?.udpPayloadSize == 4096)
        #expect(reply.edns?.dnssecOK == dnssecOK)
        #expect(reply.edns?.version == 0)
    }

    /// AD only for an authenticated answer, and only to a client that set AD or DO (RFC 6840 5.8).
    @Test func authenticDataOnlyToClientsThatAsked() {
        #expect(ReplyRules.flags(query: 0x0100, rcode: 0, authenticated: true) & 0x0020 == 0)
        #expect(ReplyRules.flags(query: 0x0120, rcode: 0, authenticated: true) & 0x0020 != 0)
        #expect(ReplyRules.flags(query: 0x0100, rcode: 0, authenticated: true, dnssecOK: true) & 0x0020 != 0)
        #expect(ReplyRules.flags(query: 0x0120, rcode: 0) & 0x0020 == 0)
    }

    /// Every reply built from sections (local answers, forwarded answers) takes the TCP size rule
    /// from `ReplyRules.encode`: 4,094 A records fill a whole message only without the OPT record,
    /// so over TCP they go whole and without it, over UDP truncated.
    @Test(arguments: [false, true])
    func aResponseThatFillsTheMessageIsNotTruncatedOverTCP(overTCP: Bool) throws {
        var header = Header(id: 5)
        header.recursionDesired = true
        let name = try DNSName("big.example.")
        let query = try Message(header: header, questions: [Question(name: name, type: .a)], edns: EDNS()).encode()
        guard case .accepted(let request) = query.withUnsafeBytes({ RequestAdmission.admit($0, overTCP: overTCP) }) else {
            Issue.record("query not admitted")
            return
        }
        let records = (0..<4094).map { ResourceRecord(name: name, ttl: 60, rdata: .a(.init(10, 0, UInt8($0 >> 8), UInt8($0 & 0xff)))) }
        let reply = try Message(wire: ResponseBuilder.response(to: request, rcode: .noError, answers: records))
        #expect(reply.header.truncated == !overTCP)
        #expect(reply.answers.count == (overTCP ? 4094 : 0))
        #expect((reply.edns == nil) == overTCP)
    }
}
