public import IPAddress
import Foundation

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
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Error(path: path, reason: "cannot be read: \(error.localizedDescription)")
        }
        let servers = nameservers(text: text)
        guard !servers.isEmpty else {
            throw Error(path: path, reason: "has no usable nameserver line")
        }
        return servers
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
