import Foundation
import XCTest
import ZonesepCore
import ZonesepTestSupport

@testable import ZonesepCapture

/// The timeline of a replay: overlapping files merged packet by packet in timestamp order (ties in file
/// order), the others one after the other, each file's packets in its own order; batches of one link type;
/// every file's count, times and ending its own; the same through the buffered readers as through libpcap.
final class CaptureTimelineTests: TemporaryDirectoryTestCase {
    /// A packet of a test file: its time and a tag in its bytes saying which file and which packet it is.
    struct Packet: Equatable, CustomStringConvertible {
        var micros: Int64
        var file: Int
        var number: Int
        var linkType = LinkType.ethernet
        var description: String { "\(file).\(number)@\(micros)" }
    }

    /// Writes a classic pcap file (µs) of `packets`, each 20 bytes carrying its file and number.
    @discardableResult
    func write(_ name: String, _ packets: [Packet], linkType: UInt32 = 1) throws -> String {
        var pcap = PcapBytes(linkType: linkType)
        for p in packets {
            let frame = [UInt32(p.file), UInt32(p.number), 0, 0, 0].flatMap {
                withUnsafeBytes(of: $0.littleEndian, Array.init)
            }
            pcap.append(frame, micros: p.micros)
        }
        let path = dir.appendingPathComponent(name).path
        try pcap.data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Everything a timeline produced: the frames (decoded back into packets), and each event in words.
    struct Run: Equatable {
        var packets: [Packet] = []
        var events: [String] = []
        var batchSizes: [Int] = []
        var mostOpenAtOnce = 0
    }

    func run(_ paths: [String], mode: CaptureFileReader.Mode = .auto) -> Run {
        let timeline = CaptureTimeline(CaptureSet.inTimeOrder(paths), mode: mode)
        var r = Run()
        while true {
            let event = timeline.next()
            r.mostOpenAtOnce = max(r.mostOpenAtOnce, timeline.open.count)
            switch event {
            case .frames(let frames, let linkType):
                XCTAssertGreaterThan(frames.count, 0)
                XCTAssertLessThanOrEqual(frames.count, Verifier.batchSize)
                r.batchSizes.append(frames.count)
                for f in frames {
                    let b = f.bytes
                    XCTAssertEqual(b.count, 20)
                    r.packets.append(
                        Packet(
                            micros: f.timestamp, file: Int(b.loadUnaligned(as: UInt32.self)),
                            number: Int(b.loadUnaligned(fromByteOffset: 4, as: UInt32.self)), linkType: linkType))
                }
            case .opened(let i, let reader):
                r.events.append("opened \(i) \(reader.dataLinkName)")
            case .failed(let i, _):
                r.events.append("failed \(i)")
            case .ended(let i, let stats, let error):
                let first = stats.firstPacketMicros.map(String.init) ?? "-"
                let last = stats.lastPacketMicros.map(String.init) ?? "-"
                r.events.append(
                    "ended \(i) after \(r.packets.count): \(stats.packets) packets \(first)..\(last)"
                        + (error.map { " error \($0.message)" } ?? ""))
            case .end:
                return r
            }
        }
    }

    /// Files split at random from one timeline with ties (their first packets too, for some seeds): the
    /// merge is a stable sort by time, then file order (first packet, then the order they were named in),
    /// then order within the file; the same through libpcap alone; each file's numbers its own.
    func testOverlappingFilesMergeInTimestampOrderWithTiesInFileOrder() throws {
        var tiedFirstPackets = 0
        for seed: UInt64 in 1...6 {
            var rng = SplitMix64(seed: seed)
            var t: Int64 = 1_795_132_800_000_000
            var files: [[Packet]] = [[], [], []]
            for _ in 0..<3000 {
                t += Int64.random(in: 0...3, using: &rng)
                let f = Int.random(in: 0..<3, using: &rng)
                files[f].append(Packet(micros: t, file: f, number: files[f].count))
            }
            let paths = try files.enumerated().map { try write("part-\(seed)-\($0.offset).pcap", $0.element) }
            if Set(files.map { $0[0].micros }).count < 3 { tiedFirstPackets += 1 }
            // Named last to first: file order is by first packet, then the reverse of the file numbers.
            let order = (0..<3).sorted { (files[$0][0].micros, 2 - $0) < (files[$1][0].micros, 2 - $1) }
            let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($0.element, $0.offset) })
            let expected = files.flatMap { $0 }.sorted { a, b in
                (a.micros, rank[a.file]!, a.number) < (b.micros, rank[b.file]!, b.number)
            }
            let fast = run(paths.reversed())
            XCTAssertEqual(fast.packets, expected, "seed \(seed)")
            XCTAssertEqual(fast.mostOpenAtOnce, 3)
            // Batches are the merge's, not single frames.
            XCTAssertLessThan(fast.batchSizes.count, expected.count / 4)
            let plain = run(paths.reversed(), mode: .libpcap)
            XCTAssertEqual(plain.packets, fast.packets)
            XCTAssertEqual(plain.events, fast.events)
            for (i, f) in order.enumerated() {
                let counts = ": \(files[f].count) packets \(files[f][0].micros)..\(files[f].last!.micros)"
                XCTAssertTrue(
                    fast.events.contains { $0.hasPrefix("ended \(i) ") && $0.hasSuffix(counts) }, "\(fast.events)")
            }
        }
        XCTAssertGreaterThan(tiedFirstPackets, 0, "no seed gave two files the same first packet time")
    }

    /// Overlapping files merged frame by frame, one of them out of time order: each file's span is its
    /// earliest to its latest packet (as capinfos gives them), not its first and last records.
    func testMergedFilesSpanTheirEarliestToTheirLatestPacket() throws {
        let a = [0, 1000, 2000, 500, 3000, 1500].enumerated().map {
            Packet(micros: 1_000_000 + Int64($0.element) * 1000, file: 0, number: $0.offset)
        }
        let b = (0..<4).map { Packet(micros: 1_000_100 + Int64($0) * 700_000, file: 1, number: $0) }
        let r = run([try write("a.pcap", a), try write("b.pcap", b)])
        XCTAssertEqual(r.mostOpenAtOnce, 2, "merged")
        XCTAssertEqual(r.packets.count, 10)
        XCTAssertTrue(
            r.events.contains { $0.hasPrefix("ended 0 ") && $0.hasSuffix("6 packets 1000000..4000000") }, "\(r.events)")
        XCTAssertTrue(
            r.events.contains { $0.hasPrefix("ended 1 ") && $0.hasSuffix("4 packets 1000100..3100100") }, "\(r.events)")
    }

    /// Files whose time ranges do not overlap are read whole, one after the other, even when their own
    /// packets are out of order (a global sort would interleave them), and one at a time.
    func testFilesThatDoNotOverlapAreReadOneAfterTheOther() throws {
        let a = (0..<200).map { Packet(micros: 1_000_000 + Int64(($0 * 37) % 200) * 10, file: 0, number: $0) }
        let b = (0..<150).map { Packet(micros: 3_000_000 + Int64(($0 * 11) % 150) * 10, file: 1, number: $0) }
        // Touching: c's first packet has b's latest time.
        let c = (0..<100).map { Packet(micros: 3_000_000 + 1490 + Int64($0), file: 2, number: $0) }
        let paths = [try write("c.pcap", c), try write("a.pcap", a), try write("b.pcap", b)]
        let r = run(paths)
        XCTAssertEqual(r.packets, a + b + c)
        XCTAssertEqual(r.mostOpenAtOnce, 1)
        // Each file's span is its earliest to its latest packet, not its first and last records.
        XCTAssertEqual(
            r.events,
            [
                "opened 0 EN10MB", "ended 0 after 200: 200 packets 1000000..1001990", "opened 1 EN10MB",
                "ended 1 after 350: 150 packets 3000000..3001490", "opened 2 EN10MB",
                "ended 2 after 450: 100 packets 3001490..3001589",
            ])
        // A single file goes out in its reader's own batches.
        XCTAssertEqual(run([paths[1]]).batchSizes, [64, 64, 64, 8])
        let plain = run(paths, mode: .libpcap)
        XCTAssertEqual(plain.packets, r.packets)
        XCTAssertEqual(plain.events, r.events)
    }

    /// A damaged file among merged ones ends with libpcap's error after its good packets, while the others
    /// read on; a file of a link type zonesep does not decode is opened and skipped; an unreadable one is
    /// reported; the same through libpcap alone.
    func testDamagedSkippedAndUnreadableFilesAmongMergedOnes() throws {
        let a = (0..<300).map { Packet(micros: 1_000_000 + Int64($0) * 2, file: 0, number: $0) }
        let b = (0..<300).map { Packet(micros: 1_000_001 + Int64($0) * 2, file: 1, number: $0) }
        let good = try write("a.pcap", a)
        let whole = try write("b.pcap", b)
        let data = try Data(contentsOf: URL(fileURLWithPath: whole))
        // Cut in the middle of packet 150's data.
        try data.prefix(24 + 150 * 36 + 30).write(to: URL(fileURLWithPath: whole))
        let wifi = try write("w.pcap", [Packet(micros: 1_000_100, file: 2, number: 0)], linkType: 105)
        let garbage = dir.appendingPathComponent("z.pcap").path
        try Data(repeating: 0x42, count: 64).write(to: URL(fileURLWithPath: garbage))
        let r = run([good, whole, wifi, garbage])
        let expected = (a + b.prefix(150)).sorted { ($0.micros, $0.file) < ($1.micros, $1.file) }
        XCTAssertEqual(r.packets, expected)
        XCTAssertEqual(r.events.count, 6, "\(r.events)")
        XCTAssertEqual(Array(r.events.prefix(3)), ["opened 0 EN10MB", "opened 1 EN10MB", "opened 2 IEEE802_11"])
        XCTAssertTrue(r.events[3].hasPrefix("ended 1 after 300: 150 packets 1000001..1000299 error "), r.events[3])
        XCTAssertEqual(r.events[4], "ended 0 after 450: 300 packets 1000000..1000598")
        XCTAssertEqual(r.events[5], "failed 3")
        let plain = run([good, whole, wifi, garbage], mode: .libpcap)
        XCTAssertEqual(plain.packets, r.packets)
        XCTAssertEqual(plain.events, r.events)
    }

    /// Overlapping files of different link types: every batch holds one link type, and every frame goes
    /// out with its own file's.
    func testBatchesHoldOneLinkType() throws {
        let a = (0..<500).map { Packet(micros: 1_000_000 + Int64($0) * 3, file: 0, number: $0) }
        let b = (0..<500).map {
            Packet(micros: 1_000_000 + Int64($0 / 4) * 12 + 1, file: 1, number: $0, linkType: .raw)
        }
        let r = run([try write("a.pcap", a), try write("b.pcap", b, linkType: 101)])
        XCTAssertEqual(r.packets.count, 1000)
        XCTAssertEqual(r.packets.filter { $0.file == 0 }, a)
        XCTAssertEqual(r.packets.filter { $0.file == 1 }, b)
        XCTAssertEqual(r.packets.map(\.micros), r.packets.map(\.micros).sorted())
    }

    /// Each file's steps back in time (a frame stamped before the frame read just before it in the same
    /// file, across batches too) and frames stamped before 2000 are counted in its own statistics, in file
    /// order whatever the merge did; a file in order, stamped now, has none.
    func testStepsBackAndImplausibleTimesAreCountedPerFile() throws {
        let base: Int64 = 5_000_000  // 1970-01-01T00:00:05Z
        var a = (0..<200).map { Packet(micros: base + Int64($0) * 1000, file: 0, number: $0) }
        // One step back at the first batch's boundary (frame 64 follows frame 63), one of 0.3 s at 150.
        a[64].micros = a[63].micros - 10
        a[150].micros = a[149].micros - 300_000
        let now: Int64 = 1_781_485_200_000_000
        let b = (0..<100).map { Packet(micros: now + Int64($0) * 1000, file: 1, number: $0) }
        let c = (0..<100).map { Packet(micros: base + 50_000 + Int64($0) * 500, file: 2, number: $0) }
        let paths = [try write("a.pcap", a), try write("b.pcap", b), try write("c.pcap", c)]
        for mode in CaptureFileReader.Mode.allCases {
            let timeline = CaptureTimeline(CaptureSet.inTimeOrder(paths), mode: mode)
            var stats: [String: CaptureTimeline.FileStats] = [:]
            reading: while true {
                switch timeline.next() {
                case .ended(let i, let s, _): stats[timeline.entries[i].path] = s
                case .end: break reading
                default: continue
                }
            }
            let (sa, sb, sc) = (stats[paths[0]], stats[paths[1]], stats[paths[2]])
            XCTAssertEqual(sa?.stepsBack, 2, "\(mode)")
            XCTAssertEqual(sa?.largestStepBackMicros, 300_000, "\(mode)")
            XCTAssertEqual(sa?.beforePlausible, 200, "\(mode)")
            XCTAssertEqual(sa?.earliestBeforePlausible, a[150].micros, "\(mode): the step back goes below the first")
            // Merged with `a` packet by packet, and in order of its own.
            XCTAssertEqual(sc?.stepsBack, 0, "\(mode)")
            XCTAssertEqual(sc?.beforePlausible, 100, "\(mode)")
            XCTAssertEqual(sb?.stepsBack, 0, "\(mode)")
            XCTAssertEqual(sb?.beforePlausible, 0, "\(mode)")
            XCTAssertNil(sb?.earliestBeforePlausible, "\(mode)")
        }
    }

    /// The stats of each file of `paths` once read, by path.
    func statsByPath(_ paths: [String], mode: CaptureFileReader.Mode) -> [String: CaptureTimeline.FileStats] {
        let timeline = CaptureTimeline(CaptureSet.inTimeOrder(paths), mode: mode)
        var stats: [String: CaptureTimeline.FileStats] = [:]
        while true {
            switch timeline.next() {
            case .ended(let i, let s, _): stats[timeline.entries[i].path] = s
            case .end: return stats
            default: continue
            }
        }
    }

    /// A hole of over a minute inside a file is recorded (across batches too), measured from the latest
    /// time so far: a frame stamped back in time opens none, and one that falls inside a listed gap fills
    /// it; a minute exactly is no gap; past `PacketGap.listed` gaps are only counted.
    func testGapsOfOverAMinuteInsideAFileAreRecorded() throws {
        let t0: Int64 = 1_781_485_200_000_000
        let minute: Int64 = 60_000_000
        // 100 frames a second apart, a 90-minute hole, 100 more; then one minute exactly (no gap).
        var a = (0..<100).map { Packet(micros: t0 + Int64($0) * 1_000_000, file: 0, number: $0) }
        let resume = a[99].micros + 90 * minute
        a += (0..<100).map { Packet(micros: resume + Int64($0) * 1_000_000, file: 0, number: 100 + $0) }
        a.append(Packet(micros: a[199].micros + minute, file: 0, number: 200))
        // Out of order: 10 s, then a frame an hour before all so far (the hour between it and them is a hole,
        // and no gap opens on the return), then a jump of 2 hours, then a frame in the middle of it (the jump
        // was no 2-hour hole: two of an hour each).
        let u0 = t0 + 24 * 60 * minute
        let b = [
            Packet(micros: u0, file: 1, number: 0), Packet(micros: u0 + 10_000_000, file: 1, number: 1),
            Packet(micros: u0 - 60 * minute, file: 1, number: 2), Packet(micros: u0 + 20_000_000, file: 1, number: 3),
            Packet(micros: u0 + 120 * minute, file: 1, number: 4), Packet(micros: u0 + 60 * minute, file: 1, number: 5),
            Packet(micros: u0 + 121 * minute, file: 1, number: 6),
        ]
        // 105 holes of two minutes: 100 listed, 5 counted.
        let v0 = t0 + 48 * 60 * minute
        let c = (0..<106).map { Packet(micros: v0 + Int64($0) * 2 * minute, file: 2, number: $0) }
        let paths = [try write("a.pcap", a), try write("b.pcap", b), try write("c.pcap", c)]
        for mode in CaptureFileReader.Mode.allCases {
            let stats = statsByPath(paths, mode: mode)
            XCTAssertEqual(stats[paths[0]]?.gaps, [PacketGap(fromMicros: a[99].micros, toMicros: resume)], "\(mode)")
            XCTAssertEqual(stats[paths[0]]?.gapsNotListed, 0, "\(mode)")
            XCTAssertEqual(
                stats[paths[1]]?.gaps,
                [
                    PacketGap(fromMicros: u0 - 60 * minute, toMicros: u0),
                    PacketGap(fromMicros: u0 + 20_000_000, toMicros: u0 + 60 * minute),
                    PacketGap(fromMicros: u0 + 60 * minute, toMicros: u0 + 120 * minute),
                ], "\(mode)")
            XCTAssertEqual(stats[paths[2]]?.gaps.count, PacketGap.listed, "\(mode)")
            XCTAssertEqual(stats[paths[2]]?.gaps.first, PacketGap(fromMicros: v0, toMicros: v0 + 2 * minute), "\(mode)")
            XCTAssertEqual(stats[paths[2]]?.gapsNotListed, 5, "\(mode)")
        }
    }

    /// A late first frame, then sparse frames in order, each more than a minute after the one before: each
    /// splits the gap the late frame opened. The list stays at 100, the longest (the part still open to the
    /// late frame) and of equal ones the earliest, the rest counted; a five-hour hole after them is listed.
    func testGapsSplitPastTheListStayWithinIt() throws {
        let t0: Int64 = 1_781_485_200_000_000
        let minute: Int64 = 60_000_000
        var frames = [Packet(micros: t0, file: 0, number: 0), Packet(micros: t0 + 2_000 * minute, file: 0, number: 1)]
        frames += (1...1_000).map { Packet(micros: t0 + Int64($0) * 61_000_000, file: 0, number: 1 + $0) }
        let path = try write("split.pcap", frames)
        for mode in CaptureFileReader.Mode.allCases {
            let stats = try XCTUnwrap(statsByPath([path], mode: mode)[path])
            XCTAssertEqual(stats.gaps.count, PacketGap.listed, "\(mode)")
            XCTAssertEqual(stats.gaps.first, PacketGap(fromMicros: t0, toMicros: t0 + 61_000_000), "\(mode)")
            XCTAssertEqual(
                stats.gaps.last, PacketGap(fromMicros: t0 + 1_000 * 61_000_000, toMicros: t0 + 2_000 * minute),
                "\(mode)")
            // 1,001 gaps in all: the 1,000 a minute and a second long, and the one from the last to the late frame.
            XCTAssertEqual(UInt64(stats.gaps.count) + stats.gapsNotListed, 1_001, "\(mode)")
        }
        // 150 quiet minutes, then a five-hour outage: listed, in place of a quiet minute.
        var quiet = (0...150).map { Packet(micros: t0 + Int64($0) * 61_000_000, file: 0, number: $0) }
        quiet.append(Packet(micros: quiet[150].micros + 300 * minute, file: 0, number: 151))
        let outage = try write("outage.pcap", quiet)
        for mode in CaptureFileReader.Mode.allCases {
            let stats = try XCTUnwrap(statsByPath([outage], mode: mode)[outage])
            XCTAssertEqual(stats.gaps.count, PacketGap.listed, "\(mode)")
            XCTAssertEqual(stats.gapsNotListed, 51, "\(mode)")
            XCTAssertEqual(stats.gaps.last, PacketGap(fromMicros: quiet[150].micros, toMicros: quiet[151].micros))
            XCTAssertEqual(stats.gaps.first, PacketGap(fromMicros: t0, toMicros: t0 + 61_000_000), "\(mode)")
        }
    }

    /// A file whose later part came first (two captures joined in the wrong order): the frame that steps back
    /// to before everything so far opens the gap between the two parts, in time order before any other.
    func testAFileWhoseLaterPartCameFirstKeepsItsHole() throws {
        let t0: Int64 = 1_781_485_200_000_000
        let later = (0..<31).map { Packet(micros: t0 + 7_200_000_000 + Int64($0) * 10_000_000, file: 0, number: $0) }
        let earlier = (0..<31).map { Packet(micros: t0 + Int64($0) * 10_000_000, file: 0, number: 31 + $0) }
        let path = try write("reversed.pcap", later + earlier)
        for mode in CaptureFileReader.Mode.allCases {
            let stats = try XCTUnwrap(statsByPath([path], mode: mode)[path])
            XCTAssertEqual(
                stats.gaps, [PacketGap(fromMicros: t0 + 300_000_000, toMicros: t0 + 7_200_000_000)], "\(mode)")
            XCTAssertEqual(stats.firstPacketMicros, t0, "\(mode)")
            XCTAssertEqual(stats.lastPacketMicros, t0 + 7_500_000_000, "\(mode)")
        }
    }

    /// `checkTimes` takes a batch in one branch-free pass when it is in order, without a gap or a time before
    /// 2000, and frame by frame otherwise: over random files, mostly in order with now and then a step back, a
    /// hole or an early time, in batches that split them anywhere, its counts are those of the frame-by-frame
    /// rule written out here.
    func testTheInOrderBatchPassCountsWhatTheFrameByFrameRuleCounts() throws {
        var random = SplitMix64(seed: 7)
        let t0: Int64 = 1_781_485_200_000_000
        for file in 0..<12 {
            var micros: [Int64] = []
            var t = file == 11 ? CaptureTimeline.plausibleSince - 5_000_000 : t0
            for _ in 0..<(300 + Int(random.next() % 2000)) {
                switch random.next() % 200 {
                case 0: t -= Int64(random.next() % 5_000_000)  // a step back
                case 1: t += PacketGap.threshold + Int64(random.next() % 600_000_000)  // a hole
                case 2: t += PacketGap.threshold  // a minute exactly: no hole
                case 3: t -= 3 * 3_600_000_000  // far back, maybe before all so far: the file's later part came first
                default: t += Int64(random.next() % 2_000_000)
                }
                micros.append(t)
            }
            // The rule, frame by frame.
            var stepsBack: UInt64 = 0
            var largestStepBack: Int64 = 0
            var early: UInt64 = 0
            var gaps: [PacketGap] = []
            var previous = Int64.min
            var latest = Int64.min
            var earliest = Int64.max
            func note(_ g: PacketGap) {
                gaps.insert(g, at: gaps.firstIndex { $0.fromMicros > g.fromMicros } ?? gaps.count)
            }
            for t in micros {
                if t < previous {
                    stepsBack += 1
                    largestStepBack = max(largestStepBack, previous - t)
                }
                if latest != Int64.min && t - latest > PacketGap.threshold {
                    note(PacketGap(fromMicros: latest, toMicros: t))
                } else if t < latest && earliest - t > PacketGap.threshold {
                    note(PacketGap(fromMicros: t, toMicros: earliest))
                } else if t < latest, let k = gaps.firstIndex(where: { $0.fromMicros < t && t < $0.toMicros }) {
                    let g = gaps.remove(at: k)
                    var parts: [PacketGap] = []
                    if t - g.fromMicros > PacketGap.threshold {
                        parts.append(PacketGap(fromMicros: g.fromMicros, toMicros: t))
                    }
                    if g.toMicros - t > PacketGap.threshold {
                        parts.append(PacketGap(fromMicros: t, toMicros: g.toMicros))
                    }
                    gaps.insert(contentsOf: parts, at: k)
                }
                latest = max(latest, t)
                earliest = min(earliest, t)
                if t < CaptureTimeline.plausibleSince { early += 1 }
                previous = t
            }
            let packets = micros.enumerated().map { Packet(micros: $1, file: 0, number: $0) }
            let path = try write("random-\(file).pcap", packets)
            for mode in CaptureFileReader.Mode.allCases {
                let stats = try XCTUnwrap(statsByPath([path], mode: mode)[path])
                let what = "file \(file), \(mode)"
                XCTAssertEqual(stats.stepsBack, stepsBack, what)
                XCTAssertEqual(stats.largestStepBackMicros, largestStepBack, what)
                XCTAssertEqual(stats.beforePlausible, early, what)
                XCTAssertEqual(Array(stats.gaps.prefix(PacketGap.listed)), Array(gaps.prefix(PacketGap.listed)), what)
                XCTAssertEqual(stats.firstPacketMicros, micros.min(), what)
                XCTAssertEqual(stats.lastPacketMicros, micros.max(), what)
            }
        }
    }
}
