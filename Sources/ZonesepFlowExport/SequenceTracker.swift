/// One datagram's place in its session's sequence: its sequence number and how many units it covers
/// (records for IPFIX and NetFlow v5, 1 for NetFlow v9 and sFlow, whose sequence counts datagrams).
struct SequenceMark {
    var sequence: UInt32
    /// Units the datagram covers, every data record (options records included) for a record count: a
    /// range when some of its sets could not be counted (held for their template, cut short), whose
    /// records are then at least 1 a set and at most 1 a byte.
    var low: UInt32
    var high: UInt32
    /// Of those, the flow (non-options) records: what softflowd's IPFIX sequence counts.
    var flowsLow: UInt32
    var flowsHigh: UInt32
    var countsRecords: Bool
    /// The datagram lost part of itself in a way that leaves its records uncountable (a set whose length
    /// overruns the message, a message cut short after a whole set or in a set that cannot be framed):
    /// `high` and `flowsHigh` then bound them by its length alone, and `SequenceTracker` takes it to cover
    /// some stretch next to its sequence number, how long not known.
    var damaged = false

    /// A NetFlow v9 or sFlow datagram: its sequence counts datagrams.
    static func datagram(_ sequence: UInt32) -> SequenceMark {
        SequenceMark(sequence: sequence, low: 1, high: 1, flowsLow: 1, flowsHigh: 1, countsRecords: false)
    }

    /// A datagram of exactly `count` records (NetFlow v5).
    static func records(_ sequence: UInt32, _ count: UInt32) -> SequenceMark {
        SequenceMark(
            sequence: sequence, low: count, high: count, flowsLow: count, flowsHigh: count, countsRecords: true)
    }

    var isExact: Bool { low == high && flowsLow == flowsHigh }
}

/// Tells loss from reordering and restarts in one session's sequence numbers.
///
/// A jump ahead opens a gap that stays pending while a late datagram can still fill it (for
/// `windowDatagrams` datagrams' worth of sequence, or `lateMicros` of arrival time); only then is it
/// counted, so the counts only ever grow (Prometheus counters) and a reordered datagram is not loss.
/// A step back is a late datagram unless it is larger than `resetDatagrams` datagrams' worth (a restart).
/// Exporters that count the message's own flow records (softflowd's IPFIX, against RFC 7011 section 3.1)
/// are recognised from two consecutive datagrams and checked their way. A damaged datagram
/// (`SequenceMark.damaged`) covers an unknown stretch next to its sequence number (after it by RFC 7011's
/// count, before it by softflowd's, either while the stream has not shown which): no gap is opened or kept
/// within that stretch, and a datagram from before it is still late, not where the check starts (REVIEW-141
/// F7: a late datagram taken as the base made the next in-order one a gap of records never lost).
struct SequenceTracker {
    enum Convention {
        /// RFC 7011 section 3.1, RFC 3954, NetFlow v5, sFlow: the records (datagrams) sent before this one.
        case prior
        /// softflowd's IPFIX: the flow records sent up to and including this message's.
        case inclusive
    }

    /// Sequence units no datagram has covered yet, opened when a later one arrived.
    struct Gap {
        var start: UInt32
        var length: UInt32
        var openedMicros: Int64
    }

    /// A gap is pending until the sequence has moved this many datagrams' worth past it.
    static let windowDatagrams: UInt32 = 8
    /// A step back larger than this many datagrams' worth is a restart; a smaller one a late datagram.
    static let resetDatagrams: UInt32 = 64
    /// Gaps pending at once; the oldest is counted to make room.
    static let maxPending = 16

    private(set) var convention = Convention.prior
    /// Where the next datagram should start: the furthest end seen (a range after an uncounted set).
    private(set) var expectedLow: UInt32 = 0
    private(set) var expectedHigh: UInt32 = 0
    private var started = false
    /// Two consecutive datagrams have told the conventions apart (equal counts fit both): a damaged
    /// datagram's stretch then lies on one side of its number.
    private var decided = false
    /// The last datagram that arrived in order with an exact count: its sequence and all-record count.
    private var last: (sequence: UInt32, count: UInt32)?
    private(set) var pending: [Gap] = []
    /// The most units one datagram of this session covered (sizes the windows).
    private var largest: UInt32 = 1
    private var countsRecords = true

    /// When the oldest pending gap was opened (nil: none pending).
    var oldestPendingMicros: Int64? { pending.lazy.map(\.openedMicros).min() }

    private var window: UInt32 { Self.windowDatagrams &* largest }
    private var resetThreshold: UInt32 { Self.resetDatagrams &* largest }

    /// Checks one datagram (arrived at `now`, monotonic), counting in `s` what is known lost, late or restarted.
    mutating func check(_ m: SequenceMark, now: Int64, lateMicros: Int64, stats s: inout ExporterStats) {
        countsRecords = m.countsRecords
        // A UDP datagram holds fewer than 2^16 records, so the windows cannot overflow.
        if m.isExact { largest = max(largest, min(m.low, 0xffff)) }
        if m.damaged { return checkDamaged(m, now: now, lateMicros: lateMicros, stats: &s) }
        guard started else {
            started = true
            setExpected(m)
            last = m.isExact ? (m.sequence, m.low) : nil
            return confirm(all: false, now: now, lateMicros: lateMicros, stats: &s)
        }
        if m.isExact, let last { recogniseConvention(m, after: last) }
        let (startLow, startHigh) =
            convention == .prior ? (m.sequence, m.sequence) : (m.sequence &- m.flowsHigh, m.sequence &- m.flowsLow)
        let ahead = Int32(bitPattern: startLow &- expectedHigh)
        let back = Int32(bitPattern: expectedLow &- startHigh)
        if ahead > 0 {
            pending.append(Gap(start: expectedHigh, length: UInt32(ahead), openedMicros: now))
            setExpected(m)
            last = m.isExact ? (m.sequence, m.low) : nil
        } else if back > 0 && UInt32(back) <= resetThreshold {
            s.lateDatagrams += 1
            let end = convention == .prior ? m.sequence &+ m.high : m.sequence
            fill(from: startLow, to: end)
            if Int32(bitPattern: end &- expectedHigh) > 0 { setExpected(m) }
        } else if back > 0 {
            s.sequenceResets += 1
            confirm(all: true, now: now, lateMicros: lateMicros, stats: &s)
            setExpected(m)
            last = m.isExact ? (m.sequence, m.low) : nil
        } else {
            setExpected(m)
            last = m.isExact ? (m.sequence, m.low) : nil
        }
        confirm(all: false, now: now, lateMicros: lateMicros, stats: &s)
    }

    /// A damaged datagram: its units lie somewhere in `low...high` (its length bounds them) after its
    /// number, or `flowsLow...flowsHigh` before it by softflowd's count. Pending gaps within that stretch are
    /// taken as its own, a gap opens only before the stretch, and the next datagram may start anywhere the
    /// stretch can end.
    private mutating func checkDamaged(_ m: SequenceMark, now: Int64, lateMicros: Int64, stats s: inout ExporterStats) {
        last = nil
        let after = !decided || convention == .prior
        let before = !decided || convention == .inclusive
        let stretchLow = before ? m.sequence &- m.flowsHigh : m.sequence
        let stretchHigh = after ? m.sequence &+ m.high : m.sequence
        let next: (UInt32, UInt32) =
            !decided
            ? (m.sequence, m.sequence &+ m.high)
            : convention == .prior ? (m.sequence &+ m.low, m.sequence &+ m.high) : (m.sequence, m.sequence)
        guard started else {
            started = true
            (expectedLow, expectedHigh) = next
            return
        }
        let ahead = Int32(bitPattern: stretchLow &- expectedHigh)
        let back = Int32(bitPattern: expectedLow &- stretchHigh)
        if back > 0 && UInt32(back) > resetThreshold {
            s.sequenceResets += 1
            confirm(all: true, now: now, lateMicros: lateMicros, stats: &s)
            (expectedLow, expectedHigh) = next
        } else if back > 0 {
            s.lateDatagrams += 1
            fill(from: stretchLow, to: stretchHigh)
        } else {
            if ahead > 0 { pending.append(Gap(start: expectedHigh, length: UInt32(ahead), openedMicros: now)) }
            fill(from: stretchLow, to: stretchHigh)
            // The expected start moves forward only: a damaged datagram behind the latest does not pull it back.
            if Int32(bitPattern: next.1 &- expectedHigh) > 0 { expectedHigh = next.1 }
            if Int32(bitPattern: next.0 &- expectedLow) > 0 { expectedLow = next.0 }
        }
        confirm(all: false, now: now, lateMicros: lateMicros, stats: &s)
    }

    /// Counts the pending gaps no late datagram can fill any more: all of them, or those the sequence has
    /// left a window behind and those older than `lateMicros` at `now`.
    mutating func confirm(all: Bool, now: Int64, lateMicros: Int64, stats s: inout ExporterStats) {
        guard !pending.isEmpty else { return }
        var kept: [Gap] = []
        for (i, g) in pending.enumerated() {
            let behind = Int32(bitPattern: expectedLow &- (g.start &+ g.length))
            let settled =
                all || (behind >= 0 && UInt32(behind) >= window) || now &- g.openedMicros >= lateMicros
                || pending.count - i > Self.maxPending
            if settled {
                s.sequenceGaps += 1
                if countsRecords { s.missedRecords += UInt64(g.length) } else { s.missedDatagrams += UInt64(g.length) }
            } else {
                kept.append(g)
            }
        }
        pending = kept
    }

    /// The expected start after `m`, by the session's convention.
    private mutating func setExpected(_ m: SequenceMark) {
        if convention == .prior {
            (expectedLow, expectedHigh) = (m.sequence &+ m.low, m.sequence &+ m.high)
        } else {
            (expectedLow, expectedHigh) = (m.sequence, m.sequence)
        }
    }

    /// Switches convention when `m` and the datagram before it agree with the other one and not with
    /// the session's (equal counts fit both and decide nothing).
    private mutating func recogniseConvention(_ m: SequenceMark, after last: (sequence: UInt32, count: UInt32)) {
        let prior = m.sequence == last.sequence &+ last.count
        let inclusive = m.sequence &- m.flowsLow == last.sequence
        guard prior != inclusive else { return }
        decided = true
        let seen: Convention = prior ? .prior : .inclusive
        guard seen != convention else { return }
        convention = seen
        let end = seen == .prior ? last.sequence &+ last.count : last.sequence
        (expectedLow, expectedHigh) = (end, end)
    }

    /// Takes the units `start..<end` (a late datagram's) out of the pending gaps.
    private mutating func fill(from start: UInt32, to end: UInt32) {
        guard !pending.isEmpty else { return }
        var out: [Gap] = []
        for g in pending {
            // Offsets from the gap's start; the late datagram is within a window of it, so Int32 holds them.
            let lo = max(0, Int64(Int32(bitPattern: start &- g.start)))
            let hi = min(Int64(g.length), Int64(Int32(bitPattern: end &- g.start)))
            guard hi > lo else {
                out.append(g)
                continue
            }
            if lo > 0 { out.append(Gap(start: g.start, length: UInt32(lo), openedMicros: g.openedMicros)) }
            if hi < Int64(g.length) {
                out.append(
                    Gap(start: g.start &+ UInt32(hi), length: g.length - UInt32(hi), openedMicros: g.openedMicros))
            }
        }
        pending = out
    }
}
