import ArgumentParser
import Control
import Daemon
import VPCConfig

struct Ctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask the running daemon over its control socket.",
        discussion: """
        Verbs: status, stats, reload (errors come back with file:line), flush [NAME], dump-cache, \
        lookup NAME [TYPE] [--from ADDR] [--via LISTEN] (the live decision, with the cache). \
        The socket is --socket, else the config's control.socket, else \(Ctl.defaultSocket). \
        Exits 0 when the daemon answered OK, 1 otherwise.
        """)

    static let defaultSocket = "/run/vpcdns/control.sock"

    @Option(help: "The control socket's path.")
    var socket: String?

    @Option(name: .shortAndLong, help: "Read the control socket's path from this config file.")
    var config: String?

    @Argument(parsing: .captureForPassthrough, help: "The verb and its arguments.")
    var verb: [String] = []

    func validate() throws {
        if socket != nil, config != nil { throw ValidationError("give --socket or --config, not both") }
        if verb.isEmpty { throw ValidationError("a verb is needed: status, stats, reload, flush [NAME], dump-cache, lookup NAME [TYPE]") }
    }

    func run() throws {
        let path = try socketPath()
        let reply: ControlReply
        do throws(ControlError) {
            reply = try ControlClient.send(verb, to: path)
        } catch {
            writeStandardError("vpcdns ctl: \(error)\n")
            throw ExitCode(1)
        }
        if reply.ok {
            print(reply.text, terminator: reply.text.hasSuffix("\n") || reply.text.isEmpty ? "" : "\n")
        } else {
            writeStandardError(reply.text + (reply.text.hasSuffix("\n") ? "" : "\n"))
            throw ExitCode(1)
        }
    }

    private func socketPath() throws -> String {
        if let socket { return socket }
        guard let config else { return Self.defaultSocket }
        let loaded: VPCDNSConfig
        do throws(ConfigErrors) {
            loaded = try ConfigLoader.load(path: config)
        } catch {
            for item in error.errors { writeStandardError("\(item)\n") }
            throw ExitCode(1)
        }
        guard let control = loaded.control else {
            writeStandardError("vpcdns ctl: \(config) has no control: socket\n")
            throw ExitCode(1)
        }
        return control.socket
    }
}
