#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Platform

/// Sends `WATCHDOG=1` on a schedule, but only while a health check passes, so that systemd
/// restarts a daemon that is running but no longer serving (`WatchdogSec=` in the unit).
///
/// The check runs on the watchdog's serial queue every `interval` (half the timeout systemd
/// asked for, as `sd_watchdog_enabled(3)` recommends), starting at once. A failing check just
/// skips the ping: if it keeps failing, systemd's timer runs out and it kills the service.
///
/// `@unchecked Sendable`: the only mutable state is the `DispatchSourceTimer`, whose `activate()`
/// and `cancel()` are thread-safe; the closures are `@Sendable`.
public final class Watchdog: @unchecked Sendable {
    /// Half of `timeout(environment:processID:)`: how often to ping.
    public let interval: Duration

    private let notifier: ServiceNotifier
    private let healthCheck: @Sendable () -> Bool
    private let onError: @Sendable (SystemdError) -> Void
    private let timer: DispatchSourceTimer

    /// The watchdog timeout systemd set for this process: `WATCHDOG_USEC`, when `WATCHDOG_PID` is
    /// unset or names `processID`. `nil` when the watchdog is off or meant for another process.
    /// Throws when either variable is not a positive number.
    public static func timeout(
        environment: [String: String] = ProcessEnvironment.current(),
        processID: pid_t = getpid()
    ) throws(SystemdError) -> Duration? {
        guard let value = environment["WATCHDOG_USEC"] else { return nil }
        guard let microseconds = UInt64(value), microseconds > 0, microseconds < UInt64(Int64.max) / 1_000 else {
            throw .invalidVariable(name: "WATCHDOG_USEC", value: value)
        }
        if let pidValue = environment["WATCHDOG_PID"] {
            guard let pid = pid_t(pidValue), pid > 0 else {
                throw .invalidVariable(name: "WATCHDOG_PID", value: pidValue)
            }
            guard pid == processID else { return nil }
        }
        return .microseconds(Int64(microseconds))
    }

    /// Creates a watchdog from the environment; `nil` when systemd did not ask for one.
    public convenience init?(
        environment: [String: String] = ProcessEnvironment.current(),
        processID: pid_t = getpid(),
        notifier: ServiceNotifier,
        queue: DispatchQueue? = nil,
        onError: @escaping @Sendable (SystemdError) -> Void = { _ in },
        healthCheck: @escaping @Sendable () -> Bool
    ) throws(SystemdError) {
        guard let timeout = try Self.timeout(environment: environment, processID: processID) else {
            return nil
        }
        self.init(interval: timeout / 2, notifier: notifier, queue: queue, onError: onError, healthCheck: healthCheck)
    }

    /// Creates a watchdog that checks and pings every `interval`. Nothing happens before
    /// `start()`. `onError` receives send failures, on the watchdog's queue.
    public init(
        interval: Duration,
        notifier: ServiceNotifier,
        queue: DispatchQueue? = nil,
        onError: @escaping @Sendable (SystemdError) -> Void = { _ in },
        healthCheck: @escaping @Sendable () -> Bool
    ) {
        self.interval = interval
        self.notifier = notifier
        self.onError = onError
        self.healthCheck = healthCheck
        timer = DispatchSource.makeTimerSource(queue: queue ?? DispatchQueue(label: "vpcdns.systemd.watchdog"))
    }

    deinit {
        // An inactive source must be activated after cancel to be released; on an active or
        // already cancelled one both calls do nothing.
        timer.cancel()
        timer.activate()
    }

    /// Starts checking and pinging, the first time at once. Calling it again restarts the
    /// schedule; after `stop()` it does nothing.
    /// The timer keeps the watchdog alive until `stop()`.
    public func start() {
        let nanoseconds = Self.nanoseconds(interval)
        timer.schedule(
            deadline: .now(),
            repeating: .nanoseconds(nanoseconds),
            leeway: .nanoseconds(max(nanoseconds / 10, 1_000_000))
        )
        timer.setEventHandler { [self] in tick() }
        timer.activate()
    }

    /// Stops for good. A check already running may still send its ping.
    public func stop() {
        timer.cancel()
    }

    private func tick() {
        guard !timer.isCancelled, healthCheck() else { return }
        do {
            try notifier.watchdog()
        } catch {
            onError(error)
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int {
        Int(min(max(duration.inNanoseconds, 1), Int64(Int.max / 2)))
    }
}
