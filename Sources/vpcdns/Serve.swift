import ArgumentParser
import Daemon
import Logging

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve DNS in the foreground, logging to stderr (SIGHUP reloads, SIGTERM stops).")

    @OptionGroup var options: ConfigOption

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "The resolv.conf read for the upstream `resolv.conf`.")
    var resolvConf: String = "/etc/resolv.conf"

    func run() throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: level) }
        let logger = Logger(label: "vpcdns")
        Daemon(options: Daemon.Options(source: options.source, resolvConfPath: resolvConf), logger: logger).run()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
