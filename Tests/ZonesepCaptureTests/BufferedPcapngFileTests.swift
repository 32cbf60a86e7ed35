import Foundation
import XCTest
import ZonesepCore
import ZonesepTestSupport

@testable import ZonesepCapture

/// The pcapng reader must hand over exactly what libpcap does — the same frames (time, captured bytes,
/// wire length) and the same ending — on every pcapng file of the repository and the corpus, on files
/// written by Wireshark's own tools, and on files built block by block to reach every branch: both byte
/// orders, every timestamp resolution and offset, several interfaces, skipped blocks and damage.
final class BufferedPcapngFileTests: TemporaryDirectoryTestCase {
    typealias Reading = BufferedPcapFileTests.Reading

    /// Checks that the reader and libpcap agree on `path`, in both modes; returns the reading.
    @discardableResult
    func agree(path: String, buffered: Bool?, file: StaticString = #filePath, line: UInt = #line) -> Reading {
        let expected = BufferedPcapFileTests.libpcap(path)
        let (got, wasBuffered, link) = BufferedPcapFileTests.reader(path)
        XCTAssertEqual(got, expected, "\((path as NSString).lastPathComponent)", file: file, line: line)
        if let buffered {
            XCTAssertEqual(wasBuffered, buffered, "\(path): buffered reader used", file: file, line: line)
        }
        if wasBuffered, let p = try? PcapFile(path: path) {
            XCTAssertEqual(link, p.dataLinkName, path, file: file, line: line)
        }
        let (forced, forcedBuffered, _) = BufferedPcapFileTests.reader(path, mode: .libpcap)
        XCTAssertEqual(forced, expected, "\(path) with --reader libpcap", file: file, line: line)
        XCTAssertFalse(forcedBuffered, file: file, line: line)
        return got
    }

    /// Writes `data` as `name` in the test directory, then `agree`s on it.
    @discardableResult
    func agree(_ name: String, _ data: Data, buffered: Bool, file: StaticString = #filePath, line: UInt = #line)
        throws -> Reading
    {
        let path = dir.appendingPathComponent(name).path
        try data.write(to: URL(fileURLWithPath: path))
        return agree(path: path, buffered: buffered, file: file, line: line)
    }

    /// Whether the reader that opens `path` is the pcapng one.
    static func takenByPcapngReader(_ path: String) -> Bool {
        guard let r = try? CaptureFileReader(path: path) else { return false }
        return r.bufferedNG != nil
    }

    func testSameFramesAsLibpcapOnEveryPcapngOfTheRepositoryAndCorpus() throws {
        let root = BufferedPcapFileTests.repositoryRoot
        let corpus = root.appendingPathComponent("Tests/Corpus/tcpdump")
        let paths =
            (BufferedPcapFileTests.files(in: root.appendingPathComponent("captures"))
            + BufferedPcapFileTests.files(in: corpus)).filter { $0.hasSuffix(".pcapng") }
        XCTAssertGreaterThan(paths.count, 20, "captures/ and the corpus should hold pcapng files")
        var taken = 0
        for path in paths {
            agree(path: path, buffered: nil)
            if Self.takenByPcapngReader(path) { taken += 1 }
        }
        // All but the Cisco HDLC file (a link type zonesep does not decode) are Ethernet or Linux cooked.
        XCTAssertGreaterThanOrEqual(taken, paths.count - 1, "the pcapng reader took only \(taken) of \(paths.count)")
    }

    // MARK: - Files written by Wireshark's tools

    /// Runs a tool of Wireshark's (editcap, mergecap); fails the test when it does not succeed.
    func tool(_ name: String, _ args: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/\(name)")
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        p.standardError = err
        try p.run()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(
            p.terminationStatus, 0, "\(name) \(args): \(String(decoding: message, as: UTF8.self))", file: file,
            line: line)
    }

    func testFilesWrittenByEditcapAndMergecap() throws {
        let captures = BufferedPcapFileTests.repositoryRoot.appendingPathComponent("captures")
        let pcap = captures.appendingPathComponent("span-0015.pcap").path
        let other = captures.appendingPathComponent("span-2330.pcap").path
        func out(_ name: String) -> String { dir.appendingPathComponent(name).path }
        // Microseconds (no if_tsresol), nanoseconds (if_tsresol 9), with a section comment and packet
        // comments (options in the SHB and in EPBs), cut to a snapshot length, chopped.
        try tool("editcap", ["-F", "pcapng", pcap, out("us.pcapng")])
        try tool("editcap", ["-F", "nsecpcap", pcap, out("ns.pcap")])
        try tool("editcap", ["-F", "pcapng", out("ns.pcap"), out("ns.pcapng")])
        try tool(
            "editcap",
            [
                "-F", "pcapng", "--capture-comment", "audit copy", "-a", "1:first", "-a", "3:third", pcap,
                out("comments.pcapng"),
            ])
        try tool("editcap", ["-F", "pcapng", "-s", "80", pcap, out("snap80.pcapng")])
        // Two interfaces (one in ns, one in µs, 0.5 s later) merged in time order, and concatenated.
        try tool("editcap", ["-F", "pcapng", "-t", "0.5", pcap, out("shifted.pcapng")])
        try tool(
            "mergecap",
            ["-F", "pcapng", "-I", "none", "-w", out("two.pcapng"), out("ns.pcapng"), out("shifted.pcapng")])
        try tool(
            "mergecap",
            ["-F", "pcapng", "-a", "-I", "none", "-w", out("two-cat.pcapng"), out("us.pcapng"), out("ns.pcapng")])
        for name in ["us", "ns", "comments", "snap80", "two", "two-cat"] {
            let r = agree(path: out("\(name).pcapng"), buffered: true)
            XCTAssertEqual(r.ending, "end", name)
            XCTAssertTrue(Self.takenByPcapngReader(out("\(name).pcapng")), name)
            XCTAssertGreaterThan(r.frames.count, 10, name)
        }
        // Nanosecond files keep the sub-microsecond part out of the microseconds, as libpcap does.
        let ns = agree(path: out("ns.pcapng"), buffered: true)
        let us = agree(path: out("us.pcapng"), buffered: true)
        XCTAssertEqual(ns.frames.map(\.timestampMicros), us.frames.map(\.timestampMicros))
        // A file of Ethernet and raw-IP interfaces: libpcap refuses the second interface, and so the reader
        // hands over to it there (after the same frames).
        try tool("editcap", ["-F", "pcapng", "-T", "rawip", "-C", "14", pcap, out("raw.pcapng")])
        try tool(
            "mergecap", ["-F", "pcapng", "-I", "none", "-w", out("mixed.pcapng"), out("us.pcapng"), out("raw.pcapng")])
        let mixed = agree(path: out("mixed.pcapng"), buffered: true)
        XCTAssertTrue(mixed.ending.hasPrefix("error: "), mixed.ending)
        // Two captures of different snapshot lengths (256 and none): libpcap refuses that too.
        try tool("editcap", ["-F", "pcapng", other, out("other.pcapng")])
        try tool(
            "mergecap",
            ["-F", "pcapng", "-I", "none", "-w", out("snaplens.pcapng"), out("us.pcapng"), out("other.pcapng")])
        let snaplens = agree(path: out("snaplens.pcapng"), buffered: true)
        XCTAssertTrue(snaplens.ending.hasPrefix("error: "), snaplens.ending)
    }

    // MARK: - Files built block by block

    /// A pcapng file written block by block, in either byte order.
    struct Pcapng {
        var bigEndian = false
        var data = Data()

        mutating func u16(_ v: UInt16) { append(bigEndian ? v.bigEndian : v.littleEndian) }
        mutating func u32(_ v: UInt32) { append(bigEndian ? v.bigEndian : v.littleEndian) }
        mutating func u64(_ v: UInt64) { append(bigEndian ? v.bigEndian : v.littleEndian) }
        mutating func append<T>(_ v: T) { data.append(contentsOf: withUnsafeBytes(of: v, Array.init)) }

        /// An option's bytes: code, length, value padded to 32 bits.
        func option(_ code: UInt16, _ value: [UInt8]) -> [UInt8] {
            var o = Pcapng(bigEndian: bigEndian)
            o.u16(code)
            o.u16(UInt16(value.count))
            o.data.append(contentsOf: value)
            o.data.append(contentsOf: [UInt8](repeating: 0, count: (4 - value.count % 4) % 4))
            return Array(o.data)
        }

        /// The value of a 64-bit option in the file's byte order.
        func value64(_ v: UInt64) -> [UInt8] {
            withUnsafeBytes(of: bigEndian ? v.bigEndian : v.littleEndian, Array.init)
        }

        /// A block: type, total length, `body` (padded), total length (`trailer` to override it).
        mutating func block(_ type: UInt32, _ body: [UInt8], length: UInt32? = nil, trailer: UInt32? = nil) {
            let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
            let total = length ?? UInt32(12 + padded.count)
            u32(type)
            u32(total)
            data.append(contentsOf: padded)
            u32(trailer ?? total)
        }

        /// The bytes of fixed fields written in the file's byte order.
        func fields(_ build: (inout Pcapng) -> Void) -> [UInt8] {
            var f = Pcapng(bigEndian: bigEndian)
            build(&f)
            return Array(f.data)
        }

        mutating func shb(version: (UInt16, UInt16) = (1, 0), options: [UInt8] = []) {
            let body = fields {
                $0.u32(0x1A2B_3C4D)
                $0.u16(version.0)
                $0.u16(version.1)
                $0.u64(UInt64.max)
            }
            block(0x0A0D_0D0A, body + options)
        }

        mutating func idb(linkType: UInt16 = 1, snaplen: UInt32 = 65535, options: [UInt8] = []) {
            let body = fields {
                $0.u16(linkType)
                $0.u16(0)
                $0.u32(snaplen)
            }
            block(1, body + options)
        }

        mutating func epb(
            interface: UInt32 = 0, time: UInt64, caplen: UInt32, len: UInt32? = nil, data count: Int? = nil,
            options: [UInt8] = []
        ) {
            let body = fields {
                $0.u32(interface)
                $0.u32(UInt32(time >> 32))
                $0.u32(UInt32(truncatingIfNeeded: time))
                $0.u32(caplen)
                $0.u32(len ?? caplen)
            }
            let payload = (0..<(count ?? Int(caplen))).map {
                UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(truncatingIfNeeded: time))
            }
            let pad = [UInt8](repeating: 0, count: (4 - payload.count % 4) % 4)
            block(6, body + payload + pad + options)
        }

        mutating func spb(len: UInt32, data count: Int) {
            block(3, fields { $0.u32(len) } + (0..<count).map { UInt8(truncatingIfNeeded: $0) })
        }
    }

    /// Options written little-endian, for `file`'s interface.
    let le = Pcapng()

    /// One section: an SHB, an IDB with `idbOptions`, then `build`'s blocks.
    func file(
        bigEndian: Bool = false, linkType: UInt16 = 1, snaplen: UInt32 = 65535, idbOptions: [UInt8] = [],
        _ build: (inout Pcapng) -> Void = { _ in }
    ) -> Data {
        var f = Pcapng(bigEndian: bigEndian)
        f.shb()
        f.idb(linkType: linkType, snaplen: snaplen, options: idbOptions)
        build(&f)
        return f.data
    }

    func testBothByteOrdersWithBlocksToSkip() throws {
        for bigEndian in [false, true] {
            var f = Pcapng(bigEndian: bigEndian)
            // Options on the section header, a name resolution block and a custom block before the interface.
            f.shb(options: f.option(1, Array("section comment".utf8)) + f.option(0, []))
            f.block(4, [0, 0, 0, 0])
            f.block(0x0000_0BAD, Array(repeating: 0xee, count: 30))
            f.idb(options: f.option(2, Array("eth0".utf8)) + f.option(0, []))
            f.epb(time: 1_795_132_800_000_001, caplen: 60, len: 60)
            // Interface statistics, decryption secrets, a custom block, between packets.
            f.block(
                5,
                f.fields {
                    $0.u32(0); $0.u64(0)
                })
            f.block(10, Array(repeating: 1, count: 16))
            f.block(0x4000_0BAD, Array(repeating: 2, count: 9))
            f.epb(time: 1_795_132_800_999_999, caplen: 41, len: 1514, options: f.option(1, Array("packet".utf8)))
            f.epb(time: 1_795_132_801_000_000, caplen: 0, len: 0)
            let r = try agree(bigEndian ? "be.pcapng" : "le.pcapng", f.data, buffered: true)
            XCTAssertEqual(r.frames.count, 3)
            XCTAssertEqual(r.frames[1].timestampMicros, 1_795_132_800_999_999)
            XCTAssertEqual(r.frames[1].wireLength, 1514)
            XCTAssertEqual(r.frames[1].bytes.count, 41)
            XCTAssertEqual(r.ending, "end")
        }
    }

    /// Every if_tsresol libpcap takes, with and without if_tsoffset, on ordinary and absurd timestamps:
    /// the microseconds come out as libpcap computes them (wrap-around included).
    func testTimestampResolutionsAndOffsetsAsLibpcapConvertsThem() throws {
        let resolutions: [UInt8?] = [nil, 6, 9, 3, 0, 1, 7, 19, 0x80 | 20, 0x80 | 10, 0x80, 0x80 | 32, 0x80 | 63]
        let offsets: [Int64?] = [nil, 0, 1_700_000_000, -86_400, Int64.max]
        let times: [UInt64] = [
            0, 1, 999_999, 1_000_000, 1_795_132_800_123_456, 1_795_132_800_123_456_789, 0x0000_0001_0000_0000,
            UInt64.max, UInt64.max / 3, 0x8000_0000_0000_0000,
        ]
        var n = 0
        for resolution in resolutions {
            for offset in offsets {
                let le = Pcapng()
                let options =
                    (resolution.map { le.option(9, [$0]) } ?? [])
                    + (offset.map { le.option(14, le.value64(UInt64(bitPattern: $0))) } ?? []) + le.option(0, [])
                let data = file(idbOptions: options) { f in
                    for t in times { f.epb(time: t, caplen: 20) }
                }
                let r = try agree("tsresol-\(n).pcapng", data, buffered: true)
                XCTAssertEqual(r.frames.count, times.count)
                n += 1
            }
        }
        // Known values: nanoseconds, milliseconds and 2^-20 seconds.
        let ns = try agree(
            "ns.pcapng", file(idbOptions: le.option(9, [9])) { $0.epb(time: 1_795_132_800_123_456_789, caplen: 4) },
            buffered: true)
        XCTAssertEqual(ns.frames.first?.timestampMicros, 1_795_132_800_123_456)
        let ms = try agree(
            "ms.pcapng", file(idbOptions: le.option(9, [3])) { $0.epb(time: 1_795_132_800_123, caplen: 4) },
            buffered: true)
        XCTAssertEqual(ms.frames.first?.timestampMicros, 1_795_132_800_123_000)
        let bin = try agree(
            "bin.pcapng",
            file(idbOptions: le.option(9, [0x80 | 20])) { $0.epb(time: (5 << 20) | (1 << 19), caplen: 4) },
            buffered: true)
        XCTAssertEqual(bin.frames.first?.timestampMicros, 5_500_000)
        let offset = try agree(
            "offset.pcapng", file(idbOptions: le.option(14, le.value64(100))) { $0.epb(time: 7, caplen: 4) },
            buffered: true)
        XCTAssertEqual(offset.frames.first?.timestampMicros, 100_000_007)
    }

    func testSeveralInterfacesOfOneLinkTypeStayOnTheFastPath() throws {
        // Interface 0 in µs, 1 in ns with an offset, 2 in ms; a description block between packets too.
        let data = file { f in
            f.idb(options: f.option(9, [9]) + f.option(14, f.value64(10)))
            f.epb(interface: 0, time: 1_000_000, caplen: 30)
            f.epb(interface: 1, time: 2_000_000_123, caplen: 31)
            f.idb(snaplen: 65535, options: f.option(9, [3]))
            f.epb(interface: 2, time: 3_000, caplen: 32)
            f.epb(interface: 1, time: 4_000_000_999, caplen: 33)
        }
        let r = try agree("three.pcapng", data, buffered: true)
        XCTAssertEqual(r.frames.map(\.timestampMicros), [1_000_000, 12_000_000, 3_000_000, 14_000_000])
        XCTAssertEqual(r.ending, "end")
        // A snapshot length of 0 means the maximum, so an interface with 0 and one with 262144 agree.
        try agree(
            "snap0.pcapng",
            file(snaplen: 0) { f in
                f.idb(snaplen: 262_144); f.epb(interface: 1, time: 1, caplen: 9)
            },
            buffered: true)
    }

    /// What libpcap refuses part-way (an interface of another link type or snapshot length, a second
    /// section, packets of unknown interfaces, damaged blocks): the reader hands over and the file ends with
    /// libpcap's own error after the same frames.
    func testDamageAndRefusalsEndWithLibpcapsErrorAfterTheSameFrames() throws {
        func twoThen(_ build: @escaping (inout Pcapng) -> Void) -> Data {
            file { f in
                f.epb(time: 1, caplen: 20)
                f.epb(time: 2, caplen: 20)
                build(&f)
                f.epb(time: 3, caplen: 20)
            }
        }
        let cases: [(String, Data)] = [
            ("other-linktype", twoThen { $0.idb(linkType: 113) }),
            ("other-snaplen", twoThen { $0.idb(snaplen: 100) }),
            ("unknown-interface", twoThen { $0.epb(interface: 1, time: 9, caplen: 4) }),
            ("over-snaplen", twoThen { $0.epb(time: 9, caplen: 65536) }),
            ("caplen-past-block", twoThen { $0.epb(time: 9, caplen: 40, data: 8) }),
            ("short-epb", twoThen { $0.block(6, [1, 2, 3, 4]) }),
            ("trailer-mismatch", twoThen { $0.block(0x0BAD, [1, 2, 3, 4], trailer: 99) }),
            ("length-not-aligned", twoThen { $0.block(0x0BAD, [1, 2, 3, 4], length: 17) }),
            ("length-too-small", twoThen { $0.block(0x0BAD, [], length: 8) }),
            ("bad-tsresol", twoThen { $0.idb(options: $0.option(9, [9, 9])) }),
            ("two-tsresol", twoThen { $0.idb(options: $0.option(9, [9]) + $0.option(9, [6])) }),
            ("tsresol-too-fine", twoThen { $0.idb(options: $0.option(9, [20])) }),
            ("binary-too-fine", twoThen { $0.idb(options: $0.option(9, [0x80 | 64])) }),
            ("bad-tsoffset", twoThen { $0.idb(options: $0.option(14, [1, 2, 3, 4])) }),
            ("bad-end-of-options", twoThen { $0.idb(options: $0.option(0, [1])) }),
            (
                "option-past-block",
                twoThen {
                    $0.idb(
                        options: $0.fields {
                            $0.u16(2); $0.u16(200)
                        })
                }
            ),
        ]
        for (name, data) in cases {
            let r = try agree("\(name).pcapng", data, buffered: true)
            XCTAssertEqual(r.frames.count, 2, name)
            XCTAssertTrue(r.ending.hasPrefix("error: "), "\(name): \(r.ending)")
        }
        // A second section, and an obsolete Packet Block: libpcap reads on through them from where the
        // reader hands over.
        let section = try agree(
            "second-section.pcapng",
            twoThen {
                $0.shb(); $0.idb()
            }, buffered: true)
        XCTAssertEqual(section.frames.count, 3)
        let obsolete = try agree(
            "obsolete-packet-block.pcapng",
            twoThen { f in
                f.block(
                    2,
                    f.fields {
                        $0.u16(0); $0.u16(0); $0.u32(0); $0.u32(5); $0.u32(4); $0.u32(4)
                    } + [1, 2, 3, 4])
            },
            buffered: true)
        XCTAssertEqual(obsolete.frames.count, 4)
        XCTAssertEqual(obsolete.ending, "end")
        // Cut anywhere in the last block: inside its header, its fixed fields, its data, its trailer.
        let whole = file { f in
            f.epb(time: 1, caplen: 20)
            f.epb(time: 2, caplen: 60)
        }
        for cut in [3, 8, 20, 40, 79] {
            let r = try agree("cut-\(cut).pcapng", whole.prefix(whole.count - cut), buffered: true)
            XCTAssertEqual(r.frames.count, 1, "cut \(cut)")
            XCTAssertTrue(r.ending.hasPrefix("error: "), "cut \(cut): \(r.ending)")
        }
    }

    func testSimplePacketBlocks() throws {
        // Time 0 shifted by interface 0's offset; the captured length is the original one cut to the
        // snapshot length; data beyond it in the block is padding.
        let r = try agree(
            "spb.pcapng",
            file(snaplen: 64, idbOptions: le.option(14, le.value64(1_795_132_800))) { f in
                f.spb(len: 60, data: 60)
                f.spb(len: 1514, data: 64)
                f.epb(time: 5, caplen: 10)
                f.spb(len: 10, data: 16)
            }, buffered: true)
        XCTAssertEqual(r.frames.map(\.bytes.count), [60, 64, 10, 10])
        XCTAssertEqual(r.frames.map(\.wireLength), [60, 1514, 10, 10])
        XCTAssertEqual(r.frames[0].timestampMicros, 1_795_132_800_000_000)
        // A Simple Packet Block holding less than its length says: libpcap's error.
        let short = try agree("spb-short.pcapng", file { $0.spb(len: 100, data: 40) }, buffered: true)
        XCTAssertTrue(short.ending.hasPrefix("error: "), short.ending)
    }

    func testFilesTheReaderLeavesToLibpcap() throws {
        func one(_ f: inout Pcapng) { f.epb(time: 1, caplen: 20) }
        var v12 = Pcapng()
        v12.shb(version: (1, 2))
        v12.idb()
        one(&v12)
        try agree("v1.2.pcapng", v12.data, buffered: false)
        var v2 = Pcapng()
        v2.shb(version: (2, 0))
        v2.idb()
        try agree("v2.pcapng", v2.data, buffered: false)
        try agree("ieee80211.pcapng", file(linkType: 105, one), buffered: false)
        try agree("sll-be.pcapng", file(bigEndian: true, linkType: 113, one), buffered: false)
        try agree("sll-le.pcapng", file(linkType: 113, one), buffered: true)
        // A packet before any interface; no interface at all; a damaged interface block.
        var early = Pcapng()
        early.shb()
        one(&early)
        early.idb()
        try agree("packet-first.pcapng", early.data, buffered: false)
        var none = Pcapng()
        none.shb()
        try agree("no-interface.pcapng", none.data, buffered: false)
        try agree("bad-first-idb.pcapng", file(idbOptions: le.option(9, [1, 2]), one), buffered: false)
        // A section header of a bad length, and a file that is not pcapng at all.
        var shb = Pcapng()
        shb.shb()
        shb.data.replaceSubrange(4..<8, with: [30, 0, 0, 0])
        try agree("bad-shb.pcapng", shb.data, buffered: false)
        try agree("garbage.pcapng", Data(repeating: 0x0a, count: 100), buffered: false)
        try agree("empty.pcapng", Data(), buffered: false)
        // A block larger than the reader's buffer (a huge custom block): libpcap reads on from there.
        let huge = file { f in
            one(&f)
            f.block(0x0BAD, Array(repeating: 3, count: BufferedPcapngFile.bufferSize))
            one(&f)
        }
        let r = try agree("huge-block.pcapng", huge, buffered: true)
        XCTAssertEqual(r.frames.count, 2)
        XCTAssertEqual(r.ending, "end")
        // LINKTYPE_RAW is DLT_RAW once opened; libpcap then refuses a second LINKTYPE_RAW interface (it
        // compares the DLT with the LINKTYPE), and so does the reader, by handing over.
        let raw = try agree("raw.pcapng", file(linkType: 101, one), buffered: true)
        XCTAssertEqual(raw.frames.count, 1)
        XCTAssertEqual(BufferedPcapFileTests.reader(dir.appendingPathComponent("raw.pcapng").path).link, "RAW")
        let raw2 = try agree(
            "raw-two.pcapng",
            file(linkType: 101) { f in
                one(&f); f.idb(linkType: 101); one(&f)
            }, buffered: true)
        XCTAssertEqual(raw2.frames.count, 1)
    }

    /// Several buffers' worth of blocks of every size up to the largest libpcap takes, skipped blocks among
    /// them, read a batch at a time as a replay does: every frame of a batch is intact when the batch ends,
    /// and the whole equals libpcap's reading; also when cut mid-block.
    func testBatchesAcrossManyRefillsEqualLibpcap() throws {
        var f = Pcapng()
        f.shb()
        f.idb(snaplen: 262_144, options: f.option(9, [9]))
        var packets = 0
        var i = 0
        while f.data.count < 5 * BufferedPcapngFile.bufferSize {
            let size = i % 97 == 0 ? 262_144 : (i % 5 == 0 ? 1514 : (i &* 2_654_435_761) % 601)
            f.epb(time: 1_795_132_800_000_000_000 + UInt64(i) * 1_234_567, caplen: UInt32(size), len: UInt32(size + 4))
            packets += 1
            if i % 13 == 0 { f.block(0x0BAD, Array(repeating: 9, count: i % 3000)) }
            i += 1
        }
        try BufferedPcapFileTests.checkBatches(of: f.data, frames: packets, named: "big.pcapng", in: dir)
    }

    /// Hundreds of files corrupted at random (fixed seed) from one with every kind of block: whatever a
    /// corruption does (a length, a type, an option, a timestamp, an interface id), the reader and libpcap
    /// agree on every frame and on the ending.
    func testRandomCorruptionsReadAsLibpcapReadsThem() throws {
        for bigEndian in [false, true] {
            var f = Pcapng(bigEndian: bigEndian)
            f.shb(options: f.option(1, Array("corpus".utf8)) + f.option(0, []))
            f.block(4, [0, 0, 0, 0])
            f.idb(options: f.option(9, [9]) + f.option(14, f.value64(3)) + f.option(0, []))
            f.epb(time: 1_795_132_800_000_000_001, caplen: 60)
            f.idb(options: f.option(9, [0x80 | 20]))
            f.epb(interface: 1, time: 5 << 20, caplen: 33, len: 90, options: f.option(1, Array("x".utf8)))
            f.block(
                5,
                f.fields {
                    $0.u32(0); $0.u64(0)
                })
            f.spb(len: 40, data: 40)
            f.epb(interface: 0, time: 1_795_132_801_000_000_000, caplen: 14)
            f.block(0x0000_0BAD, Array(repeating: 7, count: 21))
            f.epb(interface: 1, time: 6 << 20, caplen: 0, len: 0)
            let whole = f.data
            let intact = try agree("intact.pcapng", whole, buffered: true)
            XCTAssertEqual(intact.frames.count, 5)
            var rng = SplitMix64(seed: bigEndian ? 2 : 1)
            var differentEndings = Set<String>()
            for i in 0..<150 {
                var d = whole
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let at = Int.random(in: 0..<d.count, using: &rng)
                    d[at] = Bool.random(using: &rng) ? UInt8.random(in: 0...255, using: &rng) : d[at] ^ 0x80
                }
                if i % 5 == 0 { d = d.prefix(Int.random(in: 28..<d.count, using: &rng)) }
                let path = dir.appendingPathComponent("corrupt-\(bigEndian)-\(i).pcapng").path
                try d.write(to: URL(fileURLWithPath: path))
                let r = agree(path: path, buffered: nil)
                differentEndings.insert("\(r.frames.count) \(r.ending.prefix(6))")
            }
            // The corruptions reached many outcomes, not one.
            XCTAssertGreaterThan(differentEndings.count, 5, "\(differentEndings)")
        }
    }
}
