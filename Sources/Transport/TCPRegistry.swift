import Dispatch
import IPAddress
import Platform
import Synchronization

/// TCP counters of one `Listeners`, for logs and metrics. A snapshot.
public struct TCPStatistics: Hashable, Sendable {
    /// Connections open now (their descriptors not yet closed).
    public var open = 0
    /// Connections accepted and admitted since start.
    public var accepted: UInt64 = 0
    /// Connections accepted and closed at once: the table was full of busy connections, the
    /// client was at its own cap with nothing idle, or the listeners were stopping.
    public var refused: UInt64 = 0
    /// Idle (or stalled) connections closed to make room for a new one.
    public var closedForPressure: UInt64 = 0
    /// Connections closed because they sat idle (or the peer took no replies) for the idle timeout.
    public var closedIdle: UInt64 = 0
    /// Trips to the TCP queue that requests took: a reply sent from another thread or after
    /// its handler returned, or a reply channel let go later (a forwarded answer takes two).
    /// Answers sent while the handler runs (local answers, cache hits) take none.
    public var queueTrips: UInt64 = 0

    public init() {}
}

/// The idle timeout a connection gets, shorter while the table fills (unbound's scheme): the
/// configured one up to half full, a tenth of it above half, a hundredth above 80 %, never below
/// one second (`floorNanoseconds`; unbound goes down to 200 ms), so a client across a slow or
/// lossy link, or a busy host, still has time to send its query after connecting. A full table
/// makes room by closing its longest-idle connection anyway.
struct TCPIdlePolicy: Sendable {
    let configured: DispatchTimeInterval
    private let configuredNanoseconds: Int
    let limit: Int
    static let floorNanoseconds = 1_000_000_000

    init(timeout: Duration, limit: Int) {
        configured = timeout.dispatchInterval
        if case .nanoseconds(let value) = configured {
            configuredNanoseconds = value
        } else {
            configuredNanoseconds = Int.max
        }
        self.limit = limit
    }

    /// The timeout while `active` connections are open.
    func timeout(active: Int) -> DispatchTimeInterval {
        let divisor = active * 5 > limit * 4 ? 100 : active * 2 > limit ? 10 : 1
        guard divisor > 1 else { return configured }
        let floor = min(configuredNanoseconds, Self.floorNanoseconds)
        return .nanoseconds(max(floor, configuredNanoseconds / divisor))
    }

    /// Whether `active` open connections put the table under pressure.
    func pressured(active: Int) -> Bool { active * 2 > limit }
}

/// The connections of one client address, for its caps. Touched only on the TCP queue.
final class TCPClient {
    let address: IPAddress
    var connections: [TCPConnection] = []
    /// Requests of all its connections not answered yet.
    var inFlight = 0

    init(address: IPAddress) { self.address = address }
}

/// Every TCP connection of one `Listeners`: admission under the global and per-client caps,
/// making room by closing the connection idle longest, the idle timeout under pressure, and
/// the list `stop` drains.
///
/// Admission and the per-client records run on `queue`, the one serial queue all TCP work of
/// the listeners shares (so TCP, however busy, holds one thread and UDP keeps the others); the
/// list of open descriptors and the counters are also read from `stop` and for statistics,
/// under `shared`'s mutex.
final class ConnectionRegistry: @unchecked Sendable {
    // @unchecked: `options`, `idlePolicy`, `active`, `clients` and `wasPressured` are touched
    // only on `queue`.
    let queue: DispatchQueue
    /// The caps and timeouts in force; `update` replaces them (a reload).
    private(set) var options: TransportOptions
    private(set) var idlePolicy: TCPIdlePolicy
    /// Entered per admitted connection, left when its fd is closed.
    let group = DispatchGroup()

    private let shared = Mutex(Shared())

    /// What `stop` and statistics read from other threads.
    private struct Shared {
        var open: [ObjectIdentifier: TCPConnection] = [:]
        var draining = false
        var counters = TCPStatistics()
    }

    /// Admitted connections not closing, which the caps count.
    private var active: [ObjectIdentifier: TCPConnection] = [:]
    private var clients: [IPAddress: TCPClient] = [:]
    private var wasPressured = false

    init(options: TransportOptions) {
        self.options = options
        idlePolicy = TCPIdlePolicy(timeout: options.tcpIdleTimeout, limit: options.maxTCPConnections)
        queue = DispatchQueue(label: "vpcdns.tcp")
    }

    /// Applies `options`' TCP caps and idle timeout from now on: to the next admissions and to
    /// the connections accepted after it, and to every idle timeout scheduled after it. Open
    /// connections are not closed for a lower cap; they go as they go idle or make room.
    func update(_ options: TransportOptions) {
        queue.async { [self] in
            self.options = options
            idlePolicy = TCPIdlePolicy(timeout: options.tcpIdleTimeout, limit: options.maxTCPConnections)
            wasPressured = idlePolicy.pressured(active: active.count)
        }
    }

    /// The idle timeout for connections now.
    var idleTimeout: DispatchTimeInterval { idlePolicy.timeout(active: active.count) }

    /// Finds room for a new connection from `address`, closing the longest-idle connection of
    /// the client (at its cap) or of the table (when full); nil when there is no room (the
    /// caller closes the socket). On the queue.
    func admit(_ address: IPAddress) -> TCPClient? {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !shared.withLock({ $0.draining }) else { return refuse() }
        let client = clients[address] ?? TCPClient(address: address)
        if client.connections.count >= options.maxTCPConnectionsPerClient {
            guard let victim = Self.longestIdle(client.connections) else { return refuse() }
            victim.closeForPressure()
        }
        if active.count >= options.maxTCPConnections {
            guard let victim = Self.longestIdle(active.values) else { return refuse() }
            victim.closeForPressure()
        }
        clients[address] = client
        return client
    }

    /// Records an admitted connection; returns whether it must drain at once. On the queue.
    func insert(_ connection: TCPConnection, client: TCPClient) -> Bool {
        let id = ObjectIdentifier(connection)
        active[id] = connection
        client.connections.append(connection)
        let draining = shared.withLock { shared in
            shared.open[id] = connection
            shared.counters.accepted += 1
            group.enter()
            return shared.draining
        }
        let pressured = idlePolicy.pressured(active: active.count)
        if pressured && !wasPressured {
            // Connections admitted before the table filled still wait for their long timeout.
            for connection in active.values { connection.rescheduleIdleCheck() }
        }
        wasPressured = pressured
        return draining
    }

    /// The connection closes: it no longer counts against the caps. On the queue.
    func detach(_ connection: TCPConnection, client: TCPClient, reason: TCPConnection.CloseReason) {
        active.removeValue(forKey: ObjectIdentifier(connection))
        client.connections.removeAll { $0 === connection }
        if client.connections.isEmpty, clients[client.address] === client {
            clients.removeValue(forKey: client.address)
        }
        wasPressured = idlePolicy.pressured(active: active.count)
        switch reason {
        case .pressure: shared.withLock { $0.counters.closedForPressure += 1 }
        case .idle: shared.withLock { $0.counters.closedIdle += 1 }
        case .other: break
        }
    }

    /// Counts one trip of a request to the queue; on any thread.
    func countQueueTrip() {
        shared.withLock { $0.counters.queueTrips += 1 }
    }

    /// The connection's fd is closed.
    func remove(_ connection: TCPConnection) {
        shared.withLock { shared in
            guard shared.open.removeValue(forKey: ObjectIdentifier(connection)) != nil else { return }
            group.leave()
        }
    }

    /// Admits no more connections and returns those open.
    func beginDrain() -> [TCPConnection] {
        shared.withLock { shared in
            shared.draining = true
            return Array(shared.open.values)
        }
    }

    var openConnections: [TCPConnection] { shared.withLock { Array($0.open.values) } }

    var statistics: TCPStatistics {
        shared.withLock { shared in
            var result = shared.counters
            result.open = shared.open.count
            return result
        }
    }

    private func refuse() -> TCPClient? {
        shared.withLock { $0.counters.refused += 1 }
        return nil
    }

    /// The connection that has waited longest without work (idle, or stalled on a peer that
    /// reads nothing), if any.
    private static func longestIdle(_ connections: some Sequence<TCPConnection>) -> TCPConnection? {
        var best: TCPConnection?
        var bestSince = DispatchTime.distantFuture
        for connection in connections {
            guard let since = connection.idleSince, since < bestSince else { continue }
            best = connection
            bestSince = since
        }
        return best
    }
}
