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

    /// Any depth of steps reads as the eager spelling would.
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

    /// Paths sharing a parent keep their own steps: extending one never changes another.
    func testBranchesFromOneParentStayApart() {
        let parent = ConfigPath("exceptions").index(3)
        let from = parent.key("from")
        let to = parent.key("to")
        let first = from.index(0)
        let second = from.index(1)
        XCTAssertEqual(parent.description, "exceptions[3]")
        XCTAssertEqual(from.description, "exceptions[3].from")
        XCTAssertEqual(to.description, "exceptions[3].to")
        XCTAssertEqual(first.description, "exceptions[3].from[0]")
        XCTAssertEqual(second.description, "exceptions[3].from[1]")
        let spelled: ConfigPath = "sensor.vxlan_ports"
        XCTAssertEqual(spelled.index(2).description, "sensor.vxlan_ports[2]")
        XCTAssertEqual(spelled.description, "sensor.vxlan_ports")
    }

    /// The blank test's shortcut over ASCII bytes agrees with `Character.isWhitespace` on every ASCII
    /// character, alone and around others.
    func testBlankAgreesWithCharacterWhitespace() {
        for b in UInt8(0)...UInt8(0x7f) {
            let c = Character(Unicode.Scalar(b))
            XCTAssertEqual(ConfigChecker.isBlank(String(c)), c.isWhitespace, "byte \(b)")
            XCTAssertEqual(ConfigChecker.isBlank(" \u{3000}" + String(c)), c.isWhitespace, "byte \(b) after blanks")
        }
        XCTAssertTrue(ConfigChecker.isBlank(""))
        XCTAssertTrue(ConfigChecker.isBlank("\u{3000}\u{00a0} \r\n"))
        XCTAssertFalse(ConfigChecker.isBlank("\u{3000}名"))
        XCTAssertFalse(ConfigChecker.isBlank(" e\u{301}"))
    }
}
