import Foundation

/// Everything Courier keeps, behind one protocol that every store implements the same way.
///
/// The contract, which the conformance suite in `CourierTesting` checks for each store:
/// - every method that writes is atomic: it happens whole or not at all;
/// - `publish` stores the events and their deliveries before it returns, and a repeated
///   idempotency key returns the first event's id and stores nothing;
/// - every read and write is scoped to the tenant it names: another tenant's object is
///   reported exactly as a missing one;
/// - due work is found through an index, and claims carry a lease with a fencing token, so a
///   worker whose lease ran out cannot overwrite what a later claimant recorded;
/// - `signals()` reports work that became due (and endpoints that changed) after the commit
///   that caused it, so idle workers wake without polling.
public protocol Store: DeliveryQueue {
    // MARK: Tenants and tokens

    /// Creates a tenant; a conflict if the id is taken.
    func createTenant(_ tenant: Tenant) async throws
    func tenant(id: String) async throws -> Tenant?
    func insertToken(_ token: APIToken) async throws
    /// A tenant's tokens, newest first.
    func tokens(tenantID: String) async throws -> [APIToken]
    /// Deletes a tenant's token, which opens nothing from then on; returns it, or nil when the
    /// tenant has no token of that id.
    func deleteToken(tenantID: String, id: String) async throws -> APIToken?
    /// Who a token hash belongs to, or nil.
    func principal(tokenHash: String) async throws -> Principal?
    /// A store-wide setting (the admin token's hash, for one).
    func setting(_ key: String) async throws -> String?
    func setSetting(_ key: String, value: String) async throws
    /// Stores `value` unless the key has one, and returns the key's value either way: for what
    /// the first of several nodes starting at once makes (the admin token, the dashboard's key)
    /// and the rest must then use, rather than each keep its own.
    func setSettingIfAbsent(_ key: String, value: String) async throws -> String

    // MARK: Endpoints

    /// Stores a new endpoint; a conflict if its name is taken in the tenant.
    func insertEndpoint(_ endpoint: Endpoint) async throws
    func endpoint(tenantID: String, id: String) async throws -> Endpoint?
    func endpoints(tenantID: String, page: PageRequest) async throws -> Page<Endpoint>
    /// Replaces an endpoint's settings (not its status); not found, or a conflict on its name.
    func updateEndpoint(_ endpoint: Endpoint) async throws
    /// Pauses, disables or resumes an endpoint. Its deliveries stay where they are, each with
    /// its own due time: claims and the list of due work pass over an endpoint that is not
    /// active, so a pause or a resume costs the same for ten deliveries or ten million, and a
    /// resume makes every one whose time has come due at once.
    func setEndpointStatus(
        tenantID: String, id: String, status: Endpoint.Status, reason: String?, now: Date
    ) async throws -> Endpoint
    /// Deletes an endpoint and cancels its pending and retrying deliveries; their records stay.
    func deleteEndpoint(tenantID: String, id: String, now: Date) async throws

    // MARK: Events

    /// Stores events and one delivery per subscribed endpoint, in one transaction.
    func publish(_ events: [NewEvent], tenantID: String, now: Date) async throws -> [PublishedEvent]
    func event(tenantID: String, id: String) async throws -> Event?
    /// Stores a test event (``NewEvent/test(endpointID:now:)``) with one delivery, to the one
    /// endpoint, whatever it subscribes to; not found when the endpoint is not the tenant's.
    func sendTestEvent(tenantID: String, endpointID: String, now: Date) async throws -> Delivery

    // MARK: Deliveries and attempts

    func deliveries(tenantID: String, filter: DeliveryFilter, page: PageRequest) async throws -> Page<Delivery>
    /// How many deliveries match a filter (for counts per state, and for `courier bench`).
    func countDeliveries(tenantID: String, filter: DeliveryFilter) async throws -> Int
    func delivery(tenantID: String, id: String) async throws -> Delivery?
    /// A delivery's attempts, oldest first.
    func attempts(tenantID: String, deliveryID: String) async throws -> [Attempt]
    /// A delivery with its attempts, oldest first, read from one snapshot: a page that shows
    /// both never shows a new attempt beside the state from before it.
    func deliveryWithAttempts(tenantID: String, id: String) async throws -> (delivery: Delivery, attempts: [Attempt])?
    /// Applies a person's action to one delivery; not found, or a conflict if its state forbids it.
    func apply(_ action: DeliveryStateMachine.Action, tenantID: String, deliveryID: String, now: Date) async throws -> Delivery
    /// Applies an action to every delivery that matches a filter and allows it, in chunks of
    /// ``BulkOperation/chunkSize``, before it returns.
    func apply(_ action: DeliveryStateMachine.Action, tenantID: String, filter: DeliveryFilter, now: Date) async throws -> BulkResult

    // MARK: Bulk operations

    /// Stores a bulk operation, `running`, with the count of what matches (read just before) as
    /// its total, and signals ``StoreSignal/operationStarted(id:)`` so that a runner takes it up
    /// at once.
    func startOperation(
        _ action: DeliveryStateMachine.Action, tenantID: String, filter: DeliveryFilter, now: Date
    ) async throws -> BulkOperation
    func operation(tenantID: String, id: String) async throws -> BulkOperation?
    /// A tenant's operations, newest first.
    func operations(tenantID: String, page: PageRequest) async throws -> Page<BulkOperation>
    /// The ids of running operations of every tenant, oldest first, for the runners.
    func runningOperations() async throws -> [String]
    /// Applies the action to the next chunk of a running operation and moves its cursor, in
    /// one transaction, one advance at a time per operation whichever node asks. Returns the
    /// operation as it now stands, or nil when there is no such operation. The runner abandons
    /// a step at shutdown and counts on it having happened whole or not at all.
    func advanceOperation(id: String, now: Date) async throws -> BulkOperation?
    /// Stops a running operation; a conflict if it has ended.
    func cancelOperation(tenantID: String, id: String, now: Date) async throws -> BulkOperation

    // MARK: Sessions (the trigger engine)

    /// A session as it stands; nil when nothing was ever done in it.
    func session(tenantID: String, uid: String) async throws -> Session?
    /// A tenant's sessions, most recently changed first (then by uid, descending), each with
    /// the counts a list shows. A session that changes while a person pages moves ahead of the
    /// cursor, to the first page. `failedOnly` reads a count kept with each session in its
    /// change's transaction, through an index of the sessions that have one, so finding what
    /// failed does not read every session.
    func sessions(tenantID: String, filter: SessionFilter, page: PageRequest) async throws -> Page<SessionSummary>
    /// Changes a session atomically: loads it (or starts an empty one), applies `change`,
    /// carries out the effects it returns (see ``Session/carryOut(_:now:endpoint:)``: a
    /// delivery of an event of type ``Session/taskEventType`` per run, the cancellation of a
    /// pending run) and saves the session, all in one transaction, so that changes from any
    /// number of requests and nodes at once apply one after the other, none lost, and no run
    /// is made twice or lost. Returns the session as saved.
    ///
    /// A task's delivery reports back the same way from ``record(_:)``: it starts, finishes
    /// or fails its instance (see ``Session/runEnded(_:_:now:)``) in the record's transaction.
    @discardableResult
    func changeSession(
        tenantID: String, uid: String, now: Date, _ change: @escaping @Sendable (inout Session) throws -> [Session.Effect]
    ) async throws -> Session

    // MARK: Messages (the message router)

    /// Stores an outbound message, one transmission per recipient, and one delivery per batch
    /// of them (per backend, in order, up to the backend endpoint's `batch.maxSize`, 200 by
    /// default), all in one transaction. A backend that names no endpoint of the tenant is an
    /// `invalid` error naming the recipient, and nothing is stored.
    func createMessage(_ message: NewMessage, tenantID: String, now: Date) async throws -> Message
    /// Stores an inbound message (`queued`) and publishes `message.received` for it, in one
    /// transaction; not found when no endpoint of the tenant is named `backend`.
    func receiveMessage(
        backend: String, identity: String, text: String, externalID: String?, tenantID: String, now: Date
    ) async throws -> Message
    /// A message with its transmissions (none for an inbound one).
    func message(tenantID: String, id: String) async throws -> (message: Message, transmissions: [Transmission])?
    /// A message with one page of its transmissions, in the recipients' order (by id), the page
    /// after `page.cursor`: a message to ten thousand recipients is read a page at a time, and
    /// the page's cost does not grow with them.
    func message(tenantID: String, id: String, transmissions page: PageRequest) async throws -> (message: Message, transmissions: Page<Transmission>)?
    func messages(tenantID: String, filter: MessageFilter, page: PageRequest) async throws -> Page<Message>
    /// How many of each message's transmissions are in each status (none for an inbound one).
    func transmissionCounts(tenantID: String, messageIDs: [String]) async throws -> [String: [TransmissionStatus: Int]]
    /// Applies a backend's delivery reports in one transaction and rolls their messages up.
    /// A backend that no endpoint of the tenant is named is not found (as for inbound messages,
    /// so that a gateway set up with the wrong name hears of it). Ids that are not the
    /// backend's transmissions in the tenant come back as `unknown`, and
    /// so do those never handed to it (still `queued`): a report on one is a gateway's mistake,
    /// and taken it would show a text delivered that was never sent.
    func applyReports(_ reports: [DeliveryReport], backend: String, tenantID: String, now: Date) async throws -> ReportsResult

    // MARK: Retention

    /// Deletes, in one transaction, what has been kept long enough among up to `limit` rows of
    /// one kind from `position` on that were made before `cutoff` (see ``RetentionStep``):
    /// - an event once none of its deliveries is active, in a batch, leased past the cut-off
    ///   or changed since it (a resend starts the wait again), with its deliveries (task runs
    ///   among them), their attempts, and the inbound message it was published for;
    /// - a batch that carried events once it has ended and carries none any more;
    /// - an outbound message once it and its deliveries have ended and none has changed since
    ///   the cut-off, with its transmissions, deliveries and attempts.
    ///
    /// Sessions are kept. An event's idempotency key goes with it. Several nodes may sweep at
    /// once: each row is deleted once, and a delivery a person resends meanwhile is kept.
    func expire(_ position: RetentionStep.Position, before cutoff: Date, limit: Int) async throws -> RetentionStep

    // MARK: Telemetry

    /// Attempts per minute and outcome since `since`, for the dashboard's chart. Attempts' ids
    /// sort by the time they were made, so this reads a range of the primary key, not the
    /// whole history (and filters on the start time, for ids made while the clock was ahead).
    func activity(tenantID: String, since: Date) async throws -> [ActivityCount]
    /// Attempts per endpoint and outcome since `since`, for the endpoints page's throughput.
    /// Reads the same range of the attempts' primary key as ``activity(tenantID:since:)``; an
    /// attempt finds its endpoint through its delivery's primary key, so the cost follows the
    /// attempts of the window, not the history.
    func endpointActivity(tenantID: String, since: Date) async throws -> [EndpointActivityCount]
    /// What is waiting, store-wide, for the metrics. Reads indexes of active deliveries only,
    /// so its cost follows the backlog, not the history.
    func backlog(now: Date) async throws -> Backlog

    // MARK: Health

    /// A failure that keeps the store from its work until someone acts (it stands until then,
    /// which is what sets it apart from passing trouble), so that `/healthz` can say so; nil
    /// while the store works. On SQLite a failed flush of the log or a deleted file,
    /// which a restart cures; on PostgreSQL a node's clock out of step with the database's,
    /// which setting the clock cures (and the node then resumes by itself). Passing trouble (a
    /// database out of reach for a while) is not one: the next call may succeed.
    var standingFailure: CourierError? { get }
}

extension Store {
    /// Nothing is beyond a retry by default: a store that can fail so reports it.
    public var standingFailure: CourierError? { nil }

    /// A claim by a caller with no answered deliveries awaiting their records.
    public func claim(endpointID: String, limit: Int, now: Date, leaseUntil: Date) async throws -> Claim {
        try await claim(endpointID: endpointID, limit: limit, now: now, leaseUntil: leaseUntil, answered: [])
    }
}

/// How many attempts ended in one outcome during one minute.
public struct ActivityCount: Sendable, Hashable {
    /// The minute's start.
    public var minute: Date
    public var outcome: Attempt.Outcome
    public var count: Int

    public init(minute: Date, outcome: Attempt.Outcome, count: Int) {
        self.minute = minute
        self.outcome = outcome
        self.count = count
    }
}

/// How many attempts to one endpoint ended in one outcome.
public struct EndpointActivityCount: Sendable, Hashable {
    public var endpointID: String
    public var outcome: Attempt.Outcome
    public var count: Int

    public init(endpointID: String, outcome: Attempt.Outcome, count: Int) {
        self.endpointID = endpointID
        self.outcome = outcome
        self.count = count
    }
}

/// Counts of waiting work, for gauges (see ``BacklogMetrics``).
public struct Backlog: Sendable, Hashable {
    public struct Count: Sendable, Hashable {
        public var tenantID: String
        /// A delivery state, an endpoint id, or an endpoint condition, depending on the list.
        public var key: String
        public var count: Int

        public init(tenantID: String, key: String, count: Int) {
            self.tenantID = tenantID
            self.key = key
            self.count = count
        }
    }

    /// Pending and retrying deliveries per tenant, by state.
    public var byState: [Count]
    /// Pending and retrying deliveries per endpoint.
    public var byEndpoint: [Count]
    /// Endpoints per tenant by condition: `active`, `coolingDown`, `paused`, `disabled`.
    public var endpoints: [Count]

    public init(byState: [Count], byEndpoint: [Count], endpoints: [Count]) {
        self.byState = byState
        self.byEndpoint = byEndpoint
        self.endpoints = endpoints
    }

    /// Endpoints counted per tenant and condition: `coolingDown` is an active endpoint
    /// whose cool-down has not ended; the rest go by their status.
    public static func conditions(
        of endpoints: [(id: String, tenant: String, status: Endpoint.Status, cooldownUntil: Date?)], now: Date
    ) -> [Count] {
        var counts: [String: [String: Int]] = [:]
        for endpoint in endpoints {
            let condition = endpoint.status == .active && (endpoint.cooldownUntil.map { $0 > now } ?? false)
                ? "coolingDown" : endpoint.status.rawValue
            counts[endpoint.tenant, default: [:]][condition, default: 0] += 1
        }
        return counts.keys.sorted().flatMap { tenant in
            (counts[tenant] ?? [:]).keys.sorted().map { Count(tenantID: tenant, key: $0, count: counts[tenant]?[$0] ?? 0) }
        }
    }
}

/// Which messages a list covers. Every field narrows; none means all.
public struct MessageFilter: Sendable, Hashable {
    public var direction: Message.Direction?
    public var status: MessageStatus?
    /// Inbound through this backend, or outbound with a transmission through it.
    public var backend: String?
    /// Messages created at or after this time.
    public var since: Date?

    public init(direction: Message.Direction? = nil, status: MessageStatus? = nil, backend: String? = nil, since: Date? = nil) {
        self.direction = direction
        self.status = status
        self.backend = backend
        self.since = since
    }
}

/// A backend's word on one transmission.
public struct DeliveryReport: Sendable, Hashable {
    public var transmissionID: String
    /// Delivered to the person, or failed for good.
    public var delivered: Bool

    public init(transmissionID: String, delivered: Bool) {
        self.transmissionID = transmissionID
        self.delivered = delivered
    }
}

public struct ReportsResult: Sendable, Hashable {
    public var updated: Int
    /// The ids that are not the backend's transmissions, or not yet sent to it, in the order given.
    public var unknown: [String]

    public init(updated: Int, unknown: [String]) {
        self.updated = updated
        self.unknown = unknown
    }
}

/// One page of a list, newest first, with the cursor for the next page.
public struct Page<Element: Sendable>: Sendable {
    public var items: [Element]
    public var nextCursor: String?

    public init(items: [Element], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

public struct PageRequest: Sendable, Hashable {
    public static let maximumLimit = 500
    public var limit: Int
    /// The id of the last item of the previous page; the page holds older items.
    public var cursor: String?

    public init(limit: Int = 50, cursor: String? = nil) {
        self.limit = min(max(limit, 1), Self.maximumLimit)
        self.cursor = cursor
    }
}

/// Which deliveries a list or a bulk action covers. Every field narrows; none means all.
public struct DeliveryFilter: Sendable, Hashable {
    public var endpointID: String?
    public var state: DeliveryState?
    public var eventID: String?
    /// The events' deliveries a batch carried.
    public var batchID: String?
    /// Deliveries created at or after this time.
    public var since: Date?
    /// Deliveries created before this time.
    public var until: Date?
    /// Deliveries of events of this type, or with this key.
    public var eventType: String?
    public var eventKey: String?

    public init(
        endpointID: String? = nil, state: DeliveryState? = nil, eventID: String? = nil, batchID: String? = nil,
        since: Date? = nil, until: Date? = nil, eventType: String? = nil, eventKey: String? = nil
    ) {
        self.endpointID = endpointID
        self.state = state
        self.eventID = eventID
        self.batchID = batchID
        self.since = since
        self.until = until
        self.eventType = eventType
        self.eventKey = eventKey
    }

    /// A value a condition compares with.
    public enum Value: Sendable, Hashable {
        case text(String)
        case integer(Int64)
    }

    /// The filter as conditions on `deliveries` for a tenant, each with a `?` per value, in
    /// order: both stores build their WHERE clause from these, with their own placeholders.
    public func conditions(tenantID: String) -> [(sql: String, values: [Value])] {
        var conditions: [(sql: String, values: [Value])] = [("tenant_id = ?", [.text(tenantID)])]
        if let endpointID { conditions.append(("endpoint_id = ?", [.text(endpointID)])) }
        if let state { conditions.append(("state = ?", [.integer(Int64(state.storageCode))])) }
        if let eventID { conditions.append(("event_id = ?", [.text(eventID)])) }
        if let batchID { conditions.append(("batch_id = ?", [.text(batchID)])) }
        if let since { conditions.append(("created_at >= ?", [.integer(Timestamp.millis(since))])) }
        if let until { conditions.append(("created_at < ?", [.integer(Timestamp.millis(until))])) }
        if let eventType {
            conditions.append(("event_id IN (SELECT id FROM events WHERE tenant_id = ? AND type = ?)", [.text(tenantID), .text(eventType)]))
        }
        if let eventKey {
            conditions.append(("event_id IN (SELECT id FROM events WHERE tenant_id = ? AND key = ?)", [.text(tenantID), .text(eventKey)]))
        }
        return conditions
    }
}

public struct BulkResult: Sendable, Hashable {
    /// Deliveries the filter matched.
    public var matched: Int
    /// Those the action applied to (the rest were in a state it does not apply to).
    public var changed: Int

    public init(matched: Int, changed: Int) {
        self.matched = matched
        self.changed = changed
    }
}

/// An endpoint with work waiting, and when the earliest of it is due.
public struct DueWork: Sendable, Hashable {
    public var endpointID: String
    public var dueAt: Date

    public init(endpointID: String, dueAt: Date) {
        self.endpointID = endpointID
        self.dueAt = dueAt
    }
}

/// What a claim handed to a worker.
public struct Claim: Sendable {
    /// The endpoint as it is now; nil when it is gone or no longer active (nothing was claimed).
    public var endpoint: Endpoint?
    public var deliveries: [ClaimedDelivery]
    /// When the endpoint's next unclaimed delivery is due, if it has one. Never later than that,
    /// but it may be earlier: a claim that took all it was allowed may say "now" without
    /// looking (PostgreSQL's does), at the cost of one claim that finds nothing.
    public var nextDueAt: Date?
    /// The endpoint's rate limit lets no request go before this. Unlike a due time, nothing but
    /// a change of the endpoint brings it sooner, so the engine claims nothing from it until
    /// then, whatever is published meanwhile.
    public var rateLimitedUntil: Date?

    /// `nextDueAt` is put off to `rateLimitedUntil` when that is later.
    public init(endpoint: Endpoint?, deliveries: [ClaimedDelivery], nextDueAt: Date?, rateLimitedUntil: Date? = nil) {
        self.endpoint = endpoint
        self.deliveries = deliveries
        self.nextDueAt = nextDueAt.map { due in rateLimitedUntil.map { max($0, due) } ?? due }
        self.rateLimitedUntil = rateLimitedUntil
    }
}

/// A delivery a worker holds a lease on, with what it needs to send it.
public struct ClaimedDelivery: Sendable {
    /// What one request carries.
    public enum Content: Sendable {
        case event(Event)
        /// The events a batch carries, oldest first.
        case batch([Event])
        /// A batch as a claim hands it over: its events are read with
        /// ``Store/batchEvents(batchID:)`` just before it is sent, outside the claim's transaction.
        case unreadBatch
        /// A task instance's run (an event of type ``Session/taskEventType``).
        case task(Event, TaskRef)
        /// Transmissions of an outbound message to its backend.
        case message(MessageBatch)
    }

    public var deliveryID: String
    public var tenantID: String
    public var content: Content
    public var progress: DeliveryStateMachine.Progress
    /// The fencing token of this claim; the record of the attempt must carry it.
    public var leaseToken: Int64
    /// When it was due, for the engine's claim-lag metric.
    public var dueAt: Date?

    public init(
        deliveryID: String, tenantID: String, content: Content, progress: DeliveryStateMachine.Progress, leaseToken: Int64,
        dueAt: Date? = nil
    ) {
        self.dueAt = dueAt
        self.deliveryID = deliveryID
        self.tenantID = tenantID
        self.content = content
        self.progress = progress
        self.leaseToken = leaseToken
    }

    public init(deliveryID: String, tenantID: String, event: Event, progress: DeliveryStateMachine.Progress, leaseToken: Int64) {
        self.init(deliveryID: deliveryID, tenantID: tenantID, content: .event(event), progress: progress, leaseToken: leaseToken)
    }

    public var isBatch: Bool {
        switch content {
        case .batch, .unreadBatch: true
        case .event, .task, .message: false
        }
    }

    /// The events this request carries (none for a batch not read yet).
    public var events: [Event] {
        switch content {
        case .event(let event), .task(let event, _): [event]
        case .batch(let events): events
        case .unreadBatch, .message: []
        }
    }

    /// The instance this delivery runs, if it is a task's.
    public var task: TaskRef? {
        if case .task(_, let ref) = content { ref } else { nil }
    }

    public var lease: Lease { Lease(deliveryID: deliveryID, token: leaseToken) }
}

public struct Lease: Sendable, Hashable {
    public var deliveryID: String
    public var token: Int64

    public init(deliveryID: String, token: Int64) {
        self.deliveryID = deliveryID
        self.token = token
    }

    /// How long a lease lasts for requests that may take `requestTimeout`: twice that (an OAuth
    /// endpoint's request may be repeated once with a fresh token within its attempt) and 30 s
    /// for the claim, the token's fetches (10 s each at most) and the record. A shorter lease
    /// would let another node take a delivery whose request is still under way, and send it a
    /// second time.
    public static func duration(covering requestTimeout: TimeInterval) -> TimeInterval {
        2 * requestTimeout + 30
    }
}

/// The outcome of one attempt, for the store to keep.
public struct AttemptRecord: Sendable {
    public var endpointID: String
    public var lease: Lease
    public var attempt: Attempt
    public var transition: DeliveryStateMachine.Transition
    /// For a batch: what becomes of the events it carried.
    public var batch: BatchOutcome?
    /// For a task's run: the instance it runs, and the result when the attempt succeeded.
    public var task: TaskRef?
    public var taskResult: JSONObject?
    /// For a batch of transmissions or an inbound message's delivery: what becomes of them.
    public var message: MessageOutcome?

    public init(
        endpointID: String, lease: Lease, attempt: Attempt, transition: DeliveryStateMachine.Transition,
        batch: BatchOutcome? = nil, task: TaskRef? = nil, taskResult: JSONObject? = nil, message: MessageOutcome? = nil
    ) {
        self.message = message
        self.endpointID = endpointID
        self.lease = lease
        self.attempt = attempt
        self.transition = transition
        self.batch = batch
        self.task = task
        self.taskResult = taskResult
    }

    /// What the attempt says of the endpoint's health. A backend that took a batch of texts and
    /// listed some recipients as failed answered, as a receiver that refuses one event does:
    /// its failed recipients are retried, but it is not failing (a gateway that routinely
    /// rejects a bad number would otherwise cool down and hold back every other message).
    public var healthOutcome: Attempt.Outcome {
        if case .batch(_, accepted: true, _)? = message { return .succeeded }
        return attempt.outcome
    }

    /// What the attempt means for the instance it runs, if any: decided by the transition the
    /// store applies, so the instance and its delivery never disagree.
    public var runOutcome: Session.RunOutcome? {
        guard task != nil else { return nil }
        if transition.state.isActive { return .started }
        if transition.state == .succeeded { return .finished(taskResult ?? JSONObject()) }
        return .failed(attempt.summary)
    }
}

/// A change the engine should react to.
public enum StoreSignal: Sendable, Hashable {
    /// Work for the endpoint is due at the given time (now, for a publish).
    case due(endpointID: String, at: Date)
    /// The endpoint was paused, resumed, disabled, edited or deleted.
    case endpointChanged(endpointID: String)
    /// A bulk operation was started (see ``BulkOperationRunner``).
    case operationStarted(id: String)
}
