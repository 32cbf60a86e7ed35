import ZonesepCapture
import ZonesepOutput

/// What a file read to its end did to its own frames, as the summary's `files[].note` and stderr say it:
/// records cut to the snapshot length, times that go backwards, times before any capture an audit replays.
/// Each is the file's doing, not the traffic's, and changes what the run can be trusted with.
enum ReplayFileNotes {
    /// The notes of a file from its reading's statistics, in that order (none for a file in order, whole).
    static func notes(_ stats: CaptureTimeline.FileStats) -> [String] {
        var notes: [String] = []
        if let cut = stats.recordsCutToSnapshot {
            notes.append(
                "records longer than the file's snapshot length of \(cut.snapshot) bytes (the first is "
                    + "record \(cut.firstRecord)) were cut to it by libpcap: what lies past that length was not read")
        }
        if stats.stepsBack > 0 {
            // The merge of overlapping files, and a flow's idle time, read a file's times as they come.
            notes.append(
                "\(count(stats.stepsBack, of: stats.packets)) stamped earlier than the packet just before in "
                    + "the file (by up to \(seconds(stats.largestStepBackMicros))): the replay takes each file to "
                    + "be in time order (files are merged by time), so flows and verdicts near those packets may "
                    + "differ from what the capture's own order would give")
        }
        if stats.beforePlausible > 0, let earliest = stats.earliestBeforePlausible {
            notes.append(
                "\(count(stats.beforePlausible, of: stats.packets)) stamped before "
                    + "\(Timestamp.rfc3339(CaptureTimeline.plausibleSince)) (the earliest at "
                    + "\(Timestamp.rfc3339(earliest))), as by a sensor whose clock was not set: they are judged "
                    + "at that time, when an exception that has expired since may still allow them")
        }
        return notes
    }

    /// `3 of 91 packets are`, `1 of 2 packets is`.
    static func count(_ n: UInt64, of total: UInt64) -> String {
        "\(n) of \(total) \(total == 1 ? "packet" : "packets") \(n == 1 ? "is" : "are")"
    }

    /// A step of time to the microsecond, trailing zeros dropped: `0.3 s`, `3600 s`, `0.000001 s`.
    static func seconds(_ micros: Int64) -> String {
        let whole = micros / 1_000_000
        var fraction = String(micros % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(whole) s" : "\(whole).\(fraction) s"
    }
}
