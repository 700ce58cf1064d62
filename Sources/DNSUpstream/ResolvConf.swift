public import IPAddress
import RegularFiles
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

    /// The file's bytes as UTF-8 (invalid sequences replaced); at most 1 MiB. Only a regular file
    /// is read: a FIFO would make `check` and every reload wait for a writer.
    private static func readText(_ path: String) throws(Error) -> String {
        switch RegularFile.read(path, maxSize: 1 << 20) {
        case .success(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .failure(let problem): throw Error(path: path, reason: "cannot be read: \(problem)")
        }
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
