import ZonesepCore

/// The records that alert delivery adds beside `alert`: `alert_update` (a suppression window closed) and
/// `evidence` (an evidence capture closed, with its SHA-256), as JSON, text and syslog.
public struct DeliveryRecords: Sendable {
    public let format: AlertFormat

    public init(format: AlertFormat) { self.format = format }

    /// The alert record with its evidence file name added last (null when no file could be kept), and
    /// `evidence_error` when the file could not be made for an I/O error (a full disk).
    public func alertJSON(_ a: Alert, evidence: String?, evidenceError: String? = nil) -> String {
        String(decoding: alertJSONBytes(a, evidence: evidence, evidenceError: evidenceError), as: UTF8.self)
    }

    /// `alertJSON` as its UTF-8 bytes, for the outputs.
    /// Written in one pass of a record writer, the file name with the rest of the record; `flowID`: the
    /// alert's Community ID when the caller has it already (the evidence sink names the file with it).
    public func alertJSONBytes(_ a: Alert, evidence: String?, evidenceError: String? = nil, flowID: String? = nil)
        -> [UInt8]
    {
        var out: [UInt8] = []
        out.reserveCapacity(768)
        RecordWriter.writing(into: &out) { w in
            format.write(a, into: &w, flowID: flowID)
            w.literal(",\"evidence\":")
            if let evidence { w.jsonString(evidence) } else { w.literal("null") }
            if let e = evidenceError {
                w.literal(",\"evidence_error\":")
                w.jsonString(e)
            }
            w.byte(UInt8(ascii: "}"))
        }
        return out
    }

    // MARK: alert_update

    public func updateJSON(_ u: AlertSuppressor.Update) -> String {
        let a = u.first
        var o = JSONObject()
        o.add("timestamp", Timestamp.rfc3339(u.closedMicros))
        o.add("event_type", "alert_update")
        o.add("rule", a.rule.name)
        o.add("severity", a.rule.severity.rawValue)
        o.add("proto", ProtocolName.of(a.proto))
        o.add("src_ip", a.srcIP.description(mappedIPv6: a.mappedIPv6))
        o.add("dest_ip", a.destIP.description(mappedIPv6: a.mappedIPv6))
        o.add("dest_port", a.destPort)
        if let t = a.tunnelEnds { o.add("tunnel_ends", t.name) }
        o.add("flow_id", format.flowID(a))
        o.add("first_seen", Timestamp.rfc3339(a.timestampMicros))
        o.add("last_seen", Timestamp.rfc3339(u.lastSeenMicros))
        o.add("folded", u.folded)
        o.add("sensor", format.policy.config.sensor)
        o.add("message", updateMessage(u))
        return o.json
    }

    public func updateMessage(_ u: AlertSuppressor.Update) -> String {
        let more = u.folded == 1 ? "1 more flow" : "\(u.folded) more flows"
        return "\(more) like the alert of \(Timestamp.rfc3339(u.first.timestampMicros)) "
            + "(\(format.message(u.first))), the last at \(Timestamp.rfc3339(u.lastSeenMicros))"
    }

    public func updateText(_ u: AlertSuppressor.Update) -> String {
        "\(Timestamp.rfc3339(u.closedMicros))  UPDATE  \(u.first.rule.name)  \(updateMessage(u))"
    }

    public func updateSyslog(_ u: AlertSuppressor.Update, formatter: SyslogFormatter) -> [UInt8] {
        let a = u.first
        var p: [(String, String)] = [
            ("rule", a.rule.name), ("severity", a.rule.severity.rawValue), ("proto", ProtocolName.of(a.proto)),
            ("src_ip", a.srcIP.description(mappedIPv6: a.mappedIPv6)),
            ("dest_ip", a.destIP.description(mappedIPv6: a.mappedIPv6)),
        ]
        if let port = a.destPort { p.append(("dest_port", "\(port)")) }
        if let t = a.tunnelEnds { p.append(("tunnel_ends", t.name)) }
        p += [
            ("flow_id", format.flowID(a)), ("first_seen", Timestamp.rfc3339(a.timestampMicros)),
            ("last_seen", Timestamp.rfc3339(u.lastSeenMicros)), ("folded", "\(u.folded)"),
            ("sensor", format.policy.config.sensor),
        ]
        return formatter.message(
            severity: SyslogSeverity(a.rule.severity), timestampMicros: u.closedMicros, msgID: "alert_update",
            params: p, text: updateMessage(u))
    }

    // MARK: alert_update of a host finding

    /// A host finding raised again within the window (by another capture worker, or after the host table
    /// had forgotten the MAC): the device, how many times more, and when last.
    public func updateJSON(_ u: WindowedSuppressor<HostFinding>.Update) -> String {
        let f = u.first
        var o = JSONObject()
        o.add("timestamp", Timestamp.rfc3339(u.closedMicros))
        o.add("event_type", "alert_update")
        o.add("rule", f.rule.name)
        o.add("severity", f.severity.rawValue)
        o.add("src_ip", f.address.ip.description)
        o.add("src_mac", f.mac.description)
        o.add("first_seen", Timestamp.rfc3339(f.timestampMicros))
        o.add("last_seen", Timestamp.rfc3339(u.lastSeenMicros))
        o.add("folded", u.folded)
        o.add("sensor", format.policy.config.sensor)
        o.add("message", updateMessage(u))
        return o.json
    }

    public func updateMessage(_ u: WindowedSuppressor<HostFinding>.Update) -> String {
        let more = u.folded == 1 ? "1 more time" : "\(u.folded) more times"
        return "raised \(more) like the alert of \(Timestamp.rfc3339(u.first.timestampMicros)) "
            + "(\(format.message(u.first))), the last at \(Timestamp.rfc3339(u.lastSeenMicros))"
    }

    public func updateText(_ u: WindowedSuppressor<HostFinding>.Update) -> String {
        "\(Timestamp.rfc3339(u.closedMicros))  UPDATE  \(u.first.rule.name)  \(updateMessage(u))"
    }

    public func updateSyslog(_ u: WindowedSuppressor<HostFinding>.Update, formatter: SyslogFormatter) -> [UInt8] {
        let f = u.first
        let p: [(String, String)] = [
            ("rule", f.rule.name), ("severity", f.severity.rawValue), ("src_ip", f.address.ip.description),
            ("src_mac", f.mac.description), ("first_seen", Timestamp.rfc3339(f.timestampMicros)),
            ("last_seen", Timestamp.rfc3339(u.lastSeenMicros)), ("folded", "\(u.folded)"),
            ("sensor", format.policy.config.sensor),
        ]
        return formatter.message(
            severity: SyslogSeverity(f.severity), timestampMicros: u.closedMicros, msgID: "alert_update",
            params: p, text: updateMessage(u))
    }

    // MARK: evidence

    /// A closed evidence capture: which alert, which file, how much, and its hash; or, for a file that
    /// could not be written whole, the error and no hash.
    public struct Evidence: Sendable {
        public var alert: Alert
        public var file: String
        public var packets: UInt64
        public var bytes: UInt64
        /// nil when the file is incomplete (`error` says why): no hash vouches for it.
        public var sha256: String?
        /// Why it was closed: `flow-end`, `packet-cap`, `end-of-run`.
        public var closed: String
        /// Packet time of the closing.
        public var timestampMicros: Int64
        public var error: String?
        /// The alert's Community ID when the caller has it already (`format.flowID(alert)`).
        public var flowID: String?
        /// Packets of the flow left out of the file for their link type (the file holds one): the record
        /// says so when there are any, so a hash is not taken for all of the flow.
        public var leftOut: UInt64

        public init(
            alert: Alert, file: String, packets: UInt64, bytes: UInt64, sha256: String?, closed: String,
            timestampMicros: Int64, error: String? = nil, flowID: String? = nil, leftOut: UInt64 = 0
        ) {
            self.flowID = flowID
            self.leftOut = leftOut
            self.alert = alert
            self.file = file
            self.packets = packets
            self.bytes = bytes
            self.sha256 = error == nil ? sha256 : nil
            self.closed = closed
            self.timestampMicros = timestampMicros
            self.error = error ?? (sha256 == nil ? "not hashed" : nil)
        }
    }

    public func evidenceJSON(_ e: Evidence) -> String { String(decoding: evidenceJSONBytes(e), as: UTF8.self) }

    /// `evidenceJSON(e)` as its UTF-8 bytes, written through a record writer (as a `JSONObject` and its
    /// `String` it cost some 14,000 instructions, more than the alert it closes).
    public func evidenceJSONBytes(_ e: Evidence) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(320)
        RecordWriter.writing(into: &out) { w in
            w.literal("{\"timestamp\":")
            w.timestamp(e.timestampMicros)
            w.literal(",\"event_type\":\"evidence\",\"rule\":")
            ZoneTexts.writeName(format.texts.ruleNames, e.alert.rule.rawValue, e.alert.rule.name, to: &w)
            w.literal(",\"flow_id\":")
            if let id = e.flowID {
                w.jsonString(id)
            } else {
                format.writeFlowID(e.alert, into: &w)
            }
            w.literal(",\"file\":")
            w.jsonString(e.file)
            w.literal(",\"packets\":")
            w.integer(e.packets)
            w.literal(",\"bytes\":")
            w.integer(e.bytes)
            w.literal(",\"sha256\":")
            if let h = e.sha256 { w.jsonString(h) } else { w.literal("null") }
            w.literal(",\"closed\":")
            w.jsonString(e.closed)
            if let error = e.error {
                w.literal(",\"error\":")
                w.jsonString(error)
            }
            if e.leftOut > 0 {
                w.literal(",\"left_out\":")
                w.integer(e.leftOut)
            }
            w.literal(",\"sensor\":")
            w.bytes(format.texts.sensorJSON)
            w.byte(UInt8(ascii: "}"))
        }
        return out
    }

    public func evidenceText(_ e: Evidence) -> String {
        let what = e.sha256.map { "sha256 \($0)" } ?? "INCOMPLETE, no hash: \(e.error ?? "")"
        let leftOut = e.leftOut > 0 ? "; \(e.leftOut) packets of the flow left out (another link type)" : ""
        return "\(Timestamp.rfc3339(e.timestampMicros))  EVIDENCE  \(e.alert.rule.name)  \(e.file): \(e.packets) "
            + "packets, \(e.bytes) bytes, \(what) (\(e.closed))\(leftOut)"
    }

    /// Severity 6 (info) for a whole file; 3 (err) for one that could not be written whole.
    ///
    /// `SyslogFormatter.message` of the parameters and text below, byte for byte, written through a record
    /// writer: the alert's message needs no escaping (its labels are escaped already, the rest is ASCII and
    /// an arrow), and the sensor is escaped once per map. Through the formatter it cost some 31,000
    /// instructions a file, twice the alert's own message.
    public func evidenceSyslog(_ e: Evidence, formatter: SyslogFormatter) -> [UInt8] {
        let pri = formatter.facility * 8 + (e.sha256 == nil ? SyslogSeverity.error : .informational).rawValue
        guard pri >= 0 else { return evidenceSyslogByFormatter(e, formatter: formatter) }
        var out: [UInt8] = []
        out.reserveCapacity(512)
        RecordWriter.writing(into: &out) { w in
            w.syslogHeader(pri: pri, timestampMicros: e.timestampMicros, formatter: formatter)
            w.literal(" evidence [zonesep@32473 rule=\"")
            w.text(e.alert.rule.name)
            w.literal("\" flow_id=\"")
            if let id = e.flowID {
                ZoneTexts.writeParamValue(id, to: &w)
            } else {
                CommunityID.withDigest(of: e.alert) { w.communityIDText($0) }
            }
            w.literal("\" file=\"")
            ZoneTexts.writeParamValue(e.file, to: &w)
            w.literal("\" packets=\"")
            w.integer(e.packets)
            w.literal("\" bytes=\"")
            w.integer(e.bytes)
            if let h = e.sha256 {
                w.literal("\" sha256=\"")
                ZoneTexts.writeParamValue(h, to: &w)
            }
            w.literal("\" closed=\"")
            ZoneTexts.writeParamValue(e.closed, to: &w)
            if let error = e.error {
                w.literal("\" error=\"")
                ZoneTexts.writeParamValue(error, to: &w)
            }
            if e.leftOut > 0 {
                w.literal("\" left_out=\"")
                w.integer(e.leftOut)
            }
            w.literal("\" sensor=\"")
            w.bytes(format.texts.sensorParam)
            // MSG-UTF8: a byte order mark says the message is UTF-8 (the zone labels are Japanese).
            w.literal("\"] \u{FEFF}evidence for ")
            format.writeMessage(e.alert, into: &w)
            w.literal(": ")
            w.visibleText(e.file)
            w.literal(", ")
            w.integer(e.packets)
            w.literal(" packets, ")
            if let h = e.sha256 {
                w.literal("sha256 ")
                w.visibleText(h)
            } else {
                w.literal("incomplete, no hash: ")
                w.visibleText(e.error ?? "")
            }
        }
        return out
    }

    /// `evidenceSyslog` through the formatter's general path (a facility that makes no valid PRI).
    func evidenceSyslogByFormatter(_ e: Evidence, formatter: SyslogFormatter) -> [UInt8] {
        var params: [(String, String)] = [
            ("rule", e.alert.rule.name), ("flow_id", e.flowID ?? format.flowID(e.alert)), ("file", e.file),
            ("packets", "\(e.packets)"), ("bytes", "\(e.bytes)"),
        ]
        if let h = e.sha256 { params.append(("sha256", h)) }
        params.append(("closed", e.closed))
        if let error = e.error { params.append(("error", error)) }
        if e.leftOut > 0 { params.append(("left_out", "\(e.leftOut)")) }
        params.append(("sensor", format.policy.config.sensor))
        let what = e.sha256.map { "sha256 \($0)" } ?? "incomplete, no hash: \(e.error ?? "")"
        return formatter.message(
            severity: e.sha256 == nil ? .error : .informational, timestampMicros: e.timestampMicros,
            msgID: "evidence", params: params,
            text: "evidence for \(format.message(e.alert)): \(e.file), \(e.packets) packets, \(what)")
    }

    /// The evidence file name for an alert: flow start time, rule and flow id, safe in any file system
    /// (the Community ID's base64 becomes base64url without padding: no `/`, `+` or `=`).
    public func evidenceFileName(_ a: Alert) -> String { evidenceFileName(a, flowID: format.flowID(a)) }

    /// `evidenceFileName(a)` for the alert's Community ID `flowID` (`format.flowID(a)`), which the
    /// evidence sink computes once for the name and the closing record. Written byte by byte: every
    /// violating flow makes one, and the `String` filters cost more than the file's hash.
    public func evidenceFileName(_ a: Alert, flowID: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64 + a.rule.name.utf8.count)
        let f = Timestamp.Fields(a.timestampMicros)
        if (0...9999).contains(f.year) {
            // The RFC 3339 time written on the stack, copied without its `-` and `:` (at 4, 7, 13 and 16):
            // no array of its own, no pass testing every byte.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 27) { b in
                _ = f.write(into: b)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[0..<4]))
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[5..<7]))
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[8..<13]))
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[14..<16]))
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[17..<27]))
            }
        } else {
            for b in Timestamp.rfc3339(a.timestampMicros).utf8 where b != UInt8(ascii: "-") && b != UInt8(ascii: ":") {
                out.append(b)
            }
        }
        out.append(UInt8(ascii: "_"))
        out.append(contentsOf: a.rule.name.utf8)
        out.append(UInt8(ascii: "_"))
        var id = flowID
        id.withUTF8 { u in
            let start = u.count >= 2 && u[0] == UInt8(ascii: "1") && u[1] == UInt8(ascii: ":") ? 2 : 0
            for b in u[start...] {
                switch b {
                case UInt8(ascii: "/"): out.append(UInt8(ascii: "_"))
                case UInt8(ascii: "+"): out.append(UInt8(ascii: "-"))
                case UInt8(ascii: "="): continue
                default: out.append(b)
                }
            }
        }
        out.append(contentsOf: ".pcap".utf8)
        return String(decoding: out, as: UTF8.self)
    }
}

/// What delivery did in a run, for the summary: per syslog destination, the alerts file, evidence.
public struct DeliverySummary: Sendable {
    public struct Syslog: Sendable {
        public var destination: String
        /// `SyslogDestination.receipt`: what `sent` vouches for.
        public var receipt: String
        public var stats: SyslogSender.Stats
        public init(destination: SyslogDestination, stats: SyslogSender.Stats) {
            self.destination = destination.description
            self.receipt = destination.receipt
            self.stats = stats
        }
    }

    /// Standard output's lost lines (a full disk under a redirected stdout, a closed pipe): only when some were.
    public struct Stdout: Sendable {
        /// Lines written whole (the summary's own not yet).
        public var lines: UInt64
        public var lost: UInt64
        /// The first write error.
        public var error: String?
        public init(lines: UInt64, lost: UInt64, error: String?) {
            self.lines = lines
            self.lost = lost
            self.error = error
        }
    }

    public struct AlertsFile: Sendable {
        public var path: String
        /// Every line the run wrote to the file: its records and its `sink_gap` lines (the summary's excepted).
        public var lines: UInt64
        public var rotations: UInt64
        /// The error still in force (writing, or rotating, has not worked since); nil once it works again.
        public var error: String?
        /// The last error met, even if writing works again since, and when (wall clock, µs).
        public var lastError: String?
        public var lastErrorMicros: Int64?
        /// Records that could not be written (a full disk, an I/O error).
        public var lost: UInt64
        /// `sink_gap` records written once writing worked again.
        public var gaps: UInt64
        /// Rotations that failed (the file grew past its limit meanwhile).
        public var rotationFailures: UInt64
        /// Times the file was found removed while being written, and made again.
        public var recreated: UInt64
        public init(
            path: String, lines: UInt64, rotations: UInt64, error: String?, lost: UInt64 = 0, gaps: UInt64 = 0,
            rotationFailures: UInt64 = 0, recreated: UInt64 = 0, lastError: String? = nil, lastErrorMicros: Int64? = nil
        ) {
            self.lastError = lastError
            self.lastErrorMicros = lastErrorMicros
            self.path = path
            self.lines = lines
            self.rotations = rotations
            self.error = error
            self.lost = lost
            self.gaps = gaps
            self.rotationFailures = rotationFailures
            self.recreated = recreated
        }
    }

    public struct Evidence: Sendable {
        public var directory: String
        public var stats: EvidenceCounts
        /// Files still being written: neither hashed nor incomplete yet (0 once the run has ended).
        public var open: UInt64
        public init(directory: String, stats: EvidenceCounts = EvidenceCounts(), open: UInt64 = 0) {
            self.directory = directory
            self.stats = stats
            self.open = open
        }
    }

    /// The suppression windows' cap and what it closed early (only when suppression is on).
    public struct Suppression: Sendable {
        public var maxWindows: Int
        public var evicted: UInt64
        public init(maxWindows: Int, evicted: UInt64) {
            self.maxWindows = maxWindows
            self.evicted = evicted
        }
    }

    public var syslog: [Syslog] = []
    public var stdout: Stdout?
    public var alertsFile: AlertsFile?
    /// `--flows FILE`: the same counts as the alerts file's (a flow record lost to a full disk shows here).
    public var flowsFile: AlertsFile?
    public var evidence: Evidence?
    public var suppression: Suppression?

    public init() {}

    public var isEmpty: Bool {
        syslog.isEmpty && stdout == nil && alertsFile == nil && flowsFile == nil && evidence == nil
            && suppression == nil
    }

    /// The summary's `delivery` object: only what was configured appears.
    public func json() -> String {
        var o = JSONObject()
        if !syslog.isEmpty {
            o.addRaw(
                "syslog",
                JSONObject.array(
                    syslog.map { s in
                        var x = JSONObject()
                        x.add("destination", s.destination)
                        x.add("sent", s.stats.sent)
                        x.add("receipt", s.receipt)
                        x.add("dropped", s.stats.dropped)
                        x.add("dropped_queue_full", s.stats.droppedQueueFull)
                        x.add("dropped_undelivered", s.stats.droppedUndelivered)
                        x.add("unacknowledged", s.stats.unacknowledged)
                        x.add("reconnects", s.stats.reconnects)
                        x.add("resent", s.stats.resent)
                        return x.json
                    }))
        }
        if let s = stdout {
            var x = JSONObject()
            x.add("lines", s.lines)
            x.add("lost", s.lost)
            x.add("error", s.error)
            o.addRaw("stdout", x.json)
        }
        if let f = alertsFile { o.addRaw("alerts_file", Self.fileJSON(f)) }
        if let f = flowsFile { o.addRaw("flows_file", Self.fileJSON(f)) }
        if let evidence {
            let e = evidence.stats
            var x = JSONObject()
            x.add("directory", evidence.directory)
            x.add("files", e.files)
            x.add("hashed", e.hashed)
            x.add("open", evidence.open)
            x.add("packets", e.packets)
            x.add("bytes", e.bytes)
            x.add("removed", e.removed)
            x.add("skipped_packets", e.skippedPackets)
            x.add("other_link_type_packets", e.otherLinkTypePackets)
            x.add("incomplete", e.incomplete)
            x.add("not_created", e.notCreated)
            x.add("lost_packets", e.lostPackets)
            x.add("skipped_files", e.skippedFiles)
            x.add("errors", e.errors)
            o.addRaw("evidence", x.json)
        }
        if let s = suppression {
            var x = JSONObject()
            x.add("max_windows", s.maxWindows)
            x.add("evicted", s.evicted)
            o.addRaw("suppression", x.json)
        }
        return o.json
    }

    /// The object of `alerts_file` and `flows_file`.
    static func fileJSON(_ f: AlertsFile) -> String {
        var x = JSONObject()
        x.add("path", f.path)
        x.add("lines", f.lines)
        x.add("rotations", f.rotations)
        x.add("rotation_failures", f.rotationFailures)
        x.add("recreated", f.recreated)
        x.add("lost", f.lost)
        x.add("gaps", f.gaps)
        x.add("error", f.error)
        x.add("last_error", f.lastError)
        x.add("last_error_time", f.lastErrorMicros.map(Timestamp.rfc3339))
        return x.json
    }

    /// Rows for the text summary's totals.
    public func textRows() -> [[String]] {
        var rows: [[String]] = []
        for s in syslog {
            let unconfirmed = s.receipt == "none" ? " (UDP: no receipt)" : ""
            rows.append(["syslog \(s.destination) sent\(unconfirmed)", "\(s.stats.sent)"])
            rows.append(["syslog \(s.destination) dropped", "\(s.stats.dropped)"])
        }
        if let s = stdout { rows.append(["standard output lines lost", "\(s.lost)"]) }
        if let f = alertsFile {
            rows.append(["alert file lines (\(f.path))", "\(f.lines)"])
            if f.lost > 0 { rows.append(["alert file records lost (\(f.path))", "\(f.lost)"]) }
        }
        if let f = flowsFile {
            rows.append(["flow file lines (\(f.path))", "\(f.lines)"])
            if f.lost > 0 { rows.append(["flow file records lost (\(f.path))", "\(f.lost)"]) }
        }
        if let e = evidence?.stats {
            rows.append(["evidence files", "\(e.files)"])
            rows.append(["evidence files hashed", "\(e.hashed)"])
            rows.append(["evidence packets", "\(e.packets)"])
            if e.removed > 0 { rows.append(["evidence files removed (budget)", "\(e.removed)"]) }
            if e.skippedPackets > 0 { rows.append(["evidence packets skipped (budget)", "\(e.skippedPackets)"]) }
            if e.otherLinkTypePackets > 0 {
                rows.append(["evidence packets left out (another link type)", "\(e.otherLinkTypePackets)"])
            }
            if e.incomplete > 0 { rows.append(["evidence files incomplete (no hash)", "\(e.incomplete)"]) }
            if e.notCreated > 0 { rows.append(["evidence files not created", "\(e.notCreated)"]) }
            if e.lostPackets > 0 { rows.append(["evidence packets lost (write errors)", "\(e.lostPackets)"]) }
            if e.skippedFiles > 0 {
                rows.append(["evidence files skipped (file limit or byte budget)", "\(e.skippedFiles)"])
            }
        }
        if let s = suppression, s.evicted > 0 {
            rows.append(["suppression windows closed early (cap \(s.maxWindows))", "\(s.evicted)"])
        }
        return rows
    }
}
