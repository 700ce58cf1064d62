import Testing
@testable import Transport

@Suite struct TCPOutputTests {
    /// Replies of every size appended framed while the front is written in uneven pieces: the
    /// bytes that leave are exactly the framed replies in order, however the block was moved
    /// or grown meanwhile.
    @Test func writtenBytesAreTheFramedRepliesInOrder() {
        let output = TCPOutput()
        var expected: [UInt8] = []
        var written: [UInt8] = []
        var generator = SystemRandomNumberGenerator()
        for round in 0..<400 {
            let size = [0, 1, 30, 500, 4094, 9000, 65535][round % 7]
            let message = (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ round) }
            message.withUnsafeBytes { output.appendFramed($0) }
            expected += [UInt8(size >> 8), UInt8(size & 0xff)] + message
            let take = Int.random(in: 0...output.count, using: &generator)
            written += output.pending.prefix(take)
            output.consume(take)
            #expect(output.count == expected.count - written.count)
        }
        written += output.pending
        output.consume(output.count)
        #expect(output.isEmpty)
        #expect(written == expected)
    }
}
