import DNSWire
import DNSZone
import VPCConfig

/// The DNSZone calls the model makes, in one place.
enum ZoneAdapter {
    /// Loads a zone file; `$INCLUDE`s are confined to the config's folder.
    static func load(_ reference: ZoneFileReference, includeRoot: String) throws(ConfigErrors) -> Zone {
        do throws(ZoneErrors) {
            return try ZoneFile.load(path: reference.resolvedPath, origin: nil, includeRoot: includeRoot)
        } catch {
            throw ConfigErrors(error.errors.map { zoneError in
                ConfigError(location: SourceLocation(file: zoneError.file, line: zoneError.line, column: zoneError.column),
                            message: zoneError.message)
            })
        }
    }

    /// Builds an endpoint's hidden zone from its SOA and records.
    static func managedZone(origin: DNSName, soa: ResourceRecord, records: [ResourceRecord]) throws(ZoneErrors) -> Zone {
        try Zone(origin: origin, soa: soa, records: records, requireNS: false)
    }
}
