import XCTest
import ZonesepConfig
import ZonesepCore
import ZonesepFlowExport

/// Records become flows judged by the demonstration's zones.conf: one verdict per flow however many
/// records carry it, the initiator from what a record can show.
final class ExportFlowTableTests: XCTestCase {
    /// Keeps every event, as a sink of flow starts and ends would.
    final class Recorder: EventSink {
        let interests: EventInterests = [.flowStarts, .flowEnds]
        var started: [FlowEntry] = []
        var ended: [(FlowEntry, FlowEndReason)] = []
        func consume(_ batch: EventBatch) {
            for e in batch.events {
                if e.kind == .flowStarted { started.append(e.flow) } else { ended.append((e.flow, e.endReason)) }
            }
        }
    }

    static let policy: Policy? = {
        let path = Fixtures.directory.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("zones.conf").path
        return ZonesConfigLoader.load(path: path, now: 1_781_481_600_000_000).config.map(Policy.init)
    }()

    func table() throws -> (ExportFlowTable, Recorder) {
        let policy = try XCTUnwrap(Self.policy)
        let r = Recorder()
        return (ExportFlowTable(policy: policy, sink: r), r)
    }

    static func record(
        _ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, proto: UInt8 = 6, flags: UInt8 = 0x1b,
        start: Int64 = 1_781_481_600_000_000, packets: UInt64 = 5
    ) -> FlowRecord {
        var r = FlowRecord()
        r.src = IPAddress(src)!
        r.dst = IPAddress(dst)!
        r.ipVersion = r.src.isIPv4 ? 4 : 6
        r.srcPort = sport
        r.dstPort = dport
        r.proto = proto
        r.tcpFlags = flags
        r.packets = packets
        r.bytes = packets * 100
        r.startMicros = start
        r.endMicros = start + 1_000_000
        r.exporter = IPAddress("192.0.2.1")!
        return r
    }

    func testBothDirectionsAndRepeatedRecordsAreOneFlowWithOneVerdict() throws {
        let (t, rec) = try table()
        // V8: SMB from LGWAN to the Internet zone; the server's record first, as exporters often order them.
        t.add(Self.record("10.30.7.8", 445, "10.20.3.4", 51512))
        t.add(Self.record("10.20.3.4", 51512, "10.30.7.8", 445))
        // The same connection again at the next active timeout: its packets since the last record, ACK and
        // PSH, no SYN.
        t.add(Self.record("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x18, start: 1_781_481_660_000_000))
        t.flush()
        XCTAssertEqual(rec.started.count, 1)
        let f = try XCTUnwrap(rec.started.first)
        XCTAssertEqual(f.verdict, .sanitisationBypass)
        XCTAssertEqual(f.method, .inferred, "no SYN-only side: the ports decide")
        let alert = try XCTUnwrap(Alert(flow: f))
        XCTAssertEqual(alert.srcIP, IPAddress("10.20.3.4"))
        XCTAssertEqual(alert.destPort, 445)
        XCTAssertEqual(t.flows, 1)
        XCTAssertEqual(t.violations[.sanitisationBypass], 1)
        t.finish()
        XCTAssertEqual(rec.ended.count, 1)
        XCTAssertEqual(rec.ended.first?.0.packets, 15)
    }

    func testASideWithSYNAndNoACKIsTheInitiator() throws {
        let (t, rec) = try table()
        // Two high ports: only the flags can tell. The side that sent only a SYN initiated.
        t.add(Self.record("10.30.7.8", 50000, "10.20.3.4", 51000, flags: 0x12))
        t.add(Self.record("10.20.3.4", 51000, "10.30.7.8", 50000, flags: 0x02))
        t.flush()
        XCTAssertEqual(rec.started.count, 1)
        // The first record did not show who initiated; the verdict came from it, by port rank and its own
        // direction, which is what a record allows.
        XCTAssertEqual(rec.started.first?.method, .firstPacket)
        let (u, rec2) = try table()
        u.add(Self.record("10.20.3.4", 51000, "10.30.7.8", 50000, flags: 0x02))
        u.flush()
        XCTAssertEqual(rec2.started.first?.method, .syn)
        XCTAssertEqual(Alert(flow: try XCTUnwrap(rec2.started.first))?.srcIP, IPAddress("10.20.3.4"))
    }

    func testBiflowDirectionNamesTheInitiator() throws {
        let (t, rec) = try table()
        var r = Self.record("10.30.5.10", 25, "10.20.5.10", 50026)
        r.isBiflow = true
        r.biflowDirection = 2  // the reverse side (10.20.5.10) initiated
        t.add(r)
        t.flush()
        let a = try XCTUnwrap(Alert(flow: try XCTUnwrap(rec.started.first)))
        XCTAssertEqual(a.srcIP, IPAddress("10.20.5.10"))
        XCTAssertEqual(a.destPort, 25)
        XCTAssertEqual(a.rule, .sanitisationBypass, "V9: mail from LGWAN to the relay, against the path's direction")
    }

    func testICMPErrorsAndFragmentsAreCountedNotJudged() throws {
        let (t, rec) = try table()
        var unreachable = Self.record("10.30.1.5", 0, "10.10.2.21", 0, proto: 1)
        unreachable.hasICMPType = true
        unreachable.icmpType = 3
        unreachable.icmpCode = 3
        t.add(unreachable)
        t.add(Self.record("10.20.3.4", 0, "10.30.6.5", 0, proto: 17))
        t.flush()
        XCTAssertTrue(rec.started.isEmpty)
        XCTAssertEqual(t.skipped.icmpErrors, 1)
        XCTAssertEqual(t.skipped.fragments, 1)
        XCTAssertEqual(t.records, 2)
    }

    /// SCTP flows have ports, as in a capture: two associations between the same hosts are two flows, and
    /// each keeps its ports (they were keyed without them, as one flow with ports 0).
    func testSCTPAssociationsAreToldApartByTheirPorts() throws {
        let (t, rec) = try table()
        t.add(Self.record("10.10.2.21", 2905, "10.30.1.5", 2905, proto: 132, flags: 0))
        t.add(Self.record("10.10.2.21", 3868, "10.30.1.5", 3868, proto: 132, flags: 0))
        t.add(Self.record("10.30.1.5", 3868, "10.10.2.21", 3868, proto: 132, flags: 0))
        t.flush()
        XCTAssertEqual(rec.started.count, 2)
        XCTAssertEqual(rec.started.map { Alert(flow: $0)?.srcPort }, [2905, 3868])
        XCTAssertEqual(t.violations[.mynumberIsolation], 2)
    }

    /// Records of a template without port fields (an export aggregated by addresses): not fragments; judged
    /// where every port and either direction give the same verdict, else counted as `noPorts`.
    func testRecordsWithoutPortFieldsAreJudgedOnlyWhereNoPortCouldMatter() throws {
        let (t, rec) = try table()
        func portless(_ src: String, _ dst: String, proto: UInt8 = 6) -> FlowRecord {
            var r = Self.record(src, 0, dst, 0, proto: proto, flags: 0)
            r.hasPortFields = false
            return r
        }
        // A Mynumber PC and the Internet: no declaration for the pair, a violation on any port.
        t.add(portless("10.10.2.21", "203.0.113.10"))
        // The mail relay to the LGWAN mail server: allowed on tcp/25 that way, a bypass otherwise.
        t.add(portless("10.30.5.10", "10.20.5.10"))
        // Two LGWAN hosts: allowed whatever the ports.
        t.add(portless("10.20.3.4", "10.20.1.53", proto: 17))
        // ICMP of unknown type between a Mynumber host and the Internet: no flow of the pair is allowed.
        t.add(portless("10.30.1.5", "10.10.2.21", proto: 1))
        t.flush()
        XCTAssertEqual(t.skipped.fragments, 0)
        XCTAssertEqual(t.skipped.noPorts, 1)
        XCTAssertEqual(rec.started.count, 3)
        XCTAssertEqual(t.violations[.mynumberIsolation], 2)
        XCTAssertEqual(rec.started.map(\.verdict), [.mynumberIsolation, nil, .mynumberIsolation])
    }

    /// A datagram's records, held until the flush, are judged in the order their flows started; records
    /// that started together keep the order they were listed in.
    func testHeldRecordsAreJudgedInStartOrder() throws {
        let (t, rec) = try table()
        let t0: Int64 = 1_781_481_600_000_000
        // NTP between an Internet-zone server and an external one, the reply listed first but 5 ms later.
        t.hold(Self.record("10.30.1.1", 123, "192.0.2.123", 123, proto: 17, start: t0 + 5000))
        t.hold(Self.record("192.0.2.123", 123, "10.30.1.1", 123, proto: 17, start: t0))
        // Two records starting together: the one listed first gives the direction.
        t.hold(Self.record("10.30.1.2", 123, "192.0.2.124", 123, proto: 17, start: t0 + 9000))
        t.hold(Self.record("192.0.2.124", 123, "10.30.1.2", 123, proto: 17, start: t0 + 9000))
        XCTAssertEqual(t.records, 0, "held, not yet added")
        t.flush()
        XCTAssertEqual(t.records, 4)
        let starts = rec.started.compactMap { Alert(flow: $0) }
        XCTAssertEqual(starts.map(\.srcIP), [IPAddress("192.0.2.123")!, IPAddress("10.30.1.2")!])
    }

    func testAFlowIdleForItsTimeoutStartsAgain() throws {
        let (t, rec) = try table()
        // V19: the unzoned router's DNS queries 300 s apart, beyond UDP's 120 s.
        t.add(Self.record("192.168.11.2", 49500, "10.20.1.53", 53, proto: 17))
        t.add(Self.record("192.168.11.2", 49500, "10.20.1.53", 53, proto: 17, start: 1_781_481_900_000_000))
        t.flush()
        XCTAssertEqual(rec.started.count, 2)
        XCTAssertEqual(rec.ended.count, 1)
        XCTAssertEqual(rec.ended.first?.1, .idle)
        XCTAssertTrue(rec.started.allSatisfy { $0.verdict == .unzonedHost })
    }

    /// V16 of the demonstration: two HTTP connections on one port pair 45 s apart, each exported as its own
    /// SYN..FIN records (both directions). After the first closed (FIN both ways), the second's SYN starts
    /// a new flow, judged and alerted again, as `replay` of the packets does; so does one 2 s after the
    /// close, and an RFC 5103 biflow's. Before, all were joined into one flow for TCP's 600 s (REVIEW-140 F4).
    func testASYNAfterAClosedConnectionStartsANewFlow() throws {
        let t0: Int64 = 1_781_481_600_000_000
        for gap: Int64 in [45_000_000, 2_000_000] {
            let (t, rec) = try table()
            for start in [t0, t0 + 1_000_000 + gap] {
                t.add(Self.record("10.30.8.15", 50080, "203.0.113.200", 80, flags: 0x1b, start: start))
                t.add(Self.record("203.0.113.200", 80, "10.30.8.15", 50080, flags: 0x1b, start: start + 1000))
            }
            t.flush()
            XCTAssertEqual(rec.started.count, 2, "gap \(gap)")
            XCTAssertEqual(t.violations[.securityCloudBypass], 2)
            XCTAssertEqual(rec.ended.map(\.1), [.closed])
            XCTAssertEqual(rec.ended.first?.0.packets, 10, "the first connection's two records")
            t.finish()
            XCTAssertEqual(rec.ended.last?.0.packets, 10)
        }
        let (t, rec) = try table()
        for start in [t0, t0 + 45_000_000] {
            var r = Self.record("10.30.8.15", 50080, "203.0.113.200", 80, flags: 0x1b, start: start)
            r.isBiflow = true
            r.reverseTCPFlags = 0x1b
            r.reversePackets = 5
            t.add(r)
        }
        t.flush()
        XCTAssertEqual(rec.started.count, 2, "biflows")
    }

    /// A flow whose first record already says it ended (flowEndReason 3, as softflowd exports a short
    /// connection in one record) is held for the closed timeout, as one that a later record ends: 10 s and
    /// the lateness, not TCP's 600 s.
    func testAFlowEndedByItsFirstRecordIsHeldForTheClosedTimeout() throws {
        let t0: Int64 = 1_781_481_600_000_000
        for firstEnds in [true, false] {
            let (t, rec) = try table()
            var r = Self.record("10.30.8.15", 50080, "203.0.113.200", 80, flags: 0x1b, start: t0)
            if firstEnds { r.endReason = 3 }
            t.add(r)
            if !firstEnds {
                var last = Self.record("203.0.113.200", 80, "10.30.8.15", 50080, flags: 0x1b, start: t0 + 1000)
                last.endReason = 3
                t.add(last)
            }
            // Another flow's record 40 s after the lateness: past the closed timeout, well within 600 s.
            t.add(Self.record("10.30.8.16", 50081, "203.0.113.200", 80, start: t0 + t.lateness + 40_000_000))
            t.flush()
            XCTAssertEqual(rec.ended.count, 1, "first record ends it: \(firstEnds)")
            XCTAssertEqual(rec.ended.first?.1, .closed)
            XCTAssertEqual(rec.ended.first?.0.key.portA, 50080, "the first flow, not the later one")
        }
    }

    /// Records that show a SYN after a close but are not a new connection of the closed one's initiator
    /// join it (REVIEW-141 F6, F2): a second router's records of the same connection, whose times do not
    /// overlap the first's (a connection shorter than a millisecond, a clock ahead), and the responder's
    /// record of a new connection arriving first, whose SYN-ACK cannot be told from a SYN: with both ports
    /// ephemeral it would have started a flow from the server, an alert in the wrong direction.
    func testOnlyTheInitiatorsOwnExporterReopensAClosedConnection() throws {
        let t0: Int64 = 1_781_481_600_000_000
        let (t, rec) = try table()
        var a = Self.record("10.30.8.15", 50080, "203.0.113.200", 80, flags: 0x1b, start: t0)
        var b = Self.record("203.0.113.200", 80, "10.30.8.15", 50080, flags: 0x1b, start: t0)
        a.endMicros = t0 + 500
        b.endMicros = t0 + 500
        t.add(a)
        t.add(b)
        // The second router's records of the same connection, its clock 2 ms ahead.
        for var r in [a, b] {
            r.exporter = IPAddress("192.0.2.2")!
            r.startMicros += 2000
            r.endMicros += 2000
            t.add(r)
        }
        t.flush()
        XCTAssertEqual(rec.started.count, 1, "one connection seen by two routers")
        XCTAssertEqual(t.violations[.securityCloudBypass], 1)
        XCTAssertEqual(rec.ended.count, 0)

        // LGWAN 10.20.1.1:50001 connects to Internet 10.30.6.1:50002 (both ephemeral), twice; of the second
        // connection the server's record comes first.
        let (u, urec) = try table()
        let first = Self.record("10.20.1.1", 50001, "10.30.6.1", 50002, flags: 0x1b, start: t0)
        u.add(first)
        u.add(Self.record("10.30.6.1", 50002, "10.20.1.1", 50001, flags: 0x1b, start: t0 + 1000))
        u.add(Self.record("10.30.6.1", 50002, "10.20.1.1", 50001, flags: 0x1b, start: t0 + 10_000_000))
        u.add(Self.record("10.20.1.1", 50001, "10.30.6.1", 50002, flags: 0x1b, start: t0 + 10_001_000))
        u.flush()
        XCTAssertEqual(urec.started.count, 1, "the responder's record joins; the initiator's then overlaps it")
        XCTAssertEqual(u.violations[.sanitisationBypass], 1)
        let initiator = urec.started.map { $0.initiatorIsA ? $0.key.addressA : $0.key.addressB }
        XCTAssertEqual(initiator, [IPAddress("10.20.1.1")!], "initiated from LGWAN, never from the server")
    }

    /// What a closed connection's records do not reopen: a record without SYN after the close (a late ACK
    /// or FIN), and a SYN after a RST that refused a lone SYN, which is the client trying the same
    /// connection again (Windows sends it twice more; a capture joins them by their sequence number, which
    /// no record carries). One flow, one alert each. A long flow whose exporter repeats SYN in each
    /// record (its flags since the flow began) stays one flow until both sides' FIN.
    func testWhatDoesNotReopenAClosedConnection() throws {
        let t0: Int64 = 1_781_481_600_000_000
        let (t, rec) = try table()
        t.add(Self.record("10.30.8.15", 50080, "203.0.113.200", 80, flags: 0x1b, start: t0))
        t.add(Self.record("203.0.113.200", 80, "10.30.8.15", 50080, flags: 0x1b, start: t0 + 1000))
        t.add(Self.record("10.30.8.15", 50080, "203.0.113.200", 80, flags: 0x10, start: t0 + 3_000_000))
        // Refused: a SYN, a RST-ACK, the same SYN again 500 ms later, then a third.
        t.add(Self.record("10.10.2.21", 50445, "203.0.113.10", 443, flags: 0x02, start: t0))
        t.add(Self.record("203.0.113.10", 443, "10.10.2.21", 50445, flags: 0x14, start: t0 + 1000))
        t.add(Self.record("10.10.2.21", 50445, "203.0.113.10", 443, flags: 0x02, start: t0 + 2_000_000))
        t.add(Self.record("10.10.2.21", 50445, "203.0.113.10", 443, flags: 0x02, start: t0 + 4_000_000))
        // Cumulative flags: SYN in every record of a long flow, FIN in its last ones.
        let minute: Int64 = 60_000_000
        for (i, flags) in [(0, 0x1a), (5, 0x1a), (10, 0x1b)] as [(Int64, UInt8)] {
            t.add(Self.record("10.20.3.4", 51512, "10.30.7.8", 445, flags: flags, start: t0 + i * minute))
            t.add(Self.record("10.30.7.8", 445, "10.20.3.4", 51512, flags: flags, start: t0 + i * minute + 1000))
        }
        t.flush()
        XCTAssertEqual(rec.started.count, 3)
        XCTAssertEqual(t.violations[.securityCloudBypass], 1)
        XCTAssertEqual(t.violations[.mynumberIsolation], 1)
        XCTAssertEqual(t.violations[.sanitisationBypass], 1)
        XCTAssertEqual(rec.ended.count, 0)
    }

    /// A long flow exported at each active timeout (30 minutes): its next record arrives after records of
    /// other flows have moved record time past its idle timeout, and is still the same flow, alerted once.
    func testALongFlowsNextRecordArrivingLateIsTheSameFlow() throws {
        let (t, rec) = try table()
        let t0: Int64 = 1_781_481_600_000_000
        let minute: Int64 = 60_000_000
        var first = Self.record("10.20.3.4", 51512, "10.30.7.8", 445, start: t0)
        first.endMicros = t0 + 30 * minute
        t.add(first)
        // Another flow's record, ended 45 minutes in: its time is 15 minutes past the first flow's last,
        // beyond TCP's idle timeout of 10.
        var other = Self.record("10.20.3.4", 51600, "10.30.7.8", 443, start: t0 + 44 * minute)
        other.endMicros = t0 + 45 * minute
        t.add(other)
        var second = Self.record("10.20.3.4", 51512, "10.30.7.8", 445, start: t0 + 30 * minute)
        second.endMicros = t0 + 41 * minute
        t.add(second)
        t.flush()
        XCTAssertEqual(rec.started.count, 2, "the SMB flow once, the other flow once")
        XCTAssertEqual(t.violations[.sanitisationBypass], 2)
        XCTAssertEqual(rec.ended.count, 0)
        // Past the idle timeout and the lateness allowed, it ends.
        var later = Self.record("10.20.3.4", 51700, "10.30.7.8", 443, start: t0 + 90 * minute)
        later.endMicros = t0 + 90 * minute
        t.add(later)
        t.flush()
        XCTAssertEqual(Set(rec.ended.map { max($0.0.key.portA, $0.0.key.portB) }), [51512, 51600])
        XCTAssertEqual(t.activeFlows, 1)
    }

    func testConduitMACsAreCheckedOnlyWhenTheRecordHasThem() throws {
        // V1: the conduit from a replaced machine. Without MACs the conduit's addresses and port match and
        // the flow is allowed; with the record's MACs the mismatch shows.
        let (t, rec) = try table()
        t.add(Self.record("10.10.1.5", 51445, "172.20.9.9", 443, flags: 0x02))
        var withMACs = Self.record("10.10.1.5", 51446, "172.20.9.9", 443, flags: 0x02)
        withMACs.srcMAC = MACAddress("02:00:5e:10:99:05")
        withMACs.dstMAC = MACAddress("02:00:00:00:00:01")
        t.add(withMACs)
        t.flush()
        XCTAssertEqual(rec.started.count, 2)
        XCTAssertNil(rec.started[0].verdict)
        XCTAssertFalse(rec.started[0].hasMACs)
        XCTAssertEqual(rec.started[1].verdict, .conduitMACMismatch)
        XCTAssertEqual(t.eventOrigins.count, 0, "origins are cleared with the batch")
    }

    func testTheFlowCapEvictsTheLeastRecentlySeen() throws {
        let policy = try XCTUnwrap(Self.policy)
        let rec = Recorder()
        let t = ExportFlowTable(policy: policy, capacity: 2, sink: rec)
        for (i, port) in [50001, 50002, 50003].enumerated() {
            t.add(Self.record("10.30.8.15", UInt16(port), "10.30.1.1", 8080, start: 1_781_481_600_000_000 + Int64(i)))
        }
        t.flush()
        XCTAssertEqual(t.evictions, 1)
        XCTAssertEqual(t.activeFlows, 2)
        XCTAssertEqual(rec.ended.first?.1, .evicted)
        XCTAssertEqual(rec.ended.first?.0.key.portA, 8080)
        XCTAssertEqual(rec.ended.first?.0.key.portB, 50001)
    }

    /// Record times from a hostile exporter (the extremes, a start after the end) are clamped into the
    /// flow table's range instead of overflowing its idle arithmetic, and each flow still ends once. The
    /// decoder refuses such records (`timestamp-out-of-range`); a caller that does not still gets no time
    /// past 9999 from the table (it clamped to 2^62 µs, the year 148,000, which no record can write).
    func testExtremeRecordTimesAreClampedAndFlowsEndOnce() throws {
        let (t, rec) = try table()
        let times: [(Int64, Int64)] = [(.min, .max), (.max, .min), (.max, .max), (.min, .min), (0, -1)]
        for (i, (start, end)) in times.enumerated() {
            var r = Self.record("10.30.8.15", UInt16(50_000 + i), "10.30.1.1", 8080)
            r.startMicros = start
            r.endMicros = end
            t.add(r)
            t.add(r)  // joins, or ends the flow and starts it again: never traps
        }
        t.finish()
        XCTAssertEqual(rec.started.count, rec.ended.count)
        XCTAssertEqual(t.activeFlows, 0)
        XCTAssertGreaterThanOrEqual(rec.started.count, times.count)
        for e in rec.started + rec.ended.map(\.0) {
            XCTAssertTrue(PacketTime.isWritable(e.firstSeen), "first seen \(e.firstSeen)")
            XCTAssertTrue(PacketTime.isWritable(e.lastSeen), "last seen \(e.lastSeen)")
        }
        XCTAssertTrue(PacketTime.isWritable(t.now), "now \(t.now)")
    }

    /// The sweep runs a few entries a record: with many flows, every idle one is still ended in time.
    func testTheIncrementalSweepEndsEveryIdleFlow() throws {
        let (t, rec) = try table()
        let t0: Int64 = 1_781_481_600_000_000
        for i in 0..<2000 {
            t.add(Self.record("10.30.8.15", UInt16(10_000 + i), "10.30.1.1", 8080, proto: 17, start: t0))
        }
        // An hour on (past UDP's 120 s and the 30 minutes' lateness), one flow keeps sending.
        for k in 0..<600 {
            t.add(Self.record("10.30.8.16", 9999, "10.30.1.1", 8080, proto: 17, start: t0 + 3_600_000_000 + Int64(k)))
        }
        t.flush()
        XCTAssertEqual(rec.ended.count, 2000)
        XCTAssertTrue(rec.ended.allSatisfy { $0.1 == .idle })
        XCTAssertEqual(t.activeFlows, 1)
    }

    /// A reload that renames `lgwan` and removes `lgwan-wan` (moving `internet` up): a flow judged before
    /// it ends named by the zones it was judged with, as a flow sink names them with the batch's policy.
    func testAFlowJudgedBeforeAReloadKeepsItsZones() throws {
        let old = try XCTUnwrap(Self.policy)
        final class Names: EventSink {
            let interests: EventInterests = [.flowEnds]
            var ended: [String] = []
            func consume(_ batch: EventBatch) {
                let map = batch.policy.zoneMap
                for e in batch.events where e.kind == .flowEnded {
                    ended.append("\(map.name(of: e.flow.initiatorZone))→\(map.name(of: e.flow.responderZone))")
                }
            }
        }
        let names = Names()
        let t = ExportFlowTable(policy: old, sink: names)
        t.add(Self.record("10.20.3.4", 51512, "10.30.7.8", 445))
        var edited = old.config
        edited.zones = edited.zones.compactMap { z in
            z.id == "lgwan-wan"
                ? nil : z.id == "lgwan" ? Zone(id: "lgwan-honcho", kind: z.kind, networks: z.networks) : z
        }
        t.replacePolicy(Policy(edited.keepingRetiredZones(of: old.config)))
        t.add(Self.record("10.20.3.5", 51513, "10.30.7.8", 445))
        t.finish()
        XCTAssertEqual(names.ended.sorted(), ["lgwan-honcho→internet", "lgwan→internet"])
    }

    /// Each direction counts the first exporter that reported packets that way (REVIEW-72 F22): a second
    /// router's record of the same packets joins the flow but adds nothing, and a direction only the second
    /// router saw (asymmetric routing) is still counted.
    func testEachDirectionCountsTheFirstExporterThatReportedIt() throws {
        let (t, rec) = try table()
        var forward = Self.record("10.20.3.4", 51512, "10.30.7.8", 445, packets: 3)
        t.add(forward)
        forward.exporter = IPAddress("192.0.2.2")!
        forward.endMicros += 5_000_000
        t.add(forward)
        var reverse = Self.record("10.30.7.8", 445, "10.20.3.4", 51512, packets: 2)
        reverse.exporter = IPAddress("192.0.2.2")!
        t.add(reverse)
        t.finish()
        let f = try XCTUnwrap(rec.ended.first?.0)
        XCTAssertEqual(rec.ended.count, 1)
        XCTAssertEqual(f.initiatorIsA ? f.packetsAB : f.packetsBA, 3, "the first router's, not 6")
        XCTAssertEqual(f.initiatorIsA ? f.bytesAB : f.bytesBA, 300)
        XCTAssertEqual(f.initiatorIsA ? f.packetsBA : f.packetsAB, 2, "the reverse, from the router that saw it")
        XCTAssertEqual(f.lastSeen, 1_781_481_606_000_000, "the second router's record still joins the flow")
    }
}
