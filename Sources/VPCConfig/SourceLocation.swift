/// A place in a config file: the file as it was named to the loader, a 1-based line, and a
/// 1-based column counted in Unicode scalars (as libyaml counts them).
///
/// Line 0 means "the whole file" (for example when the file cannot be read); it prints as the
/// file name alone.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// A location for values built in code rather than read from a file.
    public static let unknown = SourceLocation(file: "<code>", line: 0, column: 0)

    /// `file:line:column`, or `file` for a whole-file location.
    public var description: String {
        line > 0 ? "\(file):\(line):\(column)" : file
    }

    /// Orders by file, then line, then column, so errors print in reading order.
    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// Where a config item was written: the start of its mapping, and where each of its keys'
/// values starts, so a later check (in VPCModel, say) can point at the exact value it rejects.
///
/// Two origins always compare equal and hash alike: a config item's identity is what it says,
/// not where it was written, so the same endpoint read from two files, or a file whose comments
/// changed, compares equal.
public struct ConfigOrigin: Hashable, Sendable {
    /// The start of the item's mapping (its first key), or of the scalar for list-of-string items.
    public var location: SourceLocation
    /// Where each key's value starts, by key name as written in YAML (`"private_dns"`).
    /// Keys that were absent have no entry.
    public var valueLocations: [String: SourceLocation]

    public init(location: SourceLocation = .unknown, valueLocations: [String: SourceLocation] = [:]) {
        self.location = location
        self.valueLocations = valueLocations
    }

    /// Where `key`'s value was written, or the item's own location when the key was absent.
    public func location(of key: String) -> SourceLocation {
        valueLocations[key] ?? location
    }

    public static func == (lhs: ConfigOrigin, rhs: ConfigOrigin) -> Bool { true }
    public func hash(into hasher: inout Hasher) {}
}

extension ConfigOrigin: CustomStringConvertible, CustomDebugStringConvertible {
    /// `@file:line:column`, short enough to keep printed config values readable.
    public var description: String { "@\(location)" }
    public var debugDescription: String { description }
}

/// A config value type that remembers where it was written.
public protocol ConfigLocatable {
    var origin: ConfigOrigin { get }
}

extension ConfigLocatable {
    /// The start of this item's mapping in the config file.
    public var location: SourceLocation { origin.location }

    /// Where `key`'s value was written, or this item's location when the key was absent.
    public func location(of key: String) -> SourceLocation { origin.location(of: key) }
}
