import Crypto
import Foundation

/// What one request to a backend carries: the transmissions of one outbound message still to
/// send in one batch (those already sent are never sent again).
public struct MessageBatch: Sendable, Hashable {
    public struct Item: Sendable, Hashable {
        public var transmissionID: String
        public var identity: String
        /// How many times the backend took a request with this transmission and listed it as
        /// failed (`{"failed": [...]}`): each such answer makes the next request a new one.
        public var timesListedFailed: Int

        public init(transmissionID: String, identity: String, timesListedFailed: Int = 0) {
            self.transmissionID = transmissionID
            self.identity = identity
            self.timesListedFailed = timesListedFailed
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

    /// The request's `webhook-id`: the same for a retry of the same request, and a new one
    /// for a new request.
    ///
    /// A retry after a timeout or a 5xx carries the same transmissions as the attempt that may
    /// have reached the backend, and keeps its id, so that a backend deduplicating by id sends
    /// nobody the text twice. A retry after a 2xx that listed some as failed carries only
    /// those, and is a new request: the backend took the last one, and deduplicating it would
    /// drop the retry, whose recipients would then be marked sent without ever getting the
    /// text. So the id follows the transmissions carried and how often each was listed as
    /// failed, which a second such answer also changes (a retry of the same one transmission).
    public func webhookID(deliveryID: String) -> String {
        var hasher = SHA256()
        for item in items {
            hasher.update(data: Array(item.transmissionID.utf8) + [0])
            // Nothing for one never listed, so that ids made before the count existed stay as they were.
            if item.timesListedFailed > 0 { hasher.update(data: Array("\(item.timesListedFailed)".utf8) + [0]) }
        }
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
