import IPAddress
import Yams

/// What a YAML node holds, as error messages name it. Untagged plain scalars are classified by
/// the YAML 1.2 core schema (so `yes`, `on` and `no` are strings, not booleans).
enum ValueKind: Equatable {
    case mapping, list, null, boolean, integer, number, string
    case tagged(String)

    var article: String {
        switch self {
        case .mapping: "a mapping"
        case .list: "a list"
        case .null: "nothing (null)"
        case .boolean: "a boolean"
        case .integer: "an integer"
        case .number: "a number"
        case .string: "a string"
        case .tagged(let tag): "a value tagged \(tag)"
        }
    }
}

/// Why a list element was refused, phrased to follow `'<text>' `.
struct Rejection: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// A line and column, the key of `NodeReader.renamedKeys`.
struct Position: Hashable {
    var line: Int
    var column: Int
}

/// Walks a composed YAML tree for the decoders: reads typed values, records every problem with
/// its location, and keeps going so one pass reports as much as it can. Used on one thread.
final class NodeReader {
    let file: String
    /// Keys that the loader renamed to get past Yams' duplicate-key check, by position, with
    /// their written text; mapping reads use the written text and report the duplicate.
    let renamedKeys: [Position: String]
    private(set) var errors: [ConfigError] = []
    /// Nodes visited so far; aliases can make a small file expand to a huge tree.
    private var visits = 0
    private var exhausted = false

    /// A generous bound: a config with 20 VPCs of 30 endpoints each is about 13,000 values.
    static let defaultMaxVisits = 200_000
    let maxVisits: Int
    static let maxErrors = 200

    init(file: String, renamedKeys: [Position: String] = [:], maxVisits: Int = NodeReader.defaultMaxVisits) {
        self.file = file
        self.renamedKeys = renamedKeys
        self.maxVisits = maxVisits
    }

    // MARK: Errors and locations

    func location(of node: Node) -> SourceLocation {
        guard let mark = node.mark else { return SourceLocation(file: file, line: 1, column: 1) }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    func fail(_ location: SourceLocation, _ message: String) {
        if errors.count < Self.maxErrors {
            errors.append(ConfigError(location: location, message: message))
        } else if errors.count == Self.maxErrors {
            errors.append(ConfigError(location: location, message: "too many errors; stopped reporting here"))
        }
    }

    func fail(_ node: Node, _ message: String) {
        fail(location(of: node), message)
    }

    /// Counts a visit; false (with one error) once the document has expanded past the limit.
    private func visit(_ node: Node) -> Bool {
        visits += 1
        if visits > maxVisits {
            if !exhausted {
                exhausted = true
                fail(node, "the document expands to more than \(maxVisits) values (through aliases?); stopped reading")
            }
            return false
        }
        return true
    }

    // MARK: Kinds

    func kind(of node: Node) -> ValueKind {
        switch node {
        case .mapping: return .mapping
        case .sequence: return .list
        case .alias: return .tagged("alias")
        case .scalar(let scalar):
            switch Tag.Name(rawValue: scalar.tag.rawValue) {
            case .implicit: return Self.coreSchemaKind(of: scalar.string)
            case .str, .nonSpecific: return .string
            case .null: return .null
            case .bool: return .boolean
            case .int: return .integer
            case .float: return .number
            default: return .tagged(scalar.tag.rawValue)
            }
        }
    }

    /// `a string 'abc'`, `a mapping`, `an integer 5`: for "got ..." in messages.
    func describe(_ node: Node) -> String {
        let kind = kind(of: node)
        guard case .scalar(let scalar) = node, kind != .null else { return kind.article }
        var text = scalar.string
        if text.count > 40 { text = String(text.prefix(40)) + "..." }
        return kind == .string || kind == .boolean ? "\(kind.article) '\(text)'" : "\(kind.article) \(text)"
    }

    static func coreSchemaKind(of text: String) -> ValueKind {
        let bytes = Array(text.utf8)
        if bytes.count <= 6 {
            switch text {
            case "", "~", "null", "Null", "NULL": return .null
            case "true", "True", "TRUE", "false", "False", "FALSE": return .boolean
            case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
                 ".nan", ".NaN", ".NAN": return .number
            default: break
            }
        }
        if isIntegerSyntax(bytes) { return .integer }
        if isFloatSyntax(bytes) { return .number }
        return .string
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// `[-+]?[0-9]+`, `[-+]?0o[0-7]+`, `[-+]?0x[0-9a-fA-F]+`.
    private static func isIntegerSyntax(_ bytes: [UInt8]) -> Bool {
        var body = bytes[...]
        if body.first == UInt8(ascii: "-") || body.first == UInt8(ascii: "+") { body = body.dropFirst() }
        if body.starts(with: Array("0x".utf8)) {
            return body.count > 2 && body.dropFirst(2).allSatisfy { isDigit($0) || (0x61...0x66).contains($0 | 0x20) }
        }
        if body.starts(with: Array("0o".utf8)) {
            return body.count > 2 && body.dropFirst(2).allSatisfy { $0 >= 0x30 && $0 <= 0x37 }
        }
        return !body.isEmpty && body.allSatisfy(isDigit)
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    private static func isFloatSyntax(_ bytes: [UInt8]) -> Bool {
        var index = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
        var integerDigits = 0, fractionDigits = 0
        while index < bytes.count, isDigit(bytes[index]) { index += 1; integerDigits += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, isDigit(bytes[index]) { index += 1; fractionDigits += 1 }
        }
        guard integerDigits + fractionDigits > 0 else { return false }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
            var exponentDigits = 0
            while index < bytes.count, isDigit(bytes[index]) { index += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return false }
        }
        return index == bytes.count
    }

    /// Decimal, `0x` or `0o` integer text, with an optional sign; nil when not one or too big.
    static func integerValue(_ text: String) -> Int? {
        var body = Substring(text)
        var negative = false
        if body.first == "-" || body.first == "+" {
            negative = body.first == "-"
            body = body.dropFirst()
        }
        let magnitude: Int?
        if body.hasPrefix("0x") {
            magnitude = body.count > 2 ? Int(body.dropFirst(2), radix: 16) : nil
        } else if body.hasPrefix("0o") {
            magnitude = body.count > 2 ? Int(body.dropFirst(2), radix: 8) : nil
        } else {
            magnitude = !body.isEmpty && body.allSatisfy({ $0.isASCII && $0.isNumber }) ? Int(body, radix: 10) : nil
        }
        guard let magnitude else { return nil }
        return negative ? -magnitude : magnitude
    }

    // MARK: Scalars

    /// Text for a field that holds words. A plain number (`12345678`) is taken as written;
    /// null, booleans, lists and mappings are errors.
    func string(_ node: Node, key: String) -> String? {
        guard visit(node) else { return nil }
        guard case .scalar(let scalar) = node else {
            fail(node, "\(key): expected a string, got \(describe(node))")
            return nil
        }
        switch kind(of: node) {
        case .string, .integer, .number:
            return scalar.string
        default:
            fail(node, "\(key): expected a string, got \(describe(node))")
            return nil
        }
    }

    /// A string that must pass `check` (a `Formats` function).
    func string(_ node: Node, key: String, format check: (String) -> String?) -> String? {
        guard let text = string(node, key: key) else { return nil }
        if let reason = check(text) {
            fail(node, "\(key): '\(text)' \(reason)")
            return nil
        }
        return text
    }

    /// An integer in `range`.
    func integer(_ node: Node, key: String, range: ClosedRange<Int>) -> Int? {
        guard visit(node) else { return nil }
        guard case .scalar(let scalar) = node, kind(of: node) == .integer else {
            fail(node, "\(key): expected an integer, got \(describe(node))")
            return nil
        }
        guard let value = Self.integerValue(scalar.string), range.contains(value) else {
            fail(node, "\(key): \(scalar.string) is out of range (\(range.lowerBound)...\(range.upperBound))")
            return nil
        }
        return value
    }

    /// `true` or `false` (also `True`/`TRUE`/`False`/`FALSE`).
    func boolean(_ node: Node, key: String) -> Bool? {
        guard visit(node) else { return nil }
        guard case .scalar(let scalar) = node, kind(of: node) == .boolean else {
            fail(node, "\(key): expected true or false, got \(describe(node))")
            return nil
        }
        switch scalar.string.lowercased() {
        case "true": return true
        case "false": return false
        default:
            fail(node, "\(key): expected true or false, got \(describe(node))")
            return nil
        }
    }

    /// One of `choices`' raw values, matched case-insensitively; `what` names the set in errors.
    func word<T: RawRepresentable & CaseIterable>(_ node: Node, key: String, as _: T.Type, what: String) -> T?
    where T.RawValue == String {
        guard let text = string(node, key: key) else { return nil }
        if let value = T(rawValue: text.lowercased()) { return value }
        let names = T.allCases.map(\.rawValue)
        let list = names.dropLast().joined(separator: ", ") + " or " + names.last!
        fail(node, "\(key): '\(text)' is not a valid \(what) (expected \(list))")
        return nil
    }

    // MARK: Lists

    /// The elements of a list; `elements` names them for the error (`"strings"`, `"mappings"`).
    func list(_ node: Node, key: String, of elements: String) -> [Node]? {
        guard visit(node) else { return nil }
        guard case .sequence(let sequence) = node else {
            fail(node, "\(key): expected a list of \(elements), got \(describe(node))")
            return nil
        }
        return Array(sequence)
    }

    /// A list of strings, each turned into a value by `parse`, or an error naming `expected`.
    /// Returns nil when any element failed, after reporting every failing element.
    func list<T>(_ node: Node, key: String, expected: String, parse: (String) -> T?) -> [T]? {
        list(node, key: key) { text in parse(text).map { .success($0) } ?? .failure(Rejection("is not \(expected)")) }
    }

    /// A list of strings, each turned into a value by `parse` or rejected with its own reason.
    func list<T>(_ node: Node, key: String, parse: (String) -> Result<T, Rejection>) -> [T]? {
        guard let elements = list(node, key: key, of: "strings") else { return nil }
        var values: [T] = []
        var failed = false
        for element in elements {
            guard let text = string(element, key: key) else { failed = true; continue }
            switch parse(text) {
            case .success(let value):
                values.append(value)
            case .failure(let rejection):
                fail(element, "\(key): '\(text)' \(rejection.reason)")
                failed = true
            }
        }
        return failed ? nil : values
    }

    /// A list of CIDR blocks. Host bits must be clear (`10.10.1.0/16` is refused with the block
    /// it probably means), since nothing is changed silently; a bare address is a host block.
    func cidrs(_ node: Node, key: String, example: String) -> [CIDR]? {
        list(node, key: key) { text in
            guard let block = CIDR(text) else {
                return .failure(Rejection("is not a valid CIDR block (expected address/prefix, like \(example))"))
            }
            let written = text.split(separator: "/", maxSplits: 1)[0]
            guard IPAddress(written) == block.network else {
                return .failure(Rejection("has host bits set; did you mean \(block)?"))
            }
            return .success(block)
        }
    }

    /// A list of socket addresses; bare addresses get `defaultPort`. Port 0 only when `allowPortZero`.
    func socketAddresses(_ node: Node, key: String, allowPortZero: Bool) -> [SocketAddress]? {
        let expected = "a valid address (expected ip, ip:port or [ipv6]:port\(allowPortZero ? "" : ", port 1-65535"))"
        return list(node, key: key, expected: expected) { text in
            guard let address = SocketAddress(text, defaultPort: 53), allowPortZero || address.port != 0 else { return nil }
            return address
        }
    }

    // MARK: Mappings

    /// Reads a mapping's keys: each must be one of `allowed`, once. Reports unknown keys (with
    /// the nearest allowed key when one is close), duplicates and non-string keys.
    /// `what` names the mapping in messages ("endpoint"); `key` names the field holding it.
    func mapping(_ node: Node, what: String, key: String? = nil, allowed: [String]) -> Fields? {
        guard visit(node) else { return nil }
        guard case .mapping(let mapping) = node else {
            fail(node, "\(key.map { "\($0): " } ?? "")expected \(what == "top level" ? "a mapping of settings" : "a mapping (\(what))"), got \(describe(node))")
            return nil
        }
        var fields = Fields(reader: self, what: what, location: location(of: node))
        var firstSeen: [String: SourceLocation] = [:]
        for (keyNode, value) in mapping {
            let keyLocation = location(of: keyNode)
            guard case .scalar(let scalar) = keyNode, kind(of: keyNode) != .null else {
                fail(keyNode, "keys in \(what) must be words, got \(describe(keyNode))")
                continue
            }
            let name = renamedKeys[Position(line: keyLocation.line, column: keyLocation.column)] ?? scalar.string
            if let first = firstSeen[name] {
                fail(keyNode, "duplicate key '\(name)' in \(what) (first written at \(first.line):\(first.column))")
                continue
            }
            firstSeen[name] = keyLocation
            guard allowed.contains(name) else {
                if name == "<<" {
                    fail(keyNode, "YAML merge keys (<<) are not supported; write the keys out")
                    continue
                }
                var message = "unknown key '\(name)' in \(what)"
                if let suggestion = Self.nearest(to: name, in: allowed) {
                    message += "; did you mean \(suggestion)?"
                }
                message += " (allowed: \(allowed.joined(separator: ", ")))"
                fail(keyNode, message)
                continue
            }
            fields.add(name, value: value, location: location(of: value))
        }
        return fields
    }

    /// The allowed key nearest to `name` by edit distance, when within 2 (first one on ties).
    static func nearest(to name: String, in allowed: [String]) -> String? {
        var best: (key: String, distance: Int)?
        for candidate in allowed {
            let distance = editDistance(name, candidate)
            if distance <= 2, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.key
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// The keys of one mapping, checked against its allowed set, ready for typed reads.
struct Fields {
    let reader: NodeReader
    /// Names the mapping in messages: "vpc", "endpoint".
    let what: String
    let location: SourceLocation
    private var values: [String: Node] = [:]
    private(set) var valueLocations: [String: SourceLocation] = [:]

    init(reader: NodeReader, what: String, location: SourceLocation) {
        self.reader = reader
        self.what = what
        self.location = location
    }

    mutating func add(_ key: String, value: Node, location: SourceLocation) {
        values[key] = value
        valueLocations[key] = location
    }

    var origin: ConfigOrigin { ConfigOrigin(location: location, valueLocations: valueLocations) }

    /// The value of an optional key; nil when absent or written as null (`key:` with nothing),
    /// so a list whose items are all commented out means the default.
    func optional(_ key: String) -> Node? {
        guard let node = values[key], reader.kind(of: node) != .null else { return nil }
        return node
    }

    /// The value of a required key; reports it missing (or null) and returns nil.
    func required(_ key: String) -> Node? {
        guard let node = values[key] else {
            reader.fail(location, "\(what) is missing required key '\(key)'")
            return nil
        }
        guard reader.kind(of: node) != .null else {
            reader.fail(node, "\(key): a value is required")
            return nil
        }
        return node
    }

    /// Whether the key was written at all (even as null).
    func has(_ key: String) -> Bool { values[key] != nil }
}
