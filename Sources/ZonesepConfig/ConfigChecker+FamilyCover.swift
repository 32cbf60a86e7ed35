import ZonesepCore

/// Networks that together leave no address of a family external: a zone's networks (or the internal space)
/// that hold every IPv4 address, or every global unicast IPv6 address (2000::/3, where the Internet's IPv6
/// addresses are), however spelled. `0.0.0.0/1` + `128.0.0.0/1` does what `0.0.0.0/0` does, and only the
/// latter was warned about (REVIEW-148 F4).
extension ConfigChecker {
    /// A family's space as the checks read it: all of IPv4, or 2000::/3 for IPv6.
    struct CoveredFamily {
        var ipv4: Bool
        var span: IPPrefix
        /// Local ranges of the family, in no zone and never external: a zone need not hold them to leave
        /// nothing external.
        var local: [IPPrefix]
        /// "every IPv4 address", "no IPv4 address", "IPv4": the words of the warnings.
        var every: String
        var none: String
        var family: String

        static let both = [
            CoveredFamily(
                ipv4: true, span: IPPrefix(address: IPAddress(rawValue: IPAddress.v4MappedPrefix), length: 96),
                local: AddressSpace.localPrefixes.filter(\.isIPv4), every: "every IPv4 address",
                none: "no IPv4 address", family: "IPv4"),
            CoveredFamily(
                ipv4: false, span: IPPrefix(address: IPAddress(v6: UInt128(0x2000) << 112), length: 3),
                local: [], every: "every global unicast IPv6 address (2000::/3, the Internet's)",
                none: "no global unicast IPv6 address", family: "the Internet's IPv6 addresses"),
        ]
    }

    /// For each family `networks` (in file order) cover: the index of the network that completes the cover,
    /// and the family's networks before it inside the family's space. Whether they cover is asked once; the network that completes
    /// it is looked for only then (adding networks only widens what they hold).
    static func familyCovers(_ networks: [IPPrefix]) -> [(index: Int, before: [IPPrefix], family: CoveredFamily)] {
        var out: [(index: Int, before: [IPPrefix], family: CoveredFamily)] = []
        for f in CoveredFamily.both {
            let of = networks.indices.filter { networks[$0].isIPv4 == f.ipv4 }
            func covered(_ count: Int) -> Bool {
                AddressSpace.covers(f.span, of.prefix(count).map { networks[$0] } + f.local)
            }
            guard !of.isEmpty, covered(of.count) else { continue }
            var (lo, hi) = (1, of.count)
            while lo < hi {
                let mid = (lo + hi) / 2
                if covered(mid) { hi = mid } else { lo = mid + 1 }
            }
            let before = of.prefix(lo - 1).map { networks[$0] }.filter { AddressSpace.overlaps($0, f.span) }
            out.append((of[lo - 1], before, f))
        }
        return out
    }

    /// "with 0.0.0.0/1, 64.0.0.0/2 before it": the networks that helped, the first few of them.
    static func coverHelpers(_ before: [IPPrefix], of whose: String) -> String {
        guard !before.isEmpty else { return "" }
        let shown = before.prefix(4).map(\.description).joined(separator: ", ")
        let more = before.count > 4 ? " and \(before.count - 4) more" : ""
        return ", with \(whose) networks before it (\(shown)\(more)),"
    }

    /// A zone whose networks together hold every address of a family: none is left external or unzoned.
    /// A single /0 has its own warning (`catchAllZoneNetwork`).
    mutating func zoneCoversFamily(_ networks: [Located<IPPrefix>], zone: String) {
        for c in Self.familyCovers(networks.map(\.value)) where networks[c.index].value.displayLength > 0 {
            let n = networks[c.index]
            let f = c.family
            warning(
                n.position, n.path,
                "\(n.value)\(Self.coverHelpers(c.before, of: "the zone's")) puts \(f.every) that no narrower zone "
                    + "network holds in zone '\(VisibleText.escape(zone))': \(f.none) is then external "
                    + "or unzoned, so lgwan-external, security-cloud-bypass and unzoned-host never fire for "
                    + "\(f.family); list the town hall's own networks and leave the Internet beyond them external")
        }
    }

    /// An internal space that holds every address of a family: none in no zone is then external, so every
    /// flow to the Internet is unzoned-host and neither lgwan-external nor security-cloud-bypass can fire.
    mutating func internalCoversFamily(_ networks: [Located<IPPrefix>]) {
        for c in Self.familyCovers(networks.map(\.value)) {
            let n = networks[c.index]
            let f = c.family
            warning(
                n.position, n.path,
                "\(n.value)\(Self.coverHelpers(c.before, of: "the internal")) puts \(f.every) that no zone holds in "
                    + "the internal space: \(f.none) is then external, so a flow to the Internet is "
                    + "unzoned-host, lgwan-external and security-cloud-bypass never fire for \(f.family) and no gateway "
                    + "address there takes effect; list the town hall's internal networks only")
        }
    }
}
