import Courier
import Foundation

/// The message router's part of the SQLite store: messages, their transmissions, and the
/// deliveries that carry them in batches.
extension SQLiteStore {

    public func createMessage(_ message: NewMessage, tenantID: String, now: Date) async throws -> Message {
        try await database.write { [hub] db in
            let (stored, signals) = try Self.insertMessage(message, tenantID: tenantID, now: now, db: db)
            if !signals.isEmpty { db.afterCommit.append { hub.emit(signals) } }
            return stored
        }
    }

    /// Stores an outbound message with its transmissions and a delivery per batch, in the
    /// caller's transaction; returns it and the signals to send after the commit.
    static func insertMessage(
        _ new: NewMessage, tenantID: String, now: Date, db: SQLiteConnection
    ) throws -> (message: Message, signals: [StoreSignal]) {
        var backends: [String: Endpoint] = [:]
        for (index, recipient) in new.to.enumerated() where backends[recipient.backend] == nil {
            guard let endpoint = try db.queryFirst(
                "SELECT \(StoredForm.endpointColumns) FROM endpoints WHERE tenant_id = ? AND name = ? AND deleted_at IS NULL",
                [.text(tenantID), .text(recipient.backend)], StoredForm.endpoint
            ) else {
                throw CourierError.invalid(
                    "to[\(index)].backend: no endpoint is named \(recipient.backend)", field: "to[\(index)].backend", code: "unknown_backend"
                )
            }
            backends[recipient.backend] = endpoint
        }
        if let answered = new.inResponseTo, try db.queryFirst(
            "SELECT 1 FROM messages WHERE id = ? AND tenant_id = ?", [.text(answered), .text(tenantID)], { _ in true }
        ) == nil {
            throw NewMessage.unknownMessage(answered)
        }
        let millis = Timestamp.millis(now)
        let message = Message(
            id: Identifier.make("msg", now: now), tenantID: tenantID, direction: .outbound, text: new.text,
            externalID: new.externalID, inResponseTo: new.inResponseTo, status: .queued, createdAt: now, updatedAt: now
        )
        try db.run(
            """
            INSERT INTO messages (id, tenant_id, direction, text, external_id, in_response_to, status, created_at, updated_at)
            VALUES (?, ?, 'out', ?, ?, ?, ?, ?, ?)
            """,
            [.text(message.id), .text(tenantID), .text(new.text), .optionalText(new.externalID), .optionalText(new.inResponseTo),
             .text(MessageStatus.queued.rawValue), .integer(millis), .integer(millis)]
        )
        var due: Set<String> = []
        for batch in new.batches(size: { backends[$0]?.batch?.maxSize ?? Message.defaultBatchSize }) {
            guard let endpoint = backends[batch.backend] else { continue }
            let deliveryID = Identifier.make("dlv", now: now)
            try db.run(
                """
                INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, state, next_attempt_at, due_at, created_at, updated_at,
                    message_id)
                VALUES (?, ?, NULL, ?, 0, ?, ?, ?, ?, ?)
                """,
                [.text(deliveryID), .text(tenantID), .text(endpoint.id), .integer(millis), .integer(millis),
                 .integer(millis), .integer(millis), .text(message.id)]
            )
            for identity in batch.identities {
                try db.run(
                    """
                    INSERT INTO transmissions (id, message_id, tenant_id, backend, endpoint_id, identity, status, delivery_id,
                        created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
                    """,
                    [.text(Identifier.make("trm", now: now)), .text(message.id), .text(tenantID), .text(batch.backend),
                     .text(endpoint.id), .text(identity), .text(deliveryID), .integer(millis), .integer(millis)]
                )
            }
            if endpoint.status == .active { due.insert(endpoint.id) }
        }
        return (message, due.map { StoreSignal.due(endpointID: $0, at: now) })
    }

    /// Inbound messages and delivery reports come through a backend by name; one that no live
    /// endpoint of the tenant is named is not found, so a gateway set up wrongly hears of it.
    /// The id of the endpoint named `backend`.
    @discardableResult
    static func requireBackend(_ backend: String, tenantID: String, db: SQLiteConnection) throws -> String {
        guard let id = try db.queryFirst(
            "SELECT id FROM endpoints WHERE tenant_id = ? AND name = ? AND deleted_at IS NULL", [.text(tenantID), .text(backend)],
            { $0.text(0) }
        ) else {
            throw CourierError.notFound("backend")
        }
        return id
    }

    public func receiveMessage(
        backend: String, identity: String, text: String, externalID: String?, tenantID: String, now: Date
    ) async throws -> Message {
        try await database.write { [fanOutCache, hub] db in
            try Self.requireBackend(backend, tenantID: tenantID, db: db)
            let id = Identifier.make("msg", now: now)
            let millis = Timestamp.millis(now)
            let event = try Message.receivedEvent(id: id, backend: backend, identity: identity, text: text, externalID: externalID)
            let (published, signals) = try Self.publish([event], tenantID: tenantID, now: now, db: db, fanOutCache: fanOutCache)
            // With nobody subscribed there is nothing to wait for.
            let status: MessageStatus = published.first?.deliveries == 0 ? .received : .queued
            try db.run(
                """
                INSERT INTO messages (id, tenant_id, direction, text, backend, identity, external_id, status, created_at, updated_at)
                VALUES (?, ?, 'in', ?, ?, ?, ?, ?, ?, ?)
                """,
                [.text(id), .text(tenantID), .text(text), .text(backend), .text(identity), .optionalText(externalID),
                 .text(status.rawValue), .integer(millis), .integer(millis)]
            )
            if !signals.isEmpty { db.afterCommit.append { hub.emit(signals) } }
            return Message(
                id: id, tenantID: tenantID, direction: .inbound, text: text, backend: backend, identity: identity,
                externalID: externalID, status: status, createdAt: now, updatedAt: now
            )
        }
    }

    private static func message(_ db: SQLiteConnection, tenantID: String, id: String) throws -> Message? {
        try db.queryFirst(
            "SELECT \(StoredForm.messageColumns) FROM messages WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantID)], StoredForm.message
        )
    }

    public func message(tenantID: String, id: String) async throws -> (message: Message, transmissions: [Transmission])? {
        try await database.read { db in
            guard let message = try Self.message(db, tenantID: tenantID, id: id) else { return nil }
            let transmissions = try db.query(
                "SELECT \(StoredForm.transmissionColumns) FROM transmissions WHERE message_id = ? ORDER BY id", [.text(id)], StoredForm.transmission
            )
            return (message, transmissions)
        }
    }

    public func message(
        tenantID: String, id: String, transmissions page: PageRequest
    ) async throws -> (message: Message, transmissions: Page<Transmission>)? {
        try await database.read { db in
            guard let message = try Self.message(db, tenantID: tenantID, id: id) else { return nil }
            let transmissions = try db.query(
                "SELECT \(StoredForm.transmissionColumns) FROM transmissions WHERE message_id = ? AND id > ? ORDER BY id LIMIT ?",
                [.text(id), .text(page.cursor ?? ""), .integer(Int64(page.limit + 1))], StoredForm.transmission
            )
            return (message, Page(fetched: transmissions, limit: page.limit, id: \.id))
        }
    }

    public func messages(tenantID: String, filter: MessageFilter, page: PageRequest) async throws -> Page<Message> {
        try await database.read { db in
            var conditions = ["tenant_id = ?"]
            var binds: [SQLiteValue] = [.text(tenantID)]
            if let direction = filter.direction {
                conditions.append("direction = ?")
                binds.append(.text(direction.rawValue))
            }
            if let status = filter.status {
                conditions.append("status = ?")
                binds.append(.text(status.rawValue))
            }
            if let backend = filter.backend {
                conditions.append("(backend = ? OR id IN (SELECT message_id FROM transmissions WHERE backend = ? AND tenant_id = ?))")
                binds += [.text(backend), .text(backend), .text(tenantID)]
            }
            if let since = filter.since {
                conditions.append("created_at >= ?")
                binds.append(.integer(Timestamp.millis(since)))
            }
            if let cursor = page.cursor {
                conditions.append("id < ?")
                binds.append(.text(cursor))
            }
            let rows = try db.query(
                "SELECT \(StoredForm.messageColumns) FROM messages WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT ?",
                binds + [.integer(Int64(page.limit + 1))], StoredForm.message
            )
            return Page(fetched: rows, limit: page.limit, id: \.id)
        }
    }

    public func transmissionCounts(tenantID: String, messageIDs: [String]) async throws -> [String: [TransmissionStatus: Int]] {
        try await database.read { db in
            var counts: [String: [TransmissionStatus: Int]] = [:]
            for id in messageIDs {
                let rows = try db.query(
                    "SELECT status, COUNT(*) FROM transmissions WHERE message_id = ? AND tenant_id = ? GROUP BY status",
                    [.text(id), .text(tenantID)]
                ) { (status: TransmissionStatus(storageCode: Int($0.int(0))) ?? .queued, count: Int($0.int(1))) }
                if !rows.isEmpty { counts[id] = Dictionary(rows.map { ($0.status, $0.count) }, uniquingKeysWith: +) }
            }
            return counts
        }
    }

    /// Reports on transmissions never handed to the backend (queued, or errored unsent by a
    /// cancellation or a deletion, which touch only queued ones) come back unknown.
    public func applyReports(_ reports: [DeliveryReport], backend: String, tenantID: String, now: Date) async throws -> ReportsResult {
        try await database.write { db in
            // By the endpoint, not its name: a renamed backend goes on reporting, and a new one
            // given an old one's name reports nothing of what the old one was sent.
            let endpointID = try Self.requireBackend(backend, tenantID: tenantID, db: db)
            let millis = Timestamp.millis(now)
            var unknown: [String] = []
            var known = Set<String>()
            var messages = Set<String>()
            // In order: `delivered` is final, so a late `failed` (gateways' reports come out of
            // order) leaves it; a transmission reported twice counts once.
            for report in reports {
                let message = try db.queryFirst(
                    report.delivered
                        ? """
                          UPDATE transmissions SET status = 3, delivered_at = COALESCE(delivered_at, ?1), sent_at = COALESCE(sent_at, ?1),
                              error = NULL, updated_at = ?1
                          WHERE id = ?2 AND tenant_id = ?3 AND endpoint_id = ?4 AND status <> 0 AND COALESCE(error, '') NOT IN ('its batch was cancelled', 'its backend was deleted') RETURNING message_id
                          """
                        : """
                          UPDATE transmissions SET status = CASE WHEN status = 3 THEN 3 ELSE 4 END,
                              error = CASE WHEN status = 3 THEN error ELSE 'the backend reported it failed' END,
                              sent_at = COALESCE(sent_at, ?1), updated_at = ?1
                          WHERE id = ?2 AND tenant_id = ?3 AND endpoint_id = ?4 AND status <> 0 AND COALESCE(error, '') NOT IN ('its batch was cancelled', 'its backend was deleted') RETURNING message_id
                          """,
                    [.integer(millis), .text(report.transmissionID), .text(tenantID), .text(endpointID)], { $0.text(0) }
                )
                if let message {
                    messages.insert(message)
                    known.insert(report.transmissionID)
                } else if !unknown.contains(report.transmissionID) {
                    unknown.append(report.transmissionID)
                }
            }
            for message in messages { try Self.rollUp(message, db: db, now: now) }
            return ReportsResult(updated: known.count, unknown: unknown)
        }
    }

    /// Sets an outbound message's status from its transmissions', with the times it was
    /// first all sent and all delivered.
    static func rollUp(_ messageID: String, db: SQLiteConnection, now: Date) throws {
        let statuses = try db.query(
            "SELECT DISTINCT status FROM transmissions WHERE message_id = ?", [.text(messageID)]
        ) { TransmissionStatus(storageCode: Int($0.int(0))) ?? .queued }
        let status = MessageStatus.rollUp(statuses)
        let millis = Timestamp.millis(now)
        try db.run(
            """
            UPDATE messages SET status = ?1, updated_at = ?2,
                sent_at = CASE WHEN ?1 IN ('sent', 'delivered') THEN COALESCE(sent_at, ?2) ELSE sent_at END,
                delivered_at = CASE WHEN ?1 = 'delivered' THEN COALESCE(delivered_at, ?2) ELSE delivered_at END
            WHERE id = ?3 AND status <> ?1
            """,
            [.text(status.rawValue), .integer(millis), .text(messageID)]
        )
    }

    /// A claimed batch of transmissions: those of the delivery not yet sent, now `processing`;
    /// nil when none is left to send. An errored transmission goes again only if it was never
    /// sent: one the backend took and later reported failed has a `sent_at`, and sending it
    /// again would give its recipient the text twice.
    static func claimTransmissions(deliveryID: String, messageID: String, db: SQLiteConnection, now: Date) throws -> MessageBatch? {
        let millis = Timestamp.millis(now)
        let items = try db.query(
            """
            UPDATE transmissions SET status = 1, updated_at = ? WHERE delivery_id = ? AND (status IN (0, 1) OR (status = 4 AND sent_at IS NULL))
            RETURNING id, identity
            """,
            [.integer(millis), .text(deliveryID)]
        ) { MessageBatch.Item(transmissionID: $0.text(0), identity: $0.text(1)) }
        guard !items.isEmpty, let text = try db.queryFirst(
            "SELECT text FROM messages WHERE id = ?", [.text(messageID)], { $0.text(0) }
        ) else { return nil }
        // What the request's webhook-id follows (see MessageBatch.webhookID).
        let all = try db.query("SELECT id, listed_failed FROM transmissions WHERE delivery_id = ?", [.text(deliveryID)]) {
            (id: $0.text(0), listed: Int($0.int(1)))
        }
        try rollUp(messageID, db: db, now: now)
        return MessageBatch(
            messageID: messageID, text: text, items: items.sorted { $0.transmissionID < $1.transmissionID },
            deliveryTransmissionIDs: all.map(\.id).sorted(), listedFailed: all.reduce(0) { $0 + $1.listed }
        )
    }

    /// Applies an attempt's outcome to messages, in the record's transaction: a batch's
    /// transmissions are sent or errored; an inbound message is received (its replies sent
    /// as new messages) or errored. Returns the signals for the replies' deliveries.
    static func settleMessages(
        _ outcome: MessageOutcome, record: AttemptRecord, tenantID: String, db: SQLiteConnection, now: Date
    ) throws -> [StoreSignal] {
        let millis = Timestamp.millis(now)
        switch outcome {
        case .batch(let messageID, let accepted, let failed):
            let deliveryID = record.attempt.deliveryID
            if accepted {
                for identity in failed {
                    try db.run(
                        """
                        UPDATE transmissions SET status = 4, error = 'the backend listed it as failed', listed_failed = listed_failed + 1, updated_at = ?1
                        WHERE delivery_id = ?2 AND (identity = ?3 OR id = ?3) AND status = 1
                        """,
                        [.integer(millis), .text(deliveryID), .text(identity)]
                    )
                }
                try db.run(
                    "UPDATE transmissions SET status = 2, sent_at = ?1, error = NULL, updated_at = ?1 WHERE delivery_id = ?2 AND status = 1",
                    [.integer(millis), .text(deliveryID)]
                )
            } else {
                try db.run(
                    "UPDATE transmissions SET status = 4, error = ?, updated_at = ? WHERE delivery_id = ? AND status = 1",
                    [.text(record.attempt.summary), .integer(millis), .text(deliveryID)]
                )
            }
            try rollUp(messageID, db: db, now: now)
            return []
        case .received(let messageID, let replies):
            if record.transition.state.isActive { return [] }
            return try settleInbound(messageID, replies: replies, succeeded: record.transition.state == .succeeded, tenantID: tenantID, db: db, now: now)
        case .receivedInBatch(let messageIDs):
            if record.transition.state.isActive { return [] }
            var signals: [StoreSignal] = []
            for messageID in messageIDs {
                signals += try settleInbound(messageID, replies: [], succeeded: record.transition.state == .succeeded, tenantID: tenantID, db: db, now: now)
            }
            return signals
        }
    }

    /// An inbound message once a subscriber's delivery of it has ended: received, its replies
    /// sent as new messages, or errored. Returns the signals for the replies' deliveries.
    static func settleInbound(
        _ messageID: String, replies: [String], succeeded: Bool, tenantID: String, db: SQLiteConnection, now: Date
    ) throws -> [StoreSignal] {
        let millis = Timestamp.millis(now)
        guard let inbound = try db.queryFirst(
            "SELECT \(StoredForm.messageColumns) FROM messages WHERE id = ? AND tenant_id = ? AND direction = 'in'",
            [.text(messageID), .text(tenantID)], StoredForm.message
        ) else { return [] }
        var signals: [StoreSignal] = []
        var status = MessageStatus.errored
        if succeeded {
            status = .received
            if let backend = inbound.backend, let identity = inbound.identity {
                for text in replies {
                    do {
                        let reply = try NewMessage(
                            text: text, to: [.init(backend: backend, identity: identity)], inResponseTo: inbound.id
                        )
                        signals += try insertMessage(reply, tenantID: tenantID, now: now, db: db).signals
                    } catch is CourierError {
                        status = .errored  // the backend is gone, or the reply is empty or too long
                    }
                }
            }
        }
        // Errored stays errored: one subscriber's failure is not undone by another's success.
        try db.run(
            "UPDATE messages SET status = ?, updated_at = ? WHERE id = ? AND status <> 'errored'",
            [.text(status.rawValue), .integer(millis), .text(messageID)]
        )
        return signals
    }
}
