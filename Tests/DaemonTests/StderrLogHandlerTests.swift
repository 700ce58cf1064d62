import Logging
import Testing

@testable import Daemon

@Suite("StderrLogHandler")
struct StderrLogHandlerTests {
    @Test("under journald every line of a multi-line message keeps the priority prefix")
    func journalPrefixesEveryLine() {
        let handler = StderrLogHandler(label: "test", level: .info, journal: true)
        let text = handler.format(
            level: .error,
            message: "reload failed, still serving the previous config:\n/etc/vpcdns/vpcdns.yaml:170:1: unknown key\n/etc/vpcdns/vpcdns.yaml: 1 error",
            metadata: nil)
        #expect(text == """
            <3>error reload failed, still serving the previous config:
            <3>/etc/vpcdns/vpcdns.yaml:170:1: unknown key
            <3>/etc/vpcdns/vpcdns.yaml: 1 error

            """)
    }

    @Test("under journald a one-line message has one prefix, metadata sorted, no timestamp")
    func journalOneLine() {
        let handler = StderrLogHandler(label: "test", level: .info, journal: true)
        #expect(handler.format(level: .info, message: "listening", metadata: ["transport": "UDP", "address": "127.0.0.1:53"])
            == "<6>info listening address=127.0.0.1:53 transport=UDP\n")
    }

    @Test("outside the journal lines start with a UTC timestamp and are not split")
    func plainHasTimestamp() {
        let handler = StderrLogHandler(label: "test", level: .info, journal: false)
        let text = handler.format(level: .warning, message: "a\nb", metadata: nil)
        #expect(text.hasSuffix(" warning a\nb\n"))
        #expect(text.first == "2" && text.contains("T") && text.contains("Z warning"))
    }
}
