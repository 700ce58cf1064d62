import DNSWire

/// What a zone says about one query name and type (RFC 1034 4.3.2, RFC 4592 wildcards).
///
/// A CNAME chain is followed inside the zone; it ends early, as `.answer(chain)`, when its
/// target is outside the zone or under a delegation (the resolver continues it from there), when
/// it loops back to a name already visited, or after `Zone.maxChainLength` CNAMEs.
public enum ZoneAnswer: Equatable, Sendable {
    /// The CNAMEs followed, then the RRset of the asked type (every RRset for ANY). Owners keep the
    /// case written in the zone, except records synthesized from a wildcard, which take the name
    /// asked for.
    case answer([ResourceRecord])
    /// The name exists (possibly as an empty non-terminal) but has no record of the type; `chain`
    /// holds the CNAMEs followed to reach it. `soa` keeps its own TTL; the caller may lower it.
    case noData(soa: ResourceRecord, chain: [ResourceRecord])
    /// The name does not exist (after the CNAMEs in `chain`).
    case nxDomain(soa: ResourceRecord, chain: [ResourceRecord])
    /// The name is at or below a zone cut under the apex: the cut's NS records and the address
    /// records of in-zone NS targets.
    case delegation(ns: [ResourceRecord], glue: [ResourceRecord])
    /// The name is not at or below the zone's origin.
    case outOfZone
}

extension Zone {
    /// The longest CNAME chain followed for one lookup.
    public static let maxChainLength = 16

    /// Answers `name` / `type` from this zone's data alone, in O(labels of `name`).
    public func lookup(_ name: DNSName, type: RRType) -> ZoneAnswer {
        guard name.isSubdomain(of: origin) else { return .outOfZone }
        var chain: [ResourceRecord] = []
        var visited: Set<DNSName> = []
        var current = name
        while true {
            switch find(current, type: type) {
            case .records(let records):
                return .answer(chain.isEmpty ? records : chain + records)
            case .noData:
                return .noData(soa: soa, chain: chain)
            case .nxDomain:
                return .nxDomain(soa: soa, chain: chain)
            case .delegation(let cut):
                return chain.isEmpty ? .delegation(ns: cut.ns, glue: cut.glue) : .answer(chain)
            case .cname(let record):
                chain.append(record)
                guard case .cname(let target) = record.rdata else { return .answer(chain) }
                visited.insert(current)
                if chain.count >= Self.maxChainLength || !target.isSubdomain(of: origin) || visited.contains(target) {
                    return .answer(chain)
                }
                current = target
            }
        }
    }

    private enum Found {
        case records([ResourceRecord])
        case cname(ResourceRecord)
        case noData
        case nxDomain
        case delegation(Delegation)
    }

    /// One step of RFC 1034 4.3.2 for a name inside the zone: walk down from the apex label by
    /// label; stop at a zone cut, at the name, or where the tree ends (then try the wildcard at
    /// the closest encloser, RFC 4592 3.3.1).
    private func find(_ name: DNSName, type: RRType) -> Found {
        let depth = name.labelCount - origin.labelCount
        var encloser = origin
        var node = nodes[origin] ?? [:]
        var level = 0
        while level < depth {
            let next = name.dropping(labels: depth - level - 1)
            guard let child = nodes[next] else { break }
            level += 1
            encloser = next
            node = child
            if let cut = delegations[next] {
                // DS lives on the parent side of a cut (RFC 4035 3.1.4.1).
                if level == depth && type == .ds { break }
                return .delegation(cut)
            }
        }
        if level == depth { return match(node, type: type, owner: nil) }
        guard let wildcard = try? encloser.prepending(label: [UInt8(ascii: "*")]), let source = nodes[wildcard] else {
            return .nxDomain
        }
        return match(source, type: type, owner: name)
    }

    /// The data of one node for `type`; `owner` replaces the owner of wildcard-synthesized records.
    private func match(_ node: [RRType: RRset], type: RRType, owner: DNSName?) -> Found {
        func records(_ set: RRset) -> [ResourceRecord] {
            owner.map { set.synthesized(owner: $0) } ?? set.records
        }
        if type == .any {
            guard !node.isEmpty else { return .noData }
            return .records(node.values.flatMap(records).minimalANYAnswer())
        }
        if let set = node[type] { return .records(records(set)) }
        if let cname = node[.cname] { return .cname(records(cname)[0]) }
        return .noData
    }
}
