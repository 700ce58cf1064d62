#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Platform

/// Tunables of the listeners. The defaults suit a resolver on a small host.
public struct TransportOptions: Sendable {
    /// A TCP connection with nothing in flight is closed when no complete request arrived (and no
    /// reply was written) for this long. Also bounds how long a half-sent request may linger.
    /// Shortened while the connection table is more than half full (see `TCPIdlePolicy`).
    public var tcpIdleTimeout: Duration
    /// Open TCP connections at most (over the TCP sockets of one `Listeners`). A new connection beyond it closes
    /// the connection idle the longest (as unbound and Knot do); it is refused (accepted and
    /// closed) only when every connection is busy.
    public var maxTCPConnections: Int
    /// Open TCP connections at most from one client address; beyond it the client's own
    /// longest-idle connection makes room, or the new one is refused.
    public var maxTCPConnectionsPerClient: Int
    /// A connection with this many unanswered requests is not read further until one completes.
    public var maxTCPQueriesInFlightPerConnection: Int
    /// Unanswered requests at most over all connections of one client address; its connections
    /// are not read further until one completes.
    public var maxTCPQueriesInFlightPerClient: Int
    /// Reply bytes a connection may hold that the peer has not read yet; beyond it no further
    /// requests are read until it takes them. A peer that takes nothing for `tcpIdleTimeout`
    /// while replies wait is closed.
    public var tcpOutputLimit: Int
    /// UDP sockets per address, bound with SO_REUSEPORT, each with its own serial queue.
    /// Defaults to the number of CPUs the process may run on (its affinity mask: `taskset`,
    /// systemd's `CPUAffinity=`): a socket thread more than there are CPUs to run it only adds
    /// wake-ups and splits the batches.
    public var udpQueuesPerAddress: Int
    /// SO_RCVBUF for every socket (tried with SO_RCVBUFFORCE first, so root goes past rmem_max).
    public var receiveBufferSize: Int
    /// Datagrams read by one `recvmmsg` call, and replies sent by one `sendmmsg`. Each slot has a
    /// 4 KiB receive buffer and a 4 KiB reply buffer (touched only as far
    /// as datagrams reach).
    public var udpBatchSize: Int
    /// At most this many datagrams are read per wake-up of a socket's thread before it checks
    /// for the stop signal again (`poll`); the rest are read right after.
    public var udpMaxDatagramsPerEvent: Int
    /// `listen` backlog of TCP sockets bound here (inherited listening sockets keep theirs).
    public var tcpBacklog: Int32

    public init(
        tcpIdleTimeout: Duration = .seconds(10),
        maxTCPConnections: Int = 256,
        maxTCPConnectionsPerClient: Int = 64,
        maxTCPQueriesInFlightPerConnection: Int = 32,
        maxTCPQueriesInFlightPerClient: Int = 256,
        tcpOutputLimit: Int = 64 << 10,
        udpQueuesPerAddress: Int? = nil,
        receiveBufferSize: Int = 4 << 20,
        udpBatchSize: Int = 16,
        udpMaxDatagramsPerEvent: Int = 64,
        tcpBacklog: Int32 = 128
    ) {
        self.tcpIdleTimeout = tcpIdleTimeout
        self.maxTCPConnections = max(1, maxTCPConnections)
        self.maxTCPConnectionsPerClient = max(1, maxTCPConnectionsPerClient)
        self.maxTCPQueriesInFlightPerConnection = max(1, maxTCPQueriesInFlightPerConnection)
        self.maxTCPQueriesInFlightPerClient = max(1, maxTCPQueriesInFlightPerClient)
        self.tcpOutputLimit = max(0, tcpOutputLimit)
        self.udpQueuesPerAddress = max(1, udpQueuesPerAddress ?? Self.usableCPUs)
        self.receiveBufferSize = receiveBufferSize
        self.udpBatchSize = max(1, udpBatchSize)
        self.udpMaxDatagramsPerEvent = max(1, udpMaxDatagramsPerEvent)
        self.tcpBacklog = tcpBacklog
    }

    /// The CPUs in the process's affinity mask; the online CPUs if the mask cannot be read.
    static var usableCPUs: Int {
        max(1, GNUCalls.affinityCPUCount() ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

/// A failed socket operation, naming the address and the system's error text, e.g.
/// `bind 127.0.0.1:53/udp: Address already in use`.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    /// The call that failed: `socket`, `bind`, `listen`, `setsockopt(SO_REUSEPORT)`, ...
    public var operation: String
    /// What it was for: `127.0.0.1:53/udp`, or `fd 3` for an inherited socket.
    public var endpoint: String
    /// The `errno` value (0 when the failure is not a system error).
    public var code: Int32
    /// Extra text when `code` is 0.
    public var detail: String?

    public init(operation: String, endpoint: String, code: Int32, detail: String? = nil) {
        self.operation = operation
        self.endpoint = endpoint
        self.code = code
        self.detail = detail
    }

    public var description: String {
        let reason = detail ?? errnoText(code)
        return "\(operation) \(endpoint): \(reason)"
    }
}

/// An already-bound socket handed over by the service manager (systemd `LISTEN_FDS`) or a test.
/// `Listeners` takes ownership: it makes it non-blocking, sets the options it needs and closes
/// it on `stop`. A stream socket that is not listening yet is put into listening state. An
/// inherited UDP socket is read by one queue (`udpQueuesPerAddress` applies to bound addresses).
public struct InheritedSocket: Sendable {
    public var fd: Int32
    public var transport: TransportProtocol

    public init(fd: Int32, transport: TransportProtocol) {
        self.fd = fd
        self.transport = transport
    }

    /// Detects the transport with `getsockopt(SO_TYPE)`: SOCK_DGRAM is UDP, SOCK_STREAM is TCP.
    public init(fd: Int32) throws(TransportError) {
        var type: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 else {
            throw TransportError(operation: "getsockopt(SO_TYPE)", endpoint: "fd \(fd)", code: errno)
        }
        switch type {
        case SocketCalls.datagram: transport = .udp
        case SocketCalls.stream: transport = .tcp
        default:
            throw TransportError(operation: "inherit", endpoint: "fd \(fd)", code: 0,
                                 detail: "socket type \(type) is neither SOCK_DGRAM nor SOCK_STREAM")
        }
        self.fd = fd
    }
}
