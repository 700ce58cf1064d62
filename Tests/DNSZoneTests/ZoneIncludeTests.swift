import DNSWire
@testable import DNSZone
import Foundation
import Testing

/// `$INCLUDE` confinement and `ZoneFile.load`, on files in a fresh temporary folder per test.
@Suite struct ZoneIncludeTests {
    /// A temporary folder `root` (the include root) beside a folder `elsewhere` outside it.
    final class Sandbox {
        let base: String
        var root: String { base + "/root" }
        var elsewhere: String { base + "/elsewhere" }

        init() throws {
            base = NSTemporaryDirectory() + "vpcdns-zone-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: base + "/root/sub", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: base + "/elsewhere", withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(atPath: base) }

        @discardableResult
        func write(_ path: String, _ text: String) throws -> String {
            let full = path.hasPrefix("/") ? path : root + "/" + path
            try text.write(toFile: full, atomically: true, encoding: .utf8)
            return full
        }

        func link(_ path: String, to target: String) throws {
            try FileManager.default.createSymbolicLink(atPath: root + "/" + path, withDestinationPath: target)
        }

        func load(_ path: String, origin: DNSName? = "example.com.") throws(ZoneErrors) -> Zone {
            try ZoneFile.load(path: root + "/" + path, origin: origin, includeRoot: root)
        }

        func errors(_ path: String) -> [String] {
            do {
                _ = try load(path)
                return []
            } catch {
                return error.errors.map(\.description)
            }
        }
    }

    @Test func includeInsideTheRootFollowsBINDsScoping() throws {
        let sandbox = try Sandbox()
        try sandbox.write("main.zone", zoneHead + """
            www A 192.0.2.2
            $INCLUDE sub/part.inc sub.example.com.
              TXT "owner restored"
            rel A 192.0.2.4
            $INCLUDE sub/part.inc

            """)
        // Relative paths start at the including file's folder: deeper.inc is beside part.inc.
        // An included file starts with the includer's current owner (x here), as in BIND.
        try sandbox.write("sub/part.inc", "$TTL 60\n@ TXT \"included\"\nx A 192.0.2.10\n$INCLUDE deeper.inc\n")
        try sandbox.write("sub/deeper.inc", "  TXT \"owner inherited\"\n")
        let zone = try sandbox.load("main.zone")
        #expect(presentation(zone.records) == (zoneHeadRecords + [
            "example.com. 60 IN TXT \"included\"",
            "rel.example.com. 60 IN A 192.0.2.4",
            "sub.example.com. 60 IN TXT \"included\"",
            "www.example.com. 3600 IN A 192.0.2.2",
            "www.example.com. 60 IN TXT \"owner restored\"",
            "x.example.com. 60 IN A 192.0.2.10",
            "x.example.com. 60 IN TXT \"owner inherited\"",
            "x.sub.example.com. 60 IN A 192.0.2.10",
            "x.sub.example.com. 60 IN TXT \"owner inherited\"",
        ]).sorted())
    }

    @Test func symlinksInsideTheRootAreFollowed() throws {
        let sandbox = try Sandbox()
        try sandbox.write("sub/real.inc", "linked A 192.0.2.7\n")
        try sandbox.link("alias.inc", to: sandbox.root + "/sub/real.inc")
        try sandbox.write("main.zone", zoneHead + "$INCLUDE alias.inc\n")
        #expect(try sandbox.load("main.zone").rrset("linked.example.com.", .a) != nil)
    }

    @Test(arguments: ["../elsewhere/x.inc", "ELSEWHERE/x.inc", "sub/../../elsewhere/x.inc", "escape.inc", "escape-dir/x.inc"])
    func includesOutsideTheRootAreRejected(path: String) throws {
        let sandbox = try Sandbox()
        let outside = try sandbox.write(sandbox.elsewhere + "/x.inc", "leak A 192.0.2.66\n")
        try sandbox.link("escape.inc", to: outside)
        try sandbox.link("escape-dir", to: sandbox.elsewhere)
        let directive = path == "ELSEWHERE/x.inc" ? outside : path  // an absolute path elsewhere
        try sandbox.write("main.zone", zoneHead + "$INCLUDE \(directive)\n")
        let errors = sandbox.errors("main.zone")
        let real = try FileAccess.realPath(outside).get()
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("\(sandbox.root)/main.zone:6:10: $INCLUDE '\(directive)' resolves to \(real), outside the allowed folder ") == true,
                "\(errors)")
    }

    @Test func includeProblems() throws {
        let sandbox = try Sandbox()
        try sandbox.write("loop.inc", "$INCLUDE loop.inc\n")
        try sandbox.write("bad.inc", "ok A 192.0.2.1\nbad A 300.0.0.1\n")
        try sandbox.write("main.zone", zoneHead + "$INCLUDE missing.inc\n$INCLUDE loop.inc\n$INCLUDE bad.inc\n$INCLUDE bad.inc a..b\n$INCLUDE\n")
        let file = sandbox.root + "/main.zone"
        #expect(sandbox.errors("main.zone") == [
            "\(file):6:10: cannot open $INCLUDE file '\(sandbox.root)/missing.inc': No such file or directory",
            "\(sandbox.root)/loop.inc:1:10: $INCLUDE loop: 'loop.inc' is already being read",
            "\(sandbox.root)/bad.inc:2:7: bad IPv4 address '300.0.0.1'",
            "\(file):9:18: bad $INCLUDE origin 'a..b': empty label",
            "\(file):10:1: $INCLUDE takes a file name and an optional origin",
        ])
    }

    @Test func includeNeedsARoot() {
        #expect(zoneErrors(zoneHead + "$INCLUDE other.zone\n") == ["test.zone:6:1: $INCLUDE is not allowed here (no include folder was given)"])
    }

    @Test func originComesFromTheFileNameOrALeadingOrigin() throws {
        let sandbox = try Sandbox()
        let body = "$TTL 300\n@ SOA ns1 h 1 1 1 1 1\n@ NS ns1\nns1 A 192.0.2.1\n"
        try sandbox.write("corp.example.internal.zone", body)
        #expect(try sandbox.load("corp.example.internal.zone", origin: nil).origin == "corp.example.internal.")
        try sandbox.write("db.corp", "$ORIGIN other.example.\n" + body)
        #expect(try sandbox.load("db.corp", origin: nil).soa.name == "other.example.")
        try sandbox.write("db.nothing", body)
        #expect(throws: ZoneErrors.self) { try sandbox.load("db.nothing", origin: nil) }
        #expect(ZoneFile.origin(fromFileName: "/etc/vpcdns/zones/ssm.us-east-1.amazonaws.com.zone") == "ssm.us-east-1.amazonaws.com.")
        #expect(ZoneFile.origin(fromFileName: "zones/.zone") == nil)
    }

    @Test func unreadableZoneFile() throws {
        let sandbox = try Sandbox()
        #expect(sandbox.errors("absent.zone") == ["\(sandbox.root)/absent.zone: cannot read the zone file: No such file or directory"])
    }
}
