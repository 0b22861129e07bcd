import Foundation

/// One event on its way to one endpoint: CommCare's repeat record. A batch is a delivery too:
/// one request carrying many events, with no event of its own.
public struct Delivery: Sendable, Hashable {
    public var id: String
    public var tenantID: String
    /// The event delivered; nil for a batch.
    public var eventID: String?
    /// For an event's delivery to a batching endpoint, the batch that last carried it.
    public var batchID: String?
    public var endpointID: String
    public var state: DeliveryState
    /// Every attempt ever made, resends and requeues included.
    public var attemptCount: Int
    /// When the engine will next try, for `pending` and `retrying`; nil once final.
    public var nextAttemptAt: Date?
    public var lastAttemptAt: Date?
    public var lastStatus: Int?
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// Which attempts count against the retry policy (see ``RetryBudget``).
    public var budget: RetryBudget
    /// For a task's run, the session and instance it runs; its outcome is the instance's.
    public var task: TaskRef?
    /// For a batch of an outbound message's transmissions, the message.
    public var messageID: String?
    /// While a worker holds it (an attempt under way), when its lease ends; a lease that has
    /// ended means that worker is gone.
    public var leasedUntil: Date?

    public init(
        id: String, tenantID: String, eventID: String?, batchID: String? = nil, endpointID: String, state: DeliveryState,
        attemptCount: Int = 0, nextAttemptAt: Date?, lastAttemptAt: Date? = nil, lastStatus: Int? = nil,
        lastError: String? = nil, createdAt: Date, updatedAt: Date, budget: RetryBudget = RetryBudget(), task: TaskRef? = nil,
        messageID: String? = nil, leasedUntil: Date? = nil
    ) {
        self.leasedUntil = leasedUntil
        self.task = task
        self.messageID = messageID
        self.id = id
        self.tenantID = tenantID
        self.eventID = eventID
        self.batchID = batchID
        self.endpointID = endpointID
        self.state = state
        self.attemptCount = attemptCount
        self.nextAttemptAt = nextAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.budget = budget
    }
}

/// The part of a delivery's history the retry policy looks at.
///
/// A requeue gives a fresh budget without forgetting the attempts already made (they stay on
/// record and in `attemptCount`), and a resend of a finished delivery is allowed exactly one
/// attempt, so the budget is kept apart from the plain count.
public struct RetryBudget: Sendable, Hashable {
    /// `attemptCount` when this budget began.
    public var base: Int
    /// When the first attempt of this budget was made.
    public var firstAttemptAt: Date?
    /// When set, the next attempt is the last one whatever its outcome (a resend of a finished delivery).
    public var singleShot: Bool

    public init(base: Int = 0, firstAttemptAt: Date? = nil, singleShot: Bool = false) {
        self.base = base
        self.firstAttemptAt = firstAttemptAt
        self.singleShot = singleShot
    }
}

/// One HTTP request of a delivery, kept so a person can see what was sent and what came back.
public struct Attempt: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        case succeeded
        /// Failed in a way worth retrying (timeout, connection error, 5xx, 429 ...).
        case failed
        /// Refused by the receiver (non-retryable 4xx, redirect).
        case rejected
        /// 410 Gone: the receiver unsubscribed; the endpoint is disabled.
        case gone
        /// The receiver answered `webhook-delivery: abort-message`.
        case aborted
        /// Nothing was sent: the endpoint's format made no body of this event (a template that
        /// rendered only white space). The delivery is `empty`, and this attempt says why.
        case empty
        /// Cut off by this node's shutdown at the end of its grace period: no fault of the
        /// receiver's, so it counts neither against the endpoint's health nor the retry budget,
        /// and the delivery is due again at once, here or on another node.
        case interrupted
    }

    /// How much of a response body is kept.
    public static let bodyExcerptLimit = 64 * 1024

    public var id: String
    public var deliveryID: String
    public var tenantID: String
    public var startedAt: Date
    public var duration: TimeInterval
    /// `METHOD url` with any credentials in the URL removed.
    public var request: String
    public var responseStatus: Int?
    public var responseHeaders: [HeaderField]
    /// The first 64 KiB of the response body, as text (invalid UTF-8 replaced).
    public var responseBody: String?
    public var responseBodyTruncated: Bool
    public var error: String?
    public var outcome: Outcome

    public init(
        id: String, deliveryID: String, tenantID: String, startedAt: Date, duration: TimeInterval, request: String,
        responseStatus: Int?, responseHeaders: [HeaderField], responseBody: String?, responseBodyTruncated: Bool,
        error: String?, outcome: Outcome
    ) {
        self.id = id
        self.deliveryID = deliveryID
        self.tenantID = tenantID
        self.startedAt = startedAt
        self.duration = duration
        self.request = request
        self.responseStatus = responseStatus
        self.responseHeaders = responseHeaders
        self.responseBody = responseBody
        self.responseBodyTruncated = responseBodyTruncated
        self.error = error
        self.outcome = outcome
    }
}

/// An HTTP header as received, in order, duplicates kept.
public struct HeaderField: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension Delivery {
    /// People act on a task's run through its instance (replay, skip), not on its delivery, so
    /// that the two never disagree.
    public func checkActionable(_ action: DeliveryStateMachine.Action, now: Date) throws(CourierError) {
        if let task {
            throw .conflict(
                "this delivery runs \(task.instance) of session \(task.session); replay or skip the instance instead",
                code: "task_delivery"
            )
        }
        // The attempt under way ends with a record of its own, which would overwrite the
        // resend's next attempt (or, past a claim the resend made due, race a second request).
        // A cancel is safe: the record of an attempt never undoes it.
        if action != .cancel, let leasedUntil, leasedUntil > now {
            throw .conflict(
                "an attempt of this delivery is under way; \(action.rawValue) it once the attempt has ended", code: "attempt_under_way"
            )
        }
    }
}
