import ZonesepConfig
import ZonesepCore

#if canImport(Glibc)
    import Glibc
#endif

/// What every fuzz target shares: the demonstration policy, and an input handed to a reader that opens
/// files by path.
public enum Fuzz {
    /// libFuzzer's input as a buffer (its pointer may be nil for the empty input).
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    }

    /// The policy of `$ZONESEP_FUZZ_CONFIG` (default `zones.conf`: the demonstration town hall, when run from
    /// the repository's top, as `scripts/fuzz` does). A harness without its policy cannot run: it stops.
    public static let demonstrationPolicy: Policy = {
        let path = getenv("ZONESEP_FUZZ_CONFIG").map { String(cString: $0) } ?? "zones.conf"
        let result = ZonesConfigLoader.load(path: path)
        guard let config = result.config else {
            for d in result.diagnostics { print(d) }
            fatalError("fuzz harness: \(path) does not give a policy")
        }
        return Policy(config)
    }()

    /// One file, reused for every input: an unlinked file in /dev/shm, opened by others through
    /// /proc/self/fd (readers that take a path get the input without touching a disk).
    nonisolated(unsafe) static var scratch: Int32 = {
        var template = Array("/dev/shm/zonesep-fuzz-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { fatalError("fuzz harness: cannot create a file in /dev/shm") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return fd
    }()

    /// Writes the input to the scratch file and returns a path that opens it.
    public static func file(_ bytes: UnsafeRawBufferPointer) -> String {
        let fd = scratch
        guard ftruncate(fd, 0) == 0 else { fatalError("fuzz harness: ftruncate failed") }
        var at = 0
        while at < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + at, bytes.count - at, off_t(at))
            guard n > 0 else { fatalError("fuzz harness: write to /dev/shm failed") }
            at += n
        }
        return "/proc/self/fd/\(fd)"
    }
}
