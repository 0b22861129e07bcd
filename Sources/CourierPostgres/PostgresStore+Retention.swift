import Courier
import Foundation
import PostgresNIO

/// Retention on PostgreSQL. Each step picks its candidates without locks (most rows it reads
/// are kept, and locking them would get in the way of claims and records for nothing), then
/// locks what it would delete and judges it again: a person's resend of a delivery either
/// commits first, and the locked row shows it active, or waits for the deletion, and finds
/// nothing. Rows are locked in the order the rest of the store locks them: a delivery before
/// its transmissions before their message (as a record does), deliveries by id descending (as
/// bulk operations do).
extension PostgresStore {

    public func expire(_ position: RetentionStep.Position, before cutoff: Date, limit: Int) async throws -> RetentionStep {
        // Not durable: a deletion a crash undoes is done again by the next pass.
        try await transaction(durable: false) { connection in
            switch position {
            case .events:
                try await Self.expireEvents(from: position, before: cutoff, limit: limit, connection: connection)
            case .batches:
                try await Self.expireBatches(from: position, before: cutoff, limit: limit, connection: connection)
            case .messages:
                try await Self.expireMessages(from: position, before: cutoff, limit: limit, connection: connection)
            }
        }
    }

    private static func expireEvents(
        from position: RetentionStep.Position, before cutoff: Date, limit: Int, connection: PostgresConnection
    ) async throws -> RetentionStep {
        let keep = RetentionStep.keepsItsSource(cutoff: "$2")
        let rows = try await connection.rows(
            """
            SELECT e.id, (e.created_at < $2 AND NOT EXISTS (SELECT 1 FROM deliveries WHERE event_id = e.id AND \(keep)))::int::bigint,
                CASE WHEN e.type = '\(Message.receivedEventType)' THEN convert_from(e.payload, 'UTF8') END
            FROM events e WHERE e.id > $1 AND e.id < $3 ORDER BY e.id LIMIT $4
            """,
            binds(position, "evt", cutoff, limit)
        ) { (id: try $0.text(0), expired: try $0.int(1) != 0, payload: try $0.optionalText(2)) }
        var step = RetentionStep(from: position, examined: rows.map(\.id), limit: limit)
        let candidates = rows.filter(\.expired).map(\.id)
        guard !candidates.isEmpty else { return step }
        let kept = try await connection.rows(
            "SELECT event_id, (\(keep))::int::bigint FROM deliveries WHERE event_id = ANY($1::text[]) ORDER BY id DESC FOR UPDATE",
            [.texts(candidates), .integer(Timestamp.millis(cutoff))]
        ) { (event: try $0.text(0), keep: try $0.int(1) != 0) }.filter(\.keep).map(\.event)
        let going = Set(candidates).subtracting(kept)
        let expired = Array(going)
        guard !expired.isEmpty else { return step }
        try await connection.run(
            "DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_id = ANY($1::text[]))", [.texts(expired)]
        )
        step.deliveries += try await connection.run("DELETE FROM deliveries WHERE event_id = ANY($1::text[]) RETURNING 1", [.texts(expired)])
        step.events += try await connection.run("DELETE FROM events WHERE id = ANY($1::text[]) RETURNING 1", [.texts(expired)])
        let inbound = rows.filter { going.contains($0.id) }.compactMap { $0.payload.flatMap { Message.inboundMessageID(inReceivedPayload: Array($0.utf8)) } }
        if !inbound.isEmpty {
            step.messages += try await connection.run(
                "DELETE FROM messages WHERE id = ANY($1::text[]) AND direction = 'in' RETURNING 1", [.texts(inbound)]
            )
        }
        return step
    }

    private static func expireBatches(
        from position: RetentionStep.Position, before cutoff: Date, limit: Int, connection: PostgresConnection
    ) async throws -> RetentionStep {
        let ended = "NOT \(RetentionStep.keepsItsSource(cutoff: "$2")) AND NOT EXISTS (SELECT 1 FROM deliveries m WHERE m.batch_id = b.id)"
        let rows = try await connection.rows(
            """
            SELECT b.id, (\(ended))::int::bigint FROM deliveries b
            WHERE b.event_id IS NULL AND b.message_id IS NULL AND b.id > $1 AND b.id < $3 ORDER BY b.id LIMIT $4
            """,
            binds(position, "dlv", cutoff, limit)
        ) { (id: try $0.text(0), expired: try $0.int(1) != 0) }
        var step = RetentionStep(from: position, examined: rows.map(\.id), limit: limit)
        let candidates = rows.filter(\.expired).map(\.id)
        guard !candidates.isEmpty else { return step }
        let expired = try await connection.rows(
            "SELECT b.id FROM deliveries b WHERE b.id = ANY($1::text[]) AND \(ended) ORDER BY b.id DESC FOR UPDATE",
            [.texts(candidates), .integer(Timestamp.millis(cutoff))]
        ) { try $0.text(0) }
        guard !expired.isEmpty else { return step }
        try await connection.run("DELETE FROM attempts WHERE delivery_id = ANY($1::text[])", [.texts(expired)])
        step.deliveries += try await connection.run("DELETE FROM deliveries WHERE id = ANY($1::text[]) RETURNING 1", [.texts(expired)])
        return step
    }

    private static func expireMessages(
        from position: RetentionStep.Position, before cutoff: Date, limit: Int, connection: PostgresConnection
    ) async throws -> RetentionStep {
        let keep = RetentionStep.keepsItsSource(cutoff: "$2")
        let ended = RetentionStep.messageHasEnded(cutoff: "$2")
        let carriers = "SELECT delivery_id FROM transmissions WHERE message_id = ANY($1::text[])"
        let rows = try await connection.rows(
            """
            SELECT m.id, (\(ended) AND NOT EXISTS (
                SELECT 1 FROM deliveries WHERE id IN (SELECT delivery_id FROM transmissions WHERE message_id = m.id) AND \(keep)
            ))::int::bigint
            FROM messages m WHERE m.id > $1 AND m.id < $3 ORDER BY m.id LIMIT $4
            """,
            binds(position, "msg", cutoff, limit)
        ) { (id: try $0.text(0), expired: try $0.int(1) != 0) }
        var step = RetentionStep(from: position, examined: rows.map(\.id), limit: limit)
        let candidates = rows.filter(\.expired).map(\.id)
        guard !candidates.isEmpty else { return step }
        let values: [PGValue] = [.texts(candidates), .integer(Timestamp.millis(cutoff))]
        let kept = try await connection.rows(
            "SELECT message_id, (\(keep))::int::bigint FROM deliveries WHERE id IN (\(carriers)) ORDER BY id DESC FOR UPDATE", values
        ) { (message: try $0.optionalText(0), keep: try $0.int(1) != 0) }.filter(\.keep).compactMap(\.message)
        // Locked here, one row back however many recipients (a report takes a transmission before its message).
        try await connection.run(
            "SELECT count(*) FROM (SELECT 1 FROM transmissions WHERE message_id = ANY($1::text[]) ORDER BY id FOR UPDATE) AS locked",
            [.texts(candidates)]
        )
        let stillEnded = try await connection.rows(
            "SELECT id FROM messages WHERE id = ANY($1::text[]) AND \(ended) ORDER BY id FOR UPDATE", values
        ) { try $0.text(0) }
        let expired = Array(Set(stillEnded).subtracting(kept))
        guard !expired.isEmpty else { return step }
        try await connection.run("DELETE FROM attempts WHERE delivery_id IN (\(carriers))", [.texts(expired)])
        step.deliveries += try await connection.run("DELETE FROM deliveries WHERE id IN (\(carriers)) RETURNING 1", [.texts(expired)])
        try await connection.run("DELETE FROM transmissions WHERE message_id = ANY($1::text[])", [.texts(expired)])
        step.messages += try await connection.run("DELETE FROM messages WHERE id = ANY($1::text[]) RETURNING 1", [.texts(expired)])
        return step
    }

    /// A chunk's bindings: `$1` the id it starts after, `$2` the cut-off, `$3` the first id
    /// made at the cut-off, `$4` the limit.
    private static func binds(_ position: RetentionStep.Position, _ idPrefix: String, _ cutoff: Date, _ limit: Int) -> [PGValue] {
        [.text(position.after ?? ""), .integer(Timestamp.millis(cutoff)), .text(Identifier.lowerBound(idPrefix, at: cutoff)),
         .integer(Int64(limit))]
    }
}
