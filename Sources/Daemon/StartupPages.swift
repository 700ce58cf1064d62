import Glibc
import Platform

/// Gives back to the kernel the pages of vpcdns's own code and read-only data that loading a
/// config touched (argument parsing, YAML, zone files, the model and the precompiled answers),
/// and the heap pages the load used and freed.
///
/// They are clean pages of the executable file, read again from it if ever needed, and most
/// are not needed while serving: the kernel maps code in 64 KiB runs around every page a start
/// touches, so loading leaves about 15 MiB of the static binary resident, of which answering
/// queries uses about a third. The kernel would reclaim them under memory pressure anyway;
/// `MADV_PAGEOUT` (Linux 5.4) does it at once, so the resident set a service manager or a
/// container limit sees is the serving code. Pages still in use come back on their next touch.
/// Writable mappings (data, heap, stacks) are not paged out; of the heap, only the free pages
/// are returned (`malloc_trim`): a load's scratch (parsed YAML, the zone builders, the
/// precompiled answers' intermediate arrays, a replaced state) is freed in chunks between
/// live ones, which malloc keeps resident for reuse.
enum StartupPages {
    /// `MADV_PAGEOUT`, from <linux/mman.h>.
    private static let pageOut: Int32 = 21

    /// glibc's `malloc_trim`, looked up once: <malloc.h> is not part of Swift's Glibc module.
    private static let trimHeap: (@convention(c) (Int) -> Int32)? = libCSymbol("malloc_trim")
        .map { unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self) }

    /// Pages out the executable's read-only mappings and returns the heap's free pages; returns
    /// the bytes of the mappings advised (0 when the kernel is too old or /proc is not mounted).
    @discardableResult
    static func release() -> Int {
        _ = trimHeap?(0)
        guard let executable = executablePath() else { return 0 }
        var advised = 0
        for mapping in readOnlyMappings(of: executable) where madvise(mapping.start, mapping.length, pageOut) == 0 {
            advised += mapping.length
        }
        return advised
    }

    private static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The `r-xp` and `r--p` lines of /proc/self/maps naming `path`.
    static func readOnlyMappings(of path: String) -> [(start: UnsafeMutableRawPointer, length: Int)] {
        guard let file = fopen("/proc/self/maps", "r") else { return [] }
        defer { fclose(file) }
        var mappings: [(start: UnsafeMutableRawPointer, length: Int)] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            // "start-end perms offset dev inode path"
            let fields = String(cString: line).split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, fields[1] == "r-xp" || fields[1] == "r--p",
                  fields[5].drop(while: { $0 == " " }).trimmingSuffix("\n") == path else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16), end > start,
                  let pointer = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            mappings.append((pointer, Int(end - start)))
        }
        return mappings
    }
}

private extension Substring {
    func trimmingSuffix(_ suffix: String) -> Substring { hasSuffix(suffix) ? dropLast(suffix.count) : self }
}
