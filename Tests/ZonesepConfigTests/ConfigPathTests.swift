import XCTest

@testable import ZonesepConfig

/// Key paths are spelled only when a diagnostic needs them; the spelling must be what joining the
/// parts as they were met would give.
final class ConfigPathTests: XCTestCase {
    func testStepsAreSpelledInTOML() {
        XCTAssertEqual(ConfigPath("exceptions").index(12).key("from").index(0).description, "exceptions[12].from[0]")
        XCTAssertEqual(
            ConfigPath("conduits").index(0).key("to").key("addresses").index(1).description,
            "conduits[0].to.addresses[1]")
        XCTAssertEqual(ConfigPath("zones").key("第一 庁舎").key("networks").description, "zones.\"第一 庁舎\".networks")
        XCTAssertEqual(ConfigPath("").key("sensr").description, "sensr")
        XCTAssertEqual(ConfigPath("").description, "")
        XCTAssertTrue(ConfigPath("").isEmpty)
        XCTAssertFalse(ConfigPath("").key("a").isEmpty)
    }

    /// Past four unspelled steps the path spells what it has and goes on: any depth reads the same.
    func testAnyDepthMatchesTheEagerSpelling() {
        var lazy = ConfigPath("a")
        var eager = "a"
        for n in 0..<12 {
            if n % 3 == 0 {
                lazy = lazy.index(n)
                eager += "[\(n)]"
            } else {
                let key = n % 3 == 1 ? "k\(n)" : "with space \(n)"
                lazy = lazy.key(key)
                eager += "." + tomlKeyText(key)
            }
            XCTAssertEqual(lazy.description, eager, "after \(n + 1) steps")
        }
    }
}
