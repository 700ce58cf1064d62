import DNSWire
import Testing

/// Golden packets from dig and dnspython (see Fixtures/generate.py), decoded and re-encoded.
@Suite struct GoldenPacketTests {
    @Test func digQueryWithEDNS() throws {
        let message = try decode(try fixture("dig-query-edns.hex"))
        #expect(message.questions == [Question(name: "ssm.ap-northeast-1.amazonaws.com.", type: .a)])
        #expect(message.header.recursionDesired)
        #expect(!message.header.isResponse)
        #expect(message.header.opcode == .query)
        let edns = try #require(message.edns)
        #expect(edns.udpPayloadSize == 1232)
        #expect(edns.version == 0)
        #expect(!edns.dnssecOK)
        #expect(edns.options.map(\.code) == [10])  // dig sends a COOKIE option
        #expect(message.additionals.isEmpty)
    }

    @Test func digQueryWithoutEDNS() throws {
        let message = try decode(try fixture("dig-query-noedns.hex"))
        #expect(message.edns == nil)
        #expect(message.questions.first?.type == .aaaa)
    }

    @Test func digQueryWithDO() throws {
        let message = try decode(try fixture("dig-query-do.hex"))
        #expect(message.edns?.dnssecOK == true)
        #expect(message.edns?.udpPayloadSize == 1232)
        #expect(message.questions.first?.type == .mx)
    }

    @Test func compressedAnswer() throws {
        let bytes = try fixture("response-a-compressed.hex")
        let message = try decode(bytes)
        #expect(message.header.id == 0x1234)
        #expect(presentation(message.answers) == [
            "ssm.ap-northeast-1.amazonaws.com. 60 IN A 10.10.1.10",
            "ssm.ap-northeast-1.amazonaws.com. 60 IN A 10.10.2.10",
        ])
        // Our encoder compresses the same way: every owner name is a pointer to the question.
        #expect(try message.encode() == bytes)
    }

    @Test func everyKnownType() throws {
        let message = try decode(try fixture("response-mixed-types.hex"))
        #expect(presentation(message.answers) == [
            "10.1.10.10.in-addr.arpa. 300 IN PTR host.corp.example.internal.",
            "_ldap._tcp.corp.example.internal. 300 IN SRV 0 5 389 dc1.corp.example.internal.",
            "corp.example.internal. 300 IN AAAA fd00:10:10::5",
            "corp.example.internal. 300 IN CAA 0 issue \"amazon.com\"",
            "corp.example.internal. 300 IN MX 10 mail.corp.example.internal.",
            "corp.example.internal. 300 IN NS ns1.corp.example.internal.",
            "corp.example.internal. 300 IN SOA ns1.corp.example.internal. hostmaster.corp.example.internal. 2024010101 7200 900 1209600 60",
            "corp.example.internal. 300 IN TXT \"v=spf1 -all\" \"second \\\"quoted\\\" string\"",
            "corp.example.internal. 300 IN TYPE65280 \\# 3 010203",
            "www.corp.example.internal. 300 IN CNAME web.corp.example.internal.",
        ])
    }

    @Test(arguments: ["dig-query-edns.hex", "dig-query-noedns.hex", "dig-query-do.hex", "response-a-compressed.hex",
                      "response-mixed-types.hex", "response-nxdomain-soa.hex"])
    func decodeEncodeDecodeIsStable(name: String) throws {
        let first = try decode(try fixture(name))
        let encoded = try first.encode()
        let second = try decode(encoded)
        #expect(second == first)
        #expect(try second.encode() == encoded)
    }

    @Test func presentationParsesBackToTheSameRecords() throws {
        let message = try decode(try fixture("response-mixed-types.hex"))
        for record in message.answers + message.authorities {
            #expect(try ResourceRecord(record.description) == record)
        }
    }
}
