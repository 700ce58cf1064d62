#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Platform
import VPCConfig

/// Reads a domain list `file:`: one specification a line, blank lines and `#` comments ignored,
/// each kept with its line so a bad one is reported as `file:line:column`.
enum FirewallDomainFile {
    struct Entry {
        var text: String
        var location: SourceLocation
    }

    /// Files larger than this are refused rather than read into memory.
    static let maxBytes = 64 << 20

    static func read(_ reference: ZoneFileReference) -> Result<[Entry], ConfigError> {
        guard let handle = fopen(reference.resolvedPath, "r") else {
            return .failure(ConfigError(location: reference.location,
                                        message: "cannot read domain list file \(reference.path): \(errnoText(errno))"))
        }
        defer { fclose(handle) }
        var entries: [Entry] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        var number = 0
        var total = 0
        defer { free(line) }
        while true {
            let count = getline(&line, &capacity, handle)
            if count < 0 { break }
            number += 1
            total += count
            if total > maxBytes {
                return .failure(ConfigError(location: reference.location,
                                            message: "domain list file \(reference.path) is larger than \(maxBytes >> 20) MiB"))
            }
            guard let line else { continue }
            var text = String(cString: line)
            if let hash = text.firstIndex(of: "#") { text = String(text[..<hash]) }
            let leading = text.prefix { $0 == " " || $0 == "\t" }.count
            let trimmed = text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0.isWhitespace }.reversed()
            guard !trimmed.isEmpty else { continue }
            entries.append(Entry(text: String(trimmed),
                                 location: SourceLocation(file: reference.resolvedPath, line: number, column: leading + 1)))
        }
        if ferror(handle) != 0 {
            return .failure(ConfigError(location: reference.location, message: "cannot read domain list file \(reference.path)"))
        }
        return .success(entries)
    }
}
