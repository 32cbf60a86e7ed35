import ZonesepCore
import ZonesepFlowExport

/// One line per record holding every field both zonesep and tshark report, so the two decodes compare as
/// sorted lists of strings (tshark's JSON objects do not keep the records' order).
enum Canonical {
    static func line(
        src: String, dst: String, proto: Int, srcPort: Int, dstPort: Int, icmp: (Int, Int)?, flags: Int,
        packets: UInt64, bytes: UInt64, reverse: (flags: Int, packets: UInt64, bytes: UInt64)?, srcMAC: String?,
        dstMAC: String?, vlans: [Int], start: Int64?, end: Int64?, rate: UInt32? = nil
    ) -> String {
        var s = "\(src)"
        if let icmp {
            s += " > \(dst) proto \(proto) icmp \(icmp.0)/\(icmp.1)"
        } else {
            s += ":\(srcPort) > \(dst):\(dstPort) proto \(proto)"
        }
        s += " flags 0x\(String(flags, radix: 16)) \(packets)p \(bytes)B"
        if let r = reverse { s += " reverse flags 0x\(String(r.flags, radix: 16)) \(r.packets)p \(r.bytes)B" }
        if srcMAC != nil || dstMAC != nil { s += " mac \(srcMAC ?? "-") > \(dstMAC ?? "-")" }
        if !vlans.isEmpty { s += " vlan \(vlans.map(String.init).joined(separator: ","))" }
        if let start, let end { s += " time \(start)-\(end)" }
        if let rate { s += " 1/\(rate)" }
        return s
    }

    static func line(_ r: FlowRecord, times: Bool = true, rate: Bool = false) -> String {
        // A non-first fragment of an ICMP message has no ICMP header: no type, like tshark shows it.
        let isICMP = r.hasICMPType
        return line(
            src: r.src.description, dst: r.dst.description, proto: Int(r.proto), srcPort: Int(r.srcPort),
            dstPort: Int(r.dstPort), icmp: isICMP ? (Int(r.icmpType), Int(r.icmpCode)) : nil, flags: Int(r.tcpFlags),
            packets: r.packets, bytes: r.bytes,
            reverse: r.isBiflow ? (Int(r.reverseTCPFlags), r.reversePackets, r.reverseBytes) : nil,
            srcMAC: r.srcMAC?.description, dstMAC: r.dstMAC?.description,
            vlans: [r.vlan0, r.vlan1].prefix(Int(r.vlanCount)).map(Int.init), start: times ? r.startMicros : nil,
            end: times ? r.endMicros : nil, rate: rate ? r.samplingRate : nil)
    }
}
