#if canImport(Glibc)
import Glibc
#endif

/// Whole lines waiting to be written to a descriptor that must never block the writer (a FIFO
/// whose reader stalls, a pipe to a log shipper): bounded, written without waiting, and never
/// leaving half a line behind where that can be avoided.
///
/// Writes go out in pieces of at most `PIPE_BUF` bytes that end at a line end, which a pipe or
/// FIFO takes whole or not at all; so when the reader stalls, the lines wait here (or, past
/// `maxBytes`, new lines are refused and counted by the caller) instead of the writer blocking
/// or a line being cut. Only a single line longer than `PIPE_BUF` can be taken in part; its rest
/// stays first in line and is written before anything else.
struct LineOutbox {
    /// The bytes kept at most; a line that does not fit is refused.
    let maxBytes: Int
    private var bytes: [UInt8] = []
    /// Bytes at the front already written (part of the first line, or whole lines not yet removed).
    private var sent = 0
    /// Lines held, the one partly written included.
    private(set) var lineCount = 0

    /// The most a pipe write can take atomically (POSIX guarantees at least 512; Linux has 4096).
    static let atomicWrite = Int(PIPE_BUF)

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    var isEmpty: Bool { sent == bytes.count }

    /// Whether part of the first line is already out (the rest must follow before anything else).
    var hasPartialLine: Bool { sent > 0 && bytes[sent - 1] != UInt8(ascii: "\n") }

    /// Queues `line` (which must end in a newline); false when it does not fit.
    mutating func append(_ line: some Collection<UInt8>) -> Bool {
        guard bytes.count - sent + line.count <= maxBytes else { return false }
        bytes.append(contentsOf: line)
        lineCount += 1
        return true
    }

    enum Outcome: Equatable {
        /// Everything was written.
        case drained
        /// The reader is not keeping up (`EAGAIN`): the rest waits.
        case wouldBlock
        /// The descriptor failed with this errno; what is left is still held.
        case failed(Int32)
    }

    /// Writes as much as `descriptor` takes now, without waiting.
    mutating func write(to descriptor: Int32) -> Outcome {
        defer { compact() }
        while sent < bytes.count {
            let end = pieceEnd()
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + sent, end - sent)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .failed(errno)
            }
            countFinishedLines(from: sent, to: sent + written)
            sent += written
        }
        return .drained
    }

    /// Forgets every line not yet started; returns how many. A partly written line is kept so
    /// that its rest can still follow.
    mutating func dropUnstarted() -> Int {
        compact()
        guard hasPartialLine, let newline = bytes[sent...].firstIndex(of: UInt8(ascii: "\n")) else {
            let dropped = lineCount
            bytes.removeAll(keepingCapacity: true)
            sent = 0
            lineCount = 0
            return dropped
        }
        let dropped = lineCount - 1
        bytes.removeSubrange((newline + 1)...)
        lineCount = 1
        return dropped
    }

    /// The end of the next piece: the last line end within `atomicWrite` bytes, or the end of
    /// the first line when that line alone is longer.
    private func pieceEnd() -> Int {
        let limit = min(bytes.count, sent + Self.atomicWrite)
        if limit == bytes.count, bytes[limit - 1] == UInt8(ascii: "\n") { return limit }
        if let newline = bytes[sent..<limit].lastIndex(of: UInt8(ascii: "\n")) { return newline + 1 }
        return (bytes[limit...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? bytes.count
    }

    private mutating func countFinishedLines(from start: Int, to end: Int) {
        for byte in bytes[start..<end] where byte == UInt8(ascii: "\n") { lineCount -= 1 }
    }

    /// Drops written bytes from the front once they are a large share of the buffer.
    private mutating func compact() {
        if sent == bytes.count {
            bytes.removeAll(keepingCapacity: bytes.capacity <= 1 << 20)
            sent = 0
        } else if sent > 65536, sent * 2 > bytes.count {
            bytes.removeSubrange(..<sent)
            sent = 0
        }
    }
}
