import ArgumentParser
import Daemon
import IPAddress
import VPCConfig
import Verify

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Replay recorded questions against the config (offline) or a running server, and show every difference.",
        discussion: """
        FILE: a Route 53 Resolver query log (JSON lines, as AWS writes it; vpcdns's query_log is \
        the same format) or a YAML/JSON list of cases: {name, type, from, via, rcode, answers: \
        ["A 10.0.0.1"]}. Answers compare without order or TTLs. Offline, forwarded questions \
        are not checked (listed with --verbose). Exits 0 when nothing differs, 1 on any \
        difference, 2 when a file cannot be read.
        """)

    @OptionGroup var options: ConfigOption

    @Option(help: "Ask this running server (ADDR:PORT) instead of the config, offline.")
    var server: String?

    @Flag(help: "Also list the cases that were not checked.")
    var verbose = false

    @Argument(help: "Query logs or expectation files.")
    var files: [String]

    func validate() throws {
        if server != nil, options.config != nil { throw ValidationError("give --config or --server, not both") }
        if files.isEmpty { throw ValidationError("name at least one file") }
    }

    func run() throws {
        var expectations: [Expectation] = []
        for file in files {
            do throws(ExpectationReader.Invalid) {
                expectations += try ExpectationReader.read(path: file)
            } catch {
                writeStandardError("\(error)\n")
                throw ExitCode(2)
            }
        }
        let report: VerifyReport
        if let server {
            guard let address = SocketAddress(server, defaultPort: 53) else { throw ValidationError("--server: '\(server)' is not ADDR:PORT") }
            report = VerifyReport.run(expectations, with: ServerReplayer(server: address))
        } else {
            do throws(ConfigErrors) {
                report = VerifyReport.run(expectations, with: ModelReplayer(model: try options.source.load().model))
            } catch {
                for item in error.errors { writeStandardError("\(item)\n") }
                throw ExitCode(2)
            }
        }
        for failure in report.failures { print("DIFF \(failure)") }
        if verbose { for line in report.notChecked { print(line) } }
        print(report.summary)
        if !report.passed { throw ExitCode(1) }
    }
}
