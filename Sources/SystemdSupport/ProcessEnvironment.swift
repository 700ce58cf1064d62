#if canImport(Glibc)
import Glibc
#endif

/// The process environment as a value, so that every type here can take an injected
/// `[String: String]` instead (environment variables are process-global; tests must not race).
public enum ProcessEnvironment {
    /// A snapshot of the process environment. When a name appears twice, the first one wins,
    /// as with `getenv(3)`.
    public static func current() -> [String: String] {
        var result: [String: String] = [:]
        // `environ` is imported as non-optional but is NULL after clearenv(3).
        guard UInt(bitPattern: environ) != 0 else { return result }
        var entry = environ
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let equals = pair.firstIndex(of: "=") {
                let name = String(pair[..<equals])
                if result[name] == nil {
                    result[name] = String(pair[pair.index(after: equals)...])
                }
            }
            entry += 1
        }
        return result
    }

    /// Removes variables from the process environment, so that they are not inherited by children
    /// and not read twice. Not thread-safe with concurrent `getenv` (no `setenv` is): call it at
    /// start-up, before other threads read the environment.
    public static func unset(_ names: [String]) {
        for name in names { unsetenv(name) }
    }
}
