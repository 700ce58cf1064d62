import ArgumentParser
import Daemon
import VPCConfig

struct Zones: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print, per VPC, the zones vpcdns serves (endpoint private DNS, zone files, autodefined zones with their EC2 names and PTRs) in zone-file format, its DNS Firewall, what its inbound endpoints add, and the endpoint-specific names.")

    @OptionGroup var options: ConfigOption

    func run() throws {
        do throws(ConfigErrors) {
            print(ZoneReport(model: try options.source.load().model).text, terminator: "")
        } catch {
            for item in error.errors { writeStandardError("\(item)\n") }
            throw ExitCode(1)
        }
    }
}
