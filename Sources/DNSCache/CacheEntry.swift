import DNSWire
import Platform
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One cached answer: its key and the answer in wire form in one allocation (a
/// `ManagedBuffer` whose elements are the key bytes, the message and its TTL offsets), so an
/// entry costs little more than its wire size and a hit is a copy plus a few patches instead of
/// a decode and an encode.
///
/// The stored message has ID 0, flags QR RA (AD and RCODE from upstream), the question at offset
/// 12 written uncompressed, the records with their TTLs as cached, and no OPT record: EDNS belongs
/// to each client's reply, never to the cache. Immutable once made.
///
/// Not `Sendable` (`ManagedBuffer` cannot be), yet shared between threads safely: header and
/// elements are written once, in `make`, before the entry is published under a shard's lock,
/// and only read afterwards.
final class CacheEntry: ManagedBuffer<CacheEntry.Fields, UInt8> {
    struct Fields {
        /// Clock reading (ms) when stored, and when the entry stops being served fresh.
        var storedAt: UInt64
        var expiresAt: UInt64
        /// Seconds the entry lives: the smallest TTL of the answer and authority sections.
        var ttl: UInt32
        var keyLength: UInt16
        var wireLength: UInt16
        var ttlCount: UInt16
        /// The stored header flags.
        var flags: UInt16
        var negative: Bool
    }

    /// Bytes the allocator holds for an entry of `count` element bytes: the object header
    /// (16), `Fields` (32) and the elements, rounded up to glibc's 16-byte chunks with their
    /// 8-byte size word, plus the entry's share of the shard's ring and index slots.
    static func cost(elementBytes count: Int) -> Int {
        (16 + MemoryLayout<Fields>.stride + count + 8 + 15) & ~15 + CacheShard.slotBytesPerEntry
    }

    /// The fields, read through a pointer: `header` is a class property, and every read of it
    /// would pay a dynamic exclusivity check, though nothing writes it after `make`.
    @inline(__always)
    var fields: Fields { withUnsafeMutablePointerToHeader { $0.pointee } }

    var expiresAt: UInt64 { fields.expiresAt }
    var ttl: UInt32 { fields.ttl }
    var negative: Bool { fields.negative }
    var cost: Int { Self.cost(elementBytes: Int(fields.keyLength) + Int(fields.wireLength) + 2 * Int(fields.ttlCount)) }

    /// Whether the stored key equals `key` (the encoded form of a `CacheKey`).
    func hasKey(_ key: UnsafeRawBufferPointer) -> Bool {
        guard Int(fields.keyLength) == key.count else { return false }
        return withUnsafeMutablePointerToElements { memcmp($0, key.baseAddress!, key.count) == 0 }
    }

    /// The stored key bytes.
    var keyBytes: [UInt8] {
        withUnsafeMutablePointerToElements { Array(UnsafeBufferPointer(start: $0, count: Int(fields.keyLength))) }
    }

    /// Builds an entry holding `key`, `wire` and `ttlOffsets`.
    static func make(key: UnsafeRawBufferPointer, wire: [UInt8], ttlOffsets: [UInt16], flags: UInt16, storedAt: UInt64,
                     ttl: UInt32, negative: Bool) -> CacheEntry {
        let count = key.count + wire.count + 2 * ttlOffsets.count
        let buffer = CacheEntry.create(minimumCapacity: count) { _ in
            Fields(storedAt: storedAt, expiresAt: storedAt + UInt64(ttl) * 1000, ttl: ttl, keyLength: UInt16(key.count),
                   wireLength: UInt16(wire.count), ttlCount: UInt16(ttlOffsets.count), flags: flags, negative: negative)
        }
        let entry = unsafeDowncast(buffer, to: CacheEntry.self)
        entry.withUnsafeMutablePointerToElements { base in
            UnsafeMutableRawPointer(base).copyMemory(from: key.baseAddress!, byteCount: key.count)
            wire.withUnsafeBytes { (base + key.count).initialize(from: $0.bindMemory(to: UInt8.self).baseAddress!, count: wire.count) }
            var position = key.count + wire.count
            for offset in ttlOffsets {
                base.storeBigEndian(offset, at: position)
                position += 2
            }
        }
        return entry
    }

    /// Applies the caching policy to `response` and builds the entry, or says why it is refused.
    static func make(from response: Message, for key: CacheKey, settings: CacheSettings,
                     now: UInt64) -> Result<CacheEntry, StoreResult.NotCached> {
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
        let entry = key.withEncodedBytes { encoded in
            CacheEntry.make(key: encoded, wire: wire, ttlOffsets: offsets, flags: header.flags, storedAt: now, ttl: ttl,
                            negative: negative)
        }
        guard entry.cost <= settings.maxBytes else { return .failure(.tooLarge(entry.cost)) }
        return .success(entry)
    }

    /// The offsets of all TTL fields in a message this module encoded; nil if it does not parse.
    static func ttlOffsets(in wire: [UInt8]) -> [UInt16]? {
        guard wire.count >= 12, wire.count <= 65535 else { return nil }
        func count(_ offset: Int) -> Int { Int(wire.bigEndianUInt16(at: offset)) }
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
        let storedAt = fields.storedAt
        return now > storedAt ? UInt32(clamping: (now - storedAt) / 1000) : 0
    }

    /// The stored message as the reply to a query with `id`, `queryFlags` and `questionName`
    /// (see `render`), with `edns` as its OPT record (nil: none), fitted to `maxSize`: when it
    /// does not fit it is re-encoded by `ReplyRules.encode` (whole RRsets left out and TC set,
    /// or over TCP without its additional data and OPT). Nil only if that fails.
    func reply(id: UInt16, queryFlags: UInt16, questionName: DNSName, dnssecOK: Bool, now: UInt64, fixedTTL: UInt32? = nil,
               edns: EDNS?, maxSize: Int) -> [UInt8]? {
        let ednsSize = edns?.encodedSize ?? 0
        var bytes = render(id: id, queryFlags: queryFlags, questionName: questionName, dnssecOK: dnssecOK, now: now,
                           fixedTTL: fixedTTL, extraCapacity: ednsSize)
        guard bytes.count + ednsSize <= maxSize else {
            // Rare (a large answer to a client without EDNS): decode and truncate by RRsets.
            guard var message = try? Message(wire: bytes) else { return nil }
            message.edns = edns
            return try? ReplyRules.encode(message, maxSize: maxSize)
        }
        guard let edns else { return bytes }
        bytes.withUnsafeMutableBufferPointer { Self.countAppendedOPT(in: $0.baseAddress!) }
        var writer = WireWriter(continuing: consume bytes)
        guard (try? edns.encode(to: &writer)) != nil else { return nil }
        return writer.bytes
    }

    /// The stored message as a reply to a query with `id` and `queryFlags` whose question name is
    /// `questionName` (equal to the stored one ignoring case, so of the same length), with TTLs
    /// counted down by the time elapsed, or all set to `fixedTTL` (a stale answer, RFC 8767).
    /// Capacity is left for `extraCapacity` more bytes.
    func render(id: UInt16, queryFlags: UInt16, questionName: DNSName, dnssecOK: Bool, now: UInt64,
                fixedTTL: UInt32? = nil, extraCapacity: Int) -> [UInt8] {
        let wireLength = wireLength
        return questionName.wire.withUnsafeBytes { name in
            [UInt8](unsafeUninitializedCapacity: wireLength + extraCapacity) { buffer, initialized in
                write(into: buffer.baseAddress!, id: id, queryFlags: queryFlags, questionName: name, dnssecOK: dnssecOK, now: now,
                      fixedTTL: fixedTTL)
                initialized = wireLength
            }
        }
    }

    /// Adds the OPT record about to be appended to the ARCOUNT of the reply at `base`.
    @inline(__always)
    static func countAppendedOPT(in base: UnsafeMutablePointer<UInt8>) {
        base.storeBigEndian(base.bigEndianUInt16(at: 10) + 1, at: 10)
    }

    /// Bytes of the stored message (header, question and records, no OPT).
    var wireLength: Int { Int(fields.wireLength) }

    /// Writes the `wireLength` bytes `render` returns into `base`, from `questionName` in wire
    /// form (the client's spelling): the one way every reply from the cache is made.
    func write(into base: UnsafeMutablePointer<UInt8>, id: UInt16, queryFlags: UInt16, questionName: UnsafeRawBufferPointer,
               dnssecOK: Bool, now: UInt64, fixedTTL: UInt32? = nil) {
        let fields = self.fields
        let storedHeader = Header(flags: fields.flags)
        let flags = ReplyRules.flags(query: queryFlags, rcode: UInt16(storedHeader.rcodeLow), authenticated: storedHeader.authenticData,
                                     dnssecOK: dnssecOK)
        let elapsed = elapsedSeconds(at: now)
        let wireLength = Int(fields.wireLength)
        let keyLength = Int(fields.keyLength)
        let ttlCount = Int(fields.ttlCount)
        precondition(questionName.count + 12 <= wireLength, "question name longer than the stored message")
        withUnsafeMutablePointerToElements { elements in
            let stored = elements + keyLength
            let offsets = stored + wireLength
            base.initialize(from: stored, count: wireLength)
            base.storeBigEndian(id, at: 0)
            base.storeBigEndian(flags, at: 2)
            // The client's spelling of the name (RFC 1035 7.3, DNS 0x20); answer owners that are
            // compression pointers to it follow along.
            UnsafeMutableRawPointer(base + 12).copyMemory(from: questionName.baseAddress!, byteCount: questionName.count)
            guard elapsed > 0 || fixedTTL != nil else { return }
            for index in 0..<ttlCount {
                let field = base + Int(offsets.bigEndianUInt16(at: 2 * index))
                let remaining: UInt32
                if let fixedTTL {
                    remaining = fixedTTL
                } else {
                    let value = field.bigEndianUInt32(at: 0)
                    remaining = value > elapsed ? value - elapsed : 0
                }
                field.storeBigEndian(remaining, at: 0)
            }
        }
    }
}
