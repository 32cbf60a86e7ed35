/// The three tiers of 三層の対策.
public enum ZoneKind: String, Sendable, CaseIterable {
    /// マイナンバー利用事務系: talks to nothing else except through conduits.
    case mynumber
    /// LGWAN接続系: reaches the Internet zone only through sanitisation paths.
    case lgwan
    /// インターネット接続系: goes out only through the security cloud's gateways.
    case internet
}

/// A zone declared in zones.conf.
public struct Zone: Sendable, Equatable {
    public var id: String
    public var kind: ZoneKind
    /// Human label (defaults to the id), used in messages and reports.
    public var label: String
    public var networks: [IPPrefix]
    /// The VLAN ids (1–4094) its hosts live on; empty when the zone does not say (not checked then).
    public var vlans: [UInt16]

    public init(id: String, kind: ZoneKind, label: String? = nil, networks: [IPPrefix], vlans: [UInt16] = []) {
        self.id = id
        self.kind = kind
        self.label = label ?? id
        self.networks = networks
        self.vlans = vlans
    }
}

/// Where an address belongs: a declared zone (by index), or one of the three classes that are not zones.
///
/// A 16-bit code keeps the flow entry and the matrix index small; the special classes sit at the top.
public struct ZoneRef: Hashable, Sendable, Comparable, BitwiseCopyable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public init(zone index: Int) { self.rawValue = UInt16(index) }

    /// A public (non-internal) address.
    public static let external = ZoneRef(rawValue: 0xfffd)
    /// An internal-space address in no zone.
    public static let unzoned = ZoneRef(rawValue: 0xfffe)
    /// Broadcast, multicast, loopback, link-local, unspecified: never part of a cross-zone flow.
    public static let local = ZoneRef(rawValue: 0xffff)

    @inlinable public var isZone: Bool { rawValue < 0xfffd }
    @inlinable public var zoneIndex: Int { Int(rawValue) }

    @inlinable public static func < (a: ZoneRef, b: ZoneRef) -> Bool { a.rawValue < b.rawValue }
}
