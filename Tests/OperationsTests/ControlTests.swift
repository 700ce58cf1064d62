import Foundation
import Testing
@testable import Control

@Suite("control socket")
struct ControlTests {
    private func temporaryPath() -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vpcdns-control-\(UUID().uuidString.prefix(8))").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder + "/control.sock"
    }

    @Test func aRequestGetsTheHandlersReplyAndTheSocketIsPrivate() throws {
        let path = temporaryPath()
        let server = try ControlServer(path: path, group: nil) { words in
            words == ["lookup", "www.example.test", "AAAA"] ? ControlReply(ok: true, text: "fine") : .failure("unexpected \(words)")
        }
        defer { server.stop() }
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try ControlClient.send(["lookup", "www.example.test", "AAAA"], to: path) == ControlReply(ok: true, text: "fine\n"))
        let refused = try ControlClient.send(["nope"], to: path)
        #expect(!refused.ok && refused.text.contains("unexpected"))
    }

    @Test func aStaleSocketIsReplacedButAnotherFileIsNot() throws {
        let path = temporaryPath()
        let first = try ControlServer(path: path, group: nil) { _ in ControlReply(ok: true, text: "first") }
        let second = try ControlServer(path: path, group: nil) { _ in ControlReply(ok: true, text: "second") }
        #expect(try ControlClient.send(["status"], to: path).text == "second\n")
        first.stop()
        second.stop()
        #expect(!FileManager.default.fileExists(atPath: path))

        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep".utf8)))
        #expect(throws: ControlError.self) { try ControlServer(path: path, group: nil) { _ in .failure("") } }
        #expect(FileManager.default.contents(atPath: path) == Data("keep".utf8))
    }

    @Test func noDaemonIsAReadableError() {
        do {
            _ = try ControlClient.send(["status"], to: temporaryPath())
            Issue.record("connected to nothing")
        } catch {
            #expect(error.description.contains("cannot connect to control socket"))
        }
    }

    @Test func anUnknownGroupIsRefused() {
        #expect(throws: ControlError.self) {
            try ControlServer(path: temporaryPath(), group: "no-such-group-vpcdns") { _ in .failure("") }
        }
    }
}
