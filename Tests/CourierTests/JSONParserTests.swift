import Courier
import Testing

@Suite struct JSONParserTests {
    func compact(_ text: String) throws -> String {
        String(decoding: try JSONParser.parse(text).bytes, as: UTF8.self)
    }

    func failure(_ bytes: [UInt8]) -> JSONParser.Failure? {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(bytes) }
    }

    func failure(_ text: String) -> JSONParser.Failure? {
        failure(Array(text.utf8))
    }

    // MARK: Round trips

    @Test func roundTripKeepsKeyOrderAndNumberText() throws {
        #expect(try compact(#"{"b":1,"a":[1.50,2e3]}"#) == #"{"b":1,"a":[1.50,2e3]}"#)
        #expect(try compact(" {\n\t\"b\" : 1 ,\r\n \"a\" : [ 1.50 , 2e3 ] } ") == #"{"b":1,"a":[1.50,2e3]}"#)
    }

    @Test func parsedStructure() throws {
        let value = try JSONParser.parse(#"{"b":1,"a":[1.50,2e3],"c":{"d":null,"e":true,"f":false,"g":"x"}}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["b", "a", "c"])
        #expect(object["b"] == .number("1"))
        #expect(object["a"] == .array([.number("1.50"), .number("2e3")]))
        #expect(object["c"] == .object(JSONObject([
            "d": .null, "e": .bool(true), "f": .bool(false), "g": .string("x"),
        ])))
    }

    @Test(arguments: ["0", "-0", "-12.5e-3", "1E+10", "123456789012345678901234567890", "0.000", "null", "true", "false", #""""#, "[]", "{}", "[[],{}]"])
    func scalarsAndEmptiesRoundTrip(text: String) throws {
        #expect(try compact(text) == text)
    }

    @Test func duplicateKeysAreKeptAndLastWins() throws {
        let value = try JSONParser.parse(#"{"a":1,"a":2}"#)
        #expect(value.objectValue?["a"] == .number("2"))
        #expect(value.bytes == Array(#"{"a":1,"a":2}"#.utf8))
    }

    // MARK: Escapes

    @Test func simpleEscapes() throws {
        let value = try JSONParser.parse(#""\"\\\/\b\f\n\r\t""#)
        #expect(value == .string("\"\\/\u{08}\u{0C}\n\r\t"))
    }

    @Test func unicodeEscapes() throws {
        #expect(try JSONParser.parse(#""caf\u00e9""#) == .string("café"))
        #expect(try JSONParser.parse(#""caf\u00E9""#) == .string("café"))
        #expect(try JSONParser.parse(#""\u0041\u20AC""#) == .string("A€"))
        #expect(try JSONParser.parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test func surrogatePairs() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONParser.parse(#""a\uD834\uDD1Eb""#) == .string("a𝄞b"))
    }

    @Test func rawUTF8IsKept() throws {
        #expect(try JSONParser.parse(#""café 😀 日本""#) == .string("café 😀 日本"))
        #expect(try compact(#"{"é":"😀"}"#) == #"{"é":"😀"}"#)
    }

    @Test func escapesAfterRawTextAreDecoded() throws {
        #expect(try JSONParser.parse(#""héllo\nwörld""#) == .string("héllo\nwörld"))
    }

    // MARK: Rejections

    @Test(arguments: [
        "[1,2,]", #"{"a":1,}"#, "[,1]", "{,}",
        "'a'", "{'a':1}",
        "[1] x", "{} {}", "1 2", "nul", "truex", "tru",
        "01", "1.", ".5", "-", "+1", "1e", "0x10", "NaN", "Infinity",
        "", "   ", "[", "{", #"{"a""#, #"{"a":}"#, #"{"a" 1}"#, #"{1:2}"#, "[1 2]",
        #""abc"#, #""\x""#, #""\u12""#, #""\u12G4""#,
    ])
    func rejectsMalformed(text: String) {
        #expect(failure(text) != nil)
    }

    @Test(arguments: [0x00, 0x01, 0x0A, 0x09, 0x1F] as [UInt8])
    func rejectsControlCharactersInStrings(byte: UInt8) {
        let f = failure([0x22, 0x61, byte, 0x22])
        #expect(f?.message == "control character in string")
        #expect(f?.offset == 2)
        // Also after an escape (the slow path).
        let g = failure([0x22, 0x5C, 0x6E, byte, 0x22])
        #expect(g?.message == "control character in string")
    }

    @Test(arguments: [#""\ud800""#, #""\udc00""#, #""\ud800x""#, #""\ud800\u0041""#, #""\ude00\ud83d""#, #""\ud800\ud800""#])
    func rejectsLoneSurrogates(text: String) {
        #expect(failure(text)?.message == "unpaired surrogate in string")
    }

    @Test func trailingGarbageReportsOffset() {
        let f = failure(#"{"a":1}x"#)
        #expect(f?.message == "unexpected data after the JSON value")
        #expect(f?.offset == 7)
    }

    @Test(arguments: [
        [0x22, 0xFF, 0x22],                 // never valid
        [0x22, 0xC3, 0x22],                 // truncated sequence
        [0x22, 0xC0, 0xAF, 0x22],           // overlong
        [0x22, 0xED, 0xA0, 0x80, 0x22],     // encoded surrogate
        [0x22, 0x5C, 0x6E, 0xFF, 0x22],     // after an escape
    ] as [[UInt8]])
    func rejectsInvalidUTF8InStrings(bytes: [UInt8]) {
        #expect(failure(bytes)?.message == "invalid UTF-8 in string")
    }

    @Test func rejectsInvalidUTF8InKeys() {
        #expect(failure([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]) != nil)
    }

    @Test func rejectsInvalidBytesOutsideStrings() {
        #expect(failure([0xFF]) != nil)
        #expect(failure([0x5B, 0x31, 0x5D, 0xFF]) != nil)
    }

    // MARK: Depth

    @Test func acceptsExactlyMaximumDepth() throws {
        let n = JSONParser.maximumDepth
        #expect(n == 128)
        let arrays = String(repeating: "[", count: n) + String(repeating: "]", count: n)
        #expect(try compact(arrays) == arrays)
        let objects = String(repeating: #"{"a":"#, count: n - 1) + "{}" + String(repeating: "}", count: n - 1)
        #expect(try compact(objects) == objects)
    }

    @Test func rejectsDeeperThanMaximumDepth() {
        let n = JSONParser.maximumDepth + 1
        let arrays = String(repeating: "[", count: n) + String(repeating: "]", count: n)
        #expect(failure(arrays)?.message == "nesting deeper than 128 levels")
        let objects = String(repeating: #"{"a":"#, count: n - 1) + "{}" + String(repeating: "}", count: n - 1)
        #expect(failure(objects)?.message == "nesting deeper than 128 levels")
    }

    @Test func depthIsNotCumulativeAcrossSiblings() throws {
        let n = JSONParser.maximumDepth - 1
        let deep = String(repeating: "[", count: n) + String(repeating: "]", count: n)
        let text = "[" + Array(repeating: deep, count: 3).joined(separator: ",") + "]"
        #expect(try compact(text) == text)
    }

    @Test func veryDeepInputFailsWithoutCrashing() {
        let text = String(repeating: "[", count: 100_000)
        #expect(failure(text) != nil)
    }

    // MARK: Writer

    @Test func writerEscapes() {
        var writer = JSONWriter()
        writer.write(.string("a\"b\\c\nd\re\tf\u{08}g\u{0C}h\u{01}i\u{1F}j\u{0}k/é"))
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #""a\"b\\c\nd\re\tf\bg\fh\u0001i\u001fj\u0000k/é""#)
    }

    @Test func writerEscapesKeys() {
        let value = JSONValue.object(JSONObject(["a\"\n": .string("v")]))
        #expect(String(decoding: value.bytes, as: UTF8.self) == #"{"a\"\n":"v"}"#)
    }

    @Test func writerOutputParsesBack() throws {
        var s = ""
        for scalar in (0..<0x80).compactMap(Unicode.Scalar.init) { s.unicodeScalars.append(scalar) }
        s += "é😀\u{2028}"
        let value = JSONValue.array([.string(s), .object(JSONObject([s: .null]))])
        #expect(try JSONParser.parse(value.bytes) == value)
    }

    @Test func prettyPrintingIndentsAndKeepsOrderAndNumberText() throws {
        let value = try JSONParser.parse(#"{"b":1.50,"a":[true,null,{"x":"y\n"}],"e":{},"f":[]}"#)
        #expect(value.prettyPrinted == """
            {
              "b": 1.50,
              "a": [
                true,
                null,
                {
                  "x": "y\\n"
                }
              ],
              "e": {},
              "f": []
            }
            """)
        #expect(try JSONParser.parse(value.prettyPrinted) == value)
        #expect(JSONValue.string("s").prettyPrinted == #""s""#)
    }

    @Test func writerNumbersAndRaw() {
        #expect(JSONValue.integer(-42).bytes == Array("-42".utf8))
        #expect(JSONValue.double(180).bytes == Array("180".utf8))
        #expect(JSONValue.double(2.5).bytes == Array("2.5".utf8))
        var writer = JSONWriter()
        writer.appendRaw("[")
        writer.writeRaw(Array(#"{"x":1}"#.utf8))
        writer.appendRaw("]")
        #expect(writer.bytes == Array(#"[{"x":1}]"#.utf8))
    }
}
