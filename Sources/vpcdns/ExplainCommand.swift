import ArgumentParser
import Daemon
import Explain
import VPCConfig

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain, offline, how the config answers a question: the view and why, each step with its config file:line, then the response in dig's format.",
        discussion: """
        Forwarded questions name the upstream set and servers they go to; no upstream is asked. \
        Exits 0 when explained, 1 when the config has errors.
        """)

    @OptionGroup var options: ConfigOption

    @Argument(help: "The question's name.")
    var name: String

    @Argument(help: "The question's type (default A).")
    var type: String?

    @Option(help: "The client's address (default 127.0.0.1).")
    var from: String?

    @Option(help: "The listen address the query arrives on (a VPC's listen address picks its view).")
    var via: String?

    func run() throws {
        var words = [name] + (type.map { [$0] } ?? [])
        if let from { words += ["--from", from] }
        if let via { words += ["--via", via] }
        let arguments: ExplainArguments
        do throws(ExplainArguments.Invalid) {
            arguments = try ExplainArguments.parse(words)
        } catch {
            throw ValidationError(error.description)
        }
        do throws(ConfigErrors) {
            let (config, model) = try options.source.load()
            let upstreams = model.upstreamSets.map { set in set.map(\.description) }
            let explanation = Explainer.explain(arguments.question, client: arguments.from, local: arguments.via, config: config,
                                                model: model, upstreamNames: upstreams)
            print(explanation.text)
        } catch {
            for item in error.errors { writeStandardError("\(item)\n") }
            throw ExitCode(1)
        }
    }
}
