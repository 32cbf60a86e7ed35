import ZonesepCore

/// An exporter whose clock is far from the collector's, to be said once on stderr.
public struct SkewedExporter: Sendable, Equatable, CustomStringConvertible {
    public var exporter: IPAddress
    public var input: FlowInputKind
    /// Export time minus arrival, µs.
    public var offsetMicros: Int64
    /// The datagram's export time, µs since the epoch.
    public var exportMicros: Int64

    public var description: String { "exporter \(exporter) (\(input.name))" }
}

extension FlowExportDecoder {
    /// How far an exporter's export time may stray from the arrival of its datagram before it is said:
    /// 5 minutes. Export times are whole seconds and datagrams wait in exporters' buffers (an active
    /// timeout's flush, a burst) for some seconds, so a smaller offset says nothing; a larger one is a
    /// clock never set or not kept by NTP, and every record time of that exporter follows it: expired
    /// exceptions judged as still valid, a long flow's records too far apart to join.
    public static let clockOffsetWarningMicros: Int64 = 5 * 60 * 1_000_000

    /// Keeps the offset of a datagram's export time (`exportMicros`, its header's) from its arrival by the
    /// wall clock (both clocks' time since the epoch), and
    /// queues the exporter for a warning the first time the offset passes `clockOffsetWarningMicros`.
    mutating func noteExportTime(
        _ exportMicros: Int64, exporter: IPAddress, input: FlowInputKind, stats s: inout ExporterStats
    ) {
        let offset = exportMicros &- arrivalWallMicros
        s.clockOffsetMicros = offset
        guard !s.clockOffsetWarned, offset.magnitude > UInt64(Self.clockOffsetWarningMicros) else { return }
        s.clockOffsetWarned = true
        skewedExporters.append(
            SkewedExporter(exporter: exporter, input: input, offsetMicros: offset, exportMicros: exportMicros))
    }

    /// The exporters whose clock went past the threshold since the last call (each once for the run).
    public mutating func takeSkewedExporters() -> [SkewedExporter] {
        defer { skewedExporters.removeAll() }
        return skewedExporters
    }
}
