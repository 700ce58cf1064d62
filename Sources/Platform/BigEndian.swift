/// Reads of network byte order (big-endian), the order of every DNS header field and of the
/// length prefix on TCP, from any random-access run of bytes (`[UInt8]`, slices, raw buffers).
/// `offset` is an index of the collection: for a slice, an index of the whole it was cut from.
extension RandomAccessCollection where Element == UInt8, Index == Int {
    /// The 16-bit value stored big-endian at `offset` and `offset + 1`.
    @inlinable @inline(__always)
    public func bigEndianUInt16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    /// The 32-bit value stored big-endian at `offset` through `offset + 3`.
    @inlinable @inline(__always)
    public func bigEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }
}
