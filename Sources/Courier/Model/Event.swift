import Foundation

/// Something that happened in a publisher's system, stored before it is acknowledged.
public struct Event: Sendable, Hashable {
    public var id: String
    public var tenantID: String
    /// A dotted name such as `case.updated`, matched against endpoints' ``EventTypePattern``s.
    public var type: String
    /// The subject (a case id, say), for finding an event's records. An ordered endpoint orders
    /// all its events, so each key's; ``idempotencyKey``, not this, deduplicates.
    public var key: String?
    /// The payload as compact JSON bytes, kept as published.
    public var payload: [UInt8]
    public var occurredAt: Date
    public var idempotencyKey: String?
    public var createdAt: Date

    public init(
        id: String, tenantID: String, type: String, key: String? = nil, payload: [UInt8],
        occurredAt: Date, idempotencyKey: String? = nil, createdAt: Date
    ) {
        self.id = id
        self.tenantID = tenantID
        self.type = type
        self.key = key
        self.payload = payload
        self.occurredAt = occurredAt
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
    }
}

/// An event as a publisher submits it, validated but not yet stored. Its fields are set only
/// by its initialisers, which check them: the front door (``Webhooks``) then has nothing to
/// check again, and no caller can change an event into one the API would refuse.
public struct NewEvent: Sendable, Hashable {
    public private(set) var type: String
    public private(set) var key: String?
    /// Compact JSON bytes.
    public private(set) var payload: [UInt8]
    public var occurredAt: Date?
    public private(set) var idempotencyKey: String?

    /// An event to publish, checked as the API checks one: a Swift caller and an HTTP client
    /// may publish the same things and no others.
    public init(type: String, key: String? = nil, payload: JSONValue, occurredAt: Date? = nil, idempotencyKey: String? = nil) throws(CourierError) {
        try Self.validate(type: type, key: key, idempotencyKey: idempotencyKey, path: "")
        self.init(unchecked: type, key: key, payload: payload.bytes, occurredAt: occurredAt, idempotencyKey: idempotencyKey)
    }

    /// One of Courier's own events (``reservedTypePrefix``, `message.received`), which no
    /// publisher may send; and for the store conformance suite, which checks that such a type
    /// is no back door.
    package init(courierType type: String, key: String? = nil, payload: JSONValue) throws(CourierError) {
        try EventTypePattern.validateTypeName(type, field: "type")
        try Self.validate(key: key, idempotencyKey: nil, path: "")
        self.init(unchecked: type, key: key, payload: payload.bytes, occurredAt: nil, idempotencyKey: nil)
    }

    private init(unchecked type: String, key: String?, payload: [UInt8], occurredAt: Date?, idempotencyKey: String?) {
        self.type = type
        self.key = key
        self.payload = payload
        self.occurredAt = occurredAt
        self.idempotencyKey = idempotencyKey
    }

    /// What `POST /v1/endpoints/{id}/test` sends: `courier.test` with `{"test": true,
    /// "endpointId", "sentAt"}`, so a receiver can be checked without waiting for real traffic.
    public static func test(endpointID: String, now: Date) -> NewEvent {
        // The type is a valid name by construction.
        try! NewEvent(courierType: "courier.test", payload: .object([
            "test": true, "endpointId": .string(endpointID), "sentAt": .string(Timestamp.format(now)),
        ]))
    }

    /// What the types of Courier's own events start with (`courier.test`, `courier.task`).
    public static let reservedTypePrefix = "courier."

    /// The limit on `key` and `idempotencyKey`, which are indexed.
    public static let maximumKeyLength = 256

    /// The rules of a published event's fields; `path` locates the event in a request's body.
    static func validate(type: String, key: String?, idempotencyKey: String?, path: String) throws(CourierError) {
        func field(_ name: String) -> String { JSONFieldReader.fieldPath(name, in: path) }
        try EventTypePattern.validateTypeName(type, field: field("type"))
        // Courier's own events (a test event, a task's run) are told apart by their type; one
        // published as such would pass for them at a receiver.
        guard !type.hasPrefix(Self.reservedTypePrefix) else {
            throw .invalid("\(field("type")): types starting with \(Self.reservedTypePrefix) are Courier's own", field: field("type"))
        }
        // An inbound text's event: one published as such would have its subscriber's replies
        // sent as texts to whatever sender it names.
        guard type != Message.receivedEventType else {
            throw .invalid("\(field("type")): \(type) is Courier's own, published for each inbound message", field: field("type"))
        }
        try validate(key: key, idempotencyKey: idempotencyKey, path: path)
    }

    /// The rules of an event's `key` and `idempotencyKey`, which are indexed and shown.
    static func validate(key: String?, idempotencyKey: String?, path: String) throws(CourierError) {
        func field(_ name: String) -> String { JSONFieldReader.fieldPath(name, in: path) }
        for (name, value) in [("key", key), ("idempotencyKey", idempotencyKey)] {
            guard let value else { continue }
            guard !value.isEmpty, value.utf8.count <= Self.maximumKeyLength else {
                throw .invalid("\(field(name)) must be 1 to \(Self.maximumKeyLength) bytes", field: field(name))
            }
            _ = try JSONFieldReader.checked(value, field: field(name))
        }
    }

    /// Reads one event of a publish request; `path` locates it in the body for error messages.
    public init(json: JSONValue, path: String = "") throws(CourierError) {
        var reader = try JSONFieldReader(json, path: path, what: path.isEmpty ? "an event" : path)
        let type = try reader.requiredString("type")
        let payload = reader.value("payload") ?? .null
        let key = try reader.string("key")
        let idempotencyKey = try reader.string("idempotencyKey")
        var occurredAt: Date?
        if let text = try reader.string("occurredAt") {
            guard let date = Timestamp.parse(text) else {
                throw .invalid("\(reader.fieldPath("occurredAt")) must be an RFC 3339 timestamp", field: reader.fieldPath("occurredAt"))
            }
            occurredAt = date
        }
        try reader.rejectUnknownFields()
        try Self.validate(type: type, key: key, idempotencyKey: idempotencyKey, path: path)
        self.init(unchecked: type, key: key, payload: payload.bytes, occurredAt: occurredAt, idempotencyKey: idempotencyKey)
    }

    /// Refuses a publish of more than `limit` events, in the API and in Swift alike.
    static func checkCount(_ count: Int, limit: Int) throws(CourierError) {
        guard count <= limit else { throw .invalid("at most \(limit) events may be published at once, not \(count)") }
    }

    /// Reads a publish body: one event object or an array of up to `limit` of them.
    public static func parseBatch(_ json: JSONValue, limit: Int = Webhooks.publishLimit) throws(CourierError) -> (events: [NewEvent], isArray: Bool) {
        switch json {
        case .array(let elements):
            guard !elements.isEmpty else { throw .invalid("the array of events is empty") }
            try checkCount(elements.count, limit: limit)
            var events: [NewEvent] = []
            events.reserveCapacity(elements.count)
            for (i, element) in elements.enumerated() {
                events.append(try NewEvent(json: element, path: "[\(i)]"))
            }
            return (events, true)
        case .object:
            return ([try NewEvent(json: json)], false)
        default:
            throw .invalid("the body must be an event object or an array of events, not \(json.typeName)")
        }
    }
}

/// The answer to one published event: its id, and whether an earlier event with the same
/// idempotency key already held it (in which case nothing new was stored).
public struct PublishedEvent: Sendable, Hashable {
    public var id: String
    public var duplicate: Bool
    /// How many deliveries the event fanned out to (zero for a duplicate).
    public var deliveries: Int

    public init(id: String, duplicate: Bool, deliveries: Int) {
        self.id = id
        self.duplicate = duplicate
        self.deliveries = deliveries
    }
}
