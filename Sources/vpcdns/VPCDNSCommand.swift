import ArgumentParser
import Daemon

@main
struct VPCDNSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vpcdns",
        abstract: "A split-horizon DNS resolver that answers like the AWS VPC resolver.",
        discussion: """
        vpcdns answers AWS service names with the private IPs of interface VPC endpoints when \
        private DNS is on, answers the endpoints' own vpce names, serves private zones from zone \
        files, and forwards everything else upstream.
        """,
        version: VPCDNSVersion.current,
        subcommands: [Serve.self, Check.self, Zones.self, Import.self, Ctl.self, ExplainCommand.self, VerifyCommand.self],
        defaultSubcommand: Serve.self)
}

/// `--config`, shared by every subcommand.
struct ConfigOption: ParsableArguments {
    @Option(name: .shortAndLong, help: "The YAML config file. Without it, the embedded default config is used.")
    var config: String?

    var source: ConfigSource { config.map(ConfigSource.file) ?? .embedded }
}
