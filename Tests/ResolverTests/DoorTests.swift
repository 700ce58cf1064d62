import DNSCache
import DNSWire
import IPAddress
import Resolver
import Testing
import VPCConfig
import VPCModel

/// The door's order: a client outside `allow` and every VPC learns nothing from a malformed or
/// unsupported packet (REFUSED for a plain query, otherwise no answer at all), because the
/// access check comes before any decoding; allowed clients get the precise error.
@Suite struct DoorTests {
    static let outsider = SocketAddress("192.0.2.7:5000")!
    static let insider = SocketAddress("10.10.0.5:5000")!

    static let hostile: [(String, [UInt8])] = [
        ("pointer loop", [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1]),
        ("bad label", [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0] + Array(repeating: 0xff, count: 20)),
        ("question cut short", [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 3, 0x77, 0x77, 0x77, 7, 0x65]),
        ("two questions", [0x12, 0x34, 0x01, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 1, 0x61, 0, 0, 1, 0, 1, 1, 0x62, 0, 0, 1, 0, 1]),
        ("opcode UPDATE", [0x12, 0x34, 0x28, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x61, 0, 0, 6, 0, 1]),
        ("answer count lies", [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 5, 0, 0, 0, 0, 1, 0x61, 0, 0, 1, 0, 1]),
        ("header only", [0x12, 0x34, 0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0]),
    ]

    func ask(_ bytes: [UInt8], from client: SocketAddress, tcp: Bool = false) throws -> [Message] {
        let sink = CapturingSink()
        let engine = try EngineTests.engine()
        bytes.withUnsafeBytes { engine.handle($0, client: client, local: nil, overTCP: tcp, sink: sink) }
        engine.state.upstreams.shutdown()
        #expect(sink.messages.count == sink.count, "a reply that does not decode")
        return sink.messages
    }

    @Test(arguments: [false, true])
    func outsidersGetNothingForMalformedOrUnsupportedPackets(tcp: Bool) throws {
        for (label, bytes) in Self.hostile {
            let replies = try ask(bytes, from: Self.outsider, tcp: tcp)
            #expect(replies.allSatisfy { $0.rcode == .refused }, "\(label): \(replies.map(\.rcode))")
            #expect(replies.isEmpty, "\(label): an outsider's malformed packet was answered")
            // The same packet from a VPC client gets its precise error.
            let inside = try ask(bytes, from: Self.insider, tcp: tcp)
            #expect(inside.count == 1 && inside.allSatisfy { [.formErr, .notImp].contains($0.rcode) }, "\(label): \(inside.map(\.rcode))")
        }
    }

    @Test func outsidersGetREFUSEDForAPlainQueryEvenWithAnUnknownEDNSVersion() throws {
        var header = Header(id: 7)
        header.recursionDesired = true
        let query = try Message(header: header, questions: [Question(name: "ssm.us-east-1.amazonaws.com.", type: .a)],
                            edns: EDNS(udpPayloadSize: 1232, version: 1)).encode()
        let reply = try #require(try ask(query, from: Self.outsider).first)
        #expect(reply.rcode == .refused && reply.header.id == 7 && reply.answers.isEmpty)
        #expect(reply.questions.map(\.name) == ["ssm.us-east-1.amazonaws.com."])
        // An insider gets BADVERS for the same packet.
        #expect(try ask(query, from: Self.insider).first?.rcode == .badVers)
    }
}
