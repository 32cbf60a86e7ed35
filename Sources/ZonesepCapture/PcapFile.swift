import CPcap
import ZonesepCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One captured frame as libpcap hands it over: valid until the next read from the same handle.
public struct CapturedFrame {
    /// Packet time in µs since the Unix epoch (files are opened with microsecond precision).
    public var timestampMicros: Int64
    public var bytes: UnsafeRawBufferPointer
    /// Length on the wire (`len`); `bytes.count` is the captured length.
    public var wireLength: Int

    @inlinable
    public init(timestampMicros: Int64, bytes: UnsafeRawBufferPointer, wireLength: Int) {
        self.timestampMicros = timestampMicros
        self.bytes = bytes
        self.wireLength = wireLength
    }

    /// The frame libpcap's `pcap_next_ex` handed over (handles opened with microsecond precision).
    /// `unsignedSeconds` for a classic pcap file: libpcap 1.10 takes its 32-bit seconds as signed, so
    /// 2038-01-19 onward came back as 1901-1969; the format and tshark read them unsigned, as zonesep does.
    init(header h: UnsafeMutablePointer<pcap_pkthdr>, data: UnsafePointer<UInt8>, unsignedSeconds: Bool) {
        let caplen = Int(h.pointee.caplen)
        let sec = Int64(h.pointee.ts.tv_sec)
        self.init(
            timestampMicros: (unsignedSeconds ? Int64(UInt32(truncatingIfNeeded: sec)) : sec) &* 1_000_000
                &+ Int64(h.pointee.ts.tv_usec),
            bytes: UnsafeRawBufferPointer(start: data, count: caplen), wireLength: max(Int(h.pointee.len), caplen))
    }
}

extension Verifier.Frame {
    /// The verifier's view of a captured frame.
    @inlinable
    public init(_ f: CapturedFrame) {
        self.init(timestamp: f.timestampMicros, bytes: f.bytes, wireLength: f.wireLength)
    }
}

/// libpcap's name for a link type (`EN10MB`, `IEEE802_11_RADIO`, ...), or its number.
func dataLinkName(_ dataLink: Int32) -> String {
    if let n = pcap_datalink_val_to_name(dataLink) { return String(cString: n) }
    return "DLT \(dataLink)"
}

/// A capture file opened with libpcap (pcap or pcapng): the reader of record for offline input.
public final class PcapFile {
    public let path: String
    let handle: OpaquePointer
    /// The link type as libpcap reports it (`pcap_datalink`).
    public let dataLink: Int32
    /// The decoder's link type, or nil when zonesep does not decode this one.
    public let linkType: LinkType?
    /// A classic pcap file's stream and the size of its record headers (16, or 24 in libpcap's modified
    /// format), to see records cut to the snapshot length; nil for pcapng (libpcap fails such a packet).
    let classic: (file: UnsafeMutablePointer<FILE>, recordHeader: Int64)?
    /// Frames read so far.
    var framesRead = 0
    /// The first record longer than the file's snapshot length (its number, from 1) and that length:
    /// libpcap cuts such a record to it and reads on, so whatever lay past it was never read and the file,
    /// not the traffic, is why its frame ends early. Seen as the stream moving past more bytes than the
    /// record header and the bytes handed over.
    public private(set) var firstCutRecord: (firstRecord: Int, snapshot: UInt32)? = nil

    public init(path: String) throws(PcapError) {
        self.path = path
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard
            let h = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_MICRO), &errbuf)
        else {
            throw PcapError(
                call: "pcap_open_offline", source: path,
                message: PcapFile.string(errbuf))
        }
        handle = h
        dataLink = pcap_datalink(h)
        linkType = LinkType(dlt: dataLink)
        classic = PcapFile.classicStream(h)
    }

    /// The stream of a classic pcap file libpcap reads, with its record header size; nil for pcapng.
    static func classicStream(_ h: OpaquePointer) -> (file: UnsafeMutablePointer<FILE>, recordHeader: Int64)? {
        guard let file = pcap_file(h) else { return nil }
        var magic: UInt32 = 0
        guard pread(fileno(file), &magic, 4, 0) == 4 else { return nil }
        switch magic {
        case 0xa1b2_c3d4, 0xa1b2_3c4d, 0xd4c3_b2a1, 0x4d3c_b2a1: return (file, 16)
        case 0xa1b2_cd34, 0x34cd_b2a1: return (file, 24)
        default: return nil
        }
    }

    deinit { pcap_close(handle) }

    /// libpcap's name for the link type (`EN10MB`, `IEEE802_11_RADIO`, ...), or its number.
    public var dataLinkName: String { ZonesepCapture.dataLinkName(dataLink) }

    /// What one read produced.
    public enum ReadResult {
        case frame(CapturedFrame)
        case end
        /// The file is damaged past this point (truncated record, bad block): earlier frames stand.
        case error(PcapError)
    }

    /// Reads the next frame.
    public func next() -> ReadResult {
        let before = classic.map { ftello($0.file) } ?? 0
        switch PcapNext.read(handle, source: path, unsignedSeconds: classic != nil) {
        case .frame(let f):
            framesRead += 1
            if let c = classic, firstCutRecord == nil,
                ftello(c.file) - before > c.recordHeader + Int64(f.bytes.count)
            {
                firstCutRecord = (framesRead, UInt32(clamping: pcap_snapshot(handle)))
            }
            return .frame(f)
        case .nothing: return .end
        case .error(let e): return .error(e)
        }
    }

    static func string(_ buf: [CChar]) -> String {
        let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The version of libpcap in use (`pcap_lib_version`), for reports.
    public static var libraryVersion: String { String(cString: pcap_lib_version()) }
}
