import ZonesepCore

/// An internet zone's network that takes in networks of lgwan or mynumber zones (REVIEW-149 F5). Nesting is
/// allowed and the most specific network wins, so the inner zones keep their addresses; but every other
/// address of the outer network, an unregistered device's in the closed tiers' ranges too, is then an
/// Internet-zone host, never unzoned-host. Usually a prefix typed too short (`10.0.0.0/8` for
/// `10.30.0.0/16`). The other way round (an internet DMZ carved out of the LGWAN's range) is a common
/// layout, and nests of one kind are the LGWAN beyond the town hall: neither is said.
extension ConfigChecker {
    mutating func otherKindsInside(_ sites: [(zone: Int, network: Located<IPPrefix>)], space: AddressSpace) {
        for (z, n) in sites where n.value.displayLength > 0 {
            let kind = space.zones[z].kind
            guard kind == .internet else { continue }
            let inner = space.networks(inside: n.value).filter { space.zones[$0.zone].kind != kind }
            guard !inner.isEmpty else { continue }
            let id = "'\(VisibleText.escape(space.zones[z].id))'"
            let named = inner.map {
                "\($0.prefix) of '\(VisibleText.escape(space.zones[$0.zone].id))' (\(space.zones[$0.zone].kind.rawValue))"
            }
            warning(
                n.position, n.path,
                "\(n.value) of zone \(id) (\(kind.rawValue)) takes in networks of zones of other kinds: "
                    + "\(ConfigSummary.shortList(named)); the most specific network wins, so those stay theirs, but "
                    + "every other address of \(n.value), an unregistered device's too, is in zone \(id) and never "
                    + "unzoned-host; if that is not meant, list only the zone's own networks")
        }
    }
}
