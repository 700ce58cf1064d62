#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import IPAddress

/// One listening TCP socket: accepts on a read source and starts a `TCPConnection` per peer
/// the registry admits (it makes room by closing an idle connection when a cap is reached), or
/// closes the peer at once when there is no room. Runs on the registry's queue with every
/// other TCP socket of the listeners.
final class TCPAcceptor: @unchecked Sendable {
    // @unchecked: `source`, `paused` and `fdClosed` are touched only on `queue`.
    let fd: Int32
    private let queue: DispatchQueue
    private let bound: SocketAddress
    private let handler: any RequestHandler
    private let registry: ConnectionRegistry
    private var source: DispatchSourceRead?
    private var paused = false
    private var fdClosed = false
    /// Accepts per readiness event, so one listener cannot hold its thread for long.
    private static let acceptsPerEvent = 64

    init(fd: Int32, bound: SocketAddress, handler: any RequestHandler, registry: ConnectionRegistry) {
        self.fd = fd
        self.bound = bound
        self.handler = handler
        self.registry = registry
        queue = registry.queue
    }

    func start(group: DispatchGroup) {
        group.enter()
        queue.async { [self] in
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            source.setEventHandler { [self] in acceptAll() }
            source.setCancelHandler { [self] in
                closeFD()
                group.leave()
            }
            self.source = source
            source.resume()
        }
    }

    /// Stops accepting and closes the listening socket (asynchronously, on the queue).
    func cancel() {
        queue.async { [self] in
            guard let source else { return }
            source.cancel()
            if paused { source.resume() }
            paused = false
            self.source = nil
        }
    }

    /// For a `Listeners` stopped before it started: no source exists, close directly.
    func closeUnstarted() {
        queue.sync { closeFD() }
    }

    private func closeFD() {
        guard !fdClosed else { return }
        fdClosed = true
        _ = Glibc.close(fd)
    }

    private func acceptAll() {
        for _ in 0..<Self.acceptsPerEvent {
            var storage = sockaddr_storage()
            var length = socklen_t(SocketCalls.storageSize)
            let peer = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    GNUCalls.accept4(fd, $0, &length, SocketCalls.nonBlockCloexec)
                }
            }
            if peer < 0 {
                switch errno {
                case EINTR, ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM: pauseBriefly()
                default: break
                }
                return
            }
            let client = withUnsafePointer(to: &storage) { SocketAddress(storage: $0) }?.unmapped ?? bound
            guard let record = registry.admit(client.ip) else {
                _ = Glibc.close(peer)
                continue
            }
            var one: Int32 = 1
            _ = setsockopt(peer, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let local = SocketCalls.localAddress(peer) ?? bound
            let connection = TCPConnection(
                fd: peer, origin: QueryOrigin(client: client, local: local.unmapped, transport: .tcp),
                handler: handler, registry: registry, client: record)
            connection.start(draining: registry.insert(connection, client: record))
        }
    }

    /// Out of descriptors or memory: the socket stays readable, so stop listening to it for a
    /// moment instead of spinning.
    private func pauseBriefly() {
        guard let source, !paused else { return }
        source.suspend()
        paused = true
        queue.asyncAfter(deadline: .now() + .milliseconds(100)) { [self] in
            guard paused, let source = self.source else { return }
            source.resume()
            paused = false
        }
    }

    /// Sets what a listening TCP socket needs before `listen`.
    static func listen(fd: Int32, backlog: Int32, endpoint: String) throws(TransportError) {
        guard Glibc.listen(fd, backlog) == 0 else {
            throw TransportError(operation: "listen", endpoint: endpoint, code: errno)
        }
    }
}
