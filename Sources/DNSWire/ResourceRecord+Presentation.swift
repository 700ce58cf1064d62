/// One-line presentation form of records: `ssm.ap-northeast-1.amazonaws.com. 60 IN A 10.10.1.10`.
extension ResourceRecord: CustomStringConvertible {
    public var description: String { "\(name) \(ttl) \(dnsClass) \(type) \(rdata)" }

    /// Parses one record written in full: owner, optional TTL and class (either order), type,
    /// RDATA. Relative names are completed with `origin`; a missing TTL takes `defaultTTL`.
    public init(_ text: String, origin: DNSName = .root, defaultTTL: UInt32 = 3600) throws(PresentationError) {
        var lexer = PresentationLexer(text)
        guard let entry = try lexer.next(), !entry.startsWithBlank else {
            throw PresentationError(line: 1, column: 1, message: "expected a record with an owner name")
        }
        guard try lexer.next() == nil else { throw PresentationError(line: 2, column: 1, message: "more than one record") }
        let ownerToken = entry.tokens[0]
        let owner: DNSName
        do throws(DNSNameError) {
            owner = try DNSName(presentation: ownerToken.text, origin: origin)
        } catch {
            throw PresentationError(ownerToken, "bad owner name: \(error)")
        }
        let fields = try RecordFields(entry.tokens.dropFirst(), after: ownerToken)
        let rdata = try RData(type: fields.type, tokens: fields.rdata, origin: origin, after: fields.typeToken)
        self.init(name: owner, dnsClass: fields.dnsClass ?? .internet, ttl: fields.ttl ?? defaultTTL, rdata: rdata)
    }
}

/// The `[TTL] [class] type` prefix of a record's fields (RFC 1035 5.1 allows TTL and class in
/// either order), and the RDATA tokens after it.
public struct RecordFields {
    public var ttl: UInt32?
    public var dnsClass: DNSClass?
    public var type: RRType
    public var typeToken: PresentationToken
    public var rdata: ArraySlice<PresentationToken>

    public init(_ tokens: ArraySlice<PresentationToken>, after: PresentationToken) throws(PresentationError) {
        var rest = tokens
        var ttl: UInt32?
        var dnsClass: DNSClass?
        while let token = rest.first {
            let text = token.string
            if ttl == nil, !token.quoted, let first = text.first, first.isASCII, first.isNumber {
                guard let value = TTLText.parse(text) else { throw PresentationError(token, "bad TTL '\(text)'") }
                ttl = value
            } else if dnsClass == nil, !token.quoted, let parsed = DNSClass(mnemonic: text) {
                dnsClass = parsed
            } else {
                break
            }
            rest.removeFirst()
        }
        guard let typeToken = rest.popFirst() else { throw PresentationError(after, "missing record type") }
        guard !typeToken.quoted, let type = RRType(mnemonic: typeToken.string), !type.isMetaType else {
            throw PresentationError(typeToken, "unknown record type '\(typeToken.string)'")
        }
        self.ttl = ttl
        self.dnsClass = dnsClass
        self.type = type
        self.typeToken = typeToken
        self.rdata = rest
    }
}
