/// Presentation (master file) form of names: `ssm.ap-northeast-1.amazonaws.com.`, with `\.`,
/// `\DDD` and `\X` escapes inside labels.
extension DNSName: CustomStringConvertible, ExpressibleByStringLiteral {
    /// Parses presentation text. A name ending in `.` is absolute; any other is relative to
    /// `origin`, or taken as absolute when no origin is given. `@` is the origin itself.
    public init(_ text: some StringProtocol, origin: DNSName? = nil) throws(DNSNameError) {
        try self.init(presentation: Array(text.utf8), origin: origin)
    }

    /// Parses presentation bytes as `init(_:origin:)` does. Bytes that are not UTF-8 are label
    /// data as written (master files are bytes, as BIND reads them).
    public init(presentation bytes: [UInt8], origin: DNSName? = nil) throws(DNSNameError) {
        guard !bytes.isEmpty else { throw .empty }
        if bytes == [UInt8(ascii: "@")] {
            guard let origin else { throw .badEscape("@ without an origin") }
            self = origin
            return
        }
        if bytes == [UInt8(ascii: ".")] {
            self = .root
            return
        }
        var labels: [[UInt8]] = []
        var current: [UInt8] = []
        var index = 0
        var absolute = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") {
                let (value, consumed) = try Self.unescape(bytes, at: index)
                current.append(value)
                index += consumed
                continue
            }
            if byte == UInt8(ascii: ".") {
                guard !current.isEmpty else { throw .emptyLabel }
                labels.append(current)
                current = []
                if index == bytes.count - 1 { absolute = true }
                index += 1
                continue
            }
            current.append(byte)
            index += 1
        }
        if !current.isEmpty { labels.append(current) }
        let name = try DNSName(labels: labels)
        if absolute || origin == nil {
            self = name
        } else {
            self = try name.appending(origin!)
        }
    }

    /// `"ssm.ap-northeast-1.amazonaws.com."` in code and tests; traps on an invalid literal.
    /// Note that `DNSName("literal")` also resolves here: parse untrusted text from a variable.
    public init(stringLiteral value: String) {
        do {
            try self.init(value)
        } catch {
            preconditionFailure("invalid DNS name literal \(value): \(error)")
        }
    }

    /// Decodes one escape at `index` (the backslash): returns the byte and how many bytes it used.
    static func unescape(_ bytes: [UInt8], at index: Int) throws(DNSNameError) -> (UInt8, Int) {
        guard index + 1 < bytes.count else { throw .badEscape("trailing backslash") }
        let next = bytes[index + 1]
        guard next >= UInt8(ascii: "0") && next <= UInt8(ascii: "9") else { return (next, 2) }
        guard index + 3 < bytes.count,
              bytes[(index + 1)...(index + 3)].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { throw .badEscape("\\DDD needs three digits") }
        let value = bytes[(index + 1)...(index + 3)].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        guard value <= 255 else { throw .badEscape("\\\(value) exceeds 255") }
        return (UInt8(value), 4)
    }

    /// Presentation form with a trailing dot; special and non-printable bytes escaped.
    public var description: String {
        if isRoot { return "." }
        var text = ""
        text.reserveCapacity(wire.count + 1)
        for label in labels {
            for byte in label { Self.appendEscaped(byte, to: &text) }
            text.append(".")
        }
        return text
    }

    static func appendEscaped(_ byte: UInt8, to text: inout String) {
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: ";"),
             UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "@"), UInt8(ascii: "$"):
            text.append("\\")
            text.append(Character(Unicode.Scalar(byte)))
        case 0x21...0x7e:
            text.append(Character(Unicode.Scalar(byte)))
        default:
            text.append("\\")
            let digits = String(byte)
            text.append(String(repeating: "0", count: 3 - digits.count) + digits)
        }
    }
}
