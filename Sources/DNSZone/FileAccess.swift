#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
#endif

/// The few file-system calls the loader needs, without Foundation.
enum FileAccess {
    /// The absolute path with every symlink, `.` and `..` resolved, or why there is none.
    static func realPath(_ path: String) -> Result<String, FileProblem> {
        guard let resolved = realpath(path, nil) else { return .failure(FileProblem(errno: errno)) }
        defer { free(resolved) }
        return .success(String(cString: resolved))
    }

    /// The contents of a regular file. Symlinks are not followed at the last component: callers
    /// pass a path already resolved by `realPath`, so a link swapped in afterwards is refused.
    static func read(_ path: String, followLink: Bool = true) -> Result<[UInt8], FileProblem> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | (followLink ? 0 : O_NOFOLLOW))
        guard descriptor >= 0 else { return .failure(FileProblem(errno: errno)) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failure(FileProblem(errno: errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failure(FileProblem(message: "not a regular file")) }
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
        }
        return .success(bytes)
    }

    /// The folder part of a path: `zones` for `zones/a.zone`, `.` for `a.zone`, `/` for `/a.zone`.
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last path component.
    static func fileName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// `path` if absolute, else `path` inside `folder`.
    static func join(_ folder: String, _ path: String) -> String {
        if path.hasPrefix("/") || folder.isEmpty || folder == "." { return path }
        return folder.hasSuffix("/") ? folder + path : folder + "/" + path
    }

    /// Whether the resolved `path` is `root` or lies inside it (both resolved by `realPath`).
    static func isInside(_ path: String, root: String) -> Bool {
        if path == root { return true }
        return path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }
}

/// Why a file could not be resolved or read.
struct FileProblem: Error, CustomStringConvertible {
    var description: String

    init(message: String) { description = message }

    init(errno code: Int32) {
        description = String(cString: strerror(code))
    }
}
