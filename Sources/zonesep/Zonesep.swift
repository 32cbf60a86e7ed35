import ArgumentParser
import ZonesepOutput
import ZonesepRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// zonesep: verifies three-tier network separation (三層の対策) from the packets themselves.
@main
struct Zonesep: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "zonesep",
        abstract: "Verify a municipality's three-tier network separation (三層の対策) from captured traffic.",
        version: version,
        subcommands: [Check.self, Replay.self, Watch.self, Collect.self, Report.self]
    )

    /// Exit statuses of DESIGN.md: usage errors are 2, like configuration and input errors.
    static func main() {
        // A reader that closes stdout early (`| head -1`) makes the next write fail with EPIPE, counted and
        // said on stderr like a full disk, instead of killing zonesep with the report, the alerts and
        // flows files and the evidence unfinished. Sockets (syslog over TCP and TLS) likewise.
        signal(SIGPIPE, SIG_IGN)
        // A file grown past the process's size limit (`ulimit -f`, systemd's LimitFSIZE=): the write fails
        // with EFBIG, counted like a full disk, instead of SIGXFSZ ending the run with nothing finished.
        signal(SIGXFSZ, SIG_IGN)
        // A cut line an append-only file would not let go of: said when it happens, counted at the end.
        TornLines.report { Diagnostics.error($0) }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            let status = exitCode(for: error)
            if status == .success {
                exit(withError: error)  // --help, --version
            }
            let message = fullMessage(for: error)
            if !message.isEmpty { Diagnostics.note(message) }
            Glibc.exit(status == .validationFailure ? ExitStatus.usage : status.rawValue)
        }
    }
}

/// DESIGN.md's exit statuses.
enum ExitStatus {
    static let clean: Int32 = 0
    static let violations: Int32 = 1
    static let usage: Int32 = 2
}
