#if canImport(Glibc)
import Glibc
#endif

/// The reply bytes of one TCP connection that wait to be written: replies are appended framed
/// (2-byte length, then the message) at the back and written from the front. One block of
/// memory, grown when a reply does not fit and given back once a large backlog is written. A
/// class, so that appending through the connection's `let` needs no run-time exclusivity
/// check. Used on the connection's queue only.
final class TCPOutput {
    private static let initialCapacity = 4096
    /// Capacity kept once everything is written; more is given back.
    private static let keptCapacity = 1 << 14

    private var storage: UnsafeMutableRawPointer?
    private var capacity = 0
    private var start = 0
    private var end = 0

    init() {}

    deinit { storage?.deallocate() }

    /// Bytes waiting to be written.
    var count: Int { end - start }

    var isEmpty: Bool { start == end }

    /// The bytes waiting to be written; valid until the next mutation.
    var pending: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage.map { $0 + start }, count: end - start)
    }

    /// Appends `message` (at most 65535 bytes) with its length prefix.
    func appendFramed(_ message: UnsafeRawBufferPointer) {
        let needed = 2 + message.count
        if capacity - end < needed { makeRoom(for: needed) }
        let target = storage! + end
        target.storeBytes(of: UInt8(truncatingIfNeeded: message.count >> 8), as: UInt8.self)
        (target + 1).storeBytes(of: UInt8(truncatingIfNeeded: message.count), as: UInt8.self)
        if let source = message.baseAddress { (target + 2).copyMemory(from: source, byteCount: message.count) }
        end += needed
    }

    /// The first `written` pending bytes left for the peer.
    func consume(_ written: Int) {
        start += written
        guard start == end else { return }
        start = 0
        end = 0
        if capacity > Self.keptCapacity { removeAll() }
    }

    /// Drops what waits and gives the memory back.
    func removeAll() {
        storage?.deallocate()
        storage = nil
        (capacity, start, end) = (0, 0, 0)
    }

    /// Moves the pending bytes to the front when that leaves plenty of room, else moves them
    /// into a block twice as large (or as large as needed).
    private func makeRoom(for needed: Int) {
        let pendingCount = end - start
        if let storage, pendingCount + needed <= capacity / 2 {
            if pendingCount > 0 { memmove(storage, storage + start, pendingCount) }
        } else {
            let grown = max(Self.initialCapacity, capacity * 2, pendingCount + needed)
            let resized = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 8)
            if let storage {
                if pendingCount > 0 { resized.copyMemory(from: storage + start, byteCount: pendingCount) }
                storage.deallocate()
            }
            storage = resized
            capacity = grown
        }
        start = 0
        end = pendingCount
    }
}
