import DNSWire
import IPAddress

/// `NAME [TYPE] [--from ADDR] [--via LISTEN]`, as `vpcdns explain` and `vpcdns ctl lookup` take it.
public struct ExplainArguments: Sendable {
    public var question: Question
    /// The client address; default 127.0.0.1.
    public var from: IPAddress
    /// The listen address the query arrives on; default none.
    public var via: SocketAddress?

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public init(question: Question, from: IPAddress = IPAddress("127.0.0.1")!, via: SocketAddress? = nil) {
        self.question = question
        self.from = from
        self.via = via
    }

    public static func parse(_ words: [String]) throws(Invalid) -> ExplainArguments {
        var positional: [String] = []
        var from = IPAddress("127.0.0.1")!
        var via: SocketAddress?
        var index = 0
        while index < words.count {
            let word = words[index]
            if word == "--from" || word == "--via" {
                guard index + 1 < words.count else { throw Invalid(description: "\(word) needs a value") }
                let value = words[index + 1]
                if word == "--from" {
                    guard let address = IPAddress(value) else { throw Invalid(description: "--from: '\(value)' is not an IP address") }
                    from = address
                } else {
                    guard let address = SocketAddress(value, defaultPort: 53) else {
                        throw Invalid(description: "--via: '\(value)' is not a listen address (ip, ip:port or [ipv6]:port)")
                    }
                    via = address
                }
                index += 2
            } else {
                positional.append(word)
                index += 1
            }
        }
        guard let nameText = positional.first, positional.count <= 2 else { throw Invalid(description: "expected NAME [TYPE]") }
        guard let name = try? DNSName(nameText.hasSuffix(".") ? nameText : nameText + ".") else {
            throw Invalid(description: "'\(nameText)' is not a domain name")
        }
        var type = RRType.a
        if positional.count == 2 {
            guard let parsed = RRType(mnemonic: positional[1]) else { throw Invalid(description: "'\(positional[1])' is not a record type") }
            type = parsed
        }
        return ExplainArguments(question: Question(name: name, type: type), from: from, via: via)
    }
}
