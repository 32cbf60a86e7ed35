import ZonesepCore

/// One table of the report as text cells: what `--report-format md` and `csv` print, for pasting into an
/// audit document.
public struct ReportTable: Sendable, Equatable {
    /// Stable id (`violations`, `matrix`, ...), the same in every format.
    public var id: String
    public var title: String
    public var titleEnglish: String
    public var header: [String]
    public var rows: [[String]]
    /// Columns holding numbers (right-aligned in Markdown).
    public var numeric: Set<Int>

    public init(
        id: String, title: String, titleEnglish: String, header: [String], rows: [[String]], numeric: Set<Int> = []
    ) {
        self.id = id
        self.title = title
        self.titleEnglish = titleEnglish
        self.header = header
        self.rows = rows
        self.numeric = numeric
    }
}

extension AuditReport {
    /// The report's tables, in the order of the HTML report. `time` formats a packet time.
    public func tables(time: (Int64) -> String) -> [ReportTable] {
        let map = policy.zoneMap
        func zone(_ r: ZoneRef) -> String { map.name(of: r) }
        func opt(_ t: Int64?) -> String { t.map(time) ?? "" }
        var out: [ReportTable] = []

        out.append(
            ReportTable(
                id: "scope", title: "監査範囲", titleEnglish: "Scope", header: ["項目 item", "値 value"],
                rows: [
                    ["センサー sensor", sensor],
                    ["取得開始 first packet", opt(firstPacketMicros)],
                    ["取得終了 last packet", opt(lastPacketMicros)],
                    ["ファイル数 files", "\(captureFileCount)"],
                    ["パケット packets", "\(totals.packets)"],
                    ["バイト bytes", "\(totals.bytes)"],
                    ["IPパケット IP packets", "\(totals.ipPackets)"],
                    ["フロー flows", "\(totals.flows)"],
                    ["zones.conf", provenance.configPath],
                    [
                        "zones.conf SHA-256",
                        provenance.configSHA256 + (provenance.configFromRun ? "" : " " + AuditReport.configNotFromRun),
                    ],
                    ["zonesep", provenance.zonesepVersion],
                    ["libpcap", provenance.libpcapVersion],
                ]
                    + (provenance.reportMadeBy.map {
                        [["報告書の作成 report made by", "zonesep \($0.zonesepVersion) · \($0.libpcapVersion)"]]
                    } ?? [])))

        out.append(
            ReportTable(
                id: "verdict", title: "判定（規則別の違反フロー数・違反機器数）",
                titleEnglish: "Verdict: violating flows and devices by rule",
                header: ["規則 rule", "重大度 severity", "内容 description", "違反フロー violating flows"],
                rows: RuleID.allCases.map {
                    [
                        $0.name, $0.severity.rawValue, ReportText.ruleTitle($0),
                        "\(UInt64(violations(of: $0).count) &+ omittedFlows(of: $0))",
                    ]
                } + notListedRows + [["合計 total", "", "", "\(violatingFlows)"]] + deviceRows + tunnelRows,
                numeric: [3]))

        out.append(
            ReportTable(
                id: "violations", title: "違反フロー", titleEnglish: "Violating flows",
                header: [
                    "No.", "規則 rule", "重大度 severity", "開始側 initiator", "開始側ゾーン initiator zone",
                    "応答側 responder", "応答側ゾーン responder zone", "サービス service", "VLAN",
                    "初回 first seen", "最終 last seen", "パケット packets", "バイト bytes", "終了 end",
                    "flow_id", "証拠 evidence", "SHA-256", "証拠の状態 evidence status",
                ],
                rows: RuleID.allCases.flatMap { violations(of: $0) }.map { v in
                    [
                        "\(v.number)", v.rule.name, v.rule.severity.rawValue,
                        v.srcEndpoint, zone(v.srcZone),
                        v.destEndpoint, zone(v.destZone), v.service,
                        v.vlan.map(String.init).joined(separator: "/"), time(v.firstSeenMicros),
                        time(v.lastSeenMicros), "\(v.packets)", "\(v.bytes)", v.end, v.flowID,
                        v.evidence?.path ?? "", v.evidence?.sha256 ?? "", ReportText.evidenceStatus(v.evidence),
                    ]
                },
                numeric: [0, 11, 12]))

        if let devices {
            // One row per address of each device, so a spreadsheet can filter by zone.
            out.append(
                ReportTable(
                    id: "devices", title: "二つの系にまたがる機器・VLAN違い",
                    titleEnglish: "Devices: dual-homed hosts and hosts on another zone's VLAN",
                    header: [
                        "No.", "規則 rule", "重大度 severity", "機器 MAC", "ゾーン zone", "アドレス address", "VLAN",
                        "初回 first seen", "根拠 seen by", "検出 finding",
                    ],
                    rows: devices.flatMap { d in
                        d.addresses.map { a in
                            [
                                "\(d.number)", d.rule.name, d.severity.rawValue, d.mac, zone(a.zone), a.ip.description,
                                a.vlan.map(String.init).joined(separator: "/"), opt(a.firstSeenMicros),
                                a.seenBy ?? "", time(d.timestampMicros),
                            ]
                        }
                    },
                    numeric: [0]))
        }

        out.append(
            ReportTable(
                id: "hosts", title: "違反フローを開始したホスト（上位）", titleEnglish: "Top offending hosts (initiators)",
                header: [
                    "ホスト host", "ゾーン zone", "違反フロー flows", "応答側の数 responders", "パケット packets",
                    "バイト bytes", "規則 rules",
                ],
                rows: offendingHosts().map { h in
                    [
                        h.address.description, zone(h.zone), "\(h.flows)", "\(h.responders)", "\(h.packets)",
                        "\(h.bytes)", h.rules.map(\.name).joined(separator: " "),
                    ]
                },
                numeric: [2, 3, 4, 5]))

        let perCell = violationsByCell()
        var matrixRows: [[String]] = []
        for a in matrixAxis {
            for b in matrixAxis {
                let c = cell(a, b)
                guard c.packets > 0 || c.flows > 0 else { continue }
                matrixRows.append([
                    zone(a), zone(b), "\(c.flows)", "\(c.packets)", "\(c.bytes)",
                    policy.restricts(a, b) ? "yes" : "", "\(perCell[matrix.index(a) * matrix.side + matrix.index(b)])",
                ])
            }
        }
        out.append(
            ReportTable(
                id: "matrix", title: "ゾーン間通信", titleEnglish: "Zone-to-zone matrix",
                header: [
                    "送信元 from", "宛先 to", "フロー flows", "パケット packets", "バイト bytes",
                    "制限対象 restricted", "違反フロー violating flows",
                ],
                rows: matrixRows, numeric: [2, 3, 4, 6]))

        out.append(
            ReportTable(
                id: "zones", title: "ゾーン", titleEnglish: "Zones",
                header: ["ゾーン zone", "種別 kind", "名称 label", "ネットワーク networks"],
                rows: policy.config.zones.map { [$0.id, $0.kind.rawValue, $0.label, ReportText.prefixes($0.networks)] }
                    + [["(internal)", "", "内部アドレス空間 internal space", ReportText.prefixes(policy.config.internal)]]
            ))
        out.append(
            ReportTable(
                id: "conduits", title: "連携経路", titleEnglish: "Conduits",
                header: ["名前 name", "開始側 from", "開始側MAC from MAC", "応答側 to", "応答側MAC to MAC", "ポート ports"],
                rows: policy.config.conduits.map {
                    [
                        $0.name, ReportText.prefixes($0.from), $0.fromMAC?.description ?? "",
                        ReportText.prefixes($0.to), $0.toMAC?.description ?? "", ReportText.ports($0.ports),
                    ]
                }))
        out.append(
            ReportTable(
                id: "sanitisation", title: "無害化経路", titleEnglish: "Sanitisation paths",
                header: ["名前 name", "方式 method", "開始側 from", "応答側 to", "ポート ports"],
                rows: policy.config.sanitisation.map {
                    [
                        $0.name, $0.method.rawValue, ReportText.prefixes($0.from), ReportText.prefixes($0.to),
                        ReportText.ports($0.ports),
                    ]
                }))
        out.append(
            ReportTable(
                id: "gateways", title: "セキュリティクラウド", titleEnglish: "Gateways",
                header: ["名前 name", "アドレス addresses"],
                rows: policy.config.gateways.map { [$0.name, ReportText.prefixes($0.addresses)] }))
        out.append(
            ReportTable(
                id: "exceptions", title: "例外措置", titleEnglish: "Exceptions",
                header: [
                    "名前 name", "開始側 from", "応答側 to", "ポート ports", "承認 approved", "期限 expires",
                    "状態 status",
                ],
                rows: policy.config.exceptions.map {
                    [
                        $0.name, ReportText.prefixes($0.from), ReportText.prefixes($0.to), ReportText.ports($0.ports),
                        $0.approved, $0.expiresText, ReportText.exceptionStatus(status(of: $0)).en,
                    ]
                }))

        if let ds = declarations {
            out.append(
                ReportTable(
                    id: "declarations", title: "宣言の利用状況", titleEnglish: "What each declaration allowed",
                    header: [
                        "種類 type", "名前 name", "フロー flows", "パケット packets", "バイト bytes", "最初 first use",
                        "最後 last use", "見直し review",
                    ],
                    rows: ReplaySummary.declarationRows(ds, lastPacket: exceptionsAsOfMicros).enumerated().map {
                        i, row in
                        [row[0], row[1], row[2], row[3], row[4], opt(ds[i].firstSeenMicros), opt(ds[i].lastSeenMicros)]
                            + [row[6]]
                    }, numeric: [2, 3, 4]))
        }
        out.append(
            ReportTable(
                id: "files", title: "取得ファイル", titleEnglish: "Capture files",
                header: [
                    "ファイル file", "リンク種別 link type", "パケット packets", "取りこぼし dropped", "最初 first packet",
                    "最後 last packet", "状態 status",
                ],
                rows: files.map {
                    [
                        $0.path, $0.linkType ?? "", "\($0.packets)", Self.dropsCell(drops(of: $0)),
                        opt($0.firstPacketMicros), opt($0.lastPacketMicros),
                        $0.error ?? $0.skipped.map { "skipped: " + $0 } ?? $0.capture?.status
                            ?? $0.note.map { "ok; " + $0 } ?? "ok",
                    ]
                },
                numeric: [2, 3]))

        let flagsUnknown = coverage?.flagsUnknown ?? 0
        out.append(
            ReportTable(
                id: "limits", title: "監査の制約", titleEnglish: "Limits of the audit",
                header: ["項目 item", "値 value"],
                rows: [
                    ["最後まで読めなかったファイル files not read to their end", "\(unreadableFiles.count)"]
                ]
                    + (noFlowJudged ? [["判定したフロー flows judged (no IP flow: the policy was tested on none)", "0"]] : [])
                    + [
                        ["追い出されたフロー evicted flows", "\(flowTable.evicted)"],
                        ["フロー表の上限 flow table capacity", "\(flowTable.capacity)"],
                        ["追い出されたMAC MACs evicted", hostTable.map { "\($0.macsEvicted)" } ?? "unknown"],
                        ["保持しなかったアドレス addresses not kept", hostTable.map { "\($0.addressesDropped)" } ?? "unknown"],
                        [
                            "取りこぼしたパケット dropped packets",
                            droppedPackets.map {
                                "\($0)"
                                    + Self.unknownDropsCell(
                                        files: droppedUnknownFiles, partly: filesPartlyRecordingDrops.count)
                            }
                                ?? "unknown",
                        ],
                        ["復号できなかったパケット decode anomalies", "\(anomalies.reduce(0) { $0 &+ $1.packets })"],
                        ["検証できなかったフレーム frames not verified", coverage.map { "\($0.unverified)" } ?? "unknown"],
                    ]
                    + (coverage?.reasons ?? []).map { ["検証できなかった理由 not verified: \($0.label)", "\($0.frames)"] }
                    + (coverage?.tunnels ?? []).map {
                        ["開かれないトンネルのフロー flows in tunnels not opened: " + CoverageReport.label($0.name), "\($0.flows)"]
                    }
                    + (vlanRuleBlind ? [["VLANタグ付きのフロー flows with a VLAN tag (zone-vlan-mismatch)", "0"]] : [])
                    + untaggedVLANFlowRows()
                    + ((hostTable?.findingsForgotten ?? 0) > 0
                        ? [["忘れた機器の検出 device findings forgotten", "\(hostTable?.findingsForgotten ?? 0)"]] : [])
                    + ((coverage?.hostRulesNoMAC ?? 0) > 0
                        ? [["MACのないIPパケット IP packets without a source MAC", "\(coverage?.hostRulesNoMAC ?? 0)"]] : [])
                    + (flagsUnknown > 0
                        ? [["フラグなしで判定したTCPパケット TCP packets judged without their flags", "\(flagsUnknown)"]] : [])
                    + notedFiles.map { ["注記のあるファイル file with a note: " + $0.path, $0.note ?? ""] }
                    + ((coverage?.timeJumpsIgnored ?? 0) > 0
                        ? [[Self.timeJumpsLabel, "\(coverage?.timeJumpsIgnored ?? 0)"]] : [])
                    + tunnelRows(time: time)
                    + (declarations ?? []).filter { $0.macNotVerified > 0 }.map {
                        ["MAC未検証のコンジット通信 conduit flows, MAC not verified: " + $0.name, "\($0.macNotVerified)"]
                    }
                    + captureOutageRows(time: time)
                    + coverageGaps().map {
                        ["取得されていない時間 gap in coverage", "\(time($0.fromMicros)) – \(time($0.toMicros))"]
                    }
                    + (coverageGapsNotListed > 0
                        ? [["取得されていない時間（一覧外） gaps in coverage inside files, not listed", "\(coverageGapsNotListed)"]]
                        : []) + (violationsOmitted > 0 ? [[Self.notListedLabel, "\(violationsOmitted)"]] : [])
                    + (hostFindingsOmitted > 0 ? [[Self.devicesNotListedLabel, "\(hostFindingsOmitted)"]] : [])
                    + evidenceLimitRows() + (interrupted ? [["中断 interrupted", AuditReport.interruptedNote]] : [])
                    + reloads.map {
                        let (time, note) = AuditReport.reloadNote($0)
                        return ["設定の再読み込み zones.conf reload: " + time, note]
                    },
                numeric: []))

        out.append(
            ReportTable(
                id: "anomalies", title: "復号異常", titleEnglish: "Decode anomalies",
                header: ["種類 kind", "パケット packets"], rows: anomalies.map { [$0.kind, "\($0.packets)"] },
                numeric: [1]))
        return out
    }
}

extension AuditReport {
    /// The md/csv row of packets stamped far ahead (`time_jumps_ignored`): the exceptions' status in the
    /// tables above is as of the last packet read (`exceptionsAsOfMicros`), not of them.
    static let timeJumpsLabel =
        "先の時刻に飛んだパケット（例外の状態は最後に読んだパケットの時刻で判定） packets stamped far ahead, not followed "
        + "(exceptions' status is as of the last packet read)"

    /// The limits rows of the tunnels whose own ends break the policy (md and csv): one a tunnel, then those
    /// not listed.
    func tunnelRows(time: (Int64) -> String) -> [[String]] {
        tunnelsBreakingPolicy.map {
            [
                "ポリシーに反するトンネル tunnel breaking the policy: \($0.type) \($0.srcText) (\($0.srcZone)) → "
                    + "\($0.destText) (\($0.destZone))",
                "\($0.rule.name), \($0.flows) \($0.flows == 1 ? "flow" : "flows") from \(time($0.firstSeenMicros))",
            ]
        }
            + (tunnelsBreakingPolicyNotListed > 0
                ? [["ポリシーに反するトンネル（一覧外） tunnels breaking the policy, not listed", "\(tunnelsBreakingPolicyNotListed)"]]
                : [])
    }

    /// The limits rows of live captures that were blind for a while (md and csv): each outage with its kind,
    /// then, per interface, the shorter ones not listed and the time blind with the capture restarts.
    func captureOutageRows(time: (Int64) -> String) -> [[String]] {
        blindFiles.flatMap { f -> [[String]] in
            guard let c = f.capture else { return [] }
            let listed: [[String]] = c.outages.map {
                [
                    "取得の停止 capture outage: \(f.path) \($0.kind.rawValue)",
                    "\(time($0.fromMicros)) – \(time($0.toMicros))",
                ]
            }
            return listed
                + (c.outagesNotListed > 0
                    ? [["取得の停止（一覧外） capture outages not listed: \(f.path)", "\(c.outagesNotListed)"]] : [])
                + [
                    [
                        "取得できなかった時間 time blind: \(f.path)",
                        "\(c.blindSeconds) s, capture restarts \(c.captureRestarts)",
                    ]
                ]
        }
    }

    /// The limits row of the violating flows the summary's list left out.
    public static let notListedLabel = "一覧にない違反フロー violating flows not listed"
    /// The limits row of the host findings the summary's list left out.
    public static let devicesNotListedLabel = "一覧にない機器の検出 device findings not listed"

    /// The verdict table's rows of the host rules: devices found by each (listed or not), with the most severe
    /// severity among them, and their total: a run whose only finding is a device is not "total 0".
    var deviceRows: [[String]] {
        guard let devices else { return [] }
        let rows = HostRuleID.allCases.map { rule -> [String] in
            let found = devices.filter { $0.rule == rule }
            return [
                rule.name, severity(of: rule).rawValue, ReportText.ruleTitle(rule) + " (機器 devices)",
                "\(UInt64(found.count) &+ omittedDevices(of: rule))",
            ]
        }
        let unknown = omittedDevicesOfNoKnownRule
        return rows
            + (unknown > 0
                ? [
                    [
                        "一覧にない not listed", "", "一覧の上限を超えた機器の検出（規則は不明） device findings past the list's limit",
                        "\(unknown)",
                    ]
                ]
                : []) + [["機器の合計 devices total", "", "", "\(deviceFindings)"]]
    }

    /// The verdict table's row of the tunnels whose own ends break the policy, when there are any: each raised
    /// an alert of its outer flow, so it counts in the verdict (the limits table lists them one by one).
    var tunnelRows: [[String]] {
        let count = tunnelsBreakingPolicyCount
        guard count > 0 else { return [] }
        return [
            [
                "tunnel_ends", tunnelsSeverity?.rawValue ?? "",
                "ポリシーに反するトンネル tunnels whose own ends break the policy (トンネル tunnels)", "\(count)",
            ]
        ]
    }

    /// The verdict table's row of the violating flows the summary's list left out of no known rule (a saved run
    /// from before the summary counted them by rule), so that its total counts every violating flow; none
    /// when each omitted flow's rule is known (its rule's row counts it).
    var notListedRows: [[String]] {
        let violationsOmitted = omittedFlowsOfNoKnownRule
        guard violationsOmitted > 0 else { return [] }
        return [
            [
                "一覧にない not listed", "",
                "一覧の上限を超えた違反フロー（規則は不明） violating flows past the list's limit (it holds the first "
                    + "\(violations.count) to end): rule not known",
                "\(violationsOmitted)",
            ]
        ]
    }

    /// What a zones.conf reload during the run means for this report: the time (packet time of the last frame
    /// judged under the earlier map; for a refused one, when it was refused), then what was judged under which.
    public static func reloadNote(_ r: ConfigReload) -> (time: String, note: String) {
        let time = r.timestampMicros.map(Timestamp.rfc3339) ?? "before the first packet"
        let before = r.previousSHA256.map { "SHA-256 \($0.prefix(16))…" } ?? "the earlier zones.conf"
        guard r.applied else { return (time, "a reload was refused: the zone map \(before) stayed in force") }
        let after = r.sha256.map { "SHA-256 \($0.prefix(16))…" } ?? "a new zones.conf"
        return (
            time,
            "zones.conf reloaded (\(before) → \(after)): the frames up to this time were judged under the "
                + "earlier map, which this report's zone map (the one in force at the end) may not show, the later "
                + "ones under the new map"
        )
    }

    /// Said where a run was stopped by a signal before its inputs were read to their end.
    public static let interruptedNote =
        "stopped by a signal before the inputs were read to their end: the report covers what was read until then"

    /// Why violating flows got no evidence file, each reason with its flows, in the order first seen.
    public func evidenceMissingReasons() -> [(reason: String, flows: Int)] {
        var out: [(reason: String, flows: Int)] = []
        for v in violations {
            // A flow whose earlier run's file was kept got no file of this run either: counted with its reason.
            guard let e = v.evidence, e.state == .missing || e.state == .kept else { continue }
            let why = e.error ?? ""
            if let i = out.firstIndex(where: { $0.reason == why }) { out[i].flows += 1 } else { out.append((why, 1)) }
        }
        return out
    }

    /// Evidence files incomplete, alerts without one, and packets left out of files: the run's counts where
    /// it recorded them, else the violating flows' own. Alerts without a file are never fewer than the flows
    /// the tables show with `no file` (those `--max-alert-rate` held back are in no evidence counter).
    public var evidenceLossCounts: (incomplete: UInt64, withoutFile: UInt64, lostPackets: UInt64?, leftOut: UInt64) {
        let missing = UInt64(violations.count { $0.evidence?.state == .missing || $0.evidence?.state == .kept })
        let leftOut = violations.reduce(UInt64(0)) { $0 &+ ($1.evidence?.leftOut ?? 0) }
        if let l = evidenceLosses {
            return (l.incomplete, max(l.withoutFile, missing), l.lostPackets, max(l.leftOutPackets, leftOut))
        }
        let incomplete = violations.count { $0.evidence?.state == .incomplete }
        return (UInt64(incomplete), missing, nil, leftOut)
    }

    /// A file's drops in the files table (md and csv): what it records, and "unknown" for what it does not.
    static func dropsCell(_ d: FileDrops) -> String {
        switch d {
        case .notApplicable: return ""
        case .unknown: return "unknown"
        case .recorded(let count, 0): return "\(count)"
        case .recorded(let count, let interfaces):
            return "\(count) + unknown (\(interfaces) \(interfaces == 1 ? "interface" : "interfaces") unrecorded)"
        }
    }

    /// After the run's dropped packets: the files whose losses are unknown, `partly` of them in part (they
    /// record drops for some interfaces only); "" when none.
    static func unknownDropsCell(files: Int, partly: Int) -> String {
        guard files > 0 else { return "" }
        let counted = "\(files) \(files == 1 ? "file" : "files")"
        if partly == 0 { return " + unknown (\(counted))" }
        return " + unknown (\(counted)" + (partly == files ? " in part)" : ", \(partly) in part)")
    }

    /// The limits rows of the untagged flows of zones that declare `vlans` (md and csv): their total, then each
    /// zone's; none when there are none.
    func untaggedVLANFlowRows() -> [[String]] {
        guard let u = coverage?.untaggedVLANFlows, u.total > 0 else { return [] }
        let label = "VLANタグのないフロー untagged flows of zones with VLANs (zone-vlan-mismatch)"
        return [[label, "\(u.total)"]]
            + u.zones.map { [label + ": " + policy.zoneMap.name(of: $0.zone), "\($0.flows)"] }
    }

    /// The limits rows of evidence (md and csv): only for a run that kept evidence, or lost some.
    func evidenceLimitRows() -> [[String]] {
        guard evidenceLosses != nil || !violationsWithEvidenceLost.isEmpty else { return [] }
        let c = evidenceLossCounts
        return [
            ["不完全な証拠ファイル evidence files incomplete (no hash)", "\(c.incomplete)"],
            ["証拠ファイルのない警報 alerts without an evidence file", "\(c.withoutFile)"],
        ] + (c.lostPackets.map { [["失われた証拠パケット evidence packets lost", "\($0)"]] } ?? [])
            + (c.leftOut > 0
                ? [["ファイルから漏れた証拠パケット evidence packets left out (budget / another link type)", "\(c.leftOut)"]]
                : [])
            + evidenceMissingReasons().map { ["証拠ファイルがない理由 no evidence file: " + $0.reason, "\($0.flows)"] }
    }
}

/// `--report-format md`: the tables as GitHub-flavoured Markdown.
public enum ReportMarkdown {
    public static func render(_ report: AuditReport) -> String {
        var out = "# zonesep 監査報告書 / Audit report — \(cell(report.sensor))\n\n"
        out += "時刻は日本標準時 (JST, UTC+9) / Times are JST (UTC+9).\n"
        for t in report.tables(time: ReportText.jst) {
            out += "\n## \(t.title) / \(t.titleEnglish)\n\n"
            if t.rows.isEmpty {
                out += "なし / none\n"
                continue
            }
            out += "| " + t.header.map(cell).joined(separator: " | ") + " |\n"
            out += "|" + t.header.indices.map { t.numeric.contains($0) ? "---:|" : "---|" }.joined() + "\n"
            for r in t.rows { out += "| " + r.map(cell).joined(separator: " | ") + " |\n" }
        }
        return out
    }

    /// A cell's text with the characters that would break a table row escaped; control characters are
    /// shown as visible escapes first (`VisibleText`).
    static func cell(_ s: String) -> String {
        var out = ""
        for c in VisibleText.escape(s) {
            switch c {
            case "|": out += "\\|"
            case "\\": out += "\\\\"
            case "\n", "\r", "\r\n": out += " "
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            default: out.append(c)
            }
        }
        return out
    }
}

/// `--report-format csv`: every table in one RFC 4180 file, each after a row naming it and before a blank
/// line. It starts with a UTF-8 byte order mark, without which Excel in Japanese reads UTF-8 as Shift_JIS.
public enum ReportCSV {
    public static func render(_ report: AuditReport) -> String {
        var out = "\u{FEFF}"
        var first = true
        for t in report.tables(time: ReportText.jstRFC3339) {
            if !first { out += "\r\n" }
            first = false
            out += row(["# \(t.id)", "\(t.title) / \(t.titleEnglish)"])
            out += row(t.header)
            for r in t.rows { out += row(r) }
        }
        return out
    }

    static func row(_ cells: [String]) -> String { cells.map(field).joined(separator: ",") + "\r\n" }

    /// Quotes a field when it holds a comma, quote or line break, or starts with a character a spreadsheet
    /// would take for a formula.
    static func field(_ s: String) -> String {
        var v = s
        if let f = v.first, "=+-@".contains(f), Int(v) == nil { v = "'" + v }
        let needsQuotes = v.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        return needsQuotes ? "\"" + v.replacingAll("\"", with: "\"\"") + "\"" : v
    }
}

extension String {
    /// Replaces every occurrence of one character (no Foundation here).
    func replacingAll(_ c: Character, with r: String) -> String {
        var out = ""
        for x in self { if x == c { out += r } else { out.append(x) } }
        return out
    }
}
