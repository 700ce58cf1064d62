/// The eight bytes of `word` with A-Z turned into a-z and every other byte unchanged (SWAR): how
/// the query path and the cache fold names eight bytes at a time.
@inlinable @inline(__always)
public func asciiLowercased(_ word: UInt64) -> UInt64 {
    let low7 = word & 0x7f7f_7f7f_7f7f_7f7f
    // Per byte (no carries: each sum stays below 0x100): bit 7 of low7 + 0x3f is set from 'A'
    // up, of low7 + 0x25 from '[' up; ~word excludes bytes with bit 7 set.
    let upper = (low7 &+ 0x3f3f_3f3f_3f3f_3f3f) & ~(low7 &+ 0x2525_2525_2525_2525) & ~word & 0x8080_8080_8080_8080
    return word | upper >> 2
}
