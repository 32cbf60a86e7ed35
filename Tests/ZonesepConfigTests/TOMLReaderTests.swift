import XCTest

@testable import ZonesepConfig

final class TOMLReaderTests: XCTestCase {
    private func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> TOMLTable {
        do {
            return try TOMLReader.parse(text)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return TOMLTable()
        }
    }

    /// Asserts that `text` fails at `line` (and `column`, when given) with a reason containing `reason`.
    private func assertError(
        _ text: String, line: Int, column: Int? = nil, reason: String, keyPath: String? = nil,
        file: StaticString = #filePath, testLine: UInt = #line
    ) {
        do {
            let t = try TOMLReader.parse(text)
            XCTFail("expected an error, parsed \(t)", file: file, line: testLine)
        } catch {
            XCTAssertEqual(error.line, line, "line of: \(error)", file: file, line: testLine)
            if let column { XCTAssertEqual(error.column, column, "column of: \(error)", file: file, line: testLine) }
            XCTAssertTrue(error.reason.contains(reason), "reason was: \(error.reason)", file: file, line: testLine)
            if let keyPath { XCTAssertEqual(error.keyPath, keyPath, file: file, line: testLine) }
        }
    }

    // MARK: Values

    func testBasicStringsAndEscapes() {
        let t = parse(
            #"""
            a = "plain"
            b = "tab\there \"quoted\" back\\slash"
            c = "\u00e9\U0001F600 \b\f\r\n"
            d = "マイナンバー利用事務系"
            e = ""
            """#)
        XCTAssertEqual(t["a"]?.string, "plain")
        XCTAssertEqual(t["b"]?.string, "tab\there \"quoted\" back\\slash")
        XCTAssertEqual(t["c"]?.string, "é😀 \u{08}\u{0C}\r\n")
        XCTAssertEqual(t["d"]?.string, "マイナンバー利用事務系")
        XCTAssertEqual(t["e"]?.string, "")
    }

    func testLiteralStrings() {
        let t = parse(
            #"""
            path = 'C:\Users\nodejs\templates'
            quoted = 'Tom "Dubs" Preston-Werner'
            """#)
        XCTAssertEqual(t["path"]?.string, #"C:\Users\nodejs\templates"#)
        XCTAssertEqual(t["quoted"]?.string, #"Tom "Dubs" Preston-Werner"#)
    }

    func testMultilineBasicStrings() {
        let t = parse(
            "a = \"\"\"\nRoses are red\nViolets are blue\"\"\"\n"
                + "b = \"\"\"\nThe quick \\\n   brown \\\n\n   fox.\"\"\"\n"
                + "c = \"\"\"Here are two quotes: \"\". Three: \"\"\\\".\"\"\"\n"
                + "d = \"\"\"\"ends in a quote\"\"\"\"\n"
                + "e = \"\"\"\r\nwindows\r\nlines\"\"\"\n")
        XCTAssertEqual(t["a"]?.string, "Roses are red\nViolets are blue")
        XCTAssertEqual(t["b"]?.string, "The quick brown fox.")
        XCTAssertEqual(t["c"]?.string, "Here are two quotes: \"\". Three: \"\"\".")
        XCTAssertEqual(t["d"]?.string, "\"ends in a quote\"")
        XCTAssertEqual(t["e"]?.string, "windows\nlines")
    }

    func testMultilineLiteralStrings() {
        let t = parse(
            "re = '''I [dw]on't need \\d{2} apples'''\nlines = '''\nThe first newline is\ntrimmed.\n'''\nq = ''''x'''''\n"
        )
        XCTAssertEqual(t["re"]?.string, #"I [dw]on't need \d{2} apples"#)
        XCTAssertEqual(t["lines"]?.string, "The first newline is\ntrimmed.\n")
        XCTAssertEqual(t["q"]?.string, "'x''")
    }

    func testIntegers() {
        let t = parse(
            """
            a = +99
            b = 42
            c = 0
            d = -17
            e = 1_000_000
            f = 0xDEAD_beef
            g = 0o755
            h = 0b1101_0110
            i = -9223372036854775808
            j = 9223372036854775807
            k = -0
            """)
        XCTAssertEqual(t["a"]?.integer, 99)
        XCTAssertEqual(t["b"]?.integer, 42)
        XCTAssertEqual(t["c"]?.integer, 0)
        XCTAssertEqual(t["d"]?.integer, -17)
        XCTAssertEqual(t["e"]?.integer, 1_000_000)
        XCTAssertEqual(t["f"]?.integer, 0xdead_beef)
        XCTAssertEqual(t["g"]?.integer, 0o755)
        XCTAssertEqual(t["h"]?.integer, 0b1101_0110)
        XCTAssertEqual(t["i"]?.integer, Int64.min)
        XCTAssertEqual(t["j"]?.integer, Int64.max)
        XCTAssertEqual(t["k"]?.integer, 0)
    }

    func testFloats() {
        let t = parse(
            """
            a = +1.0
            b = 3.1415
            c = -0.01
            d = 5e+22
            e = 1e06
            f = -2E-2
            g = 6.626e-34
            h = 224_617.445_991_228
            i = inf
            j = -inf
            k = nan
            l = +nan
            """)
        XCTAssertEqual(t["a"]?.float, 1.0)
        XCTAssertEqual(t["b"]?.float, 3.1415)
        XCTAssertEqual(t["c"]?.float, -0.01)
        XCTAssertEqual(t["d"]?.float, 5e22)
        XCTAssertEqual(t["e"]?.float, 1e6)
        XCTAssertEqual(t["f"]?.float, -2e-2)
        XCTAssertEqual(t["g"]?.float, 6.626e-34)
        XCTAssertEqual(t["h"]?.float, 224_617.445_991_228)
        XCTAssertEqual(t["i"]?.float, .infinity)
        XCTAssertEqual(t["j"]?.float, -.infinity)
        XCTAssertEqual(t["k"]?.float?.isNaN, true)
        XCTAssertEqual(t["l"]?.float?.isNaN, true)
        XCTAssertEqual(t["a"]?.typeName, "float")
    }

    func testBooleans() {
        let t = parse("yes = true\nno = false\n")
        XCTAssertEqual(t["yes"]?.boolean, true)
        XCTAssertEqual(t["no"]?.boolean, false)
        XCTAssertEqual(t["no"]?.typeName, "boolean")
    }

    func testDatesAndTimes() {
        let t = parse(
            """
            odt1 = 1979-05-27T07:32:00Z
            odt2 = 1979-05-27T00:32:00-07:00
            odt3 = 1979-05-27T00:32:00.999999+09:00
            odt4 = 1979-05-27 07:32:00z
            ldt1 = 1979-05-27T07:32:00
            ldt2 = 1979-05-27t00:32:00.5
            ld = 2027-03-31
            lt1 = 07:32:00
            lt2 = 00:32:00.123456789
            leap = 2000-02-29
            """)
        let day = TOMLDate(year: 1979, month: 5, day: 27)
        XCTAssertEqual(
            t["odt1"]?.content,
            .dateTime(TOMLDateTime(date: day, time: TOMLTime(hour: 7, minute: 32, second: 0), offsetMinutes: 0)))
        XCTAssertEqual(
            t["odt2"]?.content,
            .dateTime(TOMLDateTime(date: day, time: TOMLTime(hour: 0, minute: 32, second: 0), offsetMinutes: -420)))
        XCTAssertEqual(
            t["odt3"]?.content,
            .dateTime(
                TOMLDateTime(
                    date: day, time: TOMLTime(hour: 0, minute: 32, second: 0, nanosecond: 999_999_000),
                    offsetMinutes: 540)))
        XCTAssertEqual(t["odt4"]?.typeName, "offset date-time")
        XCTAssertEqual(
            t["ldt1"]?.content, .dateTime(TOMLDateTime(date: day, time: TOMLTime(hour: 7, minute: 32, second: 0))))
        XCTAssertEqual(t["ldt1"]?.typeName, "local date-time")
        XCTAssertEqual(
            t["ldt2"]?.content,
            .dateTime(TOMLDateTime(date: day, time: TOMLTime(hour: 0, minute: 32, second: 0, nanosecond: 500_000_000))))
        XCTAssertEqual(t["ld"]?.content, .date(TOMLDate(year: 2027, month: 3, day: 31)))
        XCTAssertEqual(t["ld"]?.typeName, "local date")
        XCTAssertEqual(t["lt1"]?.content, .time(TOMLTime(hour: 7, minute: 32, second: 0)))
        XCTAssertEqual(t["lt1"]?.typeName, "local time")
        XCTAssertEqual(t["lt2"]?.content, .time(TOMLTime(hour: 0, minute: 32, second: 0, nanosecond: 123_456_789)))
        XCTAssertEqual(t["leap"]?.content, .date(TOMLDate(year: 2000, month: 2, day: 29)))
    }

    func testDateArithmeticAndRendering() {
        XCTAssertEqual(TOMLDate(year: 1970, month: 1, day: 1).daysSinceEpoch, 0)
        XCTAssertEqual(TOMLDate(year: 1969, month: 12, day: 31).daysSinceEpoch, -1)
        XCTAssertEqual(TOMLDate(year: 2000, month: 2, day: 29).daysSinceEpoch, 11016)
        let dt = TOMLDateTime(
            date: TOMLDate(year: 2027, month: 3, day: 31), time: TOMLTime(hour: 17, minute: 30, second: 0),
            offsetMinutes: 540)
        XCTAssertEqual(dt.epochMicros(localOffsetMinutes: 0), 1_806_481_800_000_000)
        XCTAssertEqual(dt.description, "2027-03-31T17:30:00+09:00")
        var local = dt
        local.offsetMinutes = nil
        XCTAssertEqual(local.epochMicros(localOffsetMinutes: 540), 1_806_481_800_000_000)
        XCTAssertEqual(local.description, "2027-03-31T17:30:00")
        XCTAssertEqual(TOMLTime(hour: 1, minute: 2, second: 3, nanosecond: 500_000_000).description, "01:02:03.5")
        XCTAssertEqual(
            TOMLDateTime(
                date: TOMLDate(year: 1, month: 1, day: 1), time: TOMLTime(hour: 0, minute: 0, second: 0),
                offsetMinutes: -90
            )
            .description, "0001-01-01T00:00:00-01:30")
    }

    /// The date-time written in one go reads as the one put together from its parts, with and without
    /// an offset, at the edges of each field and past them.
    func testDateTimeSpellingMatchesThePiecewiseOne() {
        let dates = [
            TOMLDate(year: 0, month: 1, day: 1), TOMLDate(year: 2027, month: 12, day: 31),
            TOMLDate(year: 9999, month: 9, day: 9), TOMLDate(year: 10000, month: 1, day: 1),
        ]
        let times = [
            TOMLTime(hour: 0, minute: 0, second: 0), TOMLTime(hour: 23, minute: 59, second: 60),
            TOMLTime(hour: 7, minute: 5, second: 3, nanosecond: 120_000_000), TOMLTime(hour: 100, minute: 0, second: 0),
        ]
        let offsets: [Int?] = [nil, 0, 540, -90, -1, 5999, 6000, -6000]
        for d in dates {
            for t in times {
                for o in offsets {
                    let dt = TOMLDateTime(date: d, time: t, offsetMinutes: o)
                    XCTAssertEqual(dt.description, dt.spelledPiecewise, "\(d) \(t) \(String(describing: o))")
                }
            }
        }
        XCTAssertEqual(
            TOMLDateTime(
                date: TOMLDate(year: 2027, month: 9, day: 30), time: TOMLTime(hour: 23, minute: 59, second: 59),
                offsetMinutes: 540
            ).description, "2027-09-30T23:59:59+09:00")
    }

    // MARK: Structure

    func testPositionsAreLineAndColumnInScalars() {
        let t = parse("# comment\n\nlabel = \"マイナンバー\"   \nname   =   'x' # trailing\n")
        XCTAssertEqual(t.entry("label")?.keyPosition, TOMLPosition(line: 3, column: 1))
        XCTAssertEqual(t["label"]?.position, TOMLPosition(line: 3, column: 9))
        XCTAssertEqual(t["name"]?.position, TOMLPosition(line: 4, column: 12))
        // Japanese text counts one column a character.
        let u = parse("a = [\"日本語\", \"x\"]\n")
        XCTAssertEqual(u["a"]?.array?[1].position, TOMLPosition(line: 1, column: 13))
    }

    func testKeysBareQuotedAndDotted() {
        let t = parse(
            """
            bare_key-1 = 1
            "quoted key" = 2
            'literal.key' = 3
            "" = 4
            physical.color = "orange"
            physical . shape = "round"
            site."google.com" = true
            1234 = 5
            3.14 = "pi"
            """)
        XCTAssertEqual(t["bare_key-1"]?.integer, 1)
        XCTAssertEqual(t["quoted key"]?.integer, 2)
        XCTAssertEqual(t["literal.key"]?.integer, 3)
        XCTAssertEqual(t[""]?.integer, 4)
        XCTAssertEqual(t["physical"]?.table?["color"]?.string, "orange")
        XCTAssertEqual(t["physical"]?.table?["shape"]?.string, "round")
        XCTAssertEqual(t["site"]?.table?["google.com"]?.boolean, true)
        XCTAssertEqual(t["1234"]?.integer, 5)
        XCTAssertEqual(t["3"]?.table?["14"]?.string, "pi")
        XCTAssertEqual(t.keys, ["bare_key-1", "quoted key", "literal.key", "", "physical", "site", "1234", "3"])
    }

    func testNestedTables() {
        let t = parse(
            """
            top = 1
            [a.b.c]
            x = 1
            [a]          # defining a super-table after its sub-table is fine
            y = 2
            [a.b.d]
            z = 3
            [ j . "ʞ" . 'l' ]
            k = true
            [fruit]
            apple.color = "red"
            apple.taste.sweet = true
            [fruit.apple.texture]  # a sub-table of a dotted-key table
            smooth = true
            """)
        let a = t["a"]?.table
        XCTAssertEqual(a?["b"]?.table?["c"]?.table?["x"]?.integer, 1)
        XCTAssertEqual(a?["y"]?.integer, 2)
        XCTAssertEqual(a?["b"]?.table?["d"]?.table?["z"]?.integer, 3)
        XCTAssertEqual(t["a"]?.position.line, 4)
        XCTAssertEqual(t["j"]?.table?["ʞ"]?.table?["l"]?.table?["k"]?.boolean, true)
        let apple = t["fruit"]?.table?["apple"]?.table
        XCTAssertEqual(apple?["color"]?.string, "red")
        XCTAssertEqual(apple?["taste"]?.table?["sweet"]?.boolean, true)
        XCTAssertEqual(apple?["texture"]?.table?["smooth"]?.boolean, true)
        XCTAssertEqual(t.keys, ["top", "a", "j", "fruit"])
    }

    func testArrayOfTables() {
        let t = parse(
            """
            [[fruits]]
            name = "apple"

            [fruits.physical]
            color = "red"

            [[fruits.varieties]]
            name = "red delicious"

            [[fruits.varieties]]
            name = "granny smith"

            [[fruits]]
            name = "banana"

            [[fruits.varieties]]
            name = "plantain"
            """)
        let fruits = t["fruits"]?.array
        XCTAssertEqual(fruits?.count, 2)
        XCTAssertEqual(fruits?[0].position.line, 1)
        XCTAssertEqual(fruits?[1].position.line, 13)
        XCTAssertEqual(fruits?[0].table?["name"]?.string, "apple")
        XCTAssertEqual(fruits?[0].table?["physical"]?.table?["color"]?.string, "red")
        XCTAssertEqual(
            fruits?[0].table?["varieties"]?.array?.compactMap { $0.table?["name"]?.string },
            ["red delicious", "granny smith"])
        XCTAssertEqual(fruits?[1].table?["varieties"]?.array?.first?.table?["name"]?.string, "plantain")
    }

    func testInlineTables() {
        let t = parse(
            """
            name = { first = "Tom", last = "Preston-Werner" }
            point = {x=1,y=2}
            empty = {}
            from = { addresses = ["10.10.1.5"], mac = "02:00:00:00:01:05", nested = { deep.er = 1 } }
            """)
        XCTAssertEqual(t["name"]?.table?["last"]?.string, "Preston-Werner")
        XCTAssertEqual(t["point"]?.table?["y"]?.integer, 2)
        XCTAssertEqual(t["empty"]?.table?.isEmpty, true)
        let from = t["from"]?.table
        XCTAssertEqual(from?["addresses"]?.array?.first?.string, "10.10.1.5")
        XCTAssertEqual(from?["mac"]?.position, TOMLPosition(line: 4, column: 43))
        XCTAssertEqual(from?["nested"]?.table?["deep"]?.table?["er"]?.integer, 1)
        XCTAssertEqual(t["from"]?.position, TOMLPosition(line: 4, column: 8))
    }

    func testArrays() {
        let t = parse(
            """
            a = [ 1, 2, 3 ]
            b = [
              "10.0.0.0/8",   # RFC 1918
              # a whole-line comment
              "fc00::/7",
            ]
            c = [ [ 1, 2 ], ["a", 'b'], [] ]
            d = [ 1, "mixed", 2.5, { x = 1 } ]
            e = []
            """)
        XCTAssertEqual(t["a"]?.array?.compactMap(\.integer), [1, 2, 3])
        XCTAssertEqual(t["b"]?.array?.compactMap(\.string), ["10.0.0.0/8", "fc00::/7"])
        XCTAssertEqual(t["b"]?.array?[1].position, TOMLPosition(line: 5, column: 3))
        XCTAssertEqual(t["c"]?.array?[1].array?.compactMap(\.string), ["a", "b"])
        XCTAssertEqual(t["c"]?.array?[2].array?.count, 0)
        XCTAssertEqual(t["d"]?.array?.map(\.typeName), ["integer", "string", "float", "table"])
        XCTAssertEqual(t["e"]?.array?.count, 0)
    }

    func testCRLFAndByteOrderMark() {
        let t = parse("\u{FEFF}[a]\r\nx = 1 # c\r\ny = \"z\"\r\n")
        XCTAssertEqual(t["a"]?.table?["y"]?.string, "z")
        XCTAssertEqual(t["a"]?.table?["y"]?.position.line, 3)
    }

    func testEmptyDocument() {
        XCTAssertTrue(parse("").isEmpty)
        XCTAssertTrue(parse("# only a comment\n\n   \n").isEmpty)
    }

    // MARK: Errors

    func testDuplicateKeys() {
        assertError(
            "a = 1\nb = 2\na = 3\n", line: 3, column: 1, reason: "duplicate key 'a' (first defined at line 1)",
            keyPath: "a")
        assertError("[t]\nx.y = 1\nx.y = 2\n", line: 3, reason: "duplicate key 't.x.y'", keyPath: "t.x.y")
        assertError("a = 1\na.b = 2\n", line: 2, reason: "'a' already holds an integer (line 1)")
        assertError("p = { x = 1, x = 2 }\n", line: 1, column: 14, reason: "duplicate key 'p.x'")
        assertError(
            "[zones.lgwan]\nkind = \"lgwan\"\nkind = \"x\"\n", line: 3, reason: "duplicate key 'zones.lgwan.kind'")
    }

    func testTableRedefinitions() {
        assertError(
            "[a]\nx = 1\n[b]\n[a]\n", line: 4, column: 1, reason: "table [a] is defined twice (first at line 1)",
            keyPath: "a")
        assertError("[a.b]\n[a.b]\n", line: 2, reason: "table [a.b] is defined twice")
        assertError("a.b = 1\n[a]\n", line: 2, reason: "table [a] was already defined with dotted keys at line 1")
        assertError("[fruit]\napple.color = 1\n[fruit.apple]\n", line: 3, reason: "already defined with dotted keys")
        assertError("[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n", line: 4, reason: "dotted keys cannot add to the table [a.b]")
        assertError("[a]\n[[a]]\n", line: 2, reason: "[[a]] conflicts with the table [a] at line 1")
        assertError("[[a]]\n[a]\n", line: 2, reason: "[a] is already an array of tables")
        assertError("[[a]]\n[a.b]\nx = 1\n[a.b]\n", line: 4, reason: "table [a.b] is defined twice (first at line 2)")
        assertError("[[t.arr]]\n[t]\narr.x = 1\n", line: 3, reason: "'t.arr' is an array of tables (line 1)")
        // The same sub-table in two elements of an array of tables is two tables.
        XCTAssertEqual(parse("[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2\n")["a"]?.array?.count, 2)
    }

    func testExtendingInlineTablesAndStaticArrays() {
        assertError(
            "a = { x = 1 }\n[a.b]\n", line: 2, reason: "'a' is an inline table (line 1), which cannot be extended")
        assertError("a = { x = 1 }\na.y = 2\n", line: 2, reason: "inline table")
        assertError(
            "tbl = { fruit = { apple.color = \"red\" }, fruit.apple.texture = { smooth = true } }\n", line: 1,
            reason: "'tbl.fruit' is an inline table (line 1), which cannot be extended")
        assertError("a = [1]\n[[a]]\n", line: 2, reason: "'a' is a static array (line 1), which cannot be extended")
        assertError("a = 1\n[a]\n", line: 2, reason: "'a' already holds an integer")
    }

    func testStringErrors() {
        assertError("a = \"no end\nb = 1\n", line: 1, column: 5, reason: "no closing '\"' on its line")
        assertError("a = 'no end\n", line: 1, reason: "no closing \"'\"")
        assertError("a = \"bad \\q escape\"\n", line: 1, column: 10, reason: "invalid escape \\q")
        assertError("a = \"\\uD800\"\n", line: 1, reason: "\\uD800 is not a Unicode scalar value")
        assertError("a = \"\\u12\"\n", line: 1, reason: "must be followed by 4 hexadecimal digits")
        assertError("a = \"\"\"\nnever closed\n", line: 1, column: 5, reason: "no closing \"\"\"")
        assertError("a = '''x''''''\n", line: 1, reason: "too many quotes")
        assertError("a = \"bell \u{07}\"\n", line: 1, reason: "control character U+0007")
        assertError("\"\"\"k\"\"\" = 1\n", line: 1, reason: "a key cannot be a multi-line string")
    }

    func testNumberErrors() {
        assertError("a = 012\n", line: 1, column: 5, reason: "'012' is not a valid number")
        assertError("a = 1__000\n", line: 1, reason: "is not a valid number")
        assertError("a = _1\n", line: 1, reason: "'_1' is not a value")
        assertError("a = 1_\n", line: 1, reason: "is not a valid number")
        assertError("a = 1.\n", line: 1, reason: "is not a valid number")
        assertError("a = .5\n", line: 1, reason: "expected a value")
        assertError("a = 1e\n", line: 1, reason: "is not a valid number")
        assertError("a = +0x10\n", line: 1, reason: "is not a valid number")
        assertError("a = 0xG\n", line: 1, reason: "is not a valid number")
        // TOML 1.0 refuses an integer that does not fit in 64 bits: the message says that, and names the key.
        assertError(
            "[sensor]\nvxlan_ports = [4789, 99999999999999999999999]\n", line: 2, column: 22,
            reason: "'99999999999999999999999' is out of range for a 64-bit integer", keyPath: "sensor.vxlan_ports[1]")
        for token in [
            "9223372036854775808", "-9223372036854775809", "10_000_000_000_000_000_000", "0xffff_ffff_ffff_ffff_f",
        ] {
            assertError(
                "a = \(token)\n", line: 1, column: 5, reason: "is out of range for a 64-bit integer", keyPath: "a")
        }
        XCTAssertEqual(try TOMLReader.parse("a = -9223372036854775808\n")["a"]?.integer, Int64.min)
        // Written wrong as well as too long: still a bad number, not a range error.
        for token in ["099999999999999999999", "1__00000000000000000000", "+0x1ffffffffffffffff"] {
            assertError("a = \(token)\n", line: 1, reason: "'\(token)' is not a valid number")
        }
    }

    func testDateErrors() {
        assertError("d = 2027-02-30\n", line: 1, column: 5, reason: "'2027-02-30' is not a valid date")
        assertError("d = 2027-13-01\n", line: 1, reason: "is not a valid date")
        assertError("d = 2027-3-31\n", line: 1, reason: "expected a date like 2027-03-31")
        assertError("t = 25:00:00\n", line: 1, reason: "'25:00:00' is not a valid time")
        assertError("t = 07:32\n", line: 1, reason: "expected seconds")
        assertError("d = 2027-03-31T07:32:00+9:00\n", line: 1, reason: "expected a UTC offset")
        assertError("d = 2027-03-31 x\n", line: 1, reason: "expected the end of the line after the value, found 'x'")
    }

    /// A date, time or offset that cannot be read names its key as the checker's diagnostics do, with the
    /// entry of an array of tables and the element of a list: `exceptions[1].expires`, not no key at all.
    func testDateErrorsNameTheKey() {
        let two = "[[exceptions]]\nname = \"a\"\nexpires = 2027-01-01\n[[exceptions]]\nname = \"b\"\n"
        assertError(
            two + "expires = 2027-02-30\n", line: 6, column: 11, reason: "'2027-02-30' is not a valid date",
            keyPath: "exceptions[1].expires")
        assertError(
            two + "expires = 2027-3-31\n", line: 6, reason: "expected a date like 2027-03-31",
            keyPath: "exceptions[1].expires")
        assertError(
            two + "expires = 2027-03-31T25:00:00\n", line: 6, reason: "is not a valid time",
            keyPath: "exceptions[1].expires")
        assertError(
            two + "expires = 2027-03-31T07:32\n", line: 6, reason: "expected seconds", keyPath: "exceptions[1].expires")
        assertError(
            two + "expires = 2027-03-31T07:32:00.\n", line: 6, reason: "expected digits after the '.'",
            keyPath: "exceptions[1].expires")
        assertError(
            two + "expires = 2027-03-31T07:32:00+9:00\n", line: 6, reason: "expected a UTC offset",
            keyPath: "exceptions[1].expires")
        assertError("t = 25:00:00\n", line: 1, reason: "is not a valid time", keyPath: "t")
        assertError("[x]\nn = 012\n", line: 2, reason: "'012' is not a valid number", keyPath: "x.n")
        // In a list, in an inline table, in an inline table in a list, in a list in a list.
        assertError("d = [2027-01-01, 2027-02-30]\n", line: 1, reason: "is not a valid date", keyPath: "d[1]")
        assertError(
            "[[c]]\n[[c]]\nto = { on = 2027-02-30 }\n", line: 3, reason: "is not a valid date", keyPath: "c[1].to.on")
        assertError(
            "e = [{ a = 1 }, { on = 2027-02-30 }]\n", line: 1, reason: "is not a valid date", keyPath: "e[1].on")
        assertError("m = [[1], [2, 2027-02-30]]\n", line: 1, reason: "is not a valid date", keyPath: "m[1][1]")
        // A sub-table of the last entry of an array of tables.
        assertError(
            "[[a]]\n[[a]]\n[a.b]\nd = 2027-02-30\n", line: 4, reason: "is not a valid date", keyPath: "a[1].b.d")
        // The same key again inside an entry names that entry.
        assertError(
            "[[e]]\nn = 1\n[[e]]\nn = 1\nn = 2\n", line: 5, reason: "duplicate key 'e.n'", keyPath: "e[1].n")
    }

    func testStructureErrors() {
        assertError("a = 1\nb 2\n", line: 2, column: 3, reason: "expected '=' after the key 'b', found '2'")
        assertError("a =\n", line: 1, reason: "expected a value, found the end of the line")
        assertError("a = ", line: 1, reason: "expected a value, found the end of the file")
        assertError(
            "kind = mynumber\n", line: 1, column: 8, reason: "'mynumber' is not a value; write a string in quotes")
        assertError(
            "a = 1 b = 2\n", line: 1, column: 7, reason: "expected the end of the line after the value, found 'b'")
        assertError("[a\nx = 1\n", line: 1, reason: "expected ']' to close the table header")
        assertError("[[a]\n", line: 1, reason: "expected ']]' to close the array-of-tables header")
        assertError("[a] x = 1\n", line: 1, reason: "expected the end of the line after the table header")
        assertError("= 1\n", line: 1, column: 1, reason: "expected a key, found '='")
        assertError("a.=1\n", line: 1, reason: "expected a key")
        assertError("ключ@ = 1\n", line: 1, reason: "expected a key, found 'к'")
        assertError("a = @\n", line: 1, reason: "expected a value (string, number")
    }

    func testArrayAndInlineTableErrors() {
        assertError("a = [1, 2\n\nb = 3\n", line: 3, reason: "expected ',' or ']' in the array, found 'b'")
        assertError("a = [1, 2", line: 1, reason: "the array opened at line 1 has no closing ']'")
        assertError("a = [1 2]\n", line: 1, column: 8, reason: "expected ',' or ']'")
        assertError("a = [,]\n", line: 1, reason: "expected a value")
        assertError("a = { x = 1,\n y = 2 }\n", line: 1, reason: "an inline table must end on the line it starts on")
        assertError("a = { x = 1, }\n", line: 1, reason: "a trailing comma is not allowed in an inline table")
        assertError("a = { x = 1 y = 2 }\n", line: 1, reason: "expected ',' or '}' in the inline table, found 'y'")
        let deep = "a = " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n"
        assertError(deep, line: 1, reason: "nested more than 64 deep")
    }

    /// Tables nested by dotted keys and table headers are held to the same depth as arrays and inline tables:
    /// a damaged file of 20,000 parts used to take gigabytes and crash the loader (and a daemon's reload).
    func testKeysNestingTablesTooDeepAreRefused() {
        let parts = { (n: Int) in Array(repeating: "a", count: n).joined(separator: ".") }
        XCTAssertNoThrow(try TOMLReader.parse("[\(parts(64))]\nx = 1\n[b]\n\(parts(64)) = 1\n"))
        assertError("x = 1\n[\(parts(65))]\n", line: 2, column: 2, reason: "nests tables more than 64 deep (65")
        assertError("[[\(parts(20_000))]]\n", line: 1, reason: "nests tables more than 64 deep (20000 dotted parts)")
        assertError("\(parts(20_000)) = 1\n", line: 1, column: 1, reason: "more than 64 deep")
        // Under a header or inside an inline table the depth adds up (a key's last part names a value).
        assertError("[\(parts(60))]\n\(parts(6)) = 1\n", line: 2, reason: "more than 64 deep (6 dotted parts)")
        XCTAssertNoThrow(try TOMLReader.parse("[\(parts(60))]\n\(parts(5)) = 1\n"))
        assertError("\(parts(60)) = { \(parts(6)) = 1 }\n", line: 1, reason: "more than 64 deep (6 dotted parts)")
        XCTAssertNoThrow(try TOMLReader.parse("\(parts(60)) = { \(parts(5)) = 1 }\n"))
    }

    /// What a zones.conf typed in a Japanese environment holds by mistake is named: a date written with '/'
    /// or followed by "JST" (with the value's key), a full-width '=' or space, a bare Japanese key.
    func testMistakesOfAJapaneseKeyboardAreNamed() {
        assertError(
            "[[exceptions]]\nexpires = 2027/03/31\n", line: 2,
            reason: "found '/'; a date is written with '-', as 2027-03-31", keyPath: "exceptions[0].expires")
        assertError(
            "[[exceptions]]\nname = 'a'\n[[exceptions]]\nexpires = 2027-03-31 JST\n", line: 4,
            reason: "found 'J'; a date stands alone (read in JST), or a date-time ends with its offset",
            keyPath: "exceptions[1].expires")
        assertError(
            "a = 1 b\n", line: 1, reason: "expected the end of the line after the value, found 'b'", keyPath: "a")
        do {
            _ = try TOMLReader.parse("vlans = 120/2\n")
            XCTFail("parsed")
        } catch {
            XCTAssertFalse(error.reason.contains("a date"), "no date hint for a key that takes none: \(error.reason)")
        }
        assertError("kind ＝ \"lgwan\"\n", line: 1, column: 6, reason: "found (U+FF1D, a full-width '=')")
        assertError("kind\u{3000}= \"lgwan\"\n", line: 1, column: 5, reason: "found (U+3000, a full-width space)")
        assertError(
            "\u{200B}kind = 1\n", line: 1, column: 1, reason: "expected a key, found (U+200B, a zero-width space)")
        do {
            _ = try TOMLReader.parse("\u{200B}kind = 1\n")
        } catch {
            XCTAssertFalse(error.reason.contains("is quoted"), "no quoting hint for a look-alike: \(error.reason)")
        }
        assertError(
            "[zones.本庁]\n", line: 1, column: 8,
            reason: "expected a key, found '本' (U+672C); a key of characters other than A-Z, a-z, 0-9, '_' and '-' is "
                + "quoted, as \"本庁\"")
    }

    func testWhitespaceAndCommentErrors() {
        assertError("a = 1\r\nb = 2\rc = 3\n", line: 2, reason: "a carriage return must be followed by a line feed")
        assertError("# bad \u{01} comment\n", line: 1, reason: "control character U+0001 is not allowed in a comment")
    }

    func testErrorDescription() {
        let e = TOMLError(line: 3, column: 7, reason: "boom")
        XCTAssertEqual(e.description, "3:7: boom")
        XCTAssertEqual(tomlKeyPath(["zones", "lgwan-wan", "第一", "a.b", ""]), #"zones.lgwan-wan."第一"."a.b"."""#)
    }

    /// Each array value owns a buffer of its own size: the reader gathers elements on one shared stack,
    /// and an array that kept that stack's buffer (as a slice converted whole would) held the capacity
    /// of the longest array read before it, for every one of a large policy's lists.
    func testArraysAreSizedToTheirElements() throws {
        var text = "big = [" + (0..<2_000).map(String.init).joined(separator: ", ") + "]\n"
        for n in 0..<50 { text += "[[t]]\nname = \"t\(n)\"\nfrom = [\"10.0.0.\(n)\", \"10.0.1.\(n)\"]\n" }
        let doc = parse(text)
        XCTAssertEqual(doc["big"]?.array?.count, 2_000)
        let tables = try XCTUnwrap(doc["t"]?.array)
        XCTAssertEqual(tables.count, 50)
        for t in tables {
            let from = try XCTUnwrap(t.table?["from"]?.array)
            XCTAssertEqual(from.count, 2)
            XCTAssertLessThan(from.capacity, 64, "an array of two holds a buffer for \(from.capacity)")
        }
    }

    /// A one-line list gets room for exactly its elements (the commas are counted): a guess by its length
    /// left 36,000 of a large policy's 83,000 places empty.
    func testOneLineListsGetRoomForTheirElementsOnly() throws {
        var text = ""
        for n in 1...6 {
            let items = (0..<n).map { "\"198.18.\($0 * 37 % 256).\(n * 41 % 256)/32\"" }
            text += "a\(n) = [\(items.joined(separator: ", "))]\n"
        }
        text += "s = [\"a,b\", \"c\"]\nnested = [[1, 2], [3], []]\n"
        let doc = parse(text)
        for n in 1...6 {
            let list = try XCTUnwrap(doc["a\(n)"]?.array)
            XCTAssertEqual(list.count, n)
            XCTAssertEqual(list.capacity, n, "a list of \(n) holds room for \(list.capacity)")
        }
        // A comma inside a string or a nested list only changes the room made, not what is read.
        XCTAssertEqual(doc["s"]?.array?.map(\.string), ["a,b", "c"])
        XCTAssertEqual(doc["nested"]?.array?.map { $0.array?.count }, [2, 1, 0])
    }

    /// A value is as large as its largest case, the date-time: with its fields in 64-bit integers a value
    /// took 88 bytes and a table entry 120 (48 and 72 with them all in 32 bits), for each of a large
    /// policy's hundred thousand values.
    func testValuesStaySmall() {
        XCTAssertLessThanOrEqual(MemoryLayout<TOMLValue>.stride, 32)
        XCTAssertLessThanOrEqual(MemoryLayout<TOMLTable.Entry>.stride, 56)
        XCTAssertEqual(MemoryLayout<TOMLPosition>.size, 8)
    }

    /// The fields held in 32 bits read back as written, at the edges of what the reader makes and beyond.
    func testDateAndTimeFieldsReadBack() {
        let date = TOMLDate(year: 10_000, month: 12, day: 31)
        XCTAssertEqual([date.year, date.month, date.day], [10_000, 12, 31])
        let time = TOMLTime(hour: 100, minute: 59, second: 60, nanosecond: 999_999_999)
        XCTAssertEqual([time.hour, time.minute, time.second, time.nanosecond], [100, 59, 60, 999_999_999])
        for offset in [nil, 0, -720, 840] as [Int?] {
            XCTAssertEqual(TOMLDateTime(date: date, time: time, offsetMinutes: offset).offsetMinutes, offset)
        }
        var p = TOMLPosition(line: 1, column: 1)
        p.line = 123_456
        p.column = 789
        XCTAssertEqual(p, TOMLPosition(line: 123_456, column: 789))
        XCTAssertEqual(p.description, "123456:789")
    }
}

extension TOMLReaderTests {
    /// Many short keys (the reader keeps recent ones to reuse) all read back, each under its own name,
    /// and a repeat among them is still a duplicate.
    func testManyShortKeysStayApart() throws {
        var text = ""
        var names: [String] = []
        for n in 0..<300 {
            let name = n % 2 == 0 ? "k\(n)" : "key-\(n)_x"
            names.append(name)
            text += "\(name) = \(n)\n"
        }
        let doc = parse(text)
        XCTAssertEqual(doc.keys, names)
        for (n, name) in names.enumerated() { XCTAssertEqual(doc[name]?.integer, Int64(n), name) }
        assertError("[t]\nab = 1\nba = 2\nab = 3\n", line: 4, reason: "duplicate key 't.ab' (first defined at line 2)")
        assertError(
            "[t]\nfrom = 1\nname = 2\nto = 3\nname = 4\n", line: 5,
            reason: "duplicate key 't.name' (first defined at line 3)")
    }

    /// A quoted key that Swift's string equality takes as the same as a bare one (the Kelvin sign and
    /// K) is a duplicate in either order: the shortcut for bare keys does not change which keys collide.
    func testCanonicallyEqualKeysCollideInEitherOrder() {
        assertError("K = 1\n\"\u{212A}\" = 2\n", line: 2, reason: "duplicate key")
        assertError("\"\u{212A}\" = 1\nK = 2\n", line: 2, reason: "duplicate key")
        assertError("\"\u{212A}\" = 1\nabc = 1\nK = 2\n", line: 3, reason: "duplicate key")
    }

    /// Arrays read at their size guess, and past it: one-line lists of every length and a long one
    /// written over many lines keep every element in order.
    func testArraysOfEveryLengthKeepTheirElements() throws {
        for count in [0, 1, 2, 3, 7, 70, 700] {
            let items = (0..<count).map { "\"10.0.\($0 / 256).\($0 % 256)\"" }
            for separator in [", ", ",\n  "] {
                let doc = parse("a = [" + items.joined(separator: separator) + "]\n")
                let values = try XCTUnwrap(doc["a"]?.array).map { $0.string ?? "" }
                XCTAssertEqual(values, items.map { String($0.dropFirst().dropLast()) }, "\(count)")
            }
        }
    }
}
