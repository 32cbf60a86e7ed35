import ArgumentParser
import ZonesepCapture
import ZonesepOutput
import ZonesepRuntime

/// Where alerts go besides stdout, and what is folded or held back: `--syslog`, `--alerts`,
/// `--suppress-window`, `--max-alert-rate`. Shared by `replay`, `watch` and `collect` (`--evidence` is
/// `EvidenceOptions`, for the two that see packets).
struct DeliveryOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also send every record as RFC 5424 syslog to URL: udp://host:port, tcp://host:port (RFC 6587 "
                + "octet counting; reconnects with backoff), tls://host:port (RFC 5425 with --syslog-ca; "
                + "likewise) or unix:///dev/log (datagrams). Repeatable.",
            valueName: "url"))
    var syslog: [String] = []

    @Option(name: .long, help: "Syslog facility: a name (local0 … local7, daemon, auth, …) or 0-23.")
    var syslogFacility: String = "local0"

    @Option(name: .long, help: "Syslog APP-NAME.")
    var syslogAppName: String = "zonesep"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Messages queued per TCP, TLS or unix syslog destination while it is slow or away; beyond it they are "
                + "dropped and counted. UDP has no queue: its datagrams are sent at the end of each batch of packets."
        ))
    var syslogQueue: Int = 10_000

    @Option(
        name: .long,
        help:
            "Seconds to wait at the end for queued syslog messages to be delivered; what is left is counted as dropped."
    )
    var syslogFlushTimeout: Double = 10

    @Option(
        name: .long,
        help: ArgumentHelp(
            "PEM file of the CA(s) whose signature a tls:// collector's certificate must bear (the system's store "
                + "is not used); the certificate must also name the URL's host.", valueName: "file"))
    var syslogCa: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "PEM client certificate (chain) to present to a tls:// collector that asks for one; with --syslog-key.",
            valueName: "file"))
    var syslogCert: String?

    @Option(name: .long, help: ArgumentHelp("PEM private key of --syslog-cert.", valueName: "file"))
    var syslogKey: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also append every record to FILE as JSON Lines, flushed per line (replay: its summary goes to stdout "
                + "alone; watch: SIGHUP reopens it).",
            valueName: "file"))
    var alerts: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Rotate the --alerts file: size:N[K|M|G] (renamed FILE.1, FILE.2, …) or day (FILE.YYYYMMDD, by the "
                + "UTC day of packet time).", valueName: "rule"))
    var alertsRotate: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Append a flow record (JSON Lines) for every flow when it ends, allowed or not (watch: SIGHUP reopens it).",
            valueName: "file"))
    var flows: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Rotate the --flows file, as --alerts-rotate does the alerts file.", valueName: "rule"))
    var flowsRotate: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Fold alerts for the same rule, initiator, responder, port and protocol within this packet-time window "
                + "into the first, which gets an alert_update record with the count when it closes: 0 (off), "
                + "N s, N m, N h, N d. Default: 1h for watch, 0 for replay (an audit lists every violating flow).",
            valueName: "duration"))
    var suppressWindow: String?

    @Option(
        name: .long,
        help: "At most N alert records per second of packet time (0: no ceiling); the excess is counted in the summary."
    )
    var maxAlertRate: Int = 0

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Suppression windows open at once, at most; beyond it the oldest closes early (its alert_update "
                + "written then), and the windows closed so are counted."))
    var maxSuppressWindows: Int = AlertSuppressor.defaultMaxWindows

    func validate() throws {
        for url in syslog {
            if case .failure(let e) = SyslogDestination.parse(url) { throw ValidationError(e.description) }
        }
        if SyslogFacility.parse(syslogFacility) == nil {
            throw ValidationError(
                "--syslog-facility: '\(syslogFacility)' is not a facility name (local0 … local7, "
                    + "daemon, auth, …) or a number from 0 to 23")
        }
        if SyslogFormatter.headerField(syslogAppName, maxLength: 48) != syslogAppName {
            throw ValidationError("--syslog-app-name: 1 to 48 printable ASCII characters, no spaces")
        }
        if syslogQueue < 1 { throw ValidationError("--syslog-queue must be at least 1") }
        let tls = syslog.contains { $0.lowercased().hasPrefix("tls:") }
        if tls && syslogCa == nil {
            throw ValidationError("--syslog tls://…: give the collector's CA with --syslog-ca FILE")
        }
        if !tls && (syslogCa != nil || syslogCert != nil || syslogKey != nil) {
            throw ValidationError(
                "--syslog-ca, --syslog-cert and --syslog-key are for tls:// destinations; none is given")
        }
        if (syslogCert == nil) != (syslogKey == nil) {
            throw ValidationError("--syslog-cert and --syslog-key go together")
        }
        if maxSuppressWindows < 1 { throw ValidationError("--max-suppress-windows must be at least 1") }
        if !(syslogFlushTimeout >= 0) { throw ValidationError("--syslog-flush-timeout must be 0 or more seconds") }
        if let r = alertsRotate {
            if alerts == nil { throw ValidationError("--alerts-rotate needs --alerts FILE") }
            if AlertFile.Rotation.parse(r) == nil {
                throw ValidationError("--alerts-rotate: '\(r)' is neither size:N[K|M|G] (N > 0) nor day")
            }
        }
        if let r = flowsRotate {
            if flows == nil { throw ValidationError("--flows-rotate needs --flows FILE") }
            if AlertFile.Rotation.parse(r) == nil {
                throw ValidationError("--flows-rotate: '\(r)' is neither size:N[K|M|G] (N > 0) nor day")
            }
        }
        if let f = flows, f == alerts { throw ValidationError("--flows and --alerts must name different files") }
        if let w = suppressWindow, DeliveryOptions.duration(w) == nil {
            throw ValidationError("--suppress-window: '\(w)' is not a duration (0, 90s, 30m, 1h, 1d)")
        }
        if maxAlertRate < 0 { throw ValidationError("--max-alert-rate must be 0 (no ceiling) or more") }
    }

    /// A duration in µs: `0`, `N` or `Ns` seconds, `Nm`, `Nh`, `Nd`.
    static func duration(_ text: String) -> Int64? {
        guard let last = text.last else { return nil }
        let suffix: Int64? =
            switch last {
            case "s": 1
            case "m": 60
            case "h": 3600
            case "d": 86_400
            default: nil
            }
        let (digits, unit) = suffix.map { (text.dropLast(), $0) } ?? (Substring(text), 1)
        guard let n = Int64(digits), n >= 0, n <= Int64.max / 1_000_000 / unit else { return nil }
        return n * unit * 1_000_000
    }

    /// The options as the runtime takes them, given the command's default suppression window and, for
    /// `replay` and `watch`, the evidence options (checked by `validate`, so every value parses).
    func config(defaultSuppressWindow: Int64, evidence: EvidenceOptions? = nil) -> DeliveryConfig {
        var c = DeliveryConfig()
        c.syslog = syslog.compactMap { if case .success(let d) = SyslogDestination.parse($0) { d } else { nil } }
        c.syslogFacility = SyslogFacility.parse(syslogFacility) ?? 16
        c.syslogAppName = syslogAppName
        c.syslogQueue = syslogQueue
        c.syslogFlushTimeout = syslogFlushTimeout
        c.syslogTLS = syslogCa.map { SyslogTLSFiles(caFile: $0, certFile: syslogCert, keyFile: syslogKey) }
        c.alertsPath = alerts
        c.alertsRotation = alertsRotate.flatMap(AlertFile.Rotation.parse) ?? .none
        c.flowsPath = flows
        c.flowsRotation = flowsRotate.flatMap(AlertFile.Rotation.parse) ?? .none
        c.suppressWindowMicros = suppressWindow.flatMap(DeliveryOptions.duration) ?? defaultSuppressWindow
        c.maxAlertRate = maxAlertRate
        c.suppressMaxWindows = maxSuppressWindows
        evidence?.apply(to: &c)
        return c
    }
}
