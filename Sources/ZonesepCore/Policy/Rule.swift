/// Rule ids of DESIGN.md, in the priority order the policy applies them.
public enum RuleID: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case conduitMACMismatch = 0
    case mynumberIsolation
    case sanitisationBypass
    case lgwanExternal
    case securityCloudBypass
    case unzonedHost

    /// The id as it appears in alerts and syslog.
    public var name: String {
        switch self {
        case .conduitMACMismatch: return "conduit-mac-mismatch"
        case .mynumberIsolation: return "mynumber-isolation"
        case .sanitisationBypass: return "sanitisation-bypass"
        case .lgwanExternal: return "lgwan-external"
        case .securityCloudBypass: return "security-cloud-bypass"
        case .unzonedHost: return "unzoned-host"
        }
    }

    public var severity: Severity {
        switch self {
        case .conduitMACMismatch, .mynumberIsolation: return .critical
        case .sanitisationBypass, .lgwanExternal: return .high
        case .securityCloudBypass, .unzonedHost: return .medium
        }
    }

    public var description: String { name }
}

public enum Severity: String, Sendable, CaseIterable {
    case critical, high, medium
}
