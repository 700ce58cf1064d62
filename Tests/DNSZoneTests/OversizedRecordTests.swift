import DNSWire
@testable import DNSZone
import Testing

/// RDATA that RDLENGTH cannot count (over 65535 bytes) is refused where it is written, as
/// named-checkzone refuses it ("ran out of space"), so such a record never reaches a response.
@Suite struct OversizedRecordTests {
    @Test func txtOf257FullStringsIsRefusedAtItsLine() {
        let strings = Array(repeating: "\"" + String(repeating: "a", count: 255) + "\"", count: 257).joined(separator: " ")
        #expect(zoneErrors(zoneHead + "big TXT " + strings + "\n") == [
            "test.zone:6:5: TXT RDATA of 65792 bytes exceeds the 65535 a record can hold",
        ])
    }

    @Test func caaOf70KBIsRefusedAtItsLine() {
        let value = String(repeating: "x", count: 70_000)
        #expect(zoneErrors(zoneHead + "ok A 192.0.2.7\ncaa CAA 0 issue \"" + value + "\"\n") == [
            "test.zone:7:5: CAA RDATA of 70007 bytes exceeds the 65535 a record can hold",
        ])
    }

    @Test func exactly65535BytesIsAccepted() throws {
        let strings = Array(repeating: "\"" + String(repeating: "a", count: 255) + "\"", count: 255).joined(separator: " ")
            + " \"" + String(repeating: "b", count: 254) + "\""
        let records = try bodyRecords("big TXT " + strings + "\n")
        #expect(records.count == 1)
    }
}
