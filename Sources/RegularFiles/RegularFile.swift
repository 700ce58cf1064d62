#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
#endif
import Platform

/// Reads config and zone files without ever blocking on something that is not a file.
///
/// The path is opened non-blocking and checked with `fstat` before any read: a FIFO, socket or
/// device is refused at once (opening a FIFO for reading would wait for a writer, and reading one
/// would wait for data, hanging `vpcdns check` and every reload). A regular file never blocks.
public enum RegularFile {
    /// The whole file at `path`. With `followLink` false a symlink at the last component is
    /// refused. Files over `maxSize` bytes are refused unread.
    public static func read(_ path: String, followLink: Bool = true, maxSize: Int = .max) -> Result<[UInt8], FileProblem> {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | (followLink ? 0 : O_NOFOLLOW))
        guard descriptor >= 0 else { return .failure(FileProblem(errno: errno)) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failure(FileProblem(errno: errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            return .failure(FileProblem(message: "not a regular file (\(kind(info.st_mode)))"))
        }
        guard Int(info.st_size) <= maxSize else { return .failure(FileProblem(message: "larger than \(maxSize) bytes")) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(FileProblem(errno: errno))
            }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
            // The file may grow while it is read.
            if bytes.count > maxSize { return .failure(FileProblem(message: "larger than \(maxSize) bytes")) }
        }
        return .success(bytes)
    }

    /// What a file that is not regular is, for the error message.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFDIR: "a directory"
        default: "not a file"
        }
    }
}

/// Why a file could not be resolved or read.
public struct FileProblem: Error, CustomStringConvertible {
    public var description: String

    public init(message: String) { description = message }

    public init(errno code: Int32) {
        description = errnoText(code)
    }
}
