/// A DNS message: header, four sections, and EDNS data lifted out of the additional section.
public struct Message: Hashable, Sendable {
    public var header: Header
    public var questions: [Question]
    public var answers: [ResourceRecord]
    public var authorities: [ResourceRecord]
    /// Additional records other than OPT.
    public var additionals: [ResourceRecord]
    /// The OPT record's contents, when present.
    public var edns: EDNS?

    public init(header: Header = Header(), questions: [Question] = [], answers: [ResourceRecord] = [],
                authorities: [ResourceRecord] = [], additionals: [ResourceRecord] = [], edns: EDNS? = nil) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
        self.edns = edns
    }

    /// The full 12-bit response code (header bits plus EDNS extension).
    public var rcode: RCode {
        get { RCode(UInt16(edns?.extendedRCode ?? 0) << 4 | UInt16(header.rcodeLow)) }
        set {
            header.rcodeLow = UInt8(newValue.rawValue & 0xf)
            let upper = UInt8(newValue.rawValue >> 4)
            if edns != nil { edns!.extendedRCode = upper }
        }
    }

    /// Decodes a whole message. Never traps: any malformed input throws `DNSWireError`.
    public init(wire: UnsafeRawBufferPointer) throws(DNSWireError) {
        guard wire.count <= 65535 else { throw .messageTooLarge(wire.count) }
        var reader = WireReader(wire)
        header = Header(id: try reader.readUInt16(), flags: try reader.readUInt16())
        let questionCount = Int(try reader.readUInt16())
        let answerCount = Int(try reader.readUInt16())
        let authorityCount = Int(try reader.readUInt16())
        let additionalCount = Int(try reader.readUInt16())
        // Each question needs at least 5 bytes and each record 11: reject absurd counts early.
        guard questionCount * 5 + (answerCount + authorityCount + additionalCount) * 11 <= reader.remaining else {
            throw .insufficientBytes(offset: reader.offset,
                                     needed: questionCount * 5 + (answerCount + authorityCount + additionalCount) * 11 - reader.remaining)
        }
        questions = []
        questions.reserveCapacity(questionCount)
        for _ in 0..<questionCount {
            questions.append(Question(name: try reader.readName(), type: RRType(try reader.readUInt16()),
                                      dnsClass: DNSClass(try reader.readUInt16())))
        }
        answers = try Self.readRecords(answerCount, from: &reader, opt: nil)
        authorities = try Self.readRecords(authorityCount, from: &reader, opt: nil)
        var edns: EDNS?
        additionals = try Self.readRecords(additionalCount, from: &reader, opt: &edns)
        self.edns = edns
    }

    public init(wire: [UInt8]) throws(DNSWireError) {
        var result: Result<Message, DNSWireError>!
        wire.withUnsafeBytes { buffer in
            do throws(DNSWireError) { result = .success(try Message(wire: buffer)) } catch { result = .failure(error) }
        }
        self = try result.get()
    }

    private static func readRecords(_ count: Int, from reader: inout WireReader, opt: UnsafeMutablePointer<EDNS?>?) throws(DNSWireError) -> [ResourceRecord] {
        var records: [ResourceRecord] = []
        records.reserveCapacity(count)
        for _ in 0..<count {
            let name = try reader.readName()
            let type = RRType(try reader.readUInt16())
            let classField = try reader.readUInt16()
            let ttl = try reader.readUInt32()
            let length = Int(try reader.readUInt16())
            if type == .opt {
                guard let opt else { throw .badOPT(reason: "OPT outside the additional section") }
                guard opt.pointee == nil else { throw .badOPT(reason: "more than one OPT record") }
                guard name.isRoot else { throw .badOPT(reason: "owner is not the root") }
                opt.pointee = try EDNS(classField: classField, ttlField: ttl, rdata: try reader.readBytes(length))
                continue
            }
            let rdata = try RData.decode(type: type, length: length, from: &reader)
            records.append(ResourceRecord(name: name, dnsClass: DNSClass(classField), ttl: ttl, rdata: rdata))
        }
        return records
    }

    private static func readRecords(_ count: Int, from reader: inout WireReader, opt edns: inout EDNS?) throws(DNSWireError) -> [ResourceRecord] {
        try withUnsafeMutablePointer(to: &edns) { pointer throws(DNSWireError) in
            try readRecords(count, from: &reader, opt: pointer)
        }
    }

    /// Encodes the message in at most `maxSize` bytes (never more than 65535).
    ///
    /// Records are added RRset by RRset; when the answer or authority section does not fit, the
    /// rest is left out and TC is set. Additional records that do not fit are left out without
    /// TC (RFC 2181 section 9). The OPT record is always kept, since its space is reserved first.
    /// Throws `fieldTooLong` when a record or the OPT record cannot be written at all (RDATA over
    /// 65535 bytes, a character-string over 255): the caller answers SERVFAIL instead.
    public func encode(maxSize: Int = 65535) throws(DNSWireError) -> [UInt8] {
        let maxSize = min(maxSize, 65535)
        guard questions.count <= 65535 else { throw .fieldTooLong(what: "question section", length: questions.count, limit: 65535) }
        var writer = WireWriter(capacity: min(maxSize, 512))
        var header = self.header
        let reserved = edns?.encodedSize ?? 0
        let limit = max(maxSize - reserved, 12)
        writer.writeUInt16(header.id)
        writer.writeUInt16(header.flags)
        for count in [questions.count, 0, 0, 0] { writer.writeUInt16(UInt16(count)) }
        for question in questions {
            writer.writeName(question.name)
            writer.writeUInt16(question.type.rawValue)
            writer.writeUInt16(question.dnsClass.rawValue)
        }
        var counts = [0, 0, 0]
        var truncated = writer.count > limit
        for (section, records) in [answers, authorities, additionals].enumerated() where !truncated {
            var index = 0
            while index < records.count {
                let setEnd = Self.rrsetEnd(records, from: index)
                let before = writer.count
                for record in records[index..<setEnd] { try record.encode(to: &writer) }
                if writer.count > limit {
                    writer.truncate(to: before)
                    if section < 2 { truncated = true }
                    break
                }
                counts[section] += setEnd - index
                index = setEnd
            }
            if index < records.count { break }
        }
        if truncated { header.truncated = true }
        var additionalCount = counts[2]
        if let edns {
            try edns.encode(to: &writer)
            additionalCount += 1
        }
        // Each record takes at least 11 bytes of at most 65535: every count fits 16 bits.
        writer.patchUInt16(header.flags, at: 2)
        writer.patchUInt16(UInt16(counts[0]), at: 6)
        writer.patchUInt16(UInt16(counts[1]), at: 8)
        writer.patchUInt16(UInt16(additionalCount), at: 10)
        return writer.bytes
    }

    /// The end of the RRset (same owner, type and class) that starts at `start`.
    private static func rrsetEnd(_ records: [ResourceRecord], from start: Int) -> Int {
        var end = start + 1
        let first = records[start]
        while end < records.count, records[end].type == first.type, records[end].dnsClass == first.dnsClass,
              records[end].name == first.name {
            end += 1
        }
        return end
    }
}
