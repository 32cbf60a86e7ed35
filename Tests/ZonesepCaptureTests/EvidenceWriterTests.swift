import CPcap
import Foundation
import XCTest
import ZonesepTestSupport

@testable import ZonesepCapture

/// Evidence files written with libpcap's dumper and read back with libpcap: contents, per-flow cap,
/// SHA-256 against sha256sum, and the disk budget that never touches the last hour.
final class EvidenceWriterTests: XCTestCase {
    var dir: String!
    /// 2026-11-20T00:00:00Z in µs.
    let t0: Int64 = 1_795_132_800_000_000
    let hour: Int64 = 3_600_000_000

    override func setUpWithError() throws {
        dir =
            FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-evidence-\(UUID().uuidString)")
            .path
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// A frame whose bytes say which flow and which packet it is.
    func frame(_ flow: UInt8, _ n: UInt8, length: Int = 60) -> [UInt8] {
        [flow, n] + [UInt8](repeating: 0xee, count: length - 2)
    }

    func name(_ start: Int64, _ tag: String) -> String { "\(stamp(start))_\(tag).pcap" }

    /// `YYYYMMDDTHHMMSS.ffffffZ` for times on 2026-11-20 and 21 (all these tests need).
    func stamp(_ micros: Int64) -> String {
        let s = Int((micros - t0) / 1_000_000)
        let f = Int((micros - t0) % 1_000_000)
        let r = s % 86_400
        return String(format: "202611%02dT%02d%02d%02d.%06dZ", 20 + s / 86_400, r / 3600, r / 60 % 60, r % 60, f)
    }

    @discardableResult
    func write(_ w: EvidenceWriter, _ id: UInt64, _ flow: UInt8, _ n: UInt8, at t: Int64, linkType: Int32 = 1)
        -> EvidenceWriter.Closed?
    {
        frame(flow, n).withUnsafeBytes {
            w.write(serial: id, timestampMicros: t, bytes: $0, wireLength: 1514, linkType: linkType)
        }
    }

    func readBack(_ file: String) throws -> [(micros: Int64, bytes: [UInt8], wire: Int)] {
        let f = try PcapFile(path: dir + "/" + file)
        XCTAssertEqual(f.dataLink, 1)
        var out: [(Int64, [UInt8], Int)] = []
        while case .frame(let fr) = f.next() { out.append((fr.timestampMicros, Array(fr.bytes), fr.wireLength)) }
        return out
    }

    /// coreutils' digest of evidence file `file` of `dir`.
    func sha256sum(_ file: String) throws -> String { try Coreutils.sha256sum(dir + "/" + file) }

    func testFlowsGoToTheirOwnFilesAndReadBackWithLibpcap() throws {
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 100, maxBytes: 0))
        XCTAssertTrue(w.open(serial: 1, name: name(t0, "a"), startMicros: t0, linkType: 1, now: t0))
        XCTAssertTrue(w.open(serial: 2, name: name(t0 + 1, "b"), startMicros: t0 + 1, linkType: 1, now: t0))
        for n in 0..<5 as Range<UInt8> {
            write(w, 1, 1, n, at: t0 + Int64(n) * 1000)
            write(w, 2, 2, n, at: t0 + 1 + Int64(n) * 1000)
        }
        write(w, 3, 3, 0, at: t0)  // no file for flow 3: ignored
        let a = try XCTUnwrap(w.close(serial: 1, reason: .flowEnd))
        let b = try XCTUnwrap(w.closeAll(reason: .endOfRun).first)
        XCTAssertEqual(a.packets, 5)
        XCTAssertEqual(a.reason, .flowEnd)
        XCTAssertEqual(b.reason, .endOfRun)
        XCTAssertEqual(a.bytes, 24 + 5 * (16 + 60))
        for (c, flow) in [(a, UInt8(1)), (b, UInt8(2))] {
            let packets = try readBack(c.file)
            XCTAssertEqual(packets.count, 5)
            for (i, p) in packets.enumerated() {
                XCTAssertEqual(p.bytes, frame(flow, UInt8(i)), "packet \(i) of \(c.file)")
                XCTAssertEqual(p.wire, 1514)
                XCTAssertEqual(p.micros, t0 + (flow == 2 ? 1 : 0) + Int64(i) * 1000)
            }
            XCTAssertEqual(c.sha256, try sha256sum(c.file))
        }
        XCTAssertEqual(w.stats.files, 2)
        XCTAssertEqual(w.stats.packets, 10)
        XCTAssertEqual(w.openFiles, 0)
    }

    /// From its open to its close a file is a pcap file libpcap reads to a clean end: its header is on disk
    /// once `open` has returned, before any packet, and the packets waiting in memory add only whole
    /// records. A run killed meanwhile leaves that (operations.md, *What survives a crash*), and a full
    /// disk shows at the open, before the alert names the file. Holding the header back to go out with
    /// the first packets (one `write` a file fewer) would leave an empty file behind a kill.
    func testAnOpenFileIsAPcapFileWithItsHeaderOnDisk() throws {
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 100, maxBytes: 0))
        let file = name(t0, "open")
        XCTAssertTrue(w.open(serial: 1, name: file, startMicros: t0, linkType: 1, now: t0))
        let header = try dumped([])
        XCTAssertEqual(header.count, 24)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file)), header, "on disk at the open")
        var given: [[UInt8]] = []
        for n in 0..<5 as Range<UInt8> {
            write(w, 1, 1, n, at: t0 + Int64(n))
            given.append(frame(1, n))
            let onDisk = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))
            XCTAssertEqual(onDisk.prefix(24), header, "after packet \(n)")
            // libpcap reads it to a clean end: a header, then whole records of the packets given.
            let f = try PcapFile(path: dir + "/" + file)
            var back: [[UInt8]] = []
            var clean = false
            reading: while true {
                switch f.next() {
                case .frame(let fr): back.append(Array(fr.bytes))
                case .end:
                    clean = true
                    break reading
                case .error: break reading
                }
            }
            XCTAssertTrue(clean, "after packet \(n)")
            XCTAssertEqual(back, Array(given.prefix(back.count)), "after packet \(n)")
        }
        let c = try XCTUnwrap(w.close(serial: 1, reason: .flowEnd))
        XCTAssertEqual(try readBack(file).map(\.bytes), given)
        XCTAssertEqual(c.sha256, try sha256sum(file))
    }

    /// Raw IP (LINKTYPE_RAW, 101 in files) goes through libpcap as DLT_RAW and reads back as raw IP.
    func testRawIPCapturesKeepTheirLinkType() throws {
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 10, maxBytes: 0))
        let dlt = EvidenceWriter.dataLink(for: .raw)
        XCTAssertTrue(w.open(serial: 1, name: name(t0, "raw"), startMicros: t0, linkType: dlt, now: t0))
        let packet: [UInt8] = [0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
        _ = packet.withUnsafeBytes { w.write(serial: 1, timestampMicros: t0, bytes: $0, wireLength: 20, linkType: dlt) }
        let c = try XCTUnwrap(w.close(serial: 1, reason: .flowEnd))
        XCTAssertEqual(c.packets, 1)
        let f = try PcapFile(path: dir + "/" + c.file)
        XCTAssertEqual(f.linkType, .raw)
        guard case .frame(let fr) = f.next() else { return XCTFail("no packet in \(c.file)") }
        XCTAssertEqual(Array(fr.bytes), packet)
        XCTAssertEqual(EvidenceWriter.dataLink(for: .ethernet), 1)
    }

    func testTheCapClosesTheFileAndLaterPacketsAreIgnored() throws {
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 3, maxBytes: 0))
        XCTAssertTrue(w.open(serial: 7, name: name(t0, "cap"), startMicros: t0, linkType: 1, now: t0))
        XCTAssertNil(write(w, 7, 7, 0, at: t0))
        XCTAssertNil(write(w, 7, 7, 1, at: t0 + 1))
        let closed = try XCTUnwrap(write(w, 7, 7, 2, at: t0 + 2))
        XCTAssertEqual(closed.reason, .packetCap)
        XCTAssertEqual(closed.packets, 3)
        XCTAssertNil(write(w, 7, 7, 3, at: t0 + 3))
        XCTAssertEqual(try readBack(closed.file).count, 3)
    }

    /// A pcap file holds one link type: a packet of another (captures of two link types merged) is left
    /// out, counted apart from the budget's skipped packets, in the file's `Closed` too, and said once.
    func testAPacketOfAnotherLinkTypeIsLeftOutCountedAndSaidOnce() throws {
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 10, maxBytes: 0))
        var said: [String] = []
        w.onProblem = { said.append($0) }
        _ = w.open(serial: 1, name: name(t0, "lt"), startMicros: t0, linkType: 1, now: t0)
        write(w, 1, 1, 0, at: t0)
        write(w, 1, 1, 1, at: t0, linkType: 113)
        write(w, 1, 1, 2, at: t0, linkType: 113)
        let c = try XCTUnwrap(w.close(serial: 1, reason: .flowEnd))
        XCTAssertEqual(c.packets, 1)
        XCTAssertEqual(c.leftOut, 2)
        XCTAssertNotNil(c.sha256)
        XCTAssertEqual(w.stats.otherLinkTypePackets, 2)
        XCTAssertEqual(w.stats.skippedPackets, 0)
        XCTAssertEqual(said.count, 1)
        // Named as libpcap names them (113 is DLT_LINUX_SLL), as the pcapng messages name link types.
        XCTAssertTrue(said.first?.contains("link type EN10MB") ?? false, "\(said)")
        XCTAssertTrue(said.first?.contains("link type LINUX_SLL") ?? false, "\(said)")
    }

    /// Flow `id`'s file, started at `start` with one packet and closed at once; false when it could not be
    /// opened (the budget or the file cap).
    func oneFile(_ w: EvidenceWriter, _ id: UInt64, at start: Int64) -> Bool {
        let ok = w.open(serial: id, name: name(start, "f\(id)"), startMicros: start, linkType: 1, now: start)
        if ok { write(w, id, UInt8(id), 0, at: start) }
        _ = w.close(serial: id, reason: .flowEnd)
        return ok
    }

    /// Budget for about three files of one packet: the oldest goes first, but never one whose flow started
    /// within the last hour; when only recent files remain, packets are skipped instead.
    func testBudgetRemovesTheOldestButNeverTheLastHour() throws {
        let perFile: UInt64 = 24 + 16 + 60
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 10, maxBytes: 3 * perFile))
        func one(_ id: UInt64, at start: Int64) -> Bool { oneFile(w, id, at: start) }
        XCTAssertTrue(one(1, at: t0))
        XCTAssertTrue(one(2, at: t0 + 10))
        XCTAssertTrue(one(3, at: t0 + 2 * hour))
        // Full. File 1 and 2 started more than an hour before this one: the oldest, 1, goes.
        XCTAssertTrue(one(4, at: t0 + 2 * hour + 20))
        var names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        XCTAssertEqual(names, [name(t0 + 10, "f2"), name(t0 + 2 * hour, "f3"), name(t0 + 2 * hour + 20, "f4")])
        XCTAssertEqual(w.stats.removed, 1)
        XCTAssertEqual(w.bytesOnDisk, 3 * perFile)
        // Next: 2 goes; then only files of the last hour are left, so the one after cannot be made.
        XCTAssertTrue(one(5, at: t0 + 2 * hour + 30))
        XCTAssertFalse(one(6, at: t0 + 2 * hour + 40))
        names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        XCTAssertEqual(
            names, [name(t0 + 2 * hour, "f3"), name(t0 + 2 * hour + 20, "f4"), name(t0 + 2 * hour + 30, "f5")])
        XCTAssertEqual(w.stats.removed, 2)
    }

    /// The file cap: the oldest go first, never one of the last hour; when all are recent, an alert gets no
    /// file (counted, said once).
    func testTheFileCapRemovesTheOldestButNeverTheLastHour() throws {
        var limits = EvidenceWriter.Limits(perFlowPackets: 10, maxBytes: 0)
        limits.maxFiles = 3
        let w = try EvidenceWriter(directory: dir, limits: limits)
        var problems: [String] = []
        w.onProblem = { problems.append($0) }
        func one(_ id: UInt64, at start: Int64) -> Bool { oneFile(w, id, at: start) }
        XCTAssertTrue(one(1, at: t0))
        XCTAssertTrue(one(2, at: t0 + 1))
        XCTAssertTrue(one(3, at: t0 + 2))
        XCTAssertFalse(one(4, at: t0 + 10), "three files of the last hour: no room")
        XCTAssertFalse(one(5, at: t0 + 20))
        XCTAssertEqual(w.stats.skippedFiles, 2)
        XCTAssertEqual(problems.count, 1, "\(problems)")
        XCTAssertTrue(one(6, at: t0 + 2 * hour), "an hour later the oldest can go")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: dir).sorted(),
            [name(t0 + 1, "f2"), name(t0 + 2, "f3"), name(t0 + 2 * hour, "f6")])
        XCTAssertEqual(w.stats.removed, 1)
    }

    /// A flood of distinct violating flows, one a minute: at a cap of 100 files the directory and what the
    /// writer remembers of it never hold more, and every file beyond is the oldest removed, counted.
    func testAFloodOfViolatingFlowsKeepsTheFilesWithinTheCap() throws {
        var limits = EvidenceWriter.Limits(perFlowPackets: 10, maxBytes: 0)
        limits.maxFiles = 100
        let w = try EvidenceWriter(directory: dir, limits: limits)
        var most = 0
        for i in 0..<1000 {
            let start = t0 + Int64(i) * 60_000_000
            let id = UInt64(i + 1)
            XCTAssertTrue(
                w.open(serial: id, name: name(start, "f\(i)"), startMicros: start, linkType: 1, now: start))
            write(w, id, UInt8(i & 0xff), 0, at: start)
            _ = w.close(serial: id, reason: .flowEnd)
            most = max(most, w.stored.count - w.storedHead, w.storedNames.count)
        }
        XCTAssertEqual(most, 100)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).count, 100)
        XCTAssertEqual(w.stats.removed, 900)
        XCTAssertEqual(w.stats.skippedFiles, 0)
        XCTAssertLessThanOrEqual(w.stored.count, 100 + 1024, "the deleted front is compacted")
    }

    func testEarlierRunsFilesCountAndOthersAreLeftAlone() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let old = name(t0, "earlier")
        try Data(count: 500).write(to: URL(fileURLWithPath: dir + "/" + old))
        try Data(count: 500).write(to: URL(fileURLWithPath: dir + "/notes.txt"))
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 10, maxBytes: 600))
        XCTAssertEqual(w.bytesOnDisk, 500)
        XCTAssertTrue(
            w.open(
                serial: 1, name: name(t0 + 2 * hour, "new"), startMicros: t0 + 2 * hour, linkType: 1, now: t0 + 2 * hour
            ))
        write(w, 1, 1, 0, at: t0 + 2 * hour)
        write(w, 1, 1, 1, at: t0 + 2 * hour)
        _ = w.closeAll(reason: .endOfRun)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        XCTAssertEqual(names, [name(t0 + 2 * hour, "new"), "notes.txt"])
    }

    /// What libpcap's `pcap_dump` writes for `packets` (time, bytes, original length) on Ethernet.
    func dumped(_ packets: [(Int64, [UInt8], Int)]) throws -> Data {
        let reference = dir + "/reference-\(UUID().uuidString).pcap"
        defer { unlink(reference) }
        let dead = try XCTUnwrap(pcap_open_dead_with_tstamp_precision(1, 262_144, UInt32(PCAP_TSTAMP_PRECISION_MICRO)))
        defer { pcap_close(dead) }
        let dumper = try XCTUnwrap(pcap_dump_open(dead, reference))
        for (t, bytes, wire) in packets {
            var h = pcap_pkthdr()
            h.ts.tv_sec = Int(t / 1_000_000)
            h.ts.tv_usec = Int(t % 1_000_000)
            h.caplen = UInt32(bytes.count)
            h.len = UInt32(wire)
            bytes.withUnsafeBufferPointer { pcap_dump(UnsafeMutablePointer<UInt8>(dumper), &h, $0.baseAddress) }
        }
        pcap_dump_close(dumper)
        return try Data(contentsOf: URL(fileURLWithPath: reference))
    }

    /// A replay into the same directory again makes files of the same names: each new one is written under
    /// a temporary name and renamed over the earlier one when it closes whole, so until then (a run killed
    /// meanwhile leaves this) the earlier file is whole under its name. Whether the old file was longer or
    /// shorter, the new one is byte for byte what pcap_dump writes, its hash is sha256sum's, and the budget
    /// counts its new size. A temporary a killed run left is removed by the next run's scan.
    func testAFileOfAnEarlierRunIsReplacedWhole() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let long = name(t0, "long")
        let short = name(t0 + 1, "short")
        try Data(repeating: 0xa5, count: 10_000).write(to: URL(fileURLWithPath: dir + "/" + long))
        try Data(repeating: 0x5a, count: 10).write(to: URL(fileURLWithPath: dir + "/" + short))
        let olds = [long: Data(repeating: 0xa5, count: 10_000), short: Data(repeating: 0x5a, count: 10)]
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 100, maxBytes: 0))
        XCTAssertEqual(w.bytesOnDisk, 10_010)
        var sizes: UInt64 = 0
        for (k, file) in [long, short].enumerated() {
            let id = UInt64(k + 1)
            let start = t0 + Int64(k)
            XCTAssertTrue(w.open(serial: id, name: file, startMicros: start, linkType: 1, now: start))
            // While the new file is open (a run killed now leaves this), the old one is whole at its name.
            let open = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))
            XCTAssertEqual(open, olds[file], "the earlier file while the new one is open: \(file)")
            let partial = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + EvidenceWriter.temporaryName(file)))
            XCTAssertEqual(partial, try dumped([]).prefix(24), "the new header under the temporary name: \(file)")
            var packets: [(Int64, [UInt8], Int)] = []
            for n in 0..<3 as Range<UInt8> {
                let t = start + Int64(n) * 1000
                write(w, id, UInt8(k), n, at: t)
                packets.append((t, frame(UInt8(k), n), 1514))
            }
            let c = try XCTUnwrap(w.close(serial: id, reason: .flowEnd))
            XCTAssertNil(c.error, file)
            let ours = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))
            XCTAssertEqual(ours, try dumped(packets), file)
            XCTAssertEqual(c.bytes, UInt64(ours.count))
            XCTAssertEqual(c.sha256, try sha256sum(file))
            XCTAssertEqual(try readBack(file).map(\.bytes), packets.map(\.1))
            sizes += c.bytes
        }
        XCTAssertEqual(w.bytesOnDisk, sizes, "the budget counts the new files, not the old ones")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), [long, short])
        // A killed run's temporary is removed by the next scan; a file merely named alike is left alone.
        let leftover = EvidenceWriter.temporaryName(long)
        try Data(repeating: 0x11, count: 100).write(to: URL(fileURLWithPath: dir + "/" + leftover))
        try Data(repeating: 0x22, count: 100).write(to: URL(fileURLWithPath: dir + "/notes.pcap.partial"))
        let again = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 100, maxBytes: 0))
        XCTAssertEqual(again.bytesOnDisk, sizes)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), [long, short, "notes.pcap.partial"])
    }

    /// Two flows whose files would have the same name (the same start and Community ID: the same 5-tuple on
    /// two VLANs) cannot share one file, at once or one after the other in a run: the second gets none and
    /// says why, and the first is hashed as it lies on disk and stays so. Two writers of one file each
    /// vouched for bytes the other then wrote over, and a later one replaced a file whose hash was given.
    /// The next run (a replay into the same directory again) replaces it.
    func testAnotherFlowOfAFilesNameGetsNoFileInTheSameRun() throws {
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 100, maxBytes: 0))
        let file = name(t0, "same")
        XCTAssertTrue(w.open(serial: 1, name: file, startMicros: t0, linkType: 1, now: t0))
        XCTAssertFalse(w.open(serial: 2, name: file, startMicros: t0, linkType: 1, now: t0))
        XCTAssertTrue(
            w.lastOpenError?.contains("was made for another flow") == true, "\(w.lastOpenError ?? "nil")")
        for n in 0..<3 as Range<UInt8> { write(w, 1, 1, n, at: t0 + Int64(n)) }
        write(w, 2, 2, 0, at: t0 + 5)
        let c = try XCTUnwrap(w.close(serial: 1, reason: .flowEnd))
        XCTAssertNil(w.close(serial: 2, reason: .flowEnd))
        XCTAssertEqual(c.packets, 3)
        // Closed, it is not replaced later in the run either.
        XCTAssertFalse(w.open(serial: 3, name: file, startMicros: t0, linkType: 1, now: t0 + 10))
        write(w, 3, 3, 0, at: t0 + 10)
        XCTAssertNil(w.close(serial: 3, reason: .flowEnd))
        XCTAssertEqual(c.sha256, try sha256sum(file))
        XCTAssertEqual(try readBack(file).map(\.bytes), (0..<3 as Range<UInt8>).map { frame(1, $0) })
        let next = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 100, maxBytes: 0))
        XCTAssertTrue(next.open(serial: 1, name: file, startMicros: t0, linkType: 1, now: t0))
        write(next, 1, 4, 0, at: t0)
        let again = try XCTUnwrap(next.close(serial: 1, reason: .flowEnd))
        XCTAssertEqual(again.sha256, try sha256sum(file))
        XCTAssertEqual(try readBack(file).map(\.bytes), [frame(4, 0)])
    }

    /// A long flow's records go out before they would take its buffer past `bufferBytes`: the buffer does
    /// not grow beyond it, and the file is whole and hashed.
    func testALongFlowsBufferStaysWithinItsSize() throws {
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 1_000, maxBytes: 0))
        XCTAssertTrue(w.open(serial: 1, name: name(t0, "long"), startMicros: t0, linkType: 1, now: t0))
        var given: [[UInt8]] = []
        for n in 0..<200 {
            let bytes = frame(1, UInt8(n & 0xff), length: 1_400)
            given.append(bytes)
            _ = bytes.withUnsafeBytes {
                w.write(serial: 1, timestampMicros: t0 + Int64(n), bytes: $0, wireLength: 1_400, linkType: 1)
            }
            let pending = try XCTUnwrap(w.files[1]).pending
            XCTAssertLessThanOrEqual(pending.count, EvidenceWriter.bufferBytes, "after packet \(n)")
            XCTAssertLessThanOrEqual(pending.capacity, EvidenceWriter.bufferBytes, "after packet \(n)")
        }
        let c = try XCTUnwrap(w.close(serial: 1, reason: .flowEnd))
        XCTAssertEqual(c.bytes, UInt64(24 + 200 * (16 + 1_400)))
        XCTAssertEqual(try readBack(c.file).map(\.bytes), given)
        XCTAssertEqual(c.sha256, try sha256sum(c.file))
        XCTAssertEqual(w.bytesOnDisk, c.bytes)
    }

    /// Bytes in the file that this writer did not write (another process writing to it) are not cut off
    /// and hashed away: the file closes with an error and no hash.
    func testBytesWrittenByAnotherMeanNoHash() throws {
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 100, maxBytes: 0))
        let file = name(t0, "shared")
        XCTAssertTrue(w.open(serial: 1, name: file, startMicros: t0, linkType: 1, now: t0))
        write(w, 1, 1, 0, at: t0)
        let other = open(dir + "/" + file, O_WRONLY | O_APPEND)
        XCTAssertGreaterThanOrEqual(other, 0)
        XCTAssertEqual(
            [UInt8](repeating: 0xee, count: 500).withUnsafeBytes { Glibc.write(other, $0.baseAddress, 500) }, 500)
        Glibc.close(other)
        let c = try XCTUnwrap(w.close(serial: 1, reason: .flowEnd))
        XCTAssertNil(c.sha256)
        XCTAssertTrue(c.error?.contains("the file holds") == true, "\(c.error ?? "nil")")
    }

    /// A file removed while it is written (by hand on a full disk, or a cleanup job) keeps its size on the
    /// open descriptor, and used to be hashed and counted whole though it is on no disk. Now it gets no
    /// hash and holds nothing by its record; its packets count as lost and its bytes leave the budget. The
    /// first such file is said, and the count at the end of the run.
    func testAFileRemovedWhileItIsWrittenGetsNoHash() throws {
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 100, maxBytes: 0))
        var problems: [String] = []
        w.onProblem = { problems.append($0) }
        for id in 1...2 as ClosedRange<UInt64> {
            let file = name(t0 + Int64(id), "removed\(id)")
            XCTAssertTrue(w.open(serial: id, name: file, startMicros: t0 + Int64(id), linkType: 1, now: t0))
            for n in 0..<3 as Range<UInt8> { write(w, id, UInt8(id), n, at: t0 + Int64(n)) }
            XCTAssertEqual(unlink(dir + "/" + file), 0)
            let c = try XCTUnwrap(w.close(serial: id, reason: .flowEnd))
            XCTAssertNil(c.sha256, "a file not on disk is never vouched for")
            let error = try XCTUnwrap(c.error)
            XCTAssertTrue(error.hasPrefix("removed while it was being written, after 3 packets"), error)
            XCTAssertEqual(c.packets, 0)
            XCTAssertEqual(c.bytes, 0)
        }
        XCTAssertEqual(w.stats.hashed, 0)
        XCTAssertEqual(w.stats.incomplete, 2)
        XCTAssertEqual(w.stats.files, 2)
        XCTAssertEqual(w.stats.lostPackets, 6)
        XCTAssertEqual(w.stats.packets, 0)
        XCTAssertEqual(w.stats.bytes, 0)
        XCTAssertEqual(w.bytesOnDisk, 0)
        XCTAssertEqual(problems.count, 1, "\(problems)")
        XCTAssertTrue(problems.first?.contains("removed while it was being written") == true, "\(problems)")
        w.sayWhatWasCounted()
        XCTAssertEqual(problems.count, 2, "\(problems)")
        XCTAssertTrue(problems.last?.contains("2 files were removed, moved or replaced") == true, "\(problems)")
    }

    /// A file moved away while it is written, and one whose name then leads to another file: neither is
    /// what the name holds, and neither gets a hash.
    func testAFileMovedOrReplacedWhileItIsWrittenGetsNoHash() throws {
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 100, maxBytes: 0))
        let moved = name(t0, "moved")
        let replaced = name(t0 + 1, "replaced")
        XCTAssertTrue(w.open(serial: 1, name: moved, startMicros: t0, linkType: 1, now: t0))
        XCTAssertTrue(w.open(serial: 2, name: replaced, startMicros: t0 + 1, linkType: 1, now: t0))
        write(w, 1, 1, 0, at: t0)
        write(w, 2, 2, 0, at: t0)
        XCTAssertEqual(rename(dir + "/" + moved, dir + "/elsewhere.pcap"), 0)
        XCTAssertEqual(rename(dir + "/" + replaced, dir + "/aside.pcap"), 0)
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/" + replaced, contents: Data(count: 24)))
        let a = try XCTUnwrap(w.close(serial: 1, reason: .flowEnd))
        let b = try XCTUnwrap(w.close(serial: 2, reason: .flowEnd))
        XCTAssertNil(a.sha256)
        XCTAssertTrue(a.error?.hasPrefix("no longer at its name after 1 packets") == true, "\(a.error ?? "nil")")
        XCTAssertNil(b.sha256)
        XCTAssertTrue(
            b.error?.hasPrefix("its name leads to another file after 1 packets") == true, "\(b.error ?? "nil")")
        XCTAssertEqual(w.stats.incomplete, 2)
        XCTAssertEqual(w.stats.hashed, 0)
    }

    /// The evidence directory removed while the run goes on: the files open in it get no hash, and the
    /// directory is made again (said once) so later alerts get their files, whole and hashed.
    func testARemovedDirectoryIsMadeAgainAndItsOpenFilesGetNoHash() throws {
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 100, maxBytes: 0))
        var problems: [String] = []
        w.onProblem = { problems.append($0) }
        let earlier = name(t0, "closed-before")
        XCTAssertTrue(w.open(serial: 1, name: earlier, startMicros: t0, linkType: 1, now: t0))
        write(w, 1, 1, 0, at: t0)
        XCTAssertNotNil(try XCTUnwrap(w.close(serial: 1, reason: .flowEnd)).sha256)
        for id in 2...3 as ClosedRange<UInt64> {
            let start = t0 + Int64(id)
            XCTAssertTrue(
                w.open(serial: id, name: name(start, "open\(id)"), startMicros: start, linkType: 1, now: t0))
            write(w, id, UInt8(id), 0, at: start)
        }
        try FileManager.default.removeItem(atPath: dir)
        let later = name(t0 + 10, "later")
        XCTAssertTrue(w.open(serial: 4, name: later, startMicros: t0 + 10, linkType: 1, now: t0 + 10))
        XCTAssertEqual(w.bytesOnDisk, 2 * (24 + 76) + 24, "the removed directory's closed file left the budget")
        write(w, 4, 4, 0, at: t0 + 10)
        for c in w.closeAll(reason: .endOfRun) {
            if c.file == later {
                XCTAssertEqual(c.sha256, try sha256sum(later))
                XCTAssertEqual(try readBack(later).map(\.bytes), [frame(4, 0)])
            } else {
                XCTAssertNil(c.sha256, c.file)
                XCTAssertTrue(c.error?.hasPrefix("removed while it was being written") == true, "\(c.error ?? "nil")")
            }
        }
        XCTAssertEqual(w.stats.hashed, 2)
        XCTAssertEqual(w.stats.incomplete, 2)
        XCTAssertEqual(w.stats.notCreated, 0)
        XCTAssertEqual(w.bytesOnDisk, 24 + 76)
        XCTAssertEqual(problems.filter { $0.contains("made it again") }.count, 1, "\(problems)")
        XCTAssertEqual(problems.filter { $0.contains("removed while it was being written") }.count, 1, "\(problems)")
        XCTAssertEqual(problems.count, 2, "\(problems)")
    }

    /// Files that cannot be created (here the directory and its parent removed, so it cannot be made
    /// again) are said once for their cause, not once an alert; when a file can be made again, one line
    /// says how many alerts got none. It used to say "0 files incomplete so far" after a total loss.
    func testFilesThatCannotBeCreatedAreSaidOnceAndCountedWhenWritingWorksAgain() throws {
        let parent = dir + "/sub"
        let evidence = parent + "/evidence"
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let w = try EvidenceWriter(directory: evidence, limits: .init(perFlowPackets: 100, maxBytes: 0))
        var problems: [String] = []
        w.onProblem = { problems.append($0) }
        try FileManager.default.removeItem(atPath: parent)
        for id in 1...3 as ClosedRange<UInt64> {
            let start = t0 + Int64(id)
            XCTAssertFalse(w.open(serial: id, name: name(start, "x"), startMicros: start, linkType: 1, now: t0))
            let why = try XCTUnwrap(w.lastOpenError)
            XCTAssertEqual(why, "cannot be created: \(evidence)/\(name(start, "x")): No such file or directory")
        }
        XCTAssertEqual(problems.count, 1, "one line for one cause: \(problems)")
        XCTAssertEqual(
            problems.first?.components(separatedBy: evidence + "/").count, 2, "the path once: \(problems)")
        XCTAssertEqual(w.stats.notCreated, 3)
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        XCTAssertTrue(w.open(serial: 4, name: name(t0 + 4, "x"), startMicros: t0 + 4, linkType: 1, now: t0))
        write(w, 4, 4, 0, at: t0 + 4)
        XCTAssertNotNil(try XCTUnwrap(w.close(serial: 4, reason: .flowEnd)).sha256)
        XCTAssertEqual(problems.count, 3, "\(problems)")
        XCTAssertTrue(problems[1].contains("made it again"), problems[1])
        XCTAssertTrue(
            problems[2].contains("files can be created again; since the first failure 3 alerts got no file;"),
            problems[2])
        XCTAssertTrue(problems[2].contains("No such file or directory 3 times"), problems[2])
    }

    /// A replacement refused by the limits (here the file limit, every file recent) leaves the earlier
    /// run's file as it was, on disk and in the budget: it is removed only once the new one is made.
    func testARefusedReplacementKeepsTheEarlierFile() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let earlier = name(t0, "earlier")
        let other = name(t0 + 1, "other")
        let old = Data(repeating: 0xa5, count: 1_000)
        try old.write(to: URL(fileURLWithPath: dir + "/" + earlier))
        try Data(repeating: 0x5a, count: 10).write(to: URL(fileURLWithPath: dir + "/" + other))
        var limits = EvidenceWriter.Limits(perFlowPackets: 100, maxBytes: 0)
        limits.maxFiles = 1
        let w = try EvidenceWriter(directory: dir, limits: limits)
        XCTAssertFalse(w.open(serial: 1, name: earlier, startMicros: t0, linkType: 1, now: t0))
        XCTAssertEqual(w.stats.skippedFiles, 1)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + earlier)), old)
        XCTAssertEqual(w.bytesOnDisk, 1_010, "still counted")
        XCTAssertFalse(w.open(serial: 2, name: earlier, startMicros: t0, linkType: 1, now: t0), "and again")
        XCTAssertEqual(w.bytesOnDisk, 1_010)
    }

    func testNamesCarryTheFlowStart() {
        XCTAssertEqual(EvidenceWriter.startMicros(ofName: "20261120T000000.000000Z_x.pcap"), t0)
        XCTAssertEqual(
            EvidenceWriter.startMicros(ofName: "20261121T013005.000042Z_rule_id.pcap"),
            t0 + 86_400_000_000 + 5_405_000_042)
        XCTAssertNil(EvidenceWriter.startMicros(ofName: "20261120T000000.000000Z_x.txt"))
        XCTAssertNil(EvidenceWriter.startMicros(ofName: "capture.pcap"))
        XCTAssertNil(EvidenceWriter.startMicros(ofName: "2026112xT000000.000000Z_x.pcap"))
    }

    func testADirectoryThatCannotBeUsedIsAnError() throws {
        let file = dir + ".file"
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: file) }
        XCTAssertThrowsError(try EvidenceWriter(directory: file, limits: .init(perFlowPackets: 1, maxBytes: 0))) {
            XCTAssertTrue("\($0)".contains("is not a directory"), "\($0)")
        }
        XCTAssertThrowsError(
            try EvidenceWriter(directory: dir + "/a/b", limits: .init(perFlowPackets: 1, maxBytes: 0))
        ) { XCTAssertTrue("\($0)".contains("cannot create"), "\($0)") }
    }

    /// The writer writes its own records (buffered, hashed as they go out): its files must be byte for
    /// byte what libpcap's `pcap_dump` writes for the same packets, for Ethernet and raw IP, with
    /// timestamps before 1970 and past 2038, snapped lengths and packets longer than the snapshot length.
    func testFilesAreWhatLibpcapsDumperWrites() throws {
        let cases: [(link: Int32, times: [Int64])] = [
            (1, [t0, t0 + 1, t0 + 999_999, -1, -1_000_001, 3_000_000_000_000_000]),
            (EvidenceWriter.dataLink(for: .raw), [t0, t0 + 5]),
        ]
        let w = try EvidenceWriter(directory: dir, limits: .init(perFlowPackets: 100, maxBytes: 0))
        for (k, c) in cases.enumerated() {
            let id = UInt64(k + 1)
            let file = name(t0 + Int64(k), "dump\(k)")
            XCTAssertTrue(w.open(serial: id, name: file, startMicros: t0, linkType: c.link, now: t0))
            let reference = dir + "/reference\(k).pcap"
            let dead = try XCTUnwrap(
                pcap_open_dead_with_tstamp_precision(c.link, 262_144, UInt32(PCAP_TSTAMP_PRECISION_MICRO)))
            let dumper = try XCTUnwrap(pcap_dump_open(dead, reference))
            var packets: [(Int64, [UInt8], Int)] = []
            for (n, t) in c.times.enumerated() {
                packets.append((t, frame(UInt8(k), UInt8(n), length: 60 + n * 100), 1514))
            }
            packets.append((t0 + 9, [UInt8](repeating: 0xab, count: 262_144 + 10), 262_144 + 10))  // over the snaplen
            packets.append((t0 + 10, [UInt8](repeating: 0xcd, count: 70_000), 70_000))  // over the buffer
            for (t, bytes, wire) in packets {
                bytes.withUnsafeBytes {
                    XCTAssertNil(w.write(serial: id, timestampMicros: t, bytes: $0, wireLength: wire, linkType: c.link))
                }
                let secs = t >= 0 ? t / 1_000_000 : (t - 999_999) / 1_000_000
                var h = pcap_pkthdr()
                h.ts.tv_sec = Int(secs)
                h.ts.tv_usec = Int(t - secs * 1_000_000)
                h.caplen = UInt32(min(bytes.count, 262_144))
                h.len = UInt32(wire)
                bytes.withUnsafeBufferPointer { pcap_dump(UnsafeMutablePointer<UInt8>(dumper), &h, $0.baseAddress) }
            }
            pcap_dump_close(dumper)
            pcap_close(dead)
            let closed = try XCTUnwrap(w.close(serial: id, reason: .flowEnd))
            XCTAssertNil(closed.error)
            let ours = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))
            let theirs = try Data(contentsOf: URL(fileURLWithPath: reference))
            XCTAssertEqual(ours, theirs, "link type \(c.link)")
            XCTAssertEqual(closed.bytes, UInt64(theirs.count))
            XCTAssertEqual(closed.packets, UInt64(packets.count))
            XCTAssertEqual(closed.sha256, try sha256sum(file))
        }
    }
}
