import DNSWire
import Testing

@Suite struct EncodingTests {
    private func response(answers: Int, edns: EDNS? = nil) throws -> Message {
        var header = Header(id: 7)
        header.isResponse = true
        let name = DNSName("big.example.")
        let records = (0..<answers).map { index in
            ResourceRecord(name: name, ttl: 60, rdata: .a(.init(10, 0, UInt8(index / 256), UInt8(index % 256))))
        }
        return Message(header: header, questions: [Question(name: name, type: .a)], answers: records, edns: edns)
    }

    @Test func compressionPointsAtTheQuestion() throws {
        let bytes = try response(answers: 2).encode()
        // Header 12 + question (13 name + 4) = 29; each answer: pointer 2 + 10 fixed + 4 RDATA.
        #expect(bytes.count == 29 + 2 * 16)
        #expect(bytes[29] == 0xc0 && bytes[30] == 12)
    }

    @Test func truncatesWholeRRsetsAndSetsTC() throws {
        let message = try response(answers: 40)
        let bytes = try message.encode(maxSize: 512)
        let decoded = try Message(wire: bytes)
        #expect(bytes.count <= 512)
        #expect(decoded.header.truncated)
        // One RRset of 40 records does not fit: the whole set goes.
        #expect(decoded.answers.isEmpty)
        let full = try Message(wire: message.encode(maxSize: 4096))
        #expect(!full.header.truncated)
        #expect(full.answers.count == 40)
    }

    @Test func truncationKeepsEarlierRRsetsAndTheOPT() throws {
        var message = try response(answers: 1, edns: EDNS(udpPayloadSize: 4096))
        let other = DNSName("other.example.")
        message.answers += (0..<60).map { ResourceRecord(name: other, ttl: 60, rdata: .a(.init(10, 1, 0, UInt8($0)))) }
        let decoded = try Message(wire: message.encode(maxSize: 512))
        #expect(decoded.header.truncated)
        #expect(decoded.answers.count == 1)
        #expect(decoded.edns?.udpPayloadSize == 4096)
    }

    @Test func additionalOverflowDoesNotSetTC() throws {
        var message = try response(answers: 1)
        let glue = DNSName("glue.example.")
        message.additionals = (0..<60).map { ResourceRecord(name: glue, ttl: 60, rdata: .a(.init(10, 2, 0, UInt8($0)))) }
        let decoded = try Message(wire: message.encode(maxSize: 512))
        #expect(!decoded.header.truncated)
        #expect(decoded.answers.count == 1)
        #expect(decoded.additionals.isEmpty)
    }

    @Test func extendedRCodeSplitsAcrossHeaderAndOPT() throws {
        var message = try response(answers: 0, edns: EDNS())
        message.rcode = .badVers
        let decoded = try Message(wire: message.encode())
        #expect(decoded.rcode == .badVers)
        #expect(decoded.header.rcodeLow == 0)
        #expect(decoded.edns?.extendedRCode == 1)
    }

    @Test func headerFlags() {
        var header = Header()
        header.isResponse = true
        header.opcode = .update
        header.recursionDesired = true
        header.recursionAvailable = true
        header.rcodeLow = 3
        let expected: UInt16 = 0x8000 | 0x2800 | 0x0100 | 0x0080 | 0x0003
        #expect(header.flags == expected)
        header.recursionDesired = false
        #expect(!header.recursionDesired && header.recursionAvailable && header.opcode == .update)
    }

    @Test func optAppendedToExistingBytesMatchesTheFullEncoder() throws {
        // What a cache hit does: take an encoded message without OPT, append the reply's OPT.
        let edns = EDNS(udpPayloadSize: 1232, dnssecOK: true, options: [.init(code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8])])
        var plain = try response(answers: 2)
        var writer = WireWriter(continuing: try plain.encode())
        try edns.encode(to: &writer)
        var bytes = writer.bytes
        bytes[11] += 1  // ARCOUNT now counts the OPT
        plain.edns = edns
        #expect(try bytes == plain.encode())
        #expect(edns.encodedSize == 11 + 4 + 8)
        #expect(try Message(wire: bytes).edns == edns)
    }

    @Test func srvTargetIsNeverCompressed() throws {
        let owner = DNSName("_x._tcp.example.")
        let message = Message(questions: [Question(name: "host.example.", type: .srv)],
                              answers: [ResourceRecord(name: owner, ttl: 1, rdata: .srv(priority: 0, weight: 0, port: 1, target: "host.example."))])
        let bytes = try message.encode()
        // The SRV target appears uncompressed: the label "host" is present twice.
        let host = Array("\u{4}host".utf8)
        let occurrences = (0...(bytes.count - host.count)).filter { Array(bytes[$0..<($0 + host.count)]) == host }.count
        #expect(occurrences == 2)
    }
}

@Suite struct PresentationTests {
    @Test(arguments: [
        "ssm.ap-northeast-1.amazonaws.com. 60 IN A 10.10.1.10",
        "ssm.ap-northeast-1.amazonaws.com. 60 IN AAAA fd00:10:10:1::10",
        "example. 3600 IN SOA ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400",
        "example. 300 IN TXT \"a b\" \"c\\\\d\" \"\\007\"",
        "example. 300 IN CAA 128 tbs \"Unknown\"",
        "example. 300 IN TYPE999 \\# 2 ABCD",
        "example. 300 IN TYPE999 \\# 0",
        // A CAA tag that is not letters and digits (legal on the wire) keeps the generic form.
        "example. 300 IN CAA \\# 13 0005697373752563612E6E6574",
    ])
    func roundTrip(text: String) throws {
        #expect(try ResourceRecord(text).description == text)
    }

    @Test func fieldOrderAndUnits() throws {
        let record = try ResourceRecord("www IN 1h CNAME web", origin: "corp.example.")
        #expect(record.description == "www.corp.example. 3600 IN CNAME web.corp.example.")
        #expect(try ResourceRecord("x.example. A 10.0.0.1", defaultTTL: 60).ttl == 60)
        let expected: UInt32 = 604_800 + 172_800 + 10_800 + 245
        #expect(TTLText.parse("1w2d3h4m5s") == expected)
        #expect(TTLText.parse("1x") == nil)
    }

    @Test func genericFormOfAKnownTypeIsValidated() throws {
        #expect(try ResourceRecord("x.example. 60 IN A \\# 4 0A000001").rdata == .a(.init(10, 0, 0, 1)))
        #expect(throws: PresentationError.self) { try ResourceRecord("x.example. 60 IN A \\# 3 0A0000") }
    }

    @Test func errorsPointAtTheToken() {
        #expect(throws: PresentationError(line: 1, column: 20, message: "bad IPv4 address '10.0.0.256'")) {
            try ResourceRecord("x.example. 60 IN A 10.0.0.256")
        }
        #expect(throws: PresentationError(line: 1, column: 15, message: "unknown record type 'BOGUS'")) {
            try ResourceRecord("x.example. 60 BOGUS 1")
        }
        #expect(throws: PresentationError(line: 1, column: 28, message: "unexpected 'extra' after A data")) {
            try ResourceRecord("x.example. 60 IN A 1.2.3.4 extra")
        }
    }

    @Test func lexerHandlesParenthesesCommentsAndQuotes() throws {
        var lexer = PresentationLexer("""
        @ IN SOA ns1 hostmaster ( ; comment
            1 ; serial
            2 3 4 5 )
        \tTXT "semi;colon" "paren(" a\\ b
        """)
        let soa = try #require(try lexer.next())
        #expect(soa.tokens.map(\.string) == ["@", "IN", "SOA", "ns1", "hostmaster", "1", "2", "3", "4", "5"])
        let txt = try #require(try lexer.next())
        #expect(txt.startsWithBlank)
        #expect(txt.line == 4)
        #expect(txt.tokens.map(\.string) == ["TXT", "semi;colon", "paren(", "a\\ b"])
        #expect(txt.tokens[1].quoted && txt.tokens[1].column == 6)
        #expect(try lexer.next() == nil)
        var unclosed = PresentationLexer("a ( b\nc")
        #expect(throws: PresentationError(line: 1, column: 3, message: "'(' is never closed")) { try unclosed.next() }
    }
}
