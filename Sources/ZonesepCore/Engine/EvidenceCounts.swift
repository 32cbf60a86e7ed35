/// What the evidence writer counted in a run: kept here, beside the engine's counters, so that the writer
/// (ZonesepCapture) and the summary that reports it (ZonesepOutput) share one list of counters.
public struct EvidenceCounts: Sendable, Equatable {
    /// Files created; each is, at any moment, hashed, incomplete or still open.
    public var files: UInt64 = 0
    /// Files closed whole, with their SHA-256 (an `evidence` record vouches for each).
    public var hashed: UInt64 = 0
    public var packets: UInt64 = 0
    public var bytes: UInt64 = 0
    /// Older evidence files deleted to stay within the disk budget.
    public var removed: UInt64 = 0
    /// Packets of violating flows not written because the budget was spent on files too recent to delete.
    public var skippedPackets: UInt64 = 0
    /// Packets of violating flows left out of their files because they came in another link type than the
    /// file's first packet (captures of different link types merged): a pcap file holds one link type. Each
    /// file's `evidence` record counts its own.
    public var otherLinkTypePackets: UInt64 = 0
    /// I/O errors: files that could not be created, written whole, hashed or removed.
    public var errors: UInt64 = 0
    /// Files closed incomplete (an error, no hash): cut short, removed or moved while written, or a
    /// replacement of an earlier run's file deleted as not whole.
    public var incomplete: UInt64 = 0
    /// Alerts that got no file because it could not be created or its header written.
    public var notCreated: UInt64 = 0
    /// Packets of violating flows lost to a file that failed (up to the per-flow cap), or that was not in
    /// the directory at its close.
    public var lostPackets: UInt64 = 0
    /// Alerts that got no file because the evidence limits were reached: the file limit or the byte budget
    /// taken by files of the last hour (or open).
    public var skippedFiles: UInt64 = 0

    public init() {}
}
