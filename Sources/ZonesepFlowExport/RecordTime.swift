import ZonesepCore

/// An exporter's times turned into µs since the epoch without wrapping. An exporter can send any 64-bit
/// value; arithmetic that wrapped made a far time look like one of 1970, which was then judged. Here a
/// result that does not fit saturates at `Int64.min` or `.max`, outside `PacketTime`, so the decoder refuses
/// the record (`timestamp-out-of-range`) instead.
public enum RecordTime {
    /// `value` units of `unit` µs each (1,000 for milliseconds, 1,000,000 for seconds).
    @inlinable @inline(__always)
    public static func micros(_ value: UInt64, unit: Int64) -> Int64 {
        let (m, overflow) = Int64(clamping: value).multipliedReportingOverflow(by: unit)
        return overflow ? .max : m
    }

    /// `a × b`, saturated.
    @inlinable @inline(__always)
    public static func product(_ a: Int64, _ b: Int64) -> Int64 {
        let (m, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? ((a < 0) == (b < 0) ? .max : .min) : m
    }

    /// `a + b`, saturated.
    @inlinable @inline(__always)
    public static func sum(_ a: Int64, _ b: Int64) -> Int64 {
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : s
    }

    /// `a - b`, saturated.
    @inlinable @inline(__always)
    public static func difference(_ a: Int64, _ b: Int64) -> Int64 {
        let (d, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? (b < 0 ? .max : .min) : d
    }
}

extension FlowRecord {
    /// Whether both of the record's times can be written as RFC 3339 times (`PacketTime`): the decoder hands
    /// on no other record.
    @inlinable
    public var timesAreWritable: Bool { PacketTime.isWritable(startMicros) && PacketTime.isWritable(endMicros) }
}
