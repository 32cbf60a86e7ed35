/// One flow's state: identity, who initiated it, counters in both directions and its verdict.
public struct FlowEntry: Sendable {
    // Fields every packet of the flow reads or writes come first, in the first 96 bytes; the rest (set once,
    // read at the flow's end) follow. In this order the entry is exactly 128 bytes, two cache lines, with
    // three one-byte fields in the key's last 3 bytes and two in the hole after the zones (a test holds the
    // layout to it): the initiator's side, how it was known and whether MACs were seen share one byte.
    public var key: FlowKey
    /// Flags of the state machine: FIN from A, FIN from B, RST seen; and `judgedBeforeReload` (a spare bit
    /// here keeps the entry at 128 bytes).
    public var tcpState: UInt8 = 0
    /// `RuleID.rawValue` of the verdict, or `FlowEntry.noVerdict`.
    public var rule: UInt8 = FlowEntry.noVerdict
    /// `method` in the low two bits, then `initiatorIsA`, `hasMACs`, `inTunnel`, whether `macA`, `macB`
    /// alone is known, and `lateMACCheck`.
    @usableFromInline var initiation: UInt8 = FlowEntry.initiatorIsAFlag | InitiatorMethod.firstPacket.rawValue
    public var lastSeen: Int64 = 0
    public var zoneA = ZoneRef.external
    public var zoneB = ZoneRef.external
    /// Index into `Policy.declarations`: the conduit a `conduit-mac-mismatch` verdict concerns, or the
    /// declaration that allowed the flow; -1 for none.
    public var declaration: Int16 = -1
    /// ICMP type and code of the first packet (for the Community ID of ICMP flows). A TCP flow, which has
    /// neither, keeps its `synTag` here, and a flow of a tunnel zonesep does not open its `unopenedTunnel`.
    public var icmpType: UInt8 = 0
    public var icmpCode: UInt8 = 0
    public var packetsAB: UInt64 = 0
    public var packetsBA: UInt64 = 0
    public var bytesAB: UInt64 = 0
    public var bytesBA: UInt64 = 0
    /// Serial number in order of creation: unique within a run, stable across identical runs.
    public var serial: UInt64 = 0
    public var firstSeen: Int64 = 0
    /// MACs as seen on the wire for endpoint A and B (0 with `hasMACs` false when the link has none), in
    /// the low 48 bits; bit 63 is the engine's `hostSeen` mark. Read them through `MACAddress(rawValue:)`,
    /// which keeps the 48 bits. `macB` must follow `macA` (the verifier picks a side's by its offset).
    public var macA: UInt64 = 0
    public var macB: UInt64 = 0

    /// Set above a side's MAC once the host table has seen that side's address, with this flow's VLANs,
    /// from that MAC: a later packet of that side from the same MAC has nothing new to tell it.
    public static let hostSeen: UInt64 = 1 << 63

    @usableFromInline static let initiatorIsAFlag: UInt8 = 0x04
    @usableFromInline static let hasMACsFlag: UInt8 = 0x08
    @usableFromInline static let inTunnelFlag: UInt8 = 0x10
    /// Only one side's MAC is known (a Linux cooked capture shows the sender's alone): A's, or B's.
    @usableFromInline static let macAKnownFlag: UInt8 = 0x20
    @usableFromInline static let macBKnownFlag: UInt8 = 0x40
    /// See `lateMACCheck`.
    @usableFromInline static let lateMACCheckFlag: UInt8 = 0x80

    /// Sets or clears `flag` in `byte`: the one body of the flag properties below, which share two bytes.
    @inlinable
    static func set(_ flag: UInt8, _ on: Bool, in byte: inout UInt8) {
        byte = on ? byte | flag : byte & ~flag
    }

    /// True when endpoint A initiated the flow.
    @inlinable
    public var initiatorIsA: Bool {
        get { initiation & FlowEntry.initiatorIsAFlag != 0 }
        set { FlowEntry.set(FlowEntry.initiatorIsAFlag, newValue, in: &initiation) }
    }

    @inlinable
    public var hasMACs: Bool {
        get { initiation & FlowEntry.hasMACsFlag != 0 }
        set { FlowEntry.set(FlowEntry.hasMACsFlag, newValue, in: &initiation) }
    }

    /// Records the MAC of one side only (the other's is not known): `macA` when `a`, else `macB`.
    @inlinable
    public mutating func setMAC(_ mac: MACAddress, ofA a: Bool) {
        if a { macA = mac.rawValue } else { macB = mac.rawValue }
        initiation |= a ? FlowEntry.macAKnownFlag : FlowEntry.macBKnownFlag
    }

    /// Side A's MAC (`a`) or B's, as the capture showed it; nil where it did not (a link without MACs, a
    /// packet inside IP tunnels, the receiver of a Linux cooked capture's packet).
    @inlinable
    public func mac(ofA a: Bool) -> MACAddress? {
        let known = hasMACs || initiation & (a ? FlowEntry.macAKnownFlag : FlowEntry.macBKnownFlag) != 0
        return known ? MACAddress(rawValue: a ? macA : macB) : nil
    }

    /// Whether the flow's first packet came inside a tunnel (its layers are the first packet's to decode
    /// again: the entry has no room for them).
    @inlinable
    public var inTunnel: Bool {
        get { initiation & FlowEntry.inTunnelFlag != 0 }
        set { FlowEntry.set(FlowEntry.inTunnelFlag, newValue, in: &initiation) }
    }

    /// The tunnel zonesep does not open that the flow's protocol or ports name, if any: kept, as its raw
    /// value plus one, in the ICMP fields' first byte, which such flows (UDP, ESP, L2TPv3) leave unused,
    /// so that the flow's packets can be counted as not verified at its end at no cost to the entry's size.
    @inlinable
    public var unopenedTunnel: UnopenedTunnel? {
        get {
            guard icmpType != 0, UnopenedTunnel.isCarrier(key.proto) else { return nil }
            return UnopenedTunnel(rawValue: Int(icmpType) &- 1)
        }
        set {
            guard UnopenedTunnel.isCarrier(key.proto) else { return }
            icmpType = newValue.map { UInt8(truncatingIfNeeded: $0.rawValue &+ 1) } ?? 0
        }
    }

    /// The conduit MAC check that the first packet could not make. Without a verdict: the flow was allowed
    /// by a conduit naming a MAC for a side the first packet did not show, and the first packet of that
    /// side that shows its MAC checks it (`Verifier`). With a verdict: the verdict came at a later packet
    /// than the first (its alert is dated then, at `lastSeen`): that check found the MAC differs, a side
    /// sent from another MAC than the conduit names, or the exception that allowed the flow had expired.
    /// After a reload, see `judgedBeforeReload`.
    @inlinable
    public var lateMACCheck: Bool {
        get { initiation & FlowEntry.lateMACCheckFlag != 0 }
        set { FlowEntry.set(FlowEntry.lateMACCheckFlag, newValue, in: &initiation) }
    }

    /// A flow judged under a policy that a reload has since replaced, which does not judge it alike
    /// (`carry(across:from:to:)`): its `lateMACCheck` then says, without a verdict, whether that policy left
    /// the MAC of the conduit allowing it unverified, and no later packet or record makes that check. (An
    /// exception's expiry and a changed MAC are still checked, by the declaration of that name in force.)
    @inlinable
    public var judgedBeforeReload: Bool {
        get { tcpState & FlowEntry.judgedBeforeReloadFlag != 0 }
        set { FlowEntry.set(FlowEntry.judgedBeforeReloadFlag, newValue, in: &tcpState) }
    }

    /// Whether the verdict was reached after the flow's first packet (see `lateMACCheck`).
    @inlinable
    public var verdictIsLate: Bool { lateMACCheck && rule != FlowEntry.noVerdict }

    /// How the initiator was known.
    @inlinable
    public var method: InitiatorMethod {
        get { InitiatorMethod(rawValue: initiation & 0x03) ?? .firstPacket }
        set { initiation = initiation & ~0x03 | newValue.rawValue }
    }

    public static let noVerdict: UInt8 = 0xff
    public static let finA: UInt8 = 1
    public static let finB: UInt8 = 2
    public static let reset: UInt8 = 4
    /// In `tcpState`, for any protocol: see `judgedBeforeReload`.
    @usableFromInline static let judgedBeforeReloadFlag: UInt8 = 8
    /// In `tcpState`, for any protocol: the exception that allowed the flow has expired since, or a reload
    /// withdrew, renamed or narrowed it, and the flow's next packet judges it again (`Verifier`).
    @usableFromInline static let allowanceExpiredFlag: UInt8 = 16

    /// The exception that allowed the flow no longer does (it expired, or a reload withdrew, renamed or
    /// narrowed it): its next packet, or record in `collect`, judges it again under the policy in force.
    @inlinable
    public var allowanceEnded: Bool {
        get { tcpState & FlowEntry.allowanceExpiredFlag != 0 }
        set { FlowEntry.set(FlowEntry.allowanceExpiredFlag, newValue, in: &tcpState) }
    }

    @inlinable
    public init(key: FlowKey) { self.key = key }

    /// A new flow's entry, first seen at `lastSeen` (`FlowTable.insert`): inlined, so that the table
    /// writes it where it goes, where a call built it on the stack to be copied there.
    @inline(__always)
    init(key: FlowKey, lastSeen: Int64) {
        self.key = key
        self.lastSeen = lastSeen
    }

    /// A TCP flow that began with a SYN: 16 bits of its initial sequence number (`synTag(_:)`), in the ICMP
    /// fields TCP does not use, so the entry stays 128 bytes. A SYN with the same tag from the initiator
    /// while the flow lies closed in the table is the same connection attempt retried (Windows sends its
    /// SYN again after a RST), not a new connection. A new connection on the same addresses and ports
    /// within the closed flow's 10 s matches by chance once in 65,536 (initial sequence numbers are random,
    /// RFC 6528), and then only joins a flow of the same tuple, judged the same way.
    @inlinable
    public var synTag: UInt16 {
        get { UInt16(icmpType) << 8 | UInt16(icmpCode) }
        set {
            icmpType = UInt8(truncatingIfNeeded: newValue >> 8)
            icmpCode = UInt8(truncatingIfNeeded: newValue)
        }
    }

    /// The 16-bit tag of initial sequence number `isn`: both halves folded, so every bit counts.
    @inlinable
    public static func synTag(_ isn: UInt32) -> UInt16 { UInt16(truncatingIfNeeded: isn ^ isn >> 16) }

    /// Closed by RST, or by FIN from both sides.
    @inlinable
    public var isClosed: Bool {
        tcpState & FlowEntry.reset != 0
            || tcpState & (FlowEntry.finA | FlowEntry.finB) == FlowEntry.finA | FlowEntry.finB
    }

    /// Why the flow ends when `reason` takes it out of the table: a TCP flow already closed ended by
    /// closing, whatever then removed it.
    @inlinable
    public func endReason(_ reason: FlowEndReason) -> FlowEndReason { isClosed ? .closed : reason }

    @inlinable public var verdict: RuleID? { RuleID(rawValue: rule) }
    @inlinable public var packets: UInt64 { packetsAB &+ packetsBA }
    @inlinable public var bytes: UInt64 { bytesAB &+ bytesBA }
    @inlinable public var initiatorZone: ZoneRef { initiatorIsA ? zoneA : zoneB }
    @inlinable public var responderZone: ZoneRef { initiatorIsA ? zoneB : zoneA }
}

/// Idle timeouts in packet time, microseconds.
public struct FlowTimeouts: Sendable {
    public var tcp: Int64 = 600_000_000
    /// After FIN from both sides or RST: late packets still join the flow; a new SYN starts a new one.
    public var tcpClosed: Int64 = 10_000_000
    public var udp: Int64 = 120_000_000
    public var icmp: Int64 = 60_000_000
    public var other: Int64 = 120_000_000
    public init() {}

    @inlinable
    public func timeout(for e: FlowEntry) -> Int64 { timeout(proto: e.key.proto, closed: e.isClosed) }

    /// The timeout of a flow of protocol `proto` (`closed`: a TCP flow closed by FIN or RST).
    @inlinable
    public func timeout(proto: UInt8, closed: Bool) -> Int64 {
        switch proto {
        case IPProtocolNumber.tcp: return closed ? tcpClosed : tcp
        case IPProtocolNumber.udp: return udp
        case IPProtocolNumber.icmp, IPProtocolNumber.icmpv6: return icmp
        default: return other
        }
    }
}
