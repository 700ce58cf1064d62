import DNSWire
@testable import DNSZone
import Foundation
import Testing

/// What `ZoneFile.load` reads: only regular files (never waiting on a FIFO), and bytes as written.
@Suite struct ZoneFileInputTests {
    @Test func fifoZoneFileIsRefusedWithoutWaiting() throws {
        let sandbox = try ZoneIncludeTests.Sandbox()
        #expect(mkfifo(sandbox.root + "/fifo.zone", 0o600) == 0)
        #expect(sandbox.errors("fifo.zone") == ["\(sandbox.root)/fifo.zone: cannot read the zone file: not a regular file (a FIFO)"])
    }

    @Test func fifoIncludeIsRefusedAtItsLine() throws {
        let sandbox = try ZoneIncludeTests.Sandbox()
        #expect(mkfifo(sandbox.root + "/part.zone", 0o600) == 0)
        try sandbox.write("main.zone", zoneHead + "$INCLUDE part.zone\n")
        #expect(sandbox.errors("main.zone") == [
            "\(sandbox.root)/main.zone:6:10: cannot read $INCLUDE file '\(sandbox.root)/part.zone': not a regular file (a FIFO)",
        ])
    }

    @Test func directoryIsRefused() throws {
        let sandbox = try ZoneIncludeTests.Sandbox()
        #expect(sandbox.errors("sub") == ["\(sandbox.root)/sub: cannot read the zone file: not a regular file (a directory)"])
    }

    /// Bytes that are not UTF-8 stay as written in owner names and TXT strings, as BIND keeps
    /// them (`named-checkzone -D` prints them as `\255`), instead of turning into U+FFFD.
    @Test func bytesThatAreNotUTF8AreKept() throws {
        let sandbox = try ZoneIncludeTests.Sandbox()
        let body: [UInt8] = Array("caf".utf8) + [0xe9] + Array(" TXT \"na".utf8) + [0xef, 0xff] + Array("ve\"\n".utf8)
        #expect(FileManager.default.createFile(atPath: sandbox.root + "/latin1.zone", contents: Data(Array(zoneHead.utf8) + body)))
        let zone = try sandbox.load("latin1.zone")
        let owner = try DNSName(labels: [Array("caf".utf8) + [0xe9], Array("example".utf8), Array("com".utf8)])
        let txt = try #require(zone.rrset(owner, .txt))
        #expect(txt.records.map(\.rdata) == [.txt([Array("na".utf8) + [0xef, 0xff] + Array("ve".utf8)])])
        #expect(txt.records[0].description == "caf\\233.example.com. 3600 IN TXT \"na\\239\\255ve\"")
    }
}
