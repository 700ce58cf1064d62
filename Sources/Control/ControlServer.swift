import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The daemon's end of the control socket: a Unix stream socket, mode 0600 (or 0660 with the
/// configured group), answering one request per connection on a thread of its own, one
/// connection at a time.
public final class ControlServer: Sendable {
    public typealias Handler = @Sendable ([String]) -> ControlReply

    public let path: String
    private let fd: Int32
    private let loop: ControlThread

    /// Creates the socket at `path` (replacing a stale socket left by an earlier run) and starts
    /// answering with `handler`. `group`: a group name or number that may use it too.
    public init(path: String, group: String?, handler: @escaping Handler) throws(ControlError) {
        self.path = path
        var status = stat()
        if lstat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFSOCK else { throw ControlError("control socket \(path): exists and is not a socket") }
            unlink(path)
        }
        guard var address = unixAddress(path) else { throw ControlError("control socket \(path): the path is too long") }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("cannot create control socket", path: path) }
        // Nobody can connect before listen(), so the mode is set in between.
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            let error = ControlError.system("cannot bind control socket", path: path)
            close(fd)
            throw error
        }
        do throws(ControlError) {
            if let group {
                guard let gid = Self.groupID(group) else { throw ControlError("control socket \(path): no group named \(group)") }
                guard chown(path, uid_t.max, gid) == 0 else { throw .system("cannot give control socket to group \(group):", path: path) }
            }
            guard chmod(path, group == nil ? 0o600 : 0o660) == 0 else { throw .system("cannot set the mode of control socket", path: path) }
            guard listen(fd, 16) == 0 else { throw .system("cannot listen on control socket", path: path) }
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        self.fd = fd
        loop = ControlThread(fd: fd, handler: handler)
        loop.start()
    }

    /// Stops answering and removes the socket file.
    public func stop() {
        guard !loop.stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        unlink(path)
    }

    static func groupID(_ name: String) -> gid_t? {
        if let number = UInt32(name) { return gid_t(number) }
        guard let entry = getgrnam(name) else { return nil }
        return entry.pointee.gr_gid
    }
}

/// The accept loop, on a detached POSIX thread (blocking accept, no Dispatch worker held).
final class ControlThread: Sendable {
    let fd: Int32
    let handler: ControlServer.Handler
    let stopped = Atomic<Bool>(false)

    init(fd: Int32, handler: @escaping ControlServer.Handler) {
        self.fd = fd
        self.handler = handler
    }

    func start() {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { context in
            let loop = Unmanaged<ControlThread>.fromOpaque(context!).takeRetainedValue()
            loop.run()
            return nil
        }, context)
        pthread_detach(thread)
    }

    private func run() {
        while !stopped.load(ordering: .relaxed) {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if stopped.load(ordering: .relaxed) { break }
                usleep(100_000)
                continue
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let request = ControlProtocol.decode(readAll(client, limit: ControlProtocol.maxRequest, line: true))
            let reply = request.isEmpty ? ControlReply.failure("empty request") : handler(request)
            writeAll(client, ControlProtocol.encode(reply))
            close(client)
        }
        close(fd)
    }
}
