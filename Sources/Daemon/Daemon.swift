import Dispatch
import Explain
import Foundation
import IPAddress
import Logging
import Platform
import Resolver
import Transport
import VPCConfig
import VPCModel

import SystemdSupport

#if canImport(Glibc)
import Glibc
#endif

/// The running daemon: loads the config, binds listeners, answers, reloads on SIGHUP, stops on
/// SIGTERM/SIGINT, and tells systemd about each step.
///
/// Every lifecycle step runs on one serial control queue; queries never touch it.
public final class Daemon: @unchecked Sendable {
    public struct Options: Sendable {
        public var source: ConfigSource
        public var resolvConfPath: String
        public var drainTime: Duration

        public init(source: ConfigSource, resolvConfPath: String = "/etc/resolv.conf", drainTime: Duration = .seconds(1)) {
            self.source = source
            self.resolvConfPath = resolvConfPath
            self.drainTime = drainTime
        }
    }

    private let options: Options
    private let logger: Logger
    private let control = DispatchQueue(label: "vpcdns.control")
    private let notifier = ServiceNotifier()
    private var engine: QueryEngine!
    private var listeners: ListenerSet!
    private var watchdog: Watchdog?
    /// Lives as long as the daemon; each config's `query_log` is applied to it.
    private lazy var queryLog = QueryLogWriter(logger: logger)
    private var operations: Operations!

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Starts serving and never returns; exits 1 when the first load or bind fails.
    ///
    /// Signals: SIGHUP, SIGTERM and SIGINT are blocked here, before any other thread exists, so
    /// every thread inherits the mask and each of them stays pending until this (the main)
    /// thread takes it with `sigwait` and hands it to the control queue. Nothing is lost at any
    /// moment, start-up included; a signal that comes while `start()` runs is acted on after it.
    /// (Dispatch signal sources lost them: they register asynchronously after `resume()`, and
    /// `dispatchMain()` parks the main thread in `sigsuspend` with nothing blocked, so until then
    /// the main thread took the signal and discarded it. Seen: a SIGHUP sent right after
    /// READY=1 was lost in about one start out of twenty, and a SIGTERM lost that way would
    /// leave `systemctl stop` waiting for its timeout.)
    public func run() -> Never {
        var handled = Self.handledSignals()
        pthread_sigmask(SIG_BLOCK, &handled, nil)
        // A query log FIFO whose reader goes away must fail the write (EPIPE), not kill vpcdns.
        signal(SIGPIPE, SIG_IGN)
        control.async { self.start() }
        while true {
            var signalNumber: Int32 = 0
            guard sigwait(&handled, &signalNumber) == 0 else { continue }
            switch signalNumber {
            case SIGHUP: control.async { self.reload() }
            default: control.async { self.stop() }
            }
        }
    }

    /// SIGHUP (reload), SIGTERM and SIGINT (stop).
    static func handledSignals() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signalNumber in [SIGHUP, SIGTERM, SIGINT] { sigaddset(&set, signalNumber) }
        return set
    }

    private func start() {
        let state: ServingState
        let loadStarted = MonotonicClock.nanoseconds()
        do throws(StateLoader.Failure) {
            state = try StateLoader.load(options.source, resolvConfPath: options.resolvConfPath)
        } catch {
            fail("cannot load \(options.source):\n\(error)")
        }
        let loadTook = MonotonicClock.elapsed(since: loadStarted)
        let config = state.config
        queryLog.configure(config)
        operations = Operations(config: config, logger: logger)
        engine = QueryEngine(state: state, cache: CacheFactory.make(
            maxEntries: config.cache.maxEntries, maxMemoryMiB: config.cache.maxMemoryMiB, minTTL: config.cache.minTTL,
            maxTTL: config.cache.maxTTL, maxNegativeTTL: config.cache.maxNegativeTTL, serveStale: config.cache.serveStale,
            staleAnswerTTL: config.cache.staleAnswerTTL, maxStaleAge: config.cache.maxStaleAge), observer: queryLog.observer,
            counter: operations.counter, chaos: WireProvenance(), isObserving: { [queryLog] in queryLog.isEnabled })
        listeners = ListenerSet(handler: EngineHandler(engine: engine))
        do {
            let passed = try ListenFDs.receiveFromProcess()
            try listeners.adopt(try passed.map { try InheritedSocket(fd: $0.fd) }, options: Self.transportOptions(config))
            try listeners.update(to: Self.listenAddresses(config), options: Self.transportOptions(config))
        } catch {
            fail("cannot listen: \(error)")
        }
        do {
            let queryLog = self.queryLog
            try operations.start(engine: engine, tcp: { [control, listeners] in control.sync { listeners!.tcpStatistics } },
                                 queryLogDropped: { queryLog.droppedRecords }, verbs: controlVerbs())
        } catch {
            fail("cannot start the metrics listener or control socket: \(error)")
        }
        operations.loaded(took: loadTook, reload: false)
        // Signal handling is in place since run() blocked the signals: READY=1 can go now.
        for (transport, address) in listeners.boundAddresses.sorted(by: { $0.1.description < $1.1.description }) {
            logger.info("listening", metadata: ["address": "\(address)", "transport": "\(transport.rawValue)"])
        }
        let summary = StateLoader.summary(state)
        logger.info("ready", metadata: ["config": "\(options.source)", "serving": "\(summary)"])
        notify { try $0.status(summary) }
        notify { try $0.ready() }
        startWatchdog()
        releaseStartupPages()
    }

    /// After a load: what it touched of the binary goes back to the kernel (see `StartupPages`).
    private func releaseStartupPages() {
        let released = StartupPages.release()
        logger.debug("start-up pages released", metadata: ["MiB": "\(released >> 20)"])
    }

    /// Builds the new state completely and swaps it in; on any error the running state stays
    /// and the error is returned.
    @discardableResult
    private func reload() -> String? {
        notify { try $0.reloading() }
        logger.notice("reloading", metadata: ["config": "\(options.source)"])
        let old = engine.state
        let loadStarted = MonotonicClock.nanoseconds()
        var failure: String?
        do {
            let new: ServingState
            do throws(StateLoader.Failure) {
                new = try StateLoader.load(options.source, previous: old, resolvConfPath: options.resolvConfPath)
            } catch {
                throw error
            }
            do {
                try listeners.update(to: Self.listenAddresses(new.config), options: Self.transportOptions(new.config))
            } catch {
                new.upstreams.retire(keeping: old.upstreams)
                throw StateLoader.Failure(description: "cannot listen: \(error)")
            }
            engine.install(new)
            operations.loaded(took: MonotonicClock.elapsed(since: loadStarted), reload: true)
            operations.check(new.config)
            old.upstreams.retire(keeping: new.upstreams)
            queryLog.configure(new.config)
            let summary = StateLoader.summary(new)
            logger.notice("reloaded", metadata: ["serving": "\(summary)"])
            notify { try $0.status(summary) }
        } catch {
            failure = "\(error)"
            operations.reloadFailed("\(error)")
            logger.error("reload failed, still serving the previous config:\n\(error)")
            queryLog.reopen()
            notify { try $0.status("reload failed, serving the previous config: \(String(describing: error).prefix(200))") }
        }
        notify { try $0.ready() }
        releaseStartupPages()
        return failure
    }

    private func stop() {
        logger.notice("stopping")
        operations.stop()
        watchdog?.stop()
        notify { try $0.stopping() }
        let engine = self.engine!
        // Forwarded queries still waiting when the drain time is over get SERVFAIL before the
        // sockets close: no client is left without an answer.
        listeners.stop(drain: options.drainTime, isIdle: { engine.pendingForwards == 0 },
                       atDrainEnd: { engine.answerPendingForwards() })
        engine.state.upstreams.shutdown()
        queryLog.close()
        exit(0)
    }

    /// Pings systemd's watchdog only while queries are really answered: a probe query through
    /// one of our UDP listeners gets its response, the control queue runs, and every upstream
    /// channel's queue runs. A wedged daemon stops pinging and systemd restarts it.
    private func startWatchdog() {
        let engine = self.engine!, listeners = self.listeners!, control = self.control
        do {
            watchdog = try Watchdog(notifier: notifier, onError: { [logger] error in
                logger.warning("watchdog notification failed: \(error)")
            }) { [logger] in
                let probeTarget = control.sync { listeners.boundAddresses.first { $0.0 == .udp }?.1 }
                guard let probeTarget, HealthProbe.answers(at: probeTarget) else {
                    logger.error("health check failed: no answer from a listener")
                    return false
                }
                guard engine.state.upstreams.channels.allSatisfy({ $0.channel?.isResponsive() ?? true }) else {
                    logger.error("health check failed: an upstream channel's queue is stuck")
                    return false
                }
                return true
            }
            watchdog?.start()
        } catch {
            logger.warning("watchdog disabled: \(error)")
        }
    }

    /// The control socket's verbs; reload and status run on the control queue.
    private func controlVerbs() -> ControlVerbs {
        ControlVerbs(engine: engine, operations: operations, source: options.source,
                     reload: { self.control.sync { self.reload() } },
                     status: { self.control.sync { self.statusText() } })
    }

    private func statusText() -> String {
        let uptime = Int(Date().timeIntervalSince(operations.started))
        return [
            "version: \(VPCDNSVersion.current)",
            "config: \(options.source)",
            "state: \(operations.readiness)",
            "uptime: \(uptime)s",
            "serving: \(StateLoader.summary(engine.state))",
            "listening: " + listeners.boundAddresses.map { "\($0.1) \($0.0.rawValue)" }.sorted().joined(separator: ", "),
            "pending forwards: \(engine.pendingForwards)",
        ].joined(separator: "\n")
    }

    private func notify(_ body: (ServiceNotifier) throws -> Void) {
        do {
            try body(notifier)
        } catch {
            logger.warning("sd_notify failed: \(error)")
        }
    }

    private func fail(_ message: String) -> Never {
        logger.critical("\(message)")
        exit(1)
    }

    static func listenAddresses(_ config: VPCDNSConfig) -> [SocketAddress] {
        var seen: Set<SocketAddress> = []
        return (config.listen + config.vpcs.flatMap(\.servedAddresses)).filter { seen.insert($0).inserted }
    }

    static func transportOptions(_ config: VPCDNSConfig) -> TransportOptions {
        TransportOptions(tcpIdleTimeout: .milliseconds(config.tcp.idleTimeoutMs), maxTCPConnections: config.tcp.maxConnections,
                         maxTCPConnectionsPerClient: config.tcp.maxConnectionsPerClient,
                         maxTCPQueriesInFlightPerClient: config.tcp.maxQueriesInFlightPerClient)
    }
}
