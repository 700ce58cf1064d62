#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import IPAddress
import Platform
import Synchronization

/// The daemon's sockets: UDP and TCP on every configured address, plus already-bound sockets
/// passed in (systemd `LISTEN_FDS`, tests).
///
/// `init` binds everything (so configuration errors surface before anything is served), `start`
/// begins serving, `stop` closes everything. Each UDP address gets `udpQueuesPerAddress` sockets
/// bound with SO_REUSEPORT, each read by its own thread; all TCP sockets share one serial
/// queue, so TCP load of any kind holds one thread and leaves UDP its own. The handler is called
/// on those threads and that queue, concurrently.
public final class Listeners: @unchecked Sendable {
    // @unchecked: the sockets belong to their receivers/acceptors, which confine themselves to
    // their own thread or serial queue.
    private enum State { case bound, started, stopped }

    private let state = Mutex(State.bound)
    private let udp: [UDPReceiver]
    private let tcp: [TCPAcceptor]
    private let registry: ConnectionRegistry
    /// Entered by every started UDP socket and TCP listener, left when its fd is closed.
    private let listenersClosed = DispatchGroup()

    /// What is being listened on, once per address and protocol, with the real port when port 0
    /// was asked. Port 0 gives UDP and TCP the same port.
    public let boundAddresses: [(TransportProtocol, SocketAddress)]

    /// Binds UDP and TCP on each of `addresses` and takes over `inheritedSockets`.
    /// Throws the first failure, naming the address, having closed what it opened (inherited
    /// sockets are left to the caller then).
    public init(addresses: [SocketAddress], inheritedSockets: [InheritedSocket] = [],
                options: TransportOptions = TransportOptions(), handler: some RequestHandler) throws(TransportError) {
        var udpSockets: [(fd: Int32, bound: SocketAddress)] = []
        var tcpSockets: [(fd: Int32, bound: SocketAddress)] = []
        var bound: [(TransportProtocol, SocketAddress)] = []
        do {
            for address in addresses {
                let group = try Self.bindPair(address, options: options)
                udpSockets += group.udp.map { ($0, group.address) }
                tcpSockets.append((group.tcp, group.address))
                bound.append((.udp, group.address))
                bound.append((.tcp, group.address))
            }
            for inherited in inheritedSockets {
                let address = try Self.adopt(inherited, options: options)
                switch inherited.transport {
                case .udp: udpSockets.append((inherited.fd, address))
                case .tcp: tcpSockets.append((inherited.fd, address))
                }
                bound.append((inherited.transport, address))
            }
        } catch {
            let inheritedFDs = Set(inheritedSockets.map(\.fd))
            for fd in (udpSockets + tcpSockets).map(\.fd) where !inheritedFDs.contains(fd) { _ = close(fd) }
            throw error
        }
        registry = ConnectionRegistry(options: options)
        var receivers: [UDPReceiver] = []
        do {
            for (lane, socket) in udpSockets.enumerated() {
                receivers.append(try UDPReceiver(fd: socket.fd, bound: socket.bound, lane: lane, handler: handler, options: options,
                                                 endpoint: SocketCalls.endpoint(socket.bound, .udp)))
            }
        } catch {
            let inheritedFDs = Set(inheritedSockets.map(\.fd))
            for fd in (udpSockets + tcpSockets).map(\.fd) where !inheritedFDs.contains(fd) { _ = close(fd) }
            throw error
        }
        udp = receivers
        tcp = tcpSockets.map { [registry] in
            TCPAcceptor(fd: $0.fd, bound: $0.bound, handler: handler, registry: registry)
        }
        boundAddresses = bound
    }

    deinit {
        stop(drainFor: .zero)
    }

    /// TCP connection counters (open, accepted, refused, closed for pressure or idleness).
    public var tcpStatistics: TCPStatistics { registry.statistics }

    /// Applies the TCP caps and idle timeout of `options` from now on (see
    /// `ConnectionRegistry.update`); the sockets' own settings (buffers, batches) stay as bound.
    public func applyTCPLimits(_ options: TransportOptions) { registry.update(options) }

    /// Starts serving. Calling it again, or after `stop`, does nothing.
    public func start() {
        let go = state.withLock { state in
            guard state == .bound else { return false }
            state = .started
            return true
        }
        guard go else { return }
        for receiver in udp { receiver.start(group: listenersClosed) }
        for acceptor in tcp { acceptor.start(group: listenersClosed) }
    }

    /// Stops serving and closes every socket before returning. Reading stops and TCP listeners
    /// close at once; TCP connections read no more requests and close as soon as their replies in
    /// flight are written; UDP sockets close when `isIdle` (the caller's count of requests still
    /// being answered) returns true, or at once without it. Nothing waits longer than `drainFor`.
    /// When the drain time is over with requests unanswered, `atDrainEnd` runs (to answer them
    /// all) before the sockets close. Replies sent later are no-ops. Idempotent.
    ///
    /// Blocks the caller; do not call it from a request handler or from a listener's queue.
    public func stop(drainFor: Duration = .seconds(1), isIdle: (@Sendable () -> Bool)? = nil,
                     atDrainEnd: (@Sendable () -> Void)? = nil) {
        let previous = state.withLock { state in
            let previous = state
            state = .stopped
            return previous
        }
        switch previous {
        case .stopped:
            return
        case .bound:
            for receiver in udp { receiver.sender.close() }
            for acceptor in tcp { acceptor.closeUnstarted() }
            return
        case .started:
            break
        }
        let deadline = DispatchTime.now() + drainFor.dispatchInterval
        for receiver in udp { receiver.cancel() }
        for acceptor in tcp { acceptor.cancel() }
        _ = listenersClosed.wait(timeout: .now() + .seconds(5))
        for connection in registry.beginDrain() { connection.beginDrain() }
        if registry.group.wait(timeout: deadline) == .timedOut {
            // Queries still waiting get their final answer, which the connections write before
            // they close; only what is still unwritten after a short grace is dropped.
            if let atDrainEnd {
                atDrainEnd()
                _ = registry.group.wait(timeout: .now() + .milliseconds(500))
            }
            for connection in registry.openConnections { connection.forceClose() }
            _ = registry.group.wait(timeout: .now() + .seconds(5))
        }
        // UDP answers still on their way (forwarded queries) may use the sockets until the
        // caller reports nothing pending, or the drain time is over.
        if let isIdle {
            while !isIdle(), DispatchTime.now() < deadline { usleep(5_000) }
        }
        atDrainEnd?()
        for receiver in udp { receiver.sender.close() }
    }

    // MARK: binding

    /// Binds the UDP sockets and the TCP listener of one address. With port 0, UDP picks the
    /// port and TCP takes the same one (retried a few times if TCP finds it taken).
    private static func bindPair(_ address: SocketAddress, options: TransportOptions)
        throws(TransportError) -> (address: SocketAddress, udp: [Int32], tcp: Int32) {
        var attempts = address.port == 0 ? 8 : 1
        while true {
            attempts -= 1
            let (port, udp) = try bindUDP(address, count: options.udpQueuesPerAddress, options: options)
            let actual = SocketAddress(ip: address.ip, port: port)
            do {
                let tcp = try bindTCP(actual, options: options)
                return (actual, udp, tcp)
            } catch {
                for fd in udp { _ = close(fd) }
                if error.code != EADDRINUSE || attempts == 0 { throw error }
            }
        }
    }

    /// `count` UDP sockets on one address. With more than one they share it through
    /// SO_REUSEPORT; a probe bind without it first makes a port that someone else (another
    /// instance included) holds fail with EADDRINUSE instead of silently sharing the traffic.
    private static func bindUDP(_ address: SocketAddress, count: Int, options: TransportOptions)
        throws(TransportError) -> (UInt16, [Int32]) {
        let endpoint = SocketCalls.endpoint(address, .udp)
        if count > 1 && address.port != 0 {
            let probe = try SocketCalls.socket(family: address.family, type: SocketCalls.datagram, endpoint: endpoint)
            defer { _ = close(probe) }
            if address.family == AF_INET6 {
                try SocketCalls.setOption(probe, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1, "IPV6_V6ONLY", endpoint: endpoint)
            }
            try SocketCalls.bind(probe, address, endpoint: endpoint)
        }
        var fds: [Int32] = []
        var target = address
        do {
            for _ in 0..<count {
                let fd = try SocketCalls.socket(family: address.family, type: SocketCalls.datagram, endpoint: endpoint)
                fds.append(fd)
                if address.family == AF_INET6 {
                    try SocketCalls.setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1, "IPV6_V6ONLY", endpoint: endpoint)
                }
                if count > 1 {
                    try SocketCalls.setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT", endpoint: endpoint)
                }
                try UDPReceiver.configure(fd: fd, address: address, options: options, endpoint: endpoint)
                try SocketCalls.bind(fd, target, endpoint: endpoint)
                if target.port == 0, let local = SocketCalls.localAddress(fd) { target.port = local.port }
            }
        } catch {
            for fd in fds { _ = close(fd) }
            throw error
        }
        return (target.port, fds)
    }

    private static func bindTCP(_ address: SocketAddress, options: TransportOptions) throws(TransportError) -> Int32 {
        let endpoint = SocketCalls.endpoint(address, .tcp)
        let fd = try SocketCalls.socket(family: address.family, type: SocketCalls.stream, endpoint: endpoint)
        do {
            try SocketCalls.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR", endpoint: endpoint)
            if address.family == AF_INET6 {
                try SocketCalls.setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1, "IPV6_V6ONLY", endpoint: endpoint)
            }
            try SocketCalls.bind(fd, address, endpoint: endpoint)
            try TCPAcceptor.listen(fd: fd, backlog: options.tcpBacklog, endpoint: endpoint)
        } catch {
            _ = close(fd)
            throw error
        }
        return fd
    }

    /// Prepares an inherited socket and returns the address it is bound to.
    private static func adopt(_ socket: InheritedSocket, options: TransportOptions) throws(TransportError) -> SocketAddress {
        let label = "fd \(socket.fd)"
        guard let address = SocketCalls.localAddress(socket.fd) else {
            throw TransportError(operation: "getsockname", endpoint: label, code: errno == 0 ? EAFNOSUPPORT : errno)
        }
        let endpoint = "\(SocketCalls.endpoint(address, socket.transport)) (\(label))"
        let detected = try InheritedSocket(fd: socket.fd).transport
        guard detected == socket.transport else {
            throw TransportError(operation: "inherit", endpoint: endpoint, code: 0,
                                 detail: "socket is \(detected.rawValue), not \(socket.transport.rawValue)")
        }
        try SocketCalls.makeNonBlocking(socket.fd, endpoint: endpoint)
        switch socket.transport {
        case .udp:
            try UDPReceiver.configure(fd: socket.fd, address: address, options: options, endpoint: endpoint)
        case .tcp:
            var listening: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(socket.fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || listening == 0 {
                try TCPAcceptor.listen(fd: socket.fd, backlog: options.tcpBacklog, endpoint: endpoint)
            }
        }
        return address
    }
}
