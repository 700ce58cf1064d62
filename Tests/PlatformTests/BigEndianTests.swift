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

    @Test func pointersReadAndStoreNetworkOrder() {
        var bytes = [UInt8](repeating: 0, count: 7)
        bytes.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            base.storeBigEndian(UInt16(0x1234), at: 1)
            base.storeBigEndian(UInt32(0x89ab_cdef), at: 3)
            #expect(base.bigEndianUInt16(at: 1) == 0x1234)
            #expect(base.bigEndianUInt32(at: 3) == 0x89ab_cdef)
        }
        #expect(bytes == [0, 0x12, 0x34, 0x89, 0xab, 0xcd, 0xef])
    }
}
