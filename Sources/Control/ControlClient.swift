#if canImport(Glibc)
import Glibc
#endif

/// `vpcdns ctl`'s end: sends one request to the daemon's control socket and reads its reply.
public enum ControlClient {
    public static func send(_ words: [String], to path: String) throws(ControlError) -> ControlReply {
        guard var address = unixAddress(path) else { throw ControlError("control socket \(path): the path is too long") }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("cannot create a socket for", path: path) }
        defer { close(fd) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw .system("cannot connect to control socket", path: path) }
        writeAll(fd, ControlProtocol.encode(words))
        shutdown(fd, Int32(SHUT_WR))
        let bytes = readAll(fd, limit: 64 << 20, line: false)
        guard let reply = ControlProtocol.decodeReply(bytes) else {
            throw ControlError("control socket \(path): no reply (is this vpcdns's control socket?)")
        }
        return reply
    }
}
