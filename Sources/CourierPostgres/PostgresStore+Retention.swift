import Courier
import Foundation
import PostgresNIO

extension PostgresStore {

    public func expire(_ position: RetentionStep.Position, before cutoff: Date, limit: Int) async throws -> RetentionStep {
        // Not durable: a deletion a crash undoes is done again by the next pass.
        try await transaction(durable: false) { connection in
            switch position {
            case .events(let after):
                try await Self.expireEvents(after: after, before: cutoff, limit: limit, connection: connection)
            case .messages(let after):
                try await Self.expireMessages(after: after, before: cutoff, limit: limit, connection: connection)
            }
        }
    }

    /// Events are locked, and another node's skipped: nodes sweeping at once share the work.
    /// Their deliveries are locked before they are judged, so a person's resend either waits
    /// for the deletion (and finds nothing) or comes first (and keeps the event).
    private static func expireEvents(
        after: String?, before cutoff: Date, limit: Int, connection: PostgresConnection
    ) async throws -> RetentionStep {
        let millis = Timestamp.millis(cutoff)
        let rows = try await connection.rows(
            "SELECT id, (created_at < $2)::int::bigint FROM events WHERE id > $1 AND id < $3 ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED",
            [.text(after ?? ""), .integer(millis), .text(Identifier.lowerBound("evt", at: cutoff)), .integer(Int64(limit))]
        ) { (id: try $0.text(0), old: try $0.int(1) != 0) }
        var step = RetentionStep(next: RetentionStep.next(after: .events(after: after), last: rows.last?.id, wholeChunk: rows.count >= limit))
        let old = rows.filter(\.old).map(\.id)
        guard !old.isEmpty else { return step }
        let kept = try await connection.rows(
            """
            SELECT event_id FROM deliveries WHERE event_id = ANY($1::text[])
            AND \(RetentionStep.keepsItsSource(cutoff: "$2")) ORDER BY id FOR UPDATE
            """,
            [.texts(old), .integer(millis)]
        ) { try $0.text(0) }
        let expired = Array(Set(old).subtracting(kept))
        guard !expired.isEmpty else { return step }
        try await connection.run(
            "DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_id = ANY($1::text[]))", [.texts(expired)]
        )
        let carriers = try await connection.rows(
            "DELETE FROM deliveries WHERE event_id = ANY($1::text[]) RETURNING batch_id", [.texts(expired)]
        ) { try $0.optionalText(0) }
        step.deliveries += carriers.count
        step.events += try await connection.run("DELETE FROM events WHERE id = ANY($1::text[]) RETURNING 1", [.texts(expired)])
        // A batch goes with the last of the events it carried, once it has ended.
        let batches = Array(Set(carriers.compactMap { $0 })).sorted()
        if !batches.isEmpty {
            let gone = try await connection.rows(
                """
                DELETE FROM deliveries b WHERE id = ANY($1::text[]) AND state NOT IN (0, 1) AND state <> 7
                AND NOT EXISTS (SELECT 1 FROM deliveries m WHERE m.batch_id = b.id) RETURNING id
                """,
                [.texts(batches)]
            ) { try $0.text(0) }
            if !gone.isEmpty {
                try await connection.run("DELETE FROM attempts WHERE delivery_id = ANY($1::text[])", [.texts(gone)])
                step.deliveries += gone.count
            }
        }
        return step
    }

    /// Messages are locked as events are, which also holds off delivery reports until the
    /// deletion is done (they then find nothing, as for any unknown transmission).
    private static func expireMessages(
        after: String?, before cutoff: Date, limit: Int, connection: PostgresConnection
    ) async throws -> RetentionStep {
        let millis = Timestamp.millis(cutoff)
        let rows = try await connection.rows(
            """
            SELECT id, \(RetentionStep.messageHasEnded(cutoff: "$2"))::int::bigint FROM messages
            WHERE id > $1 AND id < $3 ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED
            """,
            [.text(after ?? ""), .integer(millis), .text(Identifier.lowerBound("msg", at: cutoff)), .integer(Int64(limit))]
        ) { (id: try $0.text(0), ended: try $0.int(1) != 0) }
        var step = RetentionStep(next: RetentionStep.next(after: .messages(after: after), last: rows.last?.id, wholeChunk: rows.count >= limit))
        let ended = rows.filter(\.ended).map(\.id)
        guard !ended.isEmpty else { return step }
        let carriers = "SELECT delivery_id FROM transmissions WHERE message_id = ANY($1::text[])"
        let kept = try await connection.rows(
            """
            SELECT message_id FROM deliveries WHERE id IN (\(carriers))
            AND \(RetentionStep.keepsItsSource(cutoff: "$2")) ORDER BY id FOR UPDATE
            """,
            [.texts(ended), .integer(millis)]
        ) { try $0.optionalText(0) }
        let expired = Array(Set(ended).subtracting(kept.compactMap { $0 }))
        guard !expired.isEmpty else { return step }
        try await connection.run("DELETE FROM attempts WHERE delivery_id IN (\(carriers))", [.texts(expired)])
        step.deliveries += try await connection.run("DELETE FROM deliveries WHERE id IN (\(carriers)) RETURNING 1", [.texts(expired)])
        try await connection.run("DELETE FROM transmissions WHERE message_id = ANY($1::text[])", [.texts(expired)])
        step.messages += try await connection.run("DELETE FROM messages WHERE id = ANY($1::text[]) RETURNING 1", [.texts(expired)])
        return step
    }
}
