import DNSWire
import Testing

/// The decoder must reject, never trap on, malformed input.
@Suite struct HostileInputTests {
    private func header(qd: UInt16 = 1, an: UInt16 = 0, ns: UInt16 = 0, ar: UInt16 = 0) -> [UInt8] {
        [0x12, 0x34, 0x01, 0x00, UInt8(qd >> 8), UInt8(qd & 0xff), UInt8(an >> 8), UInt8(an & 0xff),
         UInt8(ns >> 8), UInt8(ns & 0xff), UInt8(ar >> 8), UInt8(ar & 0xff)]
    }

    @Test func shortHeader() {
        #expect(throws: DNSWireError.self) { try Message(wire: [0x12, 0x34, 0x01]) }
        #expect([UInt8](repeating: 0, count: 11).withUnsafeBytes { HeaderPeek($0) } == nil)
        #expect([UInt8](repeating: 0, count: 12).withUnsafeBytes { HeaderPeek($0) } != nil)
    }

    @Test func pointerToItself() {
        let packet = header() + [0xc0, 12, 0, 1, 0, 1]
        #expect(throws: DNSWireError.badPointer(offset: 12, target: 12)) { try Message(wire: packet) }
    }

    @Test func forwardPointer() {
        let packet = header() + [0xc0, 18, 0, 1, 0, 1, 1, 0x61, 0]
        #expect(throws: DNSWireError.badPointer(offset: 12, target: 18)) { try Message(wire: packet) }
    }

    @Test func pointerLoopBetweenTwoNames() {
        // Question name "a" then a pointer back to 12; answer owner points to the pointer at 14,
        // which points to 12: legal. Then make 12 point forward to 14: rejected.
        let looping = header() + [0xc0, 14, 0xc0, 12, 0, 1, 0, 1]
        #expect(throws: DNSWireError.self) { try Message(wire: looping) }
    }

    @Test func reservedLabelTypes() {
        #expect(throws: DNSWireError.reservedLabelType(offset: 12)) { try Message(wire: header() + [0x40, 0, 0, 1, 0, 1]) }
        #expect(throws: DNSWireError.reservedLabelType(offset: 12)) { try Message(wire: header() + [0x80, 0, 0, 1, 0, 1]) }
    }

    @Test func labelRunsPastTheEnd() {
        #expect(throws: DNSWireError.self) { try Message(wire: header() + [10, 0x61, 0x62]) }
    }

    @Test func nameLongerThan255ViaPointers() {
        // 4 labels of 63 bytes = 256 bytes with lengths, plus root: too long, built from pointers.
        var packet = header(qd: 2)
        let label = [UInt8](repeating: 0x61, count: 63)
        packet += [63] + label + [63] + label + [0, 0, 1, 0, 1]     // name 1 at 12
        packet += [63] + label + [63] + label + [0xc0, 12, 0, 1, 0, 1]
        #expect(throws: DNSWireError.nameTooLong(offset: 12 + 129 + 4)) { try Message(wire: packet) }
    }

    @Test func countsLargerThanData() {
        #expect(throws: DNSWireError.self) { try Message(wire: header(qd: 0xffff, an: 0xffff, ns: 0xffff, ar: 0xffff)) }
    }

    @Test func rdataLengthMismatch() {
        var packet = header(qd: 0, an: 1)
        packet += [0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 5, 10, 0, 0, 1, 9]
        #expect(throws: DNSWireError.badRData(type: .a, reason: "length 5, expected 4")) { try Message(wire: packet) }
        var cname = header(qd: 0, an: 1)
        cname += [0, 0, 5, 0, 1, 0, 0, 0, 60, 0, 4, 1, 0x61, 0, 0]
        #expect(throws: DNSWireError.rdataLengthMismatch(type: .cname, declared: 4, used: 3)) { try Message(wire: cname) }
    }

    @Test func twoOPTRecords() {
        let opt: [UInt8] = [0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]
        #expect(throws: DNSWireError.badOPT(reason: "more than one OPT record")) {
            try Message(wire: header(qd: 0, ar: 2) + opt + opt)
        }
        #expect(throws: DNSWireError.badOPT(reason: "OPT outside the additional section")) {
            try Message(wire: header(qd: 0, an: 1) + opt)
        }
    }

    /// Every prefix and many single-byte corruptions of real packets decode or throw, never trap.
    @Test(arguments: ["dig-query-edns.hex", "response-mixed-types.hex", "response-nxdomain-soa.hex"])
    func corruptionsNeverTrap(name: String) throws {
        let bytes = try fixture(name)
        for length in 0...bytes.count {
            _ = try? Message(wire: Array(bytes.prefix(length)))
        }
        var generator = SplitMix(seed: 42)
        for _ in 0..<20_000 {
            var mutated = bytes
            for _ in 0..<(1 + Int(generator.next() % 4)) {
                mutated[Int(generator.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            if let message = try? Message(wire: mutated) {
                // Whatever decodes must re-encode and decode to the same value.
                #expect(try Message(wire: message.encode()) == message)
            }
        }
    }
}

/// A small deterministic generator so failures reproduce.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
