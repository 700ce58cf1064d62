import DNSWire
import Testing

/// Records whose fields cannot fit their wire length fields: encoding throws, never traps.
@Suite struct UnencodableTests {
    private func response(_ rdata: RData) -> Message {
        let name = DNSName("big.example.")
        var header = Header(id: 9)
        header.isResponse = true
        return Message(header: header, questions: [Question(name: name, type: rdata.type)],
                       answers: [ResourceRecord(name: name, ttl: 60, rdata: rdata)], edns: EDNS())
    }

    /// Each case: the record, the field named in the error and its length.
    static func oversized(_ label: String) -> (RData, String, Int, Int) {
        switch label {
        case "TXT of 257 strings of 255 bytes":
            (.txt(Array(repeating: Array(repeating: 0x61, count: 255), count: 257)), "TXT RDATA", 65792, 65535)
        case "CAA value of 70,000 bytes":
            (.caa(flags: 0, tag: Array("issue".utf8), value: Array(repeating: 0x61, count: 70_000)), "CAA RDATA", 70_007, 65535)
        case "unknown type of 65,536 bytes":
            (.unknown(type: RRType(65400), bytes: Array(repeating: 0, count: 65_536)), "TYPE65400 RDATA", 65_536, 65535)
        case "TXT character-string of 256 bytes":
            (.txt([Array(repeating: 0x61, count: 256)]), "TXT character-string", 256, 255)
        default:
            (.caa(flags: 0, tag: Array(repeating: 0x61, count: 256), value: []), "CAA tag", 256, 255)
        }
    }

    @Test(arguments: ["TXT of 257 strings of 255 bytes", "CAA value of 70,000 bytes", "unknown type of 65,536 bytes",
                      "TXT character-string of 256 bytes", "CAA tag of 256 bytes"])
    func oversizedRecordThrows(_ label: String) {
        let (rdata, what, length, limit) = Self.oversized(label)
        for maxSize in [512, 4096, 65535] {
            #expect(throws: DNSWireError.fieldTooLong(what: what, length: length, limit: limit)) {
                try response(rdata).encode(maxSize: maxSize)
            }
        }
    }

    @Test func largestRDATAStillEncodes() throws {
        // 255 strings of 255 bytes and one of 254 make exactly 65535 bytes of RDATA.
        let strings = Array(repeating: Array(repeating: UInt8(0x61), count: 255), count: 255) + [Array(repeating: 0x61, count: 254)]
        let rdata = RData.txt(strings)
        #expect(rdata.uncompressedLength == 65535)
        let bytes = try response(rdata).encode(maxSize: 65535)
        // Too large for any message with the question: left out, TC set.
        #expect(try Message(wire: bytes).header.truncated)
        var writer = WireWriter()
        try ResourceRecord(name: .root, ttl: 0, rdata: rdata).encode(to: &writer)
        #expect(writer.count == 11 + 65535)
    }

    @Test func oversizedEDNSOptionsThrow() {
        let options = Array(repeating: EDNS.Option(code: 65001, data: Array(repeating: 0, count: 40_000)), count: 2)
        let message = Message(header: Header(id: 1), questions: [Question(name: "a.example.", type: .a)], edns: EDNS(options: options))
        #expect(throws: DNSWireError.fieldTooLong(what: "EDNS options", length: 80_008, limit: 65535)) {
            try message.encode()
        }
    }

    @Test func headerAloneHasZeroCounts() {
        var header = Header(id: 0xabcd)
        header.isResponse = true
        header.rcodeLow = 2
        #expect(header.wireWithoutSections == [0xab, 0xcd, 0x80, 0x02, 0, 0, 0, 0, 0, 0, 0, 0])
    }
}
