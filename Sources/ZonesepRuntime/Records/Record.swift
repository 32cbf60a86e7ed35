import ZonesepCore
import ZonesepOutput

/// One record on its way to the outputs: rendered once as JSON (the alerts file, `--output json`, the
/// summary's readers) and as text, with its syslog form made only where a syslog output asks for it.
///
/// An alert keeps its `Alert` value beside the renderings: suppression and the rate limit decide on
/// the alert, and evidence names its file after it.
public struct Record: Sendable {
    public enum Kind: Sendable { case alert, alertUpdate, evidence, stats, summary, notice }

    public var kind: Kind
    /// Packet time of the record (what the alerts file rotates by).
    public var timestampMicros: Int64
    /// The record as one JSON line, made when an output first asks for it.
    public var json: String { String(decoding: rendering.json, as: UTF8.self) }
    /// The same line as UTF-8 bytes, which is what the outputs write: no `String` is made on their way.
    public var jsonBytes: [UInt8] { rendering.json }
    /// The JSON line handed out in pieces of about the size asked for as it is rendered, for a record of
    /// megabytes (a summary after a scan) that an output writes as it comes; nil for other records. The
    /// pieces make the bytes of `jsonBytes`.
    public internal(set) var jsonPieces: (@Sendable (Int, (UnsafeBufferPointer<UInt8>) -> Void) -> Void)?
    /// The record as one line of text, likewise.
    public var text: String { rendering.text }
    private var rendering: Rendering
    /// The RFC 5424 message for a formatter; nil for records that do not go to syslog. An alert's is made
    /// from the alert when a syslog output asks for it (no closure is made per alert otherwise).
    public var syslog: (@Sendable (SyslogFormatter) -> [UInt8])? {
        get { syslogOfAlert ? rendering.alertSyslog : syslogMaker }
        set {
            syslogOfAlert = false
            syslogMaker = newValue
        }
    }
    private var syslogMaker: (@Sendable (SyslogFormatter) -> [UInt8])?
    private var syslogOfAlert = false
    /// The alert itself, for `.alert` records of a flow.
    public var alert: Alert?
    /// The host rule's finding, for `.alert` records of a device (`alert` is nil then): suppression and
    /// the rate limit decide on it too.
    public var host: HostFinding?
    /// The map the alert was judged with (to name its zones and declarations).
    public var format: AlertFormat?
    /// The session (capture worker) whose engine raised the alert: flow serials are per session.
    public var session: Int
    /// The link type of the capture the alert's flow was seen on (its evidence file's).
    public var linkType: LinkType
    /// The alert's Community ID where whoever made the record had it (hashed once for every output and
    /// stage: the evidence file's name, the JSON line, the syslog message); nil: each form hashes it.
    public var flowID: String? { rendering.flowID }
    /// Why an alert that went through the evidence stage got no file (the alert's `evidence_error`); nil
    /// for one that got a file, and for every other record.
    public var evidenceError: String? { rendering.evidenceError }
    /// Whether the alert went through the evidence stage and got no file (`"evidence":null`).
    public var evidenceMissing: Bool { rendering.evidenceMissing }

    public init(
        kind: Kind, timestampMicros: Int64, json: @autoclosure @escaping @Sendable () -> String,
        text: @autoclosure @escaping @Sendable () -> String,
        syslog: (@Sendable (SyslogFormatter) -> [UInt8])? = nil, alert: Alert? = nil, format: AlertFormat? = nil,
        session: Int = 0, linkType: LinkType = .ethernet
    ) {
        self.kind = kind
        self.timestampMicros = timestampMicros
        self.rendering = Rendering(json: { Array(json().utf8) }, text: text)
        self.syslogMaker = syslog
        self.alert = alert
        self.format = format
        self.session = session
        self.linkType = linkType
    }

    /// A record whose JSON line is rendered as bytes (an alert's): no `String` is made for it.
    public init(
        kind: Kind, timestampMicros: Int64, jsonBytes: @escaping @Sendable () -> [UInt8],
        text: @escaping @Sendable () -> String,
        syslog: (@Sendable (SyslogFormatter) -> [UInt8])? = nil, alert: Alert? = nil, format: AlertFormat? = nil,
        session: Int = 0, linkType: LinkType = .ethernet
    ) {
        self.kind = kind
        self.timestampMicros = timestampMicros
        self.rendering = Rendering(json: jsonBytes, text: text)
        self.syslogMaker = syslog
        self.alert = alert
        self.format = format
        self.session = session
        self.linkType = linkType
    }

    /// An alert record rendered from the alert itself: one object holds it for all three forms.
    private init(alert source: Rendering.AlertSource, session: Int, linkType: LinkType) {
        kind = .alert
        timestampMicros = source.alert.timestampMicros
        rendering = Rendering(alert: source)
        syslogOfAlert = true
        alert = source.alert
        format = source.format
        self.session = session
        self.linkType = linkType
    }

    /// The same record with `jsonFields` (`,"key":value…`) added at the end of its JSON object, `text`
    /// at the end of its line and, for an alert, `syslogParams` at the end of its structured data: what an
    /// input adds to the alerts it raises (flow exports: the input and the exporter). An alert's syslog
    /// form is made again from the alert, without evidence (inputs that add fields keep none).
    public func adding(jsonFields: String, text suffix: String, syslogParams: [(String, String)] = []) -> Record {
        var r = self
        r.jsonPieces = nil  // they would miss the fields added
        let old = rendering
        // The syslog form stays the record's own (made from the alert the old rendering holds).
        r.syslog = syslog
        r.rendering = Rendering(
            json: {
                var j = old.json
                guard j.last == UInt8(ascii: "}") else { return j }
                j.removeLast()
                j.append(contentsOf: jsonFields.utf8)
                j.append(UInt8(ascii: "}"))
                return j
            },
            text: { old.text + suffix })
        if !syslogParams.isEmpty, let a = alert, let format {
            r.syslog = { format.syslog(a, formatter: $0, extra: syslogParams) }
        }
        return r
    }

    /// Each form of a record rendered at most once, and only if some output wants it (stdout wants one of
    /// JSON and text, the alerts file JSON): rendering is most of what an alert costs.
    ///
    /// `@unchecked Sendable`: a record goes down the chain of sinks on one thread at a time.
    private final class Rendering: @unchecked Sendable {
        /// What an alert's three forms are made from.
        struct AlertSource {
            var alert: Alert
            var format: AlertFormat
            var evidence: String?
            var evidenceError: String?
            var withEvidenceField: Bool
            /// The alert's Community ID where the record's maker or the evidence stage computed it (not
            /// hashed again).
            var flowID: String?
        }
        private let makeJSON: (@Sendable () -> [UInt8])?
        private let makeText: (@Sendable () -> String)?
        private let source: AlertSource?
        private var jsonCache: [UInt8]?
        private var textCache: String?

        init(json: @escaping @Sendable () -> [UInt8], text: @escaping @Sendable () -> String) {
            makeJSON = json
            makeText = text
            source = nil
        }

        init(alert: AlertSource) {
            makeJSON = nil
            makeText = nil
            source = alert
        }

        var json: [UInt8] {
            if let j = jsonCache { return j }
            let j: [UInt8]
            if let s = source {
                j =
                    s.withEvidenceField
                    ? DeliveryRecords(format: s.format).alertJSONBytes(
                        s.alert, evidence: s.evidence, evidenceError: s.evidenceError, flowID: s.flowID)
                    : s.format.jsonBytes(s.alert, flowID: s.flowID)
            } else {
                j = makeJSON?() ?? []
            }
            jsonCache = j
            return j
        }

        var text: String {
            if let t = textCache { return t }
            let t: String
            if let s = source {
                t =
                    s.format.text(s.alert) + (s.evidence.map { " evidence \($0)" } ?? "")
                    + (s.evidenceError.map { " evidence failed: \($0)" } ?? "")
            } else {
                t = makeText?() ?? ""
            }
            textCache = t
            return t
        }

        /// The alert's syslog message maker (nil for other records).
        var flowID: String? { source?.flowID }

        var evidenceError: String? { source?.evidenceError }

        var evidenceMissing: Bool { source.map { $0.withEvidenceField && $0.evidence == nil } ?? false }

        var alertSyslog: (@Sendable (SyslogFormatter) -> [UInt8])? {
            guard let s = source else { return nil }
            return { s.format.syslog(s.alert, formatter: $0, evidence: s.evidence, flowID: s.flowID) }
        }
    }

    /// The alert of a host rule's finding. It has no flow, so no evidence file: its proof is the
    /// `addresses` list it carries.
    public static func hostAlert(_ f: HostFinding, format: AlertFormat, session: Int) -> Record {
        var r = Record(
            kind: .alert, timestampMicros: f.timestampMicros, jsonBytes: { Array(format.json(f).utf8) },
            text: { format.text(f) },
            syslog: { format.syslog(f, formatter: $0) }, format: format, session: session)
        r.host = f
        return r
    }

    /// The record of a new violating flow, with the name of its evidence file where one was opened, or
    /// why none could be (`evidenceError`: an I/O error such as a full disk). `flowID`: the alert's
    /// Community ID when the caller computed it (`format.flowID(a)`), which its forms then write as is.
    public static func alert(
        _ a: Alert, format: AlertFormat, session: Int, linkType: LinkType, evidence: String?,
        withEvidenceField: Bool, evidenceError: String? = nil, flowID: String? = nil
    ) -> Record {
        Record(
            alert: Rendering.AlertSource(
                alert: a, format: format, evidence: evidence, evidenceError: evidenceError,
                withEvidenceField: withEvidenceField, flowID: flowID),
            session: session, linkType: linkType)
    }
}

extension ReplaySummary {
    /// The closing `summary` record (JSON) or tables (text); rendered only in the format asked for.
    public func record(format: OutputFormat) -> Record {
        var r = Record(
            kind: .summary, timestampMicros: counters.lastPacketMicros ?? 0, jsonBytes: { jsonBytes() },
            text: { text() })
        r.jsonPieces = { size, emit in writeJSON(pieceSize: size, emit) }
        return r
    }
}
