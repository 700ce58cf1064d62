import DNSWire

/// The records of one owner name and type (RFC 2181 section 5): one TTL, no duplicates.
public struct RRset: Hashable, Sendable {
    /// The records, in the order first written; never empty. Each keeps the owner's case as written.
    public internal(set) var records: [ResourceRecord]

    init(_ record: ResourceRecord) {
        records = [record]
    }

    public var name: DNSName { records[0].name }
    public var type: RRType { records[0].type }
    public var ttl: UInt32 { records[0].ttl }
    public var rdata: [RData] { records.map(\.rdata) }

    /// Sets the TTL of every record (an RRset has one TTL).
    mutating func setTTL(_ ttl: UInt32) {
        for index in records.indices where records[index].ttl != ttl { records[index].ttl = ttl }
    }

    /// The records with `owner` as their name: a wildcard's RRset answering for the query name.
    func synthesized(owner: DNSName) -> [ResourceRecord] {
        records.map { ResourceRecord(name: owner, dnsClass: $0.dnsClass, ttl: $0.ttl, rdata: $0.rdata) }
    }
}
