import Foundation
import ZonesepCapture
import ZonesepCore
import ZonesepFlowExport

/// One UDP datagram as tcpdump kept it on loopback.
struct CapturedDatagram {
    var source: IPAddress
    var sourcePort: UInt16
    var destinationPort: UInt16
    var timeMicros: Int64
    var payload: [UInt8]
}

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The UDP datagrams of a capture of Ethernet (as Linux's loopback is captured) / IPv4 / UDP frames,
    /// read through libpcap.
    static func datagrams(_ name: String) throws -> [CapturedDatagram] { try datagrams(atPath: path(name)) }

    /// The same, of a capture anywhere (a test's own).
    static func datagrams(atPath path: String) throws -> [CapturedDatagram] {
        let file = try PcapFile(path: path)
        var out: [CapturedDatagram] = []
        while case .frame(let f) = file.next() {
            let b = Array(f.bytes)
            guard b.count >= 14 + 20 + 8, b[12] == 0x08, b[13] == 0x00 else { continue }
            let ihl = Int(b[14] & 0x0f) * 4
            let udp = 14 + ihl
            guard b[14 + 9] == 17, b.count >= udp + 8 else { continue }
            let src = UInt32(b[26]) << 24 | UInt32(b[27]) << 16 | UInt32(b[28]) << 8 | UInt32(b[29])
            let length = Int(b[udp + 4]) << 8 | Int(b[udp + 5])
            out.append(
                CapturedDatagram(
                    source: IPAddress(v4: src), sourcePort: UInt16(b[udp]) << 8 | UInt16(b[udp + 1]),
                    destinationPort: UInt16(b[udp + 2]) << 8 | UInt16(b[udp + 3]), timeMicros: f.timestampMicros,
                    payload: Array(b[(udp + 8)..<min(b.count, udp + length)])))
        }
        return out
    }

    /// Decodes every datagram of a fixture with one decoder; returns the records of each datagram.
    static func decode(_ datagrams: [CapturedDatagram], with decoder: inout FlowExportDecoder) -> [[FlowRecord]] {
        datagrams.map { d in
            var records: [FlowRecord] = []
            d.payload.withUnsafeBytes { b in
                decoder.decode(b, exporter: d.source, port: d.sourcePort, receivedMicros: d.timeMicros) {
                    records.append(copy $0)
                }
            }
            return records
        }
    }
}

extension FlowExportDecoder {
    /// Decodes one datagram given as bytes, collecting its records (tests only).
    mutating func records(
        _ bytes: [UInt8], exporter: IPAddress = IPAddress(v4: 0xc000_0201), port: UInt16 = 4739,
        receivedMicros: Int64 = 0
    ) -> [FlowRecord] {
        var out: [FlowRecord] = []
        bytes.withUnsafeBytes { b in
            decode(b, exporter: exporter, port: port, receivedMicros: receivedMicros) { out.append(copy $0) }
        }
        return out
    }

    /// The stats of the default test exporter.
    var testStats: ExporterStats { stats[IPAddress(v4: 0xc000_0201)] ?? ExporterStats() }
}
