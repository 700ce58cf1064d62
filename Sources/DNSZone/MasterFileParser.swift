import DNSWire
import RegularFiles

/// The master-file reader behind `ZoneFile`: a pull loop over `PresentationLexer` entries with
/// explicit `$ORIGIN` / `$TTL` / owner state, feeding records to a `ZoneBuilder`.
struct MasterFileParser {
    static let maxIncludeDepth = 16
    static let maxErrors = 100
    static let maxTTL: UInt32 = 0x7fff_ffff

    private var builder: ZoneBuilder
    private let includeRoot: String?
    private var resolvedRoot: Result<String, FileProblem>?
    /// Real paths of the files being read, outermost first (loop detection).
    var includeStack: [String] = []
    private var stopped = false

    // TTL state, shared by included files (BIND lets `$TTL` changes outlive an include).
    private var defaultTTL: UInt32?
    private var lastTTL: UInt32?
    private var warnedRFC1035 = false

    // The current run of records with one owner (see ZoneBuilder on TTLs).
    private var batch = 0
    private var batchOwner: DNSName?
    private var batchTTLs: [RRType: UInt32] = [:]

    init(origin: DNSName, file: String, includeRoot: String?) {
        builder = ZoneBuilder(origin: origin, zoneSource: file)
        self.includeRoot = includeRoot
    }

    consuming func finish(requireNS: Bool) -> Result<Zone, ZoneErrors> {
        builder.build(requireNS: requireNS)
    }

    /// Sizes the tables for a file of `bytes` bytes (a record line is rarely under 24 bytes).
    mutating func reserveCapacity(forFileOf bytes: Int) {
        builder.reserveCapacity(min(bytes / 24, 1 << 24))
    }

    /// Reads one file's bytes. `owner` is the owner in force where an include starts.
    mutating func parse(bytes: [UInt8], file: String, origin startOrigin: DNSName, owner startOwner: DNSName?) {
        var lexer = PresentationLexer(bytes)
        var origin = startOrigin
        var owner = startOwner
        var ownerFailed = false
        newBatch()
        defer { newBatch() }
        while !stopped {
            let entry: PresentationEntry?
            do {
                entry = try lexer.next()
            } catch {
                self.error(ZoneError(file: file, line: error.line, column: error.column, message: error.message))
                stopped = true
                return
            }
            guard let entry else { return }
            let first = entry.tokens[0]
            if !entry.startsWithBlank, !first.quoted, first.text.first == UInt8(ascii: "$") {
                directive(entry, file: file, origin: &origin, owner: owner)
            } else {
                record(entry, file: file, origin: origin, owner: &owner, ownerFailed: &ownerFailed)
            }
        }
    }

    // MARK: records

    private mutating func record(_ entry: PresentationEntry, file: String, origin: DNSName,
                                 owner: inout DNSName?, ownerFailed: inout Bool) {
        let first = entry.tokens[0]
        let name: DNSName
        let fieldTokens: ArraySlice<PresentationToken>
        if entry.startsWithBlank {
            guard let owner else {
                if !ownerFailed { error(file, first, "no owner name: the first record must begin with one") }
                return
            }
            name = owner
            fieldTokens = entry.tokens[...]
        } else {
            do throws(DNSNameError) {
                name = try DNSName(presentation: first.text, origin: origin)
            } catch {
                self.error(file, first, "bad owner name '\(first.string)': \(error)")
                owner = nil
                ownerFailed = true
                return
            }
            owner = name
            ownerFailed = false
            fieldTokens = entry.tokens.dropFirst()
        }
        let fields: RecordFields
        let rdata: RData
        do throws(PresentationError) {
            fields = try RecordFields(fieldTokens, after: first)
            if let dnsClass = fields.dnsClass, dnsClass != .internet {
                let token = fieldTokens.first { !$0.quoted && DNSClass(mnemonic: $0.string) != nil } ?? first
                throw PresentationError(token, "class \(dnsClass) is not the zone's class IN")
            }
            rdata = try RData(type: fields.type, tokens: fields.rdata, origin: origin, after: fields.typeToken)
        } catch {
            self.error(ZoneError(file: file, line: error.line, column: error.column, message: error.message))
            return
        }
        guard var ttl = recordTTL(fields.ttl, rdata: rdata, file: file, at: first) else { return }

        if batchOwner != name {
            newBatch()
            batchOwner = name
        }
        if let prior = batchTTLs[rdata.type] {
            if prior != ttl {
                warn(file, first, "TTL \(ttl) differs from the TTL of the \(rdata.type) RRset at \(name); using \(prior)")
                ttl = prior
            }
        } else {
            batchTTLs[rdata.type] = ttl
        }
        lastTTL = ttl
        let position = SourcePosition(file: file, line: first.line, column: first.column)
        builder.add(ResourceRecord(name: name, ttl: ttl, rdata: rdata), at: position, batch: batch)
        stopIfTooManyErrors(position)
    }

    /// The TTL of a record: explicit, else `$TTL`, else the previous record's, else (first
    /// record, SOA only) the SOA MINIMUM, which then becomes the default.
    private mutating func recordTTL(_ explicit: UInt32?, rdata: RData, file: String, at token: PresentationToken) -> UInt32? {
        if let explicit { return clamped(explicit, file: file, at: token) }
        if let defaultTTL { return defaultTTL }
        if let lastTTL {
            if !warnedRFC1035 {
                warn(file, token, "no TTL and no $TTL: using the previous record's TTL (RFC 1035)")
                warnedRFC1035 = true
            }
            return lastTTL
        }
        if case .soa(let soa) = rdata {
            let ttl = clamped(soa.minimum, file: file, at: token)
            warn(file, token, "no TTL specified; using the SOA MINIMUM (\(ttl)) as the default TTL")
            defaultTTL = ttl
            return ttl
        }
        error(file, token, "no TTL specified: give this record a TTL or add a $TTL line before it")
        return nil
    }

    private mutating func clamped(_ ttl: UInt32, file: String, at token: PresentationToken) -> UInt32 {
        guard ttl > Self.maxTTL else { return ttl }
        warn(file, token, "TTL \(ttl) exceeds \(Self.maxTTL); using 0 (RFC 2181 8)")
        return 0
    }

    private mutating func newBatch() {
        batch += 1
        batchOwner = nil
        batchTTLs.removeAll(keepingCapacity: true)
    }

    // MARK: directives

    private mutating func directive(_ entry: PresentationEntry, file: String, origin: inout DNSName, owner: DNSName?) {
        let keyword = entry.tokens[0]
        let arguments = entry.tokens.dropFirst()
        switch keyword.string.uppercased() {
        case "$ORIGIN":
            guard arguments.count == 1, let argument = arguments.first else {
                return error(file, keyword, "$ORIGIN takes one domain name")
            }
            do throws(DNSNameError) {
                origin = try DNSName(presentation: argument.text, origin: origin)
            } catch {
                self.error(file, argument, "bad $ORIGIN '\(argument.string)': \(error)")
            }
        case "$TTL":
            guard arguments.count == 1, let argument = arguments.first else {
                return error(file, keyword, "$TTL takes one TTL")
            }
            guard !argument.quoted, let value = TTLText.parse(argument.string) else {
                return error(file, argument, "bad $TTL '\(argument.string)'")
            }
            defaultTTL = clamped(value, file: file, at: argument)
        case "$INCLUDE":
            guard (1...2).contains(arguments.count) else {
                return error(file, keyword, "$INCLUDE takes a file name and an optional origin")
            }
            include(Array(arguments), file: file, origin: origin, owner: owner, at: keyword)
        case "$GENERATE", "$DATE":
            error(file, keyword, "\(keyword.string) is not supported")
        default:
            error(file, keyword, "unknown directive '\(keyword.string)'")
        }
    }

    private mutating func include(_ arguments: [PresentationToken], file: String, origin: DNSName, owner: DNSName?,
                                  at keyword: PresentationToken) {
        let pathToken = arguments[0]
        guard let includeRoot else {
            return error(file, keyword, "$INCLUDE is not allowed here (no include folder was given)")
        }
        var includeOrigin = origin
        if arguments.count == 2 {
            do throws(DNSNameError) {
                includeOrigin = try DNSName(presentation: arguments[1].text, origin: origin)
            } catch {
                return self.error(file, arguments[1], "bad $INCLUDE origin '\(arguments[1].string)': \(error)")
            }
        }
        if resolvedRoot == nil { resolvedRoot = FileAccess.realPath(includeRoot) }
        let root: String
        switch resolvedRoot! {
        case .success(let path): root = path
        case .failure(let problem): return error(file, pathToken, "$INCLUDE folder '\(includeRoot)' cannot be used: \(problem)")
        }
        let path = pathToken.string
        let shown = FileAccess.join(FileAccess.folder(of: file), path)
        let real: String
        switch FileAccess.realPath(shown) {
        case .success(let resolved): real = resolved
        case .failure(let problem): return error(file, pathToken, "cannot open $INCLUDE file '\(shown)': \(problem)")
        }
        guard FileAccess.isInside(real, root: root) else {
            return error(file, pathToken, "$INCLUDE '\(path)' resolves to \(real), outside the allowed folder \(root)")
        }
        guard !includeStack.contains(real) else {
            return error(file, pathToken, "$INCLUDE loop: '\(path)' is already being read")
        }
        guard includeStack.count <= Self.maxIncludeDepth else {
            return error(file, pathToken, "$INCLUDE nested more than \(Self.maxIncludeDepth) deep")
        }
        let bytes: [UInt8]
        switch FileAccess.read(real, followLink: false) {
        case .success(let contents): bytes = contents
        case .failure(let problem): return error(file, pathToken, "cannot read $INCLUDE file '\(shown)': \(problem)")
        }
        includeStack.append(real)
        parse(bytes: bytes, file: shown, origin: includeOrigin, owner: owner)
        includeStack.removeLast()
    }

    // MARK: diagnostics

    private mutating func error(_ error: ZoneError) {
        builder.errors.append(error)
        stopIfTooManyErrors(SourcePosition(file: error.file, line: error.line, column: error.column))
    }

    private mutating func stopIfTooManyErrors(_ position: SourcePosition) {
        guard builder.errors.count >= Self.maxErrors, !stopped else { return }
        stopped = true
        builder.errors.append(position.error("too many errors; stopped reading"))
    }

    private mutating func error(_ file: String, _ token: PresentationToken, _ message: String) {
        error(ZoneError(file: file, line: token.line, column: token.column, message: message))
    }

    private mutating func warn(_ file: String, _ token: PresentationToken, _ message: String) {
        builder.warnings.append(ZoneError(file: file, line: token.line, column: token.column, message: message))
    }
}
