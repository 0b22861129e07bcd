@testable import Courier
import Foundation
import Testing

@Suite struct ResponseTextTests {
    static func headers(_ contentType: String) -> [HeaderField] {
        [HeaderField(name: "Server", value: "x"), HeaderField(name: "Content-Type", value: contentType)]
    }

    @Test func aBodyIsReadInTheCharsetItsContentTypeNames() {
        let latin1: [UInt8] = [0x63, 0x61, 0x66, 0xE9]  // "café" in Latin-1
        #expect(ResponseText.decode(latin1, headers: Self.headers("text/plain; charset=ISO-8859-1")) == "café")
        #expect(ResponseText.decode(latin1, headers: Self.headers(#"text/html;charset="windows-1252""#)) == "café")
        #expect(ResponseText.decode(Array("é".utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }), headers: Self.headers("text/plain; charset=utf-16be")) == "é")
        // Without a charset, or with UTF-8's, as UTF-8: what is not valid shows as U+FFFD.
        #expect(ResponseText.decode(latin1, headers: Self.headers("text/plain")) == "caf\u{FFFD}")
        #expect(ResponseText.decode(Array("café".utf8), headers: Self.headers("application/json; charset=utf-8")) == "café")
        #expect(ResponseText.decode(Array("café".utf8), headers: []) == "café")
    }

    @Test func aCutOrBrokenBodyIsStillShownAndNULIsShownAsReplacement() {
        // A body cut at the limit in the middle of a UTF-16 code unit keeps what came whole.
        #expect(ResponseText.decode([0x00, 0x41, 0x00], headers: Self.headers("text/plain; charset=utf-16be")) == "A")
        #expect(ResponseText.decode([0x61, 0x00, 0x62], headers: Self.headers("text/plain; charset=latin1")) == "a\u{FFFD}b")
    }
}
