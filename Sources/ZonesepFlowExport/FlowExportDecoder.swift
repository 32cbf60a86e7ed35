import ZonesepCore

/// Templates and sequence state are scoped to an exporter and its observation domain. IPFIX over UDP
/// scopes them to the transport session, the exporter's address and port (RFC 7011 section 8); NetFlow v9
/// to the address and source id only (RFC 3954 section 5.1: an exporter may send from several ports), and
/// v5 likewise to the address and engine (`port` 0); sFlow to the address, port, agent address and
/// sub-agent: sFlow v5 numbers datagrams per agent and sub-agent, and a relay sends several agents' datagrams
/// from one address and port.
public struct SessionKey: Hashable, Sendable {
    /// The address the datagrams came from: the key of the exporter's statistics.
    public var exporter: IPAddress
    public var port: UInt16
    public var domain: UInt32
    public var input: FlowInputKind
    /// sFlow: the agent address inside the datagram; nil for the other protocols.
    public var agent: IPAddress?

    /// NetFlow v9's and sFlow's sequence numbers count datagrams; IPFIX's and NetFlow v5's count records.
    var sequenceCountsDatagrams: Bool { input == .netflowV9 || input == .sflow }

    @inlinable
    public init(exporter: IPAddress, port: UInt16, domain: UInt32, input: FlowInputKind, agent: IPAddress? = nil) {
        self.exporter = exporter
        self.port = port
        self.domain = domain
        self.input = input
        self.agent = agent
    }
}

/// A flow template that has no port field, for the warning that names it.
public struct PortlessTemplate: Hashable, Sendable, CustomStringConvertible {
    /// The session's key with port 0: the warning is once per exporter, domain and template id.
    public var session: SessionKey
    public var templateID: UInt16

    public var description: String {
        "exporter \(session.exporter) (\(session.input.name), domain \(session.domain)) template \(templateID)"
    }
}

/// What is remembered of one session between datagrams.
struct SessionState {
    var templates: [UInt16: Template] = [:]
    var options = DomainOptions()
    var sequence = SequenceTracker()
    /// The datagrams it accepted lately, to tell one sent twice (`isDuplicate`).
    var received = ReceivedDatagrams()
    /// When its last datagram arrived (monotonic): a session idle past `Limits.sessionIdleMicros` is
    /// forgotten.
    var lastArrivalMicros: Int64 = 0
}

/// A template in the order the decoder's store last looked at it, for evicting the least recently used
/// when the store is full (`serial` tells a template re-stored under the same id from the one queued).
struct TemplateUse {
    var key: SessionKey
    var id: UInt16
    var serial: UInt64
    var used: UInt64
}

/// Decodes flow export datagrams — IPFIX, NetFlow v9, NetFlow v5, sFlow v5, told apart by their version
/// field — into `FlowRecord`s, keeping templates, options and sequence numbers per exporter session and
/// counting everything per exporter. No I/O: the caller receives datagrams and passes them in.
///
/// Once a session's templates are known, decoding allocates nothing: records are decoded into one
/// `FlowRecord` that is lent to the caller's closure for each record in turn.
public struct FlowExportDecoder {
    /// Bounds on what the decoder keeps, each with what it drops counted.
    public struct Limits: Sendable {
        /// Data sets held for a template not yet received, and their total bytes.
        public var heldSets: Int = 256
        public var heldBytes: Int = 1 << 20
        /// A template not refreshed for this long (by the exporter's export time) is expired: RFC 7011
        /// section 8.4 has UDP templates live only as long as they are resent. nil: never.
        public var templateLifetimeMicros: Int64? = 30 * 60 * 1_000_000
        /// A data set waits this long (by arrival, monotonic) for its template, as long as a template lives
        /// unrefreshed; then it is given up and counted as `noTemplate`. nil: until the end of the run.
        public var heldSetLifetimeMicros: Int64? = 30 * 60 * 1_000_000
        /// A sequence gap stays open this long (by arrival, monotonic) for a late datagram to fill it before it
        /// is counted as loss (see `SequenceTracker` for the window in sequence numbers).
        public var lateArrivalMicros: Int64 = 2_000_000
        /// Sessions (exporter, port, domain, sFlow agent) and exporters remembered; datagrams of new ones beyond these
        /// are counted in `rejectedDatagrams` and dropped.
        public var sessions: Int = 16_384
        public var exporters: Int = 4096
        /// A session that sent nothing for this long (by arrival, monotonic) is forgotten with its templates
        /// and sequence state, so that exporters restarting from new source ports do not fill the table for
        /// good. Longer than a template lives unrefreshed, so no template still in force goes with it.
        public var sessionIdleMicros: Int64 = 60 * 60 * 1_000_000
        /// Templates (and options templates) kept per session and in all; past either, the least recently
        /// stored or used is evicted and counted (`templatesEvicted`). RFC 7011 allows 65,280 ids a session,
        /// which no exporter uses: each costs memory in proportion to its fields.
        public var templatesPerSession: Int = 1024
        public var templates: Int = 65_536
        /// Fields a template may have: more is counted as `templateInvalid` and not kept (IANA defines
        /// fewer than 600 information elements, and exporters send tens).
        public var fieldsPerTemplate: Int = 512
        /// Datagrams remembered (8 bytes each) in all sessions together to tell one sent twice: each session
        /// remembers its last 4,096 at most, fewer once this is spent (see `ReceivedDatagrams`).
        public var receivedDatagrams: Int = 4_194_304

        public init() {}
    }

    public let limits: Limits
    var sessions: [SessionKey: SessionState] = [:]
    /// Counts per exporter, keyed by the address the datagrams came from.
    public internal(set) var stats: [IPAddress: ExporterStats] = [:]
    /// Datagrams dropped because the exporter or session tables were full.
    public internal(set) var rejectedDatagrams: UInt64 = 0
    /// Datagrams rejected since the last `takeRejections`, by exporter (at most `Self.rejectionNotes`
    /// exporters named), for the caller to say on stderr which exporters go unverified.
    public private(set) var rejections: [IPAddress: UInt64] = [:]
    public private(set) var rejectionsUnnamed: UInt64 = 0
    static let rejectionNotes = 16
    /// Templates kept in all sessions, the store's use order (stale entries are skipped), and its clock.
    public private(set) var templateCount = 0
    var templateUses: [TemplateUse] = []
    var templateUsesHead = 0
    var templateTick: UInt64 = 0
    /// When sessions were last swept for idleness (monotonic arrival time).
    var sessionsSweptMicros: Int64 = 0
    var held: HeldSets
    /// Sessions with sequence gaps still open, and when the oldest of each was opened.
    var openGaps: [SessionKey: Int64] = [:]
    /// When the datagram being decoded arrived, by the monotonic clock: what held sets, sequence gaps and
    /// sessions age by, so that a step of the wall clock (NTP, a VM resumed) expires or keeps nothing.
    var arrivalMicros: Int64 = 0
    /// The same moment by the wall clock: what an exporter's clock is measured against, and sFlow timed by.
    var arrivalWallMicros: Int64 = 0
    /// The record lent to the caller, overwritten for every record.
    @usableFromInline var record = FlowRecord()
    /// The sFlow sampled header, decoded in place.
    var packet = DecodedPacket()
    /// The hash of the datagram being decoded (`ReceivedDatagrams.hash`).
    var datagramHash: UInt32 = 1
    /// Entries of all sessions' `received` tables, against `limits.receivedDatagrams`.
    var receivedEntries = 0

    public init(limits: Limits = Limits()) {
        self.limits = limits
        self.held = HeldSets(maxSets: limits.heldSets, maxBytes: limits.heldBytes)
    }

    /// Flow templates without port fields (nor an ICMP type, which a template of ICMP flows has instead),
    /// each once per exporter, observation domain and template id (not per transport session: an exporter
    /// restarting from a new port sends the same templates again), until the caller takes them
    /// (`takePortlessTemplates`) to warn about: their TCP, UDP and SCTP records cannot be judged like flows
    /// whose ports are known.
    public private(set) var portlessTemplates: [PortlessTemplate] = []
    /// Exporters whose clock strayed past `clockOffsetWarningMicros`, until the caller takes them
    /// (`takeSkewedExporters`).
    public internal(set) var skewedExporters: [SkewedExporter] = []
    var portlessTemplatesSeen: Set<PortlessTemplate> = []

    /// The templates without ports found since the last call.
    public mutating func takePortlessTemplates() -> [PortlessTemplate] {
        defer { portlessTemplates.removeAll() }
        return portlessTemplates
    }

    /// Data sets held for templates at this moment.
    public var heldSetCount: Int { held.sets.count }

    /// Data sets held for templates at this moment, by exporter.
    public var heldSetsByExporter: [IPAddress: Int] {
        held.sets.reduce(into: [:]) { $0[$1.session.exporter, default: 0] += 1 }
    }

    /// Gives up what has waited too long at `monotonicMicros` (the clock of `decode`'s `monotonicMicros`):
    /// held data sets past `heldSetLifetimeMicros`, counted as `noTemplate`, and sequence gaps past
    /// `lateArrivalMicros`, counted as loss. `decode` does it for every datagram; a collector calls it as
    /// time passes too, so that an exporter gone quiet has its counts settled.
    public mutating func settle(monotonicMicros nowMicros: Int64) {
        if nowMicros &- sessionsSweptMicros >= 60_000_000 { forgetIdleSessions(nowMicros: nowMicros) }
        if let lifetime = limits.heldSetLifetimeMicros, let first = held.sets.first,
            nowMicros &- first.receivedMicros > lifetime
        {
            for key in held.expire(receivedBefore: nowMicros &- lifetime) {
                stats[key.exporter]?.failures[.noTemplate] += 1
            }
        }
        guard !openGaps.isEmpty else { return }
        for (key, oldest) in openGaps where nowMicros &- oldest >= limits.lateArrivalMicros {
            settleGaps(key, all: false, nowMicros: nowMicros)
        }
    }

    /// The end of a run: every data set still waiting for its template is counted as `noTemplate`, and
    /// every open sequence gap as loss, so that nothing received or missed goes uncounted.
    public mutating func finish() {
        for h in held.takeAll() { stats[h.session.exporter]?.failures[.noTemplate] += 1 }
        for key in openGaps.keys { settleGaps(key, all: true, nowMicros: arrivalMicros) }
    }

    /// Counts the gaps of `key` that can no longer be filled (all of them with `all`).
    private mutating func settleGaps(_ key: SessionKey, all: Bool, nowMicros: Int64) {
        guard sessions[key] != nil, var s = stats[key.exporter] else {
            openGaps[key] = nil
            return
        }
        sessions[key]?.sequence.confirm(all: all, now: nowMicros, lateMicros: limits.lateArrivalMicros, stats: &s)
        openGaps[key] = sessions[key]?.sequence.oldestPendingMicros
        stats[key.exporter] = s
    }

    /// Decodes one UDP datagram from `exporter`:`port`, received at `wallMicros` by the wall clock (what the
    /// exporter's clock offset is measured against, and sFlow records, which carry no absolute time, are
    /// timed by) and at `monotonicMicros` by a clock that never steps (what held sets, sequence gaps and
    /// idle sessions age by), and calls `body` once per flow record. Malformed input is counted in
    /// `stats[exporter]`, never fatal.
    public mutating func decode(
        _ datagram: UnsafeRawBufferPointer, exporter: IPAddress, port: UInt16, wallMicros: Int64,
        monotonicMicros: Int64, _ body: (borrowing FlowRecord) -> Void
    ) {
        arrivalMicros = monotonicMicros
        arrivalWallMicros = wallMicros
        if !held.sets.isEmpty || !openGaps.isEmpty || monotonicMicros &- sessionsSweptMicros >= 60_000_000 {
            settle(monotonicMicros: monotonicMicros)
        }
        guard var s = stats.removeValue(forKey: exporter) ?? newExporter() else {
            rejectedDatagrams += 1
            noteRejection(exporter)
            return
        }
        s.datagrams += 1
        datagramHash = ReceivedDatagrams.hash(datagram)
        let c = ByteCursor(datagram)
        switch (c.peekInteger(as: UInt16.self), c.peekInteger(as: UInt32.self)) {
        case (10?, _): decodeIPFIX(c, exporter: exporter, port: port, stats: &s, body)
        case (9?, _): decodeNetFlowV9(c, exporter: exporter, port: port, stats: &s, body)
        case (5?, _): decodeNetFlowV5(c, exporter: exporter, port: port, stats: &s, body)
        case (_, 5?): decodeSFlow(c, exporter: exporter, port: port, receivedMicros: wallMicros, stats: &s, body)
        case (nil, _): s.failures[.datagramTruncated] += 1
        default: s.failures[.unknownVersion] += 1
        }
        stats[exporter] = s
    }

    /// `decode` with one time for both clocks: a capture's packet time, which is what a replayed export has.
    @inlinable
    public mutating func decode(
        _ datagram: UnsafeRawBufferPointer, exporter: IPAddress, port: UInt16, receivedMicros: Int64,
        _ body: (borrowing FlowRecord) -> Void
    ) {
        decode(
            datagram, exporter: exporter, port: port, wallMicros: receivedMicros, monotonicMicros: receivedMicros, body)
    }

    private func newExporter() -> ExporterStats? {
        stats.count < limits.exporters ? ExporterStats() : nil
    }

    /// The session's state, created on first use (idle sessions are forgotten first when the table is
    /// full); nil when the table is still full. Marks the session as active now.
    mutating func withSession<T>(_ key: SessionKey, _ body: (inout SessionState) -> T) -> T? {
        if sessions[key] == nil {
            // A full table is swept again at most once a second, so a flood of new sessions costs little.
            if sessions.count >= limits.sessions && arrivalMicros &- sessionsSweptMicros >= 1_000_000 {
                forgetIdleSessions(nowMicros: arrivalMicros)
            }
            guard sessions.count < limits.sessions else { return nil }
            sessions[key] = SessionState()
        }
        sessions[key]?.lastArrivalMicros = arrivalMicros
        return body(&sessions[key, default: SessionState()])
    }

    /// The session of a datagram about to be decoded; false when the session table is full: the datagram
    /// is counted (in all, and against its exporter) and dropped.
    mutating func open(_ key: SessionKey, stats s: inout ExporterStats) -> Bool {
        guard withSession(key, { _ in () }) != nil else {
            rejectedDatagrams += 1
            s.datagramsRejected += 1
            noteRejection(key.exporter)
            return false
        }
        return true
    }

    /// A datagram's session for NetFlow v5, v9 and sFlow, which check the sequence number as soon as the
    /// header is read; false when the session table is full (see `open`).
    mutating func admit(_ key: SessionKey, _ mark: SequenceMark, stats s: inout ExporterStats) -> Bool {
        guard open(key, stats: &s) else { return false }
        checkSequence(key, mark, stats: &s)
        remember(key, mark.sequence)
        return true
    }

    /// Whether the datagram being decoded was accepted before in its session: the same sequence number
    /// and bytes (so the same records, count and export time). A duplicate is counted and not decoded:
    /// its records were judged, its templates learned, its sequence checked with the first copy.
    mutating func isDuplicate(_ key: SessionKey, _ sequence: UInt32, stats s: inout ExporterStats) -> Bool {
        let counted = key.sequenceCountsDatagrams
        guard sessions[key]?.received.contains(sequence: sequence, hash: datagramHash, countsDatagrams: counted) == true
        else { return false }
        s.duplicateDatagrams += 1
        return true
    }

    /// Remembers the datagram being decoded as accepted in its (open) session.
    mutating func remember(_ key: SessionKey, _ sequence: UInt32) {
        let mayGrow = receivedEntries < limits.receivedDatagrams
        let counted = key.sequenceCountsDatagrams
        if let grown = sessions[key]?.received.insert(
            sequence: sequence, hash: datagramHash, countsDatagrams: counted, mayGrow: mayGrow)
        {
            receivedEntries += grown
        }
    }

    private mutating func noteRejection(_ exporter: IPAddress) {
        if rejections[exporter] != nil || rejections.count < Self.rejectionNotes {
            rejections[exporter, default: 0] += 1
        } else {
            rejectionsUnnamed += 1
        }
    }

    /// The datagrams rejected since the last call, by exporter, and those of exporters not named.
    public mutating func takeRejections() -> (byExporter: [IPAddress: UInt64], unnamed: UInt64) {
        defer {
            rejections.removeAll()
            rejectionsUnnamed = 0
        }
        return (rejections, rejectionsUnnamed)
    }

    /// Forgets the sessions that sent nothing for `sessionIdleMicros`, with their templates.
    mutating func forgetIdleSessions(nowMicros: Int64) {
        sessionsSweptMicros = nowMicros
        let idle = sessions.filter { nowMicros &- $0.value.lastArrivalMicros > limits.sessionIdleMicros }
        for (key, state) in idle {
            templateCount -= state.templates.count
            receivedEntries -= state.received.capacity
            sessions[key] = nil
            openGaps[key] = nil
        }
    }

    /// Checks a datagram's place in its (open) session's sequence; see `SequenceTracker`.
    mutating func checkSequence(_ key: SessionKey, _ mark: SequenceMark, stats s: inout ExporterStats) {
        sessions[key]?.sequence.check(mark, now: arrivalMicros, lateMicros: limits.lateArrivalMicros, stats: &s)
        let open = sessions[key]?.sequence.oldestPendingMicros
        if open != nil || !openGaps.isEmpty { openGaps[key] = open }
    }

    /// The template `id` of `key`, dropped (and counted) when it has outlived the template lifetime.
    mutating func template(_ id: UInt16, of key: SessionKey, at now: Int64, stats s: inout ExporterStats) -> Template? {
        guard let t = sessions[key]?.templates[id] else { return nil }
        if let lifetime = limits.templateLifetimeMicros, now &- t.refreshedMicros > lifetime {
            sessions[key]?.templates[id] = nil
            templateCount -= 1
            s.templatesExpired += 1
            return nil
        }
        templateTick &+= 1
        sessions[key]?.templates[id]?.lastUsed = templateTick
        return t
    }

    /// Stores a template just received (a template with the same id replaces the old one, which is how
    /// an exporter changes it mid-stream) and decodes any data held for it.
    mutating func store(
        _ template: Template, for key: SessionKey, stats s: inout ExporterStats, _ body: (borrowing FlowRecord) -> Void
    ) {
        guard template.fields.count <= limits.fieldsPerTemplate else {
            // Not kept; nor is an earlier template of that id, which no longer describes the data.
            s.failures[.templateInvalid] += 1
            if sessions[key]?.templates.removeValue(forKey: template.id) != nil { templateCount -= 1 }
            return
        }
        s.templates += 1
        guard sessions[key] != nil || sessions.count < limits.sessions else { return }
        if !template.isOptions && template.hasAddressFields && !template.hasPortFields && !template.hasICMPTypeFields {
            var exporter = key
            exporter.port = 0
            let t = PortlessTemplate(session: exporter, templateID: template.id)
            if portlessTemplatesSeen.count < limits.sessions && portlessTemplatesSeen.insert(t).inserted {
                portlessTemplates.append(t)
            }
        }
        keep(template, for: key, stats: &s)
        guard !held.sets.isEmpty else { return }
        for h in held.take(session: key, templateID: template.id) {
            s.setsReleased += 1
            h.bytes.withUnsafeBytes { b in
                _ = decodeDataSet(
                    ByteCursor(b), template: template, key: key, port: h.port, clock: h.clock, stats: &s, body)
            }
        }
    }

    /// Puts `template` in the store, evicting the least recently stored or used template of the session,
    /// then of all sessions, where either is over its bound.
    private mutating func keep(_ template: Template, for key: SessionKey, stats s: inout ExporterStats) {
        templateTick &+= 1
        var t = template
        t.lastUsed = templateTick
        if let old = sessions[key]?.templates[t.id] {
            // A refresh or a redefinition: the same place in the store.
            t.serial = old.serial
            sessions[key]?.templates[t.id] = t
            return
        }
        if let state = sessions[key], state.templates.count >= limits.templatesPerSession,
            let oldest = state.templates.min(by: { $0.value.lastUsed < $1.value.lastUsed })
        {
            sessions[key]?.templates[oldest.key] = nil
            templateCount -= 1
            s.templatesEvicted += 1
        }
        t.serial = templateTick
        sessions[key, default: SessionState()].templates[t.id] = t
        templateCount += 1
        templateUses.append(TemplateUse(key: key, id: t.id, serial: t.serial, used: t.lastUsed))
        while templateCount > limits.templates, templateUsesHead < templateUses.count {
            let u = templateUses[templateUsesHead]
            templateUsesHead += 1
            // Gone (withdrawn, expired, evicted, its session forgotten) or stored anew since: nothing to do.
            guard let current = sessions[u.key]?.templates[u.id], current.serial == u.serial else { continue }
            if current.lastUsed > u.used {
                // Used since it was queued: its turn comes again after those queued before that use.
                templateUses.append(TemplateUse(key: u.key, id: u.id, serial: u.serial, used: current.lastUsed))
                continue
            }
            sessions[u.key]?.templates[u.id] = nil
            templateCount -= 1
            if u.key.exporter == key.exporter {
                s.templatesEvicted += 1
            } else {
                stats[u.key.exporter]?.templatesEvicted += 1
            }
        }
        // Entries of templates long gone are dropped once they outnumber the templates kept.
        if templateUses.count - templateUsesHead > 2 * max(templateCount, 1024) || templateUsesHead > 1 << 16 {
            templateUses = templateUses[templateUsesHead...].filter {
                sessions[$0.key]?.templates[$0.id]?.serial == $0.serial
            }
            templateUsesHead = 0
        }
    }

    /// Withdraws one template, or with `id == nil` every template (or every options template) of `key`.
    mutating func withdraw(_ id: UInt16?, options: Bool, for key: SessionKey, stats s: inout ExporterStats) {
        guard var state = sessions[key] else { return }
        if let id {
            if state.templates.removeValue(forKey: id) != nil {
                s.templatesWithdrawn += 1
                templateCount -= 1
            }
        } else {
            let before = state.templates.count
            state.templates = state.templates.filter { $0.value.isOptions != options }
            s.templatesWithdrawn += UInt64(before - state.templates.count)
            templateCount -= before - state.templates.count
        }
        sessions[key] = state
    }

    /// Keeps a data set whose template is unknown (or withdrawn: a redefinition may follow), counting what
    /// the bounded store had to let go. `port`: the datagram's source port, for its records.
    mutating func holdDataSet(
        _ body: ByteCursor, templateID: UInt16, key: SessionKey, port: UInt16, clock: ExportClock,
        stats s: inout ExporterStats
    ) {
        let rest = UnsafeRawBufferPointer(rebasing: body.base[body.offset...])
        let (kept, evicted) = held.hold(
            rest, session: key, templateID: templateID, clock: clock, port: port, receivedMicros: arrivalMicros)
        if kept { s.setsHeld += 1 } else { s.failures[.noTemplate] += 1 }
        for e in evicted {
            if e.exporter == key.exporter {
                s.failures[.noTemplate] += 1
            } else if var other = stats[e.exporter] {
                other.failures[.noTemplate] += 1
                stats[e.exporter] = other
            }
        }
    }

    /// Decodes the records of one data set (IPFIX or NetFlow v9) with `template`; `port` is the source port
    /// of the datagram that carried it. Returns how many records it held (for the IPFIX sequence number).
    /// `missingBytes`: the set is what arrived of one the datagram's cut ended, that many of its bytes lost,
    /// so a record running past it was cut (`truncatedRecords`), not malformed; and when the bytes left
    /// after its last whole record and those lost make at least one record (padding is shorter than any,
    /// RFC 7011 section 3.3.1), one record was cut there too.
    mutating func decodeDataSet(
        _ set: ByteCursor, template: Template, key: SessionKey, port: UInt16, clock: ExportClock,
        missingBytes: Int = 0, stats s: inout ExporterStats, _ body: (borrowing FlowRecord) -> Void
    ) -> UInt32 {
        var c = set
        var count: UInt32 = 0
        var options = sessions[key]?.options ?? DomainOptions()
        // Whichever way the set ends, an options set's values are the session's.
        defer { if template.isOptions { sessions[key]?.options = options } }
        var clock = clock
        if clock.systemInitMillis == nil { clock.systemInitMillis = options.systemInitMillis }
        // The lent record is a local for the loop: lending a stored property of `self` to `body` made the
        // compiler copy the whole record (its sampled packet included) for every record.
        var record = FlowRecord.placeholder
        swap(&record, &self.record)
        defer { swap(&record, &self.record) }
        record.exporter = key.exporter
        record.source = key.exporter
        record.exporterPort = port
        record.observationDomain = key.domain
        record.input = key.input
        if record.sampledPacket.ipVersion != 0 { record.sampledPacket.reset() }
        let minimum = max(template.minimumRecordLength, 1)
        while c.readableBytes >= minimum {
            guard TemplateRecordDecoder.decode(&c, template: template, clock: clock, domain: &options, into: &record)
            else {
                if missingBytes > 0 { s.truncatedRecords += 1 } else { s.failures[.recordTruncated] += 1 }
                return count
            }
            count &+= 1
            if template.isOptions {
                s.optionsRecords += 1
                if clock.systemInitMillis == nil { clock.systemInitMillis = options.systemInitMillis }
            } else if record.timesAreWritable {
                s.records += 1
                s.noteSampling(record.samplingRate)
                if !template.hasPortFields && IPProtocolNumber.hasPorts(record.proto) { s.recordsWithoutPorts += 1 }
                body(record)
            } else {
                s.failures[.timestampOutOfRange] += 1
            }
        }
        if missingBytes > 0 && c.readableBytes + missingBytes >= minimum { s.truncatedRecords += 1 }
        return count
    }
}
