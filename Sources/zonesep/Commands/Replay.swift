import ArgumentParser
import ZonesepCapture
import ZonesepCore
import ZonesepOutput
import ZonesepRuntime

extension Zonesep {
    /// `zonesep replay`: verify capture files against the policy, as an audit does.
    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replay",
            abstract: "Replay pcap/pcapng files and report every flow that breaks the separation policy.",
            discussion: """
                Files are read in the order of their first packet, and files whose packets overlap in time are \
                merged packet by packet in timestamp order; a directory means every capture file under it, known by its first bytes. \
                Exit status: 0 no violation, 1 violations found, 2 usage, configuration or input error; \
                130 or 143 when Ctrl-C (SIGINT) or SIGTERM stopped it, after the summary of what was read.
                """)

        @Option(name: .long, help: SharedOptionHelp.config)
        var config: String = SharedOptionHelp.defaultConfig

        @Option(name: .long, help: SharedOptionHelp.output)
        var output: OutputFormat = .text

        @OptionGroup(title: "Alert delivery and evidence") var deliveryOptions: DeliveryOptions
        @OptionGroup(title: "Alert delivery and evidence") var evidenceOptions: EvidenceOptions

        @Option(name: .long, help: "Also write the audit report of the run to this file.")
        var report: String?

        @Option(name: .long, help: "html (default): the whole report, self-contained; md or csv: its tables alone.")
        var reportFormat: ReportFormat?

        @Option(name: .long, help: "Hard cap on flows held at once; beyond it the oldest are evicted and counted.")
        var maxFlows: Int = 1 << 20

        @Option(
            name: .long,
            help: ArgumentHelp(
                "auto: pcap and pcapng files through zonesep's buffered readers; libpcap: libpcap alone (diagnostics).",
                visibility: .hidden))
        var reader: CaptureFileReader.Mode = .auto

        @Argument(help: "Capture files (pcap or pcapng), or directories of them.")
        var inputs: [String] = []

        /// What this run writes while it reads, which a directory given as input must not be read for (its
        /// evidence, read back, counted every packet twice). Not the report: it is written after the walk,
        /// which meets only an earlier one, skipped as no capture (and one that holds a capture is refused).
        var ownOutputs: [CaptureSet.OwnOutput] {
            let d = deliveryOptions
            return [
                evidenceOptions.evidence.map { CaptureSet.OwnOutput(path: $0, role: "--evidence directory") },
                d.alerts.map { CaptureSet.OwnOutput(path: $0, role: "--alerts file") },
                d.flows.map { CaptureSet.OwnOutput(path: $0, role: "--flows file") },
            ].compactMap { $0 }
        }

        /// `--report` and `--report-format`.
        var reportOptions: ReportOptions { ReportOptions(report: report, reportFormat: reportFormat) }

        func validate() throws {
            try reportOptions.validate()
            if inputs.isEmpty { throw ValidationError("name at least one capture file or directory") }
            if maxFlows < 1 { throw ValidationError("--max-flows must be at least 1") }
            try MaxFlowsCheck.validate(maxFlows)
            var paths = OutputPaths()
            paths.add(deliveryOptions, evidence: evidenceOptions)
            if let report { paths.outputs.append(OutputPaths.Output(option: "--report", path: report)) }
            paths.addConfig(config)
            paths.addCaptures(inputs)
            try paths.check()
        }

        func run() throws {
            guard let policyConfig = PolicyLoading.load(config, now: nil) else {
                throw ExitCode(ExitStatus.usage)
            }
            let policy = Policy(policyConfig)
            // Left to the end of the process, which this command is, rather than freed object by object as
            // the run's state unwinds: a policy of ten thousand exceptions is tens of thousands of lists and
            // texts, long out of the cache by then (about 1.5 ms). A replay loads one policy; `watch`, which
            // reloads, frees each one it replaces.
            _ = Unmanaged.passRetained(policy)
            let delivery: DeliveryPipeline
            do {
                delivery = try DeliveryPipeline(
                    deliveryOptions.config(defaultSuppressWindow: 0, evidence: evidenceOptions),
                    stdout: StdoutSink(format: output, flushEachLine: false))
            } catch {
                Diagnostics.error(error.description)
                throw ExitCode(ExitStatus.usage)
            }
            var runner = ReplayRunner(policy: policy, delivery: delivery, maxFlows: maxFlows)
            runner.readerMode = reader
            ReplayInterrupt.install()
            var status = runner.run(inputs, leavingOut: ownOutputs)
            if !reportOptions.write(runner.summary, configPath: config) { status = ExitStatus.usage }
            // Stopped by a signal: the status says so whatever was found (the summary is of part of the input).
            if let signal = runner.interruptedBy { status = ReplayInterrupt.status(signal) }
            if let summary = runner.summary,
                let note = ReplayExitNote.warning(status: status, summary: summary, interruptedBy: runner.interruptedBy)
            {
                Diagnostics.warning(note)
            }
            if status != ExitStatus.clean { throw ExitCode(status) }
        }
    }
}

/// The replay lifecycle: inputs in time order, every frame through the session, alerts out as found,
/// the summary at the end whatever happened to the files.
struct ReplayRunner {
    let session: Session
    let delivery: DeliveryPipeline
    var inputFailed = false
    /// Which reader opens the files (the hidden `--reader` option; `auto` unless diagnosing).
    var readerMode = CaptureFileReader.Mode.auto
    /// The run's summary once `run` has returned (for the audit report).
    var summary: ReplaySummary?
    /// The signal (SIGINT, SIGTERM) that stopped the reading, if one did.
    var interruptedBy: Int32?

    init(policy: Policy, delivery: DeliveryPipeline, maxFlows: Int) {
        self.delivery = delivery
        session = Session(policy: policy, maxFlows: maxFlows, sinks: delivery.eventSinks(session: 0))
    }

    /// One line for the files of the directories given that are not captures (a README, a saved report
    /// beside the captures): named, up to a few, while the summary's `files` gives each with its reason.
    static func skippedLine(_ skipped: [CaptureSet.Problem]) -> String? {
        guard !skipped.isEmpty else { return nil }
        let shown = 5
        var names = skipped.prefix(shown).map { VisibleText.escape($0.path) }.joined(separator: ", ")
        if skipped.count > shown { names += " and \(skipped.count - shown) more" }
        return "\(skipped.count) file(s) in the directories given are not captures and were skipped "
            + "(each is in the summary's files with the reason): \(names)"
    }

    /// One line for the files reached more than once (two arguments, a directory and a file in it, a
    /// symbolic link beside its target), each read once: named, up to a few, with the file read instead.
    static func duplicatesLine(_ duplicates: [CaptureSet.Problem]) -> String {
        let shown = 5
        var names = duplicates.prefix(shown).map { VisibleText.escape("\($0.path) (\($0.reason))") }
            .joined(separator: ", ")
        if duplicates.count > shown { names += " and \(duplicates.count - shown) more" }
        return "\(duplicates.count) input(s) are a file given already, or a copy of one, and were not read again "
            + "(each is in the summary's files with the reason): " + names
    }

    /// One line for the run's own outputs met in the directories given, which are not read (the summary's
    /// `files` lists them too, with the same reason).
    static func ownOutputsLine(_ own: [CaptureSet.Problem]) -> String? {
        guard !own.isEmpty else { return nil }
        return own.map { "\(VisibleText.escape($0.path)): \($0.reason)" }.joined(separator: "; ")
    }

    mutating func run(_ inputs: [String], leavingOut own: [CaptureSet.OwnOutput] = []) -> Int32 {
        let (expanded, problems, nonCaptures) = CaptureSet.expand(inputs, leavingOut: own)
        for p in problems {
            Diagnostics.error(p.description)
            inputFailed = true
        }
        if let line = Self.ownOutputsLine(nonCaptures.filter(\.isOwnOutput)) { Diagnostics.note(line) }
        if let line = Self.skippedLine(nonCaptures.filter { !$0.isOwnOutput }) { Diagnostics.warning(line) }
        let (paths, duplicates) = CaptureSet.readOnce(expanded)
        if !duplicates.isEmpty { Diagnostics.warning(Self.duplicatesLine(duplicates)) }
        let skipped = duplicates + nonCaptures
        let timeline = CaptureTimeline(CaptureSet.inTimeOrder(paths), mode: readerMode)
        var results = timeline.entries.map { ReplaySummary.FileResult(path: $0.path) }
        replay(timeline, into: &results)
        // An argument that gave no file to read (missing, unreadable, an empty directory, a subdirectory
        // that cannot be listed) is listed after the files read, with its reason: the summary and the
        // report must name it, as they name a file that could not be read.
        results += problems.map { p in
            var unusable = ReplaySummary.FileResult(path: p.path)
            unusable.error = p.description
            return unusable
        }
        // A file read once though reached twice, and a file of a directory that is no capture, are listed
        // too, so that nothing given goes unaccounted.
        results += skipped.map { s in
            var passed = ReplaySummary.FileResult(path: s.path)
            passed.skipped = s.reason
            return passed
        }
        var summary = session.finish(files: results)
        summary.interrupted = interruptedBy != nil
        summary.zonesepVersion = Zonesep.version
        summary.libpcapVersion = PcapFile.libraryVersion
        // What pcapng files record of their capture's drops: the traffic they never held was never judged.
        summary.captureDrops = CaptureDrops.recorded(in: results)
        delivery.finish(into: &summary)
        let written = delivery.writeSummary(summary.record(format: delivery.stdout.format), alertsFileToo: false)
        delivery.close()
        for line in delivery.closingLosses(summary: written) { Diagnostics.error(line) }
        if let warning = CoverageReport.warning(summary.counters) { Diagnostics.warning(warning) }
        if let warning = CoverageReport.tunnelWarning(summary.counters) { Diagnostics.warning(warning) }
        if let warning = CoverageReport.hostRulesWarning(summary.counters) { Diagnostics.warning(warning) }
        for f in summary.files {
            if let warning = CoverageReport.gapWarning(path: f.path, gaps: f.gaps, notListed: f.gapsNotListed) {
                Diagnostics.warning(warning)
            }
        }
        if let warning = PacketTimeReport.warning(summary.counters) { Diagnostics.warning(warning) }
        if let warning = ConduitMACReport.warning(summary.declarations) { Diagnostics.warning(warning) }
        if let warning = PolicyBreakingTunnel.warning(
            summary.tunnelsBreakingPolicy, notListed: summary.tunnelsBreakingPolicyNotListed)
        {
            Diagnostics.warning(warning)
        }
        if let warning = summary.captureDrops?.warning { Diagnostics.warning(warning) }
        self.summary = summary
        if inputFailed { return ExitStatus.usage }
        return summary.alertsTotal > 0 ? ExitStatus.violations : ExitStatus.clean
    }

    /// Replays the files as one timeline (overlapping files merged packet by packet, the others one after
    /// the other); a file that cannot be opened, or breaks off, is reported and the replay goes on.
    mutating func replay(_ timeline: CaptureTimeline, into results: inout [ReplaySummary.FileResult]) {
        while true {
            if interruptedBy == nil, let signal = ReplayInterrupt.requested {
                interrupt(timeline, signal, &results)
            }
            switch timeline.next() {
            case .frames(let frames, let linkType):
                session.process(frames: frames, linkType: linkType)
            case .opened(let i, let file):
                results[i].linkType = file.dataLinkName
                if file.linkType == nil {
                    // Its frames are read and counted as not verified: the summary must not call it clean.
                    let (stats, error) = session.countUndecodable(file)
                    results[i].packets = stats.packets
                    results[i].firstPacketMicros = stats.firstPacketMicros
                    results[i].lastPacketMicros = stats.lastPacketMicros
                    results[i].recordedDrops = file.recordedDrops.map(Self.drops)
                    var message =
                        "\(file.path): link type \(file.dataLinkName) (\(file.dataLink)) is not supported: "
                        + "its \(stats.packets == 1 ? "1 frame is" : "\(stats.packets) frames are") counted as not verified"
                    if let error { message += "; damaged after \(stats.packets) packets: \(error.message)" }
                    fail(&results[i], message)
                }
            case .failed(let i, let error):
                fail(&results[i], "\(error.source): cannot be read: \(error.message)")
            case .ended(let i, let stats, let error):
                if stats.unwritableTimes > 0 || stats.missingTimes > 0 { session.countTimesTakenOut(stats) }
                if stats.missingTimes > 0 {
                    Diagnostics.warning(
                        "\(results[i].path): \(stats.missingTimes) of \(stats.packets) packets have no timestamp "
                            + "(pcapng Simple Packet Blocks, which libpcap dates 1970-01-01): counted as not "
                            + "verified (no-timestamp) and not judged, since an exception's expiry depends on the time")
                }
                if stats.unwritableTimes > 0 {
                    Diagnostics.warning(
                        "\(results[i].path): \(stats.unwritableTimes) of \(stats.packets) packets have times outside "
                            + "years 0000-9999, which no RFC 3339 time can hold: counted as malformed "
                            + "(timestamp-out-of-range) and not judged")
                }
                results[i].packets = stats.packets
                results[i].firstPacketMicros = stats.firstPacketMicros
                results[i].lastPacketMicros = stats.lastPacketMicros
                results[i].gaps = stats.gaps
                results[i].gapsNotListed = stats.gapsNotListed
                results[i].recordedDrops = stats.recordedDrops.map(Self.drops)
                // The file's doing, not the traffic's: said on stderr and beside the file's counts.
                let notes = ReplayFileNotes.notes(stats)
                for note in notes { Diagnostics.warning("\(results[i].path): \(note)") }
                if !notes.isEmpty { results[i].note = notes.joined(separator: "; ") }
                if let e = error {
                    // A section or interface libpcap cannot read is no damage: the file is valid, its reader
                    // stops there.
                    let valid = e.kind == .sectionInOtherByteOrder || e.kind == .interfacesLibpcapCannotMix
                    let what = valid ? "read up to" : "damaged after"
                    fail(&results[i], "\(results[i].path): \(what) \(stats.packets) packets: \(e.message)")
                }
            case .end:
                return
            }
        }
    }

    /// A file's drops as its pcapng statistics record them, for its summary entry.
    static func drops(_ d: PcapngInterfaceStatistics.Drops) -> CaptureDrops {
        .file(interface: d.interface, system: d.system, interfacesNotRecording: d.interfacesNotRecording)
    }

    /// A signal asked to stop: the timeline stops where it is (the files it was reading end with what was
    /// read of them), and every file not read to its end says so; the flows end and the summary follows.
    mutating func interrupt(
        _ timeline: CaptureTimeline, _ signal: Int32, _ results: inout [ReplaySummary.FileResult]
    ) {
        interruptedBy = signal
        let name = ReplayInterrupt.name(signal)
        let (cut, unread) = timeline.stop()
        // The `.ended` events of the files cut come next and set their counts; the reason is theirs already.
        for i in cut { results[i].error = "not read to its end: the replay was stopped by \(name)" }
        for i in unread { results[i].error = "not read: the replay was stopped by \(name)" }
        Diagnostics.note(
            "\(name): stopping; the flows read so far end, then the evidence hashes and the summary, marked "
                + "interrupted (\(cut.count + unread.count) of \(results.count) files not read to their end; "
                + "a second \(name) ends zonesep at once)")
    }

    mutating func fail(_ result: inout ReplaySummary.FileResult, _ message: String) {
        Diagnostics.error(message)
        result.error = message
        inputFailed = true
    }
}

extension CaptureFileReader.Mode: ArgumentChoices {}
