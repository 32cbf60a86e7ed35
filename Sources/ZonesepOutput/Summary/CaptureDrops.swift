/// What a capture lost before zonesep saw it: a live one's (libpcap's counts at the end, added up over the
/// workers' handles), or what pcapng files record of theirs (their Interface Statistics Blocks: dumpcap
/// writes them). The summary's `dropped` and its line beside the coverage, which counts only the frames
/// seen, so that a share "verified" is not read as a share of all the traffic. Classic pcap files record none.
public struct CaptureDrops: Sendable, Equatable {
    /// Dropped by the kernel (a file's `isb_osdrop`): the capture buffer was full, the sensor fell behind.
    public var kernel: UInt64
    /// Dropped by the interface (its driver; a file's `isb_ifdrop`), where the platform says.
    public var interface: UInt64
    /// Counted by the files replayed, not by this run's own capture: said so.
    public var recordedInFiles = false
    /// Of the files replayed, those read that record no drops (a classic pcap, a pcapng without statistics):
    /// what they lost is not in `total`, and is unknown.
    public var filesNotRecording = 0
    /// Of the files replayed, those that record drops for some of their interfaces only (a pcapng file of
    /// several interfaces, statistics for some): part of what they lost is unknown, so they are counted
    /// with `filesNotRecording` in the summary's `dropped_unknown_files`.
    public var filesPartlyRecording = 0
    /// A file's interfaces that record no drops beside others that do; the run's: those of all its files.
    public var interfacesNotRecording = 0

    public init(kernel: UInt64, interface: UInt64, recordedInFiles: Bool = false) {
        self.kernel = kernel
        self.interface = interface
        self.recordedInFiles = recordedInFiles
    }

    /// A file's drops, as its pcapng statistics record them (`interfacesNotRecording`: its interfaces that
    /// record none).
    public static func file(interface: UInt64, system: UInt64, interfacesNotRecording: Int) -> CaptureDrops {
        var drops = CaptureDrops(kernel: system, interface: interface, recordedInFiles: true)
        drops.interfacesNotRecording = interfacesNotRecording
        return drops
    }

    /// The drops of the files that record theirs, added up; nil when none does.
    public static func recorded(in files: [ReplaySummary.FileResult]) -> CaptureDrops? {
        let recorded = files.compactMap(\.recordedDrops)
        guard !recorded.isEmpty else { return nil }
        var drops = CaptureDrops(
            kernel: recorded.reduce(0) { $0 &+ $1.kernel }, interface: recorded.reduce(0) { $0 &+ $1.interface },
            recordedInFiles: true)
        drops.filesNotRecording = files.count { $0.recordedDrops == nil && $0.skipped == nil && $0.linkType != nil }
        drops.filesPartlyRecording = recorded.count { $0.interfacesNotRecording > 0 }
        drops.interfacesNotRecording = recorded.reduce(0) { $0 + $1.interfacesNotRecording }
        return drops
    }

    /// The summary's `dropped_unknown_files`: files whose losses are unknown, in whole or in part.
    public var filesUnknown: Int { filesNotRecording + filesPartlyRecording }

    /// What the files that record no drops, or record them for some interfaces only, leave unknown, after the
    /// count: "" when every interface of every file records them.
    private var unknownPart: String {
        let (none, part, interfaces) = (filesNotRecording, filesPartlyRecording, interfacesNotRecording)
        guard none + part > 0 else { return "" }
        let interfacesPart =
            "\(interfaces) \(interfaces == 1 ? "interface records" : "interfaces record") "
            + "\(none > 0 ? "none" : "no drops") beside others that do"
        var text = "; "
        if none > 0 { text += "\(none) of the files \(none == 1 ? "records" : "record") no drops" }
        if none > 0 && part > 0 { text += ", and in \(part), " + interfacesPart }
        if none == 0 { text += "in \(part) of the files, " + interfacesPart }
        let one = part == 0 ? none == 1 : none == 0 && interfaces == 1
        return text + ": what \(one ? "it" : "they") lost is unknown"
    }

    /// Who says so: the capture itself, or the files' own statistics.
    private var source: String { recordedInFiles ? "as the pcapng files record" : "by the capture" }

    /// The two counts, each written by `number`: the kernel's (a file's operating system's) and the interface's.
    private func parts(_ number: (UInt64) -> String = { "\($0)" }) -> String {
        "\(recordedInFiles ? "operating system" : "kernel") \(number(kernel)), interface \(number(interface))"
    }

    /// The summary's `dropped`: both, one number, as `zonesep report` reads it.
    public var total: UInt64 { kernel &+ interface }

    /// The text summary's line after the coverage line, said when none was dropped too (a live run knew it).
    public var textLine: String {
        var line =
            "\(total) \(total == 1 ? "packet" : "packets") dropped \(source) before zonesep saw "
            + "\(total == 1 ? "it" : "them") (\(parts()))" + unknownPart
        if total > 0 {
            line += ": the coverage above counts only the frames zonesep saw; \"no violation\" says nothing of these."
        }
        return line + "\n"
    }

    /// The stderr warning at the end of a run that lost packets: the whole count, whatever the rate-limited
    /// warnings said while it ran.
    public var warning: String? {
        guard total > 0 else { return nil }
        return "\(CoverageReport.grouped(total)) \(total == 1 ? "packet was" : "packets were") dropped \(source) "
            + "(\(parts(CoverageReport.grouped))) before "
            + "zonesep saw them: they were never judged, and the summary's coverage counts only the frames seen"
            + unknownPart
    }
}
