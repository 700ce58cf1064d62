#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RegularFiles
import Yams

/// Reads `vpcdns.yaml`: YAML syntax, keys, types, formats and ranges, with every problem found in
/// one pass reported as `file:line:column: message`. AWS semantics are VPCModel's checks.
public enum ConfigLoader {
    /// The file name that locations in the embedded default config carry.
    public static let embeddedDefaultFileName = "<embedded default>"
    /// Config files larger than this are refused unread.
    public static let maxFileSize = 16 << 20

    /// Reads and checks the config file at `path`. Locations name `path` as given; relative zone
    /// and log paths are resolved against the file's folder.
    public static func load(path: String) throws(ConfigErrors) -> VPCDNSConfig {
        let bytes = try readFile(path)
        let text = try decodeUTF8(bytes, file: path)
        return try parse(yaml: text, file: path, baseDirectory: Paths.directory(of: Paths.absolute(path)))
    }

    /// Checks YAML text. `file` is only used in locations; relative paths in the config are
    /// resolved against `baseDirectory` (itself made absolute against the working directory).
    public static func parse(yaml: String, file: String, baseDirectory: String) throws(ConfigErrors) -> VPCDNSConfig {
        try parse(yaml: yaml, file: file, baseDirectory: baseDirectory, maxVisits: NodeReader.defaultMaxVisits)
    }

    /// `parse` with a bound on how many values (counting alias expansions) are read.
    static func parse(yaml: String, file: String, baseDirectory: String, maxVisits: Int) throws(ConfigErrors) -> VPCDNSConfig {
        let (root, renamedKeys) = try compose(yaml, file: file)
        let reader = NodeReader(file: file, renamedKeys: renamedKeys, maxVisits: maxVisits)
        guard let root, reader.kind(of: root) != .null else {
            let location = root.map(reader.location(of:)) ?? SourceLocation(file: file, line: 1, column: 1)
            throw ConfigErrors([ConfigError(location: location,
                                            message: "the config is empty (expected a mapping of settings such as listen, upstreams and vpcs)")])
        }
        let config = ConfigDecoder.config(root, reader: reader, baseDirectory: Paths.absolute(baseDirectory))
        guard let config, reader.errors.isEmpty else {
            throw ConfigErrors(sortedByLocation(reader.errors))
        }
        return config
    }

    /// `embeddedDefault`, parsed; it names no files, so no base folder is needed.
    public static func parseEmbeddedDefault() throws(ConfigErrors) -> VPCDNSConfig {
        try parse(yaml: embeddedDefault, file: embeddedDefaultFileName, baseDirectory: "/")
    }

    // MARK: YAML

    /// How many duplicate keys `compose` gets past before giving up: as many as there are
    /// private use characters to rename them with (the reader reports the first 200 anyway).
    static let maxRenamedKeys = 6400 + 65534
    /// How many times `compose` starts again for duplicates the scan did not rename (keys that
    /// are aliases, tagged, or collections).
    static let maxRecomposes = 64

    /// Composes the one document in `yaml`. Yams stops at the first duplicate key in a mapping;
    /// to report every duplicate where it is (the second occurrence, like any other key error),
    /// every earlier occurrence is renamed in a copy of the text (one character replaced by a
    /// private use character, so every position stays put) before composing. `DuplicateKeyScan`
    /// finds them all in one pass over the parser's events, so the cost stays linear in the text
    /// however many duplicates there are; a duplicate it cannot rename is renamed when Yams
    /// reports it, composing again. The renamed keys' positions and written text are returned
    /// for `NodeReader`.
    static func compose(_ yaml: String, file: String) throws(ConfigErrors) -> (Node?, [Position: String]) {
        var renamed: [Position: String] = [:]
        let earlier = DuplicateKeyScan.earlierOccurrences(in: yaml)
        if earlier.count > maxRenamedKeys {
            let (position, name) = earlier[maxRenamedKeys]
            throw ConfigErrors([ConfigError(location: SourceLocation(file: file, line: position.line, column: position.column),
                                            message: "duplicate key '\(name)' in a mapping (more than \(maxRenamedKeys) duplicate keys)")])
        }
        var text = yaml
        if !earlier.isEmpty {
            let result = renameKeys(in: yaml, at: earlier.map(\.position), firstMarker: 0)
            text = result.text
            let names = Dictionary(earlier.map { ($0.position, $0.name) }, uniquingKeysWith: { first, _ in first })
            for position in result.renamed { renamed[position] = names[position] }
        }
        var recomposes = 0
        while true {
            do {
                let parser = try Parser(yaml: text, resolver: .default, constructor: .default, encoding: .utf8)
                return (try parser.singleRoot(), renamed)
            } catch let error as YamlError {
                if case .duplicatedKeysInMapping(let duplicates, let context) = error, let name = duplicates.first {
                    let position = Position(line: context.mark.line, column: context.mark.column)
                    if recomposes < maxRecomposes, renamed.count < maxRenamedKeys, renamed[position] == nil,
                       let renamedText = renameKey(in: text, at: position, marker: renamed.count) {
                        renamed[position] = name
                        text = renamedText
                        recomposes += 1
                        continue
                    }
                    throw ConfigErrors([ConfigError(location: SourceLocation(file: file, line: position.line, column: position.column),
                                                    message: "duplicate key '\(name)' in a mapping")])
                }
                throw ConfigErrors([configError(from: error, file: file)])
            } catch {
                throw ConfigErrors([ConfigError(location: SourceLocation(file: file, line: 0, column: 0),
                                                message: "invalid YAML: \(error)")])
            }
        }
    }

    /// Replaces the first character of the key starting at `position` (after its opening quote,
    /// if quoted) with a private use character, or nil when the key is not a simple scalar.
    static func renameKey(in text: String, at position: Position, marker: Int) -> String? {
        let result = renameKeys(in: text, at: [position], firstMarker: marker)
        return result.renamed.isEmpty ? nil : result.text
    }

    /// `renameKey` for many keys in one pass over the text: the keys renamed get markers
    /// numbered from `firstMarker` in document order. Returns the text and the positions of the
    /// keys renamed (keys that are not simple scalars are left as they are).
    static func renameKeys(in text: String, at positions: [Position], firstMarker: Int) -> (text: String, renamed: [Position]) {
        var scalars = Array(text.unicodeScalars)
        let sorted = positions.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
        var renamed: [Position] = []
        for (position, found) in zip(sorted, scalarIndices(in: scalars, at: sorted)) {
            guard var index = found else { continue }
            if scalars[index] == "\"" || scalars[index] == "'" {
                index += 1
                guard index < scalars.count, !"\"'\\\r\n".unicodeScalars.contains(scalars[index]) else { continue }
            } else if "*&!?[]{}|>-:#%@`,\r\n \t".unicodeScalars.contains(scalars[index]) {
                continue
            }
            guard let replacement = marker(firstMarker + renamed.count) else { continue }
            scalars[index] = replacement
            renamed.append(position)
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return (String(result), renamed)
    }

    /// The `number`th private use character: U+E000... (6,400), then plane 15 (65,534 more).
    static func marker(_ number: Int) -> Unicode.Scalar? {
        number < 6400 ? Unicode.Scalar(0xE000 + number) : Unicode.Scalar(0xF0000 + number - 6400)
    }

    /// The index of the scalar at a libyaml line and column (1-based, columns in scalars; CR LF,
    /// CR, LF, NEL, LS and PS end lines; a leading byte order mark is not counted).
    static func scalarIndex(in scalars: [Unicode.Scalar], at position: Position) -> Int? {
        scalarIndices(in: scalars, at: [position])[0]
    }

    /// `scalarIndex` for positions sorted in document order, in one pass.
    static func scalarIndices(in scalars: [Unicode.Scalar], at positions: [Position]) -> [Int?] {
        var found = [Int?](repeating: nil, count: positions.count)
        var next = 0
        var line = 1, column = 1
        var index = scalars.first == "\u{FEFF}" ? 1 : 0
        while index < scalars.count, next < positions.count {
            while next < positions.count, (positions[next].line, positions[next].column) < (line, column) { next += 1 }
            while next < positions.count, positions[next].line == line, positions[next].column == column {
                found[next] = index
                next += 1
            }
            let scalar = scalars[index]
            if scalar == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" {
                index += 2
                line += 1
                column = 1
                continue
            }
            if scalar == "\r" || scalar == "\n" || scalar == "\u{85}" || scalar == "\u{2028}" || scalar == "\u{2029}" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += 1
        }
        return found
    }

    /// A Yams error as a located config error.
    static func configError(from error: YamlError, file: String) -> ConfigError {
        func located(_ mark: Mark, _ message: String) -> ConfigError {
            ConfigError(location: SourceLocation(file: file, line: mark.line, column: mark.column), message: message)
        }
        func syntax(_ context: YamlError.Context?, _ problem: String, _ mark: Mark) -> ConfigError {
            var message = "invalid YAML: \(problem)"
            if let context {
                message += " (\(context.text) at \(context.mark.line):\(context.mark.column))"
            }
            return located(mark, message)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return syntax(context, problem, mark)
        case .reader(let problem, let offset, _, let yaml):
            let position = offset.map { lineAndColumn(ofCharacter: $0, in: yaml) } ?? Position(line: 1, column: 1)
            return ConfigError(location: SourceLocation(file: file, line: position.line, column: position.column),
                               message: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return located(context.mark, "duplicate key '\(duplicates.first ?? "?")' in a mapping")
        default:
            return ConfigError(location: SourceLocation(file: file, line: 0, column: 0), message: "invalid YAML: \(error)")
        }
    }

    static func lineAndColumn(ofCharacter offset: Int, in text: String) -> Position {
        var line = 1, column = 1
        for character in text.prefix(offset) {
            if character.isNewline { line += 1; column = 1 } else { column += 1 }
        }
        return Position(line: line, column: column)
    }

    static func sortedByLocation(_ errors: [ConfigError]) -> [ConfigError] {
        errors.enumerated().sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }.map(\.element)
    }

    // MARK: Files

    /// The config file's bytes; a FIFO, socket or device is refused without waiting on it.
    static func readFile(_ path: String) throws(ConfigErrors) -> [UInt8] {
        switch RegularFile.read(path, maxSize: maxFileSize) {
        case .success(let bytes): return bytes
        case .failure(let problem):
            throw ConfigErrors([ConfigError(location: SourceLocation(file: path, line: 0, column: 0),
                                            message: "cannot read the config file: \(problem)")])
        }
    }

    /// The text of `bytes`, or an error at the first byte that is not UTF-8.
    static func decodeUTF8(_ bytes: [UInt8], file: String) throws(ConfigErrors) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var line = 1, column = 1
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1 && encoded.first == 0x0A { line += 1; column = 1 } else { column += 1 }
            case .emptyInput:
                break loop
            case .error:
                break loop
            }
        }
        throw ConfigErrors([ConfigError(location: SourceLocation(file: file, line: line, column: column),
                                        message: "the config file is not valid UTF-8")])
    }
}
