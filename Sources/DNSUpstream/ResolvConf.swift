public import IPAddress
#if canImport(Glibc)
import Glibc
#endif

/// Reads the upstream servers of a resolv.conf file, for `upstreams: ["resolv.conf"]`.
public enum ResolvConf {
    /// Why a resolv.conf gave no servers.
    public struct Error: Swift.Error, Sendable, Hashable, CustomStringConvertible {
        public var path: String
        public var reason: String

        public var description: String { "\(path): \(reason)" }
    }

    /// The `nameserver` lines of `path`, in order, each IPv4 or IPv6 (a `%scope` suffix is
    /// dropped), port 53. Lines starting with `#` or `;` are comments; a `nameserver` value that is
    /// not an address is skipped, as glibc does. Unlike glibc, all servers are kept, not only the
    /// first three. Throws when the file cannot be read or names no server.
    public static func nameservers(path: String = "/etc/resolv.conf") throws -> [SocketAddress] {
        let servers = nameservers(text: try readText(path))
        guard !servers.isEmpty else {
            throw Error(path: path, reason: "has no usable nameserver line")
        }
        return servers
    }

    /// The file's bytes as UTF-8 (invalid sequences replaced); at most 1 MiB.
    private static func readText(_ path: String) throws(Error) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw Error(path: path, reason: "cannot be opened: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw Error(path: path, reason: "cannot be read: \(String(cString: strerror(errno)))")
            }
            bytes += chunk[0..<count]
            guard bytes.count <= 1 << 20 else { throw Error(path: path, reason: "is larger than 1 MiB") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The `nameserver` lines of resolv.conf text.
    static func nameservers(text: String) -> [SocketAddress] {
        var servers: [SocketAddress] = []
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver" else { continue }
            var value = fields[1]
            if let percent = value.firstIndex(of: "%") {
                value = value[..<percent]
            }
            if let ip = IPAddress(value) {
                servers.append(SocketAddress(ip: ip, port: 53))
            }
        }
        return servers
    }
}
