import ArgumentParser
import AWSImport
import Daemon
import Platform

#if canImport(Glibc)
import Glibc
#endif

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the services:, firewall: and vpcs: sections of a config from AWS CLI JSON output.",
        discussion: """
        Give the output of `aws ec2 describe-vpc-endpoints`, `aws ec2 describe-network-interfaces` \
        (for the endpoints' interfaces), `aws ec2 describe-vpcs`, and optionally \
        `aws ec2 describe-vpc-attribute --attribute enableDnsSupport|enableDnsHostnames`, \
        `aws ec2 describe-instances` (for `instances:`) and \
        `aws ec2 describe-vpc-endpoint-services` (for `services:`), in any order; each file's \
        kind is read from its content. DNS Firewall: add the output of \
        `aws route53resolver list-firewall-domain-lists`, `list-firewall-domains` (one file per \
        list, named after its id, e.g. rslvr-fdl-0123456789abcdef0.json), `list-firewall-rule-groups`, \
        `list-firewall-rules`, `list-firewall-rule-group-associations` and optionally \
        `list-firewall-configs`.
        """)

    @Argument(help: "JSON files written by the AWS CLI.")
    var files: [String]

    func run() throws {
        var importer = ConfigImporter()
        do throws(ImportError) {
            for file in files {
                guard let text = readFile(file) else { throw ImportError(file: file, message: "cannot read: \(errnoText(errno))") }
                try importer.add(file: file, text: text)
            }
            print(try importer.yaml(), terminator: "")
        } catch {
            writeStandardError("\(error)\n")
            throw ExitCode(1)
        }
    }

    private func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
