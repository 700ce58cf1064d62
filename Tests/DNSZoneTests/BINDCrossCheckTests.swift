import DNSWire
import DNSZone
import Foundation
import Testing

/// BIND as a peer: for every fixture in Fixtures/crosscheck, vpcdns accepts exactly what
/// `named-checkzone -i local` accepts and, when both accept, loads the same records.
///
/// Each fixture is checked from its own folder (`-w`), which is also its include root, so
/// `$INCLUDE` paths mean the same to both. Its origin is example.com. unless its first line reads
/// `; origin: <name>`. `-i local` keeps BIND's integrity checks to in-zone names, which is what
/// vpcdns checks, and keeps the test off the network.
@Suite struct BINDCrossCheckTests {
    /// Fixtures where vpcdns deliberately rejects what BIND accepts, and why.
    static let deliberateDifferences: [String: String] = [
        "invalid/i05-out-of-zone.zone":
            "BIND ignores records outside the origin with a warning; vpcdns rejects them, so a mistyped $ORIGIN cannot silently drop records",
        "invalid/i16-include-escape.zone":
            "BIND includes any path it can open; vpcdns confines $INCLUDE to the include root (the config's folder)",
        "invalid/i22-typed-hinfo.zone":
            "vpcdns has typed presentation only for A, AAAA, CNAME, NS, PTR, SOA, MX, TXT, SRV and CAA; other types take the RFC 3597 \\# form",
    ]

    static let folder = fixturesFolder() + "/crosscheck"

    static let fixtures: [String] = ["valid", "invalid"].flatMap { kind in
        ((try? FileManager.default.contentsOfDirectory(atPath: folder + "/" + kind)) ?? [])
            .filter { $0.hasSuffix(".zone") }.sorted().map { kind + "/" + $0 }
    }

    static let namedCheckzone: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin"]
        return folders.map { $0 + "/named-checkzone" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    struct BINDResult {
        var accepted: Bool
        var records: [String]
        var messages: String
    }

    static func runBIND(_ executable: String, fixture: String, origin: DNSName) throws -> BINDResult {
        let output = NSTemporaryDirectory() + "vpcdns-crosscheck-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: output) }
        let path = folder + "/" + fixture
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-i", "local", "-w", (path as NSString).deletingLastPathComponent, "-D", "-o", output,
                             origin.description, path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let messages = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let accepted = process.terminationStatus == 0
        let dump = accepted ? try String(contentsOfFile: output, encoding: .utf8) : ""
        return BINDResult(accepted: accepted, records: normalized(dump.split(separator: "\n").map(String.init)), messages: messages)
    }

    /// Fields split on white space and joined by one space, owner lowercased, lines sorted.
    static func normalized(_ lines: [String]) -> [String] {
        lines.compactMap { line -> String? in
            var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard !fields.isEmpty, !fields[0].hasPrefix(";"), !fields[0].hasPrefix("$") else { return nil }
            fields[0] = fields[0].lowercased()
            return fields.joined(separator: " ")
        }.sorted()
    }

    static func origin(of fixture: String) throws -> DNSName {
        let text = try String(contentsOfFile: folder + "/" + fixture, encoding: .utf8)
        let first = text.prefix { $0 != "\n" }
        guard first.hasPrefix("; origin:") else { return "example.com." }
        return try DNSName(first.dropFirst("; origin:".count).trimmingCharacters(in: .whitespaces))
    }

    @Test func thereAreEnoughFixtures() {
        #expect(Self.fixtures.filter { $0.hasPrefix("valid/") }.count >= 15)
        #expect(Self.fixtures.filter { $0.hasPrefix("invalid/") }.count >= 10)
        for fixture in Self.deliberateDifferences.keys { #expect(Self.fixtures.contains(fixture), "allow-listed \(fixture) is missing") }
    }

    @Test(arguments: fixtures)
    func agreesWithNamedCheckzone(fixture: String) throws {
        guard let executable = Self.namedCheckzone else {
            Issue.record("named-checkzone is not installed: `apt-get install bind9-utils` (make deps does it); the BIND cross-check cannot run")
            return
        }
        let origin = try Self.origin(of: fixture)
        let bind = try Self.runBIND(executable, fixture: fixture, origin: origin)
        let folder = ((Self.folder + "/" + fixture) as NSString).deletingLastPathComponent
        let ours: Result<Zone, ZoneErrors>
        do throws(ZoneErrors) {
            ours = .success(try ZoneFile.load(path: Self.folder + "/" + fixture, origin: origin, includeRoot: folder))
        } catch {
            ours = .failure(error)
        }
        let oursText: String
        switch ours {
        case .success: oursText = "accepted"
        case .failure(let errors): oursText = "rejected:\n\(errors)"
        }

        if let reason = Self.deliberateDifferences[fixture] {
            // The difference must still exist: BIND accepts, vpcdns rejects.
            #expect(bind.accepted, "BIND now rejects \(fixture); drop it from the allow-list (\(reason))\n\(bind.messages)")
            #expect((try? ours.get()) == nil, "vpcdns now accepts \(fixture); drop it from the allow-list (\(reason))")
            return
        }
        #expect(bind.accepted == fixture.hasPrefix("valid/"), "fixture in the wrong folder? BIND says:\n\(bind.messages)")
        #expect(bind.accepted == ((try? ours.get()) != nil), "BIND \(bind.accepted ? "accepts" : "rejects") \(fixture), vpcdns \(oursText)\nBIND says:\n\(bind.messages)")
        if bind.accepted, case .success(let zone) = ours {
            let records = Self.normalized(zone.records.map(\.description))
            #expect(records == bind.records, "records differ for \(fixture)\nonly vpcdns: \(records.filter { !bind.records.contains($0) })\nonly BIND: \(bind.records.filter { !records.contains($0) })")
        }
    }
}
