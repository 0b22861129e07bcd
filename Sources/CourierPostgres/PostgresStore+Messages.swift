import Courier
import Foundation
import PostgresNIO

/// The message router's part of the PostgreSQL store: messages, their transmissions, and the
/// deliveries that carry them in batches.
extension PostgresStore {

    public func createMessage(_ message: NewMessage, tenantID: String, now: Date) async throws -> Message {
        try await transaction { connection in
            try await Self.insertMessage(message, tenantID: tenantID, now: now, connection: connection)
        }
    }

    /// Stores an outbound message with its transmissions (in one statement per batch) and a
    /// delivery per batch, in the caller's transaction.
    static func insertMessage(_ new: NewMessage, tenantID: String, now: Date, connection: PostgresConnection) async throws -> Message {
        var backends: [String: Endpoint] = [:]
        for (index, recipient) in new.to.enumerated() where backends[recipient.backend] == nil {
            // Key-share, as a publish locks its endpoints: deleting the backend waits for this.
            guard let endpoint = try await connection.first(
                "SELECT \(StoredForm.endpointColumns) FROM endpoints WHERE tenant_id = $1 AND name = $2 AND deleted_at IS NULL FOR KEY SHARE",
                [.text(tenantID), .text(recipient.backend)], StoredForm.endpoint
            ) else {
                throw CourierError.invalid(
                    "to[\(index)].backend: no endpoint is named \(recipient.backend)", field: "to[\(index)].backend", code: "unknown_backend"
                )
            }
            backends[recipient.backend] = endpoint
        }
        if let answered = new.inResponseTo, try await connection.first(
            "SELECT 1 FROM messages WHERE id = $1 AND tenant_id = $2", [.text(answered), .text(tenantID)], { _ in true }
        ) == nil {
            throw NewMessage.unknownMessage(answered)
        }
        let millis = Timestamp.millis(now)
        let message = Message(
            id: Identifier.make("msg", now: now), tenantID: tenantID, direction: .outbound, text: new.text,
            externalID: new.externalID, inResponseTo: new.inResponseTo, status: .queued, createdAt: now, updatedAt: now
        )
        try await connection.run(
            """
            INSERT INTO messages (id, tenant_id, direction, text, external_id, in_response_to, status, created_at, updated_at)
            VALUES ($1, $2, 'out', $3, $4, $5, $6, $7, $7)
            """,
            [.text(message.id), .text(tenantID), .text(new.text), .text(new.externalID), .text(new.inResponseTo),
             .text(MessageStatus.queued.rawValue), .integer(millis)]
        )
        var due: Set<String> = []
        for batch in new.batches(size: { backends[$0]?.batch?.maxSize ?? Message.defaultBatchSize }) {
            guard let endpoint = backends[batch.backend] else { continue }
            let deliveryID = Identifier.make("dlv", now: now)
            try await connection.run(
                """
                INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, state, next_attempt_at, due_at, created_at, updated_at,
                    message_id)
                VALUES ($1, $2, NULL, $3, 0, $4, $5, $4, $4, $6)
                """,
                [.text(deliveryID), .text(tenantID), .text(endpoint.id), .integer(millis), .integer(millis),
                 .text(message.id)]
            )
            let ids = batch.identities.map { _ in Identifier.make("trm", now: now) }
            try await connection.run(
                """
                INSERT INTO transmissions (id, message_id, tenant_id, backend, endpoint_id, identity, status, delivery_id,
                    created_at, updated_at)
                SELECT t.id, $2, $3, $4, $5, t.identity, 0, $6, $7, $7 FROM unnest($1::text[], $8::text[]) AS t(id, identity)
                """,
                [.texts(ids), .text(message.id), .text(tenantID), .text(batch.backend), .text(endpoint.id), .text(deliveryID),
                 .integer(millis), .texts(batch.identities)]
            )
            if endpoint.status == .active { due.insert(endpoint.id) }
        }
        for endpointID in due { try await notify(connection, .due(endpointID: endpointID, at: now)) }
        return message
    }

    /// Inbound messages and delivery reports come through a backend by name; one that no live
    /// endpoint of the tenant is named is not found, so a gateway set up wrongly hears of it.
    /// The id of the endpoint named `backend`.
    @discardableResult
    static func requireBackend(_ backend: String, tenantID: String, connection: PostgresConnection) async throws -> String {
        guard let id = try await connection.first(
            "SELECT id FROM endpoints WHERE tenant_id = $1 AND name = $2 AND deleted_at IS NULL", [.text(tenantID), .text(backend)],
            { try $0.text(0) }
        ) else {
            throw CourierError.notFound("backend")
        }
        return id
    }

    public func receiveMessage(
        backend: String, identity: String, text: String, externalID: String?, tenantID: String, now: Date
    ) async throws -> Message {
        try await transaction { connection in
            try await Self.requireBackend(backend, tenantID: tenantID, connection: connection)
            let id = Identifier.make("msg", now: now)
            let millis = Timestamp.millis(now)
            let event = try Message.receivedEvent(id: id, backend: backend, identity: identity, text: text, externalID: externalID)
            let published = try await Self.publish([event], tenantID: tenantID, now: now, connection: connection)
            // With nobody subscribed there is nothing to wait for.
            let status: MessageStatus = published.first?.deliveries == 0 ? .received : .queued
            try await connection.run(
                """
                INSERT INTO messages (id, tenant_id, direction, text, backend, identity, external_id, status, created_at, updated_at)
                VALUES ($1, $2, 'in', $3, $4, $5, $6, $7, $8, $8)
                """,
                [.text(id), .text(tenantID), .text(text), .text(backend), .text(identity), .text(externalID),
                 .text(status.rawValue), .integer(millis)]
            )
            return Message(
                id: id, tenantID: tenantID, direction: .inbound, text: text, backend: backend, identity: identity,
                externalID: externalID, status: status, createdAt: now, updatedAt: now
            )
        }
    }

    private static func message(_ connection: PostgresConnection, tenantID: String, id: String) async throws -> Message? {
        try await connection.first(
            "SELECT \(StoredForm.messageColumns) FROM messages WHERE id = $1 AND tenant_id = $2", [.text(id), .text(tenantID)], StoredForm.message
        )
    }

    public func message(tenantID: String, id: String) async throws -> (message: Message, transmissions: [Transmission])? {
        try await wrap { connection in
            guard let message = try await Self.message(connection, tenantID: tenantID, id: id) else { return nil }
            let transmissions = try await connection.rows(
                "SELECT \(StoredForm.transmissionColumns) FROM transmissions WHERE message_id = $1 ORDER BY id", [.text(id)],
                StoredForm.transmission
            )
            return (message, transmissions)
        }
    }

    public func message(
        tenantID: String, id: String, transmissions page: PageRequest
    ) async throws -> (message: Message, transmissions: Page<Transmission>)? {
        try await wrap { connection in
            guard let message = try await Self.message(connection, tenantID: tenantID, id: id) else { return nil }
            let transmissions = try await connection.rows(
                "SELECT \(StoredForm.transmissionColumns) FROM transmissions WHERE message_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                [.text(id), .text(page.cursor ?? ""), .integer(Int64(page.limit + 1))], StoredForm.transmission
            )
            return (message, Page(fetched: transmissions, limit: page.limit, id: \.id))
        }
    }

    public func messages(tenantID: String, filter: MessageFilter, page: PageRequest) async throws -> Page<Message> {
        try await wrap { connection in
            var conditions = ["tenant_id = $1"]
            var values: [PGValue] = [.text(tenantID)]
            func add(_ condition: (String) -> String, _ value: PGValue) {
                values.append(value)
                conditions.append(condition("$\(values.count)"))
            }
            if let direction = filter.direction { add({ "direction = \($0)" }, .text(direction.rawValue)) }
            if let status = filter.status { add({ "status = \($0)" }, .text(status.rawValue)) }
            if let backend = filter.backend {
                add({ "(backend = \($0) OR id IN (SELECT message_id FROM transmissions WHERE backend = \($0) AND tenant_id = $1))" }, .text(backend))
            }
            if let since = filter.since { add({ "created_at >= \($0)" }, .integer(Timestamp.millis(since))) }
            if let cursor = page.cursor { add({ "id < \($0)" }, .text(cursor)) }
            values.append(.integer(Int64(page.limit + 1)))
            let rows = try await connection.rows(
                """
                SELECT \(StoredForm.messageColumns) FROM messages WHERE \(conditions.joined(separator: " AND "))
                ORDER BY id DESC LIMIT $\(values.count)
                """,
                values, StoredForm.message
            )
            return Page(fetched: rows, limit: page.limit, id: \.id)
        }
    }

    public func transmissionCounts(tenantID: String, messageIDs: [String]) async throws -> [String: [TransmissionStatus: Int]] {
        guard !messageIDs.isEmpty else { return [:] }
        return try await wrap { connection in
            let rows = try await connection.rows(
                """
                SELECT message_id, status, COUNT(*) FROM transmissions
                WHERE message_id = ANY($1::text[]) AND tenant_id = $2 GROUP BY message_id, status
                """,
                [.texts(messageIDs), .text(tenantID)]
            ) { (id: try $0.text(0), status: TransmissionStatus(storageCode: Int(try $0.int(1))) ?? .queued, count: Int(try $0.int(2))) }
            var counts: [String: [TransmissionStatus: Int]] = [:]
            for row in rows { counts[row.id, default: [:]][row.status, default: 0] += row.count }
            return counts
        }
    }

    public func applyReports(_ reports: [DeliveryReport], backend: String, tenantID: String, now: Date) async throws -> ReportsResult {
        try await transaction { connection in
            // By the endpoint, not its name: a renamed backend goes on reporting, and a new one
            // given an old one's name reports nothing of what the old one was sent.
            let endpointID = try await Self.requireBackend(backend, tenantID: tenantID, connection: connection)
            let millis = Timestamp.millis(now)
            var messages = Set<String>()
            var known = Set<String>()
            // One statement per kind of report, whatever their number.
            for delivered in [true, false] {
                let ids = reports.filter { $0.delivered == delivered }.map(\.transmissionID)
                guard !ids.isEmpty else { continue }
                let updated = try await connection.rows(
                    delivered
                        ? """
                          UPDATE transmissions SET status = 3, delivered_at = COALESCE(delivered_at, $1), sent_at = COALESCE(sent_at, $1),
                              error = NULL, updated_at = $1
                          WHERE id = ANY($2::text[]) AND tenant_id = $3 AND endpoint_id = $4 AND status <> 0 AND COALESCE(error, '') NOT IN ('its batch was cancelled', 'its backend was deleted') RETURNING id, message_id
                          """
                        : """
                          UPDATE transmissions SET status = CASE WHEN status = 3 THEN 3 ELSE 4 END,
                              error = CASE WHEN status = 3 THEN error ELSE 'the backend reported it failed' END,
                              sent_at = COALESCE(sent_at, $1), updated_at = $1
                          WHERE id = ANY($2::text[]) AND tenant_id = $3 AND endpoint_id = $4 AND status <> 0 AND COALESCE(error, '') NOT IN ('its batch was cancelled', 'its backend was deleted') RETURNING id, message_id
                          """,
                    [.integer(millis), .texts(ids), .text(tenantID), .text(endpointID)]
                ) { (id: try $0.text(0), message: try $0.text(1)) }
                for row in updated {
                    known.insert(row.id)
                    messages.insert(row.message)
                }
            }
            for message in messages.sorted() { try await Self.rollUp(message, connection: connection, now: now) }
            // A transmission reported twice counts once; `delivered` is final, so a `failed` for
            // one delivered (gateways' reports come out of order) leaves it.
            var unknown: [String] = []
            for id in reports.map(\.transmissionID) where !known.contains(id) && !unknown.contains(id) { unknown.append(id) }
            return ReportsResult(updated: known.count, unknown: unknown)
        }
    }

    /// Sets an outbound message's status from its transmissions', with the times it was
    /// first all sent and all delivered.
    static func rollUp(_ messageID: String, connection: PostgresConnection, now: Date) async throws {
        let statuses = try await connection.rows(
            "SELECT DISTINCT status FROM transmissions WHERE message_id = $1", [.text(messageID)]
        ) { TransmissionStatus(storageCode: Int(try $0.int(0))) ?? .queued }
        let status = MessageStatus.rollUp(statuses)
        try await connection.run(
            """
            UPDATE messages SET status = $1, updated_at = $2,
                sent_at = CASE WHEN $1 IN ('sent', 'delivered') THEN COALESCE(sent_at, $2) ELSE sent_at END,
                delivered_at = CASE WHEN $1 = 'delivered' THEN COALESCE(delivered_at, $2) ELSE delivered_at END
            WHERE id = $3 AND status <> $1
            """,
            [.text(status.rawValue), .integer(Timestamp.millis(now)), .text(messageID)]
        )
    }

    /// A claimed batch of transmissions: those of the delivery not yet sent, now `processing`;
    /// nil when none is left to send. An errored transmission goes again only if it was never
    /// sent: one the backend took and later reported failed has a `sent_at`, and sending it
    /// again would give its recipient the text twice.
    static func claimTransmissions(
        deliveryID: String, messageID: String, connection: PostgresConnection, now: Date
    ) async throws -> MessageBatch? {
        let items = try await connection.rows(
            "UPDATE transmissions SET status = 1, updated_at = $1 WHERE delivery_id = $2 AND (status IN (0, 1) OR (status = 4 AND sent_at IS NULL)) RETURNING id, identity",
            [.integer(Timestamp.millis(now)), .text(deliveryID)]
        ) { MessageBatch.Item(transmissionID: try $0.text(0), identity: try $0.text(1)) }
        guard !items.isEmpty, let text = try await connection.first(
            "SELECT text FROM messages WHERE id = $1", [.text(messageID)], { try $0.text(0) }
        ) else { return nil }
        // What the request's webhook-id follows (see MessageBatch.webhookID).
        let all = try await connection.rows("SELECT id, listed_failed FROM transmissions WHERE delivery_id = $1", [.text(deliveryID)]) {
            (id: try $0.text(0), listed: Int(try $0.int(1)))
        }
        try await rollUp(messageID, connection: connection, now: now)
        return MessageBatch(
            messageID: messageID, text: text, items: items.sorted { $0.transmissionID < $1.transmissionID },
            deliveryTransmissionIDs: all.map(\.id).sorted(), listedFailed: all.reduce(0) { $0 + $1.listed }
        )
    }

    /// Applies an attempt's outcome to messages, in the record's transaction: a batch's
    /// transmissions are sent or errored; an inbound message is received (its replies sent
    /// as new messages) or errored.
    static func settleMessages(
        _ outcome: MessageOutcome, record: AttemptRecord, tenantID: String, connection: PostgresConnection, now: Date
    ) async throws {
        let millis = Timestamp.millis(now)
        switch outcome {
        case .batch(let messageID, let accepted, let failed):
            let deliveryID = record.attempt.deliveryID
            if accepted {
                if !failed.isEmpty {
                    try await connection.run(
                        """
                        UPDATE transmissions SET status = 4, error = 'the backend listed it as failed', listed_failed = listed_failed + 1, updated_at = $1
                        WHERE delivery_id = $2 AND (identity = ANY($3::text[]) OR id = ANY($3::text[])) AND status = 1
                        """,
                        [.integer(millis), .text(deliveryID), .texts(Array(failed))]
                    )
                }
                try await connection.run(
                    "UPDATE transmissions SET status = 2, sent_at = $1, error = NULL, updated_at = $1 WHERE delivery_id = $2 AND status = 1",
                    [.integer(millis), .text(deliveryID)]
                )
            } else {
                try await connection.run(
                    "UPDATE transmissions SET status = 4, error = $1, updated_at = $2 WHERE delivery_id = $3 AND status = 1",
                    [.text(record.attempt.summary), .integer(millis), .text(deliveryID)]
                )
            }
            try await rollUp(messageID, connection: connection, now: now)
        case .received(let messageID, let replies):
            if record.transition.state.isActive { return }
            try await settleInbound(
                messageID, replies: replies, succeeded: record.transition.state == .succeeded, tenantID: tenantID, connection: connection, now: now
            )
        case .receivedInBatch(let messageIDs):
            if record.transition.state.isActive { return }
            for messageID in messageIDs {
                try await settleInbound(
                    messageID, replies: [], succeeded: record.transition.state == .succeeded, tenantID: tenantID, connection: connection, now: now
                )
            }
        }
    }

    /// An inbound message once a subscriber's delivery of it has ended: received, its replies
    /// sent as new messages, or errored.
    static func settleInbound(
        _ messageID: String, replies: [String], succeeded: Bool, tenantID: String, connection: PostgresConnection, now: Date
    ) async throws {
        let millis = Timestamp.millis(now)
        guard let inbound = try await connection.first(
            "SELECT \(StoredForm.messageColumns) FROM messages WHERE id = $1 AND tenant_id = $2 AND direction = 'in'",
            [.text(messageID), .text(tenantID)], StoredForm.message
        ) else { return }
        var status = MessageStatus.errored
        if succeeded {
            status = .received
            if let backend = inbound.backend, let identity = inbound.identity {
                for text in replies {
                    do {
                        let reply = try NewMessage(text: text, to: [.init(backend: backend, identity: identity)], inResponseTo: inbound.id)
                        _ = try await insertMessage(reply, tenantID: tenantID, now: now, connection: connection)
                    } catch is CourierError {
                        status = .errored  // the backend is gone, or the reply is empty or too long
                    }
                }
            }
        }
        // Errored stays errored: one subscriber's failure is not undone by another's success.
        try await connection.run(
            "UPDATE messages SET status = $1, updated_at = $2 WHERE id = $3 AND status <> 'errored'",
            [.text(status.rawValue), .integer(millis), .text(messageID)]
        )
    }
}
