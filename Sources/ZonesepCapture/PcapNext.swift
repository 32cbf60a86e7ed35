import CPcap

/// One `pcap_next_ex` call, for the file and the live handle alike, so that both read and fail the same way:
/// a frame, nothing this time (a live handle with nothing waiting, `pcap_breakloop`, or a file's end), or
/// libpcap's error naming `source`. `unsignedSeconds` for a classic pcap file (`CapturedFrame.init(header:)`).
enum PcapNext {
    case frame(CapturedFrame)
    case nothing
    case error(PcapError)

    static func read(_ handle: OpaquePointer, source: String, unsignedSeconds: Bool = false) -> PcapNext {
        var header: UnsafeMutablePointer<pcap_pkthdr>? = nil
        var data: UnsafePointer<UInt8>? = nil
        switch pcap_next_ex(handle, &header, &data) {
        case 1:
            guard let h = header, let d = data else { return .nothing }
            return .frame(CapturedFrame(header: h, data: d, unsignedSeconds: unsignedSeconds))
        case 0, PCAP_ERROR_BREAK:
            return .nothing
        default:
            return .error(
                PcapError(call: "pcap_next_ex", source: source, message: String(cString: pcap_geterr(handle))))
        }
    }
}
