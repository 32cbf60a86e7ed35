import Foundation
import XCTest
import ZonesepCore
import ZonesepTestSupport

@testable import ZonesepCapture

/// The buffered reader must hand over exactly what libpcap does: the same frames (time, captured
/// bytes, wire length) and the same ending (end of file, or libpcap's own error after the same frames),
/// on every capture of the repository and the corpus and on files damaged in every way we could think of.
final class BufferedPcapFileTests: TemporaryDirectoryTestCase {
    /// Everything one reader produced from a file.
    struct Reading: Equatable, CustomStringConvertible {
        var frames: [Frame] = []
        var ending = ""

        struct Frame: Equatable {
            var timestampMicros: Int64
            var wireLength: Int
            var bytes: [UInt8]
        }

        var description: String { "\(frames.count) frames, then \(ending)" }
    }

    static func read(_ next: () -> PcapFile.ReadResult) -> Reading {
        var r = Reading()
        while true {
            switch next() {
            case .frame(let f):
                r.frames.append(
                    .init(timestampMicros: f.timestampMicros, wireLength: f.wireLength, bytes: Array(f.bytes)))
            case .end:
                r.ending = "end"
                return r
            case .error(let e):
                r.ending = "error: \(e.description)"
                return r
            }
        }
    }

    /// libpcap's reading of `path` (or its open error), its refusal of an interface of another link type or
    /// snapshot length worded as the reader words it (`PcapngInterfaceMix`).
    static func libpcap(_ path: String) -> Reading {
        do {
            let f = try PcapFile(path: path)
            return read {
                let r = f.next()
                guard case .error(let e) = r else { return r }
                return .error(PcapngInterfaceMix.explain(e, path: path))
            }
        } catch {
            return Reading(ending: "open: \(error.description)")
        }
    }

    /// The reading of `CaptureFileReader` in `mode`, and whether it started on the buffered reader.
    static func reader(_ path: String, mode: CaptureFileReader.Mode = .auto) -> (Reading, buffered: Bool, link: String)
    {
        do {
            let f = try CaptureFileReader(path: path, mode: mode)
            let buffered = f.isBuffered
            return (read(f.next), buffered, f.dataLinkName)
        } catch {
            return (Reading(ending: "open: \(error.description)"), false, "")
        }
    }

    /// Writes `whole` (holding `count` frames) as `name`, and a copy cut 100 bytes short (one frame fewer) as
    /// `big-cut.…`, and reads each a batch of 64 at a time as a replay does, then to its ending with `next()`:
    /// the reader must start buffered, read in more than `count / 64` batches (the whole file's count for both), and equal libpcap's reading.
    /// Each batch's frames are copied only once the batch is complete: each must still hold its own bytes.
    static func checkBatches(
        of whole: Data, frames count: Int, named name: String, in dir: URL, file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let cut = name.replacingOccurrences(of: "big.", with: "big-cut.")
        for (name, data, frames) in [(name, whole, count), (cut, whole.prefix(whole.count - 100), count - 1)] {
            let path = dir.appendingPathComponent(name).path
            try data.write(to: URL(fileURLWithPath: path))
            let expected = libpcap(path)
            XCTAssertEqual(expected.frames.count, frames, name, file: file, line: line)
            let reader = try CaptureFileReader(path: path)
            XCTAssertTrue(reader.isBuffered, name, file: file, line: line)
            let batch = UnsafeMutableBufferPointer<Verifier.Frame>.allocate(capacity: 64)
            defer { batch.deallocate() }
            var got = Reading()
            var batches = 0
            while true {
                let n = reader.readBatch(into: batch)
                if n == 0 { break }
                batches += 1
                for f in batch[0..<n] {
                    got.frames.append(
                        .init(timestampMicros: f.timestamp, wireLength: f.wireLength, bytes: Array(f.bytes)))
                }
            }
            let rest = read(reader.next)
            got.frames += rest.frames
            got.ending = rest.ending
            XCTAssertEqual(got, expected, name, file: file, line: line)
            XCTAssertGreaterThan(batches, count / 64, name, file: file, line: line)
        }
    }

    static var repositoryRoot: URL {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
            dir.deleteLastPathComponent()
        }
        return dir
    }

    static func files(in dir: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().map { dir.appendingPathComponent($0).path }
            .filter { !$0.hasSuffix(".md") && !$0.hasSuffix(".html") && !$0.hasSuffix(".png") }
    }

    func testSameFramesAsLibpcapOnEveryCapture() throws {
        let root = Self.repositoryRoot
        let corpus = root.appendingPathComponent("Tests/Corpus/tcpdump")
        let paths = Self.files(in: root.appendingPathComponent("captures")) + Self.files(in: corpus)
        XCTAssertGreaterThan(paths.count, 100, "captures/ and Tests/Corpus/tcpdump should be there")
        var buffered = 0
        for path in paths {
            let expected = Self.libpcap(path)
            let (got, wasBuffered, link) = Self.reader(path)
            if wasBuffered { buffered += 1 }
            XCTAssertEqual(got, expected, "\(path): buffered reader \(got), libpcap \(expected)")
            if wasBuffered, let p = try? PcapFile(path: path) {
                XCTAssertEqual(link, p.dataLinkName, path)
            }
        }
        // Most of the corpus is classic pcap of a link type zonesep decodes: the fast path must take those.
        XCTAssertGreaterThan(buffered, 100, "the buffered reader took only \(buffered) of \(paths.count) files")
    }

    // MARK: - Files built byte by byte

    /// A classic pcap file: header fields, then records of (seconds, fraction, caplen, len, data length).
    func pcap(
        magic: UInt32 = 0xa1b2_c3d4, bigEndian: Bool = false, version: (UInt16, UInt16) = (2, 4),
        snaplen: UInt32 = 65535, linkType: UInt32 = 1,
        records: [(sec: UInt32, frac: UInt32, caplen: UInt32, len: UInt32, data: Int)]
    ) -> Data {
        var d = Data()
        func u32(_ v: UInt32) {
            d.append(contentsOf: withUnsafeBytes(of: bigEndian ? v.bigEndian : v.littleEndian, Array.init))
        }
        func u16(_ v: UInt16) {
            d.append(contentsOf: withUnsafeBytes(of: bigEndian ? v.bigEndian : v.littleEndian, Array.init))
        }
        u32(magic)
        u16(version.0)
        u16(version.1)
        u32(0)
        u32(0)
        u32(snaplen)
        u32(linkType)
        for (i, r) in records.enumerated() {
            u32(r.sec)
            u32(r.frac)
            u32(r.caplen)
            u32(r.len)
            d.append(contentsOf: (0..<r.data).map { UInt8(truncatingIfNeeded: $0 &+ i) })
        }
        return d
    }

    /// Writes `data`, then checks both readers agree on it; returns the reading for further checks.
    @discardableResult
    func agree(_ name: String, _ data: Data, buffered: Bool, file: StaticString = #filePath, line: UInt = #line) throws
        -> Reading
    {
        let path = dir.appendingPathComponent(name).path
        try data.write(to: URL(fileURLWithPath: path))
        let expected = Self.libpcap(path)
        let (got, wasBuffered, _) = Self.reader(path)
        XCTAssertEqual(got, expected, "\(name)", file: file, line: line)
        XCTAssertEqual(wasBuffered, buffered, "\(name): buffered reader used", file: file, line: line)
        let (forced, forcedBuffered, _) = Self.reader(path, mode: .libpcap)
        XCTAssertEqual(forced, expected, "\(name) with --reader libpcap", file: file, line: line)
        XCTAssertFalse(forcedBuffered, file: file, line: line)
        return got
    }

    func testPlainLittleAndBigEndianAndNanosecondFiles() throws {
        let records: [(sec: UInt32, frac: UInt32, caplen: UInt32, len: UInt32, data: Int)] = [
            (1_795_132_800, 1, 60, 60, 60), (1_795_132_800, 999_999, 40, 1514, 40), (1_795_132_801, 0, 0, 0, 0),
        ]
        let le = try agree("le.pcap", pcap(records: records), buffered: true)
        XCTAssertEqual(le.frames.count, 3)
        XCTAssertEqual(le.frames[1].wireLength, 1514)
        XCTAssertEqual(le.frames[1].timestampMicros, 1_795_132_800_999_999)
        XCTAssertEqual(le.ending, "end")
        try agree("be.pcap", pcap(bigEndian: true, records: records), buffered: true)
        let nano = try agree(
            "nano.pcap", pcap(magic: 0xa1b2_3c4d, records: [(1_795_132_800, 123_456_789, 10, 10, 10)]), buffered: true)
        XCTAssertEqual(nano.frames.first?.timestampMicros, 1_795_132_800_123_456)
        try agree("nano-be.pcap", pcap(magic: 0xa1b2_3c4d, bigEndian: true, records: records), buffered: true)
    }

    func testOddTimestampsAndLengthsAsLibpcapReportsThem() throws {
        // Seconds past 2038 (libpcap reads them as signed), a fraction past one second, len below caplen.
        try agree(
            "odd.pcap",
            pcap(records: [(0xf000_0000, 5, 20, 20, 20), (7, 2_500_000, 20, 20, 20), (8, 0, 30, 10, 30)]),
            buffered: true)
        try agree(
            "odd-nano.pcap", pcap(magic: 0xa1b2_3c4d, records: [(0x8000_0001, 0xffff_fff0, 4, 4, 4)]), buffered: true)
    }

    /// Several buffers' worth of records of every size up to the largest libpcap takes, read a batch at a
    /// time as a replay does: every frame of a batch is intact when the batch ends (the reader stops a batch
    /// rather than refill under it), and the whole equals libpcap's reading; also when cut mid-record.
    func testBatchesAcrossManyRefillsEqualLibpcap() throws {
        var records: [(sec: UInt32, frac: UInt32, caplen: UInt32, len: UInt32, data: Int)] = []
        var total = 0
        var i: UInt32 = 0
        while total < 5 * BufferedPcapFile.bufferSize {
            let size = i % 97 == 0 ? 262_144 : (i % 5 == 0 ? 1514 : Int(i &* 2_654_435_761 % 601))
            records.append((1_795_132_800 + i, i, UInt32(size), UInt32(size + 4), size))
            total += 16 + size
            i += 1
        }
        try Self.checkBatches(
            of: pcap(snaplen: 262_144, records: records), frames: records.count, named: "big.pcap", in: dir)
    }

    /// `readBatch` keeps a loop for each byte order and time unit: each, read a batch at a time across
    /// refills, equals libpcap's reading (the times of nanosecond files cut to microseconds, big-endian
    /// fields swapped), with fractions past a second, and with the top bit set: negative as libpcap reads
    /// them in a file of the host's byte order, unsigned in a byte-swapped one; wire lengths below captured.
    func testBatchesOfEveryByteOrderAndTimeUnitEqualLibpcap() throws {
        var records: [(sec: UInt32, frac: UInt32, caplen: UInt32, len: UInt32, data: Int)] = []
        var total = 0
        var i: UInt32 = 0
        while total < 3 * BufferedPcapFile.bufferSize {
            let size = i % 89 == 0 ? 262_144 : Int(i &* 2_654_435_761 % 1514)
            let frac: UInt32 = i % 7 == 0 ? 0xffff_fc18 : (i % 11 == 0 ? 1_999_999_999 : i &* 7919 % 1_000_000_000)
            // Now and then a wire length below the captured one (the frame's length is then the captured).
            let len = i % 13 == 0 ? UInt32(size / 2) : UInt32(size + 4)
            records.append((1_795_132_800 + i, frac, UInt32(size), len, size))
            total += 16 + size
            i += 1
        }
        // The last record longer than the 100 bytes `checkBatches` cuts off: the cut copy holds one frame fewer.
        records.append((1_795_132_800 + i, 0, 1514, 1514, 1514))
        for (magic, bigEndian, name) in [
            (UInt32(0xa1b2_c3d4), true, "big.be.pcap"), (0xa1b2_3c4d, false, "big.nano.pcap"),
            (0xa1b2_3c4d, true, "big.nano-be.pcap"),
        ] {
            try Self.checkBatches(
                of: pcap(magic: magic, bigEndian: bigEndian, snaplen: 262_144, records: records),
                frames: records.count, named: name, in: dir)
        }
    }

    func testDamagedFilesEndWithLibpcapsErrorAfterTheSameFrames() throws {
        let good: [(sec: UInt32, frac: UInt32, caplen: UInt32, len: UInt32, data: Int)] = [
            (1, 0, 60, 60, 60), (2, 0, 60, 60, 60),
        ]
        let whole = pcap(records: good)
        // Cut inside the second record's data, and inside its header.
        let cutData = try agree("cut-data.pcap", whole.prefix(whole.count - 7), buffered: true)
        XCTAssertEqual(cutData.frames.count, 1)
        XCTAssertTrue(cutData.ending.hasPrefix("error: "), cutData.ending)
        let cutHeader = try agree("cut-header.pcap", whole.prefix(24 + 76 + 9), buffered: true)
        XCTAssertEqual(cutHeader.frames.count, 1)
        XCTAssertTrue(cutHeader.ending.hasPrefix("error: "), cutHeader.ending)
        // A record longer than the file's snapshot length (libpcap cuts it), and one beyond any sane length.
        try agree(
            "over-snaplen.pcap", pcap(snaplen: 50, records: [(1, 0, 40, 40, 40), (2, 0, 60, 60, 60), (3, 0, 4, 4, 4)]),
            buffered: true)
        let huge = try agree(
            "huge.pcap", pcap(snaplen: 0, records: [(1, 0, 40, 40, 40), (2, 0, 300_000, 300_000, 16)]), buffered: true)
        XCTAssertEqual(huge.frames.count, 1)
        XCTAssertTrue(huge.ending.hasPrefix("error: "), huge.ending)
        // Only the file header, and less than that.
        try agree("header-only.pcap", pcap(records: []), buffered: true)
        try agree("short.pcap", pcap(records: []).prefix(10), buffered: false)
        try agree("empty.pcap", Data(), buffered: false)
    }

    func testFilesTheBufferedReaderLeavesToLibpcap() throws {
        let one: [(sec: UInt32, frac: UInt32, caplen: UInt32, len: UInt32, data: Int)] = [(1, 0, 20, 20, 20)]
        try agree("v2.3.pcap", pcap(version: (2, 3), records: one), buffered: false)
        try agree("fcs.pcap", pcap(linkType: 1 | 0x1000_0000, records: one), buffered: false)
        try agree("ieee80211.pcap", pcap(linkType: 105, records: one), buffered: false)
        try agree("sll-be.pcap", pcap(bigEndian: true, linkType: 113, records: one), buffered: false)
        try agree("garbage.pcap", Data(repeating: 0x5a, count: 100), buffered: false)
        // LINKTYPE_RAW is DLT_RAW once opened, for both readers.
        try agree("raw.pcap", pcap(linkType: 101, records: one), buffered: true)
        XCTAssertEqual(Self.reader(dir.appendingPathComponent("raw.pcap").path).link, "RAW")
        XCTAssertEqual(Self.reader(dir.appendingPathComponent("missing.pcap").path).0.ending.hasPrefix("open: "), true)
    }
}
