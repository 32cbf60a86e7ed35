/// The `summary` record as `zonesep report` reads it back. The coding keys are the keys
/// `ReplaySummary.json()` writes: this type states the record's schema for both directions, and
/// `SavedRecordsTests` checks that what the writer writes decodes here with the same values.
/// Times stay RFC 3339 text; `SavedRun` turns them into packet time and names the key of a bad one.
public struct SummaryRecord: Decodable, Sendable, Equatable {
    /// The last packet's time; null when the run saw no packet.
    public var timestamp: String?
    public var sensor: String
    /// SHA-256 of the zones.conf the run was judged with; absent from runs saved before it was recorded.
    public var configSHA256: String?
    /// The zonesep and libpcap versions that judged the run; absent from runs saved before they were recorded.
    public var zonesepVersion: String?
    public var libpcapVersion: String?
    public var packets: UInt64
    public var bytes: UInt64
    public var ipPackets: UInt64
    public var nonIPPackets: UInt64
    public var flows: UInt64
    public var flowTable: FlowTable
    /// The host rules' MAC table at its bounds; absent from runs saved before the report read it.
    public var hostTable: HostTable?
    /// Optional on reading: the report shows the alerts of `violations`, not these counts.
    public var alerts: Alerts?
    /// Packets per anomaly kind (only the kinds seen).
    public var anomalies: [String: UInt64]
    public var matrix: Matrix
    public var violations: [Violation]
    public var violationsOmitted: UInt64?
    /// `violations_omitted` by rule and zone pair; absent when none was omitted, and from runs saved before.
    public var violationsOmittedBy: [OmittedFlows]?
    /// What each declaration allowed; absent from runs saved before it was recorded.
    public var declarations: [DeclarationEntry]?
    public var files: [File]
    /// Packets the capture dropped: a live run's when it knew them, a replay's as its pcapng files record them.
    public var dropped: UInt64?
    /// Of a replay's files, those that record no drops, or record them for some interfaces only, beside
    /// others that do; absent when none.
    public var droppedUnknownFiles: UInt64?
    /// What share of the frames was verified; absent from runs saved before zonesep counted it.
    public var coverage: Coverage?
    /// The host rules' findings; absent from runs saved before host rules existed.
    public var hostFindings: [HostFindingEntry]?
    public var hostFindingsOmitted: UInt64?
    /// `host_findings_omitted` by rule and severity; absent when none was omitted, and from runs saved before.
    public var hostFindingsOmittedBy: [OmittedFindings]?
    /// What delivery could not do; absent without a delivery option.
    public var delivery: Delivery?
    /// The run was stopped by a signal before its inputs were read to their end (`replay` on Ctrl-C);
    /// absent from runs saved before it was recorded, and from runs that were not cut short.
    public var interrupted: Bool?
    /// zones.conf reloads of a `watch` run; absent when there were none.
    public var reloads: [Reload]?
    /// Tunnels whose own ends break the policy; absent from runs saved before they were listed.
    public var tunnelsBreakingPolicy: [Tunnel]?
    public var tunnelsBreakingPolicyNotListed: UInt64?

    enum CodingKeys: String, CodingKey {
        case timestamp, sensor, packets, bytes, flows, alerts, anomalies, matrix, violations, files, dropped
        case declarations, coverage, delivery, interrupted, reloads
        case hostFindings = "host_findings"
        case hostFindingsOmitted = "host_findings_omitted"
        case configSHA256 = "config_sha256"
        case zonesepVersion = "zonesep_version"
        case libpcapVersion = "libpcap_version"
        case ipPackets = "ip_packets"
        case nonIPPackets = "non_ip_packets"
        case droppedUnknownFiles = "dropped_unknown_files"
        case flowTable = "flow_table"
        case hostTable = "host_table"
        case violationsOmitted = "violations_omitted"
        case violationsOmittedBy = "violations_omitted_by"
        case hostFindingsOmittedBy = "host_findings_omitted_by"
        case tunnelsBreakingPolicy = "tunnels_breaking_policy"
        case tunnelsBreakingPolicyNotListed = "tunnels_breaking_policy_not_listed"
    }

    /// A `tunnels_breaking_policy` entry (`PolicyBreakingTunnel.json`).
    public struct Tunnel: Decodable, Sendable, Equatable {
        public var type: String
        public var srcIP: String
        public var destIP: String
        public var srcZone: String
        public var destZone: String
        public var rule: String
        public var flows: UInt64
        public var firstSeen: String

        enum CodingKeys: String, CodingKey {
            case type, rule, flows
            case srcIP = "src_ip"
            case destIP = "dest_ip"
            case srcZone = "src_zone"
            case destZone = "dest_zone"
            case firstSeen = "first_seen"
        }
    }

    /// A `reloads` entry (`ConfigReload.json`).
    public struct Reload: Decodable, Sendable, Equatable {
        public var timestamp: String?
        public var applied: Bool
        public var previousSHA256: String?
        public var configSHA256: String?

        enum CodingKeys: String, CodingKey {
            case timestamp, applied
            case previousSHA256 = "previous_sha256"
            case configSHA256 = "config_sha256"
        }
    }

    /// The `coverage` object (`CoverageReport.json`): the counts the report's verdict needs.
    public struct Coverage: Decodable, Sendable, Equatable {
        public var frames: UInt64
        public var judged: UInt64
        public var noIP: UInt64
        public var unverifiedReasons: [Reason]
        /// Flows on ports of tunnels zonesep does not open, by kind; absent from runs saved before it counted them.
        public var unopenedTunnels: [String: UInt64]?
        /// TCP packets judged without their flags; absent from runs saved before it was counted.
        public var tcpFlagsUnknown: UInt64?
        /// IP packets whose frame showed no source MAC, so the host rules could not judge their senders;
        /// absent from runs saved before it was counted.
        public var hostRulesNoMAC: UInt64?
        /// Flows whose packets carry a VLAN tag; absent from runs saved before it was counted.
        public var flowsTagged: UInt64?
        /// Untagged flows of zones that declare `vlans`, in all and by zone id; absent from runs saved before
        /// they were counted.
        public var flowsUntaggedVLANZones: UInt64?
        public var flowsUntaggedByZone: [String: UInt64]?
        /// Packets stamped far ahead whose next packet came back; absent from runs saved before it was counted.
        public var timeJumpsIgnored: UInt64?

        public struct Reason: Decodable, Sendable, Equatable {
            public var reason: String
            public var frames: UInt64
        }

        enum CodingKeys: String, CodingKey {
            case frames, judged
            case noIP = "no_ip"
            case unverifiedReasons = "unverified_reasons"
            case unopenedTunnels = "unopened_tunnels"
            case tcpFlagsUnknown = "tcp_flags_unknown"
            case hostRulesNoMAC = "host_rules_no_mac"
            case flowsTagged = "flows_tagged"
            case flowsUntaggedVLANZones = "flows_untagged_vlan_zones"
            case flowsUntaggedByZone = "flows_untagged_by_zone"
            case timeJumpsIgnored = "time_jumps_ignored"
        }
    }

    public struct FlowTable: Decodable, Sendable, Equatable {
        public var capacity: UInt64
        public var activeAtEnd: UInt64
        public var evicted: UInt64

        enum CodingKeys: String, CodingKey {
            case capacity, evicted
            case activeAtEnd = "active_at_end"
        }
    }

    /// A `violations_omitted_by` entry.
    public struct OmittedFlows: Decodable, Sendable, Equatable {
        public var rule: String
        public var srcZone: String
        public var destZone: String
        public var flows: UInt64

        enum CodingKeys: String, CodingKey {
            case rule, flows
            case srcZone = "src_zone"
            case destZone = "dest_zone"
        }
    }

    /// A `host_findings_omitted_by` entry.
    public struct OmittedFindings: Decodable, Sendable, Equatable {
        public var rule: String
        public var severity: String
        public var findings: UInt64
    }

    public struct HostTable: Decodable, Sendable, Equatable {
        public var macsEvicted: UInt64
        public var addressesDropped: UInt64
        public var findingsForgotten: UInt64

        enum CodingKeys: String, CodingKey {
            case macsEvicted = "macs_evicted"
            case addressesDropped = "addresses_dropped"
            case findingsForgotten = "findings_forgotten"
        }
    }

    public struct Alerts: Decodable, Sendable, Equatable {
        public var total: UInt64
        /// Alerts per rule name (only the rules that fired).
        public var byRule: [String: UInt64]
        public var suppressed: UInt64
        public var rateLimited: UInt64

        enum CodingKeys: String, CodingKey {
            case total, suppressed
            case byRule = "by_rule"
            case rateLimited = "rate_limited"
        }
    }

    /// The zone matrix's non-zero cells, zones by name.
    public struct Matrix: Decodable, Sendable, Equatable {
        public var packets: [PacketCell]
        public var flows: [FlowCell]
    }

    public struct PacketCell: Decodable, Sendable, Equatable {
        public var srcZone: String
        public var destZone: String
        public var packets: UInt64
        public var bytes: UInt64

        enum CodingKeys: String, CodingKey {
            case packets, bytes
            case srcZone = "src_zone"
            case destZone = "dest_zone"
        }
    }

    public struct FlowCell: Decodable, Sendable, Equatable {
        public var srcZone: String
        public var destZone: String
        public var flows: UInt64

        enum CodingKeys: String, CodingKey {
            case flows
            case srcZone = "src_zone"
            case destZone = "dest_zone"
        }
    }

    /// One entry of `declarations`: `expires` and `flows_after_expiry` for exceptions only, `mac_not_verified`
    /// for conduits only.
    public struct DeclarationEntry: Decodable, Sendable, Equatable {
        public var type: String
        public var name: String
        public var flows: UInt64
        public var packets: UInt64
        public var bytes: UInt64
        public var firstSeen: String?
        public var lastSeen: String?
        public var expires: String?
        public var flowsAfterExpiry: UInt64?
        /// Conduits: flows allowed with the MAC it names not verified; absent from runs saved before it was
        /// counted.
        public var macNotVerified: UInt64?
        /// Flows in tunnels whose ends it allowed; absent when none, and from runs saved before it was counted.
        public var tunnelFlows: UInt64?

        enum CodingKeys: String, CodingKey {
            case type, name, flows, packets, bytes, expires
            case firstSeen = "first_seen"
            case lastSeen = "last_seen"
            case flowsAfterExpiry = "flows_after_expiry"
            case macNotVerified = "mac_not_verified"
            case tunnelFlows = "tunnel_flows"
        }
    }

    /// One entry of `host_findings` (`AlertFormat.summaryJSON(_:)`): the host alert's fields without
    /// `event_type`, `sensor` and `message`.
    public struct HostFindingEntry: Decodable, Sendable, Equatable {
        public var timestamp: String
        public var rule: String
        public var severity: String
        public var srcIP: String
        public var srcZone: String
        public var vlan: [UInt64]
        public var srcMAC: String
        public var addresses: [HostAddressEntry]

        enum CodingKeys: String, CodingKey {
            case timestamp, rule, severity, vlan, addresses
            case srcIP = "src_ip"
            case srcZone = "src_zone"
            case srcMAC = "src_mac"
        }
    }

    /// One address of a host finding: `first_seen` and `seen_by` are optional on reading.
    public struct HostAddressEntry: Decodable, Sendable, Equatable {
        public var ip: String
        public var zone: String
        public var vlan: [UInt64]
        public var firstSeen: String?
        public var seenBy: String?

        enum CodingKeys: String, CodingKey {
            case ip, zone, vlan
            case firstSeen = "first_seen"
            case seenBy = "seen_by"
        }
    }

    /// One violating flow with its totals.
    public struct Violation: Decodable, Sendable, Equatable {
        public var flowID: String
        public var rule: String
        public var proto: String
        public var srcIP: String
        public var srcPort: UInt64?
        public var destIP: String
        public var destPort: UInt64?
        /// How the initiator was decided, and the VLAN ids outermost first, as in the flow's alert; absent
        /// from runs saved before the summary carried them (the alert record gives them there).
        public var initiator: String?
        public var vlan: [UInt64]?
        public var firstSeen: String
        public var lastSeen: String
        public var packets: UInt64
        public var bytes: UInt64
        public var end: String
        public var evidence: EvidenceFile?

        enum CodingKeys: String, CodingKey {
            case rule, proto, initiator, vlan, packets, bytes, end, evidence
            case flowID = "flow_id"
            case srcIP = "src_ip"
            case srcPort = "src_port"
            case destIP = "dest_ip"
            case destPort = "dest_port"
            case firstSeen = "first_seen"
            case lastSeen = "last_seen"
        }
    }

    /// A violation's evidence file: an object with `path` and `sha256` as the writer writes it, or a bare
    /// path as older runs wrote it. A flow whose alert got no file has `path` null and `error` saying why.
    public struct EvidenceFile: Decodable, Sendable, Equatable {
        public var path: String?
        public var sha256: String?
        public var error: String?
        /// Packets of the flow not in the file (the byte budget, another link type); absent when none.
        public var leftOut: UInt64?

        enum CodingKeys: String, CodingKey {
            case path, sha256, error
            case leftOut = "left_out"
        }

        public init(from decoder: any Decoder) throws {
            if let path = try? decoder.singleValueContainer().decode(String.self) {
                self.path = path
                self.sha256 = nil
                self.error = nil
                self.leftOut = nil
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            path = try c.decodeIfPresent(String.self, forKey: .path)
            sha256 = try c.decodeIfPresent(String.self, forKey: .sha256)
            error = try c.decodeIfPresent(String.self, forKey: .error)
            leftOut = try c.decodeIfPresent(UInt64.self, forKey: .leftOut)
        }
    }

    /// The part of `delivery` the report shows: what `--evidence` could not keep. Every count optional, so
    /// that a run saved by an older version still reads.
    public struct Delivery: Decodable, Sendable, Equatable {
        public var evidence: EvidenceCounts?

        public struct EvidenceCounts: Decodable, Sendable, Equatable {
            public var directory: String?
            public var files: UInt64?
            public var hashed: UInt64?
            public var incomplete: UInt64?
            public var notCreated: UInt64?
            public var lostPackets: UInt64?
            public var skippedFiles: UInt64?
            public var skippedPackets: UInt64?
            public var otherLinkTypePackets: UInt64?

            enum CodingKeys: String, CodingKey {
                case directory, files, hashed, incomplete
                case notCreated = "not_created"
                case lostPackets = "lost_packets"
                case skippedFiles = "skipped_files"
                case skippedPackets = "skipped_packets"
                case otherLinkTypePackets = "other_link_type_packets"
            }
        }
    }

    /// One input file: how much of it was read, and why it stopped if it did not end cleanly.
    public struct File: Decodable, Sendable, Equatable {
        public var path: String
        public var linkType: String?
        public var packets: UInt64
        public var firstPacket: String?
        public var lastPacket: String?
        public var error: String?
        /// Absent from runs saved before directories listed the files they skip.
        public var skipped: String?
        /// Absent from runs saved before the summary noted records cut to the snapshot length.
        public var note: String?
        /// Stretches of over a minute inside the file with no packet, and how many past those listed: absent
        /// when there were none, and from runs saved before zonesep looked for them.
        public var gaps: [Gap]?
        public var gapsNotListed: UInt64?
        /// What the file records of its capture's drops (a pcapng file's statistics): absent when it records
        /// none, and from runs saved before the summary wrote it; with its interfaces that record none, absent
        /// when every one does.
        public var dropped: UInt64?
        public var droppedUnknownInterfaces: UInt64?
        /// A live capture's outages, the captures it opened again and its time blind: absent for a file, and
        /// from runs saved before `watch` recorded them.
        public var outages: [Outage]?
        public var outagesNotListed: UInt64?
        public var captureRestarts: UInt64?
        public var blindSeconds: Int64?

        public struct Gap: Decodable, Sendable, Equatable {
            public var from: String
            public var to: String
        }

        public struct Outage: Decodable, Sendable, Equatable {
            public var from: String
            public var to: String
            public var kind: String
        }

        enum CodingKeys: String, CodingKey {
            case path, packets, error, skipped, note, gaps, dropped, outages
            case outagesNotListed = "outages_not_listed"
            case captureRestarts = "capture_restarts"
            case blindSeconds = "blind_seconds"
            case gapsNotListed = "gaps_not_listed"
            case droppedUnknownInterfaces = "dropped_unknown_interfaces"
            case linkType = "link_type"
            case firstPacket = "first_packet"
            case lastPacket = "last_packet"
        }
    }
}
