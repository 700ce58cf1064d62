import Platform
import Testing

@Suite struct BigEndianTests {
    @Test func readsNetworkOrderFromArraysSlicesAndRawBuffers() {
        let bytes: [UInt8] = [0x12, 0x34, 0x56, 0x78, 0x9a]
        #expect(bytes.bigEndianUInt16(at: 0) == 0x1234)
        #expect(bytes.bigEndianUInt16(at: 3) == 0x789a)
        #expect(bytes.bigEndianUInt32(at: 1) == 0x3456_789a)
        #expect(bytes[1...].bigEndianUInt16(at: 1) == 0x3456)
        bytes.withUnsafeBytes { raw in
            #expect(raw.bigEndianUInt16(at: 2) == 0x5678)
            #expect(raw.bigEndianUInt32(at: 0) == 0x1234_5678)
        }
    }
}
