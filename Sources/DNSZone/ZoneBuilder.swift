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
    private var seen: [RRsetKey: (rdata: Set<RData>, batch: Int)] = [:]
    private(set) var positions: [RRsetKey: SourcePosition] = [:]
    private(set) var soa: ResourceRecord?
    var errors: [ZoneError] = []
    var warnings: [ZoneError] = []

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
        let existing = nodes[name] ?? [:]
        if type == .cname, let other = existing.keys.first(where: { $0 != .cname && !Self.allowedWithCNAME.contains($0) }) {
            errors.append(position.error("CNAME and other data at \(name) (\(other) exists)"))
            return
        }
        if type != .cname, !Self.allowedWithCNAME.contains(type), existing[.cname] != nil {
            errors.append(position.error("CNAME and other data at \(name) (a CNAME exists)"))
            return
        }
        let key = RRsetKey(name: name, type: type)
        guard var set = existing[type], var known = seen[key] else {
            nodes[name, default: [:]][type] = RRset(record)
            seen[key] = ([record.rdata], batch)
            positions[key] = position
            if type == .soa { soa = record }
            return
        }
        let duplicate = known.rdata.contains(record.rdata)
        if !duplicate && Self.singletons.contains(type) {
            errors.append(position.error("more than one \(type) record at \(name)"))
            return
        }
        let sameRun = known.batch == batch
        let ttl: UInt32
        if !sameRun {
            ttl = record.ttl
            known.batch = batch
        } else {
            ttl = set.ttl
            if record.ttl != ttl {
                warnings.append(position.error("TTL \(record.ttl) differs from the TTL of the \(type) RRset at \(name); using \(ttl)"))
            }
        }
        if !duplicate {
            known.rdata.insert(record.rdata)
            set.records.append(record)
        } else if sameRun, let index = set.records.firstIndex(where: { $0.rdata == record.rdata }) {
            // Within one run BIND keeps the last spelling of equal RDATA (names compare without case).
            set.records[index].rdata = record.rdata
        }
        set.setTTL(ttl)
        seen[key] = known
        nodes[name, default: [:]][type] = set
        if type == .soa { soa = set.records[0] }
    }

    /// The zone, or every error found.
    func build(requireNS: Bool) -> Result<Zone, ZoneErrors> {
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
        let zone = Zone(origin: origin, soa: soa, nodes: nodes, warnings: warnings)
        if requireNS, let apexNS {
            let position = positions[RRsetKey(name: origin, type: .ns)]!
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
