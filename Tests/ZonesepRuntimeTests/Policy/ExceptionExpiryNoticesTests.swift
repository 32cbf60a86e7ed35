import XCTest
import ZonesepCore

@testable import ZonesepRuntime

/// A daemon says when an exception stops applying as its clock passes the expiry: once each, in order, and
/// nothing of those that had expired before it started (zones.conf's check said those).
final class ExceptionExpiryNoticesTests: XCTestCase {
    static let t0: Int64 = 1_796_000_000_000_000

    static func exception(_ name: String, expiresAfterSeconds s: Int64) -> PolicyException {
        PolicyException(
            name: name, from: [IPPrefix("10.20.0.0/16")!], to: [IPPrefix("10.30.0.2/32")!],
            ports: [.tcp(80...80)], approved: "CISO承認 テスト",
            expiresAtMicros: t0 + s * 1_000_000, expiresText: "T0+\(s)s")
    }

    func testEachExpiryIsSaidOnceWhenTheClockPassesIt() {
        let zone = Zone(id: "lgwan", kind: .lgwan, label: "LGWAN", networks: [IPPrefix("10.20.0.0/16")!])
        let policy = Policy(
            PolicyConfig(
                zones: [zone],
                exceptions: [
                    Self.exception("later", expiresAfterSeconds: 20), Self.exception("gone", expiresAfterSeconds: -5),
                    Self.exception("soon", expiresAfterSeconds: 10),
                    Self.exception("also-soon", expiresAfterSeconds: 10),
                ]))
        var notices = ExceptionExpiryNotices(policy: policy, after: Self.t0, clock: "packet time")
        XCTAssertEqual(notices.passed(Self.t0 + 9_999_999), [], "not yet")
        let at10 = notices.passed(Self.t0 + 10_000_000)
        XCTAssertEqual(at10.count, 2, "\(at10)")
        XCTAssertTrue(at10[0].hasPrefix("exception 'also-soon' (expires = T0+10s) no longer applies from "), at10[0])
        XCTAssertTrue(at10[1].hasPrefix("exception 'soon' "), at10[1])
        XCTAssertTrue(
            at10[1].hasSuffix(
                "which packet time has reached: the flows it allowed are violations from now on"), at10[1])
        XCTAssertEqual(notices.passed(Self.t0 + 15_000_000), [], "each once")
        let rest = notices.passed(Self.t0 + 3_600_000_000)
        XCTAssertEqual(rest.count, 1, "the one expired before the start is not said: \(rest)")
        XCTAssertTrue(rest[0].contains("'later'"))
        XCTAssertEqual(notices.passed(.max), [])
    }
}
