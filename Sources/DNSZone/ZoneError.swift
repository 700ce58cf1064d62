import DNSWire

/// One problem found while loading a zone, printed `file:line:column: message`.
///
/// `line` 0 marks a problem of the zone as a whole (no SOA, no NS, ...), printed `file: message`.
/// Zones built in code have no file: their errors name the zone origin in `file`.
public struct ZoneError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)"
    }
}

/// Every error found in a rejected zone (a zone that fails is rejected whole), with the warnings
/// collected up to then.
public struct ZoneErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ZoneError]
    public var warnings: [ZoneError]

    public init(errors: [ZoneError], warnings: [ZoneError] = []) {
        self.errors = errors
        self.warnings = warnings
    }

    /// One error a line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Where a record came from, for errors found after parsing (conflicts, duplicates of singletons).
struct SourcePosition: Hashable, Sendable {
    var file: String
    var line: Int
    var column: Int

    func error(_ message: String) -> ZoneError {
        ZoneError(file: file, line: line, column: column, message: message)
    }
}
