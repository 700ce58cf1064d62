import Dispatch
import Foundation
import IPAddress
import Testing
@testable import Transport

#if canImport(Glibc)
import Glibc
#endif

@Suite struct TCPTests {
    /// The length prefix and the message arrive one byte per segment; then two frames arrive
    /// in one segment.
    @Test func framingAcrossWritesAndWithinOne() throws {
        let handler = EchoHandler()
        let listeners = try makeListeners(handler: handler)
        defer { listeners.stop() }
        let server = listeners.address(.tcp)
        #expect(server == listeners.address(.udp))
        let client = try #require(Client.tcp(to: server))
        defer { close(client) }
        let query: [UInt8] = Array(0..<40)
        for byte in Client.frame(query) {
            Client.writeAll(client, [byte])
        }
        #expect(Client.readFrame(client) == EchoHandler.response(to: query, local: server.ip, transport: .tcp))
        Client.writeAll(client, Client.frame([1]) + Client.frame([2, 3]))
        #expect(Client.readFrame(client) == EchoHandler.response(to: [1], local: server.ip, transport: .tcp))
        #expect(Client.readFrame(client) == EchoHandler.response(to: [2, 3], local: server.ip, transport: .tcp))
        let origin = try #require(handler.log.all.first)
        #expect(origin.transport == .tcp && origin.local == server && origin.client.ip == server.ip)
    }

    /// Pipelined queries whose answers complete in reverse order: all arrive, the quickest first
    /// (a slow answer does not hold back the others).
    @Test func pipelinedQueriesAnsweredOutOfOrder() throws {
        let listeners = try makeListeners(handler: EchoHandler(.delayByFirstByte))
        defer { listeners.stop() }
        let server = listeners.address(.tcp)
        let client = try #require(Client.tcp(to: server))
        defer { close(client) }
        let queries: [[UInt8]] = [[60, 1], [40, 2], [20, 3], [0, 4]]  // delays: 600, 400, 200, 0 ms
        Client.writeAll(client, queries.flatMap(Client.frame))
        var answers: [[UInt8]] = []
        while answers.count < queries.count, let answer = Client.readFrame(client) { answers.append(answer) }
        let expected = queries.map { EchoHandler.response(to: $0, local: server.ip, transport: .tcp) }
        #expect(Set(answers) == Set(expected))
        #expect(answers.first == expected.last)
    }

    /// Answers sent inside `handle` are queued on the spot and their requests stop counting as
    /// in flight when `handle` returns: with one request allowed in flight, a pipelined segment
    /// is still answered in order without a single trip back to the queue.
    @Test func inlineAnswersTakeNoQueueTrips() throws {
        let listeners = try makeListeners(options: TransportOptions(maxTCPQueriesInFlightPerConnection: 1))
        defer { listeners.stop() }
        let server = listeners.address(.tcp)
        let client = try #require(Client.tcp(to: server))
        defer { close(client) }
        let queries = (0..<40).map { [UInt8($0), 7] }
        Client.writeAll(client, queries.flatMap(Client.frame))
        for query in queries {
            #expect(Client.readFrame(client) == EchoHandler.response(to: query, local: server.ip, transport: .tcp))
        }
        #expect(listeners.tcpStatistics.queueTrips == 0)
    }

    /// One segment of requests answered three ways: inside `handle`, from another thread while
    /// `handle` is still running, and from another thread after it returned. Each arrives once
    /// (second sends are ignored), the inline answers first and in request order, and only the
    /// others take trips to the queue.
    @Test func pipelinedInlineAndLateAnswers() throws {
        let listeners = try makeListeners(handler: MixedHandler())
        defer { listeners.stop() }
        let client = try #require(Client.tcp(to: listeners.address(.tcp)))
        defer { close(client) }
        let queries = (0..<30).map { [UInt8($0)] }
        Client.writeAll(client, queries.flatMap(Client.frame))
        var answers: [[UInt8]] = []
        while answers.count < queries.count, let answer = Client.readFrame(client) { answers.append(answer) }
        let inline = queries.filter { $0[0] % 3 == 0 }.map(MixedHandler.response)
        #expect(Array(answers.prefix(inline.count)) == inline)
        #expect(answers.sorted { $0.lexicographicallyPrecedes($1) } == queries.map(MixedHandler.response))
        // A duplicate would have been queued before this request's reply.
        Client.writeAll(client, Client.frame([99]))
        #expect(Client.readFrame(client) == MixedHandler.response([99]))
        #expect(listeners.tcpStatistics.queueTrips >= UInt64(queries.count - inline.count))
    }

    @Test func idleConnectionsAreClosed() throws {
        let listeners = try makeListeners(options: TransportOptions(tcpIdleTimeout: .milliseconds(300)))
        defer { listeners.stop() }
        let server = listeners.address(.tcp)
        let answered = try #require(Client.tcp(to: server, timeoutMilliseconds: 5000))
        defer { close(answered) }
        Client.writeAll(answered, Client.frame([5]))
        #expect(Client.readFrame(answered) != nil)
        #expect(Client.closedByPeer(answered))
        // Half a request is not activity.
        let partial = try #require(Client.tcp(to: server, timeoutMilliseconds: 5000))
        defer { close(partial) }
        Client.writeAll(partial, [0, 10, 1, 2])
        #expect(Client.closedByPeer(partial))
    }

    /// A busy connection is not idle: an answer that takes longer than the timeout still arrives.
    @Test func answerSlowerThanIdleTimeoutStillArrives() throws {
        let listeners = try makeListeners(options: TransportOptions(tcpIdleTimeout: .milliseconds(200)),
                                          handler: EchoHandler(.async(milliseconds: 600)))
        defer { listeners.stop() }
        let server = listeners.address(.tcp)
        let client = try #require(Client.tcp(to: server))
        defer { close(client) }
        Client.writeAll(client, Client.frame([8]))
        #expect(Client.readFrame(client) == EchoHandler.response(to: [8], local: server.ip, transport: .tcp))
    }

    /// At the cap, a new connection closes the one idle longest instead of being refused; it is
    /// refused only when every connection waits for answers.
    @Test func fullTableClosesTheLongestIdleConnection() throws {
        let listeners = try makeListeners(options: TransportOptions(maxTCPConnections: 2))
        defer { listeners.stop() }
        let server = listeners.address(.tcp)
        var open: [Int32] = []
        defer { open.forEach { close($0) } }
        for _ in 0..<3 { open.append(try #require(Client.answeredTCP(to: server), "every new connection is served")) }
        #expect(Client.closedByPeer(open[0]), "the longest idle connection made room")
        Client.writeAll(open[1], Client.frame([2]))
        #expect(Client.readFrame(open[1]) != nil, "the other connection keeps working")
        let statistics = listeners.tcpStatistics
        #expect(statistics.closedForPressure == 1 && statistics.accepted == 3 && statistics.refused == 0)
    }

    @Test func fullTableOfBusyConnectionsRefusesNewOnes() throws {
        let listeners = try makeListeners(options: TransportOptions(maxTCPConnections: 2),
                                          handler: EchoHandler(.delayByFirstByte))
        defer { listeners.stop() }
        let server = listeners.address(.tcp)
        var open: [Int32] = []
        defer { open.forEach { close($0) } }
        for _ in 0..<2 {
            let client = try #require(Client.tcp(to: server))
            open.append(client)
            Client.writeAll(client, Client.frame([100]))  // answered after 1 s
        }
        usleep(100_000)
        let third = try #require(Client.tcp(to: server))
        Client.writeAll(third, Client.frame([1]))
        #expect(Client.closedByPeer(third), "no idle connection to close: the new one is refused")
        close(third)
        for client in open { #expect(Client.readFrame(client) != nil, "the busy connections get their answers") }
        #expect(listeners.tcpStatistics.refused == 1)
    }

    /// One client address at its own cap: its longest-idle connection makes room, other
    /// clients' connections are left alone. A raised cap (a reload) applies to the connections
    /// accepted after it: at three, a new connection closes nothing.
    @Test func perClientCapClosesThatClientsIdleConnectionUntilRaised() throws {
        let listeners = try makeListeners(options: TransportOptions(maxTCPConnectionsPerClient: 2))
        defer { listeners.stop() }
        let server = listeners.address(.tcp)
        var open: [Int32] = []
        defer { open.forEach { close($0) } }
        for _ in 0..<3 { open.append(try #require(Client.answeredTCP(to: server))) }
        #expect(Client.closedByPeer(open[0]))
        #expect(listeners.tcpStatistics.closedForPressure == 1)
        Client.writeAll(open[1], Client.frame([2]))
        #expect(Client.readFrame(open[1]) != nil)

        listeners.applyTCPLimits(TransportOptions(maxTCPConnectionsPerClient: 3))
        open.append(try #require(Client.answeredTCP(to: server)))
        Client.writeAll(open[2], Client.frame([3]))
        #expect(Client.readFrame(open[2]) != nil, "at a cap of three the longest-idle connection stays too")
        #expect(listeners.tcpStatistics.closedForPressure == 1)
    }

    /// With one unanswered query allowed per client, a second connection of the same client is
    /// not read until the first query is answered; then it is.
    @Test func perClientInFlightCapHoldsOtherConnectionsBack() throws {
        let handler = EchoHandler(.delayByFirstByte)
        let listeners = try makeListeners(options: TransportOptions(maxTCPQueriesInFlightPerClient: 1), handler: handler)
        defer { listeners.stop() }
        let server = listeners.address(.tcp)
        let first = try #require(Client.tcp(to: server))
        defer { close(first) }
        let second = try #require(Client.tcp(to: server))
        defer { close(second) }
        Client.writeAll(first, Client.frame([50]))  // answered after 500 ms
        usleep(100_000)
        Client.writeAll(second, Client.frame([1]))
        usleep(200_000)
        #expect(handler.log.all.count == 1, "the second connection waits for the client's query in flight")
        #expect(Client.readFrame(first) != nil)
        #expect(Client.readFrame(second) != nil)
        #expect(handler.log.all.count == 2)
    }

    /// Above half the table the idle timeout is a tenth of the configured one (at least 1 s).
    @Test func idleTimeoutShrinksUnderPressure() throws {
        let listeners = try makeListeners(options: TransportOptions(tcpIdleTimeout: .seconds(30), maxTCPConnections: 4))
        defer { listeners.stop() }
        let server = listeners.address(.tcp)
        var open: [Int32] = []
        defer { open.forEach { close($0) } }
        for _ in 0..<3 {
            let client = try #require(Client.tcp(to: server, timeoutMilliseconds: 10_000))
            open.append(client)
        }
        // 3 of 4 slots: 3 s instead of 30 s. The receive timeout (10 s) is far below 30 s.
        #expect(Client.closedByPeer(open[0]), "an idle connection is closed within the shorter timeout")
        #expect(listeners.tcpStatistics.closedIdle >= 1)
    }

    /// The client sends its queries and shuts down its sending side: the answers still come,
    /// then the server closes.
    @Test func halfClosedClientGetsItsAnswers() throws {
        let listeners = try makeListeners(handler: EchoHandler(.async(milliseconds: 100)))
        defer { listeners.stop() }
        let server = listeners.address(.tcp)
        let client = try #require(Client.tcp(to: server))
        defer { close(client) }
        let queries: [[UInt8]] = [[1], [2, 2], [3, 3, 3]]
        Client.writeAll(client, queries.flatMap(Client.frame))
        shutdown(client, Int32(SHUT_WR))
        var answers: [[UInt8]] = []
        while answers.count < queries.count, let answer = Client.readFrame(client) { answers.append(answer) }
        #expect(Set(answers) == Set(queries.map { EchoHandler.response(to: $0, local: server.ip, transport: .tcp) }))
        #expect(Client.closedByPeer(client))
    }

    /// With one request allowed in flight, the second is read only after the first is done;
    /// a request the handler drops (never replies to) frees its slot too.
    @Test func inFlightCapAndDroppedRequests() throws {
        let handler = HoldingHandler()
        let listeners = try makeListeners(options: TransportOptions(maxTCPQueriesInFlightPerConnection: 1),
                                          handler: handler)
        defer { listeners.stop() }
        let server = listeners.address(.tcp)
        let client = try #require(Client.tcp(to: server))
        defer { close(client) }
        Client.writeAll(client, Client.frame([1]) + Client.frame([2]) + Client.frame([3]))
        #expect(handler.waitForRequests(1))
        usleep(100_000)
        #expect(handler.seen == [[1]], "the second request waits while the first is in flight")
        handler.release(reply: false)  // drop the first
        #expect(handler.waitForRequests(2))
        handler.release(reply: true)
        #expect(Client.readFrame(client) == [2])
        #expect(handler.waitForRequests(3))
        handler.release(reply: true)
        #expect(Client.readFrame(client) == [3])
    }

    /// A reply sent inside `handle` leaves at once, but a handler that keeps the channel keeps
    /// the request in flight until it lets go.
    @Test func keptChannelStaysInFlightAfterInlineReply() throws {
        let handler = HoldingHandler(answerAtOnce: true)
        let listeners = try makeListeners(options: TransportOptions(maxTCPQueriesInFlightPerConnection: 1),
                                          handler: handler)
        defer { listeners.stop() }
        let client = try #require(Client.tcp(to: listeners.address(.tcp)))
        defer { close(client) }
        Client.writeAll(client, Client.frame([1]) + Client.frame([2]))
        #expect(Client.readFrame(client) == [1])
        usleep(100_000)
        #expect(handler.seen == [[1]], "the second request waits while the first channel is held")
        handler.release(reply: true)  // a second send: ignored
        #expect(handler.waitForRequests(2))
        #expect(Client.readFrame(client) == [2])
    }

    /// Large answers to a slow reader with a small window: the server writes them in pieces
    /// (partial writes, then the write source) and every byte arrives in order.
    @Test func largeAnswersToSlowReaderArriveWhole() throws {
        let listeners = try makeListeners(options: TransportOptions(tcpOutputLimit: 100_000))
        defer { listeners.stop() }
        let server = listeners.address(.tcp)
        let client = try #require(Client.tcp(to: server, receiveBuffer: 4096))
        defer { close(client) }
        // 6 MB of answers: more than the largest TCP send buffer (tcp_wmem max 4 MiB here).
        let queries = (0..<100).map { index in [UInt8(index), 0xFE] + [UInt8](repeating: UInt8(index), count: 60000) }
        let writer = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            Client.writeAll(client, queries.flatMap(Client.frame))
            writer.signal()
        }
        usleep(300_000)  // not reading yet: the server's socket buffer fills
        var matched = 0
        for query in queries {
            guard let answer = Client.readFrame(client) else { break }
            if answer == EchoHandler.response(to: query, local: server.ip, transport: .tcp) { matched += 1 }
        }
        #expect(matched == queries.count)
        #expect(writer.wait(timeout: .now() + 5) == .success)
    }

    /// A client that sends many queries and reads no answers: the server stops reading once
    /// `tcpOutputLimit` reply bytes wait (the handler sees only part of the queries), and closes
    /// the connection when the client has taken nothing for the idle timeout.
    @Test func peerThatStopsReadingIsThrottledThenClosed() throws {
        let handler = EchoHandler()
        let listeners = try makeListeners(options: TransportOptions(tcpIdleTimeout: .milliseconds(400), tcpOutputLimit: 64 << 10),
                                          handler: handler)
        defer { listeners.stop() }
        let client = try #require(Client.tcp(to: listeners.address(.tcp), receiveBuffer: 4096))
        defer { close(client) }
        _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
        let query = Client.frame([UInt8](repeating: 0x5A, count: 60000))
        let queries = 300
        var sentBytes = 0
        var closed = false
        for _ in 0..<600 where !closed {  // up to 6 s
            if sentBytes < queries * query.count {
                let offset = sentBytes % query.count
                let count = query.withUnsafeBytes { send(client, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
                if count > 0 { sentBytes += count; continue }
                closed = count < 0 && (errno == ECONNRESET || errno == EPIPE)
            } else {
                var byte: UInt8 = 0
                closed = send(client, &byte, 1, Int32(MSG_NOSIGNAL)) < 0 && (errno == ECONNRESET || errno == EPIPE)
            }
            usleep(10_000)
        }
        #expect(handler.log.all.count < queries, "reading stops while replies pile up")
        #expect(closed, "a peer that reads nothing is disconnected")
    }

    @Test func ipv6Loopback() throws {
        let listeners = try makeListeners("[::1]:0")
        defer { listeners.stop() }
        let server = listeners.address(.tcp)
        let client = try #require(Client.tcp(to: server))
        defer { close(client) }
        Client.writeAll(client, Client.frame([4, 5]))
        #expect(Client.readFrame(client) == EchoHandler.response(to: [4, 5], local: server.ip, transport: .tcp))
    }
}

/// Keeps each request's reply channel until the test releases it.
/// With `answerAtOnce`, it also echoes each request inside `handle`.
final class HoldingHandler: RequestHandler, @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSCondition()
    private let answerAtOnce: Bool
    private var requests: [[UInt8]] = []
    private var pending: [(bytes: [UInt8], reply: ReplyChannel)] = []

    init(answerAtOnce: Bool = false) { self.answerAtOnce = answerAtOnce }

    func handle(_ request: UnsafeRawBufferPointer, origin: QueryOrigin, reply: ReplyChannel) {
        if answerAtOnce { reply.send(request) }
        lock.withLock {
            requests.append(Array(request))
            pending.append((Array(request), reply))
            lock.broadcast()
        }
    }

    var seen: [[UInt8]] { lock.withLock { requests } }

    func waitForRequests(_ count: Int) -> Bool {
        lock.withLock {
            let deadline = Date().addingTimeInterval(3)
            while requests.count < count { if !lock.wait(until: deadline) { return false } }
            return true
        }
    }

    /// Answers (echoes) or drops the oldest held request.
    func release(reply: Bool) {
        let held = lock.withLock { pending.removeFirst() }
        if reply { held.reply.send(held.bytes) }
    }
}

/// Answers requests whose first byte is a multiple of 3 inside `handle`, those with remainder 1
/// from another thread while `handle` waits for that send, and the rest from another thread
/// after `handle` returned. Sends a second, ignored reply where it can.
struct MixedHandler: RequestHandler {
    static func response(_ request: [UInt8]) -> [UInt8] { request + [0xA5] }

    func handle(_ request: UnsafeRawBufferPointer, origin: QueryOrigin, reply: ReplyChannel) {
        let response = Self.response(Array(request))
        switch response[0] % 3 {
        case 0:
            reply.send(response)
            reply.send([0xEE])
        case 1:
            let sent = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                reply.send(response)
                reply.send([0xEE])
                sent.signal()
            }
            sent.wait()
        default:
            DispatchQueue.global().async { reply.send(response) }
        }
    }
}
