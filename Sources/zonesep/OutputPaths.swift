import ArgumentParser
import ZonesepCapture
import ZonesepCore
import ZonesepRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// Refuses, before anything is read or written, a run whose outputs would write over what it reads: `replay
/// --report X X` replaced the capture under audit with the report, `--alerts`/`--flows` naming a capture
/// appended JSON into it (and the capture was then blamed as damaged), `report run.jsonl -o run.jsonl`
/// replaced the saved run. Files are compared by device and inode, so another spelling of the same file is
/// caught too; a path that does not exist yet, by its resolved path.
struct OutputPaths {
    /// A path the run writes, with the option that names it.
    struct Output {
        var option: String
        var path: String
        var isDirectory = false
        /// `-` names standard output (`report -o -`). For the files a run writes beside its stdout
        /// (`--alerts`, `--flows`, `--evidence`, `replay --report`) it does not: their lines would be mixed
        /// into the alerts and the summary there, and a file named `-` was made instead.
        var dashIsStandardOutput = false
    }

    /// A path the run reads, with how a message names it ("the capture file X", "--config's file").
    struct Input {
        var what: String
        var path: String
    }

    var outputs: [Output] = []
    var inputs: [Input] = []

    /// The delivery options' outputs (`--alerts`, `--flows`, `--evidence`) and inputs (the syslog TLS files).
    mutating func add(_ d: DeliveryOptions, evidence: EvidenceOptions? = nil) {
        if let p = d.alerts { outputs.append(Output(option: "--alerts", path: p)) }
        if let p = d.flows { outputs.append(Output(option: "--flows", path: p)) }
        if let p = evidence?.evidence { outputs.append(Output(option: "--evidence", path: p, isDirectory: true)) }
        for (option, path) in [
            ("--syslog-ca", d.syslogCa), ("--syslog-cert", d.syslogCert), ("--syslog-key", d.syslogKey),
        ] {
            if let path { inputs.append(Input(what: "the \(option) file", path: path)) }
        }
    }

    mutating func addConfig(_ path: String) { inputs.append(Input(what: "the --config file", path: path)) }

    /// `replay`'s capture files and directories.
    mutating func addCaptures(_ paths: [String]) {
        inputs += paths.map { Input(what: "a capture input of this run", path: $0) }
    }

    /// Throws a usage error naming the option and the file at the first clash, or at a `-` that would not be
    /// standard output.
    func check() throws {
        for out in outputs where out.path == "-" && !out.dashIsStandardOutput {
            let noun = out.isDirectory ? "directory" : "file"
            throw ValidationError(
                "\(out.option) -: standard output already carries the alerts and the summary (--output json|text): "
                    + "name a \(noun) (./- for a \(noun) called -)")
        }
        // `-` is a standard stream (reading stdin; `report -o -`), and a device or pipe written into
        // (`/dev/null`, a FIFO a collector reads) replaces no file.
        let written = outputs.filter { $0.path != "-" && !Self.isDeviceOrPipe($0.path) }
        let read = inputs.filter { $0.path != "-" }
        let inputIDs = read.map { FileIdentity(of: $0.path) }
        var seen: [(Output, FileIdentity)] = []
        for out in written {
            let id = FileIdentity(of: out.path)
            let shown = VisibleText.escape(out.path)
            if let i = inputIDs.firstIndex(of: id) {
                let input = read[i]
                let what =
                    input.path == out.path ? input.what : "\(input.what) (\(VisibleText.escape(input.path)))"
                throw ValidationError(
                    "\(out.option) \(shown): is also \(what); zonesep does not write over what it "
                        + "reads: name another \(out.isDirectory ? "directory" : "file")")
            }
            if let (other, _) = seen.first(where: { $0.1 == id }) {
                throw ValidationError(
                    "\(out.option) \(shown): is also the \(other.option) \(other.isDirectory ? "directory" : "file") "
                        + "of this run: name different ones")
            }
            seen.append((out, id))
            if !out.isDirectory, Self.isRegularFile(out.path), CaptureMagic.of(path: out.path) == .capture {
                throw ValidationError(
                    "\(out.option) \(shown): is a capture file (it begins with a pcap or pcapng header); zonesep "
                        + "does not write into captures: name another file")
            }
            if out.isDirectory, let found = Self.evidenceNamedInput(read, in: id) {
                throw ValidationError(
                    "\(out.option) \(shown): the capture \(VisibleText.escape(found)) of this run lies in it under "
                        + "an evidence file's name, which this run may replace, or remove to keep within the "
                        + "evidence budget: copy it elsewhere to replay it")
            }
        }
    }

    /// A capture file given that lies directly in the evidence directory `directory` under an evidence
    /// file's name (`<time>_<rule>_<flow id>.pcap`): the evidence writer replaces such a file when a flow
    /// of the same name comes again, and removes the oldest to keep within its budget.
    static func evidenceNamedInput(_ inputs: [Input], in directory: FileIdentity) -> String? {
        guard directory.inode != nil else { return nil }
        for input in inputs {
            let name = input.path.split(separator: "/").last.map(String.init) ?? input.path
            guard EvidenceWriter.startMicros(ofName: name) != nil else { continue }
            let parent = PathText.parent(input.path)
            if FileIdentity(of: parent.isEmpty ? "." : parent) == directory { return input.path }
        }
        return nil
    }

    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFREG
    }

    static func isDeviceOrPipe(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        let type = st.st_mode & S_IFMT
        return type != S_IFREG && type != S_IFDIR
    }
}
