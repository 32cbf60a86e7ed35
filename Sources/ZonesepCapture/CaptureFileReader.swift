import ZonesepCore

/// An offline capture read by the fastest reader that reads it exactly as libpcap does: `BufferedPcapFile`
/// for a classic pcap file it takes, `BufferedPcapngFile` for a pcapng file it takes, libpcap (`PcapFile`)
/// for everything else, and libpcap from the first record the buffered reader leaves to it, so damaged
/// files end with libpcap's own message.
public final class CaptureFileReader {
    /// Which reader to use: `auto` (a buffered reader where one applies) or `libpcap` alone.
    public enum Mode: String, Sendable, CaseIterable {
        case auto, libpcap
    }

    public let path: String
    public let dataLink: Int32
    public let dataLinkName: String
    /// The decoder's link type, or nil when zonesep does not decode this one.
    public let linkType: LinkType?
    /// The buffered readers (at most one is set). `let`s, so reading through them costs no retain and
    /// release per record.
    @usableFromInline let buffered: BufferedPcapFile?
    @usableFromInline let bufferedNG: BufferedPcapngFile?
    /// Whether records still come from a buffered reader (false once libpcap took over, or when none
    /// applied).
    @usableFromInline var readsBuffered: Bool
    @usableFromInline var pcap: PcapFile?
    /// A pcapng file, whichever reader reads it: a packet at time 0 there has no time (`PacketTime.missing`).
    public let isPcapng: Bool
    /// The first record longer than the file's snapshot length, which libpcap cut to it, and that length
    /// (`PcapFile.firstCutRecord`): the buffered reader leaves every such record to libpcap.
    public var recordsCutToSnapshot: (firstRecord: Int, snapshot: UInt32)? { pcap?.firstCutRecord }

    /// The drops a pcapng file's Interface Statistics Blocks record (interface, operating system, and its
    /// interfaces that record none), nil when none says (a classic pcap file records none). Ask at the file's
    /// end: the buffered reader has then read them all, unless libpcap took the file over, in which case the
    /// blocks are read apart.
    public var recordedDrops: PcapngInterfaceStatistics.Drops? {
        guard isPcapng else { return nil }
        if let b = bufferedNG, readsBuffered { return b.statistics.dropped }
        return PcapngInterfaceStatistics.scan(path: path).dropped
    }

    /// Opens `path`; throws libpcap's error when libpcap cannot open it either.
    public init(path: String, mode: Mode = .auto) throws(PcapError) {
        self.path = path
        if mode == .auto, let b = BufferedPcapFile(path: path) {
            buffered = b
            bufferedNG = nil
            readsBuffered = true
            dataLink = b.dataLink
            dataLinkName = b.dataLinkName
            linkType = b.linkType
        } else if mode == .auto, let b = BufferedPcapngFile(path: path) {
            buffered = nil
            bufferedNG = b
            readsBuffered = true
            dataLink = b.dataLink
            dataLinkName = b.dataLinkName
            linkType = b.linkType
        } else {
            let p = try PcapFile(path: path)
            buffered = nil
            bufferedNG = nil
            readsBuffered = false
            pcap = p
            dataLink = p.dataLink
            dataLinkName = p.dataLinkName
            linkType = p.linkType
        }
        isPcapng = bufferedNG != nil || (buffered == nil && CaptureMagic.isPcapng(path: path))
    }

    /// A classic pcap file (read by zonesep's buffered reader, which takes every such file libpcap takes;
    /// false for pcapng and for files read by libpcap alone). Its times are 32-bit seconds since 1970.
    public var isClassicPcap: Bool { buffered != nil }

    /// Whether frames currently come from the buffered reader rather than libpcap.
    public var isBuffered: Bool { readsBuffered }

    /// Reads frames from the buffered reader into `frames`, up to its size, and returns how many; they stay
    /// valid until the next read. 0 when the buffered reader has no more to give (the end, a record it
    /// leaves to libpcap, or a file it never took): `next()` goes on from there.
    ///
    /// A batch at a time, so the per-record path holds no reference to count and no state to re-check.
    @inlinable
    public func readBatch(into frames: UnsafeMutableBufferPointer<Verifier.Frame>) -> Int {
        guard readsBuffered else { return 0 }
        if let b = buffered { return b.readBatch(into: frames) }
        if let b = bufferedNG { return b.readBatch(into: frames) }
        return 0
    }

    /// Reads the next frame (valid until the next read).
    @inlinable
    public func next() -> PcapFile.ReadResult {
        if readsBuffered, let b = buffered {
            switch b.next() {
            case .frame(let f): return .frame(f)
            case .end: return .end
            case .unhandled: return handOver(after: b.frames)
            }
        }
        if readsBuffered, let b = bufferedNG {
            switch b.next() {
            case .frame(let f): return .frame(f)
            case .end: return .end
            case .unhandled: return handOver(after: b.frames)
            }
        }
        guard let p = pcap else { return .end }
        return explained(p.next())
    }

    /// libpcap's result, its error reworded where the file holds a pcapng section in another byte order
    /// (`PcapngSectionOrder`), which libpcap calls a damaged block, or interfaces of different link types or
    /// snapshot lengths (`PcapngInterfaceMix`).
    @inlinable @inline(__always)
    func explained(_ result: PcapFile.ReadResult) -> PcapFile.ReadResult {
        guard case .error(let e) = result else { return result }
        return .error(PcapngInterfaceMix.explain(PcapngSectionOrder.explain(e, path: path), path: path))
    }

    /// Reopens the file with libpcap and skips the frames already delivered, so libpcap reads on from the
    /// record the buffered reader declined, with its own checks and messages.
    @usableFromInline
    func handOver(after delivered: Int) -> PcapFile.ReadResult {
        readsBuffered = false
        let p: PcapFile
        do {
            p = try PcapFile(path: path)
        } catch {
            return .error(error)
        }
        pcap = p
        for _ in 0..<delivered {
            switch p.next() {
            case .frame: continue
            case let other: return explained(other)
            }
        }
        return explained(p.next())
    }
}
