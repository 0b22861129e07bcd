import Courier
import Foundation
import Testing

@Suite struct NewEventTests {
    func json(_ text: String) throws -> JSONValue {
        try JSONParser.parse(text)
    }

    func batchError(_ text: String) throws -> CourierError? {
        let value = try json(text)
        return #expect(throws: CourierError.self) { try NewEvent.parseBatch(value) }
    }

    @Test func singleEvent() throws {
        let event = try NewEvent(json: json(#"{"type":"case.created","key":"case-1","payload":{"b":1,"a":[1.50]},"idempotencyKey":"k1","occurredAt":"2024-01-02T03:04:05Z"}"#))
        #expect(event.type == "case.created")
        #expect(event.key == "case-1")
        #expect(event.idempotencyKey == "k1")
        #expect(event.payload == Array(#"{"b":1,"a":[1.50]}"#.utf8))
        #expect(event.occurredAt == Date(timeIntervalSince1970: 1_704_164_645))
    }

    @Test func occurredAtWithFractionalSeconds() throws {
        let event = try NewEvent(json: json(#"{"type":"a","occurredAt":"2024-01-02T03:04:05.250Z"}"#))
        #expect(event.occurredAt == Date(timeIntervalSince1970: 1_704_164_645.25))
    }

    @Test func payloadDefaultsToNull() throws {
        let event = try NewEvent(json: json(#"{"type":"case.created"}"#))
        #expect(event.payload == Array("null".utf8))
        #expect(event.key == nil)
        #expect(event.idempotencyKey == nil)
        #expect(event.occurredAt == nil)
        let explicit = try NewEvent(json: json(#"{"type":"case.created","payload":null}"#))
        #expect(explicit.payload == Array("null".utf8))
    }

    @Test func batchOfOneObject() throws {
        let (events, isArray) = try NewEvent.parseBatch(json(#"{"type":"a.b","payload":[1]}"#))
        #expect(isArray == false)
        #expect(events.count == 1)
        #expect(events.first?.type == "a.b")
        #expect(events.first?.payload == Array("[1]".utf8))
    }

    @Test func batchOfArray() throws {
        let (events, isArray) = try NewEvent.parseBatch(json(#"[{"type":"a"},{"type":"b.c","key":"k"}]"#))
        #expect(isArray == true)
        #expect(events.map(\.type) == ["a", "b.c"])
        #expect(events.map(\.key) == [nil, "k"])
    }

    @Test func badTypeInSecondElementNamesIt() throws {
        let e = try batchError(#"[{"type":"a"},{"type":"a..b"}]"#)
        #expect(e?.kind == .invalid)
        #expect(e?.field == "[1].type")
    }

    @Test func nonStringTypeInArrayNamesIt() throws {
        let e = try batchError(#"[{"type":"a"},{"type":"b"},{"type":5}]"#)
        #expect(e?.field == "[2].type")
    }

    @Test func missingTypeInArrayNamesIt() throws {
        let e = try batchError(#"[{"payload":{}}]"#)
        #expect(e?.field == "[0].type")
    }

    @Test func unknownField() throws {
        let e = try batchError(#"{"type":"a","foo":1}"#)
        #expect(e?.kind == .invalid)
        #expect(e?.code == "unknown_field")
        #expect(e?.field == "foo")
    }

    @Test func unknownFieldInArray() throws {
        let e = try batchError(#"[{"type":"a"},{"type":"a","foo":1}]"#)
        #expect(e?.code == "unknown_field")
        #expect(e?.field == "[1].foo")
    }

    @Test func emptyType() throws {
        let e = try batchError(#"{"type":""}"#)
        #expect(e?.kind == .invalid)
        #expect(e?.field == "type")
    }

    @Test func missingType() throws {
        let e = try batchError(#"{"payload":1}"#)
        #expect(e?.kind == .invalid)
        #expect(e?.field == "type")
    }

    @Test func badKeys() throws {
        #expect(try batchError(#"{"type":"a","key":""}"#)?.field == "key")
        #expect(try batchError(#"{"type":"a","key":5}"#)?.field == "key")
        let long = String(repeating: "k", count: NewEvent.maximumKeyLength + 1)
        #expect(try batchError(#"{"type":"a","idempotencyKey":"\#(long)"}"#)?.field == "idempotencyKey")
        let longest = String(repeating: "k", count: NewEvent.maximumKeyLength)
        #expect(try NewEvent(json: json(#"{"type":"a","idempotencyKey":"\#(longest)"}"#)).idempotencyKey == longest)
    }

    @Test func badOccurredAt() throws {
        #expect(try batchError(#"{"type":"a","occurredAt":"yesterday"}"#)?.field == "occurredAt")
    }

    @Test func arrayOverLimitRejected() throws {
        let element = #"{"type":"a"}"#
        let thousand = "[" + Array(repeating: element, count: 1000).joined(separator: ",") + "]"
        #expect(try NewEvent.parseBatch(json(thousand)).events.count == 1000)
        let e = try batchError("[" + Array(repeating: element, count: 1001).joined(separator: ",") + "]")
        #expect(e?.kind == .invalid)
        #expect(e?.field == nil)
    }

    @Test func customLimit() throws {
        let value = try json(#"[{"type":"a"},{"type":"b"},{"type":"c"}]"#)
        #expect(throws: CourierError.self) { try NewEvent.parseBatch(value, limit: 2) }
        #expect(try NewEvent.parseBatch(value, limit: 3).events.count == 3)
    }

    @Test func emptyArrayRejected() throws {
        let e = try batchError("[]")
        #expect(e?.kind == .invalid)
    }

    @Test(arguments: [#""event""#, "5", "null", "true"])
    func nonObjectBodyRejected(text: String) throws {
        let e = try batchError(text)
        #expect(e?.kind == .invalid)
        #expect(e?.field == nil)
    }

    @Test func nonObjectElementRejected() throws {
        let e = try batchError(#"[{"type":"a"},"b"]"#)
        #expect(e?.kind == .invalid)
        #expect(e?.field == "[1]")
    }

    @Test func programmaticInitValidatesType() throws {
        #expect(throws: CourierError.self) { try NewEvent(type: "a..b", payload: .null) }
        let event = try NewEvent(type: "a.b", payload: .object(JSONObject(["z": .integer(1), "y": .string("x")])))
        #expect(event.payload == Array(#"{"z":1,"y":"x"}"#.utf8))
    }
}
