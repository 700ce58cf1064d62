#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import IPAddress

/// One accepted TCP connection: reads 2-byte length-framed requests, hands each to the handler
/// on its serial queue, and writes the framed replies in the order they are sent.
///
/// Lifecycle: it stops reading at the peer's EOF (half-close), at `beginDrain`, or while
/// `maxTCPQueriesInFlightPerConnection` requests are unanswered; it closes when it stops
/// reading and nothing is in flight or unwritten, when idle for `tcpIdleTimeout`, or on a
/// socket error (unwritten replies are then dropped). The fd is closed once both of its
/// sources are cancelled.
final class TCPConnection: @unchecked Sendable {
    // @unchecked: every mutable property is touched only on `queue`.
    let queue: DispatchQueue
    private let fd: Int32
    private let origin: QueryOrigin
    private let handler: any RequestHandler
    private let registry: ConnectionRegistry
    private let maxInFlight: Int
    private let outputLimit: Int
    private let idleTimeout: DispatchTimeInterval

    /// Room for the largest frame: 2 length bytes and 65535 message bytes.
    private static let capacity = 2 + 65535
    private var buffer: UnsafeMutableRawPointer?
    private var filled = 0

    private var readSource: DispatchSourceRead?
    private var readPaused = false
    private var writeSource: DispatchSourceWrite?
    private var writeSuspended = true
    private var timer: DispatchSourceTimer?
    private var openSources = 0

    private var outbound: [UInt8] = []
    private var outboundOffset = 0
    private var inFlight = 0
    private var lastActivity = DispatchTime.now()
    /// When bytes last left for the peer (or, before any did, when the oldest unwritten reply
    /// was queued): a peer that stops reading is closed after the idle timeout.
    private var lastWriteProgress = DispatchTime.now()
    /// The peer sent EOF: no more requests will come.
    private var peerFinished = false
    /// `Listeners.stop` asked to finish: read no more requests.
    private var draining = false
    private var closing = false

    init(fd: Int32, origin: QueryOrigin, handler: any RequestHandler, options: TransportOptions,
         registry: ConnectionRegistry, queue: DispatchQueue) {
        self.fd = fd
        self.origin = origin
        self.handler = handler
        self.registry = registry
        self.queue = queue
        maxInFlight = options.maxTCPQueriesInFlightPerConnection
        outputLimit = options.tcpOutputLimit
        idleTimeout = options.tcpIdleTimeout.dispatchInterval
    }

    deinit {
        buffer?.deallocate()
    }

    func start(draining: Bool) {
        queue.async { [self] in
            buffer = .allocate(byteCount: Self.capacity, alignment: 8)
            let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            read.setEventHandler { [self] in readable() }
            read.setCancelHandler { [self] in sourceCancelled() }
            let write = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
            write.setEventHandler { [self] in flush() }
            write.setCancelHandler { [self] in sourceCancelled() }
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.setEventHandler { [self] in idleCheck() }
            timer.schedule(deadline: .now() + idleTimeout)
            (readSource, writeSource, self.timer, openSources) = (read, write, timer, 2)
            read.resume()
            timer.resume()
            if draining { beginDrainOnQueue() }
        }
    }

    /// Reads no more requests; closes once the replies in flight are written.
    func beginDrain() {
        queue.async { [self] in beginDrainOnQueue() }
    }

    /// Closes now, dropping what is unwritten.
    func forceClose() {
        queue.async { [self] in teardown() }
    }

    // MARK: reading

    private func readable() {
        guard !closing, let buffer else { return }
        let count = recv(fd, buffer + filled, Self.capacity - filled, 0)
        if count > 0 {
            filled += count
            dispatchRequests()
        } else if count == 0 {
            peerFinished = true
            stopReading()
            finishIfDone()
        } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
            teardown()
        }
    }

    /// Hands every complete buffered frame to the handler, up to the in-flight cap.
    private func dispatchRequests() {
        guard let buffer else { return }
        var start = 0
        while !closing && !draining && !mustPauseReading && filled - start >= 2 {
            let length = Int(buffer.load(fromByteOffset: start, as: UInt8.self)) << 8
                | Int(buffer.load(fromByteOffset: start + 1, as: UInt8.self))
            guard filled - start - 2 >= length else { break }
            inFlight += 1
            lastActivity = .now()
            let reply = ReplyChannel(.tcp(TCPRequest(connection: self)))
            handler.handle(UnsafeRawBufferPointer(start: buffer + start + 2, count: length), origin: origin, reply: reply)
            start += 2 + length
        }
        if start > 0 {
            if filled > start { memmove(buffer, buffer + start, filled - start) }
            filled -= start
        }
        updateReadPause()
    }

    /// Too many requests unanswered, or too many reply bytes the peer has not taken yet.
    private var mustPauseReading: Bool {
        inFlight >= maxInFlight || outbound.count - outboundOffset > outputLimit
    }

    private func updateReadPause() {
        guard let readSource else { return }
        let pause = mustPauseReading
        if pause && !readPaused {
            readSource.suspend()
            readPaused = true
        } else if !pause && readPaused {
            readSource.resume()
            readPaused = false
        }
    }

    private func stopReading() {
        guard let readSource else { return }
        readSource.cancel()
        if readPaused { readSource.resume() }
        readPaused = false
        self.readSource = nil
    }

    // MARK: replies

    /// Called (on the queue) by a request's token when its last copy is gone.
    func requestFinished() {
        inFlight -= 1
        if inFlight == 0 { lastActivity = .now() }
        if !closing && !draining { dispatchRequests() }
        finishIfDone()
    }

    /// Queues one framed reply (on the queue) and writes as much as the socket takes.
    func enqueue(_ framed: [UInt8]) {
        guard !closing else { return }
        if outbound.isEmpty {
            let sent = framed.withUnsafeBytes { write($0) }
            guard let sent else { return teardown() }
            if sent == framed.count { return }
            lastWriteProgress = .now()
            outbound.append(contentsOf: framed[sent...])
        } else {
            outbound.append(contentsOf: framed)
        }
        if writeSuspended, let writeSource {
            writeSource.resume()
            writeSuspended = false
        }
        updateReadPause()
    }

    /// Sends what it can; nil on a fatal socket error.
    private func write(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var sent = 0
        while sent < bytes.count {
            let count = Glibc.send(fd, bytes.baseAddress! + sent, bytes.count - sent, SocketCalls.noSignal)
            if count > 0 {
                sent += count
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                break
            } else {
                return nil
            }
        }
        return sent
    }

    /// The write source fired: the socket has room again.
    private func flush() {
        guard !closing else { return }
        let sent = outbound.withUnsafeBytes { write(UnsafeRawBufferPointer(rebasing: $0[outboundOffset...])) }
        guard let sent else { return teardown() }
        if sent > 0 { lastWriteProgress = .now() }
        outboundOffset += sent
        guard outboundOffset == outbound.count else {
            if outboundOffset >= 65536 {
                outbound.removeFirst(outboundOffset)
                outboundOffset = 0
            }
            if !draining { dispatchRequests() }
            return
        }
        outbound.removeAll(keepingCapacity: outbound.capacity <= 1 << 17)
        outboundOffset = 0
        if !writeSuspended, let writeSource {
            writeSource.suspend()
            writeSuspended = true
        }
        lastActivity = .now()
        if !draining { dispatchRequests() }
        finishIfDone()
    }

    // MARK: closing

    private func beginDrainOnQueue() {
        guard !closing else { return }
        draining = true
        stopReading()
        finishIfDone()
    }

    private func finishIfDone() {
        if (peerFinished || draining) && inFlight == 0 && outbound.isEmpty { teardown() }
    }

    private func idleCheck() {
        guard !closing, let timer else { return }
        if !outbound.isEmpty {
            let stalled = lastWriteProgress + idleTimeout
            if DispatchTime.now() >= stalled {
                teardown()  // the peer stopped reading
            } else {
                timer.schedule(deadline: stalled)
            }
            return
        }
        if inFlight > 0 {
            timer.schedule(deadline: .now() + idleTimeout)
            return
        }
        let deadline = lastActivity + idleTimeout
        if DispatchTime.now() >= deadline {
            teardown()
        } else {
            timer.schedule(deadline: deadline)
        }
    }

    private func teardown() {
        guard !closing else { return }
        closing = true
        stopReading()
        if let writeSource {
            writeSource.cancel()
            if writeSuspended { writeSource.resume() }
            self.writeSource = nil
        }
        timer?.cancel()
        timer = nil
        outbound = []
        outboundOffset = 0
    }

    private func sourceCancelled() {
        openSources -= 1
        if openSources == 0 {
            _ = Glibc.close(fd)
            registry.remove(self)
        }
    }
}

/// The token behind one TCP request's `ReplyChannel`. Sending copies the framed reply to the
/// connection's queue; when the last copy of the channel is gone the request stops counting as
/// in flight.
final class TCPRequest: @unchecked Sendable {
    // @unchecked: `answered` is touched only on `connection.queue`.
    private let connection: TCPConnection
    private var answered = false

    init(connection: TCPConnection) { self.connection = connection }

    func send(_ bytes: UnsafeRawBufferPointer) {
        let framed = [UInt8](unsafeUninitializedCapacity: bytes.count + 2) { storage, count in
            storage[0] = UInt8(truncatingIfNeeded: bytes.count >> 8)
            storage[1] = UInt8(truncatingIfNeeded: bytes.count)
            if !bytes.isEmpty {
                UnsafeMutableRawBufferPointer(start: storage.baseAddress! + 2, count: bytes.count).copyMemory(from: bytes)
            }
            count = bytes.count + 2
        }
        connection.queue.async { [self] in
            guard !answered else { return }
            answered = true
            connection.enqueue(framed)
        }
    }

    deinit {
        let connection = connection
        connection.queue.async { connection.requestFinished() }
    }
}

/// Every open TCP connection of one `Listeners`, for the connection cap and for `stop`.
final class ConnectionRegistry: @unchecked Sendable {
    // @unchecked: all state is guarded by `lock`.
    private let lock = Lock()
    private var connections: [ObjectIdentifier: TCPConnection] = [:]
    private var reserved = 0
    private var draining = false
    private let limit: Int
    /// Entered per admitted connection, left when its fd is closed.
    let group = DispatchGroup()

    init(limit: Int) { self.limit = limit }

    /// Takes a slot for a new connection; false when at the cap or stopping.
    func reserve() -> Bool {
        lock.withLock {
            guard !draining, reserved < limit else { return false }
            reserved += 1
            group.enter()
            return true
        }
    }

    /// Records a connection in a reserved slot; returns whether it must drain at once.
    func insert(_ connection: TCPConnection) -> Bool {
        lock.withLock {
            connections[ObjectIdentifier(connection)] = connection
            return draining
        }
    }

    func remove(_ connection: TCPConnection) {
        lock.withLock {
            guard connections.removeValue(forKey: ObjectIdentifier(connection)) != nil else { return }
            reserved -= 1
            group.leave()
        }
    }

    /// Admits no more connections and returns those open.
    func beginDrain() -> [TCPConnection] {
        lock.withLock {
            draining = true
            return Array(connections.values)
        }
    }

    var open: [TCPConnection] { lock.withLock { Array(connections.values) } }
}

extension Duration {
    var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanoseconds.overflow else { return .never }
        return .nanoseconds(Int(clamping: nanoseconds.partialValue + attoseconds / 1_000_000_000))
    }
}
