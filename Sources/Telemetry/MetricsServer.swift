import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP/1.1 listener for `/metrics`, `/health` and `/ready` (SwiftNIO), on one event-loop
/// thread of its own, apart from the DNS sockets.
public final class MetricsServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// The address actually bound (port 0 is replaced by the kernel's choice).
    public let boundAddress: String

    /// Binds `host`:`port` and starts answering.
    public init(host: String, port: Int, exporter: MetricsExporter) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(exporter: exporter))
                }
            }
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        let local = channel.localAddress
        boundAddress = switch local {
        case .v6(let address)?: "[\(address.host)]:\(local?.port ?? port)"
        default: "\(local?.ipAddress ?? host):\(local?.port ?? port)"
        }
    }

    /// Closes the listener without waiting: a scrape in progress may be waiting for the daemon's
    /// control queue, which is the caller (the process exits right after).
    public func stop() {
        channel.close(promise: nil)
        group.shutdownGracefully { _ in }
    }
}

/// Answers one request at a time per connection: GET (or HEAD) of the three paths.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let exporter: MetricsExporter
    private var request: HTTPRequestHead?

    init(exporter: MetricsExporter) { self.exporter = exporter }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let (status, contentType, body): (HTTPResponseStatus, String, [UInt8])
        if head.method != .GET, head.method != .HEAD {
            (status, contentType, body) = (.methodNotAllowed, "text/plain", Array("GET only\n".utf8))
        } else {
            switch path {
            case "/metrics":
                (status, contentType, body) = (.ok, "text/plain; version=0.0.4; charset=utf-8", exporter.render())
            case "/health":
                (status, contentType, body) = (.ok, "text/plain", Array("ok\n".utf8))
            case "/ready":
                let readiness = exporter.readiness
                (status, contentType, body) = (readiness.isReady ? .ok : .serviceUnavailable, "text/plain",
                                               Array("\(readiness.description)\n".utf8))
            default:
                (status, contentType, body) = (.notFound, "text/plain", Array("not found: try /metrics, /health or /ready\n".utf8))
            }
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        if status == .methodNotAllowed { headers.add(name: "Allow", value: "GET, HEAD") }
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let keepAlive = head.isKeepAlive, channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
