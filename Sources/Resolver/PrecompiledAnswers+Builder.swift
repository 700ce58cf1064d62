import DNSWire
import DNSZone
import Platform
import VPCModel

extension PrecompiledAnswers {
    /// One answer as the builder encodes it, before its bodies join the table's storage.
    struct Encoded {
        let compiled: Compiled
        let layout: Layout
        let bodies: [[UInt8]]

        init(answer: Answer, rotationStart: Int, answerCount: UInt16, authorityCount: UInt16, bodies: [[UInt8]],
             pointers: FastReply.PointerOffsets = FastReply.PointerOffsets(), probeNameLength: Int = 0) {
            compiled = Compiled(answer: answer, rotationStart: rotationStart)
            layout = Layout(rcode: answer.rcode, answerCount: answerCount, authorityCount: authorityCount,
                            source: QueryTally.Source(answer.reason.source), bodyStart: 0, bodyLength: UInt16(bodies[0].count),
                            turns: UInt16(bodies.count), pointers: pointers, probeNameLength: UInt16(probeNameLength))
            self.bodies = bodies
        }
    }

    /// Collects the keys and encoded answers of every served view, in the flat arrays the table
    /// keeps: each answer's bodies are appended to `bodies` as it is encoded.
    struct Builder {
        let model: ResolutionModel
        var names: [UInt8] = []
        /// The keys, each with its full hash (the table places them by it).
        var entries: [(entry: Entry, hash: Int)] = []
        var layouts: [Layout] = []
        var bodies: [UInt8] = []
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
            for name in stops { insert(name, view: index, kind: Kind.suffix, type: 0, value: Entry.stop) }
        }

        private mutating func append(_ answer: Encoded) -> Int32 {
            var layout = answer.layout
            layout.bodyStart = bodies.count
            for body in answer.bodies { bodies += body }
            layouts.append(layout)
            compiled.append(answer.compiled)
            return Int32(layouts.count - 1)
        }

        /// Adds a key once; the first value given for a key wins.
        private mutating func insert(_ name: DNSName, view: Int, kind: UInt8, type: UInt16, value: Int32) {
            let folded = name.lowercased().wire
            let key = folded + [UInt8(truncatingIfNeeded: view), UInt8(truncatingIfNeeded: view >> 8), kind,
                                UInt8(truncatingIfNeeded: type), UInt8(truncatingIfNeeded: type >> 8)]
            guard seen.insert(key).inserted else { return }
            let hash = folded.withUnsafeBytes { PrecompiledAnswers.hash($0, view: view, kind: kind, type: type) }
            entries.append((Entry(hash: hash, nameStart: Int32(names.count), value: value, nameLength: folded.count, view: view,
                                  type: type, kind: kind), hash))
            names += folded
        }

        /// The model's answer for `name`/`type`, encoded; nil when it is not a local answer.
        private func compile(_ name: DNSName, type: RRType, view: View) -> Encoded? {
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
            // Rotations reorder records of one owner and type, so their bodies are equally long;
            // anything else is left to the model.
            guard bodies.allSatisfy({ $0.count == bodies[0].count }) else { return nil }
            var first = answer
            first.answers = orders[0]
            return Encoded(answer: first, rotationStart: start, answerCount: counts.0, authorityCount: counts.1, bodies: bodies)
        }

        /// The NXDOMAIN answer of `zone`, encoded for a probe name one label below the apex, with
        /// the names below the apex that its SOA mentions (the walk must not take them for absent).
        private func nxDomain(zone: Zone, names: Set<DNSName>, view: View) -> (compiled: Encoded, guards: [DNSName])? {
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
            return (Encoded(answer: answer, rotationStart: 0, answerCount: answerCount, authorityCount: authorityCount, bodies: [body],
                            pointers: pointers, probeNameLength: probe.wire.count), guards)
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
        private static func pointerOffsets(inRecord body: [UInt8]) -> FastReply.PointerOffsets? {
            var pointers = FastReply.PointerOffsets()
            var position = 0
            func skipName() -> Bool {
                while position < body.count {
                    let length = Int(body[position])
                    if length == 0 { position += 1; return true }
                    if length & 0xc0 == 0xc0 {
                        guard pointers.append(position) else { return false }
                        position += 2
                        return true
                    }
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
}
