import DNSWire
import IPAddress

/// The records of a view's autodefined zones: EC2 names of instances and endpoint interfaces,
/// their PTRs, and `localhost` (AWS-DNS-RULES 11.2). Built once per config.
struct InstanceNames: Sendable {
    /// TTL of EC2 name and PTR answers, as seen from the VPC resolver (AWS-DNS-RULES S19: 60).
    static let ttl: UInt32 = 60

    private(set) var records: [DNSName: [ResourceRecord]] = [:]
    /// Names that exist only because a name below them has records (RFC 8020: NODATA, not NXDOMAIN).
    private(set) var nonTerminals: Set<DNSName> = []
    /// The view's EC2 names, when it has EC2 domains.
    var ec2: EC2Names?
    /// IPv4 blocks whose every address has an IP-based name and PTR (`synthesize_ip_names`).
    var synthesizedBlocks: [CIDR] = []

    /// Only the loopback names: `localhost` A/AAAA and the PTRs of 127.0.0.1 and ::1.
    static let loopback: InstanceNames = {
        var names = InstanceNames()
        names.add("localhost.", .a(IPv4Address(127, 0, 0, 1)))
        names.add("localhost.", .aaaa(IPv6Address(high: 0, low: 1)))
        names.add(ReverseNames.name(.v4(IPv4Address(127, 0, 0, 1))), .ptr("localhost."))
        names.add(ReverseNames.name(.v6(IPv6Address(high: 0, low: 1))), .ptr("localhost."))
        return names
    }()

    /// Every record, sorted by name and type.
    var allRecords: [ResourceRecord] {
        records.values.flatMap { $0 }.sorted { ($0.name, $0.type.rawValue) < ($1.name, $1.type.rawValue) }
    }

    mutating func add(_ name: DNSName, _ rdata: RData) {
        let record = ResourceRecord(name: name, ttl: Self.ttl, rdata: rdata)
        if records[name]?.contains(record) == true { return }
        records[name, default: []].append(record)
        var ancestor = name.parent
        while let current = ancestor, !current.isRoot, nonTerminals.insert(current).inserted {
            ancestor = current.parent
        }
    }

    /// What `zone` holds at `name`: its records (possibly none of the asked type), or nil when
    /// the name does not exist.
    func lookup(_ name: DNSName, in zone: AutodefinedZone) -> [ResourceRecord]? {
        if let found = records[name] { return found }
        switch zone.kind {
        case .privateEC2:
            if let ec2, !synthesizedBlocks.isEmpty,
               let address = EC2Names.address(in: name, prefix: "ip-", under: ec2.privateDomain),
               synthesizedBlocks.contains(where: { $0.contains(.v4(address)) }) {
                return [ResourceRecord(name: name, ttl: Self.ttl, rdata: .a(address))]
            }
        case .publicEC2:
            // A public name of an instance outside this VPC: its public address, as public DNS gives.
            if let ec2, let address = EC2Names.address(in: name, prefix: "ec2-", under: ec2.publicDomain) {
                return [ResourceRecord(name: name, ttl: Self.ttl, rdata: .a(address))]
            }
        case .reverse:
            if let ec2, let octets = ReverseNames.octets(of: name), octets.count == 4 {
                let address = IPv4Address(bytes: octets)
                if synthesizedBlocks.contains(where: { $0.contains(.v4(address)) }) {
                    return [ResourceRecord(name: name, ttl: Self.ttl, rdata: .ptr(ec2.ipName(address)))]
                }
            }
        case .localhost:
            if name != zone.apex {
                return (records[zone.apex] ?? []).map { record in
                    var below = record
                    below.name = name
                    return below
                }
            }
        case .empty:
            break
        }
        return nil
    }

    /// Whether `name` exists without records of its own: the zone apex, or an ancestor of data.
    func isNonTerminal(_ name: DNSName, in zone: AutodefinedZone) -> Bool {
        if name == zone.apex || nonTerminals.contains(name) { return true }
        guard zone.kind == .reverse, !synthesizedBlocks.isEmpty, let octets = ReverseNames.octets(of: name), octets.count < 4 else {
            return false
        }
        var padded = octets
        padded += Array(repeating: 0, count: 4 - octets.count)
        guard let prefix = CIDR(address: .v4(IPv4Address(bytes: padded)), prefixLength: octets.count * 8) else { return false }
        return synthesizedBlocks.contains { block in
            block.contains(prefix.network) || prefix.contains(block.network)
        }
    }
}
