@testable import Daemon
import Glibc
import Testing

/// The query log's buffer of whole lines, written to a pipe whose reader stalls.
@Suite struct LineOutboxTests {
    /// A non-blocking pipe: (read end, write end).
    private func pipePair() throws -> (Int32, Int32) {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
        return (ends[0], ends[1])
    }

    private func drain(_ fd: Int32) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { return result }
            result += buffer[0..<count]
        }
    }

    private func line(_ index: Int, length: Int = 300) -> [UInt8] {
        let head = Array("{\"n\":\(index),\"pad\":\"".utf8)
        return head + Array(repeating: UInt8(ascii: "x"), count: length - head.count - 3) + Array("\"}\n".utf8)
    }

    @Test func aStalledReaderGetsOnlyWholeLinesAndTheRestWaits() throws {
        let (reader, writer) = try pipePair()
        defer { close(reader); close(writer) }
        var outbox = LineOutbox(maxBytes: 1 << 20)
        for index in 0..<1000 {
            let appended = outbox.append(line(index))
            #expect(appended)
        }
        // 300 KB into a 64 KiB pipe nobody reads: the write returns at once.
        #expect(outbox.write(to: writer) == .wouldBlock)
        #expect(!outbox.hasPartialLine)
        let first = drain(reader)
        #expect(first.last == UInt8(ascii: "\n"))
        let firstLines = first.split(separator: UInt8(ascii: "\n"))
        #expect(outbox.lineCount == 1000 - firstLines.count)
        // The reader catches up: the rest follows, in order, each line whole.
        var all = first
        while outbox.write(to: writer) != .drained { all += drain(reader) }
        all += drain(reader)
        #expect(all == (0..<1000).flatMap { line($0) })
        #expect(outbox.isEmpty && outbox.lineCount == 0)
    }

    @Test func fullBufferRefusesWholeLinesAndDropsOnlyUnstartedOnes() throws {
        var outbox = LineOutbox(maxBytes: 1000)
        let appended = [0, 1, 2, 3].map { outbox.append(line($0)) }
        #expect(appended == [true, true, true, false])
        #expect(outbox.lineCount == 3)
        #expect(outbox.dropUnstarted() == 3)
        #expect(outbox.isEmpty)
    }

    @Test func aLineLongerThanAnAtomicWriteIsFinishedFirst() throws {
        let (reader, writer) = try pipePair()
        defer { close(reader); close(writer) }
        // Fill the pipe but for 100 bytes, so a long line can only go in part.
        var filler = LineOutbox(maxBytes: 1 << 20)
        var index = 0
        while filler.append(line(index, length: 100)), filler.write(to: writer) == .drained { index += 1 }
        let filled = index * 100
        var outbox = LineOutbox(maxBytes: 1 << 20)
        let long = line(-1, length: LineOutbox.atomicWrite * 3)
        let appended = [outbox.append(long), outbox.append(line(7))]
        #expect(appended == [true, true])
        #expect(outbox.write(to: writer) == .wouldBlock)
        var taken = drain(reader)
        while outbox.write(to: writer) != .drained { taken += drain(reader) }
        taken += drain(reader)
        #expect(taken.count == filled + long.count + 300)
        #expect(Array(taken.suffix(long.count + 300)) == long + line(7))
    }

    @Test func droppingKeepsALinePartlyOut() throws {
        let (reader, writer) = try pipePair()
        defer { close(reader); close(writer) }
        var filler = LineOutbox(maxBytes: 1 << 20)
        var index = 0
        while filler.append(line(index, length: 100)), filler.write(to: writer) == .drained { index += 1 }
        _ = drain(reader)
        var outbox = LineOutbox(maxBytes: 1 << 20)
        let long = line(-1, length: LineOutbox.atomicWrite * 20)
        _ = outbox.append(long)
        _ = outbox.append(line(8))
        #expect(outbox.write(to: writer) == .wouldBlock)
        #expect(outbox.hasPartialLine)
        #expect(outbox.dropUnstarted() == 1)
        var taken = drain(reader)
        while outbox.write(to: writer) != .drained { taken += drain(reader) }
        taken += drain(reader)
        #expect(taken == long)
    }

    @Test func aClosedReaderIsAFailureNotASignal() throws {
        signal(SIGPIPE, SIG_IGN)
        let (reader, writer) = try pipePair()
        close(reader)
        defer { close(writer) }
        var outbox = LineOutbox(maxBytes: 1 << 20)
        _ = outbox.append(line(0))
        #expect(outbox.write(to: writer) == .failed(EPIPE))
        #expect(outbox.dropUnstarted() == 1)
    }
}
