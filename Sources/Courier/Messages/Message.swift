import Foundation

/// A text to or from people, through a gateway backend: RapidSMS's Message.
///
/// An outbound message has one ``Transmission`` per recipient, and its status rolls up from
/// theirs (see ``MessageStatus/rollUp(_:)``). An inbound message came from one identity
/// through one backend, and is `received` once the endpoints that subscribe to
/// `message.received` have taken it (or `errored` if one of them failed for good).
public struct Message: Sendable, Hashable {
    public enum Direction: String, Sendable, Hashable, CaseIterable {
        case inbound = "in"
        case outbound = "out"
    }

    public var id: String
    public var tenantID: String
    public var direction: Direction
    public var text: String
    /// For an inbound message: the backend it came through and who sent it.
    public var backend: String?
    public var identity: String?
    /// The backend's own id for it, or the sender's reference.
    public var externalID: String?
    /// The inbound message this one answers.
    public var inResponseTo: String?
    public var status: MessageStatus
    public var createdAt: Date
    public var updatedAt: Date
    /// When every transmission had been sent, and when every one had been delivered.
    public var sentAt: Date?
    public var deliveredAt: Date?

    public init(
        id: String, tenantID: String, direction: Direction, text: String, backend: String? = nil, identity: String? = nil,
        externalID: String? = nil, inResponseTo: String? = nil, status: MessageStatus, createdAt: Date, updatedAt: Date,
        sentAt: Date? = nil, deliveredAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.direction = direction
        self.text = text
        self.backend = backend
        self.identity = identity
        self.externalID = externalID
        self.inResponseTo = inResponseTo
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.sentAt = sentAt
        self.deliveredAt = deliveredAt
    }

    /// The event type an inbound message is published as.
    public static let receivedEventType = "message.received"

    /// How many transmissions one request to a backend carries when its endpoint sets no
    /// `batch.maxSize` (RapidSMS's `DB_ROUTER_DEFAULT_BATCH_SIZE`).
    public static let defaultBatchSize = 200

    /// The event an inbound message is published as: `{messageId, backend, identity, text, externalId}`.
    public static func receivedEvent(
        id: String, backend: String, identity: String, text: String, externalID: String?
    ) throws(CourierError) -> NewEvent {
        var payload = JSONObject()
        payload.append("messageId", .string(id))
        payload.append("backend", .string(backend))
        payload.append("identity", .string(identity))
        payload.append("text", .string(text))
        payload.append("externalId", externalID.map(JSONValue.string) ?? .null)
        return try NewEvent(courierType: receivedEventType, key: identity, payload: .object(payload))
    }
}

public enum MessageStatus: String, Sendable, Hashable, CaseIterable {
    case queued
    case processing
    case sent
    case delivered
    case errored
    /// An inbound message its subscribers have taken.
    case received

    /// An outbound message's status from its transmissions' (RapidSMS's rule): errored if
    /// any errored; processing while any is not yet sent; sent while any is not yet
    /// delivered; then delivered. Queued while none has been picked up.
    public static func rollUp(_ statuses: some Collection<TransmissionStatus>) -> MessageStatus {
        if statuses.isEmpty || statuses.allSatisfy({ $0 == .queued }) { return .queued }
        if statuses.contains(.errored) { return .errored }
        if statuses.contains(where: { $0 == .queued || $0 == .processing }) { return .processing }
        if statuses.contains(.sent) { return .sent }
        return .delivered
    }
}

extension Event {
    /// The inbound message a `message.received` event stands for (nil for any other event).
    public var inboundMessageID: String? {
        guard type == Message.receivedEventType else { return nil }
        return Message.inboundMessageID(inReceivedPayload: payload)
    }
}

extension Message {
    /// The inbound message a `message.received` event's stored payload names.
    public static func inboundMessageID(inReceivedPayload payload: [UInt8]) -> String? {
        (try? JSONParser.parseStored(payload))?.objectValue?["messageId"]?.stringValue
    }
}
