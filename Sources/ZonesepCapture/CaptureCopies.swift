import ZonesepCrypto

#if canImport(Glibc)
    import Glibc
#endif

/// Capture files that are copies of one another: the same bytes under another name (a capture copied
/// into the audit folder and also named from the share it came from). Read twice, a copy was merged with
/// its original packet by packet, doubling every count without a word (REVIEW-145 F5).
///
/// Only files of the same size are compared, first by the SHA-256 of their first 64 KiB, then of all their
/// bytes: files of different sizes are never read here. A file that cannot be read here is taken for no copy
/// (its reader names what is wrong with it).
enum CaptureCopies {
    static let headBytes = 64 * 1024

    /// For each file that is a copy of an earlier one in `files`, its index and the earlier one's.
    static func copies(in files: [String]) -> [(copy: Int, of: Int)] {
        var bySize: [Int64: [Int]] = [:]
        for (i, path) in files.enumerated() {
            var st = stat()
            guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size > 0 else { continue }
            bySize[Int64(st.st_size), default: []].append(i)
        }
        var found: [(copy: Int, of: Int)] = []
        for group in bySize.values where group.count > 1 {
            var byHead: [[UInt8]: [Int]] = [:]
            for i in group {
                if let h = digest(files[i], limit: headBytes) { byHead[h, default: []].append(i) }
            }
            for same in byHead.values where same.count > 1 {
                var first: [[UInt8]: Int] = [:]
                for i in same.sorted() {
                    guard let h = digest(files[i], limit: nil) else { continue }
                    if let j = first[h] { found.append((i, j)) } else { first[h] = i }
                }
            }
        }
        return found.sorted { $0.copy < $1.copy }
    }

    /// The SHA-256 of the first `limit` bytes of the file at `path` (all of it when nil); nil when it
    /// cannot be read.
    static func digest(_ path: String, limit: Int?) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var hasher = ZonesepCrypto.SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var left = limit ?? Int.max
        while left > 0 {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, left)) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            left -= n
        }
        return hasher.finalize()
    }
}
