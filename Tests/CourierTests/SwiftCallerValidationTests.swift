import Courier
import Foundation
import Testing

/// A Swift application builds endpoint changes and events from Courier's types, not from JSON.
/// Each case here is a mistake the API refuses; the same mistake made in Swift must be refused
/// too, with the same field, before anything is stored.
@Suite struct SwiftCallerValidationTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let existing = Endpoint(
        id: "ep_1", tenantID: "default", url: "https://example.com/hook", eventTypes: [],
        secret: WebhookSecret.generate().description, createdAt: now, updatedAt: now
    )

    /// A mistake, as JSON the API reads and as the same change made in Swift, and the field the
    /// refusal names.
    struct Mistake: Sendable, CustomTestStringConvertible {
        let json: String
        let field: String
        let change: @Sendable (inout EndpointChanges) -> Void

        var testDescription: String { json }
    }

    static let mistakes: [Mistake] = [
        Mistake(json: #"{"name": ""}"#, field: "name") { $0.name = .some("") },
        Mistake(json: #"{"name": "ep_mine"}"#, field: "name") { $0.name = .some("ep_mine") },
        Mistake(json: #"{"name": "two words"}"#, field: "name") { $0.name = .some("two words") },
        Mistake(json: #"{"description": "\u0000"}"#, field: "description") { $0.description = .some("\u{0}") },
        Mistake(json: "{\"description\": \"\(String(repeating: "d", count: 1025))\"}", field: "description") {
            $0.description = .some(String(repeating: "d", count: 1025))
        },
        Mistake(json: #"{"url": "ftp://example.com/"}"#, field: "url") { $0.url = "ftp://example.com/" },
        Mistake(json: #"{"url": "https://user:pw@example.com/"}"#, field: "url") { $0.url = "https://user:pw@example.com/" },
        Mistake(json: #"{"secret": "not-a-secret"}"#, field: "secret") { $0.secret = "not-a-secret" },
        Mistake(json: #"{"headers": {"Content-Type": "text/plain"}}"#, field: "headers.Content-Type") {
            $0.headers = ["Content-Type": "text/plain"]
        },
        Mistake(json: #"{"headers": {"X-Line": "a\r\nX-Injected: 1"}}"#, field: "headers.X-Line") {
            $0.headers = ["X-Line": "a\r\nX-Injected: 1"]
        },
        Mistake(json: #"{"headers": {"Bad Name": "v"}}"#, field: "headers.Bad Name") { $0.headers = ["Bad Name": "v"] },
        Mistake(json: #"{"retry": {"delays": [-5]}}"#, field: "retry.delays[0]") { $0.retry = .delays([-5]) },
        Mistake(json: #"{"retry": {"delays": [2592001]}}"#, field: "retry.delays[0]") { $0.retry = .delays([2_592_001]) },
        Mistake(json: #"{"retry": {"initial": 5, "factor": 0.5}}"#, field: "retry.factor") {
            $0.retry = .exponential(.init(initial: 5, factor: 0.5))
        },
        Mistake(json: #"{"retry": {"initial": 5, "maxAttempts": 0}}"#, field: "retry.maxAttempts") {
            $0.retry = .exponential(.init(initial: 5, maxAttempts: 0))
        },
        Mistake(json: #"{"retry": {"initial": 60, "max": 30}}"#, field: "retry.max") {
            $0.retry = .exponential(.init(initial: 60, max: 30))
        },
        Mistake(json: #"{"retry": {"initial": 5, "maxAge": 0}}"#, field: "retry.maxAge") {
            $0.retry = .exponential(.init(initial: 5, maxAge: 0))
        },
        Mistake(json: #"{"retry": {"preset": "fixed", "retries": -1}}"#, field: "retry.retries") {
            $0.retry = .fixed(retries: -1, interval: 180)
        },
        Mistake(json: #"{"retry": {"preset": "fixed", "interval": -1}}"#, field: "retry.interval") {
            $0.retry = .fixed(retries: 3, interval: -1)
        },
        Mistake(json: #"{"batch": {}}"#, field: "batch") { $0.batch = .some(BatchPolicy()) },
        Mistake(json: #"{"rateLimit": {"requests": 0}}"#, field: "rateLimit.requests") { $0.rateLimit = .some(RateLimit(requests: 0)) },
        Mistake(json: #"{"timeoutSeconds": 0}"#, field: "timeoutSeconds") { $0.timeoutSeconds = .some(0) },
        Mistake(json: #"{"timeoutSeconds": 301}"#, field: "timeoutSeconds") { $0.timeoutSeconds = .some(301) },
        Mistake(json: #"{"rateLimit": {"requests": 1, "seconds": 0}}"#, field: "rateLimit.seconds") {
            $0.rateLimit = .some(RateLimit(requests: 1, seconds: 0))
        },
        Mistake(json: #"{"batch": {"maxSize": 0}}"#, field: "batch.maxSize") { $0.batch = .some(BatchPolicy(maxSize: 0)) },
        Mistake(json: #"{"batch": {"maxSize": 1001}}"#, field: "batch.maxSize") { $0.batch = .some(BatchPolicy(maxSize: 1001)) },
        Mistake(json: #"{"batch": {"maxWaitMs": 3600001}}"#, field: "batch.maxWaitMs") {
            $0.batch = .some(BatchPolicy(maxWaitMs: 3_600_001))
        },
        Mistake(json: #"{"statusOverrides": {"retry": [404], "noRetry": [404]}}"#, field: "statusOverrides") {
            $0.statusOverrides = StatusOverrides(retry: [404], noRetry: [404])
        },
        Mistake(json: #"{"auth": {"type": "basic", "username": "a:b", "password": "pw"}}"#, field: "auth.username") {
            $0.auth = .some(.basic(username: "a:b", password: "pw"))
        },
        Mistake(json: #"{"auth": {"type": "bearer", "token": "t\n"}}"#, field: "auth.token") { $0.auth = .some(.bearer(token: "t\n")) },
        Mistake(json: #"{"auth": {"type": "apiKey", "header": "Content-Length", "value": "v"}}"#, field: "auth.header") {
            $0.auth = .some(.apiKey(header: "Content-Length", value: "v"))
        },
        Mistake(
            json: #"{"auth": {"type": "oauth2", "tokenUrl": "file:///etc/passwd", "clientId": "c", "clientSecret": "s"}}"#,
            field: "auth.tokenUrl"
        ) {
            $0.auth = .some(.oauth2(OAuth2ClientCredentials(tokenURL: "file:///etc/passwd", clientID: "c", clientSecret: "s")))
        },
        Mistake(json: #"{"maxInFlight": 0}"#, field: "maxInFlight") { $0.maxInFlight = 0 },
        Mistake(json: #"{"maxInFlight": 1001}"#, field: "maxInFlight") { $0.maxInFlight = 1001 },
    ]

    @Test(arguments: mistakes) func swiftChangesAreRefusedAsTheAPIRefusesThem(_ mistake: Mistake) throws {
        let fromJSON = #expect(throws: CourierError.self) { try EndpointChanges(json: JSONParser.parse(mistake.json)) }
        #expect(fromJSON?.field == mistake.field, "\(fromJSON?.message ?? "no error")")

        var changes = EndpointChanges()
        mistake.change(&changes)
        let fromSwift = #expect(throws: CourierError.self) { try Self.existing.applying(changes, now: Self.now) }
        #expect(fromSwift?.field == mistake.field, "\(fromSwift?.message ?? "no error")")
        #expect(fromSwift?.kind == .invalid)
    }

    @Test func everyRefusedChangeIsAlsoRefusedWhenCreating() throws {
        for mistake in Self.mistakes {
            var changes = EndpointChanges()
            changes.url = "https://example.com/hook"
            changes.eventTypes = []
            mistake.change(&changes)
            let error = #expect(throws: CourierError.self, "\(mistake.json)") {
                try Endpoint(creating: changes, id: "ep_2", tenantID: "default", now: Self.now)
            }
            #expect(error?.field == mistake.field, "\(mistake.json): \(error?.message ?? "no error")")
        }
    }

    @Test func goodSwiftChangesApply() throws {
        var changes = EndpointChanges()
        changes.name = .some("crm")
        changes.retry = .exponential(.init(initial: 5, factor: 3, max: 600, maxAttempts: 5, maxAge: 3600))
        changes.batch = .some(BatchPolicy(maxSize: 200, maxWaitMs: 1000))
        changes.auth = .some(.apiKey(header: "X-Api-Key", value: "k"))
        changes.headers = ["X-Tenant": "north"]
        changes.maxInFlight = 16
        let endpoint = try Self.existing.applying(changes, now: Self.now)
        #expect(endpoint.name == "crm" && endpoint.batch?.maxSize == 200 && endpoint.maxInFlight == 16)
        for policy in [RetryPolicy.standard, .commcare, .fixed(retries: 0, interval: 0), .delays([])] {
            try policy.validate()
        }
    }

    @Test func swiftEventsAreRefusedAsTheAPIRefusesThem() throws {
        let long = String(repeating: "k", count: NewEvent.maximumKeyLength + 1)
        let cases: [(json: String, field: String, make: () throws -> NewEvent)] = [
            (#"{"type": "courier.test"}"#, "type", { try NewEvent(type: "courier.test", payload: .null) }),
            (#"{"type": "message.received"}"#, "type", { try NewEvent(type: "message.received", payload: .null) }),
            (#"{"type": "a b"}"#, "type", { try NewEvent(type: "a b", payload: .null) }),
            ("{\"type\": \"a\", \"key\": \"\(long)\"}", "key", { try NewEvent(type: "a", key: long, payload: .null) }),
            (#"{"type": "a", "key": ""}"#, "key", { try NewEvent(type: "a", key: "", payload: .null) }),
            (#"{"type": "a", "key": "k\u0000"}"#, "key", { try NewEvent(type: "a", key: "k\u{0}", payload: .null) }),
            (
                #"{"type": "a", "idempotencyKey": "i\u0000"}"#, "idempotencyKey",
                { try NewEvent(type: "a", payload: .null, idempotencyKey: "i\u{0}") }
            ),
        ]
        for (json, field, make) in cases {
            let fromJSON = #expect(throws: CourierError.self, "\(json)") { try NewEvent(json: JSONParser.parse(json)) }
            #expect(fromJSON?.field == field, "\(json): \(fromJSON?.message ?? "no error")")
            let fromSwift = #expect(throws: CourierError.self, "\(json)") { try make() }
            #expect(fromSwift?.field == field, "\(json): \(fromSwift?.message ?? "no error")")
        }
        // In an array, the field names the event it is in.
        let inArray = #expect(throws: CourierError.self) {
            try NewEvent.parseBatch(JSONParser.parse(#"[{"type": "a"}, {"type": "a", "key": ""}]"#))
        }
        #expect(inArray?.field == "[1].key")
    }
}
