#if canImport(Glibc)
import Glibc
#endif
import SystemdSupport

/// A name no other test (or test run) uses.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
}

/// An `AF_UNIX` datagram socket the test binds and reads, standing in for systemd's notify socket.
final class NotifyListener {
    let fd: Int32
    /// The value to put in `NOTIFY_SOCKET`.
    let notifySocket: String
    private let path: String?

    init(abstract: Bool) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemdError.systemCall("socket", errno: errno) }
        let name = uniqueName(abstract ? "vpcdns-test-notify" : "/tmp/vpcdns-test-notify")
        let pathBytes = abstract ? [0] + Array(name.utf8) : Array(name.utf8) + [0]
        notifySocket = abstract ? "@" + name : name
        path = abstract ? nil : name
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + pathBytes.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw SystemdError.systemCall("bind(\(notifySocket))", errno: code)
        }
    }

    deinit {
        close(fd)
        if let path { unlink(path) }
    }

    var environment: [String: String] { ["NOTIFY_SOCKET": notifySocket] }

    /// The next datagram, or `nil` when none arrives within `milliseconds`.
    func receive(milliseconds: Int32 = 2_000) -> String? {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, milliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// Every datagram that arrives until `milliseconds` pass without one.
    func drain(quietMilliseconds: Int32) -> [String] {
        var messages: [String] = []
        while let message = receive(milliseconds: quietMilliseconds) { messages.append(message) }
        return messages
    }
}

/// Sockets and pipes the test owns, moved to consecutive descriptor numbers, as systemd passes
/// them from fd 3 on. High numbers so that nothing else in the test process is disturbed, and
/// below the top one, which the tests use as a number that is never open.
final class ConsecutiveDescriptors {
    let first: Int32
    let count: Int32

    /// Takes ownership of `descriptors` (closes them).
    init(_ descriptors: [Int32]) {
        // Well above what the process has open, well below its limit (a limit of 1024 is common).
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        var start = Int32(min(1_000, limit.rlim_cur / 2))
        var placed: [Int32]
        while true {
            let base = fcntl(descriptors[0], F_DUPFD, start)
            precondition(base >= 0, "F_DUPFD failed: \(errno)")
            placed = [base]
            for index in descriptors.indices.dropFirst() {
                let copy = fcntl(descriptors[index], F_DUPFD, base + Int32(index))
                precondition(copy >= 0, "F_DUPFD failed: \(errno)")
                placed.append(copy)
                if copy != base + Int32(index) { break }
            }
            if placed.count == descriptors.count, placed.last == base + Int32(descriptors.count - 1) { break }
            // Someone holds a number in between: try above it.
            start = placed.last! + 1
            placed.forEach { close($0) }
        }
        descriptors.forEach { close($0) }
        first = placed[0]
        count = Int32(placed.count)
    }

    deinit {
        for fd in first..<(first + count) { close(fd) }
    }

    subscript(index: Int) -> Int32 { first + Int32(index) }
}

enum TestSocket {
    /// A socket of `type` bound to port 0 of `host` (`127.0.0.1` or `::1`); stream sockets listen.
    static func bound(family: Int32, type: __socket_type, host: String) -> (fd: Int32, port: UInt16) {
        let fd = socket(family, Int32(type.rawValue), 0)
        precondition(fd >= 0, "socket failed: \(errno)")
        var storage = sockaddr_storage()
        var length: socklen_t
        if family == AF_INET {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, host, &address.sin_addr)
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: address, as: sockaddr_in.self) }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        } else {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: address, as: sockaddr_in6.self) }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        }
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        precondition(bound == 0, "bind \(host) failed: \(errno)")
        if type == SOCK_STREAM { precondition(listen(fd, 16) == 0) }
        length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let port = withUnsafeBytes(of: &storage) { raw -> UInt16 in
            family == AF_INET
                ? UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
                : UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
        }
        return (fd, port)
    }
}
