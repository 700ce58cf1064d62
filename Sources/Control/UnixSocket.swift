#if canImport(Glibc)
import Glibc
#endif
import Platform

/// Why the control socket could not be set up or reached.
public struct ControlError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }

    static func system(_ what: String, path: String) -> ControlError {
        let code = errno
        let hint = code == EACCES || code == EPERM ? " (permission denied: run as root, the daemon's user, or a member of control.group)" : ""
        return ControlError("\(what) \(path): \(errnoText(code))\(hint)")
    }
}

/// A `sockaddr_un` for `path`, or nil when the path is too long for one.
func unixAddress(_ path: String) -> sockaddr_un? {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard bytes.count < capacity else { return nil }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (index, byte) in bytes.enumerated() { raw[index] = byte }
        raw[bytes.count] = 0
    }
    return address
}

/// Reads until EOF or `limit` bytes (or until a newline when `line` is set).
func readAll(_ fd: Int32, limit: Int, line: Bool) -> [UInt8] {
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while result.count < limit {
        let count = read(fd, &buffer, buffer.count)
        if count < 0, errno == EINTR { continue }
        guard count > 0 else { break }
        result += buffer[0..<count]
        if line, buffer[0..<count].contains(0x0a) { break }
    }
    return result
}

func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written < 0, errno == EINTR { continue }
        guard written > 0 else { return }
        offset += written
    }
}
