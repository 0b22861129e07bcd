import Courier
import Foundation

extension SQLiteStore {

    public func expire(_ position: RetentionStep.Position, before cutoff: Date, limit: Int) async throws -> RetentionStep {
        // Not durable: a deletion a power cut undoes is done again by the next pass.
        try await database.write(durable: false) { db in
            switch position {
            case .events:
                try Self.expireEvents(from: position, before: cutoff, limit: limit, db: db)
            case .batches:
                try Self.expireBatches(from: position, before: cutoff, limit: limit, db: db)
            case .messages:
                try Self.expireMessages(from: position, before: cutoff, limit: limit, db: db)
            }
        }
    }

    /// Each event, whether it may go, and the payload of a `message.received` one (which names
    /// the inbound message that goes with it).
    static let expiringEvents = """
        SELECT e.id, e.created_at < ?2 AND NOT EXISTS (
            SELECT 1 FROM deliveries WHERE event_id = e.id AND \(RetentionStep.keepsItsSource(cutoff: "?2"))
        ), CASE WHEN e.type = '\(Message.receivedEventType)' THEN e.payload END
        FROM events e WHERE e.id > ?1 AND e.id < ?3 ORDER BY e.id LIMIT ?4
        """

    /// An event's deliveries are deleted in one statement each, and a step ends early once it
    /// has deleted this many for each event it may examine: an event sent to hundreds of
    /// endpoints must not hold the writer for a chunk's worth of them.
    private static let deliveriesPerEvent = 5

    private static func expireEvents(from position: RetentionStep.Position, before cutoff: Date, limit: Int, db: SQLiteConnection) throws -> RetentionStep {
        let rows = try db.query(expiringEvents, binds(position, "evt", cutoff, limit)) {
            (id: $0.text(0), expired: $0.int(1) != 0, payload: $0.isNull(2) ? nil : $0.bytes(2))
        }
        var step = RetentionStep(from: position, examined: rows.map(\.id), limit: limit)
        for row in rows where row.expired {
            try db.run("DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_id = ?)", [.text(row.id)])
            step.deliveries += try db.run("DELETE FROM deliveries WHERE event_id = ?", [.text(row.id)])
            step.events += try db.run("DELETE FROM events WHERE id = ?", [.text(row.id)])
            if let inbound = row.payload.flatMap(Message.inboundMessageID(inReceivedPayload:)) {
                step.messages += try db.run("DELETE FROM messages WHERE id = ? AND direction = 'in'", [.text(inbound)])
            }
            if step.deliveries >= limit * deliveriesPerEvent, row.id != rows.last?.id {
                step.next = .events(after: row.id)
                break
            }
        }
        return step
    }

    static let expiringBatches = """
        SELECT b.id, NOT \(RetentionStep.keepsItsSource(cutoff: "?2"))
            AND NOT EXISTS (SELECT 1 FROM deliveries m WHERE m.batch_id = b.id)
        FROM deliveries b INDEXED BY deliveries_batches
        WHERE b.event_id IS NULL AND b.message_id IS NULL AND b.id > ?1 AND b.id < ?3 ORDER BY b.id LIMIT ?4
        """

    /// A batch goes once it has ended and the events it carried have gone (those a receiver
    /// listed as failed were carried on by a later batch).
    private static func expireBatches(from position: RetentionStep.Position, before cutoff: Date, limit: Int, db: SQLiteConnection) throws -> RetentionStep {
        let rows = try db.query(expiringBatches, binds(position, "dlv", cutoff, limit)) { (id: $0.text(0), expired: $0.int(1) != 0) }
        var step = RetentionStep(from: position, examined: rows.map(\.id), limit: limit)
        for row in rows where row.expired {
            try db.run("DELETE FROM attempts WHERE delivery_id = ?", [.text(row.id)])
            step.deliveries += try db.run("DELETE FROM deliveries WHERE id = ?", [.text(row.id)])
        }
        return step
    }

    static let expiringMessages = """
        SELECT m.id, \(RetentionStep.messageHasEnded(cutoff: "?2")) AND NOT EXISTS (
            SELECT 1 FROM deliveries
            WHERE id IN (SELECT delivery_id FROM transmissions WHERE message_id = m.id)
            AND \(RetentionStep.keepsItsSource(cutoff: "?2"))
        )
        FROM messages m WHERE m.id > ?1 AND m.id < ?3 ORDER BY m.id LIMIT ?4
        """

    private static func expireMessages(from position: RetentionStep.Position, before cutoff: Date, limit: Int, db: SQLiteConnection) throws -> RetentionStep {
        let rows = try db.query(expiringMessages, binds(position, "msg", cutoff, limit)) { (id: $0.text(0), expired: $0.int(1) != 0) }
        var step = RetentionStep(from: position, examined: rows.map(\.id), limit: limit)
        for row in rows where row.expired {
            let carriers = "SELECT delivery_id FROM transmissions WHERE message_id = ?"
            try db.run("DELETE FROM attempts WHERE delivery_id IN (\(carriers))", [.text(row.id)])
            step.deliveries += try db.run("DELETE FROM deliveries WHERE id IN (\(carriers))", [.text(row.id)])
            try db.run("DELETE FROM transmissions WHERE message_id = ?", [.text(row.id)])
            step.messages += try db.run("DELETE FROM messages WHERE id = ?", [.text(row.id)])
        }
        return step
    }

    /// A chunk's bindings: `?1` the id it starts after, `?2` the cut-off, `?3` the first id
    /// made at the cut-off, `?4` the limit.
    private static func binds(_ position: RetentionStep.Position, _ idPrefix: String, _ cutoff: Date, _ limit: Int) -> [SQLiteValue] {
        [.text(position.after ?? ""), .integer(Timestamp.millis(cutoff)), .text(Identifier.lowerBound(idPrefix, at: cutoff)),
         .integer(Int64(limit))]
    }
}
