import XCTest
import ZonesepCore
import ZonesepFlowExport

/// One template for both families, the unused family's fields zero-filled (as nProbe-style and several
/// vendors' templates do). Each address field used to overwrite the record's addresses and family, so
/// whichever family came last in the template won even when zero: an IPv4 Mynumber → Internet record was
/// judged as `::` → `::` (local, never a violation), uncounted.
final class BothFamiliesTemplateTests: XCTestCase {
    /// 2026-06-15T00:00:00Z.
    static let export: UInt32 = 1_781_481_600

    /// Template 256: [ipVersion], the two families' addresses in `v6First` order, ports, protocol, flags,
    /// start and end in ms.
    static func template(v6First: Bool, ipVersion: Bool) -> [UInt8] {
        let v4: [(UInt16, UInt16)] = [(8, 4), (12, 4)]
        let v6: [(UInt16, UInt16)] = [(27, 16), (28, 16)]
        var fields = (ipVersion ? [(60, 1)] : []) + (v6First ? v6 + v4 : v4 + v6)
        fields += [(7, 2), (11, 2), (4, 1), (6, 1), (152, 8), (153, 8)]
        return Export.set(2) { b in
            b.u16(256)
            b.u16(UInt16(fields.count))
            for (id, len) in fields { Export.field(&b, id, len) }
        }
    }

    /// One record of `template(v6First:ipVersion:)`: TCP SYN to port 443.
    static func record(
        _ b: inout Bytes, v6First: Bool, ipVersion: UInt8?, v4: (String, String), v6: (String, String), sport: UInt16
    ) {
        if let ipVersion { b.u8(ipVersion) }
        let writeV4 = { (b: inout Bytes) in
            b.v4(v4.0)
            b.v4(v4.1)
        }
        let writeV6 = { (b: inout Bytes) in
            b.v6(v6.0)
            b.v6(v6.1)
        }
        if v6First {
            writeV6(&b)
            writeV4(&b)
        } else {
            writeV4(&b)
            writeV6(&b)
        }
        b.u16(sport)
        b.u16(443)
        b.u8(6)
        b.u8(0x02)
        b.u64(UInt64(export) * 1000)
        b.u64(UInt64(export) * 1000 + 10)
    }

    /// The review's message: an IPv6 and an IPv4 Mynumber → Internet flow, then a record of no address
    /// in either family.
    static func message(v6First: Bool, ipVersion: Bool) -> [UInt8] {
        let version: (UInt8) -> UInt8? = { ipVersion ? $0 : nil }
        return Export.ipfix(
            exportTime: export, template(v6First: v6First, ipVersion: ipVersion),
            Export.set(256) { b in
                record(
                    &b, v6First: v6First, ipVersion: version(6), v4: ("0.0.0.0", "0.0.0.0"),
                    v6: ("fd00:10::5", "fd00:30::9"), sport: 50001)
                record(
                    &b, v6First: v6First, ipVersion: version(4), v4: ("10.10.2.21", "10.30.1.5"), v6: ("::", "::"),
                    sport: 50002)
                record(
                    &b, v6First: v6First, ipVersion: version(4), v4: ("0.0.0.0", "0.0.0.0"), v6: ("::", "::"),
                    sport: 50003)
            })
    }

    func testEachRecordKeepsItsOwnFamilyInEitherFieldOrder() throws {
        for v6First in [false, true] {
            for ipVersion in [true, false] {
                let name = "v6 first \(v6First), ipVersion \(ipVersion)"
                var d = FlowExportDecoder()
                let rs = d.records(Self.message(v6First: v6First, ipVersion: ipVersion))
                XCTAssertEqual(rs.count, 3, name)
                XCTAssertEqual(rs.map(\.ipVersion).prefix(2), [6, 4], name)
                XCTAssertEqual(rs.map(\.src).prefix(2), [IPAddress("fd00:10::5")!, IPAddress("10.10.2.21")!], name)
                XCTAssertEqual(rs.map(\.dst).prefix(2), [IPAddress("fd00:30::9")!, IPAddress("10.30.1.5")!], name)

                let policy = try XCTUnwrap(ExportFlowTableTests.policy)
                let sink = ExportFlowTableTests.Recorder()
                let table = ExportFlowTable(policy: policy, sink: sink)
                for r in rs { table.add(r) }
                table.flush()
                XCTAssertEqual(table.violations[.mynumberIsolation], 2, name)
                XCTAssertEqual(sink.started.count, 2, name)
                XCTAssertEqual(table.skipped.noAddress, 1, "no address in either family: counted, not judged local")
            }
        }
    }

    /// ipVersion decides even when the other family's fields hold addresses too.
    func testIPVersionChoosesWhenBothFamiliesNameAddresses() {
        var d = FlowExportDecoder()
        let msg = Export.ipfix(
            exportTime: Self.export, Self.template(v6First: false, ipVersion: true),
            Export.set(256) { b in
                Self.record(
                    &b, v6First: false, ipVersion: 6, v4: ("10.10.2.21", "10.30.1.5"),
                    v6: ("fd00:10::5", "fd00:30::9"), sport: 50001)
            })
        let r = d.records(msg).first
        XCTAssertEqual(r?.ipVersion, 6)
        XCTAssertEqual(r?.src, IPAddress("fd00:10::5"))
    }
}
