import IPAddress

/// Sends the one response to one request back where it belongs.
///
/// A cheap value: building one allocates nothing for UDP. Copies share the same destination.
/// - UDP: the response leaves the listener's socket with the source address the query was sent
///   to (IP_PKTINFO / IPV6_PKTINFO in `sendmsg`), so clients that check it accept the reply.
///   Sent on the calling thread; a full socket buffer drops it, as the network would.
/// - TCP: the response is length-framed and queued on the connection, whose serial queue writes
///   it; pipelined responses go out in the order they reach that queue, not the order of the
///   requests (RFC 7766 lets them). Sent inside `handle`, on its thread, a response is queued at
///   once and written together with the others answered in the same read; sent later or from
///   another thread, it is copied and queued after one trip to the connection's queue (so it
///   may follow responses sent inside `handle` calls that ran meanwhile).
///   A second `send` for the same request is ignored. After the connection closed, or after
///   `Listeners.stop`, sending is a no-op.
public struct ReplyChannel: Sendable {
    enum Route: Sendable {
        case udp(UDPSender, client: SocketAddress, source: IPAddress?, interface: UInt32)
        case tcp(TCPRequest)
        case callback(@Sendable (UnsafeRawBufferPointer) -> Void)
    }

    let route: Route

    init(_ route: Route) { self.route = route }

    /// A channel that hands the response to `body` instead of a socket: for tests and in-process
    /// callers of a `RequestHandler`. `body` may run on any thread; the buffer is valid only
    /// during the call.
    public init(_ body: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        route = .callback(body)
    }

    /// Sends `response` (a complete DNS message; Transport adds the TCP length itself).
    public func send(_ response: [UInt8]) {
        response.withUnsafeBytes { send($0) }
    }

    /// Sends `response` without needing an array; the bytes are copied (TCP) or sent before
    /// this returns (UDP), so the buffer may be reused afterwards. Responses over 65535 bytes
    /// cannot be framed and are dropped.
    public func send(_ response: UnsafeRawBufferPointer) {
        guard response.count <= 65535 else { return }
        switch route {
        case let .udp(sender, client, source, interface):
            sender.send(response, to: client, from: source, interface: interface)
        case .tcp(let request):
            request.send(response)
        case .callback(let body):
            body(response)
        }
    }
}
