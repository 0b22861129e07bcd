import Foundation

/// The objects both stores read, from the columns both select, in the order listed here: each
/// reader below takes its columns by position.
extension StoredForm {
    public static let endpointColumns = """
        id, tenant_id, name, description, url, method, event_types, secret, headers, retry, max_in_flight,
        status, status_reason, created_at, updated_at, batch, previous_secret, previous_secret_expires_at, status_overrides,
        ordered, failure_streak, cooldown_level, cooldown_until, last_success_at, failing_since, format, auth, rate_limit,
        timeout_seconds
        """
    /// How many columns ``endpointColumns`` names: a query that selects more after them reads
    /// those from here on.
    public static let endpointColumnCount = 29
    public static let eventColumns = "id, tenant_id, type, key, payload, occurred_at, idempotency_key, created_at"
    public static let deliveryColumns = """
        id, tenant_id, event_id, endpoint_id, state, attempt_count, next_attempt_at, last_attempt_at, last_status,
        last_error, created_at, updated_at, budget_base, budget_first_at, single_shot, batch_id, session_uid, instance, message_id,
        lease_until
        """
    public static let messageColumns = """
        id, tenant_id, direction, text, backend, identity, external_id, in_response_to, status, created_at, updated_at,
        sent_at, delivered_at
        """
    public static let transmissionColumns = """
        id, message_id, tenant_id, backend, endpoint_id, identity, status, delivery_id, error, created_at, updated_at,
        sent_at, delivered_at
        """
    public static let operationColumns = """
        id, tenant_id, action, filter, status, total, matched, changed, cursor, created_at, updated_at, finished_at
        """
    public static let attemptColumns = """
        id, delivery_id, tenant_id, started_at, duration_ms, request, response_status, response_headers,
        response_body, response_truncated, error, outcome
        """
    /// What a claim's `UPDATE … RETURNING` gives back of each delivery it leases (``LeasedRow``).
    public static let leasedColumns = """
        id, tenant_id, event_id, state, attempt_count, last_attempt_at, budget_base, budget_first_at,
        single_shot, lease_token, session_uid, instance, message_id, next_attempt_at
        """

    /// An open batch, as a publish looks it up (``OpenBatches``).
    public static let openBatchColumns = "id, endpoint_id, tenant_id, members, created_at, due_at"

    public static func openBatch(_ row: some StoredRow) throws -> OpenBatches.Batch {
        OpenBatches.Batch(
            id: try row.text(0), endpointID: try row.text(1), tenantID: try row.text(2), members: Int(try row.int(3)),
            openedAt: Timestamp.date(millis: try row.int(4)), dueAt: try row.optionalInt(5).map(Timestamp.date)
        )
    }

    public static func endpoint(_ row: some StoredRow) throws -> Endpoint {
        Endpoint(
            id: try row.text(0), tenantID: try row.text(1), name: try row.optionalText(2), description: try row.optionalText(3),
            url: try row.text(4), method: Endpoint.Method(rawValue: try row.text(5)) ?? .post,
            eventTypes: try eventTypes(from: try row.text(6)), secret: try row.text(7),
            headers: try headers(from: try row.text(8)), retry: try retry(from: try row.text(9)),
            batch: try batch(from: try row.optionalText(15)),
            statusOverrides: try statusOverrides(from: try row.optionalText(18)), ordered: try row.int(19) != 0,
            format: try format(from: try row.optionalText(25)), auth: try auth(from: try row.optionalText(26)),
            maxInFlight: Int(try row.int(10)), rateLimit: try rateLimit(from: try row.optionalText(27)),
            timeoutSeconds: try row.optionalInt(28).map { Int($0) },
            status: Endpoint.Status(rawValue: try row.text(11)) ?? .active,
            statusReason: try row.optionalText(12), createdAt: Timestamp.date(millis: try row.int(13)),
            updatedAt: Timestamp.date(millis: try row.int(14)),
            previousSecret: try row.optionalText(16), previousSecretExpiresAt: try row.optionalInt(17).map(Timestamp.date),
            health: try health(row, from: 20)
        )
    }

    /// The five health columns from `column` on.
    public static func health(_ row: some StoredRow, from column: Int) throws -> EndpointHealth {
        EndpointHealth(
            failureStreak: Int(try row.int(column)), cooldownLevel: Int(try row.int(column + 1)),
            cooldownUntil: try row.optionalInt(column + 2).map(Timestamp.date),
            lastSuccessAt: try row.optionalInt(column + 3).map(Timestamp.date),
            failingSince: try row.optionalInt(column + 4).map(Timestamp.date)
        )
    }

    public static func event(_ row: some StoredRow) throws -> Event {
        Event(
            id: try row.text(0), tenantID: try row.text(1), type: try row.text(2), key: try row.optionalText(3),
            payload: try row.bytes(4), occurredAt: Timestamp.date(millis: try row.int(5)),
            idempotencyKey: try row.optionalText(6), createdAt: Timestamp.date(millis: try row.int(7))
        )
    }

    public static func delivery(_ row: some StoredRow) throws -> Delivery {
        Delivery(
            id: try row.text(0), tenantID: try row.text(1), eventID: try row.optionalText(2), batchID: try row.optionalText(15),
            endpointID: try row.text(3),
            state: DeliveryState(storageCode: Int(try row.int(4))) ?? .pending, attemptCount: Int(try row.int(5)),
            nextAttemptAt: try row.optionalInt(6).map(Timestamp.date), lastAttemptAt: try row.optionalInt(7).map(Timestamp.date),
            lastStatus: try row.optionalInt(8).map { Int($0) }, lastError: try row.optionalText(9),
            createdAt: Timestamp.date(millis: try row.int(10)), updatedAt: Timestamp.date(millis: try row.int(11)),
            budget: RetryBudget(
                base: Int(try row.int(12)), firstAttemptAt: try row.optionalInt(13).map(Timestamp.date),
                singleShot: try row.int(14) != 0
            ),
            task: try row.optionalText(16).map { TaskRef(session: $0, instance: try row.optionalText(17) ?? "") },
            messageID: try row.optionalText(18), leasedUntil: try row.optionalInt(19).map(Timestamp.date)
        )
    }

    public static func attempt(_ row: some StoredRow) throws -> Attempt {
        Attempt(
            id: try row.text(0), deliveryID: try row.text(1), tenantID: try row.text(2),
            startedAt: Timestamp.date(millis: try row.int(3)), duration: try row.double(4) / 1000,
            request: try row.text(5), responseStatus: try row.optionalInt(6).map { Int($0) },
            responseHeaders: responseHeaders(from: try row.optionalText(7)),
            responseBody: try row.optionalText(8), responseBodyTruncated: try row.int(9) != 0, error: try row.optionalText(10),
            outcome: Attempt.Outcome(rawValue: try row.text(11)) ?? .failed
        )
    }

    public static func message(_ row: some StoredRow) throws -> Message {
        Message(
            id: try row.text(0), tenantID: try row.text(1), direction: Message.Direction(rawValue: try row.text(2)) ?? .outbound,
            text: try row.text(3), backend: try row.optionalText(4), identity: try row.optionalText(5),
            externalID: try row.optionalText(6), inResponseTo: try row.optionalText(7),
            status: MessageStatus(rawValue: try row.text(8)) ?? .queued, createdAt: Timestamp.date(millis: try row.int(9)),
            updatedAt: Timestamp.date(millis: try row.int(10)), sentAt: try row.optionalInt(11).map(Timestamp.date),
            deliveredAt: try row.optionalInt(12).map(Timestamp.date)
        )
    }

    public static func transmission(_ row: some StoredRow) throws -> Transmission {
        Transmission(
            id: try row.text(0), messageID: try row.text(1), tenantID: try row.text(2), backend: try row.text(3),
            endpointID: try row.text(4), identity: try row.text(5),
            status: TransmissionStatus(storageCode: Int(try row.int(6))) ?? .queued, deliveryID: try row.optionalText(7),
            error: try row.optionalText(8), createdAt: Timestamp.date(millis: try row.int(9)),
            updatedAt: Timestamp.date(millis: try row.int(10)), sentAt: try row.optionalInt(11).map(Timestamp.date),
            deliveredAt: try row.optionalInt(12).map(Timestamp.date)
        )
    }

    public static func operation(_ row: some StoredRow) throws -> BulkOperation {
        BulkOperation(
            id: try row.text(0), tenantID: try row.text(1), action: DeliveryStateMachine.Action(rawValue: try row.text(2)) ?? .requeue,
            filter: try filter(from: try row.text(3)), status: BulkOperation.Status(rawValue: try row.text(4)) ?? .finished,
            total: Int(try row.int(5)), matched: Int(try row.int(6)), changed: Int(try row.int(7)), cursor: try row.optionalText(8),
            createdAt: Timestamp.date(millis: try row.int(9)), updatedAt: Timestamp.date(millis: try row.int(10)),
            finishedAt: try row.optionalInt(11).map(Timestamp.date)
        )
    }

    /// A delivery a claim has just leased, as its `UPDATE … RETURNING` gave it back
    /// (``leasedColumns``).
    public struct LeasedRow: Sendable {
        public var id: String
        public var tenantID: String
        public var eventID: String?
        public var progress: DeliveryStateMachine.Progress
        public var token: Int64
        public var task: TaskRef?
        public var messageID: String?
        public var dueAt: Date?

        public init(_ row: some StoredRow) throws {
            id = try row.text(0)
            tenantID = try row.text(1)
            eventID = try row.optionalText(2)
            progress = DeliveryStateMachine.Progress(
                state: DeliveryState(storageCode: Int(try row.int(3))) ?? .pending, attemptCount: Int(try row.int(4)),
                lastAttemptAt: try row.optionalInt(5).map(Timestamp.date),
                budget: RetryBudget(
                    base: Int(try row.int(6)), firstAttemptAt: try row.optionalInt(7).map(Timestamp.date),
                    singleShot: try row.int(8) != 0
                )
            )
            token = try row.int(9)
            let session = try row.optionalText(10)
            let instance = try row.optionalText(11)
            task = session.map { TaskRef(session: $0, instance: instance ?? "") }
            messageID = try row.optionalText(12)
            dueAt = try row.optionalInt(13).map(Timestamp.date)
        }

        /// The event whose body the claim reads for it: none for a batch, whose events are read
        /// when it is sent, nor for a message's delivery, which carries transmissions.
        public var eventToRead: String? { messageID == nil ? eventID : nil }

        /// What it carries, once the claim has read the events: nil when its event is gone, and
        /// for a message's delivery, whose transmissions each store claims itself.
        public func content(events: [String: Event]) -> ClaimedDelivery.Content? {
            guard messageID == nil else { return nil }
            guard let eventID else { return .unreadBatch }
            guard let event = events[eventID] else { return nil }
            return task.map { .task(event, $0) } ?? .event(event)
        }

        public func claimed(_ content: ClaimedDelivery.Content) -> ClaimedDelivery {
            ClaimedDelivery(deliveryID: id, tenantID: tenantID, content: content, progress: progress, leaseToken: token, dueAt: dueAt)
        }
    }
}
