import Foundation
import XCTest
import ZonesepTestSupport

@testable import ZonesepCapture

/// Evidence on a real full disk (a 60 KiB tmpfs: 15 pages, a file takes one or two): the issue's
/// run had 94 of 110 evidence files 0 bytes long, each still given an `evidence` record with the SHA-256
/// of an empty file. Now a file is hashed only when it holds every packet written to it.
final class EvidenceFullDiskTests: XCTestCase {
    /// 2026-11-20T00:00:00Z in µs.
    let t0: Int64 = 1_795_132_800_000_000

    func frame(_ flow: Int, _ n: Int, length: Int) -> [UInt8] {
        [UInt8(flow & 0xff), UInt8(n)] + [UInt8](repeating: 0xee, count: length - 2)
    }

    func name(_ flow: Int) -> String { String(format: "20261120T0000%02d.%06dZ_flow.pcap", flow / 60, flow % 60) }

    /// The packets libpcap reads back from a file, and whether it read to a clean end.
    func readBack(_ path: String) -> (packets: [[UInt8]], clean: Bool)? {
        guard let f = try? PcapFile(path: path) else { return nil }
        var out: [[UInt8]] = []
        while true {
            switch f.next() {
            case .frame(let fr): out.append(Array(fr.bytes))
            case .end: return (out, true)
            default: return (out, false)
            }
        }
    }

    func testAFullDiskNeverGetsAHashForAFileItDidNotWriteWhole() throws {
        // 15 pages: the first ten flows take 14, so the eleventh is cut at its third packet.
        let disk = try TinyDisk(kilobytes: 60)
        let dir = disk.path + "/evidence"
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 100, maxBytes: 0))
        var problems: [String] = []
        w.onProblem = { problems.append($0) }
        var closed: [EvidenceWriter.Closed] = []
        var openErrors: [String] = []
        var given: [UInt64: [[UInt8]]] = [:]
        // 110 violating flows of 1 to 4 packets of 1,400 bytes: the first files fit, a later one is cut
        // when its second page cannot be had, and after that no file can even get its header out.
        for flow in 0..<110 {
            let id = UInt64(flow + 1)
            let start = t0 + Int64(flow) * 1_000_000
            let r = w.open(serial: id, name: name(flow), startMicros: start, linkType: 1, now: start)
            guard r else {
                openErrors.append(try XCTUnwrap(w.lastOpenError, "a failed open says why"))
                continue
            }
            for n in 0..<(1 + flow % 4) {
                let bytes = frame(flow, n, length: 1400)
                given[id, default: []].append(bytes)
                _ = bytes.withUnsafeBytes {
                    w.write(serial: id, timestampMicros: start + Int64(n), bytes: $0, wireLength: 1400, linkType: 1)
                }
            }
            closed.append(try XCTUnwrap(w.close(serial: id, reason: .flowEnd)))
        }
        let hashed = closed.filter { $0.sha256 != nil }
        let incomplete = closed.filter { $0.sha256 == nil }
        XCTAssertGreaterThan(hashed.count, 5)
        XCTAssertGreaterThan(openErrors.count, 50, "most flows found the disk full")
        XCTAssertGreaterThan(incomplete.count, 0, "some file was cut part-way")
        XCTAssertEqual(hashed.count + incomplete.count + openErrors.count, 110)
        for c in hashed {
            let path = dir + "/" + c.file
            XCTAssertNil(c.error)
            XCTAssertEqual(try Coreutils.sha256sum(path), c.sha256, c.file)
            let back = try XCTUnwrap(readBack(path), c.file)
            XCTAssertTrue(back.clean, c.file)
            XCTAssertEqual(back.packets, given[c.serial], "a hashed file holds every packet given: \(c.file)")
            XCTAssertEqual(UInt64(24 + back.packets.count * (16 + 1400)), c.bytes)
        }
        for c in incomplete {
            let error = try XCTUnwrap(c.error, c.file)
            // The failing call is named, with the system's reason and the packets the file keeps.
            XCTAssertTrue(error.hasPrefix("write failed after \(c.packets) packets: No space left on device"), error)
            // What is left is the packets written whole, and it says how many.
            let back = readBack(dir + "/" + c.file)
            XCTAssertEqual(back?.packets.count ?? 0, Int(c.packets), c.file)
            XCTAssertEqual(back?.clean ?? true, true, "cut back to its last whole packet: \(c.file)")
            XCTAssertLessThan(Int(c.packets), given[c.serial]?.count ?? 0)
        }
        XCTAssertTrue(openErrors.allSatisfy { $0.contains("No space left on device") }, "\(openErrors.prefix(3))")
        XCTAssertEqual(w.stats.incomplete, UInt64(incomplete.count))
        XCTAssertEqual(w.stats.notCreated, UInt64(openErrors.count))
        XCTAssertGreaterThan(w.stats.lostPackets, 0)
        XCTAssertEqual(problems.count, 1, "the outage is reported once: \(problems)")

        // Space comes back: the next file is whole and hashed, and stderr hears that once.
        for c in hashed { unlink(dir + "/" + c.file) }
        let id: UInt64 = 999
        XCTAssertTrue(w.open(serial: id, name: name(200), startMicros: t0, linkType: 1, now: t0))
        _ = frame(200, 0, length: 1400).withUnsafeBytes {
            w.write(serial: id, timestampMicros: t0, bytes: $0, wireLength: 1400, linkType: 1)
        }
        let after = try XCTUnwrap(w.close(serial: id, reason: .flowEnd))
        XCTAssertEqual(after.sha256, try Coreutils.sha256sum(dir + "/" + after.file))
        XCTAssertEqual(problems.count, 2, "\(problems)")
        XCTAssertTrue(problems.last?.contains("writing again") ?? false, "\(problems)")
    }

    /// The same flow replayed into the same directory on a full disk: the earlier run's file, whole and
    /// hashed, must stay until the new one is whole. It used to be unlinked at the open, and the new one,
    /// cut short by the full disk, was left in its place. Now the new one is written under a temporary
    /// name: when its header cannot be written the alert gets no file, and when its packets cannot, the
    /// temporary is deleted. Either way the earlier file is there, byte for byte, and counted again.
    func testAReplacementOnAFullDiskKeepsTheEarlierWholeFile() throws {
        let disk = try TinyDisk(kilobytes: 60)
        let dir = disk.path + "/evidence"
        let file = name(0)
        let first = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 100, maxBytes: 0))
        XCTAssertTrue(first.open(serial: 1, name: file, startMicros: t0, linkType: 1, now: t0))
        for n in 0..<9 {
            _ = frame(0, n, length: 600).withUnsafeBytes {
                first.write(serial: 1, timestampMicros: t0 + Int64(n), bytes: $0, wireLength: 600, linkType: 1)
            }
        }
        let whole = try XCTUnwrap(first.close(serial: 1, reason: .flowEnd))
        let hash = try XCTUnwrap(whole.sha256)
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))

        // The disk full to the last byte: not even the header of the new one fits.
        disk.fill()
        let second = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 100, maxBytes: 0))
        XCTAssertFalse(second.open(serial: 1, name: file, startMicros: t0, linkType: 1, now: t0))
        let why = try XCTUnwrap(second.lastOpenError)
        XCTAssertTrue(why.contains("No space left on device"), why)
        XCTAssertTrue(why.hasSuffix("(the earlier run's file of that name is kept)"), why)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file)), before)
        XCTAssertEqual(second.bytesOnDisk, UInt64(before.count), "the earlier file is counted again")

        // Room for the header and a packet or two, not for the flow's nine packets.
        disk.free(bytes: 4096)
        let third = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 100, maxBytes: 0))
        XCTAssertTrue(third.open(serial: 1, name: file, startMicros: t0, linkType: 1, now: t0))
        for n in 0..<9 {
            _ = frame(0, n, length: 600).withUnsafeBytes {
                third.write(serial: 1, timestampMicros: t0 + Int64(n), bytes: $0, wireLength: 600, linkType: 1)
            }
        }
        let c = try XCTUnwrap(third.close(serial: 1, reason: .flowEnd))
        XCTAssertNil(c.sha256)
        let error = try XCTUnwrap(c.error)
        XCTAssertTrue(error.contains("No space left on device"), error)
        XCTAssertTrue(
            error.hasSuffix("this run's file was deleted and the earlier run's file of that name kept"), error)
        XCTAssertEqual(c.packets, 0, "this run's packets of the flow are not on disk")
        XCTAssertEqual(c.bytes, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file)), before)
        XCTAssertEqual(try Coreutils.sha256sum(dir + "/" + file), hash, "the earlier run's record still holds")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [file], "no temporary left")
        XCTAssertEqual(third.stats.incomplete, 1)
        XCTAssertEqual(third.stats.lostPackets, 9)
        XCTAssertEqual(third.stats.packets, 0)
        XCTAssertEqual(third.bytesOnDisk, UInt64(before.count))
    }

    /// A flow longer than the cap whose file fails part-way: its packets are lost only up to the cap (as
    /// many as a whole file would have held), and the file closes at the cap as a whole one would have
    /// (`packet-cap`), giving back its descriptor. The flow's later packets used to be counted lost too,
    /// and the file held open until the flow ended.
    func testAFailedFileLosesPacketsOnlyUpToTheCapAndClosesThere() throws {
        let disk = try TinyDisk(kilobytes: 60)
        let dir = disk.path + "/evidence"
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 100, maxBytes: 0))
        XCTAssertTrue(w.open(serial: 1, name: name(0), startMicros: t0, linkType: 1, now: t0))
        var closed: [EvidenceWriter.Closed] = []
        // 150 packets of 1,416 bytes on disk: the first 46 wait until the 47th would pass 64 KiB, and do
        // not fit in the 60 KiB.
        for n in 0..<150 {
            let c = frame(0, n, length: 1400).withUnsafeBytes {
                w.write(serial: 1, timestampMicros: t0 + Int64(n), bytes: $0, wireLength: 1400, linkType: 1)
            }
            if let c {
                closed.append(c)
                XCTAssertEqual(n, 99, "closed at the cap")
                XCTAssertEqual(w.openFiles, 0)
            }
        }
        XCTAssertNil(w.close(serial: 1, reason: .flowEnd), "already closed")
        let c = try XCTUnwrap(closed.first)
        XCTAssertEqual(closed.count, 1)
        XCTAssertEqual(c.reason, .packetCap)
        XCTAssertNil(c.sha256)
        XCTAssertGreaterThan(c.packets, 10)
        XCTAssertLessThan(c.packets, 46)
        XCTAssertEqual(w.stats.lostPackets, 100 - c.packets)
        XCTAssertEqual(w.stats.packets, c.packets)
    }

    /// A long flow on a full disk: the disk fills while the records waiting before the next one go out.
    /// The file is cut back to its last whole packet and gets no hash; that packet and the later ones are
    /// lost, and the budget counts what is on disk.
    func testALongFlowCutWhileItsBufferGoesOut() throws {
        let disk = try TinyDisk(kilobytes: 60)
        let dir = disk.path + "/evidence"
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 1_000, maxBytes: 0))
        XCTAssertTrue(w.open(serial: 1, name: name(0), startMicros: t0, linkType: 1, now: t0))
        var given: [[UInt8]] = []
        // 100 packets of 1,416 bytes on disk: the first 46 wait until the 47th would pass 64 KiB, and
        // do not fit in the 60 KiB.
        for n in 0..<100 {
            let bytes = frame(0, n, length: 1400)
            given.append(bytes)
            _ = bytes.withUnsafeBytes {
                w.write(serial: 1, timestampMicros: t0 + Int64(n), bytes: $0, wireLength: 1400, linkType: 1)
            }
        }
        let c = try XCTUnwrap(w.close(serial: 1, reason: .flowEnd))
        XCTAssertNil(c.sha256)
        let error = try XCTUnwrap(c.error)
        XCTAssertTrue(error.hasPrefix("write failed after \(c.packets) packets: No space left on device"), error)
        let back = try XCTUnwrap(readBack(dir + "/" + c.file))
        XCTAssertTrue(back.clean, "cut back to its last whole packet")
        XCTAssertGreaterThan(back.packets.count, 10)
        XCTAssertLessThan(back.packets.count, 46)
        XCTAssertEqual(back.packets, Array(given.prefix(back.packets.count)))
        XCTAssertEqual(back.packets.count, Int(c.packets))
        XCTAssertEqual(c.bytes, UInt64(24 + back.packets.count * (16 + 1400)))
        XCTAssertEqual(w.stats.lostPackets, UInt64(100 - back.packets.count))
        XCTAssertEqual(w.stats.packets, UInt64(back.packets.count))
        XCTAssertEqual(w.bytesOnDisk, c.bytes, "the budget holds what is on disk, no more")
        XCTAssertEqual(w.stats.incomplete, 1)
    }
}
