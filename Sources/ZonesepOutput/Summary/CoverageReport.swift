import ZonesepCore

/// What share of the frames was verified, and why the rest was not (DESIGN.md, "Coverage"): the summary's
/// `coverage` object, its line in the text summary, and the warning on stderr. A verdict of "clean" covers
/// only what was verified; these are the words that keep it from reading as an all-clear.
public enum CoverageReport {
    /// Above this share of frames not verified, stderr says so.
    public static let warningThreshold = 0.01

    /// Frames not verified, by reason with its value or by anomaly kind, most first (ties by label).
    public static func reasons(_ c: Counters) -> [(label: String, frames: UInt64)] {
        var out = c.topNotVerified(Counters.maximumNotVerifiedValues).map { ($0.0.description, $0.1) }
        let listed = out.reduce(0) { $0 + $1.1 }
        if c.framesNotVerified > listed { out.append(("other headers not opened", c.framesNotVerified - listed)) }
        for kind in DecodeAnomaly.allCases where kind != .fragmentOrphan && kind != .captureTruncated {
            if c.count(kind) > 0 { out.append(("malformed (\(kind.name))", c.count(kind))) }
        }
        return out.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
    }

    /// Frames not verified: malformed, or with a header zonesep does not open.
    public static func unverified(_ c: Counters) -> UInt64 { c.framesMalformed + c.framesNotVerified }

    /// The share verified as a percentage with two decimals ("99.75").
    public static func percent(_ share: Double) -> String {
        let hundredths = Int((share * 10_000).rounded(.down))
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// The summary's `coverage` object; `untagged` by the zone names of `map`.
    public static func json(_ c: Counters, untagged: UntaggedVLANFlows, _ map: ZoneMap) -> String {
        var o = JSONObject()
        o.add("frames", c.packets)
        o.add("judged", c.framesJudged)
        o.add("no_ip", c.framesWithoutIP)
        o.add("malformed", c.framesMalformed)
        o.add("not_verified", c.framesNotVerified)
        var byReason = JSONObject()
        for r in NotVerifiedReason.allCases where c.notVerifiedByReason[Int(r.rawValue)] > 0 {
            byReason.add(r.name, c.notVerifiedByReason[Int(r.rawValue)])
        }
        o.addRaw("not_verified_by_reason", byReason.json)
        o.addRaw(
            "unverified_reasons",
            JSONObject.array(
                reasons(c).map { r -> String in
                    var x = JSONObject()
                    x.add("reason", r.label)
                    x.add("frames", r.frames)
                    return x.json
                }))
        o.addRaw("verified_share", shareJSON(c.verifiedShare))
        var tunnels = JSONObject()
        for (kind, flows) in unopenedTunnels(c) { tunnels.add(kind.name, flows) }
        o.addRaw("unopened_tunnels", tunnels.json)
        // Judged, and counted so above: what their cut headers left unseen is said here.
        o.add("tcp_flags_unknown", c.tcpFlagsUnknown)
        // Judged by the flow rules, but the host rules never heard of their senders.
        o.add("host_rules_no_mac", c.hostRulesNoMAC)
        // Flows whose packets carry a VLAN tag: zone-vlan-mismatch judges those alone.
        o.add("flows_tagged", c.flowsTagged)
        // And the untagged ones of zones that declare `vlans`: what it could not judge, by zone.
        o.add("flows_untagged_vlan_zones", untagged.total)
        o.addRaw("flows_untagged_by_zone", untagged.json(map))
        // Judged too: their times did not fit the run's clock (`PacketTimeReport`).
        o.add("time_back_in_flow", c.timesBackInFlow)
        o.add("time_jumps_ignored", c.timeJumpsIgnored)
        return o.json
    }

    /// Flows on ports of tunnels zonesep does not open, by kind, only the kinds seen.
    public static func unopenedTunnels(_ c: Counters) -> [(kind: UnopenedTunnel, flows: UInt64)] {
        UnopenedTunnel.allCases.compactMap { k in
            let n = c.unopenedTunnelFlows[k.rawValue]
            return n > 0 ? (k, n) : nil
        }
    }

    /// "L2TP udp/1701: 2, GTP-U udp/2152: 1": the kinds of `unopenedTunnels` for a person to read.
    public static func tunnelList(_ kinds: [(name: String, flows: UInt64)]) -> String {
        kinds.map { "\(label($0.name)): \(grouped($0.flows))" }.joined(separator: ", ")
    }

    /// A kind's name as written for a person ("vxlan-gpe" → "VXLAN-GPE udp/4790", "l2tpv3-ip" → "L2TPv3
    /// ip/115"); a name this version does
    /// not know (from a saved run) as is.
    public static func label(_ name: String) -> String {
        guard let k = UnopenedTunnel.allCases.first(where: { $0.name == name }) else { return name }
        return "\(k.title) \(k.carrier)"
    }

    /// The stderr warning when flows ran on ports of tunnels zonesep does not open (any at all: what they
    /// carry is never judged, however few frames they are).
    public static func tunnelWarning(_ c: Counters) -> String? {
        let kinds = unopenedTunnels(c)
        guard !kinds.isEmpty else { return nil }
        let n = c.unopenedTunnelFlowsTotal
        return "\(grouped(n)) \(n == 1 ? "flow" : "flows") on ports of tunnels zonesep does not open "
            + "(\(tunnelList(kinds.map { ($0.kind.name, $0.flows) }))): the traffic inside them was not verified"
    }

    /// The stderr warning, and the text summary's line, when IP packets showed no source MAC: the flow rules
    /// judged them, the host rules could not judge their senders (a raw-IP capture judges no device at all).
    public static func hostRulesWarning(_ c: Counters) -> String? {
        let n = c.hostRulesNoMAC
        guard n > 0 else { return nil }
        return "\(grouped(n)) of \(grouped(c.ipPackets)) IP packets showed no source MAC address (no Ethernet "
            + "header, or a tunnel that carries bare IP): the host rules (dual-homed-host, zone-vlan-mismatch) "
            + "could not judge their senders"
    }

    /// The stderr warning, and the text summary's line, for a file with stretches of over a minute without a
    /// packet inside it: a quiet link, or traffic not captured, of which the run says nothing.
    public static func gapWarning(path: String, gaps: [PacketGap], notListed: UInt64) -> String? {
        guard let longest = gaps.max(by: { $0.toMicros - $0.fromMicros < $1.toMicros - $1.fromMicros }) else {
            return nil
        }
        let n = UInt64(gaps.count) &+ notListed
        return "\(path): \(grouped(n)) \(n == 1 ? "stretch" : "stretches") of over 1 min with no packet inside the "
            + "file (the longest listed from \(Timestamp.rfc3339(longest.fromMicros)) to "
            + "\(Timestamp.rfc3339(longest.toMicros))): if the link carried traffic then, it was not captured, "
            + "and the run says nothing of it"
    }

    /// The verified share with four decimals, as a JSON number (deterministic text, no float formatting).
    static func shareJSON(_ share: Double) -> String {
        let units = Int((share * 10_000).rounded(.down))
        let fraction = String(units % 10_000)
        return "\(units / 10_000).\(String(repeating: "0", count: 4 - fraction.count))\(fraction)"
    }

    /// The text summary's line.
    public static func textLine(_ c: Counters) -> String {
        // Not "100.00 % of 0 frames verified": there was nothing to verify.
        if c.packets == 0 { return "Coverage: no frames read, nothing verified\n" }
        var line =
            "Coverage: \(percent(c.verifiedShare)) % of \(c.packets) frames verified "
            + "(\(c.framesJudged) IP packets judged, \(c.framesWithoutIP) frames without IP)"
        let missing = unverified(c)
        if missing > 0 {
            let top = reasons(c).prefix(5).map { "\($0.label): \($0.frames)" }.joined(separator: ", ")
            line += "; NOT verified: \(missing) frames (\(top)). \"No violation\" covers only the verified frames."
        }
        if let tunnels = tunnelWarning(c) { line += "; " + tunnels + "." }
        return line + "\n"
    }

    /// The stderr warning when more than 1 % of the frames could not be verified, naming the top reasons.
    public static func warning(_ c: Counters) -> String? {
        let missing = unverified(c)
        guard c.packets > 0, Double(missing) / Double(c.packets) > warningThreshold else { return nil }
        let top = reasons(c).prefix(3).map { "\($0.label): \(frames($0.frames))" }.joined(separator: "; ")
        return "\(grouped(missing)) of \(grouped(c.packets)) frames (\(percent(1 - c.verifiedShare)) %) could not be "
            + "verified, so what zonesep reports covers only the rest. Top reasons: \(top)"
    }

    /// "1 frame", "1,204 frames".
    static func frames(_ n: UInt64) -> String { n == 1 ? "1 frame" : "\(grouped(n)) frames" }

    /// 1204 → "1,204".
    static func grouped(_ n: UInt64) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }
}
