import DNSCache
import DNSWire
import Platform

/// Records in presentation form, the way the tests write them.
func records(_ lines: [String]) throws -> [ResourceRecord] {
    try lines.map { try ResourceRecord($0) }
}

/// An upstream response as c-ares would hand it over: QR RD RA, the question, the sections.
func response(_ name: DNSName, _ type: RRType = .a, rcode: RCode = .noError, answers: [String] = [],
              authority: [String] = [], additional: [String] = [], edns: EDNS? = nil,
              adjust: (inout Header) -> Void = { _ in }) throws -> Message {
    var header = Header(id: 0xbeef)
    header.isResponse = true
    header.recursionDesired = true
    header.recursionAvailable = true
    adjust(&header)
    var message = Message(header: header, questions: [Question(name: name, type: type)], answers: try records(answers),
                          authorities: try records(authority), additionals: try records(additional), edns: edns)
    message.rcode = rcode
    return message
}

/// A client query: ID, RD, one question, optional EDNS.
func query(_ name: DNSName, _ type: RRType = .a, id: UInt16 = 0x1234, recursionDesired: Bool = true,
           edns: EDNS? = nil, adjust: (inout Header) -> Void = { _ in }) -> Message {
    var header = Header(id: id)
    header.recursionDesired = recursionDesired
    adjust(&header)
    return Message(header: header, questions: [Question(name: name, type: type)], edns: edns)
}

func key(_ name: DNSName, _ type: RRType = .a, dnssecOK: Bool = false, upstreamSet: Int = 0, view: String? = nil) -> CacheKey {
    CacheKey(name: name, type: type, dnssecOK: dnssecOK, upstreamSet: upstreamSet, view: view)
}

/// A cache on a manual clock at t = 0.
func makeCache(_ settings: CacheSettings = CacheSettings()) -> (DNSCache, ManualClock) {
    let clock = ManualClock()
    return (DNSCache(settings: settings, clock: clock), clock)
}

let soa = "example. 900 IN SOA ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"

/// An upstream answer for `name`, two TXT records, whose stored form is 65,530 bytes: with the
/// 11-byte OPT record added, the reply no longer fits in a whole message.
func responseFillingTheMessage(_ name: DNSName) throws -> Message {
    func make(lastString: Int) throws -> Message {
        let strings = Array(repeating: "\"" + String(repeating: "x", count: 255) + "\"", count: 255)
        return try response(name, .txt, answers: ["\(name) 60 IN TXT " + strings.joined(separator: " "),
                                                  "\(name) 60 IN TXT \"" + String(repeating: "y", count: lastString) + "\""])
    }
    let lastString = 1 + 65530 - (try make(lastString: 1).encode().count)
    precondition((1...255).contains(lastString), "\(name) is too long or too short for this answer")
    return try make(lastString: lastString)
}
