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

/// The same reads, and the matching writes, at a raw byte pointer: the hot paths that patch a
/// reply in place (IDs, flags, counts, TTLs) work on pointers, not collections.
extension UnsafeMutablePointer where Pointee == UInt8 {
    /// The 16-bit value stored big-endian at `self + offset`.
    @inlinable @inline(__always)
    public func bigEndianUInt16(at offset: Int) -> UInt16 {
        UnsafeBufferPointer(start: self + offset, count: 2).bigEndianUInt16(at: 0)
    }

    /// The 32-bit value stored big-endian at `self + offset`.
    @inlinable @inline(__always)
    public func bigEndianUInt32(at offset: Int) -> UInt32 {
        UnsafeBufferPointer(start: self + offset, count: 4).bigEndianUInt32(at: 0)
    }

    /// Stores `value` big-endian at `self + offset` and the byte after.
    @inlinable @inline(__always)
    public func storeBigEndian(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 1] = UInt8(truncatingIfNeeded: value)
    }

    /// Stores `value` big-endian at `self + offset` through `offset + 3`.
    @inlinable @inline(__always)
    public func storeBigEndian(_ value: UInt32, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 24)
        self[offset + 1] = UInt8(truncatingIfNeeded: value >> 16)
        self[offset + 2] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 3] = UInt8(truncatingIfNeeded: value)
    }
}
