import ArgumentParser
import Daemon
import VPCConfig

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the config and its zone files without serving; print every error with file:line.",
        discussion: "Exits 0 when the config is valid, 1 otherwise; usable as systemd ExecStartPre.")

    @OptionGroup var options: ConfigOption

    func run() throws {
        do throws(ConfigErrors) {
            let model = try options.source.loadModel()
            let zones = model.views.reduce(0) { $0 + $1.zones.count }
            print("\(options.source): OK (\(model.views.count) VPCs, \(zones) private zones, \(model.endpointNameCount) endpoint names)")
        } catch {
            for item in error.errors { writeStandardError("\(item)\n") }
            writeStandardError("\(options.source): \(error.errors.count) error\(error.errors.count == 1 ? "" : "s")\n")
            throw ExitCode(1)
        }
    }
}
