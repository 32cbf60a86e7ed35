import XCTest
import ZonesepCore
import ZonesepFlowExport

final class IPFIXDecoderTests: XCTestCase {
    /// 2026-06-15 00:00:00 UTC in seconds.
    static let export: UInt32 = 1_781_481_600

    /// Template 256: the 5-tuple, flags, counters in reduced size, absolute times, MACs and a VLAN.
    static let template256 = Export.set(2) { b in
        b.u16(256)
        b.u16(13)
        for (id, len) in [
            (8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 2), (2, 4), (1, 8), (152, 8), (153, 8), (56, 6), (80, 6),
            (58, 2),
        ] as [(UInt16, UInt16)] {
            Export.field(&b, id, len)
        }
    }

    static func record256(_ b: inout Bytes, src: String = "10.20.3.4", sport: UInt16 = 51512, packets: UInt32 = 3) {
        b.v4(src)
        b.v4("10.30.7.8")
        b.u16(sport)
        b.u16(445)
        b.u8(6)
        b.u16(0x0002)
        b.u32(packets)
        b.u64(180)
        b.u64(1_781_481_600_250)
        b.u64(1_781_481_601_500)
        b.mac("02:00:0a:14:03:04")
        b.mac("02:00:00:00:00:01")
        b.u16(120)
    }

    func testEveryFieldOfATemplatedRecord() {
        var d = FlowExportDecoder()
        let msg = Export.ipfix(
            exportTime: Self.export, domain: 3, Self.template256,
            Export.set(256) { b in
                Self.record256(&b)
                Self.record256(&b, src: "10.20.3.5", sport: 40000, packets: 9)
            })
        let rs = d.records(msg)
        XCTAssertEqual(rs.count, 2)
        let r = rs[0]
        XCTAssertEqual(r.input, .ipfix)
        XCTAssertEqual(r.exporter, IPAddress("192.0.2.1"))
        XCTAssertEqual(r.exporterPort, 4739)
        XCTAssertEqual(r.observationDomain, 3)
        XCTAssertEqual(r.ipVersion, 4)
        XCTAssertEqual(r.src, IPAddress("10.20.3.4"))
        XCTAssertEqual(r.dst, IPAddress("10.30.7.8"))
        XCTAssertEqual(r.srcPort, 51512)
        XCTAssertEqual(r.dstPort, 445)
        XCTAssertEqual(r.proto, 6)
        XCTAssertEqual(r.tcpFlags, 0x02)
        XCTAssertEqual(r.packets, 3)
        XCTAssertEqual(r.bytes, 180)
        XCTAssertFalse(r.isBiflow)
        XCTAssertEqual(r.startMicros, 1_781_481_600_250_000)
        XCTAssertEqual(r.endMicros, 1_781_481_601_500_000)
        XCTAssertEqual(r.timeSource, .record)
        XCTAssertEqual(r.srcMAC, MACAddress("02:00:0a:14:03:04"))
        XCTAssertEqual(r.dstMAC, MACAddress("02:00:00:00:00:01"))
        XCTAssertEqual(r.vlanCount, 1)
        XCTAssertEqual(r.vlan0, 120)
        XCTAssertEqual(r.samplingRate, 1)
        XCTAssertEqual(rs[1].src, IPAddress("10.20.3.5"))
        XCTAssertEqual(rs[1].packets, 9)
        let s = d.testStats
        XCTAssertEqual(s.records, 2)
        XCTAssertEqual(s.templates, 1)
        XCTAssertEqual(s.totalFailures, 0)
    }

    func testVariableLengthAndEnterpriseFieldsAreSkipped() {
        var d = FlowExportDecoder()
        let template = Export.set(2) { b in
            b.u16(300)
            b.u16(6)
            Export.field(&b, 8, 4)
            Export.field(&b, 12345, 0xffff, enterprise: 9)  // an unknown vendor element, variable length
            Export.field(&b, 82, 0xffff)  // interfaceName, variable length
            Export.field(&b, 100, 4, enterprise: 2636)  // another vendor's fixed-size element
            Export.field(&b, 12, 4)
            Export.field(&b, 2, 4)
        }
        let data = Export.set(300, padding: 3) { b in
            b.v4("10.10.2.21")
            b.u8(5)
            b.raw([1, 2, 3, 4, 5])
            b.u8(255)  // the three-byte length form
            b.u16(300)
            b.raw([UInt8](repeating: 0x41, count: 300))
            b.u32(0xdead_beef)
            b.v4("10.30.1.5")
            b.u32(2)
        }
        let rs = d.records(Export.ipfix(template, data))
        XCTAssertEqual(rs.count, 1, "the 3 padding bytes are shorter than a record: not one")
        XCTAssertEqual(rs.first?.src, IPAddress("10.10.2.21"))
        XCTAssertEqual(rs.first?.dst, IPAddress("10.30.1.5"))
        XCTAssertEqual(rs.first?.packets, 2)
        XCTAssertEqual(d.testStats.totalFailures, 0)
    }

    func testBiflowReverseElements() {
        var d = FlowExportDecoder()
        let template = Export.set(2) { b in
            b.u16(400)
            b.u16(10)
            for (id, len) in [(27, 16), (28, 16), (7, 2), (11, 2), (4, 1), (6, 1), (2, 8), (1, 8)] as [(UInt16, UInt16)]
            {
                Export.field(&b, id, len)
            }
            Export.field(&b, 6, 1, enterprise: 29305)
            Export.field(&b, 2, 8, enterprise: 29305)
        }
        let data = Export.set(400) { b in
            b.v6("fd00:20::3:4")
            b.v6("2001:db8:cafe::10")
            b.u16(50600)
            b.u16(443)
            b.u8(6)
            b.u8(0x1b)
            b.u64(6)
            b.u64(886)
            b.u8(0x12 | 0x08 | 0x01)
            b.u64(4)
        }
        let r = d.records(Export.ipfix(template, data)).first
        XCTAssertEqual(r?.ipVersion, 6)
        XCTAssertEqual(r?.src, IPAddress("fd00:20::3:4"))
        XCTAssertEqual(r?.isBiflow, true)
        XCTAssertEqual(r?.tcpFlags, 0x1b)
        XCTAssertEqual(r?.reverseTCPFlags, 0x1b)
        XCTAssertEqual(r?.reversePackets, 4)
        XCTAssertEqual(r?.reverseBytes, 0, "no reverse octets in this template")
    }

    func testTemplateChangedMidStream() {
        var d = FlowExportDecoder()
        _ = d.records(Export.ipfix(sequence: 0, Self.template256))
        XCTAssertEqual(
            d.records(Export.ipfix(sequence: 0, Export.set(256) { Self.record256(&$0) })).first?.dstPort, 445)
        // The exporter redefines 256: IPv6 addresses and the ports first.
        let redefined = Export.set(2) { b in
            b.u16(256)
            b.u16(5)
            for (id, len) in [(11, 2), (7, 2), (27, 16), (28, 16), (4, 1)] as [(UInt16, UInt16)] {
                Export.field(&b, id, len)
            }
        }
        let data = Export.set(256) { b in
            b.u16(22)
            b.u16(50022)
            b.v6("fd00:30::9:10")
            b.v6("2001:db8::200")
            b.u8(6)
        }
        let rs = d.records(Export.ipfix(sequence: 1, redefined, data))
        XCTAssertEqual(rs.count, 1)
        XCTAssertEqual(rs.first?.srcPort, 50022)
        XCTAssertEqual(rs.first?.dstPort, 22)
        XCTAssertEqual(rs.first?.src, IPAddress("fd00:30::9:10"))
        XCTAssertEqual(rs.first?.packets, 0, "the new template has no counters")
        XCTAssertEqual(d.testStats.templates, 2)
        XCTAssertEqual(d.testStats.totalFailures, 0)
    }

    func testWithdrawnTemplateIsNoLongerUsed() {
        var d = FlowExportDecoder()
        _ = d.records(Export.ipfix(Self.template256))
        let withdraw = Export.set(2) { b in
            b.u16(256)
            b.u16(0)
        }
        XCTAssertEqual(d.records(Export.ipfix(withdraw, Export.set(256) { Self.record256(&$0) })).count, 0)
        XCTAssertEqual(d.testStats.templatesWithdrawn, 1)
        XCTAssertEqual(d.testStats.setsHeld, 1, "data for a withdrawn template waits for a new one")
        // Withdrawing every template of the set's kind (template id 2, count 0).
        _ = d.records(Export.ipfix(Self.template256))
        XCTAssertEqual(d.testStats.setsReleased, 1)
        let withdrawAll = Export.set(2) { b in
            b.u16(2)
            b.u16(0)
        }
        XCTAssertEqual(d.records(Export.ipfix(withdrawAll, Export.set(256) { Self.record256(&$0) })).count, 0)
        XCTAssertEqual(d.testStats.templatesWithdrawn, 2)
    }

    func testDataBeforeItsTemplateIsHeldThenDecoded() {
        var d = FlowExportDecoder()
        XCTAssertEqual(d.records(Export.ipfix(exportTime: 100, Export.set(256) { Self.record256(&$0) })).count, 0)
        XCTAssertEqual(d.heldSetCount, 1)
        let rs = d.records(Export.ipfix(exportTime: 200, Self.template256))
        XCTAssertEqual(rs.count, 1)
        XCTAssertEqual(rs.first?.src, IPAddress("10.20.3.4"))
        XCTAssertEqual(d.heldSetCount, 0)
        XCTAssertEqual(d.testStats.setsHeld, 1)
        XCTAssertEqual(d.testStats.setsReleased, 1)
        XCTAssertEqual(d.testStats.records, 1)
        XCTAssertEqual(d.testStats.failures[.noTemplate], 0)
    }

    func testHeldSetsAreBoundedAndEvictionsCounted() {
        var limits = FlowExportDecoder.Limits()
        limits.heldSets = 2
        var d = FlowExportDecoder(limits: limits)
        for id in [256, 257, 258] as [UInt16] {
            _ = d.records(Export.ipfix(Export.set(id) { Self.record256(&$0) }))
        }
        XCTAssertEqual(d.heldSetCount, 2)
        XCTAssertEqual(d.testStats.failures[.noTemplate], 1, "the oldest held set was evicted")
        XCTAssertEqual(d.records(Export.ipfix(Self.template256)).count, 0, "256's set was the one evicted")
    }

    func testOptionsGiveSystemInitTimeAndSamplingRate() {
        var d = FlowExportDecoder()
        let options = Export.set(3) { b in
            b.u16(500)
            b.u16(3)
            b.u16(1)  // scope: systemInitTimeMilliseconds, as softflowd sends it
            Export.field(&b, 160, 8)
            Export.field(&b, 305, 4)
            Export.field(&b, 306, 4)
        }
        let optionsData = Export.set(500) { b in
            b.u64(1_781_481_000_000)
            b.u32(1)
            b.u32(99)
        }
        let template = Export.set(2) { b in
            b.u16(256)
            b.u16(4)
            for (id, len) in [(8, 4), (12, 4), (22, 4), (21, 4)] as [(UInt16, UInt16)] { Export.field(&b, id, len) }
        }
        let data = Export.set(256) { b in
            b.v4("10.0.0.1")
            b.v4("10.0.0.2")
            b.u32(600_000)
            b.u32(601_000)
        }
        let rs = d.records(Export.ipfix(exportTime: Self.export, options, optionsData, template, data))
        XCTAssertEqual(rs.first?.startMicros, 1_781_481_600_000_000)
        XCTAssertEqual(rs.first?.endMicros, 1_781_481_601_000_000)
        XCTAssertEqual(rs.first?.timeSource, .uptime)
        XCTAssertEqual(rs.first?.samplingRate, 100, "1 packet selected, 99 skipped")
        XCTAssertEqual(d.testStats.optionsRecords, 1)
        XCTAssertEqual(d.testStats.records, 1)
    }

    func testSequenceGapsCountMissedRecords() {
        var d = FlowExportDecoder()
        _ = d.records(Export.ipfix(sequence: 1000, Self.template256))
        _ = d.records(
            Export.ipfix(
                sequence: 1000,
                Export.set(256) {
                    Self.record256(&$0); Self.record256(&$0)
                }))
        _ = d.records(Export.ipfix(sequence: 1002, Export.set(256) { Self.record256(&$0) }))
        XCTAssertEqual(d.testStats.sequenceGaps, 0)
        _ = d.records(Export.ipfix(sequence: 1010, Export.set(256) { Self.record256(&$0) }))
        XCTAssertEqual(d.testStats.sequenceGaps, 0, "a late datagram may still fill the gap")
        d.settle(monotonicMicros: 2_000_000)
        XCTAssertEqual(d.testStats.sequenceGaps, 1, "none did within 2 s")
        XCTAssertEqual(d.testStats.missedRecords, 7)
        // A restarted exporter: far backwards, a reset and not loss.
        _ = d.records(Export.ipfix(sequence: 0, Export.set(256) { Self.record256(&$0) }))
        XCTAssertEqual(d.testStats.sequenceResets, 1)
        XCTAssertEqual(d.testStats.sequenceGaps, 1)
        // Another observation domain keeps its own sequence.
        _ = d.records(Export.ipfix(sequence: 5000, domain: 9, Self.template256))
        d.finish()
        XCTAssertEqual(d.testStats.sequenceGaps, 1)
        XCTAssertEqual(d.testStats.lateDatagrams, 0)
    }

    func testTemplatesExpireWithoutRefresh() {
        var limits = FlowExportDecoder.Limits()
        limits.templateLifetimeMicros = 60_000_000
        var d = FlowExportDecoder(limits: limits)
        _ = d.records(Export.ipfix(exportTime: 1000, Self.template256))
        XCTAssertEqual(d.records(Export.ipfix(exportTime: 1059, Export.set(256) { Self.record256(&$0) })).count, 1)
        XCTAssertEqual(d.records(Export.ipfix(exportTime: 1061, Export.set(256) { Self.record256(&$0) })).count, 0)
        XCTAssertEqual(d.testStats.templatesExpired, 1)
    }

    /// A template giving an address, a port or the protocol a length its type cannot have describes no
    /// flow: refused as `template-invalid`, so its records are not judged. Before, the field
    /// was skipped and each record judged from 0.0.0.0 ("local"): a Mynumber flow to the Internet was
    /// allowed without a word (REVIEW-140 F1). A 1-byte port (RFC 7011's reduced size) is read.
    func testTemplatesGivingIdentityFieldsAWrongLengthAreRefused() {
        func template(_ id: UInt16, _ fields: [(UInt16, UInt16)]) -> [UInt8] {
            Export.set(2) { b in
                b.u16(id)
                b.u16(UInt16(fields.count))
                for (f, len) in fields { Export.field(&b, f, len) }
            }
        }
        var d = FlowExportDecoder()
        let wrong: [[(UInt16, UInt16)]] = [
            [(8, 8), (12, 4), (4, 1)],  // IPv4 source of 8 bytes
            [(8, 4), (12, 3), (4, 1)],  // IPv4 destination of 3
            [(27, 8), (28, 16), (4, 1)],  // IPv6 source of 8
            [(8, 4), (12, 4), (7, 4), (11, 2), (4, 1)],  // a 4-byte port
            [(8, 4), (12, 4), (4, 2)],  // a 2-byte protocol
        ]
        let sets = wrong.enumerated().map { template(UInt16(300 + $0.offset), $0.element) }
        _ = d.records(Export.ipfix(exportTime: Self.export, sets[0], sets[1], sets[2], sets[3], sets[4]))
        XCTAssertEqual(d.testStats.failures[.templateInvalid], 5)
        // An 8-byte MAC is skipped, not a reason to refuse the flow: the record is judged without a MAC.
        let wideMAC = template(310, [(8, 4), (12, 4), (4, 1), (56, 8)])
        let withWideMAC = Export.set(310) { b in
            b.v4("10.20.3.4")
            b.v4("192.0.2.10")
            b.u8(17)
            b.u64(0x0000_0200_0a14_0304)
        }
        let judged = d.records(Export.ipfix(exportTime: Self.export, wideMAC, withWideMAC))
        XCTAssertEqual(judged.first?.src, IPAddress("10.20.3.4"))
        XCTAssertNil(judged.first?.srcMAC)
        XCTAssertEqual(d.testStats.failures[.templateInvalid], 5)
        let data = Export.set(300) { b in
            b.u64(0x0a14_0304_0000_0000)
            b.v4("192.0.2.10")
            b.u8(17)
        }
        XCTAssertEqual(d.records(Export.ipfix(exportTime: Self.export, data)).count, 0, "no template: held, not judged")

        var reduced = FlowExportDecoder()
        let small = template(400, [(8, 4), (12, 4), (7, 1), (11, 1), (4, 1)])
        let record = Export.set(400) { b in
            b.v4("10.20.3.4")
            b.v4("192.0.2.10")
            b.u8(53)
            b.u8(67)
            b.u8(17)
        }
        let rs = reduced.records(Export.ipfix(exportTime: Self.export, small, record))
        XCTAssertEqual(rs.count, 1)
        XCTAssertEqual(rs.first?.src, IPAddress("10.20.3.4"))
        XCTAssertEqual(rs.first?.srcPort, 53)
        XCTAssertEqual(rs.first?.dstPort, 67)
        XCTAssertEqual(reduced.testStats.failures[.templateInvalid], 0)
    }

    func testMalformedTemplatesAndSetsAreCountedByReason() {
        var d = FlowExportDecoder()
        let lowID = Export.set(2) { b in
            b.u16(255)
            b.u16(1)
            Export.field(&b, 8, 4)
        }
        let zeroLength = Export.set(2) { b in
            b.u16(256)
            b.u16(1)
            Export.field(&b, 8, 0)
        }
        let noScope = Export.set(3) { b in
            b.u16(257)
            b.u16(1)
            b.u16(0)
            Export.field(&b, 160, 8)
        }
        let reserved = Export.set(5) { $0.u32(0) }
        _ = d.records(Export.ipfix(lowID, zeroLength, noScope, reserved))
        XCTAssertEqual(d.testStats.failures[.templateInvalid], 3)
        XCTAssertEqual(d.testStats.failures[.reservedSetID], 1)
        var bad = Export.ipfix(Self.template256)
        bad[18] = 0xff  // the set's length runs past the message
        _ = d.records(bad)
        XCTAssertEqual(d.testStats.failures[.setTruncated], 1)
        _ = d.records([0, 10, 0])
        XCTAssertEqual(d.testStats.failures[.datagramTruncated], 1)
        _ = d.records([0, 11, 0, 0])
        XCTAssertEqual(d.testStats.failures[.unknownVersion], 1)
    }

    func testTruncationAtEveryOffset() {
        let options = Export.set(3) { b in
            b.u16(500)
            b.u16(2)
            b.u16(1)
            Export.field(&b, 160, 8)
            Export.field(&b, 82, 0xffff)
        }
        let optionsData = Export.set(500) { b in
            b.u64(1_781_481_000_000)
            b.u8(3)
            b.raw([0x65, 0x74, 0x68])
        }
        let full = Export.ipfix(
            options, optionsData, Self.template256,
            Export.set(256) {
                Self.record256(&$0); Self.record256(&$0)
            })
        var reference = FlowExportDecoder()
        let all = reference.records(full).map { Canonical.line($0) }
        XCTAssertEqual(all.count, 2)
        for cut in 0..<full.count {
            // Cut in transit: the header still claims the whole length.
            var d = FlowExportDecoder()
            let rs = d.records(Array(full[..<cut]))
            XCTAssertGreaterThan(d.testStats.totalFailures, 0, "cut at \(cut)")
            XCTAssertEqual(rs.map { Canonical.line($0) }, Array(all.prefix(rs.count)), "cut at \(cut)")
            // Cut and relabelled: the header's length agrees, the sets do not.
            var relabelled = Array(full[..<cut])
            if cut >= 4 { relabelled[2] = UInt8(cut >> 8); relabelled[3] = UInt8(cut & 0xff) }
            var e = FlowExportDecoder()
            let es = e.records(relabelled)
            XCTAssertEqual(es.map { Canonical.line($0) }, Array(all.prefix(es.count)), "relabelled cut at \(cut)")
            XCTAssertLessThan(es.count, 2)
        }
    }
}
