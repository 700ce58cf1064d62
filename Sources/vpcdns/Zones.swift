import ArgumentParser
import Daemon
import VPCConfig

#if canImport(Glibc)
import Glibc
#endif

struct Zones: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print, per VPC, the zones vpcdns serves (endpoint private DNS and zone files) in zone-file format, and the endpoint-specific names.")

    @OptionGroup var options: ConfigOption

    func run() throws {
        do throws(ConfigErrors) {
            print(ZoneReport(model: try options.source.loadModel()).text, terminator: "")
        } catch {
            for item in error.errors { fputs("\(item)\n", stderr) }
            throw ExitCode(1)
        }
    }
}
