/// The declarations of zones.conf, after validation, as plain values.

/// A permitted link out of a `mynumber` zone, limited by address, port and optionally MAC.
public struct Conduit: Sendable, Equatable {
    public var name: String
    public var from: [IPPrefix]
    public var fromMAC: MACAddress?
    public var to: [IPPrefix]
    public var toMAC: MACAddress?
    public var ports: [PortSpec]
    public init(
        name: String, from: [IPPrefix], fromMAC: MACAddress? = nil, to: [IPPrefix], toMAC: MACAddress? = nil,
        ports: [PortSpec]
    ) {
        self.name = name
        self.from = from
        self.fromMAC = fromMAC
        self.to = to
        self.toMAC = toMAC
        self.ports = ports
    }
}

/// 無害化 methods; each brings default ports where a path names none.
public enum SanitisationMethod: String, Sendable, CaseIterable {
    case mailText = "mail-text"
    case screenTransfer = "screen-transfer"
    case fileSanitiser = "file-sanitiser"

    /// The usual ports of the method (DESIGN.md): RDP, ICA, Blast and PCoIP; SMTP; none for file sanitisers.
    public var defaultPorts: [PortSpec] {
        switch self {
        case .screenTransfer:
            return [
                .tcp(3389...3389), .udp(3389...3389), .tcp(1494...1494), .tcp(2598...2598),
                .tcp(22443...22443), .udp(22443...22443), .tcp(4172...4172), .udp(4172...4172),
            ]
        case .mailText: return [.tcp(25...25), .tcp(587...587)]
        case .fileSanitiser: return []
        }
    }
}

/// A declared LGWAN <-> Internet path through sanitisation, in one direction.
public struct SanitisationPath: Sendable, Equatable {
    public var name: String
    public var method: SanitisationMethod
    public var from: [IPPrefix]
    public var to: [IPPrefix]
    public var ports: [PortSpec]
    public init(name: String, method: SanitisationMethod, from: [IPPrefix], to: [IPPrefix], ports: [PortSpec]) {
        self.name = name
        self.method = method
        self.from = from
        self.to = to
        self.ports = ports
    }
}

/// The prefecture's security cloud: the only external peers an `internet` zone may talk to.
public struct Gateway: Sendable, Equatable {
    public var name: String
    public var addresses: [IPPrefix]
    public init(name: String, addresses: [IPPrefix]) {
        self.name = name
        self.addresses = addresses
    }
}

/// 例外措置: a CISO-approved exception, valid until the end of its expiry.
public struct PolicyException: Sendable, Equatable {
    public var name: String
    public var from: [IPPrefix]
    public var to: [IPPrefix]
    public var ports: [PortSpec]
    public var approved: String
    /// First instant (microseconds since the Unix epoch, UTC) at which the exception no longer applies.
    public var expiresAtMicros: Int64
    /// The expiry as written in zones.conf, for messages and reports.
    public var expiresText: String
    public init(
        name: String, from: [IPPrefix], to: [IPPrefix], ports: [PortSpec], approved: String, expiresAtMicros: Int64,
        expiresText: String
    ) {
        self.name = name
        self.from = from
        self.to = to
        self.ports = ports
        self.approved = approved
        self.expiresAtMicros = expiresAtMicros
        self.expiresText = expiresText
    }
}

/// A layer-3 device forwarding between zones (a routing core switch, a firewall): frames from its MACs
/// carry every tier's addresses, so the host rules exempt them.
public struct Router: Sendable, Equatable {
    public var name: String
    public var macs: [MACAddress]
    public init(name: String, macs: [MACAddress]) {
        self.name = name
        self.macs = macs
    }
}

/// Everything zones.conf declares: the input to `ZoneMap` and `Policy` compilation.
public struct PolicyConfig: Sendable, Equatable {
    public var sensor: String
    public var `internal`: [IPPrefix]
    public var zones: [Zone]
    public var gateways: [Gateway]
    public var conduits: [Conduit]
    public var sanitisation: [SanitisationPath]
    public var exceptions: [PolicyException]
    /// Declared routers, exempt from the host rules (`dual-homed-host`, `zone-vlan-mismatch`).
    public var routers: [Router]
    /// The UDP ports decoded as VXLAN and Geneve (`[sensor] vxlan_ports`, `geneve_ports`).
    public var tunnelPorts: TunnelPorts
    /// SHA-256 (lower-case hex) of the zones.conf bytes this policy was read from; nil when it was not
    /// read from a file. The summary records it, so that a report made later is made with the same file.
    public var sourceSHA256: String?

    /// RFC 1918 and IPv6 ULA: the internal space when zones.conf has no `[internal]`.
    public static let defaultInternal: [IPPrefix] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
        .compactMap { IPPrefix($0) }

    public init(
        sensor: String = "zonesep", internal: [IPPrefix] = PolicyConfig.defaultInternal, zones: [Zone],
        gateways: [Gateway] = [], conduits: [Conduit] = [], sanitisation: [SanitisationPath] = [],
        exceptions: [PolicyException] = [], routers: [Router] = [], tunnelPorts: TunnelPorts = .standard
    ) {
        self.sensor = sensor
        self.internal = `internal`
        self.zones = zones
        self.gateways = gateways
        self.conduits = conduits
        self.sanitisation = sanitisation
        self.exceptions = exceptions
        self.routers = routers
        self.tunnelPorts = tunnelPorts
    }
}
