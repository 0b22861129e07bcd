/// Where a delivery stands. See the lifecycle in the design: `pending` and `retrying` are the
/// only states the engine sends from; the rest are final until a person acts.
public enum DeliveryState: String, Sendable, Hashable, CaseIterable, Codable {
    case pending
    case retrying
    case succeeded
    /// Every attempt of its budget failed with a retryable error.
    case exhausted
    /// The receiver refused it (a non-retryable 4xx or a redirect): retrying would not help.
    case rejected
    /// The formatter produced no body, so there was nothing to send.
    case empty
    /// A person cancelled it, the receiver asked to abort it, or its endpoint was deleted.
    case cancelled
    /// In a batch: waiting in an open batch for it to fill or for its wait to end, or carried
    /// by a batch under way. It goes where the batch goes (see ``BatchPolicy``, ``OpenBatches``).
    case batched

    /// Whether the engine may still send it.
    public var isActive: Bool {
        self == .pending || self == .retrying
    }

    /// Whether it has ended, until a person acts: neither sent from nor carried by a batch.
    public var isFinal: Bool {
        !isActive && self != .batched
    }

    /// Whether `requeue` applies.
    public var isRequeueable: Bool {
        self == .exhausted || self == .rejected || self == .cancelled || self == .empty
    }

    /// The stores keep the state as a small integer; the order here is that mapping.
    public var storageCode: Int {
        switch self {
        case .pending: 0
        case .retrying: 1
        case .succeeded: 2
        case .exhausted: 3
        case .rejected: 4
        case .empty: 5
        case .cancelled: 6
        case .batched: 7
        }
    }

    public init?(storageCode: Int) {
        guard let state = Self.allCases.first(where: { $0.storageCode == storageCode }) else { return nil }
        self = state
    }
}
