import Dispatch
import Synchronization
@testable import DNSUpstream

/// Just enough DNS wire format for the tests: A queries, and answers with A records.
enum DNSTestMessage {
    static func query(id: UInt16, name: String, type: UInt16 = 1) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            bytes.append(UInt8(label.utf8.count))
            bytes += label.utf8
        }
        bytes += [0, UInt8(type >> 8), UInt8(type & 0xff), 0, 1]
        return bytes
    }

    struct Question {
        var id: UInt16
        var name: String
        /// Offset just past QTYPE and QCLASS.
        var end: Int
    }

    /// The ID and first question of a message (no compression in the question).
    static func parseQuestion(_ bytes: [UInt8]) -> Question? {
        guard bytes.count >= 12, bytes[4] == 0, bytes[5] >= 1 else { return nil }
        var offset = 12
        var labels: [String] = []
        while offset < bytes.count {
            let length = Int(bytes[offset])
            offset += 1
            if length == 0 { break }
            guard length < 64, offset + length <= bytes.count else { return nil }
            labels.append(String(decoding: bytes[offset..<(offset + length)], as: UTF8.self).lowercased())
            offset += length
        }
        guard offset + 4 <= bytes.count else { return nil }
        return Question(id: UInt16(bytes[0]) << 8 | UInt16(bytes[1]), name: labels.joined(separator: ".") + ".", end: offset + 4)
    }

    static func response(to query: [UInt8], questionEnd: Int, rcode: UInt8, truncated: Bool = false, addresses: [[UInt8]] = []) -> [UInt8] {
        var bytes = [query[0], query[1], 0x80 | (query[2] & 0x79) | (truncated ? 0x02 : 0), 0x80 | rcode,
                     0, 1, UInt8(addresses.count >> 8), UInt8(addresses.count & 0xff), 0, 0, 0, 0]
        bytes += query[12..<questionEnd]
        for address in addresses {
            bytes += [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4] + address
        }
        return bytes
    }

    /// The address the test server gives `name` (FNV-1a of the name and index).
    static func address(for name: String, index: Int = 0) -> [UInt8] {
        var hash: UInt32 = 2_166_136_261
        for byte in name.lowercased().utf8 + [UInt8(index & 0xff), UInt8(index >> 8)] {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        return [UInt8(hash >> 24), UInt8((hash >> 16) & 0xff), UInt8((hash >> 8) & 0xff), UInt8(hash & 0xff)]
    }

    struct Answer {
        var id: UInt16
        var isResponse: Bool
        var truncated: Bool
        var rcode: UInt8
        var name: String
        var addresses: [[UInt8]]
    }

    /// Parses the test server's answers: one question, then A records named by a pointer.
    static func parseAnswer(_ bytes: [UInt8]) -> Answer? {
        guard let question = parseQuestion(bytes) else { return nil }
        let count = Int(bytes[6]) << 8 | Int(bytes[7])
        var addresses: [[UInt8]] = []
        var offset = question.end
        for _ in 0..<count {
            guard offset + 16 <= bytes.count, bytes[offset] == 0xc0, bytes[offset + 11] == 4 else { return nil }
            addresses.append(Array(bytes[(offset + 12)..<(offset + 16)]))
            offset += 16
        }
        return Answer(id: question.id, isResponse: bytes[2] & 0x80 != 0, truncated: bytes[2] & 0x02 != 0,
                      rcode: bytes[3] & 0x0f, name: question.name, addresses: addresses)
    }
}

/// Sends `query` and waits for its completion; nil when none came within `limit` (a test failure).
func ask(_ channel: UpstreamChannel, _ query: [UInt8], limit: Duration = .seconds(30)) async -> Result<[UInt8], UpstreamError>? {
    await withCheckedContinuation { continuation in
        let once = Once()
        let resume: @Sendable (Result<[UInt8], UpstreamError>?) -> Void = { result in
            if once.claim() { continuation.resume(returning: result) }
        }
        channel.send(query) { resume($0) }
        let (seconds, attoseconds) = limit.components
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))) {
            resume(nil)
        }
    }
}

/// Reads the channel's queue-confined state.
func inspect<T>(_ channel: UpstreamChannel, _ body: (UpstreamChannel) -> T) -> T {
    channel.queue.sync { body(channel) }
}

/// Waits up to `limit` for `condition` to hold, checking every 10 ms.
func eventually(within limit: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + limit
    while clock.now < end {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// True for the first caller only.
final class Once: Sendable {
    private let done = Mutex(false)

    func claim() -> Bool {
        done.withLock { done in
            defer { done = true }
            return !done
        }
    }
}

/// A thread-safe list, for results delivered on the channel's queue.
final class Collected<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])

    func append(_ item: Element) { items.withLock { $0.append(item) } }
    var all: [Element] { items.withLock { $0 } }
}
