import Foundation
import XCTest

@testable import ZonesepConfig

/// The TOML 1.0 cases of toml-test (Tests/TOMLTestSuite): each valid document must read to the value its
/// JSON describes; each invalid one must be refused with a reason and a place.
final class TOMLTestSuiteTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TOMLTestSuite")

    static func cases(_ kind: String) throws -> [String] {
        let list = try String(contentsOf: root.appendingPathComponent("files-toml-1.0.0"), encoding: .utf8)
        return list.split(separator: "\n").map(String.init).filter { $0.hasPrefix(kind + "/") && $0.hasSuffix(".toml") }
    }

    /// The document as toml-test's tagged JSON would have it, for comparison with the expectation.
    static func tagged(_ v: TOMLValue) -> Any {
        func scalar(_ type: String, _ value: String) -> [String: String] { ["type": type, "value": value] }
        switch v.content {
        case .string(let s): return scalar("string", s)
        case .integer(let i): return scalar("integer", String(i))
        case .float(let d): return scalar("float", d.isNaN ? "nan" : d.isInfinite ? (d < 0 ? "-inf" : "inf") : "\(d)")
        case .boolean(let b): return scalar("bool", b ? "true" : "false")
        case .dateTime(let dt):
            return scalar(dt.offsetMinutes == nil ? "datetime-local" : "datetime", dt.description)
        case .date(let d): return scalar("date-local", d.description)
        case .time(let t): return scalar("time-local", t.description)
        case .array(let items): return items.map(tagged)
        case .table(let t): return table(t)
        }
    }

    static func table(_ t: TOMLTable) -> [String: Any] {
        var out: [String: Any] = [:]
        for e in t.entries { out[e.key] = tagged(e.value) }
        return out
    }

    /// Compares a tagged value with the expectation; scalars by meaning (a float's spelling, a date-time's
    /// fraction digits and offset spelling may differ), structure exactly. Returns where they differ.
    static func difference(_ got: Any, _ want: Any, at path: String) -> String? {
        if let w = want as? [String: Any], let type = w["type"] as? String, let wv = w["value"] as? String,
            w.count == 2
        {
            guard let g = got as? [String: String], let gt = g["type"], let gv = g["value"] else {
                return "\(path): expected a \(type), got \(got)"
            }
            guard gt == type else { return "\(path): expected a \(type) \(wv), got a \(gt) \(gv)" }
            if same(type, gv, wv) { return nil }
            return "\(path): expected \(type) \(wv), got \(gv)"
        }
        if let w = want as? [String: Any] {
            guard let g = got as? [String: Any] else { return "\(path): expected a table, got \(got)" }
            if Set(g.keys) != Set(w.keys) {
                return "\(path): keys \(g.keys.sorted()) instead of \(w.keys.sorted())"
            }
            for k in w.keys.sorted() {
                if let d = difference(g[k]!, w[k]!, at: path + "." + k) { return d }
            }
            return nil
        }
        if let w = want as? [Any] {
            guard let g = got as? [Any], g.count == w.count else { return "\(path): expected an array of \(w.count)" }
            for (i, (a, b)) in zip(g, w).enumerated() {
                if let d = difference(a, b, at: "\(path)[\(i)]") { return d }
            }
            return nil
        }
        return "\(path): unexpected expectation \(want)"
    }

    static func same(_ type: String, _ got: String, _ want: String) -> Bool {
        switch type {
        case "float":
            let parse = { (s: String) -> Double? in
                switch s {
                case "nan", "+nan", "-nan": return .nan
                case "inf", "+inf": return .infinity
                case "-inf": return -.infinity
                default: return Double(s)
                }
            }
            guard let a = parse(got), let b = parse(want) else { return false }
            return a.isNaN ? b.isNaN : a == b && a.sign == b.sign
        case "datetime", "datetime-local", "time-local", "date-local":
            return normalisedTime(got) == normalisedTime(want)
        default:
            return got == want
        }
    }

    /// Upper-case T and Z, `+00:00` as `Z`, the fraction without trailing zeros.
    static func normalisedTime(_ s: String) -> String {
        var t = s.uppercased().replacingOccurrences(of: " ", with: "T").replacingOccurrences(of: "+00:00", with: "Z")
        if let dot = t.firstIndex(of: ".") {
            var end = t.index(after: dot)
            while end < t.endIndex, t[end].isNumber { end = t.index(after: end) }
            var fraction = String(t[t.index(after: dot)..<end])
            while fraction.hasSuffix("0") { fraction.removeLast() }
            t = String(t[..<dot]) + (fraction.isEmpty ? "" : "." + fraction) + String(t[end...])
        }
        return t
    }

    func testEveryValidCaseReadsToItsJSON() throws {
        let cases = try Self.cases("valid")
        XCTAssertGreaterThan(cases.count, 200)
        var failures: [String] = []
        for name in cases {
            let url = Self.root.appendingPathComponent(name)
            let data = try Data(contentsOf: url)
            let expected = try JSONSerialization.jsonObject(
                with: Data(contentsOf: url.deletingPathExtension().appendingPathExtension("json")),
                options: [.fragmentsAllowed])
            guard let text = String(data: data, encoding: .utf8) else {
                failures.append("\(name): not UTF-8")
                continue
            }
            do {
                let doc = try TOMLReader.parse(text)
                if let d = Self.difference(Self.table(doc), expected, at: "") { failures.append("\(name): \(d)") }
            } catch {
                failures.append("\(name): refused at \(error.line):\(error.column): \(error.reason)")
            }
        }
        XCTAssertEqual(failures, [], failures.joined(separator: "\n"))
    }

    func testEveryInvalidCaseIsRefusedWithAMessage() throws {
        let cases = try Self.cases("invalid")
        XCTAssertGreaterThan(cases.count, 400)
        var accepted: [String] = []
        for name in cases {
            let data = try Data(contentsOf: Self.root.appendingPathComponent(name))
            // Bytes that are not UTF-8 are refused before TOML (as ZonesConfigLoader.load(path:) does).
            guard let text = String(validating: Array(data), as: UTF8.self) else { continue }
            do {
                _ = try TOMLReader.parse(text)
                accepted.append(name)
            } catch {
                XCTAssertFalse(error.reason.isEmpty, name)
                XCTAssertGreaterThan(error.line, 0, name)
                XCTAssertGreaterThan(error.column, 0, name)
            }
        }
        XCTAssertEqual(accepted, [], "TOML 1.0 forbids these, yet they were read:\n" + accepted.joined(separator: "\n"))
    }

    func testInvalidUTF8CasesAreRefusedByTheLoader() throws {
        var refused = 0
        for name in try Self.cases("invalid") {
            let url = Self.root.appendingPathComponent(name)
            guard String(validating: Array(try Data(contentsOf: url)), as: UTF8.self) == nil else { continue }
            let r = ZonesConfigLoader.load(path: url.path)
            XCTAssertEqual(r.errors.count, 1, name)
            XCTAssertTrue(r.errors.first?.message.contains("is not valid UTF-8") ?? false, "\(name): \(r.errors)")
            XCTAssertGreaterThan(r.errors.first?.line ?? 0, 0, "\(name): the line of the bad byte")
            refused += 1
        }
        XCTAssertGreaterThan(refused, 0, "the suite has cases of invalid UTF-8")
    }
}
