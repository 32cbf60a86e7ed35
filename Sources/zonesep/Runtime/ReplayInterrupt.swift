import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The signal that asked a replay to stop (0: none yet), set by the handler: a lock-free atomic store is
/// async-signal-safe, and the replay loop reads it between two batches.
private let replayStopSignal = Atomic<Int32>(0)

/// The handler: records the signal, and gives the next one its default action back, so that a second
/// Ctrl-C ends a replay whose closing (evidence hashes, the report) takes too long.
private func recordReplayStop(_ signal: Int32) {
    let saved = errno
    replayStopSignal.store(signal, ordering: .relaxed)
    Glibc.signal(signal, SIG_DFL)
    errno = saved
}

/// `replay` stopped by Ctrl-C (SIGINT) or SIGTERM: it stops reading between two batches, ends the flows,
/// hashes the evidence files and writes the summary and the report of what was read, marked
/// `interrupted`, rather than dying with what it had found unwritten. The exit status is the shell's for
/// death by that signal (128 + its number: 130, 143), so a script sees what it saw before.
enum ReplayInterrupt {
    static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { recordReplayStop($0) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
    }

    /// The signal that asked to stop, if one did.
    static var requested: Int32? {
        let s = replayStopSignal.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }

    /// The exit status of a replay a signal stopped.
    static func status(_ signal: Int32) -> Int32 { 128 + signal }

    static func name(_ signal: Int32) -> String { signal == SIGINT ? "SIGINT" : "SIGTERM" }
}
