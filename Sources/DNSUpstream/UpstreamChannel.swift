internal import CCAres
import Dispatch
import Platform
#if canImport(Glibc)
import Glibc
#endif

/// One c-ares channel for one upstream set, owned by one serial queue. Every ares_* call and callback runs on it.
///
/// c-ares is driven by events, never polled: its sock-state callback opens and cancels one Dispatch
/// read (and, while it has TCP data to write, write) source per socket, readiness calls
/// `ares_process_fd`, and a single timer follows `ares_timeout` (read only when it fires) and the
/// queries' deadlines. UDP queries leave from sockets of their own (see `QuerySocket`).
///
/// `@unchecked Sendable`: every mutable property is touched only on `queue`, a private serial
/// queue; the public methods hop onto it.
public final class UpstreamChannel: @unchecked Sendable {
    public let configuration: UpstreamConfiguration

    /// The serial queue that owns the channel: all state below, every ares_* call, every callback.
    let queue: DispatchQueue
    private let queueKey = DispatchSpecificKey<UInt8>()
    /// Nil before init finished and after teardown; cleared before `ares_destroy`.
    var channel: ares_channel?
    /// c-ares keeps this pointer: freed in deinit, after `ares_destroy`.
    let socketFunctions: UnsafeMutablePointer<ares_socket_functions>
    /// Where query sockets read datagrams (the largest UDP payload), reused for every read.
    let receiveBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 8)
    private let timer: DispatchSourceTimer
    /// `configuration.deadline`, for Dispatch.
    private let queryDeadline: DispatchTimeInterval

    /// Sockets c-ares has open, by descriptor.
    var openSockets: [ares_socket_t: SocketWatch] = [:]
    /// Every socket whose descriptor is not closed yet (open, or closed by c-ares and waiting for its
    /// sources' cancel handlers), by token.
    var watches: [UInt64: SocketWatch] = [:]
    var nextSocketToken: UInt64 = 0
    var statistics = Statistics()

    /// Outstanding queries by upstream ID (unique among them), until c-ares calls their callback.
    var outstanding: [UInt16: QueryContext] = [:]
    /// The open query sockets of each outstanding query, by upstream ID.
    var querySockets: [UInt16: [QuerySocket]] = [:]
    var querySocketsByDescriptor: [Int32: QuerySocket] = [:]
    /// Watches the query sockets; its Dispatch source runs `queryPollReady` on the queue.
    let queryPoll = QueryPoll()
    private var queryPollSource: DispatchSourceRead?
    /// Totals for metrics.
    public let counters = UpstreamCounters()
    /// Outstanding queries in send order, which is deadline order (all get the same deadline).
    private var deadlineQueue: [QueryContext] = []
    private var deadlineHead = 0
    /// Completions collected while inside c-ares, run once the outermost ares_* call returned, so
    /// user code never runs inside c-ares.
    var pendingCompletions: [PendingCompletion] = []
    /// How many ares_* calls are on the stack (they nest: a callback may lead to another).
    private var aresDepth = 0
    private var shutdownRequested = false
    /// When the timer fires next; nil while it is disarmed.
    private var timerDeadline: DispatchTime?
    /// One try's timeout: no query c-ares sends times out sooner.
    private let tryTimeout: DispatchTimeInterval

    /// Counters for tests and diagnostics.
    struct Statistics {
        var socketsOpened = 0
        var socketsClosed = 0
        /// Descriptor numbers handed to c-ares, with how often each was handed out.
        var descriptorUses: [ares_socket_t: Int] = [:]
        /// UDP datagrams dropped because they were not the answer to an outstanding query: from
        /// another address or port, or with another ID, question or question case.
        var strayDatagrams = 0
        /// Sockets opened for one query each.
        var querySocketsOpened = 0
        /// Queries sent from c-ares's shared socket because no query socket could be opened.
        var sharedPortSends = 0
        /// Calls of `ares_timeout`, which walks every outstanding query.
        var timeoutScans = 0
    }

    /// The largest UDP answer c-ares takes as complete (`ARES_OPT_EDNSPSZ`): anything up to what a
    /// server may send for our 1232-byte EDNS buffer and more; c-ares reads at most 4097 bytes, so
    /// a larger datagram counts as truncated and goes to TCP.
    static let largestUDPAnswer: Int32 = 4096

    private static let libraryStatus: Int32 = ares_library_init(ARES_LIB_INIT_ALL)

    public init(configuration: UpstreamConfiguration) throws(UpstreamError) {
        guard !configuration.servers.isEmpty else {
            throw UpstreamError(code: .noServers, message: "no upstream server configured")
        }
        guard let timeoutMilliseconds = configuration.timeoutMilliseconds else {
            throw UpstreamError(code: .other, message: "upstream timeout \(configuration.timeout) is not between 1 ms and 24 days")
        }
        guard configuration.tries >= 1, configuration.tries <= 100 else {
            throw UpstreamError(code: .other, message: "upstream tries \(configuration.tries) is not between 1 and 100")
        }
        if let zeroPort = configuration.servers.first(where: { $0.port == 0 }) {
            throw UpstreamError(code: .other, message: "upstream \(zeroPort) has port 0")
        }
        let libraryStatus = Self.libraryStatus
        guard libraryStatus == ARES_SUCCESS else {
            throw UpstreamError(aresStatus: libraryStatus, context: "ares_library_init")
        }

        self.configuration = configuration
        queryDeadline = configuration.deadline.dispatchInterval
        tryTimeout = .milliseconds(Int(timeoutMilliseconds))
        queue = DispatchQueue(label: "vpcdns.upstream")
        timer = DispatchSource.makeTimerSource(queue: queue)
        socketFunctions = .allocate(capacity: 1)
        socketFunctions.initialize(to: Self.makeSocketFunctions())

        queue.setSpecific(key: queueKey, value: 1)
        timer.setEventHandler { [weak self] in self?.timerFired() }
        timer.schedule(deadline: .distantFuture)
        timer.activate()
        if queryPoll.descriptor >= 0 {
            let source = DispatchSource.makeReadSource(fileDescriptor: queryPoll.descriptor, queue: queue)
            source.setEventHandler { [weak self] in self?.queryPollReady() }
            source.setCancelHandler { [pollDescriptor = queryPoll.descriptor] in _ = close(pollDescriptor) }
            source.activate()
            queryPollSource = source
        }

        let owner = Unmanaged.passUnretained(self).toOpaque()
        var options = ares_options()
        // EDNS with EDNSPSZ: UDP answers up to `largestUDPAnswer` bytes are complete (without it,
        // 1.18 takes every answer over 512 bytes for truncated and asks again over TCP). What 1.18
        // does with the flag on SERVFAIL, FORMERR and NOTIMP answers (cut the query, turn EDNS off
        // for the channel) never happens: `steer` marks those answers before c-ares reads them.
        // No NOCHECKRESP: a REFUSED answer makes c-ares skip to the next server at once (`steer`
        // marks SERVFAIL from a server that is not the last as REFUSED, and the last one's answer
        // as NOERROR, restoring the original bytes in the completion).
        // No STAYOPEN: idle sockets close; no PRIMARY: the next server is tried on failure.
        options.flags = ARES_FLAG_EDNS | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES
        options.ednspsz = Self.largestUDPAnswer
        options.timeout = timeoutMilliseconds
        options.tries = Int32(configuration.tries)
        options.sock_state_cb = { data, socket, readable, writable in
            guard let data else { return }
            Unmanaged<UpstreamChannel>.fromOpaque(data).takeUnretainedValue()
                .socketStateChanged(socket, readable: readable != 0, writable: writable != 0)
        }
        options.sock_state_cb_data = owner
        // NOROTATE: `options rotate` in resolv.conf must not reorder the configured servers.
        let mask = ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB | ARES_OPT_NOROTATE
        var newChannel: ares_channel?
        let status = ares_init_options(&newChannel, &options, mask)
        guard status == ARES_SUCCESS, let newChannel else {
            throw UpstreamError(aresStatus: status, context: "ares_init_options")
        }
        ares_set_socket_functions(newChannel, socketFunctions, owner)
        let serversStatus = Self.setServers(configuration.servers, on: newChannel)
        guard serversStatus == ARES_SUCCESS else {
            ares_destroy(newChannel)
            throw UpstreamError(aresStatus: serversStatus, context: "ares_set_servers_ports")
        }
        channel = newChannel
    }

    deinit {
        // Sources' cancel handlers keep the channel alive, so no socket is open here unless
        // c-ares still has queries; teardown completes those with `.destroyed`.
        if isOnQueue {
            teardown()
        } else {
            queue.sync { teardown() }
        }
        timer.cancel()
        // Its cancel handler closes the epoll descriptor.
        queryPollSource?.cancel()
        socketFunctions.deinitialize(count: 1)
        socketFunctions.deallocate()
        receiveBuffer.deallocate()
    }

    /// Sends a DNS query (raw wire bytes; its ID is not used). `completion` runs exactly once, on
    /// the channel's queue and never inside `send`, with the raw answer as received, or an error:
    /// `.timeout` at the latest after `configuration.deadline` (`timeout × tries × servers`),
    /// `.destroyed` after `shutdown()`.
    ///
    /// The query goes upstream with a fresh random ID, unique among this channel's outstanding
    /// queries, the letters of its name in random case (unless `configuration.randomizesCase` is
    /// off: then the answer's name may have any case), over UDP from a socket of its own on a
    /// random port; only an answer matching all of these is taken. The answer keeps that random
    /// ID (callers match answers to queries by their completion, not by ID); its question section
    /// is put back as the query spelled it, undoing the case randomization, so that names the
    /// answer compresses against the question read as the caller asked them (as
    /// `randomizesCase` off would give). SERVFAIL or REFUSED makes the channel ask the next server at once; the
    /// last server's answer with any RCODE (REFUSED, SERVFAIL, ...) is returned as bytes, as is an
    /// earlier server's error answer when the later ones fail. UDP answers with TC set (or over
    /// 4096 bytes) are fetched again over TCP by c-ares.
    public func send(_ query: [UInt8], completion: @escaping @Sendable (Result<[UInt8], UpstreamError>) -> Void) {
        queue.async { self.start(query, completion: completion) }
    }

    /// Completes outstanding queries with `.destroyed`, destroys the c-ares channel and closes its
    /// sockets. Returns after those completions ran. Later `send`s complete with `.destroyed`.
    public func shutdown() {
        if isOnQueue {
            shutdownOnQueue()
        } else {
            queue.sync { shutdownOnQueue() }
        }
    }

    // MARK: - On the queue

    private var isOnQueue: Bool { DispatchQueue.getSpecific(key: queueKey) != nil }

    private func start(_ query: [UInt8], completion: @escaping @Sendable (Result<[UInt8], UpstreamError>) -> Void) {
        guard channel != nil else {
            completion(.failure(.destroyed))
            return
        }
        guard query.count >= 12, query.count <= 65535 else {
            completion(.failure(UpstreamError(code: .badQuery, message: "a DNS query has 12 to 65535 bytes, this one \(query.count)")))
            return
        }
        guard let upstreamID = allocateUpstreamID() else {
            completion(.failure(UpstreamError(code: .other, message: "65536 queries outstanding on one upstream channel")))
            return
        }
        counters.sent()
        var upstreamQuery = query
        upstreamQuery[0] = UInt8(truncatingIfNeeded: upstreamID >> 8)
        upstreamQuery[1] = UInt8(truncatingIfNeeded: upstreamID)
        let questionEnd = query.withUnsafeBytes { UpstreamWire.questionEnd($0) } ?? UpstreamWire.headerSize
        if configuration.randomizesCase {
            var generator = SystemRandomNumberGenerator()
            UpstreamWire.randomizeCase(&upstreamQuery, questionEnd: questionEnd, using: &generator)
        }
        let now = DispatchTime.now()
        let context = QueryContext(
            owner: self,
            upstreamID: upstreamID,
            askedQuestion: Array(query[UpstreamWire.headerSize..<questionEnd]),
            upstreamQuestion: Array(upstreamQuery[UpstreamWire.headerSize..<questionEnd]),
            started: now,
            deadline: now + queryDeadline,
            completion: completion
        )
        outstanding[upstreamID] = context
        deadlineQueue.append(context)
        // Retained once here, released in the callback, which c-ares calls exactly once.
        let argument = Unmanaged.passRetained(context).toOpaque()
        withAres { channel in
            upstreamQuery.withUnsafeBufferPointer { bytes in
                ares_send(channel, bytes.baseAddress, Int32(bytes.count), { argument, status, _, answer, length in
                    QueryContext.finished(argument, status: status, answer: answer, length: length)
                }, argument)
            }
        }
    }

    private func allocateUpstreamID() -> UInt16? {
        guard outstanding.count <= Int(UInt16.max) else { return nil }
        var generator = SystemRandomNumberGenerator()
        while true {
            let candidate = UInt16.random(in: .min ... .max, using: &generator)
            if outstanding[candidate] == nil { return candidate }
        }
    }

    /// Runs one ares_* call; when the outermost one returns, expires deadlines, runs the collected
    /// completions and re-arms the timer.
    func withAres(_ body: (ares_channel) -> Void) {
        guard let channel else { return }
        aresDepth += 1
        body(channel)
        aresDepth -= 1
        if aresDepth == 0 { afterEvent() }
    }

    private func afterEvent() {
        expireDeadlines(now: .now())
        runPendingCompletions()
        if shutdownRequested {
            teardown()
        } else {
            armTimerForNewQueries()
        }
    }

    /// After any event: whatever c-ares sent in it times out no sooner than one try's timeout from
    /// now, so the timer must fire by then. `ares_timeout` walks every outstanding query, so it
    /// runs only when the timer fires, not after every send and read.
    private func armTimerForNewQueries() {
        guard !outstanding.isEmpty else { return }
        let latest = DispatchTime.now() + tryTimeout
        if let timerDeadline, timerDeadline <= latest { return }
        schedule(latest)
    }

    private func timerFired() {
        timerDeadline = nil
        if channel == nil { return }
        // Both descriptors ARES_SOCKET_BAD: c-ares only processes its timeouts.
        withAres { ares_process_fd($0, ARES_SOCKET_BAD, ARES_SOCKET_BAD) }
        rearmTimer()
    }

    /// Sets the timer to c-ares's next timeout or the next query deadline, whichever is first.
    private func rearmTimer() {
        guard let channel else { return }
        var next: DispatchTime?
        var buffer = timeval()
        statistics.timeoutScans += 1
        if let remaining = ares_timeout(channel, nil, &buffer) {
            // Points into `buffer` (or c-ares's own storage): read it at once.
            let value = remaining.pointee
            // At least 5 ms apart: under load timeouts come in a steady trickle, and each firing
            // walks every outstanding query.
            let microseconds = max(5_000, Int(value.tv_sec) * 1_000_000 + Int(value.tv_usec))
            next = .now() + .microseconds(microseconds)
        }
        if let earliest = firstOutstandingDeadline() {
            next = next.map { min($0, earliest) } ?? earliest
        }
        if let next {
            schedule(next)
        } else {
            timerDeadline = nil
            timer.schedule(deadline: .distantFuture)
        }
    }

    private func schedule(_ deadline: DispatchTime) {
        timerDeadline = deadline
        timer.schedule(deadline: deadline, leeway: .milliseconds(2))
    }

    /// Drops finished queries from the front of the deadline queue; returns the first live deadline.
    private func firstOutstandingDeadline() -> DispatchTime? {
        while deadlineHead < deadlineQueue.count, deadlineQueue[deadlineHead].isFinished {
            deadlineHead += 1
        }
        compactDeadlineQueue()
        return deadlineHead < deadlineQueue.count ? deadlineQueue[deadlineHead].deadline : nil
    }

    /// Completes queries past their deadline with `.timeout`. c-ares still owns them until it gives
    /// up itself (1.18 cannot cancel one query); its late callback only releases the context.
    private func expireDeadlines(now: DispatchTime) {
        while deadlineHead < deadlineQueue.count {
            let context = deadlineQueue[deadlineHead]
            if !context.isFinished {
                guard context.deadline <= now else { break }
                context.isFinished = true
                let error = UpstreamError(code: .timeout, message: "no answer from \(serverList) within \(configuration.deadline)")
                complete(context, with: .failure(error), now: now)
            }
            deadlineHead += 1
        }
        compactDeadlineQueue()
    }

    private func compactDeadlineQueue() {
        if deadlineHead == deadlineQueue.count {
            deadlineQueue.removeAll(keepingCapacity: deadlineQueue.count <= 4096)
            deadlineHead = 0
        } else if deadlineHead >= 1024, deadlineHead * 2 >= deadlineQueue.count {
            deadlineQueue.removeFirst(deadlineHead)
            deadlineHead = 0
        }
    }

    private var serverList: String {
        configuration.servers.map(\.description).joined(separator: ", ")
    }

    private func runPendingCompletions() {
        // A completion may shut the channel down, which collects and runs more completions.
        while !pendingCompletions.isEmpty {
            let batch = pendingCompletions
            pendingCompletions.removeAll(keepingCapacity: true)
            for pending in batch { pending.completion(pending.result) }
        }
    }

    private func shutdownOnQueue() {
        if aresDepth > 0 {
            shutdownRequested = true
        } else {
            teardown()
        }
    }

    private func teardown() {
        shutdownRequested = false
        guard let channel else { return }
        // Cleared first: callbacks inside ares_destroy must not reach this channel again.
        self.channel = nil
        aresDepth += 1
        // Calls every outstanding query's callback with ARES_EDESTRUCTION and closes the sockets.
        ares_destroy(channel)
        aresDepth -= 1
        deadlineQueue.removeAll()
        deadlineHead = 0
        timerDeadline = nil
        timer.schedule(deadline: .distantFuture)
        runPendingCompletions()
    }
}

/// A completion and its result, waiting for the outermost ares_* call to return.
struct PendingCompletion {
    var completion: @Sendable (Result<[UInt8], UpstreamError>) -> Void
    var result: Result<[UInt8], UpstreamError>
}

/// One query between `ares_send` and its callback. Travels through c-ares as the callback's `void *`.
final class QueryContext {
    /// Callbacks run only inside ares_* calls the owner makes, so it is alive whenever one runs.
    unowned(unsafe) let owner: UpstreamChannel
    let upstreamID: UInt16
    /// The question section as the caller sent it, restored in the answer.
    let askedQuestion: [UInt8]
    /// The question section as sent upstream (name in random case when the channel randomizes
    /// case), which the answer must echo.
    let upstreamQuestion: [UInt8]
    let started: DispatchTime
    let deadline: DispatchTime
    let completion: @Sendable (Result<[UInt8], UpstreamError>) -> Void
    /// Set once the completion is queued: by c-ares's callback or by the deadline.
    var isFinished = false
    /// The last error answer (SERVFAIL, REFUSED, FORMERR, NOTIMP) as the server sent it, before
    /// `steer` marked it for c-ares.
    var heldAnswer: [UInt8]?

    init(owner: UpstreamChannel, upstreamID: UInt16, askedQuestion: [UInt8], upstreamQuestion: [UInt8],
         started: DispatchTime, deadline: DispatchTime, completion: @escaping @Sendable (Result<[UInt8], UpstreamError>) -> Void) {
        self.owner = owner
        self.upstreamID = upstreamID
        self.askedQuestion = askedQuestion
        self.upstreamQuestion = upstreamQuestion
        self.started = started
        self.deadline = deadline
        self.completion = completion
    }

    /// The `ares_send` callback: balances the retain of `start`, copies the answer (valid only now),
    /// puts back what `steer` marked, and restores the question as it was asked.
    static func finished(_ argument: UnsafeMutableRawPointer?, status: Int32, answer: UnsafeMutablePointer<UInt8>?, length: Int32) {
        guard let argument else { return }
        let context = Unmanaged<QueryContext>.fromOpaque(argument).takeRetainedValue()
        let owner = context.owner
        owner.outstanding[context.upstreamID] = nil
        owner.closeQuerySockets(of: context.upstreamID)
        guard !context.isFinished else { return }
        var bytes: [UInt8]?
        if status == ARES_SUCCESS, let answer, length >= 12 {
            let received = UnsafeBufferPointer(start: answer, count: Int(length))
            if let held = context.heldAnswer, held.count == received.count,
               held.indices.allSatisfy({ $0 == 3 || held[$0] == received[$0] }) {
                bytes = held
            } else {
                bytes = Array(received)
            }
        } else if status != ARES_SUCCESS, status != ARES_EDESTRUCTION, let held = context.heldAnswer {
            // Every server failed; the last error answer is relayed rather than a failure.
            bytes = held
        }
        let result: Result<[UInt8], UpstreamError>
        if var bytes {
            let questionEnd = UpstreamWire.headerSize + context.askedQuestion.count
            if bytes.count >= questionEnd, bytes[4] == 0, bytes[5] == 1 {
                bytes.replaceSubrange(UpstreamWire.headerSize..<questionEnd, with: context.askedQuestion)
            }
            result = .success(bytes)
        } else if status == ARES_SUCCESS {
            result = .failure(UpstreamError(code: .malformedAnswer, message: "answer of \(length) bytes is shorter than a DNS header"))
        } else {
            result = .failure(UpstreamError(aresStatus: status))
        }
        owner.complete(context, with: result, now: .now())
    }
}

extension UpstreamChannel {
    /// Queues the query's completion (run once the outermost ares_* call returned) and counts it.
    func complete(_ context: QueryContext, with result: Result<[UInt8], UpstreamError>, now: DispatchTime) {
        context.isFinished = true
        let microseconds = Int((now.uptimeNanoseconds &- context.started.uptimeNanoseconds) / 1000)
        counters.completed(result, microseconds: microseconds)
        pendingCompletions.append(PendingCompletion(completion: context.completion, result: result))
    }
}
