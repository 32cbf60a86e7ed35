import FuzzSupport
import ZonesepCore
import ZonesepOutput

// The packet path with the demonstration policy: decode, zone lookup, flow table, verdict, alert text.
//
// Input: byte 0 picks the link type (low 4 bits) and the API (bit 7: one frame at a time, else batches);
// then frames, each  gap u8 (seconds since the last) | length u16 little-endian | length bytes.
// One Verifier per input, with a small flow table, so eviction and expiry are reached too.

let policy = Fuzz.demonstrationPolicy
let format = AlertFormat(policy: policy)
/// Byte 0's low four bits index this list (Fuzz/make-seeds.py writes the same indices).
let linkTypes: [LinkType] = [
    .ethernet, .raw, .linuxSLL, .linuxSLL2, .null, .loop, .ppp, .pppHDLC, .ciscoHDLC, .ipv4, .ipv6,
]

func frames(_ input: UnsafeRawBufferPointer) -> [Verifier.Frame] {
    var out: [Verifier.Frame] = []
    var at = 1
    var time: Int64 = 1_700_000_000_000_000
    while at + 3 <= input.count {
        time += Int64(input[at]) * 1_000_000 + 1
        let length = min(Int(input[at + 1]) | Int(input[at + 2]) << 8, input.count - at - 3)
        let bytes = UnsafeRawBufferPointer(rebasing: input[(at + 3)..<(at + 3 + length)])
        out.append(Verifier.Frame(timestamp: time, bytes: bytes, wireLength: length + Int(input[at]) % 3))
        at += 3 + length
    }
    return out
}

func touch(_ a: Alert) -> Int {
    format.json(a).utf8.count &+ format.text(a).utf8.count &+ format.message(a).utf8.count
}

/// libFuzzer calls this once per input (its runtime brings `main`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = Fuzz.bytes(data, size)
    guard !input.isEmpty else { return 0 }
    let linkType = linkTypes[Int(input[0] & 0x0f) % linkTypes.count]
    let verifier = Verifier(policy: policy, flowCapacity: 64)
    var sink = 0
    let all = frames(input)
    if input[0] & 0x80 != 0 {
        for f in all {
            if let a = verifier.process(
                timestamp: f.timestamp, bytes: f.bytes, wireLength: f.wireLength, linkType: linkType)
            {
                sink &+= touch(a)
            }
        }
    } else {
        all.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                let batch = UnsafeBufferPointer(rebasing: buffer[start..<min(start + Verifier.batchSize, buffer.count)])
                verifier.process(batch: batch, linkType: linkType) { _, a in sink &+= touch(a) }
                start += batch.count
            }
        }
    }
    // Each frame decoded on its own too, and its addresses looked up, as the summary's matrix does.
    var packet = DecodedPacket()
    for f in all {
        PacketDecoder.decode(f.bytes, linkType: linkType, into: &packet)
        sink &+= Int(policy.zoneMap.lookup(packet.src).rawValue) &+ Int(policy.zoneMap.lookup(packet.dst).rawValue)
    }
    verifier.finish()
    sink &+= verifier.activeFlows
    return sink == Int.min ? 1 : 0
}
