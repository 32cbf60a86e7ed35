import FuzzSupport
import ZonesepConfig
import ZonesepCore

// zones.conf: the TOML reader and every check, then the policy compiled from an accepted file and a few
// lookups in its zone map. Input: the file's text (bytes that are not UTF-8 are replaced, as the loader
// refuses them before it parses).

let probes = ["10.10.1.1", "10.20.3.4", "10.30.7.8", "192.0.2.1", "fd00::1", "2001:db8::1", "::ffff:10.1.2.3"]
    .compactMap { IPAddress($0) }

/// libFuzzer calls this once per input (its runtime brings `main`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: Fuzz.bytes(data, size), as: UTF8.self)
    let result = ZonesConfigLoader.load(text: text, fileName: "fuzz.conf", now: 1_767_225_600_000_000)
    var sum = result.diagnostics.reduce(0) { $0 &+ $1.description.utf8.count }
    if let config = result.config {
        let policy = Policy(config)
        for a in probes { sum &+= Int(policy.zoneMap.lookup(a).rawValue) }
        sum &+= ConfigSummary.render(config, now: 1_767_225_600_000_000).utf8.count
    }
    return sum == Int.min ? 1 : 0
}
