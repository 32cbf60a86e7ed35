@testable import ZonesepCore

extension Policy {
    /// The ends of a flow from `from` to `to` (addresses as text), each in the zone this policy's map puts
    /// it in: what the policy tests judge.
    func ends(
        _ from: String, _ to: String, proto: UInt8 = 6, port: UInt16? = 443, fromMAC: String? = nil,
        toMAC: String? = nil
    ) -> FlowEnds {
        let a = IPAddress(from)!
        let b = IPAddress(to)!
        return FlowEnds(
            initiator: a, responder: b, initiatorZone: zoneMap.lookup(a), responderZone: zoneMap.lookup(b),
            proto: proto, port: port, initiatorMAC: fromMAC.flatMap { MACAddress($0) },
            responderMAC: toMAC.flatMap { MACAddress($0) })
    }
}
