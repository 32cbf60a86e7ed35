import ZonesepCore

/// Flows a conduit allowed without its MAC binding being checked (the capture never showed the MAC it
/// names for that side): the text summary's line and the stderr warning that list them among the run's
/// limits, so that "allowed by a conduit" is not read as "verified".
public enum ConduitMACReport {
    /// Such flows of every conduit.
    public static func total(_ ds: [DeclarationUse]) -> UInt64 { ds.reduce(0) { $0 &+ $1.macNotVerified } }

    /// "2 flows allowed by conduits without their MAC checked (intermediate-server: 2): ...", or nil for none.
    public static func warning(_ ds: [DeclarationUse]) -> String? {
        let n = total(ds)
        guard n > 0 else { return nil }
        let each = ds.filter { $0.macNotVerified > 0 }.map { "\(VisibleText.escape($0.name)): \($0.macNotVerified)" }
        return "\(CoverageReport.grouped(n)) \(n == 1 ? "flow" : "flows") allowed by conduits whose MAC was not "
            + "verified (\(each.joined(separator: ", "))): the conduit names a MAC the capture did not show for "
            + "that side, so a device using the conduit's addresses from another MAC would not have been told apart"
    }

    /// The text summary's line, or nil for none.
    public static func textLine(_ ds: [DeclarationUse]) -> String? {
        warning(ds).map { "MAC not verified: " + $0 + ".\n" }
    }
}
