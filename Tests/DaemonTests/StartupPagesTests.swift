@testable import Daemon
import Foundation
import Testing

/// Serialized: each test calls `StartupPages.release`, which trims the whole heap.
@Suite(.serialized) struct StartupPagesTests {
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

    /// Of the whole pages inside `chunk` (`size` bytes), how many are resident (mincore).
    static func residentPages(_ chunk: UnsafeMutableRawPointer, size: Int) -> (resident: Int, pages: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: chunk) + page - 1) / page * page
        let count = (Int(bitPattern: chunk) + size - first) / page
        guard count > 0 else { return (0, 0) }
        var vector = [UInt8](repeating: 0, count: count)
        guard mincore(UnsafeMutableRawPointer(bitPattern: first), count * page, &vector) == 0 else { return (0, 0) }
        return (vector.filter { $0 & 1 != 0 }.count, count)
    }

    /// What a load leaves: chunks freed between live ones, whose pages malloc keeps resident
    /// (below the mmap threshold, and not at the top of the heap) until trimmed.
    @Test func theHeapsFreePagesLeaveTheResidentSet() throws {
        let count = 64, size = 64 * 1024
        var scratch: [UnsafeMutableRawPointer] = [], kept: [UnsafeMutableRawPointer] = []
        for _ in 0..<count {
            let chunk = try #require(malloc(size))
            memset(chunk, 1, size)
            scratch.append(chunk)
            // As large as the scratch, so that no bin of small free chunks elsewhere serves it:
            // each freed chunk stays between two live ones.
            kept.append(try #require(malloc(size)))
        }
        defer { kept.forEach { free($0) } }
        scratch.forEach { free($0) }
        let before = scratch.map { Self.residentPages($0, size: size) }
        StartupPages.release()
        let after = scratch.map { Self.residentPages($0, size: size) }
        let pages = before.reduce(0) { $0 + $1.pages }
        let residentBefore = before.reduce(0) { $0 + $1.resident }, residentAfter = after.reduce(0) { $0 + $1.resident }
        #expect(pages > 0 && residentBefore * 4 > pages * 3, "\(residentBefore) of \(pages) freed pages resident before")
        #expect(residentAfter * 4 < pages, "\(residentAfter) of \(pages) freed pages still resident after")
    }

    @Test func nothingIsFoundForAnotherPath() {
        #expect(StartupPages.readOnlyMappings(of: "/nonexistent/vpcdns").isEmpty)
    }
}
