/// What a live capture lost before zonesep saw it (libpcap's counts at the end, added up over the workers'
/// handles): the summary's `dropped` and its line beside the coverage, which counts only the frames seen, so
/// that a share "verified" is not read as a share of all the traffic. A replay has none: files record no drops.
public struct CaptureDrops: Sendable, Equatable {
    /// Dropped by the kernel: the capture buffer was full, the sensor fell behind.
    public var kernel: UInt64
    /// Dropped by the interface (its driver), where the platform says.
    public var interface: UInt64

    public init(kernel: UInt64, interface: UInt64) {
        self.kernel = kernel
        self.interface = interface
    }

    /// The summary's `dropped`: both, one number, as `zonesep report` reads it.
    public var total: UInt64 { kernel &+ interface }

    /// The text summary's line after the coverage line, said when none was dropped too (a live run knew it).
    public var textLine: String {
        var line =
            "\(total) \(total == 1 ? "packet" : "packets") dropped by the capture before zonesep saw "
            + "\(total == 1 ? "it" : "them") (kernel \(kernel), interface \(interface))"
        if total > 0 {
            line += ": the coverage above counts only the frames zonesep saw; \"no violation\" says nothing of these."
        }
        return line + "\n"
    }

    /// The stderr warning at the end of a run that lost packets: the whole count, whatever the rate-limited
    /// warnings said while it ran.
    public var warning: String? {
        guard total > 0 else { return nil }
        return "\(CoverageReport.grouped(total)) \(total == 1 ? "packet was" : "packets were") dropped by the capture "
            + "(kernel \(CoverageReport.grouped(kernel)), interface \(CoverageReport.grouped(interface))) before "
            + "zonesep saw them: they were never judged, and the summary's coverage counts only the frames seen"
    }
}
