import ArgumentParser
import FoundationEssentials
import ZonesepCapture
import ZonesepCore
import ZonesepCrypto
import ZonesepOutput
import ZonesepSavedRun

/// The report's file system side: the digest of zones.conf and writing the result.
enum ReportFile {
    /// `judgedSHA256`: the digest of the bytes the run was judged with (`PolicyConfig.sourceSHA256`), which
    /// a report written by the run itself shows rather than the file's digest now.
    static func provenance(configPath: String, judgedSHA256: String? = nil) throws(ReportError)
        -> AuditReport.Provenance
    {
        let digest: String
        if let judgedSHA256 { digest = judgedSHA256 } else { digest = try sha256(ofFile: configPath) }
        return AuditReport.Provenance(
            zonesepVersion: Zonesep.version, libpcapVersion: PcapFile.libraryVersion, configPath: configPath,
            configSHA256: digest)
    }

    /// SHA-256 of a file, read in 64 KiB pieces.
    static func sha256(ofFile path: String) throws(ReportError) -> String {
        var hasher = SHA256()
        do { try WholeFile.forEachPiece(path: path) { hasher.update($0) } } catch {
            throw ReportError("\(path): cannot be read to compute its SHA-256: \(error)")
        }
        return SHA256.hex(hasher.finalize())
    }

    /// The directory must exist and be writable, and the path must not be a directory; a path written into
    /// as it is (a device, a pipe, `/dev/stdout`) must be writable itself.
    static func checkWritable(_ path: String) throws {
        let fm = FileManager.default
        var isDir = false
        if fm.fileExists(atPath: path, isDirectory: &isDir), isDir {
            throw ValidationError("report file \(path) is a directory")
        }
        if WholeFile.writesInPlace(path) {
            guard fm.isWritableFile(atPath: path) else { throw ValidationError("report file \(path) is not writable") }
            return
        }
        let dir = PathText.parent(WholeFile.destination(of: path))
        let parent = dir.isEmpty ? "." : dir
        guard fm.fileExists(atPath: parent, isDirectory: &isDir), isDir else {
            throw ValidationError("report file \(path): directory \(parent) does not exist")
        }
        guard fm.isWritableFile(atPath: parent) else {
            throw ValidationError("report file \(path): directory \(parent) is not writable")
        }
    }

    /// Writes through a temporary file renamed into place, so a reader never sees half a report.
    static func write(_ text: String, to path: String) throws(ReportError) {
        if path == "-" {
            let out = LineWriter(fd: 1)
            out.write(line: String(text.dropLast(text.hasSuffix("\n") ? 1 : 0)))
            out.flush()
            if let failure = out.failure { throw ReportError("cannot write the report to standard output: \(failure)") }
            return
        }
        do {
            try WholeFile.writeAtomically(Array(text.utf8), to: path)
        } catch {
            throw ReportError("cannot write the report to \(path): \(error)")
        }
    }
}
