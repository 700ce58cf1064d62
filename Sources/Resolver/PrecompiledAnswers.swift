import DNSWire
import DNSZone
import Platform
import VPCModel

#if canImport(Glibc)
import Glibc
#endif

/// Local answers encoded once per loaded config, so that answering one costs what a cache hit
/// costs: a probe, one copy and a few patches.
///
/// Zone data does not change between reloads, so for every view, every name its private zones
/// and the endpoint names hold, and every type present there (plus A and AAAA), the answer that
/// `ResolutionModel.resolve` gives is encoded at load: the sections after the question, names
/// compressed against the question at offset 12, one body per rotation of the endpoint
/// addresses. For each private zone without wildcards or delegations, the NXDOMAIN answer is
/// encoded too, with the offsets of its compression pointers, which move with the query name.
///
/// Everything else (wildcard matches, names at resolver rules, rare types at existing names, a
/// CNAME chain leaving local data) is answered by the model as before: `resolve` is the one
/// source of truth, and this table only remembers what it said.
final class PrecompiledAnswers: Sendable {
    /// One encoded answer (a class: a lookup hands out one reference, not its fields).
    final class Compiled: Sendable {
        let rcode: RCode
        let answerCount: UInt16
        let authorityCount: UInt16
        /// The answer and authority sections as they follow the question; one per rotation.
        let bodies: [[UInt8]]
        /// NXDOMAIN only: the offsets in the body of compression pointers, and the query-name
        /// length the body was encoded for.
        let pointerOffsets: [Int]
        let probeNameLength: Int
        /// Where the turning records start in `answer.answers` (see `rotate`).
        let rotationStart: Int
        /// What the model decided, for observers (the records in the order of `bodies[0]`).
        let answer: Answer
        /// The counted kind of `answer.reason.source`, found once here rather than per query.
        let source: QueryTally.Source

        init(rcode: RCode, answerCount: UInt16, authorityCount: UInt16, bodies: [[UInt8]], pointerOffsets: [Int],
             probeNameLength: Int, rotationStart: Int, answer: Answer) {
            self.rcode = rcode
            self.answerCount = answerCount
            self.authorityCount = authorityCount
            self.bodies = bodies
            self.pointerOffsets = pointerOffsets
            self.probeNameLength = probeNameLength
            self.rotationStart = rotationStart
            self.answer = answer
            source = QueryTally.Source(answer.reason.source)
        }
    }

    /// What the table says about one question in one view.
    enum Found {
        case answer(Compiled)
        /// The name does not exist in the private zone whose apex starts `apexOffset` bytes into the name.
        case nxDomain(Compiled, apexOffset: Int)
        /// No local data or rule of the view covers the name: it goes to the default upstreams.
        case notLocal
        /// Ask the model.
        case unknown
    }

    private struct Entry {
        var hash: Int
        var nameStart: Int32
        var nameLength: Int16
        var view: Int16
        var kind: UInt8
        var type: UInt16
        /// Index into `compiled`; -1 for a suffix where the walk must stop and ask the model.
        var value: Int32
    }

    private enum Kind {
        static let exact: UInt8 = 0
        static let suffix: UInt8 = 1
    }

    /// The wire lengths (1...255) some entry's name has: a name of another length is not probed
    /// at all, which spares most of the suffix walk of a name no local data covers.
    private struct LengthSet {
        private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        mutating func insert(_ length: Int) {
            let bit = UInt64(1) << UInt64(length & 63)
            switch length >> 6 {
            case 0: words.0 |= bit
            case 1: words.1 |= bit
            case 2: words.2 |= bit
            default: words.3 |= bit
            }
        }

        @inline(__always)
        func contains(_ length: Int) -> Bool {
            let word: UInt64
            switch length >> 6 {
            case 0: word = words.0
            case 1: word = words.1
            case 2: word = words.2
            default: word = words.3
            }
            return word & (UInt64(1) << UInt64(length & 63)) != 0
        }
    }

    private let names: [UInt8]
    private let entries: [Entry]
    private let slots: [Int32]
    private let mask: Int
    private let compiled: [Compiled]
    /// The name lengths of the exact entries and of the suffix entries.
    private let exactLengths: LengthSet
    private let suffixLengths: LengthSet
    /// Per view (index in `ResolutionModel.views`, then the default view): whether it is served here.
    private let servedViews: [Bool]

    /// Builds the table for every view `serves` accepts (see `ServingState.servesPrecompiled`).
    init(model: ResolutionModel, serves: (View) -> Bool) {
        var builder = Builder(model: model)
        let views = model.views + [model.defaultView]
        servedViews = views.map(serves)
        for (index, view) in views.enumerated() where servedViews[index] {
            builder.add(view: view, index: index)
        }
        names = builder.names
        entries = builder.entries
        compiled = builder.compiled
        var exactLengths = LengthSet(), suffixLengths = LengthSet()
        for entry in entries {
            if entry.kind == Kind.exact { exactLengths.insert(Int(entry.nameLength)) } else { suffixLengths.insert(Int(entry.nameLength)) }
        }
        self.exactLengths = exactLengths
        self.suffixLengths = suffixLengths
        var capacity = 16
        while capacity < entries.count * 2 { capacity <<= 1 }
        mask = capacity - 1
        var slots = [Int32](repeating: -1, count: capacity)
        for (index, entry) in entries.enumerated() {
            var slot = entry.hash & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
        self.slots = slots
    }

    /// The index used for the default view.
    static func viewIndex(_ index: Int?, in model: ResolutionModel) -> Int { index ?? model.views.count }

    func serves(view: Int) -> Bool { servedViews[view] }

    /// Entries held, for status lines and tests.
    var count: Int { entries.count }

    /// Looks up the lowercased wire name `name` (`length` bytes) and `type` in `view`.
    func find(_ name: UnsafePointer<UInt8>, length: Int, type: RRType, view: Int) -> Found {
        if exactLengths.contains(length), let value = probe(name, length: length, view: view, kind: Kind.exact, type: type.rawValue),
           value >= 0 {
            return .answer(compiled[Int(value)])
        }
        var offset = 0
        while true {
            if suffixLengths.contains(length - offset),
               let value = probe(name + offset, length: length - offset, view: view, kind: Kind.suffix, type: 0) {
                // At the name itself, whatever is there (a node, a rule) needs the model.
                guard offset > 0, value >= 0 else { return .unknown }
                return .nxDomain(compiled[Int(value)], apexOffset: offset)
            }
            let label = Int(name[offset])
            if label == 0 { return .notLocal }
            offset += label + 1
        }
    }

    @inline(__always)
    private func probe(_ name: UnsafePointer<UInt8>, length: Int, view: Int, kind: UInt8, type: UInt16) -> Int32? {
        let hash = Self.hash(UnsafeRawBufferPointer(start: name, count: length), view: view, kind: kind, type: type)
        return slots.withUnsafeBufferPointer { slots in
            entries.withUnsafeBufferPointer { entries in
                names.withUnsafeBufferPointer { names in
                    var slot = hash & mask
                    while true {
                        let index = Int(slots[slot])
                        if index < 0 { return nil }
                        let entry = entries[index]
                        if entry.hash == hash, Int(entry.nameLength) == length, entry.type == type, entry.kind == kind,
                           Int(entry.view) == view, memcmp(names.baseAddress! + Int(entry.nameStart), name, length) == 0 {
                            return entry.value
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
    }

    /// A multiply-xorshift hash over the name's 8-byte words: the keys come from the config, not
    /// from clients, so a keyed hash buys nothing here and costs most of a lookup.
    @inline(__always)
    private static func hash(_ name: UnsafeRawBufferPointer, view: Int, kind: UInt8, type: UInt16) -> Int {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        var hash = UInt64(truncatingIfNeeded: view) << 24 | UInt64(kind) << 16 | UInt64(type) | UInt64(name.count) << 40
        var offset = 0
        while offset + 8 <= name.count {
            hash = (hash ^ name.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* multiplier
            hash ^= hash >> 29
            offset += 8
        }
        if offset < name.count {
            var tail: UInt64 = 0
            withUnsafeMutableBytes(of: &tail) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: name[offset...])) }
            hash = (hash ^ tail) &* multiplier
            hash ^= hash >> 29
        }
        hash = (hash ^ hash >> 32) &* multiplier
        return Int(truncatingIfNeeded: hash ^ hash >> 29)
    }

    // MARK: building

    private struct Builder {
        let model: ResolutionModel
        var names: [UInt8] = []
        var entries: [Entry] = []
        var compiled: [Compiled] = []
        var seen: Set<[UInt8]> = []

        init(model: ResolutionModel) { self.model = model }

        mutating func add(view: View, index: Int) {
            // Every rule, zone apex and autodefined zone of the view; the zones' names are added below.
            var stops: [DNSName] = view.authorityNames
            var exact: [(DNSName, Set<RRType>)] = []
            for served in view.zones {
                let zone = served.zone
                let zoneNames = Array(zone.names)
                let cuts = zone.delegationPoints
                stops += zoneNames
                for name in zoneNames where !name.isWildcard && !cuts.contains(where: { name.isSubdomain(of: $0) }) {
                    exact.append((name, Set(zone.rrsets(at: name)?.keys ?? [:].keys).union([.a, .aaaa])))
                }
                if !zoneNames.contains(where: \.isWildcard), cuts.isEmpty, !view.ruleDomains.contains(zone.origin),
                   let nx = nxDomain(zone: zone, names: Set(zoneNames), view: view) {
                    stops.removeAll { $0 == zone.origin }
                    stops += nx.guards
                    insert(zone.origin, view: index, kind: Kind.suffix, type: 0, value: append(nx.compiled))
                }
            }
            // The autodefined zones' names (EC2 names, PTRs, localhost): answered from the table,
            // names below them and other types by the model.
            for record in view.autodefinedRecords where !record.name.isWildcard {
                exact.append((record.name, [.a, .aaaa, record.type]))
            }
            for record in model.endpointRecords {
                let name = record.name.isWildcard ? record.name.parent! : record.name
                stops.append(name)
                if !record.name.isWildcard { exact.append((name, [.a, .aaaa])) }
            }
            for (name, types) in exact {
                for type in types.sorted(by: { $0.rawValue < $1.rawValue }) {
                    if let compiled = compile(name, type: type, view: view) {
                        insert(name, view: index, kind: Kind.exact, type: type.rawValue, value: append(compiled))
                    }
                }
            }
            for name in stops { insert(name, view: index, kind: Kind.suffix, type: 0, value: -1) }
        }

        private mutating func append(_ entry: Compiled) -> Int32 {
            compiled.append(entry)
            return Int32(compiled.count - 1)
        }

        /// Adds a key once; the first value given for a key wins.
        private mutating func insert(_ name: DNSName, view: Int, kind: UInt8, type: UInt16, value: Int32) {
            let folded = name.lowercased().wire
            let key = folded + [UInt8(truncatingIfNeeded: view), UInt8(truncatingIfNeeded: view >> 8), kind,
                                UInt8(truncatingIfNeeded: type), UInt8(truncatingIfNeeded: type >> 8)]
            guard seen.insert(key).inserted else { return }
            let hash = folded.withUnsafeBytes { PrecompiledAnswers.hash($0, view: view, kind: kind, type: type) }
            entries.append(Entry(hash: hash, nameStart: Int32(names.count), nameLength: Int16(folded.count), view: Int16(view),
                                 kind: kind, type: type, value: value))
            names += folded
        }

        /// The model's answer for `name`/`type`, encoded; nil when it is not a local answer.
        private func compile(_ name: DNSName, type: RRType, view: View) -> Compiled? {
            guard case .answer(let answer) = model.resolve(Question(name: name, type: type), in: view) else { return nil }
            let start = Self.rotationStart(answer, type: type)
            let turns = answer.answers.count - start
            let orders = turns > 1 ? (0..<turns).map { PrecompiledAnswers.rotate(answer.answers, from: start, by: $0) } : [answer.answers]
            var bodies: [[UInt8]] = []
            var counts: (UInt16, UInt16) = (0, 0)
            for order in orders {
                guard let (body, answerCount, authorityCount) = Self.encode(name.lowercased(), type: type, rcode: answer.rcode,
                                                                            answers: order, authorities: answer.authorities) else { return nil }
                bodies.append(body)
                counts = (answerCount, authorityCount)
            }
            var first = answer
            first.answers = orders[0]
            return Compiled(rcode: answer.rcode, answerCount: counts.0, authorityCount: counts.1, bodies: bodies,
                            pointerOffsets: [], probeNameLength: 0, rotationStart: start, answer: first)
        }

        /// The NXDOMAIN answer of `zone`, encoded for a probe name one label below the apex, with
        /// the names below the apex that its SOA mentions (the walk must not take them for absent).
        private func nxDomain(zone: Zone, names: Set<DNSName>, view: View) -> (compiled: Compiled, guards: [DNSName])? {
            guard case .soa(let soa) = zone.soa.rdata else { return nil }
            var guards: [DNSName] = []
            for target in [soa.mname, soa.rname] where target.isSubdomain(of: zone.origin) && target != zone.origin {
                var current: DNSName? = target
                while let name = current, name != zone.origin {
                    guards.append(name)
                    current = name.parent
                }
            }
            // A probe label naming nothing in the zone and no guard.
            var probe: DNSName?
            for candidate in 0..<100 {
                if let name = try? zone.origin.prepending(label: Array("nx\(candidate)".utf8)),
                   !names.contains(name), !guards.contains(name) {
                    probe = name
                    break
                }
            }
            guard let probe, case .answer(let answer) = model.resolve(Question(name: probe, type: .a), in: view),
                  answer.rcode == .nxDomain, answer.answers.isEmpty, answer.authorities.count == 1,
                  let (body, answerCount, authorityCount) = Self.encode(probe.lowercased(), type: .a, rcode: answer.rcode,
                                                                        answers: [], authorities: answer.authorities),
                  let pointers = Self.pointerOffsets(inRecord: body)
            else { return nil }
            return (Compiled(rcode: answer.rcode, answerCount: answerCount, authorityCount: authorityCount, bodies: [body],
                             pointerOffsets: pointers, probeNameLength: probe.wire.count, rotationStart: 0, answer: answer), guards)
        }

        /// The sections after the question of the slow path's response to `name`/`type`, and
        /// their counts; nil when it would need an additional section or truncation.
        private static func encode(_ name: DNSName, type: RRType, rcode: RCode, answers: [ResourceRecord],
                                   authorities: [ResourceRecord]) -> ([UInt8], UInt16, UInt16)? {
            let question = Question(name: name, type: type)
            var header = Header()
            header.recursionDesired = true
            let request = Request(message: Message(header: header, questions: [question]), question: question, maxResponseSize: 65535)
            let wire = ResponseBuilder.response(to: request, rcode: rcode, answers: answers, authorities: authorities)
            guard rcode.rawValue < 16, wire.count >= 12 + name.wire.count + 4, wire[2] & 0x02 == 0, wire[10] == 0, wire[11] == 0
            else { return nil }
            let answerCount = wire.bigEndianUInt16(at: 6)
            let authorityCount = wire.bigEndianUInt16(at: 8)
            return (Array(wire[(12 + name.wire.count + 4)...]), answerCount, authorityCount)
        }

        /// The compression pointers of one SOA record (owner, then MNAME and RNAME in its RDATA).
        private static func pointerOffsets(inRecord body: [UInt8]) -> [Int]? {
            var pointers: [Int] = []
            var position = 0
            func skipName() -> Bool {
                while position < body.count {
                    let length = Int(body[position])
                    if length == 0 { position += 1; return true }
                    if length & 0xc0 == 0xc0 { pointers.append(position); position += 2; return true }
                    position += length + 1
                }
                return false
            }
            guard skipName(), position + 10 <= body.count,
                  body.bigEndianUInt16(at: position) == RRType.soa.rawValue else { return nil }
            position += 10
            guard skipName(), skipName(), position + 20 == body.count else { return nil }
            return pointers
        }

        /// Where the records the model turns on each query start (their count if none turn): an
        /// endpoint's address records (its hidden zone or its endpoint-specific names), after the
        /// CNAMEs that led there; the one RRset ANY is answered with (RFC 8482).
        private static func rotationStart(_ answer: Answer, type: RRType) -> Int {
            switch answer.reason.source {
            case .managedZone, .endpointName: break
            default: return answer.answers.count
            }
            if type == .any { return 0 }
            var start = answer.answers.count
            while start > 0, answer.answers[start - 1].type == type { start -= 1 }
            return start
        }
    }

    /// `records` with those from `start` on turned by `turn` positions, as the model turns them.
    static func rotate(_ records: [ResourceRecord], from start: Int, by turn: Int) -> [ResourceRecord] {
        guard turn > 0 else { return records }
        return Array(records[..<start] + records[(start + turn)...] + records[start..<(start + turn)])
    }
}
