import Logging
import SystemdSupport

#if canImport(Glibc)
import Glibc
#endif

/// One line per event on stderr: `<timestamp> <level> <message> key=value…`. Under journald
/// (`JOURNAL_STREAM` names our stderr) the line starts with the syslog priority `<N>` instead of
/// a timestamp, so the journal keeps levels and does not show two timestamps.
public struct StderrLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let journal: Bool

    public init(label: String, level: Logger.Level, journal: Bool = JournalStream.stderrIsJournal) {
        self.label = label
        logLevel = level
        self.journal = journal
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        writeStandardError(format(level: event.level, message: "\(event.message)", metadata: event.metadata))
    }

    /// The text written for one event, ending in a newline. journald splits its stream at
    /// newlines and gives a line without a `<N>` prefix the default priority (info), so under the
    /// journal every line of a multi-line message (a failed reload lists one config problem per
    /// line) carries the prefix, and `journalctl -p err` shows all of them.
    func format(level: Logger.Level, message: String, metadata eventMetadata: Logger.Metadata?) -> String {
        var text = "\(level) \(message)"
        let merged = metadata.merging(eventMetadata ?? [:]) { _, new in new }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            text += " \(key)=\(value)"
        }
        guard journal else { return Self.timestamp() + " " + text + "\n" }
        let prefix = JournalStream.prefix(for: Self.systemdLevel(level))
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { prefix + $0 + "\n" }
            .joined()
    }

    static func systemdLevel(_ level: Logger.Level) -> LogLevel {
        switch level {
        case .trace, .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }

    /// UTC time as `2024-06-12T12:43:49.123Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = Int(now.tv_nsec / 1_000_000)
        let millisText = String(repeating: "0", count: 3 - String(millis).count) + String(millis)
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millisText)Z"
    }
}
