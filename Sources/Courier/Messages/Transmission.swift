import Foundation

/// One recipient of an outbound message: RapidSMS's Transmission.
public struct Transmission: Sendable, Hashable {
    public var id: String
    public var messageID: String
    public var tenantID: String
    /// The backend endpoint's name, and its id.
    public var backend: String
    public var endpointID: String
    public var identity: String
    public var status: TransmissionStatus
    /// The delivery (one batch of the message's transmissions) that carries it.
    public var deliveryID: String?
    /// Why it errored.
    public var error: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var sentAt: Date?
    public var deliveredAt: Date?

    public init(
        id: String, messageID: String, tenantID: String, backend: String, endpointID: String, identity: String,
        status: TransmissionStatus, deliveryID: String?, error: String? = nil, createdAt: Date, updatedAt: Date,
        sentAt: Date? = nil, deliveredAt: Date? = nil
    ) {
        self.id = id
        self.messageID = messageID
        self.tenantID = tenantID
        self.backend = backend
        self.endpointID = endpointID
        self.identity = identity
        self.status = status
        self.deliveryID = deliveryID
        self.error = error
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.sentAt = sentAt
        self.deliveredAt = deliveredAt
    }
}

/// `queued → processing → sent → delivered`, or `errored`. An errored transmission whose
/// batch is retried goes to `processing` again; one already sent is never sent again.
public enum TransmissionStatus: String, Sendable, Hashable, CaseIterable {
    case queued
    case processing
    case sent
    case delivered
    case errored

    /// How the stores keep it.
    public var storageCode: Int {
        switch self {
        case .queued: 0
        case .processing: 1
        case .sent: 2
        case .delivered: 3
        case .errored: 4
        }
    }

    public init?(storageCode: Int) {
        guard let status = Self.allCases.first(where: { $0.storageCode == storageCode }) else { return nil }
        self = status
    }
}
