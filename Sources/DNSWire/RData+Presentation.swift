import IPAddress

/// Presentation form of RDATA, both ways, for every type the codec knows; any type can also be
/// written in the RFC 3597 generic form `\# <length> <hex>`.
extension RData: CustomStringConvertible {
    public var description: String {
        switch self {
        case .a(let address): address.description
        case .aaaa(let address): address.description
        case .cname(let name), .ns(let name), .ptr(let name): name.description
        case .soa(let soa):
            "\(soa.mname) \(soa.rname) \(soa.serial) \(soa.refresh) \(soa.retry) \(soa.expire) \(soa.minimum)"
        case .mx(let preference, let exchange): "\(preference) \(exchange)"
        case .txt(let strings): strings.map(Self.quoted).joined(separator: " ")
        case .srv(let priority, let weight, let port, let target): "\(priority) \(weight) \(port) \(target)"
        case .caa(let flags, let tag, let value):
            // A tag that is not letters and digits has no presentation form (RFC 8659 4.1): the
            // generic form keeps such a record (it can arrive over the wire) readable back.
            Self.isCAATag(tag) ? "\(flags) \(String(decoding: tag, as: UTF8.self)) \(Self.quoted(value))"
                : Self.generic([flags, UInt8(truncatingIfNeeded: tag.count)] + tag + value)
        case .unknown(_, let bytes): Self.generic(bytes)
        }
    }

    /// A CAA tag as RFC 8659 4.1 allows it: 1 to 255 ASCII letters and digits.
    static func isCAATag(_ tag: [UInt8]) -> Bool {
        !tag.isEmpty && tag.count <= 255
            && tag.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7a) }
    }

    /// `\# 4 0A0A010A`: the RFC 3597 form.
    static func generic(_ bytes: [UInt8]) -> String {
        let hex = bytes.map { byte in
            let digits = "0123456789ABCDEF".utf8
            return String(decoding: [digits[digits.index(digits.startIndex, offsetBy: Int(byte >> 4))],
                                     digits[digits.index(digits.startIndex, offsetBy: Int(byte & 0xf))]], as: UTF8.self)
        }.joined()
        return bytes.isEmpty ? "\\# 0" : "\\# \(bytes.count) \(hex)"
    }

    static func quoted(_ bytes: [UInt8]) -> String {
        var text = "\""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                text.append("\\")
                text.append(Character(Unicode.Scalar(byte)))
            case 0x20...0x7e:
                text.append(Character(Unicode.Scalar(byte)))
            default:
                let digits = String(byte)
                text.append("\\" + String(repeating: "0", count: 3 - digits.count) + digits)
            }
        }
        return text + "\""
    }

    /// Parses the RDATA fields of `type` from presentation tokens; relative names are completed
    /// with `origin`.
    public init(type: RRType, tokens: ArraySlice<PresentationToken>, origin: DNSName, after: PresentationToken) throws(PresentationError) {
        var fields = FieldCursor(tokens: tokens, after: after)
        if let first = fields.peek, first.text == Array("\\#".utf8), !first.quoted {
            self = try Self.parseGeneric(type: type, fields: &fields)
            return
        }
        switch type {
        case .a:
            let token = try fields.next("an IPv4 address")
            guard let address = IPv4Address(utf8: token.text) else { throw PresentationError(token, "bad IPv4 address '\(token.string)'") }
            self = .a(address)
        case .aaaa:
            let token = try fields.next("an IPv6 address")
            guard let address = IPv6Address(token.string) else { throw PresentationError(token, "bad IPv6 address '\(token.string)'") }
            self = .aaaa(address)
        case .cname: self = .cname(try fields.name(origin: origin))
        case .ns: self = .ns(try fields.name(origin: origin))
        case .ptr: self = .ptr(try fields.name(origin: origin))
        case .soa:
            self = .soa(SOA(mname: try fields.name(origin: origin), rname: try fields.name(origin: origin),
                            serial: try fields.integer("serial"), refresh: try fields.duration("refresh"),
                            retry: try fields.duration("retry"), expire: try fields.duration("expire"),
                            minimum: try fields.duration("minimum")))
        case .mx:
            self = .mx(preference: try fields.integer("preference"), exchange: try fields.name(origin: origin))
        case .txt:
            var strings: [[UInt8]] = []
            while let token = fields.peek {
                _ = try fields.next("text")
                strings.append(try Self.characterString(token))
            }
            guard !strings.isEmpty else { throw PresentationError(after, "TXT needs at least one string") }
            self = .txt(strings)
        case .srv:
            self = .srv(priority: try fields.integer("priority"), weight: try fields.integer("weight"),
                        port: try fields.integer("port"), target: try fields.name(origin: origin))
        case .caa:
            let flags: UInt8 = try fields.integer("flags")
            let tagToken = try fields.next("a tag")
            guard Self.isCAATag(tagToken.text) else { throw PresentationError(tagToken, "CAA tag must be letters and digits") }
            let valueToken = try fields.next("a value")
            self = .caa(flags: flags, tag: tagToken.text, value: try Self.unescapedBytes(valueToken))
        default:
            throw PresentationError(after, "type \(type) needs the generic form \\# <length> <hex>")
        }
        try fields.requireEnd(type: type)
        guard uncompressedLength <= 65535 else {
            throw PresentationError(after, "\(type) RDATA of \(uncompressedLength) bytes exceeds the 65535 a record can hold")
        }
    }

    private static func parseGeneric(type: RRType, fields: inout FieldCursor) throws(PresentationError) -> RData {
        _ = try fields.next("\\#")
        let lengthToken = try fields.next("a length")
        guard let length = Int(lengthToken.string), length >= 0, length <= 65535 else {
            throw PresentationError(lengthToken, "bad RDATA length '\(lengthToken.string)'")
        }
        var hex: [UInt8] = []
        while let token = fields.peek {
            _ = try fields.next("hex")
            hex.append(contentsOf: token.text)
        }
        guard hex.count == length * 2 else {
            throw PresentationError(lengthToken, "\\# length \(length) but \(hex.count / 2) bytes of hex given")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        var index = 0
        while index < hex.count {
            guard let high = hexValue(hex[index]), let low = hexValue(hex[index + 1]) else {
                throw PresentationError(lengthToken, "bad hex digit in \\# data")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        // A known type given in generic form must still be valid RDATA for that type.
        if RData.isTyped(type) {
            do throws(DNSWireError) {
                return try RData.decode(type: type, bytes: bytes)
            } catch {
                throw PresentationError(lengthToken, "\\# data is not valid \(type) RDATA: \(error)")
            }
        }
        return .unknown(type: type, bytes: bytes)
    }

    static func isTyped(_ type: RRType) -> Bool {
        [RRType.a, .aaaa, .cname, .ns, .ptr, .soa, .mx, .txt, .srv, .caa].contains(type)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// A TXT/CAA character-string with `\X` and `\DDD` escapes decoded; at most 255 bytes.
    static func characterString(_ token: PresentationToken) throws(PresentationError) -> [UInt8] {
        let bytes = try unescapedBytes(token)
        guard bytes.count <= 255 else { throw PresentationError(token, "character-string of \(bytes.count) bytes exceeds 255") }
        return bytes
    }

    static func unescapedBytes(_ token: PresentationToken) throws(PresentationError) -> [UInt8] {
        var result: [UInt8] = []
        var index = 0
        while index < token.text.count {
            if token.text[index] == UInt8(ascii: "\\") {
                do throws(DNSNameError) {
                    let (value, consumed) = try DNSName.unescape(token.text, at: index)
                    result.append(value)
                    index += consumed
                } catch {
                    throw PresentationError(token, error.description)
                }
            } else {
                result.append(token.text[index])
                index += 1
            }
        }
        return result
    }
}

/// Walks the RDATA tokens of one record, with errors that point at the offending token.
struct FieldCursor {
    var tokens: ArraySlice<PresentationToken>
    let after: PresentationToken

    var peek: PresentationToken? { tokens.first }

    mutating func next(_ what: String) throws(PresentationError) -> PresentationToken {
        guard let token = tokens.popFirst() else { throw PresentationError(after, "missing \(what)") }
        return token
    }

    mutating func name(origin: DNSName) throws(PresentationError) -> DNSName {
        let token = try next("a domain name")
        do throws(DNSNameError) {
            return try DNSName(presentation: token.text, origin: origin)
        } catch {
            throw PresentationError(token, "bad name '\(token.string)': \(error)")
        }
    }

    /// The next token as an unsigned decimal of type `T`.
    mutating func integer<T: FixedWidthInteger>(_ what: String, as type: T.Type = T.self) throws(PresentationError) -> T {
        let token = try next(what)
        guard let value = T(token.string) else { throw PresentationError(token, "bad \(what) '\(token.string)'") }
        return value
    }

    mutating func duration(_ what: String) throws(PresentationError) -> UInt32 {
        let token = try next(what)
        guard let value = TTLText.parse(token.string) else { throw PresentationError(token, "bad \(what) '\(token.string)'") }
        return value
    }

    func requireEnd(type: RRType) throws(PresentationError) {
        if let extra = tokens.first { throw PresentationError(extra, "unexpected '\(extra.string)' after \(type) data") }
    }
}

/// TTLs and SOA timers: plain seconds or BIND's unit form (`1h30m`, `2d`, `1W`).
public enum TTLText {
    public static func parse(_ text: some StringProtocol) -> UInt32? {
        guard let first = text.first, first.isASCII, first.isNumber else { return nil }
        if let plain = UInt32(text) { return plain }
        var total: UInt64 = 0
        var current: UInt64?
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                current = (current ?? 0) * 10 + UInt64(digit)
                guard current! <= UInt64(UInt32.max) else { return nil }
                continue
            }
            let unit: UInt64
            switch character {
            case "s", "S": unit = 1
            case "m", "M": unit = 60
            case "h", "H": unit = 3600
            case "d", "D": unit = 86400
            case "w", "W": unit = 604800
            default: return nil
            }
            guard let value = current else { return nil }
            total += value * unit
            current = nil
            guard total <= UInt64(UInt32.max) else { return nil }
        }
        if let trailing = current { total += trailing }
        return total <= UInt64(UInt32.max) ? UInt32(total) : nil
    }
}
