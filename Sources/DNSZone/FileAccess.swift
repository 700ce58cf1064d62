#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RegularFiles

/// The few file-system calls the loader needs, without Foundation.
enum FileAccess {
    /// The absolute path with every symlink, `.` and `..` resolved, or why there is none.
    static func realPath(_ path: String) -> Result<String, FileProblem> {
        guard let resolved = realpath(path, nil) else { return .failure(FileProblem(errno: errno)) }
        defer { free(resolved) }
        return .success(String(cString: resolved))
    }

    /// The contents of a regular file, never blocking (see `RegularFile`). Symlinks are not
    /// followed at the last component when `followLink` is false: callers pass a path already
    /// resolved by `realPath`, so a link swapped in afterwards is refused.
    static func read(_ path: String, followLink: Bool = true) -> Result<[UInt8], FileProblem> {
        RegularFile.read(path, followLink: followLink)
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
