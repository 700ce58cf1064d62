#if canImport(Glibc)
import Glibc
#endif
import Platform
import Synchronization
import SystemdSupport
import Testing

/// A health flag the test flips while the watchdog's queue reads it.
final class Health: Sendable {
    private let healthy = Atomic<Bool>(true)
    private let checks = Atomic<Int>(0)
    func set(_ value: Bool) { healthy.store(value, ordering: .sequentiallyConsistent) }
    func check() -> Bool {
        checks.add(1, ordering: .sequentiallyConsistent)
        return healthy.load(ordering: .sequentiallyConsistent)
    }
    var checkCount: Int { checks.load(ordering: .sequentiallyConsistent) }
}

final class ErrorLog: Sendable {
    private let errors = Mutex<[SystemdError]>([])
    func append(_ error: SystemdError) { errors.withLock { $0.append(error) } }
    var all: [SystemdError] { errors.withLock { $0 } }
}

@Suite("Watchdog: WATCHDOG_USEC and health-gated pings")
struct WatchdogTests {
    @Test("WATCHDOG_USEC and WATCHDOG_PID")
    func timeoutFromEnvironment() throws {
        let me = getpid()
        #expect(try Watchdog.timeout(environment: [:]) == nil)
        #expect(try Watchdog.timeout(environment: ["WATCHDOG_USEC": "30000000"]) == .seconds(30))
        #expect(try Watchdog.timeout(environment: ["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "\(me)"])
            == .milliseconds(200))
        #expect(try Watchdog.timeout(environment: ["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "\(me + 1)"]) == nil)
        #expect(throws: SystemdError.invalidVariable(name: "WATCHDOG_USEC", value: "0")) {
            try Watchdog.timeout(environment: ["WATCHDOG_USEC": "0"])
        }
        #expect(throws: SystemdError.invalidVariable(name: "WATCHDOG_USEC", value: "30s")) {
            try Watchdog.timeout(environment: ["WATCHDOG_USEC": "30s"])
        }
        #expect(throws: SystemdError.invalidVariable(name: "WATCHDOG_PID", value: "me")) {
            try Watchdog.timeout(environment: ["WATCHDOG_USEC": "1000", "WATCHDOG_PID": "me"])
        }
    }

    @Test("the ping interval is half the timeout; no watchdog when systemd asked for none")
    func intervalIsHalf() throws {
        let notifier = ServiceNotifier(environment: [:])
        let watchdog = try #require(try Watchdog(
            environment: ["WATCHDOG_USEC": "30000000"], notifier: notifier, healthCheck: { true }))
        #expect(watchdog.interval == .seconds(15))
        #expect(try Watchdog(environment: [:], notifier: notifier, healthCheck: { true }) == nil)
        #expect(try Watchdog(
            environment: ["WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"], notifier: notifier, healthCheck: { true }) == nil)
    }

    @Test("pings only while the health check passes, and never after stop")
    func pingsOnlyWhileHealthy() throws {
        let listener = try NotifyListener(abstract: true)
        var environment = listener.environment
        environment["WATCHDOG_USEC"] = "200000"
        environment["WATCHDOG_PID"] = "\(getpid())"
        let health = Health()
        let errors = ErrorLog()
        let watchdog = try #require(try Watchdog(
            environment: environment,
            notifier: ServiceNotifier(environment: environment),
            onError: { errors.append($0) },
            healthCheck: { health.check() }
        ))
        #expect(watchdog.interval == .milliseconds(100))
        watchdog.start()
        defer { watchdog.stop() }

        // Healthy: pings arrive (3 of them within a generous bound, not a tight timing check).
        var pings: [String] = []
        for _ in 0..<3 {
            if let message = listener.receive(milliseconds: 3_000) { pings.append(message) }
        }
        #expect(pings == Array(repeating: "WATCHDOG=1", count: 3))

        // Unhealthy: after at most one ping already under way, silence while checks go on.
        health.set(false)
        _ = listener.drain(quietMilliseconds: 250)
        let checksBefore = health.checkCount
        #expect(listener.receive(milliseconds: 600) == nil)
        #expect(health.checkCount > checksBefore, "the check keeps running while it fails")

        // Healthy again: pings resume.
        health.set(true)
        #expect(listener.receive(milliseconds: 3_000) == "WATCHDOG=1")

        // Stopped: nothing more, even though healthy.
        watchdog.stop()
        _ = listener.drain(quietMilliseconds: 250)
        #expect(listener.receive(milliseconds: 500) == nil)
        #expect(errors.all.isEmpty)
    }

    @Test("send failures go to onError, not to a crash")
    func sendFailuresReported() throws {
        let errors = ErrorLog()
        let watchdog = Watchdog(
            interval: .milliseconds(20),
            notifier: ServiceNotifier(address: .abstract(uniqueName("vpcdns-test-absent"))),
            onError: { errors.append($0) },
            healthCheck: { true }
        )
        watchdog.start()
        let deadline = MonotonicClock.microseconds() + 3_000_000
        while errors.all.isEmpty && MonotonicClock.microseconds() < deadline { usleep(10_000) }
        watchdog.stop()
        let first = try #require(errors.all.first)
        guard case .systemCall(_, let code) = first else {
            Issue.record("unexpected error \(first)")
            return
        }
        #expect(code == ECONNREFUSED)
    }

    @Test("a watchdog that never started can be released")
    func releaseWithoutStart() {
        for _ in 0..<3 {
            _ = Watchdog(interval: .seconds(1), notifier: ServiceNotifier(environment: [:]), healthCheck: { true })
        }
        let stoppedEarly = Watchdog(interval: .seconds(1), notifier: ServiceNotifier(environment: [:]), healthCheck: { true })
        stoppedEarly.stop()
        stoppedEarly.start()
    }
}
