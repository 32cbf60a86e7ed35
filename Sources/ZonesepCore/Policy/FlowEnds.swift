/// The two ends of a flow as the policy sees them: initiator first, responder second.
public struct FlowEnds: Sendable {
    public var initiator: IPAddress
    public var responder: IPAddress
    public var initiatorZone: ZoneRef
    public var responderZone: ZoneRef
    public var proto: UInt8
    /// The responder's port (nil for protocols without ports): the port every rule names.
    public var port: UInt16?
    public var initiatorMAC: MACAddress?
    public var responderMAC: MACAddress?

    public init(
        initiator: IPAddress, responder: IPAddress, initiatorZone: ZoneRef, responderZone: ZoneRef, proto: UInt8,
        port: UInt16?, initiatorMAC: MACAddress? = nil, responderMAC: MACAddress? = nil
    ) {
        self.initiator = initiator
        self.responder = responder
        self.initiatorZone = initiatorZone
        self.responderZone = responderZone
        self.proto = proto
        self.port = port
        self.initiatorMAC = initiatorMAC
        self.responderMAC = responderMAC
    }
}
