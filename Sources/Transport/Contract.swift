import IPAddress

/// The protocol a request arrived over.
public enum TransportProtocol: String, Sendable {
    case udp = "UDP"
    case tcp = "TCP"
}

/// Where a request came from and where it arrived.
///
/// Both addresses are unmapped: an IPv4 peer of a dual-stack IPv6 socket (systemd binds `[::]`
/// dual-stack by default) appears as IPv4, so CIDR and listener matching need no special case.
public struct QueryOrigin: Sendable {
    /// The peer.
    public var client: SocketAddress
    /// The address the request arrived on: the datagram's destination address (IP_PKTINFO /
    /// IPV6_PKTINFO) with the socket's port for UDP, so a wildcard-bound socket still tells
    /// 127.0.0.3 from 127.0.0.2; `getsockname` of the accepted connection for TCP.
    public var local: SocketAddress
    public var transport: TransportProtocol
    /// For UDP, which of the listeners' sockets the request came in on (0, 1, ...): requests of
    /// one lane are handled one at a time, on that socket's own thread, so a handler may keep
    /// per-lane state without locks. Nil for TCP.
    public var lane: Int?

    public init(client: SocketAddress, local: SocketAddress, transport: TransportProtocol, lane: Int? = nil) {
        self.client = client
        self.local = local
        self.transport = transport
        self.lane = lane
    }
}

/// Serving code implements this; it is the only thing Transport calls.
///
/// `handle` is called on the UDP socket's own thread, or the TCP connection's queue, for every
/// request: one UDP datagram, or one length-framed TCP message (without its two length bytes). `request` is valid only during
/// the call: copy what must outlive it. The handler writes the reply by calling `reply.send(_:)`
/// at most once, either synchronously inside `handle` (the fast path: local answers, cache hits)
/// or later from any thread (forwarded answers). Never calling it drops the request; over TCP
/// the request stops counting as in flight when the last copy of `reply` is gone.
///
/// Datagrams are passed up as they are (malformed ones too): the handler decides. Only
/// datagrams cut by the kernel (MSG_TRUNC) are dropped here. Over TCP, the next request of a
/// connection is not read while `maxTCPQueriesInFlightPerConnection` replies are outstanding.
public protocol RequestHandler: Sendable {
    func handle(_ request: UnsafeRawBufferPointer, origin: QueryOrigin, reply: ReplyChannel)
}
