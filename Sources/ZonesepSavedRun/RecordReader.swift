import Foundation
import ZonesepCore
import ZonesepOutput

/// Field access with messages that name the file, the line and the key.
struct RecordReader {
    var file: String
    var line: Int
    let policy: Policy
    let zoneRefs: [String: ZoneRef]
    /// The fields of an alert record the report reads.
    static let alertKeys: Set<String> = [
        "flow_id", "timestamp", "src_zone", "dest_zone", "initiator", "vlan", "evidence",
    ]

    init(file: String, line: Int, policy: Policy) {
        self.file = file
        self.line = line
        self.policy = policy
        var refs: [String: ZoneRef] = ["external": .external, "unzoned": .unzoned, "local": .local]
        for (i, z) in policy.config.zones.enumerated() { refs[z.id] = ZoneRef(zone: i) }
        zoneRefs = refs
    }

    func fail(_ key: String, _ what: String) -> ReportError {
        ReportError("\(file):\(line): \(key): \(what)")
    }

    func uint(_ o: [String: Any], _ key: String, in path: String = "") throws(ReportError) -> UInt64 {
        let v = o[key]
        if let i = v as? Int, i >= 0 { return UInt64(i) }
        if let n = v as? NSNumber, n.int64Value >= 0, !(v is Bool) { return n.uint64Value }
        throw fail(path + key, v == nil ? "missing" : "not a non-negative integer")
    }

    func string(_ o: [String: Any], _ key: String, in path: String = "") throws(ReportError) -> String {
        guard let s = o[key] as? String else { throw fail(path + key, o[key] == nil ? "missing" : "not a string") }
        return s
    }

    func optionalString(_ o: [String: Any], _ key: String, in path: String = "") throws(ReportError) -> String? {
        guard let v = o[key], !(v is NSNull) else { return nil }
        guard let s = v as? String else { throw fail(path + key, "not a string or null") }
        return s
    }

    func time(_ o: [String: Any], _ key: String, in path: String = "") throws(ReportError) -> Int64 {
        let s = try string(o, key, in: path)
        guard let t = ReportText.micros(rfc3339: s) else { throw fail(path + key, "'\(s)' is not an RFC 3339 time") }
        return t
    }

    func optionalTime(_ o: [String: Any], _ key: String, in path: String = "") throws(ReportError) -> Int64? {
        guard let s = try optionalString(o, key, in: path) else { return nil }
        guard let t = ReportText.micros(rfc3339: s) else { throw fail(path + key, "'\(s)' is not an RFC 3339 time") }
        return t
    }

    func port(_ o: [String: Any], _ key: String, in path: String) throws(ReportError) -> UInt16? {
        guard let v = o[key], !(v is NSNull) else { return nil }
        let n = try uint(o, key, in: path)
        guard n <= 65535 else { throw fail(path + key, "\(n) is not a port number") }
        return UInt16(n)
    }

    func ip(_ o: [String: Any], _ key: String, in path: String) throws(ReportError) -> IPAddress {
        let s = try string(o, key, in: path)
        guard let a = IPAddress(s) else { throw fail(path + key, "'\(s)' is not an IP address") }
        return a
    }

    func zone(_ name: String, _ key: String) throws(ReportError) -> ZoneRef {
        guard let z = zoneRefs[name] else {
            throw fail(key, "zone '\(name)' is not declared in this zones.conf: give the zones.conf the run used")
        }
        return z
    }

    func object(_ o: [String: Any], _ key: String, in path: String = "") throws(ReportError) -> [String: Any] {
        guard let x = o[key] as? [String: Any] else {
            throw fail(path + key, o[key] == nil ? "missing" : "not an object")
        }
        return x
    }

    func array(_ o: [String: Any], _ key: String, in path: String = "") throws(ReportError) -> [[String: Any]] {
        guard let x = o[key] as? [Any] else { throw fail(path + key, o[key] == nil ? "missing" : "not an array") }
        var out: [[String: Any]] = []
        for (i, item) in x.enumerated() {
            guard let obj = item as? [String: Any] else { throw fail("\(path)\(key)[\(i)]", "not an object") }
            out.append(obj)
        }
        return out
    }

    mutating func report(
        _ s: [String: Any], alerts: [(line: Int, object: [String: Any])], provenance: AuditReport.Provenance
    ) throws(ReportError) -> AuditReport {
        let totals = AuditReport.Totals(
            packets: try uint(s, "packets"), bytes: try uint(s, "bytes"), ipPackets: try uint(s, "ip_packets"),
            nonIPPackets: try uint(s, "non_ip_packets"), flows: try uint(s, "flows"))
        let ft = try object(s, "flow_table")
        let flowTable = AuditReport.FlowTableUse(
            capacity: Int(clamping: try uint(ft, "capacity", in: "flow_table.")),
            activeAtEnd: Int(clamping: try uint(ft, "active_at_end", in: "flow_table.")),
            evicted: try uint(ft, "evicted", in: "flow_table."))

        // Anomalies in DESIGN.md's order of kinds (a JSON object's order is not kept), unknown kinds last.
        let an = try object(s, "anomalies")
        var anomalies: [AuditReport.AnomalyCount] = []
        for k in DecodeAnomaly.allCases where an[k.name] != nil {
            anomalies.append(.init(kind: k.name, packets: try uint(an, k.name, in: "anomalies.")))
        }
        let known = Set(DecodeAnomaly.allCases.map(\.name))
        for k in an.keys.sorted() where !known.contains(k) {
            anomalies.append(.init(kind: k, packets: try uint(an, k, in: "anomalies.")))
        }
        anomalies.removeAll { $0.packets == 0 }

        var matrix = ZoneMatrix(zoneCount: policy.config.zones.count)
        let m = try object(s, "matrix")
        for (i, c) in try array(m, "packets", in: "matrix.").enumerated() {
            let at = "matrix.packets[\(i)]."
            let a = try zone(try string(c, "src_zone", in: at), at + "src_zone")
            let b = try zone(try string(c, "dest_zone", in: at), at + "dest_zone")
            let x = matrix.index(a) * matrix.side + matrix.index(b)
            matrix.packets[x] = try uint(c, "packets", in: at)
            matrix.bytes[x] = try uint(c, "bytes", in: at)
        }
        for (i, c) in try array(m, "flows", in: "matrix.").enumerated() {
            let at = "matrix.flows[\(i)]."
            let a = try zone(try string(c, "src_zone", in: at), at + "src_zone")
            let b = try zone(try string(c, "dest_zone", in: at), at + "dest_zone")
            matrix.flows[matrix.index(a) * matrix.side + matrix.index(b)] = try uint(c, "flows", in: at)
        }

        var files: [AuditReport.CaptureFile] = []
        for (i, f) in try array(s, "files").enumerated() {
            let at = "files[\(i)]."
            files.append(
                AuditReport.CaptureFile(
                    path: try string(f, "path", in: at), linkType: try optionalString(f, "link_type", in: at),
                    packets: try uint(f, "packets", in: at),
                    firstPacketMicros: try optionalTime(f, "first_packet", in: at),
                    lastPacketMicros: try optionalTime(f, "last_packet", in: at),
                    error: try optionalString(f, "error", in: at)))
        }

        // Each violation's alert: the same flow id and first packet time, taken in order (a 5-tuple reused
        // later is another flow with the same Community ID but a later first packet).
        let summaryLine = line
        var alertsByKey: [String: [(line: Int, object: [String: Any])]] = [:]
        for a in alerts {
            let key = "\(a.object["flow_id"] as? String ?? "")|\(a.object["timestamp"] as? String ?? "")"
            alertsByKey[key, default: []].append(a)
        }
        var violations: [AuditReport.ViolatingFlow] = []
        for (i, v) in try array(s, "violations").enumerated() {
            let at = "violations[\(i)]."
            let ruleName = try string(v, "rule", in: at)
            guard let rule = RuleID.allCases.first(where: { $0.name == ruleName }) else {
                throw fail(at + "rule", "'\(ruleName)' is not a rule id")
            }
            let flowID = try string(v, "flow_id", in: at)
            let firstSeen = try string(v, "first_seen", in: at)
            var flow = AuditReport.ViolatingFlow(
                number: i + 1, flowID: flowID, rule: rule, proto: try string(v, "proto", in: at),
                srcIP: try ip(v, "src_ip", in: at), srcPort: try port(v, "src_port", in: at),
                destIP: try ip(v, "dest_ip", in: at), destPort: try port(v, "dest_port", in: at),
                srcZone: .external, destZone: .external, initiatorMethod: nil, vlan: [],
                firstSeenMicros: try time(v, "first_seen", in: at), lastSeenMicros: try time(v, "last_seen", in: at),
                packets: try uint(v, "packets", in: at), bytes: try uint(v, "bytes", in: at),
                end: try string(v, "end", in: at), evidence: try evidence(v, in: at))
            let key = "\(flowID)|\(firstSeen)"
            if var queue = alertsByKey[key], !queue.isEmpty {
                let a = queue.removeFirst()
                alertsByKey[key] = queue
                line = a.line
                flow.srcZone = try zone(try string(a.object, "src_zone"), "src_zone")
                flow.destZone = try zone(try string(a.object, "dest_zone"), "dest_zone")
                flow.initiatorMethod = try optionalString(a.object, "initiator")
                if let tags = a.object["vlan"] as? [Any] {
                    for t in tags {
                        guard let n = (t as? NSNumber)?.intValue, (0...4095).contains(n) else {
                            throw fail("vlan", "not a list of VLAN ids")
                        }
                        flow.vlan.append(UInt16(n))
                    }
                }
                if flow.evidence == nil, let file = try optionalString(a.object, "evidence") {
                    flow.evidence = AuditReport.Evidence(path: file)
                }
                line = summaryLine
            } else {
                // No alert record for it (the file was cut, or filtered): the zones follow from zones.conf.
                flow.srcZone = policy.zoneMap.lookup(flow.srcIP)
                flow.destZone = policy.zoneMap.lookup(flow.destIP)
            }
            violations.append(flow)
        }

        return AuditReport(
            provenance: provenance, policy: policy, sensor: try string(s, "sensor"), totals: totals, files: files,
            flowTable: flowTable, droppedPackets: s["dropped"] == nil ? nil : try uint(s, "dropped"),
            anomalies: anomalies, matrix: matrix, violations: violations)
    }

    /// `evidence`: a path, or an object with `path` and `sha256` (written by the evidence sink, when it runs).
    func evidence(_ v: [String: Any], in at: String) throws(ReportError) -> AuditReport.Evidence? {
        guard let e = v["evidence"], !(e is NSNull) else { return nil }
        if let path = e as? String { return AuditReport.Evidence(path: path) }
        guard let o = e as? [String: Any] else { throw fail(at + "evidence", "not a path or an object") }
        return AuditReport.Evidence(
            path: try string(o, "path", in: at + "evidence."),
            sha256: try optionalString(o, "sha256", in: at + "evidence."))
    }
}
