/// The packet times zonesep can write. Every record carries RFC 3339 times, whose years have four digits:
/// 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z. A pcapng file can say far more (64-bit units at any
/// resolution, plus a 64-bit offset in seconds), and a damaged or forged one does. A packet outside this
/// range is not judged: its reader counts it as malformed (`DecodeAnomaly.timestampOutOfRange`), so no
/// record carries a time that `zonesep report`, or any RFC 3339 reader, refuses.
public enum PacketTime {
    /// 0000-01-01T00:00:00.000000Z, in µs since the epoch.
    public static let earliest: Int64 = -62_167_219_200_000_000
    /// 9999-12-31T23:59:59.999999Z, in µs since the epoch.
    public static let latest: Int64 = 253_402_300_800_000_000 - 1

    /// The time of a pcapng packet that has none: a Simple Packet Block carries no timestamp, and libpcap
    /// gives it time 0 (the epoch). A pcapng packet at exactly this time is not judged (`noTimestamp`): an
    /// exception's expiry, or the capture's first and last packet, would otherwise be taken at 1970.
    public static let missing: Int64 = 0

    /// Whether `micros` can be written as an RFC 3339 time (one subtraction and one comparison).
    @inlinable @inline(__always)
    public static func isWritable(_ micros: Int64) -> Bool {
        UInt64(bitPattern: micros &- earliest) <= UInt64(bitPattern: latest &- earliest)
    }
}
