import Dispatch
import IPAddress
#if canImport(Glibc)
import Glibc
#endif

/// A small DNS server on 127.0.0.1, UDP and TCP on one ephemeral port, that answers A queries in a
/// configurable way and records what it received.
///
/// `@unchecked Sendable`: all mutable state is confined to `queue`, a private serial queue.
final class TestDNSServer: @unchecked Sendable {
    enum Behavior: Sendable, CustomStringConvertible {
        /// One A record whose address `DNSTestMessage.address(for:)` derives from the name.
        case answer
        case refused
        case servfail
        /// TC=1 and no records over UDP; `records` A records over TCP.
        case truncateUDP(records: Int)
        /// Like `truncateUDP`, but the first TCP connection is closed once its first query arrived,
        /// unanswered; later connections get the full answer.
        case truncateUDPDropFirstTCP(records: Int)
        /// Over UDP, first a forged answer (address 6.6.6.6) from another port of the same address,
        /// then after 50 ms the real one.
        case spoofThenAnswer
        /// Answers names starting with the prefix, stays silent for the others.
        case answerOnlyPrefix(String)
        /// Records queries, never answers.
        case silent
        /// Answers after a delay.
        case delayed(milliseconds: Int)
        /// Holds every answer until it has seen `distinctIDs` different query IDs (or
        /// `maxWaitMilliseconds` passed since the first query), then answers all at once and
        /// later queries at once.
        case holdUntil(distinctIDs: Int, maxWaitMilliseconds: Int)
        /// Whatever the closure returns for the query (nil: no answer); over TCP only when
        /// `tcp` is true, otherwise TCP connections are closed at once.
        case custom(tcp: Bool, @Sendable (_ query: [UInt8], _ questionEnd: Int, _ overTCP: Bool) -> [UInt8]?)

        var description: String {
            switch self {
            case .answer: "answer"
            case .refused: "REFUSED"
            case .servfail: "SERVFAIL"
            case .truncateUDP(let records): "TC over UDP, \(records) records over TCP"
            case .truncateUDPDropFirstTCP(let records): "TC over UDP, first TCP connection dropped, \(records) records over TCP"
            case .spoofThenAnswer: "forged answer from another port, then the real one"
            case .answerOnlyPrefix(let prefix): "answer only \(prefix)*"
            case .silent: "silent"
            case .delayed(let milliseconds): "answer after \(milliseconds) ms"
            case .holdUntil(let count, _): "hold until \(count) IDs"
            case .custom(let tcp, _): "custom\(tcp ? "" : ", no TCP")"
            }
        }
    }

    struct Received: Sendable, Hashable {
        var id: UInt16
        var name: String
        var overTCP: Bool
        /// The query as received.
        var bytes: [UInt8] = []
        /// The client's source port (UDP only).
        var sourcePort: UInt16?
    }

    let address: SocketAddress
    private let behavior: Behavior
    private let queue = DispatchQueue(label: "test-dns-server")
    private let udpSocket: Int32
    private let tcpSocket: Int32
    private var sources: [DispatchSourceProtocol] = []
    private var connections: [Int32: (source: DispatchSourceRead, buffer: [UInt8])] = [:]
    private var log: [Received] = []
    private var heldAnswers: [@Sendable () -> Void] = []
    private var heldIDs = Set<UInt16>()
    private var holdReleased = false
    private var holdTimerStarted = false
    private var droppedTCPConnection = false
    private var lastSourcePort: UInt16?
    /// Set by `stop()`: delayed answers must not write to descriptor numbers reused since.
    private var stopped = false

    /// Listens on `ip` (127.0.0.1 or ::1), UDP and TCP, on one free port.
    init(_ behavior: Behavior, ip: IPAddress = .v4(IPv4Address(127, 0, 0, 1))) throws {
        self.behavior = behavior
        let family = ip.isIPv4 ? AF_INET : AF_INET6
        var lastError: Int32 = 0
        for _ in 0..<20 {
            let udp = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            let tcp = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            precondition(udp >= 0 && tcp >= 0, "socket: \(errno)")
            var size: Int32 = 4 << 20
            _ = setsockopt(udp, SOL_SOCKET, SO_RCVBUF, &size, 4)
            var on: Int32 = 1
            _ = setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &on, 4)
            if bind(udp, SocketAddress(ip: ip, port: 0)) == 0, let port = boundPort(udp),
               bind(tcp, SocketAddress(ip: ip, port: port)) == 0, listen(tcp, 64) == 0 {
                udpSocket = udp
                tcpSocket = tcp
                address = SocketAddress(ip: ip, port: port)
                queue.sync { startSources() }
                return
            }
            lastError = errno
            close(udp)
            close(tcp)
        }
        throw TestServerError(message: "cannot bind UDP and TCP on one loopback port: errno \(lastError)")
    }

    /// What the server received so far, in order.
    var received: [Received] { queue.sync { log } }

    func stop() {
        queue.sync {
            stopped = true
            for source in sources { source.cancel() }
            sources.removeAll()
            for (_, connection) in connections { connection.source.cancel() }
            connections.removeAll()
        }
    }

    deinit { stop() }

    private func startSources() {
        let udp = DispatchSource.makeReadSource(fileDescriptor: udpSocket, queue: queue)
        udp.setEventHandler { [weak self] in self?.readDatagrams() }
        udp.setCancelHandler { [udpSocket] in close(udpSocket) }
        let tcp = DispatchSource.makeReadSource(fileDescriptor: tcpSocket, queue: queue)
        tcp.setEventHandler { [weak self] in self?.acceptConnections() }
        tcp.setCancelHandler { [tcpSocket] in close(tcpSocket) }
        sources = [udp, tcp]
        udp.activate()
        tcp.activate()
    }

    private func readDatagrams() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = buffer.withUnsafeMutableBytes { bytes in
                withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(udpSocket, bytes.baseAddress, bytes.count, 0, $0, &peerLength)
                    }
                }
            }
            guard count > 0 else { return }
            let query = Array(buffer[0..<count])
            let udp = udpSocket
            let sender = peer
            let senderLength = peerLength
            lastSourcePort = withUnsafeBytes(of: &peer) { SocketAddress(storage: $0.baseAddress!)?.port }
            handle(query, overTCP: false, forgedSend: { [unowned self] in sendForged($0, to: sender, length: senderLength) }) { answer in
                var peer = sender
                _ = answer.withUnsafeBytes { bytes in
                    withUnsafePointer(to: &peer) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(udp, bytes.baseAddress, bytes.count, 0, $0, senderLength)
                        }
                    }
                }
            }
        }
    }

    /// Sends `answer` to a client from another socket on the server's IP (a different port).
    private func sendForged(_ answer: [UInt8], to client: sockaddr_storage, length: socklen_t) {
        let forger = socket(Int32(client.ss_family), Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(forger) }
        var own = address
        own.port = 0
        _ = bind(forger, own)
        var client = client
        _ = answer.withUnsafeBytes { bytes in
            withUnsafePointer(to: &client) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(forger, bytes.baseAddress, bytes.count, 0, $0, length)
                }
            }
        }
    }

    private func acceptConnections() {
        while true {
            let connection = accept(tcpSocket, nil, nil)
            guard connection >= 0 else { return }
            if case .custom(false, _) = behavior {
                close(connection)
                continue
            }
            _ = fcntl(connection, F_SETFL, fcntl(connection, F_GETFL) | O_NONBLOCK)
            let source = DispatchSource.makeReadSource(fileDescriptor: connection, queue: queue)
            source.setEventHandler { [weak self] in self?.readStream(connection) }
            source.setCancelHandler { close(connection) }
            connections[connection] = (source, [])
            source.activate()
        }
    }

    private func readStream(_ connection: Int32) {
        guard var state = connections[connection] else { return }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
            if count > 0 {
                state.buffer += chunk[0..<count]
                continue
            }
            if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                state.source.cancel()
                connections[connection] = nil
                return
            }
            break
        }
        while state.buffer.count >= 2 {
            let length = Int(state.buffer[0]) << 8 | Int(state.buffer[1])
            guard state.buffer.count >= 2 + length else { break }
            let query = Array(state.buffer[2..<(2 + length)])
            state.buffer.removeFirst(2 + length)
            if case .truncateUDPDropFirstTCP = behavior, !droppedTCPConnection {
                droppedTCPConnection = true
                if let question = DNSTestMessage.parseQuestion(query) {
                    log.append(Received(id: question.id, name: question.name, overTCP: true))
                }
                state.source.cancel()
                connections[connection] = nil
                return
            }
            handle(query, overTCP: true) { answer in
                let framed = [UInt8(answer.count >> 8), UInt8(answer.count & 0xff)] + answer
                var offset = 0
                while offset < framed.count {
                    let written = framed[offset...].withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                    if written > 0 { offset += written } else if errno != EAGAIN { return }
                }
            }
        }
        connections[connection]?.buffer = state.buffer
    }

    private func handle(_ query: [UInt8], overTCP: Bool, forgedSend: ([UInt8]) -> Void = { _ in },
                        send unguardedSend: @escaping @Sendable ([UInt8]) -> Void) {
        // Runs on `queue`, now or later.
        let send: @Sendable ([UInt8]) -> Void = { [weak self] bytes in
            guard let self, !self.stopped else { return }
            unguardedSend(bytes)
        }
        guard let question = DNSTestMessage.parseQuestion(query) else { return }
        log.append(Received(id: question.id, name: question.name, overTCP: overTCP, bytes: query,
                            sourcePort: overTCP ? nil : lastSourcePort))
        let answer = { DNSTestMessage.response(to: query, questionEnd: question.end, rcode: 0, addresses: [DNSTestMessage.address(for: question.name)]) }
        switch behavior {
        case .answer:
            send(answer())
        case .refused:
            send(DNSTestMessage.response(to: query, questionEnd: question.end, rcode: 5))
        case .servfail:
            send(DNSTestMessage.response(to: query, questionEnd: question.end, rcode: 2))
        case .truncateUDP(let records), .truncateUDPDropFirstTCP(let records):
            if overTCP {
                let addresses = (0..<records).map { DNSTestMessage.address(for: question.name, index: $0) }
                send(DNSTestMessage.response(to: query, questionEnd: question.end, rcode: 0, addresses: addresses))
            } else {
                send(DNSTestMessage.response(to: query, questionEnd: question.end, rcode: 0, truncated: true))
            }
        case .spoofThenAnswer:
            if !overTCP {
                let forged = DNSTestMessage.response(to: query, questionEnd: question.end, rcode: 0, addresses: [[6, 6, 6, 6]])
                forgedSend(forged)
            }
            let bytes = answer()
            queue.asyncAfter(deadline: .now() + .milliseconds(50)) { send(bytes) }
        case .answerOnlyPrefix(let prefix):
            if question.name.hasPrefix(prefix) { send(answer()) }
        case .silent:
            break
        case .delayed(let milliseconds):
            let bytes = answer()
            queue.asyncAfter(deadline: .now() + .milliseconds(milliseconds)) { send(bytes) }
        case .custom(_, let reply):
            if let bytes = reply(query, question.end, overTCP) { send(bytes) }
        case .holdUntil(let count, let maxWait):
            let bytes = answer()
            if holdReleased {
                send(bytes)
                return
            }
            heldAnswers.append { send(bytes) }
            heldIDs.insert(question.id)
            if !holdTimerStarted {
                holdTimerStarted = true
                queue.asyncAfter(deadline: .now() + .milliseconds(maxWait)) { [weak self] in self?.releaseHeld() }
            }
            if heldIDs.count >= count { releaseHeld() }
        }
    }

    private func releaseHeld() {
        guard !holdReleased else { return }
        holdReleased = true
        for answer in heldAnswers { answer() }
        heldAnswers.removeAll()
    }
}

struct TestServerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

private func bind(_ socket: Int32, _ address: SocketAddress) -> Int32 {
    address.withSockAddr { Glibc.bind(socket, $0, $1) }
}

private func boundPort(_ socket: Int32) -> UInt16? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let status = withUnsafeMutablePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
    }
    guard status == 0 else { return nil }
    return withUnsafeBytes(of: &storage) { SocketAddress(storage: $0.baseAddress!)?.port }
}

/// A loopback port with no UDP or TCP listener (bound once, then closed).
func unusedLoopbackPort() -> UInt16 {
    let udp = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(udp) }
    precondition(bind(udp, SocketAddress(ip: .v4(IPv4Address(127, 0, 0, 1)), port: 0)) == 0)
    return boundPort(udp)!
}
