/// Why a message could not be decoded; each case names the exact failure and where.
public enum DNSWireError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The data ended at `offset` while `needed` more bytes were expected.
    case insufficientBytes(offset: Int, needed: Int)
    /// A label length byte used the reserved 0x40 / 0x80 forms.
    case reservedLabelType(offset: Int)
    /// A compression pointer did not point strictly backwards to an earlier label.
    case badPointer(offset: Int, target: Int)
    /// Too many compression pointers followed for one name.
    case pointerChainTooLong(offset: Int)
    /// A decoded name exceeded 255 bytes.
    case nameTooLong(offset: Int)
    /// RDATA did not consume exactly RDLENGTH bytes.
    case rdataLengthMismatch(type: RRType, declared: Int, used: Int)
    /// RDATA content was invalid for its type.
    case badRData(type: RRType, reason: String)
    /// More than one OPT record, or OPT not owned by the root.
    case badOPT(reason: String)
    /// A message was larger than 65535 bytes.
    case messageTooLarge(Int)
    /// A field does not fit its wire length field: RDATA over 65535 bytes, a character-string over
    /// 255, EDNS options over 65535, more than 65535 entries in a section.
    case fieldTooLong(what: String, length: Int, limit: Int)

    public var description: String {
        switch self {
        case .insufficientBytes(let offset, let needed): "message ends at byte \(offset), \(needed) more needed"
        case .reservedLabelType(let offset): "reserved label type at byte \(offset)"
        case .badPointer(let offset, let target): "compression pointer at byte \(offset) to \(target) does not point backwards"
        case .pointerChainTooLong(let offset): "too many compression pointers in the name at byte \(offset)"
        case .nameTooLong(let offset): "name at byte \(offset) exceeds 255 bytes"
        case .rdataLengthMismatch(let type, let declared, let used): "\(type) RDATA length \(declared) but \(used) bytes used"
        case .badRData(let type, let reason): "bad \(type) RDATA: \(reason)"
        case .badOPT(let reason): "bad OPT record: \(reason)"
        case .messageTooLarge(let size): "message of \(size) bytes exceeds 65535"
        case .fieldTooLong(let what, let length, let limit): "cannot encode \(what) of \(length) (at most \(limit))"
        }
    }
}
