import DNSWire

/// One cached answer in wire form, so that a hit is a copy plus a few patches instead of a
/// decode and an encode.
///
/// The stored message has ID 0, flags QR RA (AD and RCODE from upstream), the question at offset
/// 12 written uncompressed, the records with their TTLs as cached, and no OPT record: EDNS belongs
/// to each client's reply, never to the cache.
final class CachedResponse: Sendable {
    let wire: [UInt8]
    /// Offset of every record's 32-bit TTL field in `wire`.
    let ttlOffsets: [UInt16]
    /// The stored header flags.
    let flags: UInt16
    /// Clock reading (ms) when stored, and when the entry stops being served.
    let storedAt: UInt64
    let expiresAt: UInt64
    /// Seconds the entry lives: the smallest TTL of the answer and authority sections.
    let ttl: UInt32
    let negative: Bool
    /// Approximate bytes held: wire, offsets, the key's name and a fixed overhead for the object,
    /// the arrays' headers and the dictionary slot.
    let cost: Int

    static let overhead = 160

    private init(wire: [UInt8], ttlOffsets: [UInt16], flags: UInt16, storedAt: UInt64, ttl: UInt32, negative: Bool, keyBytes: Int) {
        self.wire = wire
        self.ttlOffsets = ttlOffsets
        self.flags = flags
        self.storedAt = storedAt
        self.expiresAt = storedAt + UInt64(ttl) * 1000
        self.ttl = ttl
        self.negative = negative
        self.cost = wire.count + 2 * ttlOffsets.count + keyBytes + Self.overhead
    }

    /// Applies the caching policy to `response` and builds the entry, or says why it is refused.
    static func make(from response: Message, for key: CacheKey, settings: CacheSettings,
                     now: UInt64) -> Result<CachedResponse, StoreResult.NotCached> {
        guard response.header.isResponse else { return .failure(.notAResponse) }
        guard !response.header.truncated else { return .failure(.truncated) }
        let rcode = response.rcode
        guard rcode == .noError || rcode == .nxDomain else { return .failure(.rcode(rcode)) }
        guard response.questions.count == 1, let question = response.questions.first, question.name == key.name,
              question.type == key.type, question.dnsClass == key.dnsClass
        else { return .failure(.questionMismatch) }
        if response.answers.contains(where: { $0.ttl == 0 }) || response.authorities.contains(where: { $0.ttl == 0 }) {
            return .failure(.zeroTTL)
        }

        func clamp(_ ttl: UInt32) -> UInt32 { min(max(ttl, settings.minTTL), settings.maxTTL) }

        var answers = response.answers
        for index in answers.indices { answers[index].ttl = clamp(answers[index].ttl) }
        // RFC 2308 sections 3 and 5: an SOA in the authority section is served with the negative
        // TTL, min(its TTL, its MINIMUM), which is also how long the negative answer may live.
        var authorities = response.authorities
        var sawSOA = false
        for index in authorities.indices {
            if case .soa(let soa) = authorities[index].rdata {
                let ttl = min(authorities[index].ttl, soa.minimum, settings.maxNegativeTTL, settings.maxTTL)
                guard ttl > 0 else { return .failure(.zeroTTL) }
                authorities[index].ttl = ttl
                sawSOA = true
            } else {
                authorities[index].ttl = clamp(authorities[index].ttl)
            }
        }
        let negative = rcode == .nxDomain || answers.isEmpty
        guard !negative || sawSOA else { return .failure(.noSOA) }
        let ttl = min(answers.lazy.map(\.ttl).min() ?? .max, authorities.lazy.map(\.ttl).min() ?? .max)
        // Additional data is optional (RFC 2181 section 9); keep only records that outlive the
        // entry, so no served TTL can ever reach zero.
        var additionals: [ResourceRecord] = []
        for var record in response.additionals where record.ttl > 0 {
            record.ttl = clamp(record.ttl)
            if record.ttl >= ttl { additionals.append(record) }
        }

        var header = Header()
        header.isResponse = true
        header.opcode = response.header.opcode
        header.recursionAvailable = true
        header.authenticData = response.header.authenticData
        header.rcodeLow = response.header.rcodeLow
        let stored = Message(header: header, questions: [question], answers: answers, authorities: authorities,
                             additionals: additionals)
        // A record longer than RDLENGTH can count cannot be stored (nor relayed).
        guard let wire = try? stored.encode() else { return .failure(.tooLarge(65536)) }
        guard wire[2] & 0x02 == 0, let offsets = ttlOffsets(in: wire) else { return .failure(.tooLarge(wire.count)) }
        let entry = CachedResponse(wire: wire, ttlOffsets: offsets, flags: header.flags, storedAt: now, ttl: ttl,
                                   negative: negative, keyBytes: key.name.wire.count + (key.view?.utf8.count ?? 0))
        guard entry.cost <= settings.maxBytes else { return .failure(.tooLarge(entry.cost)) }
        return .success(entry)
    }

    /// The offsets of all TTL fields in a message this module encoded; nil if it does not parse.
    static func ttlOffsets(in wire: [UInt8]) -> [UInt16]? {
        guard wire.count >= 12, wire.count <= 65535 else { return nil }
        func count(_ offset: Int) -> Int { Int(wire[offset]) << 8 | Int(wire[offset + 1]) }
        var position = 12
        func skipName() -> Bool {
            while position < wire.count {
                let length = Int(wire[position])
                if length == 0 { position += 1; return true }
                if length & 0xc0 == 0xc0 { position += 2; return position <= wire.count }
                guard length & 0xc0 == 0 else { return false }
                position += length + 1
            }
            return false
        }
        for _ in 0..<count(4) {
            guard skipName(), position + 4 <= wire.count else { return nil }
            position += 4
        }
        let records = count(6) + count(8) + count(10)
        var offsets: [UInt16] = []
        offsets.reserveCapacity(records)
        for _ in 0..<records {
            guard skipName(), position + 10 <= wire.count else { return nil }
            offsets.append(UInt16(position + 4))
            position += 10 + count(position + 8)
        }
        return position == wire.count ? offsets : nil
    }

    /// Seconds elapsed since the entry was stored, rounded down.
    func elapsedSeconds(at now: UInt64) -> UInt32 {
        now > storedAt ? UInt32(clamping: (now - storedAt) / 1000) : 0
    }

    /// The stored message as a reply to a query with `id` and `queryFlags` whose question name is
    /// `questionName` (equal to the stored one ignoring case, so of the same length), with TTLs
    /// counted down by the time elapsed. Capacity is left for `extraCapacity` more bytes.
    func render(id: UInt16, queryFlags: UInt16, questionName: DNSName, dnssecOK: Bool, now: UInt64,
                extraCapacity: Int) -> [UInt8] {
        let query = Header(flags: queryFlags)
        var header = Header(id: id, flags: flags)
        header.opcode = query.opcode
        header.recursionDesired = query.recursionDesired
        header.checkingDisabled = query.checkingDisabled
        // RFC 6840 section 5.8: AD only to clients that showed they understand it.
        header.authenticData = header.authenticData && (query.authenticData || dnssecOK)
        let elapsed = elapsedSeconds(at: now)
        let nameWire = questionName.wire
        precondition(nameWire.count + 12 <= wire.count, "question name longer than the stored message")
        return [UInt8](unsafeUninitializedCapacity: wire.count + extraCapacity) { buffer, initialized in
            let base = buffer.baseAddress!
            wire.withUnsafeBufferPointer { base.initialize(from: $0.baseAddress!, count: $0.count) }
            initialized = wire.count
            base[0] = UInt8(truncatingIfNeeded: id >> 8)
            base[1] = UInt8(truncatingIfNeeded: id)
            base[2] = UInt8(truncatingIfNeeded: header.flags >> 8)
            base[3] = UInt8(truncatingIfNeeded: header.flags)
            // The client's spelling of the name (RFC 1035 7.3, DNS 0x20); answer owners that are
            // compression pointers to it follow along.
            nameWire.withUnsafeBufferPointer { (base + 12).update(from: $0.baseAddress!, count: $0.count) }
            guard elapsed > 0 else { return }
            for offset in ttlOffsets {
                let field = base + Int(offset)
                let stored = UInt32(field[0]) << 24 | UInt32(field[1]) << 16 | UInt32(field[2]) << 8 | UInt32(field[3])
                let remaining = stored > elapsed ? stored - elapsed : 0
                field[0] = UInt8(truncatingIfNeeded: remaining >> 24)
                field[1] = UInt8(truncatingIfNeeded: remaining >> 16)
                field[2] = UInt8(truncatingIfNeeded: remaining >> 8)
                field[3] = UInt8(truncatingIfNeeded: remaining)
            }
        }
    }
}
