import Courier
import Foundation

extension SQLiteStore {

    public func expire(_ position: RetentionStep.Position, before cutoff: Date, limit: Int) async throws -> RetentionStep {
        // Not durable: a deletion a power cut undoes is done again by the next pass.
        try await database.write(durable: false) { db in
            switch position {
            case .events(let after):
                try Self.expireEvents(after: after, before: cutoff, limit: limit, db: db)
            case .messages(let after):
                try Self.expireMessages(after: after, before: cutoff, limit: limit, db: db)
            }
        }
    }

    static let expiringEvents = """
        SELECT e.id, e.created_at < ?2 AND NOT EXISTS (
            SELECT 1 FROM deliveries WHERE event_id = e.id AND \(RetentionStep.keepsItsSource(cutoff: "?2"))
        )
        FROM events e WHERE e.id > ?1 AND e.id < ?3 ORDER BY e.id LIMIT ?4
        """

    private static func expireEvents(after: String?, before cutoff: Date, limit: Int, db: SQLiteConnection) throws -> RetentionStep {
        var (step, expired) = try examine(expiringEvents, idPrefix: "evt", from: .events(after: after), before: cutoff, limit: limit, db: db)
        var batches: Set<String> = []
        for id in expired {
            try db.run("DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_id = ?)", [.text(id)])
            let carriers = try db.query("DELETE FROM deliveries WHERE event_id = ? RETURNING batch_id", [.text(id)]) { $0.optionalText(0) }
            step.deliveries += carriers.count
            batches.formUnion(carriers.compactMap { $0 })
            step.events += try db.run("DELETE FROM events WHERE id = ?", [.text(id)])
        }
        // A batch goes with the last of the events it carried, once it has ended.
        for batch in batches.sorted() {
            let gone = try db.run(
                """
                DELETE FROM deliveries WHERE id = ?1 AND state NOT IN (0, 1) AND state <> 7
                AND NOT EXISTS (SELECT 1 FROM deliveries WHERE batch_id = ?1)
                """,
                [.text(batch)]
            )
            if gone > 0 {
                try db.run("DELETE FROM attempts WHERE delivery_id = ?", [.text(batch)])
                step.deliveries += gone
            }
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

    private static func expireMessages(after: String?, before cutoff: Date, limit: Int, db: SQLiteConnection) throws -> RetentionStep {
        var (step, expired) = try examine(
            expiringMessages, idPrefix: "msg", from: .messages(after: after), before: cutoff, limit: limit, db: db
        )
        for id in expired {
            let carriers = "SELECT delivery_id FROM transmissions WHERE message_id = ?"
            try db.run("DELETE FROM attempts WHERE delivery_id IN (\(carriers))", [.text(id)])
            step.deliveries += try db.run("DELETE FROM deliveries WHERE id IN (\(carriers))", [.text(id)])
            try db.run("DELETE FROM transmissions WHERE message_id = ?", [.text(id)])
            step.messages += try db.run("DELETE FROM messages WHERE id = ?", [.text(id)])
        }
        return step
    }

    /// Reads a chunk with `sql` (`?1` the id after which, `?2` the cut-off, `?3` the first id
    /// made at it, `?4` the limit; each row an id and whether it may go): the step with where
    /// the pass goes next, and the ids to delete.
    private static func examine(
        _ sql: String, idPrefix: String, from position: RetentionStep.Position, before cutoff: Date, limit: Int,
        db: SQLiteConnection
    ) throws -> (step: RetentionStep, expired: [String]) {
        let rows = try db.query(
            sql,
            [.text(position.after ?? ""), .integer(Timestamp.millis(cutoff)), .text(Identifier.lowerBound(idPrefix, at: cutoff)),
             .integer(Int64(limit))]
        ) { (id: $0.text(0), expired: $0.int(1) != 0) }
        let next = RetentionStep.next(after: position, last: rows.last?.id, wholeChunk: rows.count >= limit)
        return (RetentionStep(next: next), rows.filter(\.expired).map(\.id))
    }
}
