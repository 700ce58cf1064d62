import DNSWire
import Testing

/// The in-place reading of plain queries: what it reads must agree with the full decoder, and
/// anything not of the plain shape must be left to it (nil).
@Suite struct QueryViewTests {
    func view(_ bytes: [UInt8]) -> (QueryView, [UInt8])? {
        var folded = [UInt8](repeating: 0, count: QueryView.maxNameLength)
        let result = bytes.withUnsafeBytes { raw in folded.withUnsafeMutableBufferPointer { QueryView(raw, folding: $0.baseAddress!) } }
        return result.map { ($0, Array(folded.prefix($0.nameLength))) }
    }

    func query(_ name: DNSName, _ type: RRType = .a, edns: EDNS? = nil) -> [UInt8] {
        try! Message(header: Header(id: 0x1234, flags: 0x0110), questions: [Question(name: name, type: type)], edns: edns).encode()
    }

    @Test(arguments: ["www.Example.COM.", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.", "x.", "ABCDEFGHIJKLMNOPQRSTUVWXYZ.example.[@`{."])
    func agreesWithTheFullDecoder(name: String) throws {
        let name = try DNSName(name)
        for edns in [nil, EDNS(udpPayloadSize: 1232, dnssecOK: true), EDNS(udpPayloadSize: 512, version: 1,
                                                                              options: [.init(code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8])])] {
            let bytes = query(name, .aaaa, edns: edns)
            let (read, folded) = try #require(view(bytes))
            let full = try Message(wire: bytes)
            #expect(read.id == 0x1234 && read.flags == 0x0110 && read.type == .aaaa && read.dnsClass == .internet)
            #expect(folded == name.lowercased().wire)
            #expect(read.questionName(in: bytes.withUnsafeBytes { $0 }) == name)
            #expect(read.questionName(in: bytes.withUnsafeBytes { $0 }).wire == name.wire, "the client's case is kept")
            #expect(read.questionEnd == 12 + name.wire.count + 4)
            #expect(read.edns?.udpPayloadSize == full.edns?.udpPayloadSize && read.edns?.version == full.edns?.version
                    && read.edns?.dnssecOK == full.edns?.dnssecOK)
        }
    }

    @Test func anythingButThePlainShapeIsLeftToTheDecoder() throws {
        let plain = query("www.example.com.")
        #expect(view(plain) != nil)
        #expect(view(Array(plain.dropLast())) == nil, "cut short")
        #expect(view(plain + [0]) == nil, "trailing bytes")
        var answers = plain
        answers[7] = 1
        #expect(view(answers) == nil, "ANCOUNT 1")
        #expect(view([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1]) == nil, "a pointer in the name")
        var badOption = query("www.example.com.", edns: EDNS(options: [.init(code: 10, data: [1, 2])]))
        badOption[badOption.count - 3] = 9  // the option's length now overruns the RDATA
        #expect(view(badOption) == nil)
        #expect((try? Message(wire: badOption)) == nil)
    }
}
