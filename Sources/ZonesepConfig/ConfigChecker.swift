import ZonesepCore

/// A value taken from the file, with where it was.
struct Located<Value> {
    var value: Value
    var position: TOMLPosition
    /// The path of the value is `base`, then `key` when not empty, then `[index]` when not negative: the
    /// path itself is made only when asked for (a diagnostic), not for each of a policy's tens of
    /// thousands of values.
    private var base: ConfigPath
    private var key: String
    private var index: Int

    init(value: Value, position: TOMLPosition, path: ConfigPath) {
        self.value = value
        self.position = position
        base = path
        key = ""
        index = -1
    }

    /// The value under `key` of the table at `table`, or element `index` of that list.
    init(value: Value, position: TOMLPosition, in table: ConfigPath, key: String, index: Int = -1) {
        self.value = value
        self.position = position
        base = table
        self.key = key
        self.index = index
    }

    var path: ConfigPath {
        let keyed = key.isEmpty ? base : base.key(key)
        return index < 0 ? keyed : keyed.index(index)
    }
}

private let topLevelKeys = [
    "sensor", "internal", "zones", "routers", "gateways", "conduits", "sanitisation", "exceptions",
]

/// The checks that turn a parsed zones.conf into a `PolicyConfig`, collecting every problem as a
/// diagnostic rather than stopping at the first. The sensor, internal space and zones are here; the
/// declarations, typed reads and reporting are in ConfigChecker+*.swift.
struct ConfigChecker {
    let fileName: String
    let now: Int64?
    var diagnostics: [ConfigDiagnostic] = []

    init(fileName: String, now: Int64?) {
        self.fileName = fileName
        self.now = now
    }

    var errorCount: Int { diagnostics.count { $0.severity == .error } }

    mutating func check(_ root: TOMLTable) -> PolicyConfig {
        checkKeys(root, path: "", allowed: topLevelKeys)
        let (sensor, tunnelPorts) = checkSensor(root)
        let errorsBefore = errorCount
        let internalNets = checkInternal(root)
        let internalComplete = errorCount == errorsBefore
        let (zones, zonesComplete, sites) = checkZones(root)
        let routers = checkRouters(root)
        if routers.isEmpty, let z = zones.first(where: { !$0.vlans.isEmpty }) {
            warning(
                nil, "routers",
                "zone '\(VisibleText.escape(z.id))' declares vlans but no [[routers]] are declared: on a mirror of a "
                    + "routing switch every routed packet carries the switch's MAC, so each address it forwards "
                    + "would look like a host on the wrong VLAN or in two zones; declare the routing switch's and "
                    + "firewalls' MACs under [[routers]]")
        }
        // Where a zone or the internal space could not be read, an address's zone is not known: skip
        // what depends on it rather than report problems that are only echoes of those.
        let space = zonesComplete && internalComplete ? AddressSpace(zones: zones, internal: internalNets) : nil
        if let space { otherKindsInside(sites, space: space) }
        let gateways = checkGateways(root, space: space)
        let conduits = checkConduits(root, space: space)
        let sanitisation = checkSanitisation(root, space: space)
        let exceptions = checkExceptions(root, space: space, gatewaysDeclared: !gateways.isEmpty)
        let declared = conduits.count + sanitisation.count + gateways.count + exceptions.count
        if declared > Policy.maxDeclarations {
            // A flow entry names the declaration that allowed it in 16 bits.
            error(
                nil, "",
                "\(declared) conduits, sanitisation paths, gateways and exceptions are declared; at most "
                    + "\(Policy.maxDeclarations) are supported")
        }
        return PolicyConfig(
            sensor: sensor, internal: internalNets, zones: zones, gateways: gateways, conduits: conduits,
            sanitisation: sanitisation, exceptions: exceptions, routers: routers, tunnelPorts: tunnelPorts)
    }

    // MARK: Sections

    /// `[sensor]`: the name that tags every alert, and the UDP ports decoded as VXLAN and Geneve.
    mutating func checkSensor(_ root: TOMLTable) -> (String, TunnelPorts) {
        guard let v = root["sensor"] else { return ("zonesep", .standard) }
        guard let t = tableOf(v, path: "sensor") else { return ("zonesep", .standard) }
        checkKeys(t, path: "sensor", allowed: ["name", "vxlan_ports", "geneve_ports"])
        let name = nonEmptyString(t, "name", in: "sensor", at: v.position, required: false)?.value ?? "zonesep"
        let standard = TunnelPorts.standard
        let vxlan = udpPorts(t, "vxlan_ports", in: "sensor", at: v.position)
        let geneve = udpPorts(t, "geneve_ports", in: "sensor", at: v.position)
        var both = Set((vxlan ?? []).map(\.value))
        both.formIntersection((geneve ?? []).map(\.value))
        for g in geneve ?? [] where both.contains(g.value) {
            error(g.position, g.path, "UDP port \(g.value) is in both vxlan_ports and geneve_ports; a port carries one")
        }
        // A list given beside the other kind's defaults: a port in both was the defaults back, silently.
        for (list, other, defaults, kind, otherKey) in [
            (geneve, vxlan, standard.vxlan, "VXLAN", "vxlan_ports"),
            (vxlan, geneve, standard.geneve, "Geneve", "geneve_ports"),
        ] where other == nil {
            for p in list ?? [] where defaults.contains(p.value) {
                error(
                    p.position, p.path,
                    "UDP port \(p.value) is \(kind)'s by default (\(otherKey) is not given); a port carries one: "
                        + "give \(otherKey) without it")
            }
        }
        for (key, list) in [("vxlan_ports", vxlan), ("geneve_ports", geneve)] {
            if let list, list.count > TunnelPorts.maximumPerKind,
                let extra = list.dropFirst(TunnelPorts.maximumPerKind).first
            {
                error(
                    extra.position, join("sensor", key),
                    "\(list.count) ports are listed; at most \(TunnelPorts.maximumPerKind) are supported")
            }
        }
        let ports = TunnelPorts(
            vxlan: vxlan.map { $0.map(\.value) } ?? standard.vxlan,
            geneve: geneve.map { $0.map(\.value) } ?? standard.geneve)
        if ports != nil { warnLeftOutDefaults(t, vxlan: vxlan, geneve: geneve) }
        return (name, ports ?? standard)
    }

    /// A list that leaves out a default port does not make the tunnels on it go away: their flows are judged
    /// as the outer UDP flow and counted as unopened (docs/encapsulations.md). Said where the list is, so
    /// that a shortened list is a choice made knowingly, not a blind spot found in the audit. Only for lists
    /// that are otherwise right: a list already in error has its own message.
    mutating func warnLeftOutDefaults(_ t: TOMLTable, vxlan: [Located<UInt16>]?, geneve: [Located<UInt16>]?) {
        let listed = Set((vxlan ?? []).map(\.value) + (geneve ?? []).map(\.value))
        let kinds = [
            ("vxlan_ports", vxlan, TunnelPorts.standard.vxlan, "VXLAN"),
            ("geneve_ports", geneve, TunnelPorts.standard.geneve, "Geneve"),
        ]
        for (key, list, defaults, kind) in kinds {
            guard list != nil, let v = t[key] else { continue }
            let missing = defaults.filter { !listed.contains($0) }
            guard !missing.isEmpty else { continue }
            let ports = missing.map { "udp/\($0)" }.joined(separator: " and ")
            warning(
                v.position, join("sensor", key),
                "leaves out \(kind)'s default \(missing.count == 1 ? "port" : "ports") \(ports): \(kind) there is not "
                    + "opened; its flows are judged as their outer UDP flow and counted as unopened tunnels "
                    + "(coverage.unopened_tunnels)")
        }
    }

    mutating func checkInternal(_ root: TOMLTable) -> [IPPrefix] {
        guard let v = root["internal"], let t = tableOf(v, path: "internal") else {
            return PolicyConfig.defaultInternal
        }
        checkKeys(t, path: "internal", allowed: ["networks"])
        guard let nets = prefixes(t, "networks", in: "internal", at: v.position, required: false, noun: "network")
        else { return PolicyConfig.defaultInternal }
        internalCoversFamily(nets)
        return nets.map(\.value)
    }

    /// The zones that could be read, whether every declared zone could, and where each zone's networks
    /// were written (by index into the zones), for the checks that need the whole map.
    mutating func checkZones(_ root: TOMLTable) -> ([Zone], Bool, [(zone: Int, network: Located<IPPrefix>)]) {
        guard let v = root["zones"] else {
            error(nil, "zones", "no zones are declared; declare each as [zones.<id>] with kind and networks")
            return ([], false, [])
        }
        guard let all = tableOf(v, path: "zones") else { return ([], false, []) }
        if all.isEmpty {
            error(v.position, "zones", "no zones are declared; declare each as [zones.<id>] with kind and networks")
            return ([], false, [])
        }
        var zones: [Zone] = []
        var sites: [(zone: Int, network: Located<IPPrefix>)] = []
        var complete = true
        // Every network seen so far, for "the same prefix in two zones".
        var owners: [PrefixKey: (zone: String, line: Int)] = [:]
        // The zone that first listed each VLAN, for "one VLAN in zones of two kinds".
        var vlanOwners: [UInt16: (zone: String, kind: ZoneKind)] = [:]
        let maxZones = Int(ZoneRef.external.rawValue)
        if all.entries.count > maxZones {
            error(v.position, "zones", "\(all.entries.count) zones are declared; at most \(maxZones) are supported")
            complete = false
        }
        for entry in all.entries {
            let id = entry.key
            let path = ConfigPath("zones").key(id)
            var ok = true
            if id.isEmpty {
                error(entry.keyPosition, path, "a zone id cannot be empty")
                ok = false
            } else if ZonesConfigLoader.reservedZoneIDs.contains(id.lowercased()) {
                error(
                    entry.keyPosition, path,
                    "zone id '\(id)' is reserved: external, unzoned and local name address classes in alerts")
                ok = false
            }
            guard let t = tableOf(entry.value, path: path, expected: "a table [zones.\(tomlKeyText(id))]") else {
                complete = false
                continue
            }
            let at = entry.value.position
            checkKeys(t, path: path, allowed: ["kind", "label", "networks", "vlans"])
            var kind: ZoneKind?
            if let k = string(t, "kind", in: path, at: at, required: true, hint: " (mynumber, lgwan or internet)") {
                kind = ZoneKind(rawValue: k.value)
                if kind == nil {
                    error(k.position, k.path, "'\(k.value)' is not a zone kind; expected mynumber, lgwan or internet")
                }
            }
            let label = nonEmptyString(t, "label", in: path, at: at, required: false)
            let networks = prefixes(t, "networks", in: path, at: at, required: true, noun: "network")
            let vlans = self.vlans(t, in: path, at: at)
            for vlan in vlans ?? [] {
                if let other = vlanOwners[vlan.value], let k = kind, other.kind != k {
                    warning(
                        vlan.position, vlan.path,
                        "VLAN \(vlan.value) is also listed by zone '\(VisibleText.escape(other.zone))' (\(other.kind.rawValue)); "
                            + "one VLAN carrying two tiers is itself a breach of the separation")
                } else if let k = kind {
                    vlanOwners[vlan.value] = (id, k)
                }
            }
            for n in networks ?? [] {
                let key = PrefixKey(n.value)
                if let owner = owners[key], owner.zone != id {
                    error(
                        n.position, n.path,
                        "\(n.value) is in both zone '\(owner.zone)' (line \(owner.line)) and zone '\(id)'; "
                            + "a network belongs to one zone")
                    ok = false
                } else {
                    owners[key] = (id, n.position.line)
                    localZoneNetwork(n, zone: id)
                    catchAllZoneNetwork(n, zone: id)
                }
            }
            zoneCoversFamily(networks ?? [], zone: id)
            guard ok, let kind, let networks, t["vlans"] == nil || vlans != nil else {
                complete = false
                continue
            }
            for n in networks { sites.append((zones.count, n)) }
            zones.append(
                Zone(
                    id: id, kind: kind, label: label?.value, networks: networks.map(\.value),
                    vlans: (vlans ?? []).map(\.value)))
        }
        return (zones, complete, sites)
    }
}

extension ConfigChecker {
    /// Local addresses (broadcast, multicast, loopback, link-local, unspecified) win over every zone, so a
    /// zone network that is all local holds nothing, and the local part of a wider one is not the zone's:
    /// flows to a multicast group listed under a mynumber zone are never judged as mynumber flows. A /0 has
    /// a warning of its own (`catchAllZoneNetwork`), which says the worse.
    mutating func localZoneNetwork(_ n: Located<IPPrefix>, zone: String) {
        let classes = "broadcast, multicast, loopback, link-local or unspecified"
        let never = "allowed before any declaration is looked at, never judged as the zone's"
        guard let local = AddressSpace.localRanges(in: n.value) else {
            warning(
                n.position, n.path,
                "\(n.value) is local (\(classes)), and a local address is in no zone: this network of zone "
                    + "'\(VisibleText.escape(zone))' holds no address, and flows with its addresses are \(never)")
            return
        }
        guard !local.isEmpty, n.value.displayLength > 0 else { return }
        let parts = local.map(\.description).joined(separator: ", ")
        warning(
            n.position, n.path,
            "\(n.value) takes in local addresses (\(parts): \(classes)), and a local address is in no zone: zone "
                + "'\(VisibleText.escape(zone))' holds only the rest of this network, and flows with its local part are "
                + never)
    }
}

extension ConfigChecker {
    /// A zone network of `0.0.0.0/0` or `::/0` takes every address of its family that no narrower zone
    /// network holds: none is left `external` or `unzoned`, so three rules can never fire for that family,
    /// and nothing else says so. Written as "the Internet is the internet zone" (REVIEW-147 F9); the
    /// Internet zone is the town hall's own segment, and the Internet beyond it is external.
    mutating func catchAllZoneNetwork(_ n: Located<IPPrefix>, zone: String) {
        guard n.value.displayLength == 0 else { return }
        let family = n.value.isIPv4 ? "IPv4" : "IPv6"
        warning(
            n.position, n.path,
            "\(n.value) puts every \(family) address that no narrower zone network holds in zone "
                + "'\(VisibleText.escape(zone))': no \(family) address is then external or unzoned, so lgwan-external, "
                + "security-cloud-bypass and unzoned-host never fire for \(family); list the town hall's own "
                + "networks and leave the Internet beyond them external")
    }
}

struct NameRegistry {
    var seen: [String: (path: ConfigPath, line: Int)] = [:]
}

/// A prefix by its bits only (`IPPrefix` equality also compares `hadHostBits`).
struct PrefixKey: Hashable {
    var first: UInt128
    var length: Int
    init(_ p: IPPrefix) {
        first = p.first
        length = p.length
    }
}
