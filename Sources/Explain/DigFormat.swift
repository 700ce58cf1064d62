import DNSWire

/// Prints a DNS message the way `dig` does (header, flags, then each section), so an
/// explanation reads like the dig output a user compares it with.
public enum DigFormat {
    public static func render(_ message: Message) -> String {
        let header = message.header
        var flags: [String] = []
        if header.isResponse { flags.append("qr") }
        if header.authoritative { flags.append("aa") }
        if header.truncated { flags.append("tc") }
        if header.recursionDesired { flags.append("rd") }
        if header.recursionAvailable { flags.append("ra") }
        if header.authenticData { flags.append("ad") }
        if header.checkingDisabled { flags.append("cd") }
        var lines = [
            ";; ->>HEADER<<- opcode: QUERY, status: \(message.rcode), id: \(header.id)",
            ";; flags: \(flags.joined(separator: " ")); QUERY: \(message.questions.count), ANSWER: \(message.answers.count), "
                + "AUTHORITY: \(message.authorities.count), ADDITIONAL: \(message.additionals.count + (message.edns == nil ? 0 : 1))",
        ]
        if let edns = message.edns {
            lines += ["", ";; OPT PSEUDOSECTION:", "; EDNS: version: \(edns.version), flags:\(edns.dnssecOK ? " do" : ""); udp: \(edns.udpPayloadSize)"]
        }
        lines += ["", ";; QUESTION SECTION:"]
        lines += message.questions.map { ";\($0.name)\t\t\($0.dnsClass)\t\($0.type)" }
        for (title, records) in [("ANSWER", message.answers), ("AUTHORITY", message.authorities), ("ADDITIONAL", message.additionals)]
        where !records.isEmpty {
            lines += ["", ";; \(title) SECTION:"]
            lines += records.map { "\($0.name)\t\($0.ttl)\t\($0.dnsClass)\t\($0.type)\t\($0.rdata)" }
        }
        return lines.joined(separator: "\n")
    }
}
