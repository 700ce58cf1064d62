import DNSWire
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
///
/// A query reads flat arrays: the probe table holds its keys inline, and a found answer's header
/// fields and bodies are a `Layout` and a run of bytes, so a lookup follows no reference (each
/// one a likely cache miss after the kernel's work between two queries) and retains nothing.
/// The model's `Answer` is kept aside for query events.
final class PrecompiledAnswers: Sendable {
    /// What the model decided for one precompiled answer; read only to build a query event.
    final class Compiled: Sendable {
        /// The records in the order of the first body.
        let answer: Answer
        /// Where the turning records start in `answer.answers` (see `rotate`).
        let rotationStart: Int

        init(answer: Answer, rotationStart: Int) {
            self.answer = answer
            self.rotationStart = rotationStart
        }
    }

    /// What a reply from one precompiled answer needs: its header fields and where its bodies are.
    struct Layout {
        var rcode: RCode
        var answerCount: UInt16
        var authorityCount: UInt16
        /// The counted kind of the answer's source, found once here rather than per query.
        var source: QueryTally.Source
        /// The first body's offset in the body storage; the bodies of the other rotations follow,
        /// each `bodyLength` bytes long.
        var bodyStart: Int
        var bodyLength: UInt16
        /// How many bodies (rotations of the endpoint addresses) there are.
        var turns: UInt16
        /// NXDOMAIN only: the compression pointers that move with the query name, and the
        /// query-name length the body was encoded for.
        var pointers: FastReply.PointerOffsets
        var probeNameLength: UInt16
    }

    /// What the table says about one question in one view. Answers are named by their index.
    enum Found {
        case answer(Int)
        /// The name does not exist in a private zone of the view: its NXDOMAIN answer.
        case nxDomain(Int)
        /// No local data or rule of the view covers the name: it goes to the default upstreams.
        case notLocal
        /// Ask the model.
        case unknown
    }

    /// One key of the probe table, with where its name and answer are: 16 bytes, so that the
    /// table costs no more than an index beside the entries would.
    struct Entry {
        var nameStart: Int32
        /// Index of the answer; `Entry.stop` for a suffix where the walk must stop and ask the model.
        var value: Int32
        var view: Int16
        var type: UInt16
        /// The top 16 bits of the key's hash: most keys that share a slot's neighbourhood differ
        /// here, and are passed over without comparing names.
        var tag: UInt16
        var nameLength: UInt8
        var kind: UInt8

        init(hash: Int, nameStart: Int32, value: Int32, nameLength: Int, view: Int, type: UInt16, kind: UInt8) {
            self.nameStart = nameStart
            self.value = value
            self.view = Int16(truncatingIfNeeded: view)
            self.type = type
            tag = Self.tag(hash)
            self.nameLength = UInt8(truncatingIfNeeded: nameLength)
            self.kind = kind
        }

        @inline(__always)
        static func tag(_ hash: Int) -> UInt16 { UInt16(truncatingIfNeeded: hash >> 48) }

        static let stop: Int32 = -1
        /// A free slot of the probe table.
        static let free = Entry(hash: 0, nameStart: 0, value: -2, nameLength: 0, view: 0, type: 0, kind: 0)
    }

    enum Kind {
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

    /// The open-addressed probe table (`mask + 1` entries, at most half of them used).
    private let slots: [Entry]
    private let mask: Int
    /// The keys' lowercased wire names, back to back.
    private let names: [UInt8]
    private let layouts: [Layout]
    /// Every answer's bodies, back to back (see `Layout.bodyStart`).
    private let bodies: [UInt8]
    private let compiled: [Compiled]
    /// The name lengths of the exact entries and of the suffix entries.
    private let exactLengths: LengthSet
    private let suffixLengths: LengthSet
    /// Per view (index in `ResolutionModel.views`, then the default view): whether it is served
    /// here, and its name (the `view` of every answer's reason, for the counters).
    private let servedViews: [Bool]
    private let viewNames: [String]

    /// Builds the table for every view `serves` accepts (see `ServingState.servesPrecompiled`).
    init(model: ResolutionModel, serves: (View) -> Bool) {
        var builder = Builder(model: model)
        let views = model.views + [model.defaultView]
        servedViews = views.map(serves)
        viewNames = views.map(\.name)
        for (index, view) in views.enumerated() where servedViews[index] {
            builder.add(view: view, index: index)
        }
        names = builder.names
        layouts = builder.layouts
        bodies = builder.bodies
        compiled = builder.compiled
        var exactLengths = LengthSet(), suffixLengths = LengthSet()
        for (entry, _) in builder.entries {
            if entry.kind == Kind.exact { exactLengths.insert(Int(entry.nameLength)) } else { suffixLengths.insert(Int(entry.nameLength)) }
        }
        self.exactLengths = exactLengths
        self.suffixLengths = suffixLengths
        var capacity = 16
        while capacity < builder.entries.count * 2 { capacity <<= 1 }
        mask = capacity - 1
        var slots = [Entry](repeating: Entry.free, count: capacity)
        for (entry, hash) in builder.entries {
            var slot = hash & mask
            while slots[slot].value != Entry.free.value { slot = (slot + 1) & mask }
            slots[slot] = entry
        }
        self.slots = slots
    }

    /// The index used for the default view.
    static func viewIndex(_ index: Int?, in model: ResolutionModel) -> Int { index ?? model.views.count }

    func serves(view: Int) -> Bool { servedViews[view] }

    /// The name of view `index`.
    func viewName(_ index: Int) -> String { viewNames[index] }

    /// The reply fields of answer `index` (from `find`).
    @inline(__always)
    func layout(_ index: Int) -> Layout { layouts[index] }

    /// Calls `body` with body `turn` (0..<turns) of `layout`.
    @inline(__always)
    func withBody<Result>(_ layout: Layout, turn: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        bodies.withUnsafeBytes { bytes in
            let start = layout.bodyStart + turn * Int(layout.bodyLength)
            return body(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + Int(layout.bodyLength))]))
        }
    }

    /// The model's answer behind answer `index`, and its records in the order body `turn` sends them.
    func records(_ index: Int, turn: Int) -> (answer: Answer, records: [ResourceRecord]) {
        let compiled = compiled[index]
        return (compiled.answer, Self.rotate(compiled.answer.answers, from: compiled.rotationStart, by: turn))
    }

    /// Looks up the lowercased wire name `name` (`length` bytes) and `type` in `view`.
    func find(_ name: UnsafePointer<UInt8>, length: Int, type: RRType, view: Int) -> Found {
        if exactLengths.contains(length), let value = probe(name, length: length, view: view, kind: Kind.exact, type: type.rawValue),
           value >= 0 {
            return .answer(Int(value))
        }
        var offset = 0
        while true {
            if suffixLengths.contains(length - offset),
               let value = probe(name + offset, length: length - offset, view: view, kind: Kind.suffix, type: 0) {
                // At the name itself, whatever is there (a node, a rule) needs the model.
                guard offset > 0, value >= 0 else { return .unknown }
                return .nxDomain(Int(value))
            }
            let label = Int(name[offset])
            if label == 0 { return .notLocal }
            offset += label + 1
        }
    }

    @inline(__always)
    private func probe(_ name: UnsafePointer<UInt8>, length: Int, view: Int, kind: UInt8, type: UInt16) -> Int32? {
        let hash = Self.hash(UnsafeRawBufferPointer(start: name, count: length), view: view, kind: kind, type: type)
        let tag = Entry.tag(hash)
        return slots.withUnsafeBufferPointer { slots in
            names.withUnsafeBufferPointer { names in
                var slot = hash & mask
                while true {
                    let entry = slots[slot]
                    if entry.value == Entry.free.value { return nil }
                    if entry.tag == tag, Int(entry.nameLength) == length, entry.type == type, entry.kind == kind,
                       Int(entry.view) == view, memcmp(names.baseAddress! + Int(entry.nameStart), name, length) == 0 {
                        return entry.value
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    /// A multiply-xorshift hash over the name's 8-byte words: the keys come from the config, not
    /// from clients, so a keyed hash buys nothing here and costs most of a lookup.
    @inline(__always)
    static func hash(_ name: UnsafeRawBufferPointer, view: Int, kind: UInt8, type: UInt16) -> Int {
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

    /// `records` with those from `start` on turned by `turn` positions, as the model turns them.
    static func rotate(_ records: [ResourceRecord], from start: Int, by turn: Int) -> [ResourceRecord] {
        guard turn > 0 else { return records }
        return Array(records[..<start] + records[(start + turn)...] + records[start..<(start + turn)])
    }
}
