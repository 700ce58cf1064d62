/// The control socket's wire format: one request line of words separated by spaces, then the
/// daemon's answer, `OK` or `ERROR` on the first line and the text after it, until it closes.
public enum ControlProtocol {
    /// Longest request line read.
    static let maxRequest = 4096

    public static func encode(_ words: [String]) -> [UInt8] {
        Array((words.joined(separator: " ") + "\n").utf8)
    }

    static func decode(_ line: [UInt8]) -> [String] {
        String(decoding: line, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" }).map(String.init)
    }

    static func encode(_ reply: ControlReply) -> [UInt8] {
        var text = reply.ok ? "OK\n" : "ERROR\n"
        text += reply.text
        if !reply.text.isEmpty, !reply.text.hasSuffix("\n") { text += "\n" }
        return Array(text.utf8)
    }

    static func decodeReply(_ bytes: [UInt8]) -> ControlReply? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let newline = text.firstIndex(of: "\n") else { return nil }
        let status = text[..<newline]
        guard status == "OK" || status == "ERROR" else { return nil }
        return ControlReply(ok: status == "OK", text: String(text[text.index(after: newline)...]))
    }
}

/// What the daemon answers to one control request.
public struct ControlReply: Sendable, Equatable {
    public var ok: Bool
    public var text: String

    public init(ok: Bool, text: String) {
        self.ok = ok
        self.text = text
    }

    public static func failure(_ text: String) -> ControlReply { ControlReply(ok: false, text: text) }
}
