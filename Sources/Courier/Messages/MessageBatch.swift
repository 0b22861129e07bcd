import Crypto
import Foundation

/// What one request to a backend carries: the transmissions of one outbound message still to
/// send in one batch (those already sent are never sent again).
public struct MessageBatch: Sendable, Hashable {
    public struct Item: Sendable, Hashable {
        public var transmissionID: String
        public var identity: String

        public init(transmissionID: String, identity: String) {
            self.transmissionID = transmissionID
            self.identity = identity
        }
    }

    public var messageID: String
    public var text: String
    public var items: [Item]
    /// Every transmission of the delivery, sent or not, in order: what its first request
    /// carried.
    public var deliveryTransmissionIDs: [String]
    /// How many recipients the backend has listed as failed in its answers to this delivery
    /// so far, counting each listing: it grows with each such answer, and with nothing else.
    public var listedFailed: Int

    public init(messageID: String, text: String, items: [Item], deliveryTransmissionIDs: [String]? = nil, listedFailed: Int = 0) {
        self.messageID = messageID
        self.text = text
        self.items = items
        self.deliveryTransmissionIDs = deliveryTransmissionIDs ?? items.map(\.transmissionID).sorted()
        self.listedFailed = listedFailed
    }

    /// `{"messageId", "text", "identities", "transmissionIds"}`.
    public var body: [UInt8] {
        var object = JSONObject()
        object.append("messageId", .string(messageID))
        object.append("text", .string(text))
        object.append("identities", .array(items.map { .string($0.identity) }))
        object.append("transmissionIds", .array(items.map { .string($0.transmissionID) }))
        return JSONValue.object(object).bytes
    }

    /// The request's `webhook-id`: the same for a retry of the same request, and a new one
    /// for a new request.
    ///
    /// A retry after a timeout or a 5xx repeats a request that may have reached the backend,
    /// and keeps its id, so that a backend deduplicating by id sends nobody the text twice;
    /// it does even when it carries fewer transmissions, because delivery reports came for
    /// some meanwhile. A retry after a 2xx that listed some recipients as failed carries only
    /// those, and is a new request: the backend took the last one, and deduplicating it would
    /// drop the retry, whose recipients would then be marked sent without ever getting the
    /// text. So the id follows the delivery (its transmissions, as the first request carried
    /// them) and how many recipients its answers have listed as failed, which only such an
    /// answer changes. A first request's id is as it always was.
    public func webhookID(deliveryID: String) -> String {
        var hasher = SHA256()
        for id in deliveryTransmissionIDs { hasher.update(data: Array(id.utf8) + [0]) }
        if listedFailed > 0 { hasher.update(data: Array("listed \(listedFailed)".utf8)) }
        let digest = Hex.encode(hasher.finalize().prefix(6))
        return "\(deliveryID)_\(digest)"
    }
}

/// What an attempt means for messages, for the store to apply in the record's transaction.
public enum MessageOutcome: Sendable, Hashable {
    /// Whether it settles a batch of transmissions (rather than an inbound message).
    public var isBatch: Bool {
        if case .batch = self { return true }
        return false
    }

    /// A batch of transmissions: whether the backend took it (a 2xx), and what it listed as
    /// failed (`{"failed": [...]}`) if it did, by identity or by transmission id: the batch's
    /// body gives both, and a gateway may answer with either.
    case batch(messageID: String, accepted: Bool, failed: Set<String>)
    /// An inbound message's `message.received` delivery, with the replies its subscriber
    /// answered with (`{"replies": [{"text"}]}`).
    case received(messageID: String, replies: [String])
    /// Inbound messages' `message.received` events carried by a batch to a subscriber that
    /// batches: they are taken as the batch is (a batch's answer has no replies), but those its
    /// answer listed as failed, which go again on their own.
    case receivedInBatch(messageIDs: [String])

    /// The replies in a subscriber's answer to `message.received`; anything else is none.
    public static func replies(in body: [UInt8]) -> [String] {
        guard let object = (try? JSONParser.parse(body))?.objectValue, let replies = object["replies"]?.arrayValue else { return [] }
        return replies.compactMap { $0.objectValue?["text"]?.stringValue?.withoutNUL }.filter { !$0.isEmpty }
    }
}
