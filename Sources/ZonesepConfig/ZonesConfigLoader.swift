import FoundationEssentials
import ZonesepCore
import ZonesepCrypto

#if canImport(Glibc)
    import Glibc
#endif

/// Reads zones.conf (DESIGN.md, "zones.conf") into a `PolicyConfig`, reporting every problem it finds.
public enum ZonesConfigLoader {
    /// Japan Standard Time, UTC+9: how local dates and date-times of `expires` are read.
    public static let japanOffsetMinutes = 9 * 60

    /// Zone ids that would collide with the address classes alerts use for `src_zone`/`dest_zone`.
    public static let reservedZoneIDs = ["external", "unzoned", "local"]

    /// Checks `text` as the contents of `fileName` (used only in diagnostics).
    ///
    /// - Parameter now: microseconds since the Unix epoch; when given, exceptions that have expired by
    ///   then are reported as warnings.
    public static func load(text: String, fileName: String, now: Int64? = nil) -> ConfigResult {
        load(utf8: Array(text.utf8), fileName: fileName, now: now)
    }

    /// The same for bytes known to be UTF-8 (a `String`'s, or checked by `UTF8Text.isValid`).
    static func load(utf8 bytes: [UInt8], fileName: String, now: Int64?) -> ConfigResult {
        let document: TOMLTable
        do {
            document = try TOMLReader.parse(utf8: bytes)
        } catch {
            let d = ConfigDiagnostic(
                severity: .error, fileName: fileName, line: error.line, column: error.column,
                keyPath: error.keyPath ?? "", message: error.reason)
            return ConfigResult(config: nil, diagnostics: [d])
        }
        var checker = ConfigChecker(fileName: fileName, now: now)
        let config = checker.check(document)
        let sorted = checker.diagnostics.enumerated().sorted { a, b in
            let ka = (a.element.line ?? 0, a.element.column ?? 0, a.offset)
            let kb = (b.element.line ?? 0, b.element.column ?? 0, b.offset)
            return ka < kb
        }.map(\.element)
        let failed = sorted.contains { $0.severity == .error }
        return ConfigResult(config: failed ? nil : config, diagnostics: sorted)
    }

    /// Reads and checks the file at `path`; a file that cannot be read, or is not UTF-8, is a diagnostic.
    public static func load(path: String, now: Int64? = nil) -> ConfigResult {
        func failure(_ message: String) -> ConfigResult {
            ConfigResult(
                config: nil, diagnostics: [ConfigDiagnostic(severity: .error, fileName: path, message: message)])
        }
        let fm = FileManager.default
        var isDirectory = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return failure("cannot read the configuration: no such file")
        }
        if isDirectory { return failure("cannot read the configuration: it is a directory") }
        guard fm.isReadableFile(atPath: path), let bytes = readBytes(path) else {
            return failure("cannot read the configuration: permission denied or I/O error")
        }
        if let bad = UTF8Text.firstInvalidByte(bytes) {
            return ConfigResult(
                config: nil, diagnostics: [InvalidUTF8.diagnostic(bytes, badByte: bad, fileName: path)])
        }
        var result = load(utf8: bytes, fileName: path, now: now)
        // The digest of the very bytes judged with (not of the file read again later, which may have changed).
        result.config?.sourceSHA256 = SHA256.hex(SHA256.digest(bytes))
        return result
    }

    /// Every byte of the file at `path`, read straight into one array sized by the file; nil when it cannot
    /// be read. Read as `Data` and copied, a large policy's text was in memory twice, each copy in fresh
    /// pages (about 470 page faults for a file of 1.9 MB).
    static func readBytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        // One byte beyond the size, so that the end of a file of that size is seen without a second array.
        let expected = max(Int(st.st_size), 0) + 1
        var failed = false
        var bytes = [UInt8](unsafeUninitializedCapacity: expected) { buffer, count in
            while count < buffer.count {
                let n = read(fd, buffer.baseAddress! + count, buffer.count - count)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { failed = true }
                if n <= 0 { return }
                count += n
            }
        }
        if failed { return nil }
        guard bytes.count == expected else { return bytes }
        // The file is longer than it was said to be (it grew, or is not a regular file): the rest in pieces.
        var piece = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = piece.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { return bytes }
            bytes.append(contentsOf: piece[0..<n])
        }
    }
}
