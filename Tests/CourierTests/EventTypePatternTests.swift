import Courier
import Testing

@Suite struct EventTypePatternTests {
    @Test func exact() throws {
        let p = try EventTypePattern("case.created")
        #expect(p == .exact("case.created"))
        #expect(p.matches("case.created"))
        #expect(!p.matches("case.created.x"))
        #expect(!p.matches("case"))
        #expect(!p.matches("Case.created"))
        #expect(p.description == "case.created")
    }

    @Test func prefix() throws {
        let p = try EventTypePattern("case.*")
        #expect(p == .prefix("case."))
        #expect(p.matches("case.created"))
        #expect(p.matches("case.note.added"))
        #expect(!p.matches("case"))
        #expect(!p.matches("cases.x"))
        #expect(!p.matches("casex"))
        #expect(!p.matches("form.case.created"))
        #expect(p.description == "case.*")
    }

    @Test func nestedPrefix() throws {
        let p = try EventTypePattern("case.note.*")
        #expect(p == .prefix("case.note."))
        #expect(p.matches("case.note.added"))
        #expect(!p.matches("case.created"))
    }

    @Test func all() throws {
        let p = try EventTypePattern("*")
        #expect(p == .all)
        #expect(p.matches("case.created"))
        #expect(p.matches("x"))
        #expect(p.description == "*")
    }

    @Test func allowedCharacters() throws {
        #expect(try EventTypePattern("A-b_c:d/e.9") == .exact("A-b_c:d/e.9"))
    }

    @Test(arguments: ["", "a..b", ".a", "a.", "a b", " a", "a*", "*.*", ".*", "a.*.b", "case.**", "é", "a\n", "a,b"])
    func invalidNamesThrow(text: String) {
        let error = #expect(throws: CourierError.self) { try EventTypePattern(text, field: "eventTypes[2]") }
        #expect(error?.kind == .invalid)
        #expect(error?.field == "eventTypes[2]")
    }

    @Test func lengthLimit() throws {
        let longest = String(repeating: "a", count: EventTypePattern.maximumTypeLength)
        #expect(try EventTypePattern(longest) == .exact(longest))
        #expect(throws: CourierError.self) { try EventTypePattern(longest + "a") }
    }

    @Test func arrayMatches() throws {
        let patterns = [try EventTypePattern("case.*"), try EventTypePattern("form.submitted")]
        #expect(patterns.matches("case.created"))
        #expect(patterns.matches("form.submitted"))
        #expect(!patterns.matches("form.archived"))
        #expect(!patterns.matches("case"))
        #expect(![EventTypePattern]().matches("case.created"))
    }
}
