import XCTest
import ZonesepCore
import ZonesepFlowExport

/// The host rules from flow records: a record's source MAC, source address and VLANs feed one host table,
/// whose findings reach the sink as replay's do; a record without a source MAC feeds nothing.
final class ExportHostsTests: XCTestCase {
    /// Keeps the host findings and their origins.
    final class Findings: EventSink {
        let interests: EventInterests = [.hostFindings]
        weak var table: ExportFlowTable?
        var found: [(HostFinding, ExportFlowTable.Origin)] = []
        func consume(_ batch: EventBatch) {
            for (i, e) in batch.events.enumerated() {
                if let f = batch.hostFinding(of: e), let o = table?.eventOrigins[i] { found.append((f, o)) }
            }
        }
    }

    func table() throws -> (ExportFlowTable, Findings) {
        let sink = Findings()
        let t = ExportFlowTable(policy: try XCTUnwrap(ExportFlowTableTests.policy), sink: sink)
        sink.table = t
        return (t, sink)
    }

    static func record(_ src: String, _ dst: String, mac: UInt64?, vlan: UInt16?, start: Int64) -> FlowRecord {
        var r = ExportFlowTableTests.record(src, 50_000, dst, 443, start: start)
        r.srcMAC = mac.map { MACAddress(rawValue: $0) }
        r.dstMAC = mac.map { _ in MACAddress(rawValue: 0x0200_0a00_0001) }
        if let vlan { r.addVLAN(vlan) }
        return r
    }

    /// The demonstration's dual-homed device (span-2330): 02:00:0a:14:03:21 sends as LGWAN 10.20.3.33 on
    /// VLAN 120, then as Internet 10.30.3.33 on VLAN 130.
    func testOneMACSendingFromTwoTiersIsADualHomedHostOnce() throws {
        let (t, sink) = try table()
        let mac: UInt64 = 0x0200_0a14_0321
        let t0: Int64 = 1_781_480_880_000_000
        t.add(Self.record("10.20.3.33", "10.20.1.10", mac: mac, vlan: 120, start: t0))
        t.add(Self.record("10.30.3.33", "198.51.100.7", mac: mac, vlan: 130, start: t0 + 250_000_000))
        t.add(Self.record("10.30.3.33", "198.51.100.8", mac: mac, vlan: 130, start: t0 + 260_000_000))
        t.flush()
        XCTAssertEqual(sink.found.count, 1)
        let (f, origin) = try XCTUnwrap(sink.found.first)
        XCTAssertEqual(f.rule, .dualHomedHost)
        XCTAssertEqual(f.mac, MACAddress(rawValue: mac))
        XCTAssertEqual(f.address.ip, IPAddress("10.30.3.33"))
        XCTAssertEqual(f.address.vlans, [130])
        XCTAssertEqual(f.timestampMicros, t0 + 250_000_000, "the completing record's start")
        XCTAssertEqual(f.addresses.map(\.ip), [IPAddress("10.20.3.33"), IPAddress("10.30.3.33")])
        XCTAssertEqual(origin.exporter, IPAddress("192.0.2.1"))
        XCTAssertEqual(t.hosts.count(.dualHomedHost), 1)
        XCTAssertEqual(t.hosts.observations, 3)
    }

    /// The same records without MACs tell the host rules nothing.
    func testRecordsWithoutASourceMACFeedNothing() throws {
        let (t, sink) = try table()
        t.add(Self.record("10.20.3.33", "10.20.1.10", mac: nil, vlan: 120, start: 1_781_480_880_000_000))
        t.add(Self.record("10.30.3.33", "198.51.100.7", mac: nil, vlan: 130, start: 1_781_480_890_000_000))
        t.flush()
        XCTAssertEqual(sink.found.count, 0)
        XCTAssertEqual(t.hosts.observations, 0)
        XCTAssertEqual(t.hosts.table.count, 0)
    }

    /// An Internet host on LGWAN's VLAN 120 (the demonstration's 10.30.8.40): `zone-vlan-mismatch`.
    func testAHostOnAnotherZonesVLANIsAZoneVLANMismatch() throws {
        let (t, sink) = try table()
        t.add(Self.record("10.30.8.40", "198.51.100.7", mac: 0x0200_0a1e_0828, vlan: 120, start: 1_781_482_380_000_000))
        t.flush()
        XCTAssertEqual(sink.found.map(\.0.rule), [.zoneVLANMismatch])
        XCTAssertEqual(sink.found.first?.0.address.vlans, [120])
    }
}
