import ZonesepCore

extension AuditReport {
    /// The report of a run that just ended: the summary holds every violating flow with its alert.
    public init(summary s: ReplaySummary, provenance: Provenance) {
        let c = s.counters
        // The versions the summary records, as `zonesep report` of it shows them: the two stay byte-identical.
        var provenance = provenance
        provenance.takeRunVersions(zonesep: s.zonesepVersion, libpcap: s.libpcapVersion)
        self.init(
            provenance: provenance, policy: s.policy, sensor: s.policy.config.sensor,
            totals: Totals(
                packets: c.packets, bytes: c.bytes, ipPackets: c.ipPackets, nonIPPackets: c.nonIPPackets,
                flows: c.flows),
            files: s.files.map {
                CaptureFile(
                    path: $0.path, linkType: $0.linkType, packets: $0.packets, firstPacketMicros: $0.firstPacketMicros,
                    lastPacketMicros: $0.lastPacketMicros, error: $0.error, skipped: $0.skipped, note: $0.note,
                    gaps: $0.gaps, gapsNotListed: $0.gapsNotListed, dropped: $0.recordedDrops?.total,
                    droppedUnknownInterfaces: UInt64($0.recordedDrops?.interfacesNotRecording ?? 0), capture: $0.capture
                )
            },
            flowTable: FlowTableUse(capacity: s.flowCapacity, activeAtEnd: s.flowsActive, evicted: s.flowsEvicted),
            droppedPackets: s.captureDrops?.total,
            anomalies: DecodeAnomaly.allCases.filter { c.count($0) > 0 }.map {
                AnomalyCount(kind: $0.name, packets: c.count($0))
            },
            matrix: s.matrix,
            violations: s.violations.enumerated().map { i, v in
                let a = v.alert
                return ViolatingFlow(
                    number: i + 1, flowID: v.flowIDText, rule: a.rule, proto: ProtocolName.of(a.proto),
                    srcIP: a.srcIP, srcPort: a.srcPort, destIP: a.destIP, destPort: a.destPort, srcZone: a.srcZone,
                    destZone: a.destZone, initiatorMethod: a.initiator.name, vlan: a.vlans,
                    firstSeenMicros: v.firstSeenMicros, lastSeenMicros: v.lastSeenMicros, packets: v.packets,
                    bytes: v.bytes, end: v.end.name,
                    evidence: v.evidenceFile.map {
                        Evidence(path: $0, sha256: v.evidenceSHA256, error: v.evidenceError, leftOut: v.evidenceLeftOut)
                    }
                        ?? v.evidenceError.map { Evidence(path: nil, error: $0) },
                    mappedIPv6: a.mappedIPv6)
            }, declarations: s.declarations)
        devices = s.hostFindings.enumerated().map { i, f in
            Device(
                number: i + 1, rule: f.rule, severity: f.severity, timestampMicros: f.timestampMicros,
                mac: f.mac.description, ip: f.address.ip, zone: f.address.zone, vlan: f.address.vlans,
                addresses: f.addresses.map {
                    Device.Address(
                        ip: $0.ip, zone: $0.zone, vlan: $0.vlans,
                        firstSeenMicros: $0.firstSeenMicros, seenBy: $0.evidence.name)
                })
        }
        evidenceLosses = s.delivery?.evidence.map {
            EvidenceLosses(
                directory: $0.directory, incomplete: $0.stats.incomplete, notCreated: $0.stats.notCreated,
                skippedFiles: $0.stats.skippedFiles, lostPackets: $0.stats.lostPackets,
                skippedPackets: $0.stats.skippedPackets, otherLinkTypePackets: $0.stats.otherLinkTypePackets)
        }
        droppedUnknownFiles = s.captureDrops?.filesUnknown ?? 0
        hostTable = HostTableUse(
            macsEvicted: c.hostMACsEvicted, addressesDropped: c.hostAddressesDropped,
            findingsForgotten: c.hostFindingsForgotten)
        violationsOmitted = s.violationsOmitted
        violationsOmittedBy = s.violationsOmittedBy
        hostFindingsOmitted = s.hostFindingsOmitted
        hostFindingsOmittedBy = s.hostFindingsOmittedBy
        tunnelsBreakingPolicy = s.tunnelsBreakingPolicy
        tunnelsBreakingPolicyNotListed = s.tunnelsBreakingPolicyNotListed
        interrupted = s.interrupted
        reloads = s.reloads
        asOfMicros = s.exceptionsAsOfMicros
        coverage = Coverage(
            frames: c.packets, verified: c.framesJudged + c.framesWithoutIP,
            reasons: CoverageReport.reasons(c).map { Coverage.Reason(label: $0.label, frames: $0.frames) },
            tunnels: CoverageReport.unopenedTunnels(c).map { Coverage.Tunnel(name: $0.kind.name, flows: $0.flows) },
            flagsUnknown: c.tcpFlagsUnknown, hostRulesNoMAC: c.hostRulesNoMAC, flowsTagged: c.flowsTagged,
            untaggedVLANFlows: s.untaggedVLANFlows)
        coverage?.timeJumpsIgnored = c.timeJumpsIgnored
    }
}
