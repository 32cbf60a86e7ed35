import Foundation
import XCTest

@testable import ZonesepCapture

/// The open-file limit (`maxOpenFiles`, 256 in a run): a file whose descriptor was closed to open another
/// is opened again at its flow's next packet, so it still holds every packet up to the cap, and its one
/// hash vouches for all of them. Set aside, it is checked by name at its close like an open one.
extension EvidenceWriterTests {
    func limited(_ open: Int) throws -> EvidenceWriter {
        var limits = EvidenceWriter.Limits(perFlowPackets: 100, maxBytes: 0)
        limits.maxOpenFiles = open
        return try EvidenceWriter(directory: dir, limits: limits)
    }

    /// Flow 1 writes 2 packets, two more flows open (flow 1 set aside), flow 1 writes 3 more: its file holds
    /// all 5, read back with libpcap, and one close gives their hash. A file set aside and not written again
    /// (flow 2) closes whole too.
    func testAFileSetAsideForTheOpenFileLimitIsOpenedAgainAndKeepsEveryPacket() throws {
        let w = try limited(2)
        var problems: [String] = []
        w.onProblem = { problems.append($0) }
        XCTAssertTrue(w.open(serial: 1, name: name(t0, "long"), startMicros: t0, linkType: 1, now: t0))
        for n in 0..<2 as Range<UInt8> { XCTAssertNil(write(w, 1, 1, n, at: t0 + Int64(n))) }
        for id in 2...3 as ClosedRange<UInt64> {
            let start = t0 + Int64(id) * 10
            XCTAssertTrue(
                w.open(serial: id, name: name(start, "scan\(id)"), startMicros: start, linkType: 1, now: start))
            XCTAssertNil(write(w, id, UInt8(id), 0, at: start))
        }
        XCTAssertEqual(w.openDescriptors, 2)
        XCTAssertEqual(w.openFiles, 3, "the file set aside is not closed")
        XCTAssertTrue(w.isOpen(1))
        for n in 2..<5 as Range<UInt8> { XCTAssertNil(write(w, 1, 1, n, at: t0 + 100 + Int64(n))) }
        XCTAssertEqual(w.reopened, 1)
        XCTAssertEqual(w.openDescriptors, 2)

        let long = try XCTUnwrap(w.close(serial: 1, reason: .flowEnd))
        XCTAssertNil(long.error)
        XCTAssertEqual(long.reason, .flowEnd)
        XCTAssertEqual(long.packets, 5)
        XCTAssertEqual(long.bytes, 24 + 5 * (16 + 60))
        let frames = try readBack(long.file)
        XCTAssertEqual(frames.map(\.bytes), (0..<5).map { frame(1, $0) })
        XCTAssertEqual(frames.map(\.micros), [t0, t0 + 1, t0 + 102, t0 + 103, t0 + 104])
        XCTAssertEqual(long.sha256, try sha256sum(long.file))

        // Flow 2's file was set aside when flow 1's came back, and is closed by its name.
        let scan = try XCTUnwrap(w.close(serial: 2, reason: .flowEnd))
        XCTAssertNil(scan.error)
        XCTAssertEqual(scan.packets, 1)
        XCTAssertEqual(scan.sha256, try sha256sum(scan.file))
        XCTAssertEqual(w.closeAll(reason: .endOfRun).map(\.packets), [1])
        XCTAssertEqual(w.stats.hashed, 3)
        XCTAssertEqual(w.stats.lostPackets, 0)
        XCTAssertEqual(w.stats.packets, 7)
        XCTAssertEqual(w.openFiles, 0)
        XCTAssertEqual(problems, [])
    }

    /// Set aside, a file is still this writer's to vouch for: removed, replaced, or written to by another
    /// meanwhile, it gets no hash; a removed one's later packets are lost (counted), as a failed file's.
    func testAFileChangedWhileSetAsideGetsNoHash() throws {
        let w = try limited(1)
        let removed = name(t0, "removed")
        let replaced = name(t0 + 1, "replaced")
        let appended = name(t0 + 2, "appended")
        for (id, file) in [removed, replaced, appended, name(t0 + 3, "last")].enumerated() {
            let serial = UInt64(id + 1)
            XCTAssertTrue(w.open(serial: serial, name: file, startMicros: t0 + Int64(id), linkType: 1, now: t0))
            XCTAssertNil(write(w, serial, UInt8(serial), 0, at: t0 + Int64(id)))
        }
        XCTAssertEqual(w.openDescriptors, 1)
        XCTAssertEqual(unlink(dir + "/" + removed), 0)
        XCTAssertEqual(rename(dir + "/" + replaced, dir + "/aside.pcap"), 0)
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/" + replaced, contents: Data(count: 24)))
        let other = open(dir + "/" + appended, O_WRONLY | O_APPEND)
        XCTAssertGreaterThanOrEqual(other, 0)
        XCTAssertEqual(
            [UInt8](repeating: 0xee, count: 50).withUnsafeBytes { Glibc.write(other, $0.baseAddress, 50) }, 50)
        Glibc.close(other)

        // The removed file's flow goes on: not opened again (no file at its name), its packets lost.
        for n in 1..<4 as Range<UInt8> { XCTAssertNil(write(w, 1, 1, n, at: t0 + 10 + Int64(n))) }
        XCTAssertEqual(w.reopened, 0)
        XCTAssertEqual(w.stats.lostPackets, 3)
        let a = try XCTUnwrap(w.close(serial: 1, reason: .flowEnd))
        XCTAssertNil(a.sha256)
        XCTAssertTrue(a.error?.hasPrefix("no longer at its name after 1 packets") == true, "\(a.error ?? "nil")")
        XCTAssertEqual(a.packets, 0)
        XCTAssertEqual(w.stats.lostPackets, 4, "its packet on the removed file too")

        let b = try XCTUnwrap(w.close(serial: 2, reason: .flowEnd))
        XCTAssertNil(b.sha256)
        XCTAssertTrue(
            b.error?.hasPrefix("its name leads to another file after 1 packets") == true, "\(b.error ?? "nil")")

        let c = try XCTUnwrap(w.close(serial: 3, reason: .flowEnd))
        XCTAssertNil(c.sha256)
        XCTAssertEqual(c.error, "the file holds \(24 + 76 + 50) bytes of the \(24 + 76) written")

        let d = try XCTUnwrap(w.close(serial: 4, reason: .flowEnd))
        XCTAssertEqual(d.sha256, try sha256sum(d.file), "the file left open is whole")
        XCTAssertEqual(w.stats.incomplete, 3)
        XCTAssertEqual(w.stats.hashed, 1)
    }

    /// A run's budget of evidence descriptors: the soft descriptor limit raised to the hard one first (systemd
    /// starts services at 1,024), then half of it, at most 1,024 and at least 16.
    func testTheOpenFileBudgetRaisesTheSoftLimitAndTakesHalfOfIt() throws {
        var before = rlimit()
        XCTAssertEqual(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &before), 0)
        defer { _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &before) }
        var low = before
        low.rlim_cur = 100
        XCTAssertEqual(setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &low), 0)
        let budget = EvidenceWriter.openFileBudget()
        var after = rlimit()
        XCTAssertEqual(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &after), 0)
        XCTAssertEqual(after.rlim_cur, before.rlim_max, "the soft limit raised to the hard one")
        let hard = before.rlim_max == rlim_t.max ? Int.max : Int(clamping: before.rlim_max)
        XCTAssertEqual(budget, max(16, min(EvidenceWriter.mostOpenFiles, hard / 2)))
    }
}
