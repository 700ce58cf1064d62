#if canImport(Glibc)
import Glibc
#endif

/// One descriptor passed by socket activation.
public struct ListenSocket: Sendable, Equatable {
    public let fd: Int32
    /// From `LISTEN_FDNAMES` (`FileDescriptorName=` in the socket unit); `"unknown"` when the
    /// service manager sent no names, as `sd_listen_fds_with_names(3)` does.
    public let name: String
    /// `nil` when the descriptor is not a socket (a FIFO, a file).
    public let type: SocketType?
    /// `getsockname(2)`; `nil` when the descriptor is not a socket.
    public let localAddress: ListenAddress?
    /// `SO_ACCEPTCONN`: a stream socket already listening (systemd calls `listen(2)` for us).
    public let isListening: Bool

    public init(fd: Int32, name: String, type: SocketType?, localAddress: ListenAddress?, isListening: Bool) {
        self.fd = fd
        self.name = name
        self.type = type
        self.localAddress = localAddress
        self.isListening = isListening
    }
}

/// Socket activation (`LISTEN_FDS`) without libsystemd: what `sd_listen_fds_with_names(3)` does.
///
/// A socket unit gives every descriptor it holds one `FileDescriptorName=`; vpcdns names its one
/// socket unit `dns` and tells UDP from TCP by `type`, read from the socket itself.
public enum ListenFDs {
    /// The first passed descriptor (`SD_LISTEN_FDS_START`).
    public static let firstFD: Int32 = 3

    /// The variables this reads, which `receiveFromProcess` removes from the environment.
    public static let variableNames = ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]

    /// Reads the passed descriptors from `environment`. Returns none when `LISTEN_PID` is unset or
    /// names another process (the variables were inherited, not meant for us). Sets `FD_CLOEXEC`
    /// on each descriptor, so children do not inherit them. Does not change the environment.
    public static func receive(
        environment: [String: String],
        processID: pid_t = getpid(),
        firstFD: Int32 = firstFD
    ) throws(SystemdError) -> [ListenSocket] {
        guard let pidValue = environment["LISTEN_PID"] else { return [] }
        guard let pid = pid_t(pidValue), pid > 0 else {
            throw .invalidVariable(name: "LISTEN_PID", value: pidValue)
        }
        guard pid == processID else { return [] }

        let countValue = environment["LISTEN_FDS"] ?? ""
        guard let count = Int32(countValue), count >= 0, count <= Int32.max - firstFD else {
            throw .invalidVariable(name: "LISTEN_FDS", value: countValue)
        }
        guard count > 0 else { return [] }

        let names: [String]
        if let namesValue = environment["LISTEN_FDNAMES"] {
            names = namesValue.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard names.count == count else {
                throw .nameCountMismatch(descriptors: Int(count), names: names.count)
            }
        } else {
            names = Array(repeating: "unknown", count: Int(count))
        }

        var sockets: [ListenSocket] = []
        for (index, name) in names.enumerated() {
            let fd = firstFD + Int32(index)
            try setCloseOnExec(fd)
            sockets.append(inspect(fd: fd, name: name))
        }
        return sockets
    }

    /// Reads the passed descriptors from the process environment and then removes the
    /// `LISTEN_*` variables (`sd_listen_fds(1)`), also when it throws. Call it once, at start-up.
    public static func receiveFromProcess() throws(SystemdError) -> [ListenSocket] {
        defer { ProcessEnvironment.unset(variableNames) }
        return try receive(environment: ProcessEnvironment.current())
    }

    private static func setCloseOnExec(_ fd: Int32) throws(SystemdError) {
        let flags = fcntl(fd, F_GETFD)
        guard flags >= 0 else { throw .systemCall("fcntl(\(fd), F_GETFD)", errno: errno) }
        if flags & FD_CLOEXEC == 0 {
            guard fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == 0 else {
                throw .systemCall("fcntl(\(fd), F_SETFD)", errno: errno)
            }
        }
    }

    private static func inspect(fd: Int32, name: String) -> ListenSocket {
        var rawType: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &rawType, &length) == 0 else {
            return ListenSocket(fd: fd, name: name, type: nil, localAddress: nil, isListening: false)
        }

        var accepting: Int32 = 0
        length = socklen_t(MemoryLayout<Int32>.size)
        let isListening = getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0 && accepting != 0

        var storage = sockaddr_storage()
        var addressLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &addressLength) }
        }
        return ListenSocket(
            fd: fd,
            name: name,
            type: SocketType(rawValue: rawType),
            localAddress: named == 0 ? ListenAddress(storage: storage, length: addressLength) : nil,
            isListening: isListening
        )
    }
}
