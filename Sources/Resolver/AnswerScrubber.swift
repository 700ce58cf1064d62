import DNSWire

/// Cuts an upstream answer down to what the question asked, before it is relayed or cached, as
/// unbound's scrubber does: a server (or a forger who got one datagram through) cannot plant
/// records for other names in the cache or in clients' caches.
///
/// - Answer: records owned by the question name and by the names its CNAME chain leads to (in
///   chain order, at most 16 links), plus DNAMEs owned by an ancestor of one of those names.
/// - Authority: records owned by one of those names or an ancestor (SOA, NS, DS and their
///   RRSIGs), and NSEC/NSEC3/RRSIG proofs wherever they are owned (a wildcard answer's proof has
///   no SOA beside it; these records are only usable after validation, which a forger cannot pass).
/// - Additional: records owned by one of the chain's names; other data (glue) is dropped.
/// - TTLs of 2^31 and more count as 0 (RFC 2181 section 8).
enum AnswerScrubber {
    static let maxChainLength = 16
    static let dname = RRType(39)
    static let nsec3 = RRType(50)

    static func scrub(_ message: inout Message, question: Question) {
        var chain = [question.name]
        var current = question.name
        for _ in 0..<maxChainLength {
            guard let next = message.answers.first(where: { $0.name == current && $0.type == .cname }),
                  case .cname(let target) = next.rdata, !chain.contains(target) else { break }
            chain.append(target)
            current = target
        }
        let names = Set(chain)
        message.answers = message.answers.filter { record in
            names.contains(record.name) || (record.type == dname && chain.contains { $0.isSubdomain(of: record.name) && $0 != record.name })
        }
        message.authorities = message.authorities.filter { record in
            [.nsec, nsec3, .rrsig].contains(record.type) || chain.contains { $0.isSubdomain(of: record.name) }
        }
        message.additionals = message.additionals.filter { names.contains($0.name) }
        clampTTLs(&message.answers)
        clampTTLs(&message.authorities)
        clampTTLs(&message.additionals)
    }

    /// RFC 2181 section 8: a TTL with the top bit set is treated as zero.
    static func clampTTLs(_ records: inout [ResourceRecord]) {
        for index in records.indices where records[index].ttl >= 1 << 31 {
            records[index].ttl = 0
        }
    }
}
