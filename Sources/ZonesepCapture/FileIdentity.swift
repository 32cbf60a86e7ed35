import ZonesepCore

#if canImport(Glibc)
    import Glibc
#endif

/// Which file a path leads to, so that two spellings of one file (`./a`, `dir/../a`, a link to it) compare
/// equal: its device and inode where it exists, its resolved path where it does not yet. The run's outputs
/// are checked against its inputs with it, and a directory walk leaves the run's own outputs out.
public enum FileIdentity: Hashable, Sendable {
    case inode(device: UInt64, inode: UInt64)
    /// A path that leads to nothing: its directory resolved (`realpath`), then its last component.
    case path(String)

    /// Links followed, as opening the path would.
    public init(of path: String) {
        var st = stat()
        if stat(path, &st) == 0 {
            self = .inode(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
            return
        }
        self = .path(FileIdentity.resolved(path))
    }

    /// `path` made absolute with its directory's links and `..` resolved; as given (made absolute) when
    /// its directory does not exist either.
    static func resolved(_ path: String) -> String {
        let parent = PathText.parent(path)
        let name = path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
        let base = parent.isEmpty ? "." : parent
        if let real = realpath(base, nil) {
            defer { free(real) }
            return PathText.appending(name, to: String(cString: real))
        }
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        return PathText.appending(path, to: String(cString: buffer))
    }

    /// The device and inode of a file that exists, nil otherwise.
    public var inode: (device: UInt64, inode: UInt64)? {
        if case .inode(let d, let i) = self { return (d, i) }
        return nil
    }
}
