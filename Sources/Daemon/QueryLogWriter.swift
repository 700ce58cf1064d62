import Dispatch
import Logging
import Resolver
import Synchronization
import VPCConfig

#if canImport(Glibc)
import Glibc
#endif

/// Writes the query log: events are queued under a lock by the receiving queues (no formatting
/// or I/O there) and formatted and written in batches on a background queue. Only queries that
/// were not answered from the cache are logged, as Route 53 Resolver does (AWS-DNS-RULES 7.4),
/// and every query a DNS Firewall ALERT or BLOCK rule matched.
final class QueryLogWriter: @unchecked Sendable {
    // Sendable by construction: the timer is touched only in init; state sits behind mutexes.
    private let settings: QueryLogSettings
    private let logger: Logger
    /// Each VPC's region, for the `region` field; `defaultRegion` for the default view.
    private let regionsByVPC: [String: String]
    private let defaultRegion: String
    /// Events with the wall-clock second they completed in.
    private let pending = Mutex<[(event: QueryEvent, second: Int)]>([])
    // The file descriptor is used only on `queue`.
    private let descriptor = Mutex<Int32>(-1)
    private let queue = DispatchQueue(label: "vpcdns.querylog", qos: .utility)
    private let timer: DispatchSourceTimer
    /// Events kept before new ones are dropped (counted) rather than growing without bound.
    private static let maxPending = 100_000
    private let droppedEvents = Atomic<Int>(0)

    static func open(_ config: VPCDNSConfig, logger: Logger) -> QueryLogWriter? {
        guard let settings = config.queryLog else { return nil }
        return QueryLogWriter(settings: settings, regionsByVPC: Dictionary(config.vpcs.map { ($0.id, $0.region) }, uniquingKeysWith: { first, _ in first }),
                              defaultRegion: config.vpcs.first?.region ?? "", logger: logger)
    }

    private init(settings: QueryLogSettings, regionsByVPC: [String: String], defaultRegion: String, logger: Logger) {
        self.settings = settings
        self.regionsByVPC = regionsByVPC
        self.defaultRegion = defaultRegion
        self.logger = logger
        timer = DispatchSource.makeTimerSource(queue: queue)
        reopen()
        timer.schedule(deadline: .now() + .milliseconds(200), repeating: .milliseconds(200))
        timer.setEventHandler { [weak self] in self?.flush() }
        timer.resume()
    }

    /// The engine's observer: queues non-cached, answered queries with their completion time.
    var observer: QueryObserver {
        { [self] event in
            // Requests refused before a question was read (and the watchdog's probes) are not logged.
            // DNS Firewall ALERT and BLOCK matches are logged even when answered from the cache.
            guard !event.fromCache || event.reason?.firewall?.match != nil, !event.dropped, event.question != nil else { return }
            var now = timespec()
            clock_gettime(CLOCK_REALTIME_COARSE, &now)
            let accepted = pending.withLock { events in
                guard events.count < Self.maxPending else { return false }
                events.append((event, now.tv_sec))
                return true
            }
            if !accepted { droppedEvents.add(1, ordering: .relaxed) }
        }
    }

    /// Opens (again) the log file, for logrotate's SIGHUP.
    func reopen() {
        queue.async { [self] in
            descriptor.withLock { fd in
                if fd > 2 { Glibc.close(fd) }
                switch settings.destination {
                case .standardError:
                    fd = 2
                case .file(let path):
                    fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
                    if fd < 0 {
                        logger.error("cannot open query log \(path): \(String(cString: strerror(errno)))")
                    }
                }
            }
        }
    }

    func close() {
        queue.sync {
            flush()
            descriptor.withLock { fd in
                if fd > 2 { Glibc.close(fd) }
                fd = -1
            }
        }
    }

    private func flush() {
        let events = pending.withLock { events in
            let taken = events
            events.removeAll(keepingCapacity: true)
            return taken
        }
        guard !events.isEmpty else { return }
        var text = ""
        for (event, second) in events {
            let region = event.reason.flatMap { regionsByVPC[$0.view] } ?? defaultRegion
            text += QueryLogRecord(event: event, timestamp: Self.timestamp(second), accountID: settings.accountId, region: region).json
            text += "\n"
        }
        let dropped = droppedEvents.exchange(0, ordering: .relaxed)
        if dropped > 0 { logger.warning("query log fell behind", metadata: ["dropped": "\(dropped)"]) }
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            var bytes = Array(text.utf8)[...]
            while !bytes.isEmpty {
                let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    logger.error("query log write failed: \(String(cString: strerror(errno)))")
                    return
                }
                bytes = bytes.dropFirst(written)
            }
        }
    }

    /// ISO-8601 UTC to the second, as Route 53 writes `query_timestamp`: `2021-02-04T17:51:55Z`.
    static func timestamp(_ second: Int) -> String {
        var seconds = second
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
