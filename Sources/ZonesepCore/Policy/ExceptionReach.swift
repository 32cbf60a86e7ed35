/// The class of an address as the rules see it: the kind of its zone, or one of the classes that are not
/// zones. `zonesep check` asks the rules with it what an exception naming such addresses could do.
public enum AddressClass: Hashable, Sendable, CaseIterable {
    case mynumber, lgwan, internet, external, unzoned, local

    public init(_ kind: ZoneKind) {
        switch kind {
        case .mynumber: self = .mynumber
        case .lgwan: self = .lgwan
        case .internet: self = .internet
        }
    }

    /// The position `Policy.pairRules` gives the class: the kinds in `ZoneKind.allCases` order, then
    /// external, unzoned, local (as `Policy.pairClass`).
    var pairIndex: Int {
        switch self {
        case .mynumber: return ZoneKind.allCases.firstIndex(of: .mynumber) ?? 0
        case .lgwan: return ZoneKind.allCases.firstIndex(of: .lgwan) ?? 1
        case .internet: return ZoneKind.allCases.firstIndex(of: .internet) ?? 2
        case .external: return 3
        case .unzoned: return 4
        case .local: return 5
        }
    }

    /// The name messages use: the zone kind, or the class's own.
    public var name: String {
        switch self {
        case .mynumber: return "mynumber"
        case .lgwan: return "lgwan"
        case .internet: return "internet"
        case .external: return "external"
        case .unzoned: return "unzoned"
        case .local: return "local"
        }
    }
}

/// What an exception can do for a flow from one class of address to another: the rules' own answer
/// (`Policy.pairRules`, which `judge` follows), so `check` cannot disagree with a run.
public enum ExceptionReach: Equatable, Sendable {
    /// Such a flow breaks this rule unless a declaration allows it; an exception naming it does.
    case waives(RuleID)
    /// A mynumber zone is at one end: only a conduit allows such a flow, never an exception.
    case conduitOnly
    /// No rule an exception could waive ever judges such a flow (a local end, one kind of zone at both
    /// ends, two external addresses, an internet zone and an external address with no gateway declared).
    case nothingToWaive
}

extension Policy {
    /// The reach of an exception over flows from `initiator` to `responder`, by the rules as `judge`
    /// applies them (whether gateways are declared turns `security-cloud-bypass` on).
    public static func exceptionReach(
        from initiator: AddressClass, to responder: AddressClass, gatewaysDeclared: Bool
    ) -> ExceptionReach {
        let table = gatewaysDeclared ? reachWithGateways : reachWithoutGateways
        return table[initiator.pairIndex * 6 + responder.pairIndex]
    }

    /// Every pair's reach, worked out once from `pairRules` (the checker asks it for every exception).
    private static let reachWithGateways = reachTable(gateways: true)
    private static let reachWithoutGateways = reachTable(gateways: false)

    private static func reachTable(gateways: Bool) -> [ExceptionReach] {
        // Conduits change only `mayViolate`, never which rule is asked.
        pairRules(hasConduits: true, hasGateways: gateways).map { pair in
            switch pair.check {
            case .local, .none: return .nothingToWaive
            case .mynumber, .mynumberUnzoned: return .conduitOnly
            case .sanitisation: return .waives(.sanitisationBypass)
            case .lgwanExternal: return .waives(.lgwanExternal)
            case .gateway: return .waives(.securityCloudBypass)
            case .unzoned: return .waives(.unzonedHost)
            }
        }
    }
}
