import Foundation

/// tshark as the independent decoder: its JSON decode of the same datagrams, turned into the canonical
/// lines of `Canonical`, one list per frame.
enum Tshark {
    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark") }

    /// tshark's JSON for `file`, with UDP `port` decoded as `dissector` (cflow or sflow).
    static func frames(_ file: String, port: UInt16, dissector: String) throws -> [[String: Any]] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/tshark")
        p.arguments = ["-r", file, "-d", "udp.port==\(port),\(dissector)", "-T", "json", "--no-duplicate-keys"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard let packets = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return packets.compactMap { ($0["_source"] as? [String: Any])?["layers"] as? [String: Any] }
    }

    // MARK: NetFlow / IPFIX

    /// The flow records of each frame, as canonical lines (options records, which have no addresses, are
    /// left out). `times`: include start and end (µs).
    static func cflowRecords(_ file: String, port: UInt16, times: Bool = true) throws -> [[String]] {
        try frames(file, port: port, dissector: "cflow").map { layers in
            guard let cflow = layers["cflow"] as? [String: Any] else { return [] }
            var flows: [[String: Any]] = []
            collect(cflow, prefix: "Flow ", into: &flows)
            collect(cflow, prefix: "pdu ", into: &flows)  // NetFlow v5
            // The export time's seconds and nanoseconds sit in a subtree of the header.
            let header = cflow.merging(cflow["cflow.timestamp_tree"] as? [String: Any] ?? [:]) { a, _ in a }
            return flows.compactMap { cflowLine($0, header: header, times: times) }.sorted()
        }
    }

    static func cflowLine(_ f: [String: Any], header: [String: Any], times: Bool) -> String? {
        guard let src = string(f["cflow.srcaddr"]) ?? string(f["cflow.srcaddrv6"]),
            let dst = string(f["cflow.dstaddr"]) ?? string(f["cflow.dstaddrv6"])
        else { return nil }
        let proto = int(f["cflow.protocol"]) ?? 0
        let srcPort = int(f["cflow.srcport"]) ?? 0
        let dstPort = int(f["cflow.dstport"]) ?? 0
        var icmp: (Int, Int)? = nil
        if proto == 1 {
            if let tc = int(f["cflow.icmp_type_code_ipv4"]) {
                icmp = (tc >> 8, tc & 0xff)
            } else {
                icmp = (dstPort >> 8, dstPort & 0xff)
            }
        } else if proto == 58 {
            if let t = int(f["cflow.icmp_ipv6_type"]) {
                icmp = (t, int(f["cflow.icmp_ipv6_code"]) ?? 0)
            } else {
                icmp = (dstPort >> 8, dstPort & 0xff)
            }
        }
        let flags = list(f["cflow.tcpflags"]).compactMap(parseInt)
        let packets = list(f["cflow.packets"]).compactMap { UInt64($0) }
        let octets = list(f["cflow.octets"]).compactMap { UInt64($0) }
        var reverse: (Int, UInt64, UInt64)? = nil
        if packets.count > 1 || octets.count > 1 || flags.count > 1 {
            reverse = (
                flags.count > 1 ? flags[1] : 0, packets.count > 1 ? packets[1] : 0, octets.count > 1 ? octets[1] : 0
            )
        }
        var start: Int64? = nil
        var end: Int64? = nil
        // Milliseconds and uptimes come in a tree with the duration; NTP-format times (IEs 154-157) do not.
        if times, let tree = f["cflow.timedelta_tree"] as? [String: Any] ?? (f["cflow.abstimestart"] != nil ? f : nil) {
            if let s = string(tree["cflow.abstimestart"]), let e = string(tree["cflow.abstimeend"]) {
                start = absoluteMicros(s)
                end = absoluteMicros(e)
            } else if let s = string(tree["cflow.timestart"]), let e = string(tree["cflow.timeend"]) {
                start = uptimeMicros(s, header: header)
                end = uptimeMicros(e, header: header)
            }
        }
        return Canonical.line(
            src: src, dst: dst, proto: proto, srcPort: srcPort, dstPort: dstPort, icmp: icmp, flags: flags.first ?? 0,
            packets: packets.first ?? 0, bytes: octets.first ?? 0,
            reverse: reverse.map { (flags: $0.0, packets: $0.1, bytes: $0.2) }, srcMAC: string(f["cflow.srcmac"]),
            dstMAC: string(f["cflow.dstmac"]), vlans: list(f["cflow.vlanid"]).compactMap { Int($0) }.filter { $0 != 0 },
            start: start, end: end)
    }

    /// "Jun 14, 2026 23:30:00.500000000 UTC" in µs since the epoch, rounded to the nearest µs: tshark
    /// prints an NTP-format time's fraction truncated to ns (0.25 s as .249999999), zonesep rounds it to µs.
    static func absoluteMicros(_ text: String) -> Int64? {
        let words = text.split(separator: " ")
        guard words.count == 5, let dot = words[3].firstIndex(of: ".") else { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "MMM d, yyyy HH:mm:ss"
        guard let date = f.date(from: "\(words[0]) \(words[1]) \(words[2]) \(words[3][..<dot])") else { return nil }
        let fraction = String(words[3][words[3].index(after: dot)...]).padding(toLength: 9, withPad: "0", startingAt: 0)
        return Int64(date.timeIntervalSince1970) * 1_000_000 + ((Int64(fraction.prefix(9)) ?? 0) + 500) / 1000
    }

    /// A relative (sysUpTime) time in seconds, placed through the header's uptime and export time as RFC 3954
    /// defines them: the flow was `sysUpTime - time` ms (modulo 2^32) before the export.
    static func uptimeMicros(_ text: String, header: [String: Any]) -> Int64? {
        guard let t = Double(text), let up = Double(string(header["cflow.sysuptime"]) ?? ""),
            let secs = Int64(string(header["cflow.unix_secs"]) ?? "")
        else { return nil }
        let nsecs = Int64(string(header["cflow.unix_nsecs"]) ?? "0") ?? 0
        let before = Int64(
            Int32(bitPattern: UInt32(truncatingIfNeeded: Int64((up * 1000).rounded()) - Int64((t * 1000).rounded()))))
        return secs * 1_000_000 + nsecs / 1000 - before * 1000
    }

    // MARK: sFlow

    /// The flow samples of each frame whose sampled header holds an IP packet, as canonical lines (no times:
    /// sFlow has none; the sampling rate instead).
    static func sflowSamples(_ file: String, port: UInt16) throws -> [[String]] {
        try frames(file, port: port, dissector: "sflow").map { layers in
            guard let sflow = layers["sflow"] as? [String: Any] else { return [] }
            var samples: [[String: Any]] = []
            collect(sflow, prefix: "Flow sample", into: &samples)
            collect(sflow, prefix: "Expanded flow sample", into: &samples)
            return samples.compactMap(sflowLine).sorted()
        }
    }

    static func sflowLine(_ s: [String: Any]) -> String? {
        guard let raw = s["Raw packet header"] as? [String: Any],
            let tree = raw["sflow_245.header_tree"] as? [String: Any]
        else { return nil }
        let ip = first(tree["ip"]) ?? first(tree["ipv6"])
        guard let ip else { return nil }
        let src = string(ip["ip.src"]) ?? string(ip["ipv6.src"]) ?? "?"
        let dst = string(ip["ip.dst"]) ?? string(ip["ipv6.dst"]) ?? "?"
        var proto = int(ip["ip.proto"]) ?? int(ip["ipv6.nxt"]) ?? 0
        var srcPort = 0
        var dstPort = 0
        var flags = 0
        var icmp: (Int, Int)? = nil
        if let t = first(tree["tcp"]) {
            proto = 6
            srcPort = int(t["tcp.srcport"]) ?? 0
            dstPort = int(t["tcp.dstport"]) ?? 0
            flags = int(t["tcp.flags"]) ?? 0
        } else if let u = first(tree["udp"]) {
            proto = 17
            srcPort = int(u["udp.srcport"]) ?? 0
            dstPort = int(u["udp.dstport"]) ?? 0
        } else if let i = first(tree["icmp"]) {
            proto = 1
            icmp = (int(i["icmp.type"]) ?? 0, int(i["icmp.code"]) ?? 0)
        } else if let i = first(tree["icmpv6"]) {
            proto = 58
            icmp = (int(i["icmpv6.type"]) ?? 0, int(i["icmpv6.code"]) ?? 0)
        }
        var vlans: [Int] = []
        for key in ["ieee8021ad", "vlan"] {
            for tag in dicts(tree[key]) {
                if let id = int(tag["vlan.id"]) ?? int(tag["ieee8021ad.id"]) { vlans.append(id) }
            }
        }
        if vlans.isEmpty, let sw = s["Extended switch data"] as? [String: Any], let v = int(sw["sflow_245.vlan.in"]),
            v != 0
        {
            vlans = [v]
        }
        let eth = first(tree["eth"])
        let frame = UInt64(int(raw["sflow_245.header.frame_length"]) ?? 0)
        let stripped = UInt64(int(raw["sflow_245.header.payload_stripped"]) ?? 0)
        return Canonical.line(
            src: src, dst: dst, proto: proto, srcPort: srcPort, dstPort: dstPort, icmp: icmp, flags: flags, packets: 1,
            bytes: frame - min(frame, stripped), reverse: nil, srcMAC: eth.flatMap { string($0["eth.src"]) },
            dstMAC: eth.flatMap { string($0["eth.dst"]) }, vlans: vlans, start: nil, end: nil,
            rate: UInt32(int(s["sflow.flow_sample.sampling_rate"]) ?? 0))
    }

    // MARK: JSON helpers

    /// Every object under a key starting with `prefix`, depth first.
    static func collect(_ node: Any, prefix: String, into out: inout [[String: Any]]) {
        if let d = node as? [String: Any] {
            for (k, v) in d {
                if k.hasPrefix(prefix), let obj = v as? [String: Any] {
                    out.append(obj)
                } else {
                    collect(v, prefix: prefix, into: &out)
                }
            }
        } else if let a = node as? [Any] {
            for v in a { collect(v, prefix: prefix, into: &out) }
        }
    }

    static func string(_ v: Any?) -> String? { (v as? String) ?? (v as? [Any])?.first as? String }
    static func list(_ v: Any?) -> [String] { (v as? [String]) ?? ((v as? String).map { [$0] } ?? []) }
    static func first(_ v: Any?) -> [String: Any]? { (v as? [String: Any]) ?? (v as? [Any])?.first as? [String: Any] }
    static func dicts(_ v: Any?) -> [[String: Any]] {
        (v as? [[String: Any]]) ?? ((v as? [String: Any]).map { [$0] } ?? [])
    }
    static func int(_ v: Any?) -> Int? { string(v).flatMap(parseInt) }
    static func parseInt(_ s: String) -> Int? { s.hasPrefix("0x") ? Int(s.dropFirst(2), radix: 16) : Int(s) }
}
