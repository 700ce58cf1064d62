#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import IPAddress

/// One accepted TCP connection: reads 2-byte length-framed requests, hands each to the handler,
/// and writes the framed replies in the order they are sent. Runs on the registry's queue, which
/// all TCP connections share; every event does a bounded amount of work (one `recv`, at most the
/// requests one receive buffer holds handed on, their inline replies written with one `send`),
/// and nothing blocks.
///
/// Lifecycle: it stops reading at the peer's EOF (half-close), at `beginDrain`, or while too many
/// requests are unanswered (per connection or per client) or too many reply bytes wait; it closes
/// when it stops reading and nothing is in flight or unwritten, when idle for the idle timeout
/// (shorter under pressure, see `TCPIdlePolicy`), when the registry needs its slot for a new
/// connection, or on a socket error (unwritten replies are then dropped). The fd is closed once
/// both of its sources are cancelled.
final class TCPConnection: @unchecked Sendable {
    // @unchecked: every mutable property (and `client`) is touched only on `queue`.
    enum CloseReason { case idle, pressure, other }

    let queue: DispatchQueue
    private let fd: Int32
    private let origin: QueryOrigin
    private let handler: any RequestHandler
    private let registry: ConnectionRegistry
    private let client: TCPClient
    private let maxInFlight: Int
    private let maxClientInFlight: Int
    private let outputLimit: Int

    /// The receive buffer is allocated at the first read with room for typical requests and
    /// grown to the largest frame (2 length bytes and 65535 message bytes) only when one needs it.
    private static let initialCapacity = 4096
    private static let maximumCapacity = 2 + 65535
    private var buffer: UnsafeMutableRawPointer?
    private var capacity = 0
    private var filled = 0

    private var readSource: DispatchSourceRead?
    private var readPaused = false
    private var writeSource: DispatchSourceWrite?
    private var writeSuspended = true
    private var timer: DispatchSourceTimer?
    private var openSources = 0

    private let outbound = TCPOutput()
    /// The token of the last request answered and finished inside `handle`, reused for the next
    /// one; dropped at teardown (it refers back to the connection).
    private var spareRequest: TCPRequest?
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

    init(fd: Int32, origin: QueryOrigin, handler: any RequestHandler, registry: ConnectionRegistry, client: TCPClient) {
        self.fd = fd
        self.origin = origin
        self.handler = handler
        self.registry = registry
        self.client = client
        queue = registry.queue
        maxInFlight = registry.options.maxTCPQueriesInFlightPerConnection
        maxClientInFlight = registry.options.maxTCPQueriesInFlightPerClient
        outputLimit = registry.options.tcpOutputLimit
    }

    deinit {
        buffer?.deallocate()
    }

    /// Starts reading; on the queue.
    func start(draining: Bool) {
        let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        read.setEventHandler { [self] in readable() }
        read.setCancelHandler { [self] in sourceCancelled() }
        let write = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        write.setEventHandler { [self] in flush() }
        write.setCancelHandler { [self] in sourceCancelled() }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [self] in idleCheck() }
        timer.schedule(deadline: .now() + registry.idleTimeout)
        (readSource, writeSource, self.timer, openSources) = (read, write, timer, 2)
        read.resume()
        timer.resume()
        if draining { beginDrainOnQueue() }
    }

    /// Reads no more requests; closes once the replies in flight are written.
    func beginDrain() {
        queue.async { [self] in beginDrainOnQueue() }
    }

    /// Closes now, dropping what is unwritten.
    func forceClose() {
        queue.async { [self] in teardown(.other) }
    }

    /// When this connection began waiting without work, for choosing whom to close when the
    /// table is full: since its last request or reply when idle, since the peer last took reply
    /// bytes when they pile up; nil while it waits for answers or is closing. On the queue.
    var idleSince: DispatchTime? {
        guard !closing else { return nil }
        if !outbound.isEmpty { return lastWriteProgress }
        return inFlight == 0 ? lastActivity : nil
    }

    /// Closes now to make room for a new connection; on the queue.
    func closeForPressure() { teardown(.pressure) }

    /// Re-arms the idle timer with the registry's current timeout; on the queue.
    func rescheduleIdleCheck() {
        guard !closing, let timer else { return }
        timer.schedule(deadline: .now())
    }

    // MARK: reading

    private func readable() {
        guard !closing else { return }
        if buffer == nil {
            buffer = .allocate(byteCount: Self.initialCapacity, alignment: 8)
            capacity = Self.initialCapacity
        }
        guard let buffer, filled < capacity else { return }
        let count = recv(fd, buffer + filled, capacity - filled, 0)
        if count > 0 {
            filled += count
            dispatchRequests()
        } else if count == 0 {
            peerFinished = true
            stopReading()
            finishIfDone()
        } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
            teardown(.other)
        }
    }

    /// Hands every complete buffered frame to the handler, up to the in-flight caps, writes the
    /// replies sent meanwhile in one go, and makes room for the next frame.
    ///
    /// A reply the handler sends before it returns is queued at once (see `TCPRequest`); a
    /// request whose channel the handler did not keep stops counting as in flight as soon as
    /// `handle` returns. Neither needs a trip back to the queue, so a pipelined segment of
    /// local answers is answered within this one event.
    private func dispatchRequests() {
        guard let buffer else { return updateReadPause() }
        var start = 0
        while filled - start >= 2 {
            if outbound.count > outputLimit {
                writeQueued()
                if closing { return }
            }
            guard !closing && !draining && !mustPauseReading else { break }
            let length = Int(buffer.load(fromByteOffset: start, as: UInt8.self)) << 8
                | Int(buffer.load(fromByteOffset: start + 1, as: UInt8.self))
            guard filled - start - 2 >= length else { break }
            inFlight += 1
            client.inFlight += 1
            var request = spareRequest.take() ?? TCPRequest(connection: self)
            request.handOn()
            handler.handle(UnsafeRawBufferPointer(start: buffer + start + 2, count: length), origin: origin,
                           reply: ReplyChannel(.tcp(request)))
            request.handlerReturned()
            if isKnownUniquelyReferenced(&request) {
                // Nobody kept the channel: the request is done. The client's count reached its
                // cap only within this call, so no other connection paused for it.
                request.finishedByConnection()
                inFlight -= 1
                client.inFlight -= 1
                spareRequest = request
            }
            start += 2 + length
        }
        if start > 0 {
            lastActivity = .now()
            if filled > start { memmove(buffer, buffer + start, filled - start) }
            filled -= start
        }
        resizeBuffer()
        writeQueued()
        guard !closing else { return }
        updateReadPause()
        finishIfDone()
    }

    /// Grows the buffer when the frame it holds the start of does not fit; gives back a large
    /// buffer once it is empty.
    private func resizeBuffer() {
        guard let old = buffer else { return }
        var wanted = capacity
        if filled >= 2 {
            let length = Int(old.load(as: UInt8.self)) << 8 | Int(old.load(fromByteOffset: 1, as: UInt8.self))
            wanted = max(capacity, 2 + length)
        } else if filled == 0 && capacity > Self.initialCapacity {
            wanted = Self.initialCapacity
        }
        guard wanted != capacity else { return }
        let resized = UnsafeMutableRawPointer.allocate(byteCount: min(wanted, Self.maximumCapacity), alignment: 8)
        if filled > 0 { resized.copyMemory(from: old, byteCount: filled) }
        old.deallocate()
        buffer = resized
        capacity = min(wanted, Self.maximumCapacity)
    }

    /// Too many requests unanswered (on this connection or by this client), or too many reply
    /// bytes the peer has not taken yet.
    private var mustPauseReading: Bool {
        inFlight >= maxInFlight || client.inFlight >= maxClientInFlight || outbound.count > outputLimit
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

    /// Reads again if nothing holds it back; for a connection of a client whose in-flight
    /// count just fell below its cap. On the queue.
    func resumeIfAllowed() {
        if !closing && !draining { dispatchRequests() }
    }

    // MARK: replies

    /// A request's reply or its end takes a trip to the queue; on any thread.
    func tookQueueTrip() { registry.countQueueTrip() }

    /// Called (on the queue) by a request's token when its last copy is gone.
    func requestFinished() {
        inFlight -= 1
        let clientWasAtCap = client.inFlight == maxClientInFlight
        client.inFlight -= 1
        if inFlight == 0 { lastActivity = .now() }
        if !closing && !draining { dispatchRequests() }
        if clientWasAtCap {
            for other in client.connections where other !== self { other.resumeIfAllowed() }
        }
        finishIfDone()
    }

    /// Appends one reply, framed, to what waits to be written; on the queue. `writeQueued`
    /// writes it. Nothing is queued once the connection is closing.
    func queueReply(_ bytes: UnsafeRawBufferPointer) {
        guard !closing else { return }
        outbound.appendFramed(bytes)
    }

    /// Queues and writes a reply sent after its request's handler returned or from another
    /// thread; on the queue.
    func sendLate(_ bytes: UnsafeRawBufferPointer) {
        queueReply(bytes)
        writeQueued()
        if !closing { updateReadPause() }
    }

    /// Writes what is queued as far as the socket takes it, unless the write source already
    /// waits for room (it then writes on its own); on the queue.
    private func writeQueued() {
        guard !closing, writeSuspended, !outbound.isEmpty else { return }
        guard let sent = write(outbound.pending) else { return teardown(.other) }
        outbound.consume(sent)
        if outbound.isEmpty { return }
        lastWriteProgress = .now()
        if let writeSource {
            writeSource.resume()
            writeSuspended = false
        }
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
        guard let sent = write(outbound.pending) else { return teardown(.other) }
        if sent > 0 { lastWriteProgress = .now() }
        outbound.consume(sent)
        guard outbound.isEmpty else {
            if !draining { dispatchRequests() }
            return
        }
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
        if (peerFinished || draining) && inFlight == 0 && outbound.isEmpty { teardown(.other) }
    }

    private func idleCheck() {
        guard !closing, let timer else { return }
        let timeout = registry.idleTimeout
        let deadline: DispatchTime
        if !outbound.isEmpty {
            deadline = lastWriteProgress + timeout  // the peer stopped reading
        } else if inFlight > 0 {
            deadline = .now() + timeout
        } else {
            deadline = lastActivity + timeout
        }
        if DispatchTime.now() >= deadline {
            teardown(.idle)
        } else {
            timer.schedule(deadline: deadline)
        }
    }

    private func teardown(_ reason: CloseReason) {
        guard !closing else { return }
        closing = true
        registry.detach(self, client: client, reason: reason)
        stopReading()
        if let writeSource {
            writeSource.cancel()
            if writeSuspended { writeSource.resume() }
            self.writeSource = nil
        }
        timer?.cancel()
        timer = nil
        outbound.removeAll()
        spareRequest = nil
        buffer?.deallocate()
        buffer = nil
        capacity = 0
        filled = 0
    }

    private func sourceCancelled() {
        openSources -= 1
        if openSources == 0 {
            _ = Glibc.close(fd)
            registry.remove(self)
        }
    }
}

/// The token behind one TCP request's `ReplyChannel`, and its place in the connection's
/// in-flight count.
///
/// A reply sent on the thread that is running the handler, before the handler returns, is on
/// the connection's queue already: it is queued directly and written with the other replies
/// of the same read. Any other send (from another thread, or after the handler returned) copies
/// the reply and takes one trip to the queue. Likewise the request stops counting as in flight
/// right after `handle` when the handler kept no copy of the channel, and otherwise with one
/// trip to the queue when the last copy is gone. Each trip counts in `TCPStatistics.queueTrips`.
/// A token that finished inside `handle` is nobody else's and serves the connection's next
/// request.
final class TCPRequest: @unchecked Sendable {
    // @unchecked: `answered` is touched only on `connection.queue`; `handling` and `finished`
    // only by `handlingThread` while it runs the queue (`send` compares threads before it reads
    // `handling`), and `finished` also by `deinit`, after the last reference is gone.
    // `handOn` rewrites them all, on the queue, only while the connection holds the sole reference.
    private let connection: TCPConnection
    /// The thread running the connection's queue when the request was handed to the handler.
    private var handlingThread = pthread_self()
    private var handling = false
    private var answered = false
    private var finished = false

    init(connection: TCPConnection) { self.connection = connection }

    /// The request is about to be handed to the handler; on the queue.
    func handOn() {
        handlingThread = pthread_self()
        (handling, answered, finished) = (true, false, false)
    }

    /// The handler returned; later sends take the trip to the queue. By `handlingThread`.
    func handlerReturned() { handling = false }

    /// The connection stopped counting the request as in flight itself. By `handlingThread`.
    func finishedByConnection() { finished = true }

    func send(_ bytes: UnsafeRawBufferPointer) {
        if pthread_equal(pthread_self(), handlingThread) != 0 && handling {
            guard !answered else { return }
            answered = true
            connection.queueReply(bytes)
            return
        }
        let copy = [UInt8](bytes)
        connection.tookQueueTrip()
        connection.queue.async { [self] in
            guard !answered else { return }
            answered = true
            copy.withUnsafeBytes { connection.sendLate($0) }
        }
    }

    deinit {
        guard !finished else { return }
        let connection = connection
        connection.tookQueueTrip()
        connection.queue.async { connection.requestFinished() }
    }
}

extension Duration {
    var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanoseconds.overflow else { return .never }
        return .nanoseconds(Int(clamping: nanoseconds.partialValue + attoseconds / 1_000_000_000))
    }
}
