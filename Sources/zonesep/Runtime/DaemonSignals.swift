import ZonesepRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// The write end of the signal pipe, read by the handler: a signal handler can only reach globals.
nonisolated(unsafe) private var signalPipeDescriptor: Int32 = -1

/// The handler: one write of the signal number (async-signal-safe), errno preserved.
private func recordSignal(_ signal: Int32) {
    let saved = errno
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(signalPipeDescriptor, &byte, 1)
    errno = saved
}

/// The daemon's signals turned into bytes on a pipe (the self-pipe trick), so the control loop handles
/// them in ordinary code between two polls: SIGHUP reloads, SIGTERM and SIGINT stop. SIGUSR1, SIGUSR2 and
/// SIGALRM, whose default action would kill the daemon without its summary or evidence hashes (operators
/// send USR1/USR2 to many daemons to dump stats or reopen logs), are ignored, and the first of each said.
///
/// A handler rather than a blocked signal with signalfd: the runtime may own threads that did not block
/// it, and a stop must never fall through to the default action and lose the summary.
enum DaemonSignals {
    enum Request: Equatable {
        case reload
        case stop(Int32)
        /// A signal that means nothing to zonesep.
        case ignored(Int32)
    }

    /// Signals zonesep ignores (rather than die of their default action).
    static let ignored: [Int32] = [SIGUSR1, SIGUSR2, SIGALRM]
    static let handled: [Int32] = [SIGHUP, SIGTERM, SIGINT] + ignored

    /// Installs the handlers writing to `wakeup`, and ignores SIGPIPE and SIGXFSZ (a closed stdout, or a
    /// file past the size limit, is a write error, not a reason to die with alerts unwritten).
    static func install(_ wakeup: Wakeup) {
        signalPipeDescriptor = wakeup.writeDescriptor
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { recordSignal($0) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        for s in handled { sigaction(s, &action, nil) }
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
    }

    /// Keeps the handled signals away from the calling thread (capture workers), so they reach the control
    /// thread and do not interrupt a worker's poll.
    static func blockInCurrentThread() {
        var set = sigset_t()
        sigemptyset(&set)
        for s in handled { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// The requests among the bytes read from the pipe, in order.
    static func requests(_ bytes: [UInt8]) -> [Request] {
        bytes.compactMap { b in
            let s = Int32(b)
            if s == SIGHUP { return .reload }
            if s == SIGTERM || s == SIGINT { return .stop(s) }
            if ignored.contains(s) { return .ignored(s) }
            return nil
        }
    }

    /// The name of one of the handled signals, as `kill -l` spells it with its prefix.
    static func name(_ s: Int32) -> String {
        switch s {
        case SIGHUP: return "SIGHUP"
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        case SIGUSR1: return "SIGUSR1"
        case SIGUSR2: return "SIGUSR2"
        case SIGALRM: return "SIGALRM"
        default: return "signal \(s)"
        }
    }

    /// Says on stderr, once per signal, that an ignored signal came: an operator who sent it expecting a
    /// stats dump or a log reopen learns it did nothing, without a flood when something sends it in a loop.
    struct IgnoredNotes {
        private var said: Set<Int32> = []

        mutating func note(_ s: Int32) {
            guard said.insert(s).inserted else { return }
            Diagnostics.note(
                "\(DaemonSignals.name(s)) ignored: SIGHUP reloads zones.conf, SIGTERM or SIGINT stops "
                    + "(further \(DaemonSignals.name(s)) are ignored without a word)")
        }
    }
}
