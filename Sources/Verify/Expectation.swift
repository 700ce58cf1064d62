import DNSWire
import IPAddress

/// One recorded question and the response it must get: from a Route 53 Resolver query log line
/// or a hand-written expectations file.
public struct Expectation: Sendable {
    public var question: Question
    public var from: IPAddress
    /// The listen address the query must arrive on (hand-written cases only).
    public var via: SocketAddress?
    public var rcode: RCode
    /// Answer records as `TYPE rdata`, compared without order or TTLs.
    public var answers: [String]
    /// Where the case was written: `file:line`.
    public var origin: String

    public init(question: Question, from: IPAddress, via: SocketAddress? = nil, rcode: RCode, answers: [String], origin: String) {
        self.question = question
        self.from = from
        self.via = via
        self.rcode = rcode
        self.answers = answers
        self.origin = origin
    }

    /// `TYPE rdata` in one normal form: the type's mnemonic, names lowercased and fully
    /// qualified, TXT unquoted-and-requoted as written by vpcdns.
    static func normalized(type: String, rdata: String) -> String {
        let upper = type.uppercased()
        var data = rdata.trimmingCharacters(in: " ")
        if ["CNAME", "NS", "PTR"].contains(upper) {
            data = data.lowercased()
            if !data.hasSuffix(".") { data += "." }
        }
        return "\(upper) \(data)"
    }
}

extension RCode {
    /// Parses `NOERROR`, `NXDOMAIN`, ... as query logs and dig print them.
    init?(name: String) {
        let names: [String: UInt16] = ["NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4, "REFUSED": 5,
                                       "YXDOMAIN": 6, "YXRRSET": 7, "NXRRSET": 8, "NOTAUTH": 9, "NOTZONE": 10, "BADVERS": 16]
        guard let value = names[name.uppercased()] else { return nil }
        self.init(value)
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var text = Substring(self)
        while text.first == set { text.removeFirst() }
        while text.last == set { text.removeLast() }
        return String(text)
    }
}
