import ZonesepCore

/// Everything the audit report shows, as plain values: filled from a live run (`init(summary:provenance:)`)
/// or from a saved JSON Lines run (the `zonesep report` command), so both give the same document.
///
/// Only what a saved run also records goes in here; the renderers read nothing else, which is what keeps
/// `replay --report` and `report` byte-identical.
public struct AuditReport: Sendable {
    /// What the run was made with: recorded so a reader can reproduce it.
    public struct Provenance: Sendable, Equatable {
        public var zonesepVersion: String
        public var libpcapVersion: String
        /// zones.conf as named on the command line.
        public var configPath: String
        /// SHA-256 of zones.conf's bytes, lower-case hex.
        public var configSHA256: String
        /// Whether the run itself recorded that digest (its summary's `config_sha256`), so that the zone map
        /// shown is known to be the one it was judged with; false for a run saved before zonesep recorded it.
        public var configFromRun: Bool
        /// The binary that wrote the report, when it is not the one that judged the run (`zonesep report` of
        /// a run saved by another build, or by one that did not record its versions); nil when it is.
        public var reportMadeBy: Reporter?

        /// The zonesep and libpcap versions of the binary that wrote the report.
        public struct Reporter: Sendable, Equatable {
            public var zonesepVersion: String
            public var libpcapVersion: String
        }

        /// The run's versions are those recorded in its summary (`notRecorded` when it has none); the
        /// report's, these, are named beside them when different.
        public mutating func takeRunVersions(zonesep: String?, libpcap: String?) {
            let reporter = Reporter(zonesepVersion: zonesepVersion, libpcapVersion: libpcapVersion)
            zonesepVersion = zonesep ?? AuditReport.versionNotRecorded
            libpcapVersion = libpcap ?? AuditReport.versionNotRecorded
            if zonesepVersion != reporter.zonesepVersion || libpcapVersion != reporter.libpcapVersion {
                reportMadeBy = reporter
            }
        }

        public init(
            zonesepVersion: String, libpcapVersion: String, configPath: String, configSHA256: String,
            configFromRun: Bool = true
        ) {
            self.zonesepVersion = zonesepVersion
            self.libpcapVersion = libpcapVersion
            self.configPath = configPath
            self.configSHA256 = configSHA256
            self.configFromRun = configFromRun
        }
    }

    /// The version of a run saved before summaries recorded which zonesep and libpcap judged it.
    public static let versionNotRecorded = "not recorded (saved by an older zonesep)"

    /// Said beside the digest when the saved run did not record which zones.conf it was judged with.
    public static let configNotFromRun =
        "(the run did not record its zones.conf: not checked to be the one it was judged with)"

    /// One input file, as the summary's `files` lists it.
    public struct CaptureFile: Sendable, Equatable {
        public var path: String
        public var linkType: String?
        public var packets: UInt64
        public var firstPacketMicros: Int64?
        public var lastPacketMicros: Int64?
        /// Why the file was not read to its end; nil when it was.
        public var error: String?
        /// Why a file of a directory was not read as a capture (it is none); nil for a capture.
        public var skipped: String?
        /// What the file itself did to its frames though it was read to its end (records cut to its snapshot
        /// length): the summary's `note`; nil when nothing, and for a saved run from before it was noted.
        public var note: String?
        /// Stretches of over a minute inside the file with no packet (the summary's `gaps`), and how many
        /// past those listed (`gaps_not_listed`); empty for a saved run from before zonesep looked for them.
        public var gaps: [PacketGap]
        public var gapsNotListed: UInt64
        /// What the file records of its capture's drops (the summary's `dropped`), and its interfaces that
        /// record none beside those that do (`dropped_unknown_interfaces`); nil when it records none, and for
        /// a saved run from before the summary wrote a file's.
        public var dropped: UInt64?
        public var droppedUnknownInterfaces: UInt64
        /// A live capture's outages (the summary's `outages`, `capture_restarts`, `blind_seconds`): nil for a
        /// file, and for a saved run from before zonesep recorded them.
        public var capture: LiveCaptureRecord?

        /// What the file covers: its span less the holes recorded inside it, in time order; none when it gave
        /// no packet.
        public var coveredSpans: [(from: Int64, to: Int64)] {
            span(less: gaps.map { ($0.fromMicros, $0.toMicros, true) })
        }

        /// What the file covers less a live capture's outages too: what the timeline's band draws. The
        /// outages are the audit's limits of their own, not gaps in coverage (`coverageGaps`), but a band
        /// drawn across a night the sensor was blind showed it as seen.
        public var seenSpans: [(from: Int64, to: Int64)] {
            span(
                less: gaps.map { ($0.fromMicros, $0.toMicros, true) }
                    + (capture?.outages ?? []).map { ($0.fromMicros, $0.toMicros, false) })
        }

        /// The span from the first packet to the last less `holes`, each cut to it. A gap (`atPacket`) begins
        /// at a packet, which is a piece of its own where the span before it is only that instant; an outage
        /// begins at no packet, and outages that adjoin are one hole.
        func span(less holes: [(from: Int64, to: Int64, atPacket: Bool)]) -> [(from: Int64, to: Int64)] {
            guard var a = firstPacketMicros, let b = lastPacketMicros else { return [] }
            var spans: [(from: Int64, to: Int64)] = []
            for hole in holes.sorted(by: { $0.from != $1.from ? $0.from < $1.from : $0.to < $1.to })
            where hole.to > a && hole.from <= b {
                if hole.from > a || hole.from == a && hole.atPacket { spans.append((a, hole.from)) }
                a = max(a, hole.to)
            }
            if a <= b { spans.append((a, b)) }
            return spans
        }

        public init(
            path: String, linkType: String?, packets: UInt64, firstPacketMicros: Int64?, lastPacketMicros: Int64?,
            error: String?, skipped: String? = nil, note: String? = nil, gaps: [PacketGap] = [],
            gapsNotListed: UInt64 = 0, dropped: UInt64? = nil, droppedUnknownInterfaces: UInt64 = 0,
            capture: LiveCaptureRecord? = nil
        ) {
            self.capture = capture
            self.dropped = dropped
            self.droppedUnknownInterfaces = droppedUnknownInterfaces
            self.gaps = gaps
            self.gapsNotListed = gapsNotListed
            self.path = path
            self.linkType = linkType
            self.packets = packets
            self.firstPacketMicros = firstPacketMicros
            self.lastPacketMicros = lastPacketMicros
            self.error = error
            self.skipped = skipped
            self.note = note
        }
    }

    public struct Totals: Sendable, Equatable {
        public var packets: UInt64
        public var bytes: UInt64
        public var ipPackets: UInt64
        public var nonIPPackets: UInt64
        public var flows: UInt64

        public init(packets: UInt64, bytes: UInt64, ipPackets: UInt64, nonIPPackets: UInt64, flows: UInt64) {
            self.packets = packets
            self.bytes = bytes
            self.ipPackets = ipPackets
            self.nonIPPackets = nonIPPackets
            self.flows = flows
        }
    }

    public struct FlowTableUse: Sendable, Equatable {
        public var capacity: Int
        public var activeAtEnd: Int
        /// Flows pushed out of a full table: a later packet of one starts a new flow with a new verdict.
        public var evicted: UInt64

        public init(capacity: Int, activeAtEnd: Int, evicted: UInt64) {
            self.capacity = capacity
            self.activeAtEnd = activeAtEnd
            self.evicted = evicted
        }
    }

    /// The host rules' MAC table at its bounds (rules.md "Bounds"): a device whose earlier address was
    /// forgotten can stand in two zones unseen, so a clean device list then covers less than all devices.
    public struct HostTableUse: Sendable, Equatable {
        /// MACs pushed out of the full table, with the addresses they held.
        public var macsEvicted: UInt64
        /// Addresses not kept because their MAC already held the most it keeps.
        public var addressesDropped: UInt64
        /// Findings no longer remembered as raised: one of them may have been raised, and counted, again.
        public var findingsForgotten: UInt64

        public init(macsEvicted: UInt64, addressesDropped: UInt64, findingsForgotten: UInt64) {
            self.macsEvicted = macsEvicted
            self.addressesDropped = addressesDropped
            self.findingsForgotten = findingsForgotten
        }

        /// Whether anything was forgotten: a finding may have been missed, or counted twice.
        public var isLimited: Bool { macsEvicted > 0 || addressesDropped > 0 || findingsForgotten > 0 }
    }

    /// The packets of a violating flow written to a file (by the evidence sink, where one ran), or why none
    /// could be kept.
    public struct Evidence: Sendable, Equatable {
        /// nil when no file was made for the flow (`error` says why).
        public var path: String?
        /// nil for a file that could not be written whole: nothing vouches for it.
        public var sha256: String?
        /// Why no file was made; for a file, why this run's copy was not kept (the earlier run's file of that
        /// name stays); nil for a file of this run.
        public var error: String?
        /// Packets of the flow not in the file (the byte budget, another link type): its hash vouches for
        /// less than all of the flow.
        public var leftOut: UInt64

        public init(path: String?, sha256: String? = nil, error: String? = nil, leftOut: UInt64 = 0) {
            self.path = path
            self.sha256 = sha256
            self.error = error
            self.leftOut = leftOut
        }

        /// Whole (its hash, every packet up to the cap), partial (hashed, packets left out), incomplete (a
        /// file without a hash), kept (this run's copy not made, the earlier run's file of the name kept) or
        /// missing (no file).
        public enum State: Sendable, Equatable {
            case whole, partial, incomplete, kept, missing
        }

        public var state: State {
            guard path != nil else { return .missing }
            guard sha256 != nil else { return error != nil ? .kept : .incomplete }
            return leftOut > 0 ? .partial : .whole
        }
    }

    /// What `--evidence` could not keep over the whole run (the summary's `delivery.evidence`), for the
    /// limits of the audit; nil when the run wrote no evidence, or its saved run does not say.
    public struct EvidenceLosses: Sendable, Equatable {
        public var directory: String
        /// Files closed without a hash (cut short by a write error).
        public var incomplete: UInt64
        /// Alerts that got no file (it could not be created), and those the evidence limits (file limit,
        /// byte budget) left without one.
        public var notCreated: UInt64
        public var skippedFiles: UInt64
        /// Packets of flows whose file had failed.
        public var lostPackets: UInt64
        /// Packets the byte budget kept out of their files, and those of another link type left out.
        public var skippedPackets: UInt64
        public var otherLinkTypePackets: UInt64

        public init(
            directory: String, incomplete: UInt64, notCreated: UInt64, skippedFiles: UInt64, lostPackets: UInt64,
            skippedPackets: UInt64 = 0, otherLinkTypePackets: UInt64 = 0
        ) {
            self.directory = directory
            self.incomplete = incomplete
            self.notCreated = notCreated
            self.skippedFiles = skippedFiles
            self.lostPackets = lostPackets
            self.skippedPackets = skippedPackets
            self.otherLinkTypePackets = otherLinkTypePackets
        }

        /// Alerts left without a file, for either reason.
        public var withoutFile: UInt64 { notCreated &+ skippedFiles }
        /// Packets of violating flows not in their files though the files are whole as written.
        public var leftOutPackets: UInt64 { skippedPackets &+ otherLinkTypePackets }
        public var isEmpty: Bool { incomplete == 0 && withoutFile == 0 && lostPackets == 0 && leftOutPackets == 0 }
    }

    /// A violating flow with its totals: one alert of the run.
    public struct ViolatingFlow: Sendable, Equatable {
        /// Position in the run (1-based), in the order the alerts were raised.
        public var number: Int
        /// Community ID v1.
        public var flowID: String
        public var rule: RuleID
        public var proto: String
        public var srcIP: IPAddress
        public var srcPort: UInt16?
        public var destIP: IPAddress
        public var destPort: UInt16?
        public var srcZone: ZoneRef
        public var destZone: ZoneRef
        /// How the initiator was known (`syn`, ...); nil when the alert record was not found.
        public var initiatorMethod: String?
        public var vlan: [UInt16]
        public var firstSeenMicros: Int64
        public var lastSeenMicros: Int64
        public var packets: UInt64
        public var bytes: UInt64
        /// Why the flow ended: idle, closed, evicted, end-of-capture.
        public var end: String
        public var evidence: Evidence?
        /// The flow is IPv6 with an IPv4-mapped address: shown `::ffff:a.b.c.d`, as its alert writes it.
        public var mappedIPv6: Bool
        /// The initiator's and responder's address and port as the report shows them (`ReportText.endpoint`).
        public var srcEndpoint: String { ReportText.endpoint(srcIP, srcPort, mappedIPv6: mappedIPv6) }
        public var destEndpoint: String { ReportText.endpoint(destIP, destPort, mappedIPv6: mappedIPv6) }

        public init(
            number: Int, flowID: String, rule: RuleID, proto: String, srcIP: IPAddress, srcPort: UInt16?,
            destIP: IPAddress, destPort: UInt16?, srcZone: ZoneRef, destZone: ZoneRef, initiatorMethod: String?,
            vlan: [UInt16], firstSeenMicros: Int64, lastSeenMicros: Int64, packets: UInt64, bytes: UInt64,
            end: String, evidence: Evidence? = nil, mappedIPv6: Bool = false
        ) {
            self.mappedIPv6 = mappedIPv6
            self.number = number
            self.flowID = flowID
            self.rule = rule
            self.proto = proto
            self.srcIP = srcIP
            self.srcPort = srcPort
            self.destIP = destIP
            self.destPort = destPort
            self.srcZone = srcZone
            self.destZone = destZone
            self.initiatorMethod = initiatorMethod
            self.vlan = vlan
            self.firstSeenMicros = firstSeenMicros
            self.lastSeenMicros = lastSeenMicros
            self.packets = packets
            self.bytes = bytes
            self.end = end
            self.evidence = evidence
        }

        /// `tcp/445`, `icmp`: the responder's service as the rules name it.
        public var service: String { destPort.map { "\(proto)/\($0)" } ?? proto }
    }

    /// A host rule's finding: the device (its MAC), the address that completed the finding, and every
    /// address seen for it with its zone and VLANs.
    public struct Device: Sendable, Equatable {
        public struct Address: Sendable, Equatable {
            public var ip: IPAddress
            public var zone: ZoneRef
            public var vlan: [UInt16]
            /// When the address was first seen on the device; nil where the record does not say.
            public var firstSeenMicros: Int64?
            /// What showed it: `ip` (an IP packet's source), `arp`, `nd`; nil where the record does not say.
            public var seenBy: String?

            public init(ip: IPAddress, zone: ZoneRef, vlan: [UInt16], firstSeenMicros: Int64?, seenBy: String?) {
                self.ip = ip
                self.zone = zone
                self.vlan = vlan
                self.firstSeenMicros = firstSeenMicros
                self.seenBy = seenBy
            }
        }

        /// Position in the run (1-based), in the order the findings were raised.
        public var number: Int
        public var rule: HostRuleID
        public var severity: Severity
        /// The packet that completed the finding.
        public var timestampMicros: Int64
        public var mac: String
        public var ip: IPAddress
        public var zone: ZoneRef
        public var vlan: [UInt16]
        public var addresses: [Address]

        public init(
            number: Int, rule: HostRuleID, severity: Severity, timestampMicros: Int64, mac: String, ip: IPAddress,
            zone: ZoneRef, vlan: [UInt16], addresses: [Address]
        ) {
            self.number = number
            self.rule = rule
            self.severity = severity
            self.timestampMicros = timestampMicros
            self.mac = mac
            self.ip = ip
            self.zone = zone
            self.vlan = vlan
            self.addresses = addresses
        }

        /// When the device was first seen: its earliest address's first sighting, else the finding's time.
        public var firstSeenMicros: Int64 {
            addresses.compactMap(\.firstSeenMicros).min() ?? timestampMicros
        }
    }

    public struct AnomalyCount: Sendable, Equatable {
        public var kind: String
        public var packets: UInt64
        public init(kind: String, packets: UInt64) {
            self.kind = kind
            self.packets = packets
        }
    }

    public var provenance: Provenance
    /// zones.conf, compiled: the zone map, the declarations and which matrix cells are restricted.
    public var policy: Policy
    public var sensor: String
    public var totals: Totals
    /// In replay order (by first packet).
    public var files: [CaptureFile]
    public var flowTable: FlowTableUse
    /// Packets the capture dropped, where it is known (live capture statistics, pcapng interface statistics).
    public var droppedPackets: UInt64?
    /// Files of the run that record no drops, or record them for some interfaces only, beside others that
    /// do: `droppedPackets` leaves out what they lost unrecorded.
    public var droppedUnknownFiles = 0
    /// Non-zero decode anomalies, in DESIGN.md's order of kinds.
    public var anomalies: [AnomalyCount]
    public var matrix: ZoneMatrix
    /// In the order the alerts were raised.
    public var violations: [ViolatingFlow]
    /// Violating flows found but not in `violations`: the summary lists at most
    /// `ViolationCollector.defaultLimit`, the first to end, and counts the rest (`violations_omitted`).
    /// The summary counts them by rule and zone pair (`violations_omitted_by`), so the severities, the rules
    /// table and the matrix count them too; not their hosts or times.
    public var violationsOmitted: UInt64 = 0
    /// `violationsOmitted` by rule and zone pair; empty for a saved run from before they were counted so,
    /// whose omitted flows are of no known rule.
    public var violationsOmittedBy = OmittedViolations()
    /// What each declaration allowed, in `Policy.declarations` order; nil for a saved run from before
    /// declarations were audited.
    public var declarations: [DeclarationUse]?
    /// What share of the frames was verified, and why the rest was not; nil for a saved run from before
    /// zonesep counted it.
    public var coverage: Coverage? = nil
    /// The host rules' findings in the order raised; nil for a saved run from before host rules existed.
    public var devices: [Device]? = nil
    /// What the host table's bounds cost; nil for a saved run from before it was recorded.
    public var hostTable: HostTableUse? = nil
    /// Host findings raised but not in `devices`: the summary lists at most `HostFindingCollector.defaultLimit`
    /// and counts the rest (`host_findings_omitted`), whose rules and devices the list cannot show.
    public var hostFindingsOmitted: UInt64 = 0
    /// `hostFindingsOmitted` by rule and severity; empty for a saved run from before they were counted so.
    public var hostFindingsOmittedBy = OmittedHostFindings()
    /// Tunnels whose own ends break the policy (the summary's `tunnels_breaking_policy`), and those past its
    /// list: the flows inside were judged by their innermost packets, so each limits the verdict. Empty for
    /// a saved run from before they were listed.
    public var tunnelsBreakingPolicy: [PolicyBreakingTunnel] = []
    public var tunnelsBreakingPolicyNotListed: UInt64 = 0
    /// What `--evidence` could not keep; nil without evidence.
    public var evidenceLosses: EvidenceLosses? = nil
    /// The run was stopped by a signal before its inputs were read to their end: the report covers what
    /// was read until then.
    public var interrupted = false
    /// The run captured a live interface (its saved output holds `watch`'s `stats` records): where its summary
    /// gives no `dropped`, the drops were not recorded, which capture files cannot do at all.
    public var liveCapture = false
    /// zones.conf reloads during a `watch` run: alerts raised before an applied one were judged under the map
    /// it replaced, which this report's zone map (the one in force at the end) may not show.
    public var reloads: [ConfigReload] = []
    /// The time the summary judged its exceptions' `expired` and `expiring` at (its `timestamp`): the report
    /// marks them as of the same instant, so that a stray stamp far ahead cannot expire them here alone. nil
    /// for a saved run without one: then the capture's last packet.
    public var asOfMicros: Int64? = nil

    /// Frames verified (judged, or holding no IP) of all frames, and the reasons the others were not.
    public struct Coverage: Sendable, Equatable {
        public var frames: UInt64
        public var verified: UInt64
        /// Each reason with its frames, most first ("GRE protocol 0x880b", "malformed (ipv4-truncated)", ...).
        public var reasons: [Reason]
        public struct Reason: Sendable, Equatable {
            public var label: String
            public var frames: UInt64
            public init(label: String, frames: UInt64) {
                self.label = label
                self.frames = frames
            }
        }
        /// Flows on ports of tunnels zonesep does not open, by kind name ("l2tp", "gtp-u", ...), only kinds
        /// seen, in `UnopenedTunnel` order: judged as outer flows, what they carry was not verified.
        public var tunnels: [Tunnel] = []
        public struct Tunnel: Sendable, Equatable {
            public var name: String
            public var flows: UInt64
            public init(name: String, flows: UInt64) {
                self.name = name
                self.flows = flows
            }
        }
        /// TCP packets judged on their ports without their flags (the header was cut after the ports): their
        /// flows' initiator was taken from the port rank, not from a SYN. 0 for a saved run from before.
        public var flagsUnknown: UInt64 = 0
        /// IP packets whose frame showed no source MAC (no Ethernet header): the host rules, which judge a
        /// device by its MAC, could not judge their senders. nil for a saved run from before it was counted.
        public var hostRulesNoMAC: UInt64? = nil
        /// Flows whose packets carry a VLAN tag (`zone-vlan-mismatch` judges tagged frames only); nil for a
        /// saved run from before it was counted.
        public var flowsTagged: UInt64? = nil
        /// Untagged flows of zones that declare `vlans`, which `zone-vlan-mismatch` could not judge, by zone;
        /// nil for a saved run from before they were counted.
        public var untaggedVLANFlows: UntaggedVLANFlows? = nil
        /// Packets stamped far ahead whose next packet came back (`time_jumps_ignored`): they stretch the
        /// capture span and open gaps, so the report says them; nil for a saved run from before they were counted.
        public var timeJumpsIgnored: UInt64? = nil
        public init(
            frames: UInt64, verified: UInt64, reasons: [Reason], tunnels: [Tunnel] = [], flagsUnknown: UInt64 = 0,
            hostRulesNoMAC: UInt64? = nil, flowsTagged: UInt64? = nil, untaggedVLANFlows: UntaggedVLANFlows? = nil
        ) {
            self.frames = frames
            self.verified = verified
            self.reasons = reasons
            self.tunnels = tunnels
            self.flagsUnknown = flagsUnknown
            self.hostRulesNoMAC = hostRulesNoMAC
            self.flowsTagged = flowsTagged
            self.untaggedVLANFlows = untaggedVLANFlows
        }
        /// Flows on ports of tunnels zonesep does not open, of every kind.
        public var tunnelFlows: UInt64 { tunnels.reduce(0) { $0 &+ $1.flows } }
        public var unverified: UInt64 { frames >= verified ? frames - verified : 0 }
        /// The verified share as a percentage with two decimals, rounded down ("97.50").
        public var percent: String { CoverageReport.percent(frames == 0 ? 1 : Double(verified) / Double(frames)) }
    }

    public init(
        provenance: Provenance, policy: Policy, sensor: String, totals: Totals, files: [CaptureFile],
        flowTable: FlowTableUse, droppedPackets: UInt64? = nil, anomalies: [AnomalyCount], matrix: ZoneMatrix,
        violations: [ViolatingFlow], declarations: [DeclarationUse]? = nil
    ) {
        self.provenance = provenance
        self.policy = policy
        self.sensor = sensor
        self.totals = totals
        self.files = files
        self.flowTable = flowTable
        self.droppedPackets = droppedPackets
        self.anomalies = anomalies
        self.matrix = matrix
        self.violations = violations
        self.declarations = declarations
    }
}

// MARK: - What the renderers derive

extension AuditReport {
    /// The capture's time span: from the earliest first packet to the latest last packet of the files.
    public var firstPacketMicros: Int64? { files.compactMap(\.firstPacketMicros).min() }
    public var lastPacketMicros: Int64? { files.compactMap(\.lastPacketMicros).max() }

    /// Violating flows of a rule, in the order they were raised.
    public func violations(of rule: RuleID) -> [ViolatingFlow] { violations.filter { $0.rule == rule } }

    /// Violating flows, host findings and listed tunnels whose own ends break the policy of `severity`,
    /// listed or not (those not listed of a known rule).
    public func count(_ severity: Severity) -> Int {
        violations.filter { $0.rule.severity == severity }.count
            + (devices ?? []).filter { $0.severity == severity }.count
            + tunnelsBreakingPolicy.filter { $0.rule.severity == severity }.count
            + Int(clamping: violationsOmittedBy.total { $0.rule.severity == severity })
            + Int(clamping: hostFindingsOmittedBy.total { $0.severity == severity })
    }

    /// Violating flows of `rule` the summary's list left out.
    public func omittedFlows(of rule: RuleID) -> UInt64 { violationsOmittedBy.total { $0.rule == rule } }

    /// Host findings of `rule` the summary's list left out.
    public func omittedDevices(of rule: HostRuleID) -> UInt64 { hostFindingsOmittedBy.total { $0.rule == rule } }

    /// The severity shown for host rule `rule`: the most severe of its findings, listed or not, else the
    /// rule's own (a `dual-homed-host` is critical or high by the zones it joins).
    public func severity(of rule: HostRuleID) -> Severity {
        let found = (devices ?? []).filter { $0.rule == rule }
        return Severity.allCases.first { s in
            found.contains { $0.severity == s }
                || hostFindingsOmittedBy.counts.keys.contains { $0.rule == rule && $0.severity == s }
        } ?? rule.baseSeverity
    }

    /// Violating flows left out of the list whose rule is not known (a saved run from before the summary
    /// counted them by rule): the rules table counts them apart.
    public var omittedFlowsOfNoKnownRule: UInt64 {
        let known = violationsOmittedBy.total()
        return violationsOmitted > known ? violationsOmitted - known : 0
    }

    /// Host findings left out of the list whose rule is not known.
    public var omittedDevicesOfNoKnownRule: UInt64 {
        let known = hostFindingsOmittedBy.total()
        return hostFindingsOmitted > known ? hostFindingsOmitted - known : 0
    }

    /// Host findings of a rule, in the order they were raised.
    public func devices(of rule: HostRuleID) -> [Device] { (devices ?? []).filter { $0.rule == rule } }

    /// Every violating flow of the run: those listed and those left out of the list.
    public var violatingFlows: UInt64 { UInt64(violations.count) &+ violationsOmitted }

    /// Violating flows (listed or not), host findings and tunnels whose own ends break the policy together:
    /// what makes the verdict "violations". A tunnel raised an alert of its own and made the run exit 1: the
    /// report that called it clean, limited, contradicted both.
    public var findingsTotal: Int {
        violations.count + Int(clamping: violationsOmitted) + (devices?.count ?? 0) + Int(clamping: hostFindingsOmitted)
            + Int(clamping: tunnelsBreakingPolicyCount)
    }

    /// The most severe rule the listed tunnels' ends break (nil when none is listed).
    public var tunnelsSeverity: Severity? {
        Severity.allCases.first { s in tunnelsBreakingPolicy.contains { $0.rule.severity == s } }
    }

    /// Every host finding of the run: those listed and those left out of the list.
    public var deviceFindings: UInt64 { UInt64(devices?.count ?? 0) &+ hostFindingsOmitted }

    /// Zones declare `vlans`, yet no flow carried a VLAN tag (a mirror that strips tags, an access port):
    /// `zone-vlan-mismatch`, which judges tagged frames only, judged no host. False for a run saved before
    /// tagged flows were counted, or of no flow.
    public var vlanRuleBlind: Bool {
        (coverage?.flowsTagged ?? 1) == 0 && totals.flows > 0 && policy.config.zones.contains { !$0.vlans.isEmpty }
    }

    /// What a file's row says of its capture's drops.
    public enum FileDrops: Equatable {
        /// No capture was read from it (skipped, or it could not be opened).
        case notApplicable
        /// It records none (a classic pcap file, a pcapng without statistics).
        case unknown
        /// Recorded, with the file's interfaces that record none (their losses are unknown).
        case recorded(UInt64, unknownInterfaces: UInt64)

        /// A file's row: nothing for one not read as a capture (`skipped`, or no `linkType`); for a live
        /// capture (`live`, whose one entry is the interface) its own count `liveDropped`; else what the file
        /// records (`dropped`, nil when none).
        static func of(
            skipped: String?, linkType: String?, live: Bool, liveDropped: UInt64?, dropped: UInt64?,
            unknownInterfaces: UInt64
        ) -> FileDrops {
            guard skipped == nil, linkType != nil else { return .notApplicable }
            if live { return liveDropped.map { .recorded($0, unknownInterfaces: 0) } ?? .unknown }
            return dropped.map { .recorded($0, unknownInterfaces: unknownInterfaces) } ?? .unknown
        }
    }

    /// The drops of `f`: its own, or a live capture's (whose one entry is the interface captured).
    public func drops(of f: CaptureFile) -> FileDrops {
        .of(
            skipped: f.skipped, linkType: f.linkType, live: liveCapture, liveDropped: droppedPackets,
            dropped: f.dropped, unknownInterfaces: f.droppedUnknownInterfaces)
    }

    /// The files that record drops for some of their interfaces only (counted in `droppedUnknownFiles`).
    public var filesPartlyRecordingDrops: [CaptureFile] {
        files.filter { $0.dropped != nil && $0.droppedUnknownInterfaces > 0 }
    }

    /// Some flows were tagged, but flows of zones that declare `vlans` were not (a trunk mirror whose native
    /// VLAN carries a zone untagged): `zone-vlan-mismatch` could not judge their hosts. Their count, 0 when
    /// none, when no flow was tagged (`vlanRuleBlind` says that), or for a saved run from before.
    public var vlanRuleUnjudgedFlows: UInt64 {
        vlanRuleBlind ? 0 : coverage?.untaggedVLANFlows?.total ?? 0
    }

    /// The files the run took as captures (not those of a directory skipped as no capture, or given twice):
    /// what the first page and the tables count as the audit's files.
    public var captureFileCount: Int { files.count { $0.skipped == nil } }

    /// Files that could not be read, or broke off part-way.
    public var unreadableFiles: [CaptureFile] { files.filter { $0.error != nil } }

    /// Of `unreadableFiles`, those that broke off after some packets (a file cut short, a run stopped): their
    /// packets up to there were judged, so the report says "read in part", not "unreadable".
    public var partlyReadFiles: [CaptureFile] { unreadableFiles.filter { $0.packets > 0 } }

    /// Files read to their end with a note on what they did to their own frames (records cut to their
    /// snapshot length, times that go backwards, times before 2000): each limits what the run can say.
    public var notedFiles: [CaptureFile] { files.filter { $0.error == nil && $0.note != nil } }

    /// The tunnels whose own ends break the policy, listed or not.
    public var tunnelsBreakingPolicyCount: UInt64 {
        UInt64(tunnelsBreakingPolicy.count) &+ tunnelsBreakingPolicyNotListed
    }

    /// Live captures that were blind for part of the run (the interface gone, the capture or the link down):
    /// their packet span reads as one capture, which it was not.
    public var blindFiles: [CaptureFile] { files.filter { $0.capture?.hadOutages ?? false } }

    /// Violating flows whose evidence file is incomplete (no hash) or missing, in the order raised.
    public var violationsWithEvidenceLost: [ViolatingFlow] {
        violations.filter { $0.evidence.map { $0.state != .whole } ?? false }
    }

    /// Whether anything kept part of the traffic from being verified.
    public var isLimited: Bool {
        !unreadableFiles.isEmpty || flowTable.evicted > 0 || (droppedPackets ?? 0) > 0 || files.isEmpty
            || totals.packets == 0 || !coverageGaps().isEmpty || coverageGapsNotListed > 0
            || (coverage?.unverified ?? 0) > 0
            || (coverage?.tunnelFlows ?? 0) > 0 || conduitMACNotVerified > 0 || !notedFiles.isEmpty
            || (coverage?.flagsUnknown ?? 0) > 0 || interrupted || mapsReloaded > 0 || (hostTable?.isLimited ?? false)
            || (coverage?.hostRulesNoMAC ?? 0) > 0 || vlanRuleBlind || vlanRuleUnjudgedFlows > 0
            || !blindFiles.isEmpty || noFlowJudged || tunnelsBreakingPolicyCount > 0
    }

    /// Whether some of the traffic went unverified: frames not verified, flows in tunnels not opened, files
    /// not read (to their end), packets dropped, a run stopped early, tunnels whose own ends break the policy
    /// (what they carried was judged by its inner packets, not as a flow between the ends). Other limits (a
    /// gap, a note, the host table's bounds) limit the audit without any frame going unverified, and the
    /// report says them so.
    public var trafficUnverified: Bool {
        (coverage?.unverified ?? 0) > 0 || (coverage?.tunnelFlows ?? 0) > 0 || !unreadableFiles.isEmpty
            || (droppedPackets ?? 0) > 0 || interrupted || tunnelsBreakingPolicyCount > 0
    }

    /// Packets were read but no flow was judged (STP, ARP, LLDP alone: a SPAN session on the wrong VLAN):
    /// "no violation" would then say the separation policy held on not one flow, so it is a limit, as no
    /// packets at all is.
    public var noFlowJudged: Bool { totals.packets > 0 && totals.flows == 0 }

    /// Reloads that put another zone map in force: the run was judged under more than one, and this
    /// report shows only the last.
    public var mapsReloaded: Int { reloads.filter(\.applied).count }

    /// Flows conduits allowed without their MAC being verified (the capture did not show it): 0 for a saved
    /// run from before they were counted.
    public var conduitMACNotVerified: UInt64 { ConduitMACReport.total(declarations ?? []) }

    /// The matrix axis: declared zones, then external, unzoned, local.
    public var matrixAxis: [ZoneRef] { (0..<matrix.side).map { matrix.ref($0) } }

    public func cell(_ from: ZoneRef, _ to: ZoneRef) -> (packets: UInt64, bytes: UInt64, flows: UInt64) {
        let i = matrix.index(from) * matrix.side + matrix.index(to)
        return (matrix.packets[i], matrix.bytes[i], matrix.flows[i])
    }

    /// Violating flows from initiator zone `from` to responder zone `to`.
    public func violationCount(_ from: ZoneRef, _ to: ZoneRef) -> Int {
        violationsByCell()[matrix.index(from) * matrix.side + matrix.index(to)]
    }

    /// Violating flows per matrix cell (initiator row, responder column), counted in one pass.
    public func violationsByCell() -> [Int] {
        var counts = [Int](repeating: 0, count: matrix.side * matrix.side)
        for v in violations { counts[matrix.index(v.srcZone) * matrix.side + matrix.index(v.destZone)] += 1 }
        for (g, n) in violationsOmittedBy.counts {
            counts[matrix.index(g.srcZone) * matrix.side + matrix.index(g.destZone)] += Int(clamping: n)
        }
        return counts
    }

    /// Zone pairs (initiator → responder) with violating flows, most first, then in matrix order.
    public func violatedPairs() -> [(from: ZoneRef, to: ZoneRef, flows: Int)] {
        let counts = violationsByCell()
        var out: [(from: ZoneRef, to: ZoneRef, flows: Int)] = []
        for a in 0..<matrix.side {
            for b in 0..<matrix.side where counts[a * matrix.side + b] > 0 {
                out.append((matrix.ref(a), matrix.ref(b), counts[a * matrix.side + b]))
            }
        }
        return out.enumerated().sorted { l, r in
            l.element.flows != r.element.flows ? l.element.flows > r.element.flows : l.offset < r.offset
        }.map(\.element)
    }

    /// A host that started violating flows, with what they add up to.
    public struct OffendingHost: Sendable, Equatable {
        public var address: IPAddress
        public var zone: ZoneRef
        public var flows: Int
        public var packets: UInt64
        public var bytes: UInt64
        /// Rules its flows broke, in the policy's order.
        public var rules: [RuleID]
        /// Distinct responders it reached.
        public var responders: Int
    }

    /// Initiators of violating flows, most flows first (then most bytes, then by address).
    public func offendingHosts(limit: Int = 10) -> [OffendingHost] {
        var byHost: [IPAddress: [ViolatingFlow]] = [:]
        for v in violations { byHost[v.srcIP, default: []].append(v) }
        let hosts = byHost.map { address, flows -> OffendingHost in
            OffendingHost(
                address: address, zone: flows[0].srcZone, flows: flows.count,
                packets: flows.reduce(0) { $0 &+ $1.packets }, bytes: flows.reduce(0) { $0 &+ $1.bytes },
                rules: RuleID.allCases.filter { r in flows.contains { $0.rule == r } },
                responders: Set(flows.map(\.destIP)).count)
        }
        return Array(
            hosts.sorted {
                if $0.flows != $1.flows { return $0.flows > $1.flows }
                if $0.bytes != $1.bytes { return $0.bytes > $1.bytes }
                return $0.address < $1.address
            }.prefix(limit))
    }

    /// Where an exception stands at the end of the capture.
    public enum ExceptionStatus: Sendable, Equatable {
        /// Valid through the whole capture.
        case valid
        /// Expired before the capture's first packet.
        case expired
        /// Expired between the first and the last packet: it covered only the earlier part.
        case expiredDuringCapture
        /// No packets, so no capture time to judge by.
        case unknown
    }

    /// The instant exceptions are judged expired or expiring at, in every table of the report as in the summary.
    public var exceptionsAsOfMicros: Int64? { asOfMicros ?? lastPacketMicros }

    public func status(of e: PolicyException) -> ExceptionStatus {
        guard let first = firstPacketMicros, let last = exceptionsAsOfMicros else { return .unknown }
        if e.expiresAtMicros <= first { return .expired }
        if e.expiresAtMicros <= last { return .expiredDuringCapture }
        // A flow came after its expiry: packet time passed it, though the last packet read came before (a file
        // out of time order), as the declarations' `expired` says.
        let after = (declarations ?? []).contains {
            $0.kind == .exception && $0.name == e.name && $0.flowsAfterExpiry > 0
        }
        return after ? .expiredDuringCapture : .valid
    }

    /// A stretch of time that no file covers: between two files, or a hole inside one (`CaptureFile.gaps`)
    /// that no other file's packets cover.
    public struct Gap: Sendable, Equatable {
        public var fromMicros: Int64
        public var toMicros: Int64
    }

    /// Gaps longer than `threshold` µs (default one minute) in what the readable files cover together: each
    /// file covers its span less the holes recorded inside it.
    public func coverageGaps(threshold: Int64 = PacketGap.threshold) -> [Gap] {
        var spans = files.flatMap { $0.coveredSpans.map { ($0.from, $0.to) } }
        spans.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var gaps: [Gap] = []
        guard var covered = spans.first?.1 else { return [] }
        for (a, b) in spans.dropFirst() {
            if a - covered > threshold { gaps.append(Gap(fromMicros: covered, toMicros: a)) }
            covered = max(covered, b)
        }
        return gaps
    }

    /// Holes inside files past those their summary lists (`gaps_not_listed`): counted as gaps in coverage,
    /// though the report cannot say when they were or whether another file covered them.
    public var coverageGapsNotListed: UInt64 { files.reduce(0) { $0 &+ $1.gapsNotListed } }
}
