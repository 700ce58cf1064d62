import ArgumentParser
import Daemon

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the config and its zone files without serving; print every error with file:line.",
        discussion: """
        Also reads the upstreams (resolv.conf too) and refuses one that is vpcdns's own listen \
        address. Exits 0 when the config is valid, 1 otherwise; usable as systemd ExecStartPre.
        """)

    @OptionGroup var options: ConfigOption

    @Option(help: "The resolv.conf read for the upstream `resolv.conf`.")
    var resolvConf: String = "/etc/resolv.conf"

    func run() throws {
        do throws(StateLoader.Failure) {
            let model = try StateLoader.validate(options.source, resolvConfPath: resolvConf)
            let zones = model.views.reduce(0) { $0 + $1.zones.count }
            print("\(options.source): OK (\(model.views.count) VPCs, \(zones) private zones, \(model.endpointNameCount) endpoint names)")
        } catch {
            for problem in error.problems { writeStandardError("\(problem)\n") }
            writeStandardError("\(options.source): \(error.problems.count) error\(error.problems.count == 1 ? "" : "s")\n")
            throw ExitCode(1)
        }
    }
}
