import ZonesepCore

/// The capture files of one replay read as one timeline: files whose packets overlap in time (two sensors'
/// captures of one period) merged packet by packet in timestamp order, equal timestamps in file order;
/// files that do not overlap read one after the other, as rotated captures are.
///
/// Files come in the order of their first packet (`CaptureSet.inTimeOrder`), and a file is opened only once
/// the timeline reaches its first packet, so a directory of a day's rotated files holds one or two open at
/// a time. A file's packets keep their order: the merge takes, each time, the earliest next packet among
/// the open files (the earlier file on a tie), which for files that do not overlap is exactly one file
/// after the other. Frames go out in batches of one link type; while one file alone is being read, the
/// batches are that file's own, as its reader produced them (no copy).
public final class CaptureTimeline {
    /// What a file contributed: counted here because a merged batch mixes files.
    public struct FileStats: Sendable {
        /// Every frame read from the file, those of `unwritableTimes` and `missingTimes` included.
        public var packets: UInt64 = 0
        /// Frames taken out because their time cannot be written (`PacketTime`), and their wire bytes: not
        /// judged, never in the timeline; the session counts them as malformed.
        public var unwritableTimes: UInt64 = 0
        public var unwritableTimeBytes: UInt64 = 0
        /// Frames taken out because they have no time (`PacketTime.missing`, a pcapng Simple Packet Block),
        /// and their wire bytes: not judged, never in the timeline; the session counts them as not verified.
        public var missingTimes: UInt64 = 0
        public var missingTimeBytes: UInt64 = 0
        /// The earliest and the latest packet time of the frames handed out, as capinfos gives them: in a
        /// file out of time order the first and last records are not the span it covers.
        public var firstPacketMicros: Int64?
        public var lastPacketMicros: Int64?
        /// Frames stamped earlier than the frame before them in the file, and the largest such step back
        /// (µs): the merge by time takes each file to be in time order, so a run must say when one is not.
        public var stepsBack: UInt64 = 0
        public var largestStepBackMicros: Int64 = 0
        /// Frames stamped before `CaptureTimeline.plausibleSince`, and the earliest such time: a sensor
        /// whose clock was never set (1970) is judged then, when an exception since expired still allowed.
        public var beforePlausible: UInt64 = 0
        public var earliestBeforePlausible: Int64?
        /// From the reader: the first record longer than the file's snapshot length, which libpcap cut to
        /// it, and that length (`CaptureFileReader.recordsCutToSnapshot`).
        public var recordsCutToSnapshot: (firstRecord: Int, snapshot: UInt32)?
        /// What the file says its capture dropped (a pcapng file's interface statistics); nil when it does not
        /// say, and for a file not read to its end.
        public var recordedDrops: PcapngInterfaceStatistics.Drops?
        /// Stretches of over `PacketGap.threshold` with no packet, measured from the latest time seen so far
        /// in the file (so a frame stamped a little back in time opens none; one more than that before every
        /// frame so far opens the gap up to them), in time order: at most `PacketGap.listed`, the longest, the
        /// others counted in `gapsNotListed`. A frame stamped back in time that falls in a gap already listed
        /// fills it (`fill(_:)`): out of order, the gap was not one.
        public var gaps: [PacketGap] = []
        public var gapsNotListed: UInt64 = 0
        public init() {}

        /// Notes a gap from `from` (the latest time so far) to `to`.
        mutating func noteGap(from: Int64, to: Int64) {
            if gaps.count >= PacketGap.listed {
                // Full: the longest are kept (a five-hour outage must not go unlisted behind a hundred quiet
                // minutes), the shortest counted; of equal ones, the earliest stay.
                guard let shortest = gaps.indices.reversed().min(by: { gaps[$0].length < gaps[$1].length }),
                    gaps[shortest].length < to - from
                else {
                    gapsNotListed += 1
                    return
                }
                gaps.remove(at: shortest)
                gapsNotListed += 1
            }
            // In time order: a gap before the file's earliest time so far (a file whose later part came first)
            // goes before the others.
            let k = gaps.firstIndex { $0.fromMicros > from } ?? gaps.count
            gaps.insert(PacketGap(fromMicros: from, toMicros: to), at: k)
        }

        /// A frame at `t`, earlier than the latest so far: the listed gap it falls in is split at it, each
        /// part kept only while still longer than the threshold.
        mutating func fill(_ t: Int64) {
            guard let k = gaps.firstIndex(where: { $0.fromMicros < t && t < $0.toMicros }) else { return }
            let g = gaps.remove(at: k)
            var parts: [PacketGap] = []
            if t - g.fromMicros > PacketGap.threshold { parts.append(PacketGap(fromMicros: g.fromMicros, toMicros: t)) }
            if g.toMicros - t > PacketGap.threshold { parts.append(PacketGap(fromMicros: t, toMicros: g.toMicros)) }
            // Never more than `PacketGap.listed`, so the list (and the linear search above) stays small: the
            // parts are listed as any gap, the longest kept when the list is full.
            for part in parts { noteGap(from: part.fromMicros, to: part.toMicros) }
        }

        /// Widens the file's span to a frame's time.
        public mutating func include(_ t: Int64) {
            firstPacketMicros = min(firstPacketMicros ?? t, t)
            lastPacketMicros = max(lastPacketMicros ?? t, t)
        }

        /// Widens the file's span to a run of its frames: while the file has stepped back nowhere
        /// (`stepsBack`, counted as its batches are read) the run is in order and its ends are its span.
        mutating func include(_ run: UnsafeBufferPointer<Verifier.Frame>) {
            guard stepsBack > 0 else {
                include(run[0].timestamp)
                include(run[run.count - 1].timestamp)
                return
            }
            for f in run { include(f.timestamp) }
        }
    }

    /// What `next()` produced.
    public enum Event {
        /// Frames of one link type, in timeline order, valid until the next call.
        case frames(UnsafeBufferPointer<Verifier.Frame>, LinkType)
        /// The file at this index (in `entries`) was opened; it is read from here on, unless its link type
        /// is one zonesep does not decode (`reader.linkType` is nil), in which case it is skipped.
        case opened(Int, CaptureFileReader)
        /// The file at this index could not be opened.
        case failed(Int, PcapError)
        /// The file at this index has no more packets: its end, or libpcap's error where it is damaged.
        case ended(Int, FileStats, PcapError?)
        /// Every file has ended.
        case end
    }

    /// One open file: its reader, the batch read from it and how far the timeline has taken it.
    final class Stream {
        let index: Int
        let reader: CaptureFileReader
        let linkType: LinkType
        let frames: UnsafeMutableBufferPointer<Verifier.Frame>
        var count = 0
        var cursor = 0
        var stats = FileStats()
        /// libpcap's error where the file is damaged.
        var error: PcapError?
        /// Whether the file's times can fall outside `PacketTime`: a classic pcap file's cannot (32-bit
        /// seconds), so its frames skip the check when zonesep's own reader reads it.
        let checksTimes: Bool
        /// Whether time 0 means no time (`PacketTime.missing`): in a pcapng file, whichever reader reads it.
        let checksMissing: Bool
        /// The time of the file's frame read last (of those kept), for `FileStats.stepsBack`.
        var previous = Int64.min
        /// The latest time of the file's frames read so far, for `FileStats.gaps`.
        var latest = Int64.min
        /// The earliest, for a frame more than a minute before it: the file's later part came first, and the
        /// stretch between is a gap too.
        var earliest = Int64.max

        init(index: Int, reader: CaptureFileReader, linkType: LinkType) {
            self.index = index
            self.reader = reader
            self.linkType = linkType
            checksTimes = !reader.isClassicPcap
            checksMissing = reader.isPcapng
            frames = .allocate(capacity: Verifier.batchSize)
        }

        deinit { frames.deallocate() }

        /// The next frame's time; only while `cursor < count`.
        var head: Int64 { frames[cursor].timestamp }
    }

    /// 2000-01-01T00:00:00Z: earlier packet times are taken for a clock that was not set (a sensor that
    /// booted at 1970) and named; no capture an audit replays today was taken before it.
    public static let plausibleSince: Int64 = 946_684_800_000_000

    public let entries: [CaptureSet.Entry]
    let mode: CaptureFileReader.Mode
    /// Open files, in file order.
    var open: [Stream] = []
    /// The next file to open.
    var nextEntry = 0
    /// Frames of several files, copied into one batch.
    let merged: UnsafeMutableBufferPointer<Verifier.Frame>
    /// Events waiting for the next calls.
    var queued: [Event] = []

    public init(_ entries: [CaptureSet.Entry], mode: CaptureFileReader.Mode = .auto) {
        self.entries = entries
        self.mode = mode
        merged = .allocate(capacity: Verifier.batchSize)
    }

    deinit { merged.deallocate() }

    /// Whether the pending file `j` starts before the head of `s`: its first packet is earlier, or as early
    /// and it comes first in file order (it never does: open files all come before it, so ties go to them).
    func opensBefore(_ j: Int, _ s: Stream) -> Bool {
        guard let first = entries[j].firstPacketMicros else { return false }
        return first < s.head
    }

    /// Whether the head of `a` goes before the head of `b`.
    @inline(__always)
    static func precedes(_ a: Stream, _ b: Stream) -> Bool {
        let (x, y) = (a.head, b.head)
        return x < y || (x == y && a.index < b.index)
    }

    /// The next step of the timeline.
    public func next() -> Event {
        while true {
            if !queued.isEmpty { return queued.removeFirst() }
            // Read on in every open file whose batch is used up (the frames handed out last are consumed).
            var i = 0
            while i < open.count {
                if open[i].cursor == open[i].count && !refill(open[i]) {
                    let s = open.remove(at: i)
                    s.stats.recordsCutToSnapshot = s.reader.recordsCutToSnapshot
                    s.stats.recordedDrops = s.reader.recordedDrops
                    queued.append(.ended(s.index, s.stats, s.error))
                } else {
                    i += 1
                }
            }
            if !queued.isEmpty { continue }
            guard var first = open.first else {
                guard nextEntry < entries.count else { return .end }
                openNext()
                continue
            }
            for s in open.dropFirst() where Self.precedes(s, first) { first = s }
            if nextEntry < entries.count && opensBefore(nextEntry, first) {
                openNext()
                continue
            }
            if open.count == 1 { return alone(first) }
            return merge()
        }
    }

    /// Stops the timeline where it is (a replay interrupted by a signal): each open file ends with what
    /// was handed out of it (its `.ended` event comes next, then `.end`), and no other file is opened.
    /// Returns the files so cut, and those never opened, for the caller to say they were not read to
    /// their end.
    public func stop() -> (cut: [Int], unread: [Int]) {
        let cut = open.map(\.index)
        for s in open {
            s.stats.recordsCutToSnapshot = s.reader.recordsCutToSnapshot
            queued.append(.ended(s.index, s.stats, nil))
        }
        open.removeAll()
        let unread = Array(nextEntry..<entries.count)
        nextEntry = entries.count
        return (cut, unread)
    }

    /// The run of the only open file's batch up to the first packet of the next file to open: the file's
    /// own frames, uncopied.
    func alone(_ s: Stream) -> Event {
        var end = s.count
        if nextEntry < entries.count, let next = entries[nextEntry].firstPacketMicros {
            end = s.cursor + 1
            while end < s.count && s.frames[end].timestamp <= next { end += 1 }
        }
        let run = UnsafeBufferPointer(rebasing: s.frames[s.cursor..<end])
        s.cursor = end
        s.stats.packets += UInt64(run.count)
        s.stats.include(run)
        return .frames(run, s.linkType)
    }

    /// One batch merged from the open files, copied frame by frame: it ends when full, at a change of link
    /// type, when a file's batch is used up (reading on would overwrite frames of this batch), or where the
    /// next file must be opened.
    func merge() -> Event {
        var n = 0
        var linkType: LinkType? = nil
        while n < merged.count {
            var s = open[0]
            for t in open.dropFirst() where Self.precedes(t, s) { s = t }
            if nextEntry < entries.count && opensBefore(nextEntry, s) { break }
            if let l = linkType, l != s.linkType { break }
            linkType = s.linkType
            let f = s.frames[s.cursor]
            merged[n] = f
            n += 1
            s.cursor += 1
            s.stats.packets += 1
            s.stats.include(f.timestamp)
            if s.cursor == s.count { break }
        }
        // n > 0: `next` found a head that goes before any file still to open.
        return .frames(UnsafeBufferPointer(rebasing: merged[0..<n]), linkType ?? open[0].linkType)
    }

    /// Opens the next file in file order, queueing what happened.
    func openNext() {
        let index = nextEntry
        nextEntry += 1
        do {
            let reader = try CaptureFileReader(path: entries[index].path, mode: mode)
            queued.append(.opened(index, reader))
            if let linkType = reader.linkType {
                // Later in file order than every file already open: `open` stays in file order.
                open.append(Stream(index: index, reader: reader, linkType: linkType))
            }
        } catch {
            queued.append(.failed(index, error))
        }
    }

    /// Reads the next batch of `s`; false when it has no more (its end or an error). Frames whose time
    /// cannot be written, or that have none, are taken out and counted (`FileStats.unwritableTimes`,
    /// `missingTimes`); a batch of nothing else is followed by the next.
    func refill(_ s: Stream) -> Bool {
        while true {
            s.cursor = 0
            s.count = s.reader.readBatch(into: s.frames)
            if s.count == 0 {
                switch s.reader.next() {
                case .frame(let f):
                    s.frames[0] = Verifier.Frame(f)
                    s.count = 1
                case .end:
                    return false
                case .error(let e):
                    s.error = e
                    return false
                }
            }
            if s.checksTimes { dropUnwritableTimes(s) }
            if s.count > 0 {
                checkTimes(s)
                return true
            }
        }
    }

    /// Counts the frames of `s`'s batch stamped before the frame before them in the file, or before
    /// `plausibleSince`, and notes the gaps of over a minute (`FileStats`): one pass whose branches are
    /// almost never taken.
    func checkTimes(_ s: Stream) {
        // The common batch, from a file in time order so far: each frame at or after the one before it, none a
        // minute after it, none before `plausibleSince`. Told by one pass of minimums and maximums with no
        // branch per frame (the full pass below cost 17 instructions a frame); anything else takes that pass.
        if s.previous == s.latest && s.count > 0 {
            var previous = s.previous
            var smallestStep = Int64.max
            var largestStep = Int64.min
            var earliest = Int64.max
            for k in 0..<s.count {
                let t = s.frames[k].timestamp
                let step = t &- previous
                smallestStep = min(smallestStep, step)
                largestStep = max(largestStep, step)
                earliest = min(earliest, t)
                previous = t
            }
            if smallestStep >= 0 && largestStep <= PacketGap.threshold && earliest >= Self.plausibleSince {
                s.previous = previous
                s.latest = previous
                s.earliest = min(s.earliest, earliest)
                return
            }
        }
        var previous = s.previous
        var latest = s.latest
        var earliest = s.earliest
        for k in 0..<s.count {
            let t = s.frames[k].timestamp
            if t < previous {
                s.stats.stepsBack += 1
                s.stats.largestStepBackMicros = max(s.stats.largestStepBackMicros, previous &- t)
            }
            // Wrapping: the file's first frame (latest is Int64.min) gives a negative difference from 1970 on.
            if t &- latest > PacketGap.threshold {
                if latest != Int64.min { s.stats.noteGap(from: latest, to: t) }
            } else if t < latest {
                if earliest &- t > PacketGap.threshold {
                    s.stats.noteGap(from: t, to: earliest)
                } else if !s.stats.gaps.isEmpty {
                    s.stats.fill(t)
                }
            }
            latest = max(latest, t)
            earliest = min(earliest, t)
            if t < Self.plausibleSince {
                s.stats.beforePlausible += 1
                s.stats.earliestBeforePlausible = min(s.stats.earliestBeforePlausible ?? t, t)
            }
            previous = t
        }
        s.previous = previous
        s.latest = latest
        s.earliest = earliest
    }

    /// Takes the frames whose time cannot be written, or that have none, out of `s`'s batch, keeping the
    /// others' order.
    func dropUnwritableTimes(_ s: Stream) {
        // First one pass with no branch per frame: the farthest time from `PacketTime.earliest` (unsigned, so
        // a time before it is far too), and whether any time is missing; otherwise the batch is kept as it is.
        let frames = s.frames
        let n = s.count
        var farthest: UInt64 = 0
        var missing = false
        for k in 0..<n {
            farthest = max(farthest, UInt64(bitPattern: frames[k].timestamp &- PacketTime.earliest))
            missing = missing || frames[k].timestamp == PacketTime.missing
        }
        missing = missing && s.checksMissing
        guard farthest > UInt64(bitPattern: PacketTime.latest &- PacketTime.earliest) || missing else { return }
        var kept = 0
        for k in 0..<n {
            let f = frames[k]
            if f.timestamp == PacketTime.missing && s.checksMissing {
                s.stats.packets += 1
                s.stats.missingTimes += 1
                s.stats.missingTimeBytes += UInt64(f.wireLength)
            } else if PacketTime.isWritable(f.timestamp) {
                frames[kept] = f
                kept += 1
            } else {
                s.stats.packets += 1
                s.stats.unwritableTimes += 1
                s.stats.unwritableTimeBytes += UInt64(f.wireLength)
            }
        }
        s.count = kept
    }
}
