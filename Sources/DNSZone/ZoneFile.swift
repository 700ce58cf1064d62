import DNSWire

/// Reads RFC 1035 master files (section 5) into `Zone`s, accepting what BIND's
/// `named-checkzone -i local` accepts and producing the same records, except where noted.
///
/// - Directives: `$ORIGIN name` (relative to the current origin), `$TTL ttl` (seconds or BIND's
///   `1h30m` units), `$INCLUDE file [origin]`. `$GENERATE` and `$DATE` are refused.
/// - Records: `owner [TTL] [class] type RDATA` with TTL and class in either order; `@` is the
///   current origin; an entry starting with a blank reuses the previous owner; parentheses join
///   lines; `;` starts a comment; quoted strings and `\X` / `\DDD` escapes; RFC 3597 `\#` RDATA
///   for any type (types vpcdns has no typed form for must use it).
/// - TTL when omitted (as BIND): the last `$TTL`; without one, the previous record's TTL
///   (RFC 1035); for a first record without any, an SOA takes its MINIMUM (with a warning) and
///   becomes the default, any other record is an error. TTLs above 2^31-1 become 0 (RFC 2181 8).
/// - One TTL per RRset (RFC 2181 5.2), as BIND's loader: within a run of consecutive records of
///   one owner the first TTL wins (with a warning); when a later run adds to an RRset, the RRset
///   takes the later run's TTL. Identical records are collapsed.
/// - `$INCLUDE`: the path is taken relative to the including file's folder (BIND uses its
///   working directory), must resolve, after symlinks and `..`, inside `includeRoot`, and the
///   included file inherits the origin (or the one given) and the current owner; after it, the
///   including file's origin and owner are restored while `$TTL` changes persist (as BIND).
///   Includes nest at most 16 deep and never in a loop. Without an `includeRoot`, `$INCLUDE` is
///   an error.
/// - Errors name `file:line:column`. A zone with any error is rejected whole; every error is
///   reported except after a lexical one (unbalanced parenthesis or quote), where reading stops.
///
/// Deliberate differences from BIND: records outside the origin are errors (BIND ignores them
/// with a warning); `$INCLUDE` is confined as above; types without a typed form here need `\#`.
public enum ZoneFile {
    /// Parses master-file text. `file` names the text in errors and is where relative
    /// `$INCLUDE` paths start. With `requireNS` (the default for files), the apex must have NS
    /// records and each in-zone apex NS target an address, as named-checkzone demands.
    public static func parse(text: String, file: String, origin: DNSName, includeRoot: String?,
                             requireNS: Bool = true) throws(ZoneErrors) -> Zone {
        try parse(bytes: Array(text.utf8), file: file, origin: origin, includeRoot: includeRoot, requireNS: requireNS)
    }

    /// `parse(text:...)` over the file's bytes: bytes that are not UTF-8 are kept in names and
    /// strings as written (as BIND keeps them), never replaced.
    public static func parse(bytes: [UInt8], file: String, origin: DNSName, includeRoot: String?,
                             requireNS: Bool = true) throws(ZoneErrors) -> Zone {
        var parser = MasterFileParser(origin: origin, file: file, includeRoot: includeRoot)
        if case .success(let real) = FileAccess.realPath(file) { parser.includeStack.append(real) }
        parser.reserveCapacity(forFileOf: bytes.count)
        parser.parse(bytes: bytes, file: file, origin: origin, owner: nil)
        return try parser.finish(requireNS: requireNS).get()
    }

    /// Reads and parses the zone file at `path`. With `origin` nil, the origin comes from the file
    /// name `<origin>.zone` (`corp.example.internal.zone`), or else from a `$ORIGIN` with an
    /// absolute name as the file's first entry. `$INCLUDE` is confined to `includeRoot` (normally
    /// the config's folder); `path` itself is not.
    public static func load(path: String, origin: DNSName?, includeRoot: String,
                            requireNS: Bool = true) throws(ZoneErrors) -> Zone {
        let bytes: [UInt8]
        switch FileAccess.read(path) {
        case .success(let contents): bytes = contents
        case .failure(let problem):
            throw ZoneErrors(errors: [ZoneError(file: path, line: 0, column: 0, message: "cannot read the zone file: \(problem)")])
        }
        guard let zoneOrigin = origin ?? Self.origin(fromFileName: path) ?? leadingOrigin(bytes) else {
            throw ZoneErrors(errors: [ZoneError(file: path, line: 1, column: 1, message:
                "cannot tell the zone's origin: name the file <origin>.zone or begin it with $ORIGIN <absolute name>")])
        }
        return try parse(bytes: bytes, file: path, origin: zoneOrigin, includeRoot: includeRoot, requireNS: requireNS)
    }

    /// The origin named by a file called `<origin>.zone`, or nil.
    public static func origin(fromFileName path: String) -> DNSName? {
        let name = FileAccess.fileName(of: path)
        guard name.count > 5, name.lowercased().hasSuffix(".zone") else { return nil }
        return try? DNSName(name.dropLast(5))
    }

    /// The name of a `$ORIGIN` that is the file's first entry, when absolute.
    static func leadingOrigin(_ bytes: [UInt8]) -> DNSName? {
        var lexer = PresentationLexer(bytes)
        guard let entry = try? lexer.next(), !entry.startsWithBlank, entry.tokens.count == 2,
              entry.tokens[0].string.uppercased() == "$ORIGIN", entry.tokens[1].string.hasSuffix(".")
        else { return nil }
        return try? DNSName(presentation: entry.tokens[1].text)
    }
}
