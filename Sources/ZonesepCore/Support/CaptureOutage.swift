/// A stretch of a live capture's run when the sensor saw nothing of the port: the interface gone, the
/// capture failed and not yet reopened, or the link down. Times are the sensor's wall clock (µs since the
/// epoch), the clock the kernel stamps live packets with, so they compare with packet times.
public struct CaptureOutage: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// No interface of that name (deleted, a vNIC re-plugged, a switch reset that took the port).
        case interfaceGone = "interface-gone"
        /// The interface is there but a worker's capture is closed: it failed and waits to be reopened.
        case captureDown = "capture-down"
        /// The interface is administratively down (`ip link set … down`, a shut port).
        case linkDown = "link-down"
        /// Up but without a carrier (a pulled cable, the peer's end down).
        case noCarrier = "no-carrier"
    }

    public var fromMicros: Int64
    public var toMicros: Int64
    public var kind: Kind

    /// How many outages a summary lists (the longest); past it they are only counted, as `PacketGap`'s.
    public static let listed = PacketGap.listed

    public var length: Int64 { max(0, toMicros - fromMicros) }

    public init(fromMicros: Int64, toMicros: Int64, kind: Kind) {
        self.fromMicros = fromMicros
        self.toMicros = toMicros
        self.kind = kind
    }
}
