import DNSWire

/// Collects records into RRsets and applies the checks BIND applies when it loads a zone:
/// in-zone owners, class IN, one SOA at the apex, CNAME exclusive of other data, singleton types,
/// duplicates collapsed, one TTL per RRset.
///
/// TTLs: records added with the same `batch` number form one run (the parser numbers runs of
/// consecutive records with one owner, as BIND's loader commits them); a record joining an RRset
/// from an earlier run gives the whole RRset its TTL (BIND: the last run loaded wins), while
/// within a run the parser has already made the TTLs agree. Zones built in code use one run, so
/// there the first TTL wins.
struct ZoneBuilder {
    let origin: DNSName
    /// Names zone-wide errors (no SOA, no NS): the file, or the origin for zones built in code.
    let zoneSource: String
    private(set) var nodes: [DNSName: [RRType: RRset]] = [:]
    /// Per RRset: where it was first written and the run it was last added in.
    private var meta: [RRsetKey: Meta] = [:]
    private(set) var soa: ResourceRecord?
    var errors: [ZoneError] = []
    var warnings: [ZoneError] = []

    struct Meta {
        var position: SourcePosition
        var batch: Int
        /// The RDATA held, once the RRset is large enough that a linear search for duplicates
        /// would cost more than a set; nil for the (usual) small RRsets, searched in place.
        var rdata: Set<RData>?
    }

    /// RRsets up to this size find duplicates by a linear search (no set kept per RRset).
    static let linearSearchLimit = 16

    struct RRsetKey: Hashable {
        var name: DNSName
        var type: RRType
    }

    /// Types RFC 2181 10.1 / RFC 4035 let live beside a CNAME (DNSSEC data): SIG, KEY, NXT, RRSIG, NSEC.
    static let allowedWithCNAME: Set<RRType> = [RRType(24), RRType(25), RRType(30), .rrsig, .nsec]
    /// Types of which a name holds at most one record.
    static let singletons: Set<RRType> = [.cname, .soa]

    init(origin: DNSName, zoneSource: String) {
        self.origin = origin
        self.zoneSource = zoneSource
    }

    /// Makes room for about `count` RRsets at once, sparing the tables' repeated growth.
    mutating func reserveCapacity(_ count: Int) {
        nodes.reserveCapacity(count)
        meta.reserveCapacity(count)
    }

    /// Adds one record, or records why it cannot be in the zone.
    mutating func add(_ record: ResourceRecord, at position: SourcePosition, batch: Int = 0) {
        let name = record.name, type = record.type
        guard record.dnsClass == .internet else {
            errors.append(position.error("class \(record.dnsClass) is not the zone's class IN"))
            return
        }
        guard name.isSubdomain(of: origin) else {
            errors.append(position.error("out of zone: \(name) is not at or below the zone origin \(origin)"))
            return
        }
        if type == .soa && name != origin {
            errors.append(position.error("SOA record not at the zone apex (\(name))"))
            return
        }
        if type == .cname, let other = nodes[name]?.keys.first(where: { $0 != .cname && !Self.allowedWithCNAME.contains($0) }) {
            errors.append(position.error("CNAME and other data at \(name) (\(other) exists)"))
            return
        }
        if type != .cname, !Self.allowedWithCNAME.contains(type), nodes[name]?[.cname] != nil {
            errors.append(position.error("CNAME and other data at \(name) (a CNAME exists)"))
            return
        }
        let key = RRsetKey(name: name, type: type)
        guard var known = meta[key] else {
            nodes[name, default: [:]][type] = RRset(record)
            meta[key] = Meta(position: position, batch: batch)
            if type == .soa { soa = record }
            return
        }
        let duplicateIndex: Int?, currentTTL: UInt32
        do {
            // Scoped, so no second reference to the records is alive when they change below.
            let existing = nodes[name]![type]!
            duplicateIndex = known.rdata.map { $0.contains(record.rdata) } == false ? nil
                : existing.records.firstIndex { $0.rdata == record.rdata }
            currentTTL = existing.ttl
        }
        if duplicateIndex == nil && Self.singletons.contains(type) {
            errors.append(position.error("more than one \(type) record at \(name)"))
            return
        }
        let sameRun = known.batch == batch
        let ttl: UInt32
        if !sameRun {
            ttl = record.ttl
            known.batch = batch
        } else {
            ttl = currentTTL
            if record.ttl != ttl {
                warnings.append(position.error("TTL \(record.ttl) differs from the TTL of the \(type) RRset at \(name); using \(ttl)"))
            }
        }
        // Taken out and put back, so the node's dictionary and the records are changed in place.
        var set = nodes[name]!.removeValue(forKey: type)!
        if let index = duplicateIndex {
            // Within one run BIND keeps the last spelling of equal RDATA (names compare without case).
            if sameRun { set.records[index].rdata = record.rdata }
        } else {
            set.records.append(record)
            if known.rdata != nil {
                known.rdata!.insert(record.rdata)
            } else if set.records.count > Self.linearSearchLimit {
                known.rdata = Set(set.records.map(\.rdata))
            }
        }
        set.setTTL(ttl)
        if type == .soa { soa = set.records[0] }
        nodes[name]![type] = set
        meta[key] = known
    }

    /// The zone, or every error found. The builder's tables move into the zone (no copy).
    consuming func build(requireNS: Bool) -> Result<Zone, ZoneErrors> {
        var errors = self.errors
        guard let soa else {
            errors.append(ZoneError(file: zoneSource, line: 0, column: 0, message: "no SOA record at the zone apex \(origin)"))
            return .failure(ZoneErrors(errors: errors, warnings: warnings))
        }
        let apexNS = nodes[origin]?[.ns]
        if requireNS && apexNS == nil {
            errors.append(ZoneError(file: zoneSource, line: 0, column: 0, message: "no NS records at the zone apex \(origin)"))
        }
        guard errors.isEmpty else { return .failure(ZoneErrors(errors: errors, warnings: warnings)) }
        let nsPosition = meta[RRsetKey(name: origin, type: .ns)]?.position
        meta = [:]
        var taken: [DNSName: [RRType: RRset]] = [:]
        swap(&taken, &nodes)
        let zone = Zone(origin: origin, soa: soa, nodes: taken, warnings: warnings)
        if requireNS, let apexNS, let position = nsPosition {
            errors += zone.nameServerProblems(apexNS).map { position.error($0) }
        }
        return errors.isEmpty ? .success(zone) : .failure(ZoneErrors(errors: errors, warnings: warnings))
    }
}

extension Zone {
    /// named-checkzone's check of the apex NS targets inside the zone: each needs an address
    /// record and must not be a CNAME. Targets outside the zone or below a delegation are not
    /// checked (`-i local`).
    func nameServerProblems(_ ns: RRset) -> [String] {
        var problems: [String] = []
        for case .ns(let target) in ns.rdata where target.isSubdomain(of: origin) {
            var hasAddress = false
            for type in [RRType.a, .aaaa] {
                switch lookup(target, type: type) {
                case .answer(let records) where records.first?.type == .cname:
                    problems.append("NS '\(target)' is a CNAME (illegal)")
                    hasAddress = true
                case .answer, .delegation:
                    hasAddress = true
                default:
                    break
                }
                if hasAddress { break }
            }
            if !hasAddress { problems.append("NS '\(target)' has no address records (A or AAAA)") }
        }
        return problems
    }
}
