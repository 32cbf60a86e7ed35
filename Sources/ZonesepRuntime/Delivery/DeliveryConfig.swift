import ZonesepCapture
import ZonesepOutput

/// What the delivery options asked for, as plain values (the command line parses and checks them).
public struct DeliveryConfig: Sendable {
    public var syslog: [SyslogDestination] = []
    public var syslogFacility = 16
    public var syslogAppName = "zonesep"
    public var syslogQueue = 10_000
    public var syslogFlushTimeout: Double = 10
    /// The CA, and the client certificate and key, of `tls://` destinations.
    public var syslogTLS: SyslogTLSFiles?
    public var alertsPath: String?
    public var alertsRotation = AlertFile.Rotation.none
    /// `--flows FILE`: every ended flow's record.
    public var flowsPath: String?
    public var flowsRotation = AlertFile.Rotation.none
    /// What a flow record's `mac_check` says of a flow a conduit allowed without its MAC verified.
    public var flowsMACCheck = MACCheck.notSeen
    /// 0: no folding.
    public var suppressWindowMicros: Int64 = 0
    /// The most suppression windows open at once.
    public var suppressMaxWindows = AlertSuppressor.defaultMaxWindows
    /// 0: no ceiling.
    public var maxAlertRate = 0
    public var evidenceDirectory: String?
    public var evidencePackets = 100
    /// 0: no budget.
    public var evidenceMaxBytes: UInt64 = 0
    /// The most evidence files kept in the directory.
    public var evidenceMaxFiles = EvidenceWriter.defaultMaxFiles

    public init() {}
}

/// A delivery option that cannot be used (a file, directory or syslog host), with the option's name.
public struct DeliveryError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}
