import DNSWire

/// Every endpoint-specific `vpce-…` name across all VPCs. These live in AWS's public zone, so
/// every view sees them (AWS-DNS-RULES 2.3); names under the same base that vpcdns does not
/// know are not shadowed and go upstream.
struct EndpointNameTable: Sendable {
    struct Entry: Sendable {
        var records: [ResourceRecord]
        var endpointID: String
        /// SOA for NODATA answers at this name.
        var soa: ResourceRecord
    }

    private(set) var exact: [DNSName: Entry] = [:]
    /// S3 names answered for any name below them (`*.vpce-…s3…`).
    private(set) var wildcardParents: [DNSName: Entry] = [:]

    var count: Int { exact.count + wildcardParents.count }

    mutating func add(_ records: EndpointRecords, endpointID: String, region: String, vpceDomain: String) {
        let soaOwner: DNSName = (try? DNSName("\(region).\(vpceDomain)")) ?? .root
        var soa = ManagedZones.soa(apex: soaOwner)
        soa.ttl = EndpointRecords.ttl
        for (name, set) in records.names { exact[name] = Entry(records: set, endpointID: endpointID, soa: soa) }
        for (name, set) in records.wildcardParents { wildcardParents[name] = Entry(records: set, endpointID: endpointID, soa: soa) }
    }

    /// The records for `name`, synthesized with `name` as owner for wildcard matches.
    func lookup(_ name: DNSName) -> Entry? {
        if let entry = exact[name] { return entry }
        guard !wildcardParents.isEmpty else { return nil }
        var candidate = name.parent
        while let parent = candidate, !parent.isRoot {
            if var entry = wildcardParents[parent] {
                entry.records = entry.records.map { record in
                    var synthesized = record
                    synthesized.name = name
                    return synthesized
                }
                return entry
            }
            candidate = parent.parent
        }
        return nil
    }

    /// Every name in presentation form, for `vpcdns zones`.
    var allRecords: [ResourceRecord] {
        let wildcards = wildcardParents.flatMap { parent, entry in
            entry.records.map { record in
                var wildcard = record
                wildcard.name = (try? parent.prepending(label: [UInt8(ascii: "*")])) ?? parent
                return wildcard
            }
        }
        return (exact.values.flatMap(\.records) + wildcards).sorted { ($0.name, $0.type.rawValue) < ($1.name, $1.type.rawValue) }
    }
}
