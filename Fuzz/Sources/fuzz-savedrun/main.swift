import Foundation
import FuzzSupport
import ZonesepOutput
import ZonesepSavedRun

// The report's reader of a saved run (JSON Lines from `zonesep replay --output json`) with the
// demonstration policy, and the HTML report rendered from what it accepts. Input: the file's bytes.

let policy = Fuzz.demonstrationPolicy
let provenance = AuditReport.Provenance(
    zonesepVersion: "fuzz", libpcapVersion: "fuzz", configPath: "zones.conf",
    configSHA256: String(repeating: "0", count: 64))

/// libFuzzer calls this once per input (its runtime brings `main`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Data(Fuzz.bytes(data, size))
    let sum: Int
    do {
        let report = try SavedRun.parse(bytes, name: "fuzz.jsonl", policy: policy, provenance: provenance)
        sum = ReportHTML.render(report).utf8.count
    } catch {
        sum = error.message.utf8.count
    }
    return sum == Int.min ? 1 : 0
}
