// A stand-in for `vpcdns` that exercises only SystemdSupport under real systemd, for
// test-units-in-host.sh: compiled together with Sources/SystemdSupport into one module.
//
//   vpcdns check --config FILE    exits 0 when FILE is readable (ExecStartPre)
//   vpcdns serve --config FILE    serves DNS the dumbest way: every UDP or TCP query gets its
//                                 question back with REFUSED. Uses passed sockets (LISTEN_FDS)
//                                 or binds 127.0.0.1:53 itself. READY=1 when serving, RELOADING=1
//                                 then READY=1 on SIGHUP, STOPPING=1 on SIGTERM, watchdog pings
//                                 while healthy; SIGUSR1 makes it unhealthy (pings stop).
#if canImport(Glibc)
import Glibc
#endif
import Dispatch

@main
struct Probe {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count == 3, arguments[1] == "--config" else {
            Log.write(.error, "usage: vpcdns check|serve --config FILE")
            exit(2)
        }
        let config = arguments[2]
        switch arguments[0] {
        case "check":
            guard access(config, R_OK) == 0 else {
                Log.write(.error, "check: cannot read \(config)")
                exit(1)
            }
            Log.write(.info, "check: \(config) is readable")
            exit(0)
        case "serve":
            Server(config: config).run()
        default:
            exit(2)
        }
    }
}

enum Log {
    static let journal = JournalStream.stderrIsJournal

    static func write(_ level: LogLevel, _ message: String) {
        let line = (journal ? JournalStream.prefix(for: level) : "[\(level.rawValue)] ") + message + "\n"
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

final class Health: @unchecked Sendable {
    // Written on the signal queue, read on the watchdog queue; a lock keeps it simple.
    private var healthy = true
    private var lock = pthread_mutex_t()
    init() { pthread_mutex_init(&lock, nil) }
    var isHealthy: Bool {
        get { pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }; return healthy }
        set { pthread_mutex_lock(&lock); healthy = newValue; pthread_mutex_unlock(&lock) }
    }
}

final class Server: @unchecked Sendable {
    // Only touched on `queue` after run() starts.
    let config: String
    let queue = DispatchQueue(label: "probe")
    let notifier = ServiceNotifier()
    let health = Health()
    var sources: [any DispatchSourceProtocol] = []
    var watchdog: Watchdog?

    init(config: String) { self.config = config }

    func run() {
        queue.async { self.start() }
        dispatchMain()
    }

    private func start() {
        Log.write(.info, "probe: stderrIsJournal=\(Log.journal) uid=\(getuid())")
        for level in LogLevel.allCases { Log.write(level, "probe: level \(level.rawValue)") }
        report(fileReadable: "/etc/resolv.conf")
        report(fileReadable: config)
        appendQueryLog()

        var sockets: [(fd: Int32, type: SocketType)] = []
        do {
            let passed = try ListenFDs.receiveFromProcess()
            for socket in passed {
                Log.write(.notice, "probe: passed fd \(socket.fd) name \(socket.name) type \(socket.type?.description ?? "none") address \(socket.localAddress?.description ?? "none") listening \(socket.isListening)")
                if socket.name == "dns", let type = socket.type { sockets.append((socket.fd, type)) }
            }
        } catch {
            Log.write(.error, "probe: LISTEN_FDS: \(error)")
        }
        Log.write(.info, "probe: LISTEN_PID after receive: \(getenv("LISTEN_PID") == nil ? "unset" : "set")")
        if sockets.isEmpty {
            sockets = [(bindSocket(type: SOCK_DGRAM), .datagram), (bindSocket(type: SOCK_STREAM), .stream)]
            Log.write(.notice, "probe: bound 127.0.0.1:53 itself")
        }
        for socket in sockets {
            socket.type == .datagram ? serveUDP(socket.fd) : serveTCP(socket.fd)
        }

        for (number, handler) in [(SIGTERM, stop), (SIGHUP, reload), (SIGUSR1, sicken)] as [(Int32, () -> Void)] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler(handler: handler)
            source.activate()
            sources.append(source)
        }

        let health = self.health
        do {
            watchdog = try Watchdog(notifier: notifier, onError: { Log.write(.warning, "probe: watchdog: \($0)") }) {
                health.isHealthy
            }
            watchdog?.start()
            Log.write(.info, "probe: watchdog interval \(watchdog.map { "\($0.interval)" } ?? "off")")
        } catch {
            Log.write(.error, "probe: watchdog: \(error)")
        }
        notify { try $0.status("serving on \(sockets.count) sockets") }
        notify { try $0.ready() }
        Log.write(.info, "probe: ready")
    }

    private func notify(_ send: (ServiceNotifier) throws -> Void) {
        do { try send(notifier) } catch { Log.write(.warning, "probe: sd_notify: \(error)") }
    }

    private func stop() {
        notify { try $0.stopping() }
        watchdog?.stop()
        Log.write(.info, "probe: stopping")
        exit(0)
    }

    private func reload() {
        notify { try $0.reloading() }
        Log.write(.info, "probe: reloading")
        queue.asyncAfter(deadline: .now() + .milliseconds(200)) {
            self.notify { try $0.ready() }
            Log.write(.info, "probe: reloaded")
        }
    }

    private func sicken() {
        health.isHealthy = false
        Log.write(.warning, "probe: unhealthy, watchdog pings stop")
    }

    private func report(fileReadable path: String) {
        Log.write(.info, "probe: read \(path): \(access(path, R_OK) == 0 ? "ok" : "denied")")
    }

    private func appendQueryLog() {
        let fd = open("/var/log/vpcdns/query.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        if fd >= 0 {
            _ = "probe started\n".withCString { write(fd, $0, strlen($0)) }
            close(fd)
        }
        Log.write(.info, "probe: write /var/log/vpcdns/query.log: \(fd >= 0 ? "ok" : "denied (errno \(errno))")")
    }

    private func bindSocket(type: __socket_type) -> Int32 {
        let fd = socket(AF_INET, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(53).bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if bound != 0 {
            Log.write(.critical, "probe: bind 127.0.0.1:53: errno \(errno)")
            exit(1)
        }
        if type == SOCK_STREAM { listen(fd, 64) }
        return fd
    }

    /// The query back with QR set and REFUSED, answer sections empty.
    private func refuse(_ query: [UInt8]) -> [UInt8]? {
        guard query.count >= 12 else { return nil }
        var reply = query
        reply[2] = 0x80 | (query[2] & 0x79)  // QR, opcode and RD kept
        reply[3] = 0x05                       // REFUSED
        reply[6] = 0; reply[7] = 0; reply[8] = 0; reply[9] = 0; reply[10] = 0; reply[11] = 0
        return reply
    }

    private func serveUDP(_ fd: Int32) {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            var peer = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT), $0, &length)
                }
            }
            guard count > 0, let reply = refuse(Array(buffer[..<count])) else { return }
            _ = withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, reply, reply.count, 0, $0, length)
                }
            }
        }
        source.activate()
        sources.append(source)
    }

    private func serveTCP(_ fd: Int32) {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [self] in
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            defer { close(client) }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(client, &buffer, buffer.count, 0)
            guard count > 2 else { return }
            let size = Int(buffer[0]) << 8 | Int(buffer[1])
            guard count >= 2 + size, let reply = refuse(Array(buffer[2..<(2 + size)])) else { return }
            let framed = [UInt8(reply.count >> 8), UInt8(reply.count & 0xff)] + reply
            _ = send(client, framed, framed.count, Int32(MSG_NOSIGNAL))
        }
        source.activate()
        sources.append(source)
    }
}
