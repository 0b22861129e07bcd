import Foundation

/// An outbound message as a sender submits it: `{text, to: [{backend, identity}],
/// inResponseTo?, externalId?}`, validated but not yet stored.
public struct NewMessage: Sendable, Hashable {
    public struct Recipient: Sendable, Hashable {
        /// A backend endpoint's `name`.
        public var backend: String
        public var identity: String

        public init(backend: String, identity: String) {
            self.backend = backend
            self.identity = identity
        }
    }

    public var text: String
    public var to: [Recipient]
    public var inResponseTo: String?
    public var externalID: String?

    /// One request, one commit: a send to a whole list fits in one.
    public static let maximumRecipients = 10_000
    public static let maximumTextBytes = 16 * 1024

    /// `inResponseTo` names no message of the tenant: a reply to nothing would link to nothing.
    public static func unknownMessage(_ id: String) -> CourierError {
        .invalid("inResponseTo: no message has the id \(id)", field: "inResponseTo", code: "unknown_message")
    }

    public init(text: String, to: [Recipient], inResponseTo: String? = nil, externalID: String? = nil) throws(CourierError) {
        guard !text.isEmpty, text.utf8.count <= Self.maximumTextBytes else {
            throw .invalid("text must be 1 to \(Self.maximumTextBytes) bytes", field: "text")
        }
        guard !to.isEmpty, to.count <= Self.maximumRecipients else {
            throw .invalid("to must list 1 to \(Self.maximumRecipients) recipients", field: "to")
        }
        var seen = Set<Recipient>()
        for (index, recipient) in to.enumerated() {
            guard !recipient.identity.isEmpty, recipient.identity.utf8.count <= 256 else {
                throw .invalid("to[\(index)].identity must be 1 to 256 bytes", field: "to[\(index)].identity")
            }
            guard seen.insert(recipient).inserted else {
                throw .invalid(
                    "to[\(index)] repeats \(recipient.identity) on \(recipient.backend): each recipient is listed once",
                    field: "to[\(index)]"
                )
            }
        }
        self.text = text
        self.to = to
        self.inResponseTo = inResponseTo
        self.externalID = externalID
    }

    public init(json: JSONValue) throws(CourierError) {
        var reader = try JSONFieldReader(json)
        let text = try reader.requiredString("text")
        guard let list = reader.value("to") else { throw .invalid("to is required: the recipients", field: "to") }
        guard case .array(let items) = list else { throw .invalid("to must be an array of {backend, identity}", field: "to") }
        var to: [Recipient] = []
        to.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            var recipient = try JSONFieldReader(item, path: "to[\(index)]", what: "to[\(index)]")
            let backend = try recipient.requiredString("backend")
            let identity = try recipient.requiredString("identity")
            try recipient.rejectUnknownFields()
            to.append(Recipient(backend: backend, identity: identity))
        }
        let inResponseTo = try reader.string("inResponseTo")
        let externalID = try reader.string("externalId")
        try reader.rejectUnknownFields()
        try self.init(text: text, to: to, inResponseTo: inResponseTo, externalID: externalID)
    }

    /// The recipients grouped by backend, in the order each backend first appears, each
    /// group in the order given and cut into batches of at most `size(backend)`.
    public func batches(size: (String) -> Int) -> [(backend: String, identities: [String])] {
        var order: [String] = []
        var groups: [String: [String]] = [:]
        for recipient in to {
            if groups[recipient.backend] == nil { order.append(recipient.backend) }
            groups[recipient.backend, default: []].append(recipient.identity)
        }
        return order.flatMap { backend in
            let identities = groups[backend] ?? []
            let step = max(1, size(backend))
            return stride(from: 0, to: identities.count, by: step).map {
                (backend: backend, identities: Array(identities[$0..<min($0 + step, identities.count)]))
            }
        }
    }
}
