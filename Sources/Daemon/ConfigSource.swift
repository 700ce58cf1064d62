import VPCConfig
import VPCModel

/// Where the daemon's config comes from: a file (re-read on reload) or the embedded default.
public enum ConfigSource: Sendable, CustomStringConvertible {
    case file(String)
    case embedded

    /// Reads and validates the config, then builds the model from it (zone files loaded, AWS
    /// checks run). Every problem found is in the thrown `ConfigErrors`, each with file:line:column.
    public func load() throws(ConfigErrors) -> (config: VPCDNSConfig, model: ResolutionModel) {
        let config: VPCDNSConfig
        switch self {
        case .file(let path): config = try ConfigLoader.load(path: path)
        case .embedded: config = try ConfigLoader.parseEmbeddedDefault()
        }
        return (config, try ResolutionModel(config: config, zoneRoot: zoneRoot))
    }

    /// The folder zone files and `$INCLUDE`s must stay in: the config file's folder.
    public var zoneRoot: String {
        switch self {
        case .file(let path):
            guard let slash = path.lastIndex(of: "/") else { return "." }
            return slash == path.startIndex ? "/" : String(path[..<slash])
        case .embedded:
            return "."
        }
    }

    public var description: String {
        switch self {
        case .file(let path): path
        case .embedded: ConfigLoader.embeddedDefaultFileName
        }
    }
}
