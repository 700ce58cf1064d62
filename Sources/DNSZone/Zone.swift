import DNSWire

/// An authoritative zone in memory: its RRsets by name and type, every existing name (empty
/// non-terminals included) and its zone cuts, all computed once so that a lookup costs a hash
/// probe per label of the query and never scans records.
///
/// Built from a master file by `ZoneFile`, or in code (the AWS model's synthetic zones).
public struct Zone: Sendable {
    public let origin: DNSName
    /// The zone's SOA record (owner: the origin).
    public let soa: ResourceRecord
    /// What the loader warned about (TTL adjustments, SOA MINIMUM used as TTL, ...).
    public let warnings: [ZoneError]
    /// Every existing name: names with data map to their RRsets, empty non-terminals to `[:]`.
    let nodes: [DNSName: [RRType: RRset]]
    /// Zone cuts below the apex (names with NS), with their NS records and the glue known here.
    let delegations: [DNSName: Delegation]

    struct Delegation: Sendable {
        var ns: [ResourceRecord]
        var glue: [ResourceRecord]
    }

    /// Builds a zone in code. `soa` must be owned by `origin`; `records` may repeat it.
    /// With `requireNS` the zone must also pass named-checkzone's NS checks (NS at the apex; each
    /// in-zone apex NS target has an address and is no CNAME); synthetic zones leave it off.
    /// Records that break the zone rules (out of zone, CNAME and other data, ...) reject it, with
    /// errors naming the origin in place of a file.
    public init(origin: DNSName, soa: ResourceRecord, records: [ResourceRecord], requireNS: Bool = false) throws(ZoneErrors) {
        guard case .soa = soa.rdata else {
            throw ZoneErrors(errors: [ZoneError(file: origin.description, line: 0, column: 0, message: "the SOA record given is of type \(soa.type)")])
        }
        var builder = ZoneBuilder(origin: origin, zoneSource: origin.description)
        let position = SourcePosition(file: origin.description, line: 0, column: 0)
        builder.add(soa, at: position)
        for record in records { builder.add(record, at: position) }
        self = try builder.build(requireNS: requireNS).get()
    }

    init(origin: DNSName, soa: ResourceRecord, nodes rrsets: [DNSName: [RRType: RRset]], warnings: [ZoneError]) {
        self.origin = origin
        self.soa = soa
        self.warnings = warnings
        // Empty non-terminals: found first, added after, so the table is changed in place.
        var emptyNonTerminals: Set<DNSName> = []
        let originLabels = origin.labelCount
        for name in rrsets.keys {
            var ancestor = name.parent
            while let current = ancestor, current.labelCount >= originLabels, rrsets[current] == nil,
                  emptyNonTerminals.insert(current).inserted {
                ancestor = current.parent
            }
        }
        var delegations: [DNSName: Delegation] = [:]
        for (name, sets) in rrsets where name != origin {
            guard let ns = sets[.ns] else { continue }
            var glue: [ResourceRecord] = []
            for case .ns(let target) in ns.rdata where target.isSubdomain(of: origin) {
                for type in [RRType.a, .aaaa] { glue += rrsets[target]?[type]?.records ?? [] }
            }
            delegations[name] = Delegation(ns: ns.records, glue: glue)
        }
        var nodes = consume rrsets
        for name in emptyNonTerminals { nodes[name] = [:] }
        self.nodes = nodes
        self.delegations = delegations
    }

    /// The RRsets at `name`: nil when the name does not exist, empty for an empty non-terminal.
    public func rrsets(at name: DNSName) -> [RRType: RRset]? { nodes[name] }

    /// The RRset of `type` at `name`, as stored (no wildcard, CNAME or delegation processing).
    public func rrset(_ name: DNSName, _ type: RRType) -> RRset? { nodes[name]?[type] }

    /// Every existing name, empty non-terminals included, in no particular order.
    public var names: Dictionary<DNSName, [RRType: RRset]>.Keys { nodes.keys }

    /// Names at which the zone delegates (NS below the apex), in canonical order.
    public var delegationPoints: [DNSName] { delegations.keys.sorted() }

    /// Every record: the SOA first, then the rest in canonical order (RFC 4034 6.1 names, then
    /// type number, then RDATA in wire form).
    public var records: [ResourceRecord] {
        var result = [soa]
        for name in nodes.keys.sorted() {
            let sets = nodes[name]!
            for type in sets.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
                var records = sets[type]!.records
                if type == .soa && name == origin { records.removeAll { $0 == soa } }
                result += records.sorted { $0.rdata.uncompressedWire.lexicographicallyPrecedes($1.rdata.uncompressedWire) }
            }
        }
        return result
    }

    /// The zone as a master file: `$ORIGIN`, then each record on its own line in presentation
    /// form with absolute names, in the order of `records`. `ZoneFile.parse` reads it back.
    public var zoneFileText: String {
        var text = "$ORIGIN \(origin)\n"
        for record in records {
            text += record.description
            text += "\n"
        }
        return text
    }
}
