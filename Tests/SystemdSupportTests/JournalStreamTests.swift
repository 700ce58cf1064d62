#if canImport(Glibc)
import Glibc
#endif
import SystemdSupport
import Testing

@Suite("JournalStream: JOURNAL_STREAM detection and priority prefixes")
struct JournalStreamTests {
    private func identity(of fd: Int32) -> (device: UInt64, inode: UInt64) {
        var status = stat()
        precondition(fstat(fd, &status) == 0)
        return (UInt64(status.st_dev), UInt64(status.st_ino))
    }

    @Test("matches only the stream JOURNAL_STREAM names")
    func detection() throws {
        var ends: [Int32] = [0, 0]
        var other: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        try #require(pipe(&other) == 0)
        defer { (ends + other).forEach { close($0) } }
        let (device, inode) = identity(of: ends[1])
        let matching = ["JOURNAL_STREAM": "\(device):\(inode)"]

        #expect(JournalStream.isJournal(fd: ends[1], environment: matching))
        // Both ends of a pipe are one inode; another pipe is another.
        #expect(JournalStream.isJournal(fd: ends[0], environment: matching))
        #expect(!JournalStream.isJournal(fd: other[1], environment: matching))
        #expect(!JournalStream.isJournal(fd: ends[1], environment: ["JOURNAL_STREAM": "\(device):\(inode + 1)"]))
        #expect(!JournalStream.isJournal(fd: ends[1], environment: ["JOURNAL_STREAM": "\(device + 1):\(inode)"]))
        #expect(!JournalStream.isJournal(fd: ends[1], environment: [:]))
        for malformed in ["", "\(device)", "\(device):\(inode):1", "x:\(inode)", "\(device):", ":\(inode)"] {
            #expect(!JournalStream.isJournal(fd: ends[1], environment: ["JOURNAL_STREAM": malformed]))
        }
    }

    @Test("a stream socket like journald's matches too; a closed fd never does")
    func socketStream() throws {
        var pair: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        let (device, inode) = identity(of: pair[0])
        let environment = ["JOURNAL_STREAM": "\(device):\(inode)"]
        #expect(JournalStream.isJournal(fd: pair[0], environment: environment))
        pair.forEach { close($0) }
        var limit = rlimit()
        try #require(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0)
        #expect(!JournalStream.isJournal(fd: Int32(min(limit.rlim_cur, 1 << 20)) - 1, environment: environment))
    }

    @Test("stderrIsJournal agrees with the process environment")
    func stderrFlag() {
        #expect(JournalStream.stderrIsJournal
            == JournalStream.isJournal(fd: 2, environment: ProcessEnvironment.current()))
    }

    @Test("level prefixes", arguments: [
        (LogLevel.trace, "<7>"), (.debug, "<7>"), (.info, "<6>"), (.notice, "<5>"),
        (.warning, "<4>"), (.error, "<3>"), (.critical, "<2>"),
    ])
    func prefixes(level: LogLevel, prefix: String) {
        #expect(JournalStream.prefix(for: level) == prefix)
    }

    @Test("swift-log level names map by raw value")
    func levelNames() {
        #expect(["trace", "debug", "info", "notice", "warning", "error", "critical"].compactMap(LogLevel.init(rawValue:))
            == LogLevel.allCases)
    }
}

@Suite("ProcessEnvironment")
struct ProcessEnvironmentTests {
    @Test("the snapshot agrees with getenv")
    func snapshot() {
        let environment = ProcessEnvironment.current()
        #expect(environment["PATH"].map { $0 } == getenv("PATH").map { String(cString: $0) })
    }
}
