import Dispatch
import IPAddress
import Logging
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
    private var signalSources: [DispatchSourceSignal] = []
    private var watchdog: Watchdog?
    private var queryLog: QueryLogWriter?

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Starts serving and never returns; exits 1 when the first load or bind fails.
    public func run() -> Never {
        control.async { self.start() }
        dispatchMain()
    }

    private func start() {
        let state: ServingState
        do throws(StateLoader.Failure) {
            state = try StateLoader.load(options.source, resolvConfPath: options.resolvConfPath)
        } catch {
            fail("cannot load \(options.source):\n\(error)")
        }
        let config = state.model.config
        queryLog = QueryLogWriter.open(config, logger: logger)
        engine = QueryEngine(state: state, cache: CacheFactory.make(
            maxEntries: config.cache.maxEntries, minTTL: config.cache.minTTL, maxTTL: config.cache.maxTTL,
            maxNegativeTTL: config.cache.maxNegativeTTL), observer: queryLog?.observer)
        listeners = ListenerSet(options: Self.transportOptions(config), handler: EngineHandler(engine: engine))
        do {
            let passed = try ListenFDs.receiveFromProcess()
            try listeners.adopt(try passed.map { try InheritedSocket(fd: $0.fd) })
            try listeners.update(to: Self.listenAddresses(config))
        } catch {
            fail("cannot listen: \(error)")
        }
        installSignalHandlers()
        for (transport, address) in listeners.boundAddresses.sorted(by: { $0.1.description < $1.1.description }) {
            logger.info("listening", metadata: ["address": "\(address)", "transport": "\(transport.rawValue)"])
        }
        let summary = StateLoader.summary(state)
        logger.info("ready", metadata: ["config": "\(options.source)", "serving": "\(summary)"])
        notify { try $0.status(summary) }
        notify { try $0.ready() }
        startWatchdog()
    }

    private func installSignalHandlers() {
        for (signalNumber, action) in [(SIGHUP, reload), (SIGTERM, stop), (SIGINT, stop)] as [(Int32, () -> Void)] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: control)
            source.setEventHandler(handler: action)
            source.resume()
            signalSources.append(source)
        }
    }

    /// Builds the new state completely and swaps it in; on any error the running state stays.
    private func reload() {
        notify { try $0.reloading() }
        logger.notice("reloading", metadata: ["config": "\(options.source)"])
        let old = engine.state
        do {
            let new: ServingState
            do throws(StateLoader.Failure) {
                new = try StateLoader.load(options.source, previous: old, resolvConfPath: options.resolvConfPath)
            } catch {
                throw error
            }
            do {
                try listeners.update(to: Self.listenAddresses(new.model.config))
            } catch {
                new.upstreams.retire(keeping: old.upstreams)
                throw StateLoader.Failure(description: "cannot listen: \(error)")
            }
            engine.install(new)
            old.upstreams.retire(keeping: new.upstreams)
            queryLog?.reopen()
            let summary = StateLoader.summary(new)
            logger.notice("reloaded", metadata: ["serving": "\(summary)"])
            notify { try $0.status(summary) }
        } catch {
            logger.error("reload failed, still serving the previous config:\n\(error)")
            notify { try $0.status("reload failed, serving the previous config: \(String(describing: error).prefix(200))") }
        }
        notify { try $0.ready() }
    }

    private func stop() {
        logger.notice("stopping")
        watchdog?.stop()
        notify { try $0.stopping() }
        let engine = self.engine!
        listeners.stop(drain: options.drainTime) { engine.pendingForwards == 0 }
        engine.state.upstreams.shutdown()
        queryLog?.close()
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
        return (config.listen + config.vpcs.flatMap(\.listen)).filter { seen.insert($0).inserted }
    }

    static func transportOptions(_ config: VPCDNSConfig) -> TransportOptions {
        TransportOptions(tcpIdleTimeout: .milliseconds(config.tcp.idleTimeoutMs), maxTCPConnections: config.tcp.maxConnections)
    }
}
