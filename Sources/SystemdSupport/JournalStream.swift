#if canImport(Glibc)
import Glibc
#endif

/// Log levels by swift-log's names (`Logger.Level.rawValue` maps with `LogLevel(rawValue:)`),
/// so that this target needs no dependency.
public enum LogLevel: String, Sendable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    /// The syslog priority (`sd-daemon.h`'s `SD_DEBUG` 7 ... `SD_CRIT` 2); trace has none lower
    /// than debug.
    public var syslogPriority: Int {
        switch self {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }
}

/// Whether standard error goes straight to the journal, in which case the logger should start
/// each line with a `<N>` priority prefix (journald parses it) and leave out its own timestamps
/// (the journal keeps its own).
///
/// systemd sets `JOURNAL_STREAM=<st_dev>:<st_ino>` of the stream it connected; the output is the
/// journal only while fd 2 is still that stream (a shell redirect in between changes it).
public enum JournalStream {
    /// Whether fd 2 is the stream named by the process's `JOURNAL_STREAM`. Read once.
    public static var stderrIsJournal: Bool { cachedStderrIsJournal }

    private static let cachedStderrIsJournal = isJournal(fd: 2, environment: ProcessEnvironment.current())

    /// Whether `fd` is the stream named by `JOURNAL_STREAM` in `environment`.
    public static func isJournal(fd: Int32, environment: [String: String]) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else {
            return false
        }
        var status = stat()
        guard fstat(fd, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    /// `<7>` for trace and debug ... `<2>` for critical.
    public static func prefix(for level: LogLevel) -> String {
        "<\(level.syslogPriority)>"
    }
}
