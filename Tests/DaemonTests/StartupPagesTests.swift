@testable import Daemon
import Foundation
import Testing

@Suite struct StartupPagesTests {
    /// Resident KiB of the executable's read-only mappings, from /proc/self/smaps.
    static func residentKiB(of executable: String) throws -> Int {
        var resident = 0
        var counting = false
        for line in try String(contentsOfFile: "/proc/self/smaps", encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = fields.first, range.contains("-"), fields.count >= 5, !range.hasSuffix(":") {
                counting = fields.count == 6 && fields[5] == executable && (fields[1] == "r-xp" || fields[1] == "r--p")
            } else if counting, fields.first == "Rss:", fields.count >= 2, let kib = Int(fields[1]) {
                resident += kib
            }
        }
        return resident
    }

    @Test func theExecutablesReadOnlyPagesLeaveTheResidentSet() throws {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        #expect(!StartupPages.readOnlyMappings(of: executable).isEmpty)
        let before = try Self.residentKiB(of: executable)
        let advised = StartupPages.release()
        let after = try Self.residentKiB(of: executable)
        #expect(advised > 0)
        // What this test runs on the way comes back; most of what the test run touched does not.
        #expect(after * 2 < before, "resident \(before) KiB before, \(after) KiB after")
    }

    @Test func nothingIsFoundForAnotherPath() {
        #expect(StartupPages.readOnlyMappings(of: "/nonexistent/vpcdns").isEmpty)
    }
}
