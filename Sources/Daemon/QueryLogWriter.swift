import Dispatch
import Logging
import Platform
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
///
/// Logging never blocks serving or stopping: the file is opened and written non-blocking (a FIFO
/// without a reader, or whose reader stalls, makes records wait in a bounded buffer of whole
/// lines, then be dropped), and `close` waits for the last write at most `closeDeadline`. Every
/// record lost is counted in `droppedRecords` and reported in the log (while it happens, at each
/// reload and at stop). One writer lives as long as the daemon; `configure` applies each config's
/// `query_log` (added, changed or removed).
final class QueryLogWriter: @unchecked Sendable {
    // Sendable by construction: the timer is touched only in init; `output` only on `queue`;
    // everything else sits behind mutexes or atomics.
    /// What the current config asks for; nil when it has no `query_log`.
    private struct Target {
        var settings: QueryLogSettings
        /// Each VPC's region, for the `region` field; `defaultRegion` for the default view.
        var regionsByVPC: [String: String]
        var defaultRegion: String
    }

    /// The open destination, used only on `queue`.
    private struct Output {
        var target: Target?
        var descriptor: Int32 = -1
        var outbox = LineOutbox(maxBytes: QueryLogWriter.maxBufferedBytes)
        /// When the last open failed, so a FIFO whose reader comes later is retried.
        var lastOpenFailure: UInt64?
        /// Whether the write failure (or the stall) now going on was already logged.
        var reportedTrouble = false
    }

    private let logger: Logger
    private let enabled = Atomic<Bool>(false)
    /// Events with the wall-clock second they completed in.
    private let pending = Mutex<[(event: QueryEvent, second: Int)]>([])
    private let queue = DispatchQueue(label: "vpcdns.querylog", qos: .utility)
    private nonisolated(unsafe) var output = Output()
    private let timer: DispatchSourceTimer
    /// Events kept before new ones are dropped (counted) rather than growing without bound.
    private static let maxPending = 100_000
    /// Formatted lines kept while the destination does not take them (a stalled FIFO reader).
    static let maxBufferedBytes = 4 << 20
    /// How long `close` waits for the last records to be written.
    static let closeDeadline: DispatchTimeInterval = .seconds(1)
    /// How often an open that failed (a FIFO without a reader) is tried again.
    private static let reopenIntervalNanoseconds: UInt64 = 5_000_000_000
    private let dropped = Atomic<Int>(0)
    /// Records lost since the last report in the log.
    private let droppedSinceReport = Atomic<Int>(0)

    init(logger: Logger) {
        self.logger = logger
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(200), repeating: .milliseconds(200))
        timer.setEventHandler { [weak self] in self?.flush() }
        timer.resume()
    }

    /// Records lost since start: events that came faster than they could be written, and lines
    /// the destination did not take (no reader on a FIFO, a stalled reader, a failed write).
    var droppedRecords: Int { dropped.load(ordering: .relaxed) }

    /// Whether a query log is configured now.
    var isEnabled: Bool { enabled.load(ordering: .relaxed) }

    /// The engine's observer: queues non-cached, answered queries with their completion time.
    var observer: QueryObserver {
        { [self] event in
            // Requests refused before a question was read (and the watchdog's probes) are not logged.
            // DNS Firewall ALERT and BLOCK matches are logged even when answered from the cache.
            guard enabled.load(ordering: .relaxed), !event.fromCache || event.reason?.firewall?.match != nil,
                  !event.dropped, event.question != nil else { return }
            var now = timespec()
            clock_gettime(CLOCK_REALTIME_COARSE, &now)
            let accepted = pending.withLock { events in
                guard events.count < Self.maxPending else { return false }
                events.append((event, now.tv_sec))
                return true
            }
            if !accepted { lose(1) }
        }
    }

    /// Applies `config.queryLog` (at start and on every reload): records already queued are
    /// written under the old settings, then the file is (re)opened — which is also what log
    /// rotation needs — or closed when the config has no query log any more.
    func configure(_ config: VPCDNSConfig) {
        let target = config.queryLog.map { settings in
            Target(settings: settings,
                   regionsByVPC: Dictionary(config.vpcs.map { ($0.id, $0.region) }, uniquingKeysWith: { first, _ in first }),
                   defaultRegion: config.vpcs.first?.region ?? "")
        }
        // From now on events are queued (or no longer): the new destination writes them once open.
        enabled.store(target != nil, ordering: .relaxed)
        queue.async { [self] in
            // Records queued under a previous query log go to it; with none, they wait for the new one.
            if output.target != nil { flush() }
            closeDescriptor()
            output.target = target
            output.lastOpenFailure = nil
            openDescriptor()
            flush()
            reportLosses()
        }
    }

    /// Opens the log again with the current settings (log rotation when a reload failed).
    func reopen() {
        queue.async { [self] in
            flush()
            closeDescriptor()
            openDescriptor()
            reportLosses()
        }
    }

    /// Writes what is queued and closes the file, waiting at most `closeDeadline`: a destination
    /// that does not take the last records loses them (counted and logged), never stops the stop.
    func close() {
        enabled.store(false, ordering: .relaxed)
        let done = DispatchSemaphore(value: 0)
        let deadline = DispatchTime.now() + Self.closeDeadline
        queue.async { [self] in
            flush()
            // A slow reader gets until the deadline to take the rest.
            while !output.outbox.isEmpty, output.descriptor >= 0, DispatchTime.now() < deadline - .milliseconds(100) {
                usleep(10_000)
                guard write() else { break }
            }
            lose(output.outbox.dropUnstarted())
            closeDescriptor()
            done.signal()
        }
        if done.wait(timeout: deadline) == .timedOut {
            logger.error("query log: the last records were not written within a second (the destination blocks)")
        }
        reportLosses(atStop: true)
    }

    // MARK: On `queue`

    private func flush() {
        let events = pending.withLock { events in
            let taken = events
            events.removeAll(keepingCapacity: true)
            return taken
        }
        guard let target = output.target else {
            lose(events.count)
            return
        }
        if output.descriptor < 0 { retryOpen() }
        guard output.descriptor >= 0 else {
            lose(events.count)
            return
        }
        for (event, second) in events {
            let region = event.reason.flatMap { target.regionsByVPC[$0.view] } ?? target.defaultRegion
            var line = QueryLogRecord(event: event, timestamp: Self.timestamp(second), accountID: target.settings.accountId,
                                      region: region).json
            line += "\n"
            if !output.outbox.append(line.utf8) { lose(1) }
        }
        _ = write()
        if droppedSinceReport.load(ordering: .relaxed) > 0, !output.reportedTrouble {
            reportLosses()
        }
    }

    /// Writes what the destination takes now; false when it failed (the lines held are dropped).
    private func write() -> Bool {
        guard output.descriptor >= 0 else { return false }
        switch output.outbox.write(to: output.descriptor) {
        case .drained:
            if output.reportedTrouble { logger.notice("query log: writing again") }
            output.reportedTrouble = false
            return true
        case .wouldBlock:
            if !output.reportedTrouble {
                logger.warning("query log: the destination is not taking records; holding up to \(Self.maxBufferedBytes) bytes, then dropping")
                output.reportedTrouble = true
            }
            return true
        case .failed(let code):
            if !output.reportedTrouble {
                logger.error("query log write failed: \(errnoText(code))")
                output.reportedTrouble = true
            }
            lose(output.outbox.dropUnstarted())
            return false
        }
    }

    private func openDescriptor() {
        guard let target = output.target else { return }
        switch target.settings.destination {
        case .standardError:
            output.descriptor = 2
        case .file(let path):
            // Non-blocking: opening a FIFO without a reader fails (ENXIO) instead of waiting.
            let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0o640)
            if fd < 0 {
                let reason = errno == ENXIO ? "a FIFO without a reader" : errnoText(errno)
                if output.lastOpenFailure == nil {
                    logger.error("cannot open query log \(path): \(reason); records are dropped (and counted) until it opens")
                }
                output.lastOpenFailure = MonotonicClock.nanoseconds()
                return
            }
            if output.lastOpenFailure != nil { logger.notice("query log \(path) opened") }
            output.lastOpenFailure = nil
            output.descriptor = fd
        }
    }

    private func retryOpen() {
        guard let failed = output.lastOpenFailure,
              MonotonicClock.nanoseconds() - failed >= Self.reopenIntervalNanoseconds else { return }
        openDescriptor()
    }

    private func closeDescriptor() {
        if output.descriptor >= 0 {
            // The destination changes: a line cut in the old one cannot be finished in the new one.
            _ = write()
            lose(output.outbox.dropUnstarted())
            if output.outbox.hasPartialLine {
                output.outbox = LineOutbox(maxBytes: Self.maxBufferedBytes)
                lose(1)
            }
        }
        if output.descriptor > 2 { Glibc.close(output.descriptor) }
        output.descriptor = -1
        output.reportedTrouble = false
    }

    // MARK: Losses

    private func lose(_ count: Int) {
        guard count > 0 else { return }
        dropped.add(count, ordering: .relaxed)
        droppedSinceReport.add(count, ordering: .relaxed)
    }

    private func reportLosses(atStop: Bool = false) {
        let count = droppedSinceReport.exchange(0, ordering: .relaxed)
        guard count > 0 else { return }
        logger.warning("query log: records dropped", metadata: [
            "dropped": "\(count)", "dropped_total": "\(dropped.load(ordering: .relaxed))",
            "when": "\(atStop ? "stop" : "running")",
        ])
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
