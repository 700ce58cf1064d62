/// One token of master-file text, with escapes left in place so each consumer (names, TXT
/// strings) decodes them by its own rules.
public struct PresentationToken: Hashable, Sendable {
    public var text: [UInt8]
    public var quoted: Bool
    public var line: Int
    public var column: Int

    public init(text: [UInt8], quoted: Bool = false, line: Int = 1, column: Int = 1) {
        self.text = text
        self.quoted = quoted
        self.line = line
        self.column = column
    }

    /// The text for messages and for fields that are ASCII by definition (numbers, addresses,
    /// mnemonics); names and strings read `text`, the bytes as written.
    public var string: String { String(decoding: text, as: UTF8.self) }
}

/// One logical entry: the tokens of a line, joined across lines inside parentheses.
public struct PresentationEntry: Sendable {
    public var tokens: [PresentationToken]
    /// Whether the entry began with white space, meaning the owner is the previous one (RFC 1035 5.1).
    public var startsWithBlank: Bool
    public var line: Int
}

/// An error in presentation text at a line and column.
public struct PresentationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public init(_ token: PresentationToken, _ message: String) {
        self.init(line: token.line, column: token.column, message: message)
    }

    public var description: String { "\(line):\(column): \(message)" }
}

/// Splits master-file text (RFC 1035 section 5.1) into entries: comments, quoting, backslash
/// escapes and parentheses handled; a pull iterator so large files are never tokenized at once.
public struct PresentationLexer {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0

    /// Master-file bytes: bytes that are not UTF-8 stay as they are, in names and strings alike.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public init(_ text: String) {
        self.init(Array(text.utf8))
    }

    private var column: Int { index - lineStart + 1 }

    /// The next non-empty entry, or nil at the end of the text.
    public mutating func next() throws(PresentationError) -> PresentationEntry? {
        while index < bytes.count {
            let entryLine = line
            let startsWithBlank = bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t")
            var tokens: [PresentationToken] = []
            var depth = 0
            var openParen = (line: 0, column: 0)
            scan: while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                    index += 1
                case UInt8(ascii: "\n"):
                    newLine()
                    if depth == 0 { break scan }
                case UInt8(ascii: ";"):
                    while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
                case UInt8(ascii: "("):
                    if depth == 0 { openParen = (line, column) }
                    depth += 1
                    index += 1
                case UInt8(ascii: ")"):
                    guard depth > 0 else { throw PresentationError(line: line, column: column, message: "unbalanced ')'") }
                    depth -= 1
                    index += 1
                case UInt8(ascii: "\""):
                    tokens.append(try quotedToken())
                default:
                    tokens.append(try plainToken())
                }
            }
            guard depth == 0 else {
                throw PresentationError(line: openParen.line, column: openParen.column, message: "'(' is never closed")
            }
            if !tokens.isEmpty {
                return PresentationEntry(tokens: tokens, startsWithBlank: startsWithBlank, line: entryLine)
            }
        }
        return nil
    }

    private mutating func newLine() {
        index += 1
        line += 1
        lineStart = index
    }

    private mutating func plainToken() throws(PresentationError) -> PresentationToken {
        let startLine = line, startColumn = column
        var text: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count, bytes[index + 1] != UInt8(ascii: "\n") else {
                    throw PresentationError(line: line, column: column, message: "backslash at end of line")
                }
                text.append(byte)
                text.append(bytes[index + 1])
                index += 2
                continue
            }
            if [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: ";"),
                UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\"")].contains(byte) { break }
            text.append(byte)
            index += 1
        }
        return PresentationToken(text: text, quoted: false, line: startLine, column: startColumn)
    }

    private mutating func quotedToken() throws(PresentationError) -> PresentationToken {
        let startLine = line, startColumn = column
        index += 1
        var text: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return PresentationToken(text: text, quoted: true, line: startLine, column: startColumn)
            }
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                text.append(byte)
                text.append(bytes[index + 1])
                if bytes[index + 1] == UInt8(ascii: "\n") {
                    index += 1
                    newLine()
                } else {
                    index += 2
                }
                continue
            }
            if byte == UInt8(ascii: "\n") {
                throw PresentationError(line: startLine, column: startColumn, message: "quoted string is not closed on its line")
            }
            text.append(byte)
            index += 1
        }
        throw PresentationError(line: startLine, column: startColumn, message: "quoted string is never closed")
    }
}
