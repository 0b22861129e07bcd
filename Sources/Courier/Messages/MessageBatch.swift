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

    public init(messageID: String, text: String, items: [Item]) {
        self.messageID = messageID
        self.text = text
        self.items = items
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

    /// The request's `webhook-id`: the delivery's id while it carries the same transmissions,
    /// and a new one when a retry carries fewer (only those that failed), so that a backend
    /// deduplicating by id never drops the retry of a partly failed batch.
    public func webhookID(deliveryID: String) -> String {
        var hasher = SHA256()
        for item in items { hasher.update(data: Array(item.transmissionID.utf8) + [0]) }
        let digest = Hex.encode(hasher.finalize().prefix(6))
        return "\(deliveryID)_\(digest)"
    }
}

/// What an attempt means for messages, for the store to apply in the record's transaction.
public enum MessageOutcome: Sendable, Hashable {
    /// A batch of transmissions: whether the backend took it (a 2xx), and what it listed as
    /// failed (`{"failed": [...]}`) if it did, by identity or by transmission id: the batch's
    /// body gives both, and a gateway may answer with either.
    case batch(messageID: String, accepted: Bool, failed: Set<String>)
    /// An inbound message's `message.received` delivery, with the replies its subscriber
    /// answered with (`{"replies": [{"text"}]}`).
    case received(messageID: String, replies: [String])

    /// The replies in a subscriber's answer to `message.received`; anything else is none.
    public static func replies(in body: [UInt8]) -> [String] {
        guard let object = (try? JSONParser.parse(body))?.objectValue, let replies = object["replies"]?.arrayValue else { return [] }
        return replies.compactMap { $0.objectValue?["text"]?.stringValue?.withoutNUL }.filter { !$0.isEmpty }
    }
}
