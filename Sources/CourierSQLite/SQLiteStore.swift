import Courier
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The embedded store: one SQLite file in WAL mode, for a single Courier node.
///
/// Only one process may use a file at a time (an exclusive lock is taken on open), which is
/// what lets ``open(path:durability:now:)`` hand back every lease a killed process held: nobody
/// else can be sending those deliveries. Several nodes need the PostgreSQL store.
public final class SQLiteStore: Store {
    public enum Durability: String, Sendable, CaseIterable {
        /// Nothing is acknowledged before its commit is on disk: an acknowledged event survives
        /// a power loss. Commits share their `fdatasync`s (see ``SQLiteLogFlusher``).
        case full = "FULL"
        /// No `fdatasync` per commit: survives a process crash, not a power loss.
        case normal = "NORMAL"
    }

    let database: SQLiteDatabase
    let hub = SignalHub()
    /// The lock file's descriptor, held (with its exclusive lock) until ``close()``.
    let lockDescriptor: Int32
    /// The close under way or done (see ``close()``).
    private let closing = Mutex<Task<Void, Never>?>(nil)
    /// Each tenant's endpoints for fan-out, kept by the writer thread only (see `endpointsForFanOut`).
    let fanOutCache: FanOutCache

    private init(database: SQLiteDatabase, lockDescriptor: Int32, fanOutCache: FanOutCache) {
        self.database = database
        self.lockDescriptor = lockDescriptor
        self.fanOutCache = fanOutCache
    }

    /// `path` with every symbolic link resolved; for a file not made yet, its folder's.
    static func canonicalPath(_ path: String) -> String {
        func resolved(_ path: String) -> String? {
            guard let real = realpath(path, nil) else { return nil }
            defer { free(real) }
            return String(cString: real)
        }
        if let file = resolved(path) { return file }
        let url = URL(fileURLWithPath: path)
        guard let folder = resolved(url.deletingLastPathComponent().path) else { return path }
        return folder + "/" + url.lastPathComponent
    }

    /// Opens (creating and migrating if needed) the store at `path`.
    public static func open(path: String, durability: Durability = .full, now: Date = Date()) async throws -> SQLiteStore {
        try await open(path: path, durability: durability, now: now, sync: SQLiteLogFlusher.dataSync)
    }

    /// - Parameter sync: how the log is flushed with durability `full`; tests make it fail.
    static func open(path: String, durability: Durability, now: Date = Date(), sync: @escaping SQLiteLogFlusher.Sync) async throws -> SQLiteStore {
        // Beside the file itself, not beside the name given: through a symbolic link a second
        // server took its own lock, opened the same file, and sent everything under way again.
        let lockPath = canonicalPath(path) + ".lock"
        let descriptor = Glibc.open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            // The lock file is the first thing made beside the database, so its failure is the
            // database's: a folder that does not exist, or one the server may not write in.
            throw CourierError(
                .unavailable, code: "store_unavailable",
                message: "cannot open the database \(path): \(String(cString: strerror(errno))) (making its lock file \(lockPath))"
            )
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(descriptor)
            throw CourierError(
                .unavailable, code: "store_locked",
                message: "\(path) is in use by another Courier process; the SQLite store serves one node (use PostgreSQL for several)"
            )
        }
        let database: SQLiteDatabase
        let fanOutCache = FanOutCache()
        do {
            // The schema must exist before reader connections can prepare anything.
            let setup = try SQLiteConnection(path: path, readOnly: false)
            try setup.execute("PRAGMA journal_mode = WAL;")
            try SQLiteSchema.migrate(setup, now: Timestamp.millis(now))
            // A killed process's leases: only this process can hold the file now, so they are void.
            try setup.run(
                "UPDATE deliveries SET lease_until = NULL, due_at = next_attempt_at WHERE state IN (0, 1) AND lease_until IS NOT NULL"
            )
            database = try SQLiteDatabase(path: path, durability: durability, sync: sync, onRollback: fanOutCache.invalidateAll)
        } catch let error as CourierError {
            Glibc.close(descriptor)
            throw error
        } catch {
            Glibc.close(descriptor)
            // SQLite's own words name no file: a read-only file (or folder, or `-wal`/`-shm`
            // beside it, which SQLite makes with the file's permissions), or one that is not a
            // database at all.
            throw CourierError(.unavailable, code: "store_unavailable", message: "cannot open the database \(path): \(error)")
        }
        return SQLiteStore(database: database, lockDescriptor: descriptor, fanOutCache: fanOutCache)
    }

    /// The writer's statements, timed while switched on (see ``SQLiteStatementTimes``).
    public var writerStatementTimes: SQLiteStatementTimes { database.writerStatementTimes }

    /// A failed flush of the log: every write is refused until the process restarts (see
    /// ``SQLiteLogFlusher``).
    public var standingFailure: CourierError? { database.flusher?.failure ?? database.fileWatch.check() }

    /// Closes the file and gives up its lock, once: a later call waits for the first to finish
    /// and does nothing more. Closing the lock's descriptor twice would close whatever file or
    /// socket the process had opened under that number since (it did, in the tests: another
    /// store's PostgreSQL connection).
    public func close() async {
        let closing = closing.withLock { closing in
            if let closing { return closing }
            let task = Task { [hub, database, lockDescriptor] in
                hub.finish()
                await database.shutdown()
                flock(lockDescriptor, LOCK_UN)
                Glibc.close(lockDescriptor)
            }
            closing = task
            return task
        }
        await closing.value
    }

    public func signals() -> AsyncStream<StoreSignal> {
        hub.stream()
    }

    // MARK: Tenants and tokens

    public func createTenant(_ tenant: Tenant) async throws {
        try await database.write { db in
            do {
                try db.run(
                    "INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)",
                    [.text(tenant.id), .optionalText(tenant.name), .integer(Timestamp.millis(tenant.createdAt))]
                )
            } catch let error as SQLiteError where error.isConstraintViolation {
                throw CourierError.conflict("tenant \(tenant.id) already exists", code: "tenant_exists")
            }
        }
    }

    public func tenant(id: String) async throws -> Tenant? {
        try await database.read { db in
            try db.queryFirst("SELECT id, name, created_at FROM tenants WHERE id = ?", [.text(id)]) { row in
                Tenant(id: row.text(0), name: row.optionalText(1), createdAt: Timestamp.date(millis: row.int(2)))
            }
        }
    }

    public func insertToken(_ token: APIToken) async throws {
        try await database.write { db in
            try db.run(
                "INSERT INTO tokens (id, tenant_id, hash, name, created_at) VALUES (?, ?, ?, ?, ?)",
                [.text(token.id), .optionalText(token.tenantID), .text(token.hash), .optionalText(token.name),
                 .integer(Timestamp.millis(token.createdAt))]
            )
        }
    }

    public func tokens(tenantID: String) async throws -> [APIToken] {
        try await database.read { db in
            try db.query(
                "SELECT id, tenant_id, hash, name, created_at FROM tokens WHERE tenant_id = ? ORDER BY created_at DESC, id DESC", [.text(tenantID)],
                Self.token
            )
        }
    }

    public func deleteToken(tenantID: String, id: String) async throws -> APIToken? {
        try await database.write { db in
            try db.queryFirst(
                "DELETE FROM tokens WHERE id = ? AND tenant_id = ? RETURNING id, tenant_id, hash, name, created_at",
                [.text(id), .text(tenantID)], Self.token
            )
        }
    }

    private static func token(_ row: SQLiteStatement) -> APIToken {
        APIToken(
            id: row.text(0), tenantID: row.optionalText(1), hash: row.text(2), name: row.optionalText(3),
            createdAt: Timestamp.date(millis: row.int(4))
        )
    }

    public func principal(tokenHash: String) async throws -> Principal? {
        try await database.read { db in
            try db.queryFirst("SELECT tenant_id FROM tokens WHERE hash = ?", [.text(tokenHash)]) { row in
                row.optionalText(0).map(Principal.tenant) ?? .admin
            }
        }
    }

    public func setting(_ key: String) async throws -> String? {
        try await database.read { db in
            try db.queryFirst("SELECT value FROM settings WHERE key = ?", [.text(key)]) { $0.text(0) }
        }
    }

    public func setSetting(_ key: String, value: String) async throws {
        try await database.write { db in
            try db.run(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [.text(key), .text(value)]
            )
        }
    }

    public func setSettingIfAbsent(_ key: String, value: String) async throws -> String {
        try await database.write { db in
            try db.run("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", [.text(key), .text(value)])
            return try db.queryFirst("SELECT value FROM settings WHERE key = ?", [.text(key)]) { $0.text(0) } ?? value
        }
    }

    // MARK: Endpoints

    static func healthBinds(_ health: EndpointHealth) -> [SQLiteValue] {
        [
            .integer(Int64(health.failureStreak)), .integer(Int64(health.cooldownLevel)),
            .optionalInteger(health.cooldownUntil.map(Timestamp.millis)), .optionalInteger(health.lastSuccessAt.map(Timestamp.millis)),
            .optionalInteger(health.failingSince.map(Timestamp.millis)),
        ]
    }

    private static func endpointBinds(_ e: Endpoint) -> [SQLiteValue] {
        [
            .text(e.id), .text(e.tenantID), .optionalText(e.name), .optionalText(e.description), .text(e.url),
            .text(e.method.rawValue), .text(StoredForm.eventTypes(e.eventTypes)), .text(e.secret),
            .text(StoredForm.headers(e.headers)), .text(StoredForm.retry(e.retry)), .integer(Int64(e.maxInFlight)),
            .text(e.status.rawValue), .optionalText(e.statusReason), .integer(Timestamp.millis(e.createdAt)),
            .integer(Timestamp.millis(e.updatedAt)), .optionalText(StoredForm.batch(e.batch)),
            .optionalText(e.previousSecret), .optionalInteger(e.previousSecretExpiresAt.map(Timestamp.millis)),
            .optionalText(StoredForm.statusOverrides(e.statusOverrides)), .integer(e.ordered ? 1 : 0),
        ] + healthBinds(e.health) + [
            .optionalText(StoredForm.format(e.format)), .optionalText(StoredForm.auth(e.auth)), .optionalText(StoredForm.rateLimit(e.rateLimit)),
            .optionalInteger(e.timeoutSeconds.map(Int64.init)),
        ]
    }

    private static func nameTaken(_ name: String?) -> CourierError {
        .conflict("an endpoint named \(name ?? "") already exists", code: "endpoint_name_taken")
    }

    public func insertEndpoint(_ endpoint: Endpoint) async throws {
        try await database.write { [fanOutCache] db in
            do {
                try db.run(
                    "INSERT INTO endpoints (\(StoredForm.endpointColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    Self.endpointBinds(endpoint)
                )
            } catch let error as SQLiteError where error.isConstraintViolation {
                throw Self.nameTaken(endpoint.name)
            }
            fanOutCache.invalidate(endpoint.tenantID)
        }
    }

    public func endpoint(tenantID: String, id: String) async throws -> Endpoint? {
        try await database.read { db in
            try db.queryFirst(
                "SELECT \(StoredForm.endpointColumns) FROM endpoints WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL",
                [.text(id), .text(tenantID)], StoredForm.endpoint
            )
        }
    }

    public func endpoints(tenantID: String, page: PageRequest) async throws -> Page<Endpoint> {
        try await database.read { db in
            let items = try db.query(
                """
                SELECT \(StoredForm.endpointColumns) FROM endpoints
                WHERE tenant_id = ? AND deleted_at IS NULL AND id < ? ORDER BY id DESC LIMIT ?
                """,
                [.text(tenantID), .text(page.cursor ?? "~"), .integer(Int64(page.limit + 1))], StoredForm.endpoint
            )
            return Page(fetched: items, limit: page.limit, id: \.id)
        }
    }

    public func updateEndpoint(_ endpoint: Endpoint) async throws {
        try await database.write { [fanOutCache, hub] db in
            let stored = try db.queryFirst(
                "SELECT batch, rate_limit, rate_next_at FROM endpoints WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL",
                [.text(endpoint.id), .text(endpoint.tenantID)]
            ) { (batch: try StoredForm.batch(from: $0.optionalText(0)), rateLimit: try StoredForm.rateLimit(from: $0.optionalText(1)), rateNextAt: $0.optionalInt(2)) }
            let binds = Self.endpointBinds(endpoint)
            let changed: Int
            do {
                changed = try db.run(
                    """
                    UPDATE endpoints SET name = ?, description = ?, url = ?, method = ?, event_types = ?, secret = ?,
                        headers = ?, retry = ?, max_in_flight = ?, updated_at = ?, batch = ?, previous_secret = ?,
                        previous_secret_expires_at = ?, status_overrides = ?, ordered = ?, format = ?, auth = ?,
                        rate_limit = ?, rate_next_at = ?, timeout_seconds = ?
                    WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL
                    """,
                    Array(binds[2...9]) + [.integer(Int64(endpoint.maxInFlight)), .integer(Timestamp.millis(endpoint.updatedAt))]
                        + Array(binds[15...19]) + Array(binds[25...27]) + [
                            .optionalInteger(RateLimit.carried(stored?.rateNextAt, from: stored?.rateLimit, to: endpoint.rateLimit)),
                            binds[28], .text(endpoint.id), .text(endpoint.tenantID),
                        ]
                )
            } catch let error as SQLiteError where error.isConstraintViolation {
                throw Self.nameTaken(endpoint.name)
            }
            guard changed == 1 else { throw CourierError.notFound("endpoint") }
            if stored?.batch != endpoint.batch {
                try Self.returnOpenBatches(endpointID: endpoint.id, db: db, now: endpoint.updatedAt)
            }
            fanOutCache.invalidate(endpoint.tenantID)
            db.afterCommit.append { hub.emit([.endpointChanged(endpointID: endpoint.id)]) }
        }
    }

    public func setEndpointStatus(
        tenantID: String, id: String, status: Endpoint.Status, reason: String?, now: Date
    ) async throws -> Endpoint {
        try await database.write { [fanOutCache, hub] db in
            // Pausing a paused endpoint again without a reason keeps the one it was paused with.
            let changed = try db.run(
                """
                UPDATE endpoints SET status_reason = CASE WHEN status = ?1 AND ?2 IS NULL THEN status_reason ELSE ?2 END,
                    status = ?1, updated_at = ?3
                WHERE id = ?4 AND tenant_id = ?5 AND deleted_at IS NULL
                """,
                [.text(status.rawValue), .optionalText(reason), .integer(Timestamp.millis(now)), .text(id), .text(tenantID)]
            )
            guard changed == 1 else { throw CourierError.notFound("endpoint") }
            fanOutCache.invalidate(tenantID)
            let due = status == .active ? try Self.nextDue(db, endpointID: id) : nil
            db.afterCommit.append { hub.emit([.endpointChanged(endpointID: id)] + (due.map { [.due(endpointID: id, at: $0)] } ?? [])) }
            return try db.queryFirst(
                "SELECT \(StoredForm.endpointColumns) FROM endpoints WHERE id = ?", [.text(id)], StoredForm.endpoint
            )!
        }
    }

    public func deleteEndpoint(tenantID: String, id: String, now: Date) async throws {
        try await database.write { [fanOutCache, hub] db in
            let millis = Timestamp.millis(now)
            let changed = try db.run(
                "UPDATE endpoints SET deleted_at = ?, updated_at = ? WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL",
                [.integer(millis), .integer(millis), .text(id), .text(tenantID)]
            )
            guard changed == 1 else { throw CourierError.notFound("endpoint") }
            let runs = try db.query(
                "SELECT session_uid, instance FROM deliveries WHERE endpoint_id = ? AND state IN (0, 1) AND session_uid IS NOT NULL",
                [.text(id)]
            ) { TaskRef(session: $0.text(0), instance: $0.text(1)) }
            try db.run(
                """
                UPDATE deliveries SET state = ?, due_at = NULL, next_attempt_at = NULL, lease_until = NULL,
                    last_error = 'endpoint deleted', updated_at = ?
                WHERE endpoint_id = ? AND state IN (0, 1, 7)
                """,
                [.integer(Int64(DeliveryState.cancelled.storageCode)), .integer(millis), .text(id)]
            )
            let messages = try db.query(
                """
                UPDATE transmissions SET status = 4, error = 'its backend was deleted', updated_at = ?
                WHERE endpoint_id = ? AND status = 0 RETURNING message_id
                """,
                [.integer(millis), .text(id)]
            ) { $0.text(0) }
            for message in Set(messages) { try Self.rollUp(message, db: db, now: now) }
            var signals: [StoreSignal] = [.endpointChanged(endpointID: id)]
            for run in runs {
                signals += try Self.changeSession(db, tenantID: tenantID, uid: run.session, now: now) { session in
                    (try? session.runEnded(run.instance, .failed("its endpoint was deleted"), now: now)) ?? []
                }.signals
            }
            fanOutCache.invalidate(tenantID)
            let emitted = signals
            db.afterCommit.append { hub.emit(emitted) }
        }
    }

    // MARK: Events

    public func publish(_ events: [NewEvent], tenantID: String, now: Date) async throws -> [PublishedEvent] {
        try await database.write { [fanOutCache, hub] db in
            let (results, signals) = try Self.publish(events, tenantID: tenantID, now: now, db: db, fanOutCache: fanOutCache)
            if !signals.isEmpty { db.afterCommit.append { hub.emit(signals) } }
            return results
        }
    }

    /// Stores events and their deliveries in the caller's transaction; returns what was
    /// published and the signals to send after the commit.
    static func publish(
        _ events: [NewEvent], tenantID: String, now: Date, db: SQLiteConnection, fanOutCache: FanOutCache
    ) throws -> (results: [PublishedEvent], signals: [StoreSignal]) {
        let millis = Timestamp.millis(now)
        let endpoints = try fanOutCache.endpoints(tenantID: tenantID, db: db)
        var results: [PublishedEvent] = []
        results.reserveCapacity(events.count)
        var due: Set<String> = []
        var batches = OpenBatches(now: now)
        for event in events {
            if let key = event.idempotencyKey,
               let existing = try db.queryFirst(
                   "SELECT id FROM events WHERE tenant_id = ? AND idempotency_key = ?", [.text(tenantID), .text(key)],
                   { $0.text(0) }
               ) {
                results.append(PublishedEvent(id: existing, duplicate: true, deliveries: 0))
                continue
            }
            let eventID = Identifier.make("evt", now: now)
            try db.run(
                """
                INSERT INTO events (id, tenant_id, type, key, payload, occurred_at, idempotency_key, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.text(eventID), .text(tenantID), .text(event.type), .optionalText(event.key), .blob(event.payload),
                 .integer(event.occurredAt.map(Timestamp.millis) ?? millis), .optionalText(event.idempotencyKey),
                 .integer(millis)]
            )
            var fanOut = 0
            for endpoint in endpoints where endpoint.subscribes(to: event.type) {
                fanOut += 1
                guard let policy = endpoint.batch else {
                    try db.run(
                        """
                        INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, state, next_attempt_at, due_at, created_at, updated_at)
                        VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)
                        """,
                        [.text(Identifier.make("dlv", now: now)), .text(tenantID), .text(eventID), .text(endpoint.id),
                         .integer(millis), .integer(millis), .integer(millis), .integer(millis)]
                    )
                    if endpoint.status == .active { due.insert(endpoint.id) }
                    continue
                }
                if batches.needsLookup(endpoint.id) {
                    batches.found(
                        try db.queryFirst(Self.openBatch, [.text(endpoint.id), .integer(Int64(policy.size))], StoredForm.openBatch),
                        endpointID: endpoint.id
                    )
                }
                try db.run(
                    "INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, state, batch_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [.text(Identifier.make("dlv", now: now)), .text(tenantID), .text(eventID), .text(endpoint.id),
                     .integer(Int64(DeliveryState.batched.storageCode)), .text(batches.place(endpoint: endpoint, policy: policy)),
                     .integer(millis), .integer(millis)]
                )
            }
            results.append(PublishedEvent(id: eventID, duplicate: false, deliveries: fanOut))
        }
        var signals = due.map { StoreSignal.due(endpointID: $0, at: now) }
        for batch in batches.batches {
            let dueAt = batch.dueAt.map(Timestamp.millis)
            if batch.isNew {
                try db.run(
                    """
                    INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, state, next_attempt_at, due_at, members, created_at, updated_at)
                    VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [.text(batch.id), .text(batch.tenantID), .text(batch.endpointID), .integer(Int64(DeliveryState.pending.storageCode)),
                     .optionalInteger(dueAt), .optionalInteger(dueAt), .integer(Int64(batch.members)),
                     .integer(Timestamp.millis(batch.openedAt)), .integer(millis)]
                )
            } else {
                try db.run(
                    "UPDATE deliveries SET members = ?, next_attempt_at = ?, due_at = ?, updated_at = ? WHERE id = ?",
                    [.integer(Int64(batch.members)), .optionalInteger(dueAt), .optionalInteger(dueAt), .integer(millis), .text(batch.id)]
                )
            }
            if batch.dueChanged, let at = batch.dueAt, endpoints.contains(where: { $0.id == batch.endpointID && $0.status == .active }) {
                signals.append(.due(endpointID: batch.endpointID, at: at))
            }
        }
        return (results, signals)
    }

    /// The endpoint `?1`'s oldest open batch holding fewer than `?2` deliveries: pending, never
    /// claimed (a claim closes it), and counting its deliveries (batches of messages do not).
    private static let openBatch = """
        SELECT \(StoredForm.openBatchColumns) FROM deliveries INDEXED BY deliveries_due_batches
        WHERE endpoint_id = ?1 AND state IN (0, 1) AND event_id IS NULL AND lease_token = 0 AND members < ?2
        ORDER BY created_at, rowid LIMIT 1
        """

    /// Returns an endpoint's open batches' deliveries to `pending`, each due as when it was
    /// published, and removes the batches (never sent, so without attempts): after a change of
    /// its batch policy they are gathered, or sent one by one, by the policy it has now.
    private static func returnOpenBatches(endpointID: String, db: SQLiteConnection, now: Date) throws {
        let millis = Timestamp.millis(now)
        let open = try db.query(
            """
            DELETE FROM deliveries WHERE rowid IN (
                SELECT rowid FROM deliveries INDEXED BY deliveries_due_batches
                WHERE endpoint_id = ? AND state IN (0, 1) AND event_id IS NULL AND lease_token = 0 AND members IS NOT NULL
            ) RETURNING id
            """,
            [.text(endpointID)]
        ) { $0.text(0) }
        for batchID in open {
            try db.run(
                """
                UPDATE deliveries SET state = ?, batch_id = NULL, due_at = created_at, next_attempt_at = created_at, updated_at = ?
                WHERE batch_id = ? AND state = ?
                """,
                [.integer(Int64(DeliveryState.pending.storageCode)), .integer(millis), .text(batchID),
                 .integer(Int64(DeliveryState.batched.storageCode))]
            )
            // Those cancelled meanwhile stay cancelled, and no longer name a batch that is gone.
            try db.run("UPDATE deliveries SET batch_id = NULL WHERE batch_id = ?", [.text(batchID)])
        }
    }

    public func sendTestEvent(tenantID: String, endpointID: String, now: Date) async throws -> Delivery {
        try await database.write { [hub] db in
            guard let endpoint = try db.queryFirst(
                "SELECT \(StoredForm.endpointColumns) FROM endpoints WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL",
                [.text(endpointID), .text(tenantID)], StoredForm.endpoint
            ) else { throw CourierError.notFound("endpoint") }
            let event = NewEvent.test(endpointID: endpointID, now: now)
            let eventID = Identifier.make("evt", now: now)
            let deliveryID = Identifier.make("dlv", now: now)
            let millis = Timestamp.millis(now)
            try db.run(
                "INSERT INTO events (id, tenant_id, type, payload, occurred_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [.text(eventID), .text(tenantID), .text(event.type), .blob(event.payload), .integer(millis), .integer(millis)]
            )
            try db.run(
                """
                INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, state, next_attempt_at, due_at, created_at, updated_at)
                VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)
                """,
                [.text(deliveryID), .text(tenantID), .text(eventID), .text(endpointID), .integer(millis),
                 .integer(millis), .integer(millis), .integer(millis)]
            )
            if endpoint.status == .active { db.afterCommit.append { hub.emit([.due(endpointID: endpointID, at: now)]) } }
            return Delivery(id: deliveryID, tenantID: tenantID, eventID: eventID, endpointID: endpointID, state: .pending,
                            nextAttemptAt: now, createdAt: now, updatedAt: now)
        }
    }

    public func event(tenantID: String, id: String) async throws -> Event? {
        try await database.read { db in
            try db.queryFirst(
                "SELECT \(StoredForm.eventColumns) FROM events WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantID)],
                StoredForm.event
            )
        }
    }

    // MARK: Deliveries

    /// The WHERE clause and binds for a filter.
    static func whereClause(tenantID: String, filter: DeliveryFilter) -> (String, [SQLiteValue]) {
        var conditions = filter.conditions(tenantID: tenantID)
        // Said out loud, or SQLite would not use the partial index of states for the filter.
        if let state = filter.state, SQLiteSchema.isIndexed(state) { conditions.append((SQLiteSchema.indexedStates, [])) }
        return whereClause(conditions)
    }

    /// The WHERE clause and binds for conditions shared with the PostgreSQL store.
    static func whereClause(_ conditions: [(sql: String, values: [DeliveryFilter.Value])]) -> (String, [SQLiteValue]) {
        let binds = conditions.flatMap(\.values).map { value -> SQLiteValue in
            switch value {
            case .text(let text): .text(text)
            case .integer(let number): .integer(number)
            }
        }
        return (conditions.map(\.sql).joined(separator: " AND "), binds)
    }

    public func deliveries(tenantID: String, filter: DeliveryFilter, page: PageRequest) async throws -> Page<Delivery> {
        try await database.read { db in
            let (clause, binds) = Self.whereClause(tenantID: tenantID, filter: filter)
            let items = try db.query(
                "SELECT \(StoredForm.deliveryColumns) FROM deliveries WHERE \(clause) AND id < ? ORDER BY id DESC LIMIT ?",
                binds + [.text(page.cursor ?? "~"), .integer(Int64(page.limit + 1))], StoredForm.delivery
            )
            return Page(fetched: items, limit: page.limit, id: \.id)
        }
    }

    public func countDeliveries(tenantID: String, filter: DeliveryFilter) async throws -> Int {
        try await database.read { db in
            let (clause, binds) = Self.whereClause(tenantID: tenantID, filter: filter)
            return try db.queryFirst("SELECT COUNT(*) FROM deliveries WHERE \(clause)", binds) { Int($0.int(0)) } ?? 0
        }
    }

    public func delivery(tenantID: String, id: String) async throws -> Delivery? {
        try await database.read { db in
            try db.queryFirst(
                "SELECT \(StoredForm.deliveryColumns) FROM deliveries WHERE id = ? AND tenant_id = ?",
                [.text(id), .text(tenantID)], StoredForm.delivery
            )
        }
    }

    public func attempts(tenantID: String, deliveryID: String) async throws -> [Attempt] {
        try await database.read { db in try Self.attempts(tenantID: tenantID, deliveryID: deliveryID, db: db) }
    }

    public func deliveryWithAttempts(tenantID: String, id: String) async throws -> (delivery: Delivery, attempts: [Attempt])? {
        try await database.read { db in
            guard let delivery = try db.queryFirst(
                "SELECT \(StoredForm.deliveryColumns) FROM deliveries WHERE id = ? AND tenant_id = ?", [.text(id), .text(tenantID)],
                StoredForm.delivery
            ) else { return nil }
            return (delivery, try Self.attempts(tenantID: tenantID, deliveryID: id, db: db))
        }
    }

    static func attempts(tenantID: String, deliveryID: String, db: SQLiteConnection) throws -> [Attempt] {
        try db.query(
            "SELECT \(StoredForm.attemptColumns) FROM attempts WHERE delivery_id = ? AND tenant_id = ? ORDER BY id",
            [.text(deliveryID), .text(tenantID)], StoredForm.attempt
        )
    }

    public func apply(
        _ action: DeliveryStateMachine.Action, tenantID: String, deliveryID: String, now: Date
    ) async throws -> Delivery {
        try await database.write { [hub] db in
            guard let delivery = try db.queryFirst(
                "SELECT \(StoredForm.deliveryColumns) FROM deliveries WHERE id = ? AND tenant_id = ?",
                [.text(deliveryID), .text(tenantID)], StoredForm.delivery
            ) else {
                throw CourierError.notFound("delivery")
            }
            let deleted = try Self.deletedEndpoints(among: [delivery.endpointID], db: db)
            let signal = try Self.apply(action, to: delivery, endpointDeleted: !deleted.isEmpty, db: db, now: now)
            if let signal { db.afterCommit.append { hub.emit([signal]) } }
            return try db.queryFirst(
                "SELECT \(StoredForm.deliveryColumns) FROM deliveries WHERE id = ?", [.text(deliveryID)], StoredForm.delivery
            )!
        }
    }

    /// Which of `endpointIDs` name deleted endpoints, whose deliveries nothing may make due again.
    private static func deletedEndpoints(among endpointIDs: Set<String>, db: SQLiteConnection) throws -> Set<String> {
        let ids = Array(endpointIDs)
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        return Set(try db.query(
            "SELECT id FROM endpoints WHERE id IN (\(marks)) AND deleted_at IS NOT NULL", ids.map { .text($0) }
        ) { $0.text(0) })
    }

    /// Writes the effect of an action on one delivery; returns the signal to send when it becomes due.
    private static func apply(
        _ action: DeliveryStateMachine.Action, to delivery: Delivery, endpointDeleted: Bool, db: SQLiteConnection, now: Date
    ) throws -> StoreSignal? {
        try delivery.checkActionable(action, now: now)
        let effect = try DeliveryStateMachine.apply(
            action, state: delivery.state, attemptCount: delivery.attemptCount, budget: delivery.budget, now: now,
            endpointDeleted: endpointDeleted
        )
        let next = effect.nextAttemptAt.map(Timestamp.millis)
        try db.run(
            """
            UPDATE deliveries SET state = ?, next_attempt_at = ?,
                due_at = ?,
                budget_base = ?, budget_first_at = ?, single_shot = ?, updated_at = ?
            WHERE id = ?
            """,
            [.integer(Int64(effect.state.storageCode)), .optionalInteger(next), .optionalInteger(next),
             .integer(Int64(effect.budget.base)), .optionalInteger(effect.budget.firstAttemptAt.map(Timestamp.millis)),
             .integer(effect.budget.singleShot ? 1 : 0), .integer(Timestamp.millis(now)), .text(delivery.id)]
        )
        if let messageID = delivery.messageID, effect.state == .cancelled {
            try db.run(
                "UPDATE transmissions SET status = 4, error = 'its batch was cancelled', updated_at = ? WHERE delivery_id = ? AND status = 0",
                [.integer(Timestamp.millis(now)), .text(delivery.id)]
            )
            try rollUp(messageID, db: db, now: now)
        }
        if delivery.eventID == nil, let (to, from) = BatchOutcome.membersFollow(batchFrom: delivery.state, to: effect.state) {
            try db.run(
                "UPDATE deliveries SET state = ?, updated_at = ? WHERE batch_id = ? AND state = ?",
                [.integer(Int64(to.storageCode)), .integer(Timestamp.millis(now)), .text(delivery.id), .integer(Int64(from.storageCode))]
            )
        }
        guard let at = effect.wakesEndpointAt else { return nil }
        return .due(endpointID: delivery.endpointID, at: at)
    }

    public func apply(
        _ action: DeliveryStateMachine.Action, tenantID: String, filter: DeliveryFilter, now: Date
    ) async throws -> BulkResult {
        var total = BulkResult(matched: 0, changed: 0)
        var cursor: String?
        repeat {
            let below = cursor
            let (result, last) = try await database.write { [hub] db in
                try Self.applyChunk(action, tenantID: tenantID, filter: filter, below: below, db: db, hub: hub, now: now)
            }
            total.matched += result.matched
            total.changed += result.changed
            cursor = last
        } while cursor != nil
        return total
    }

    /// One chunk of a bulk action: up to ``BulkOperation/chunkSize`` deliveries that match,
    /// below `cursor` by id (newest first), acted on where their state allows. Returns what it
    /// did and the last id it walked, or nil when nothing is left below it.
    static func applyChunk(
        _ action: DeliveryStateMachine.Action, tenantID: String, filter: DeliveryFilter, below cursor: String?,
        db: SQLiteConnection, hub: SignalHub, now: Date
    ) throws -> (BulkResult, String?) {
        let (clause, binds) = whereClause(tenantID: tenantID, filter: filter)
        let rows = try db.query(
            "SELECT \(StoredForm.deliveryColumns) FROM deliveries WHERE \(clause) AND id < ? ORDER BY id DESC LIMIT ?",
            binds + [.text(cursor ?? "~"), .integer(Int64(BulkOperation.chunkSize))], StoredForm.delivery
        )
        var changed = 0
        var signals: [String: Date] = [:]
        let deleted = try deletedEndpoints(among: Set(rows.map(\.endpointID)), db: db)
        for delivery in rows {
            let signal: StoreSignal?
            do {
                signal = try apply(action, to: delivery, endpointDeleted: deleted.contains(delivery.endpointID), db: db, now: now)
            } catch is CourierError {
                continue  // not applicable in this state
            }
            changed += 1
            if case .due(let endpointID, let at)? = signal { signals[endpointID] = min(at, signals[endpointID] ?? at) }
        }
        if !signals.isEmpty {
            let emitted = signals.map { StoreSignal.due(endpointID: $0.key, at: $0.value) }
            db.afterCommit.append { hub.emit(emitted) }
        }
        return (BulkResult(matched: rows.count, changed: changed), rows.count < BulkOperation.chunkSize ? nil : rows.last?.id)
    }

    // MARK: Sessions

    public func session(tenantID: String, uid: String) async throws -> Session? {
        try await database.read { db in
            try db.queryFirst(
                "SELECT state FROM sessions WHERE tenant_id = ? AND uid = ?", [.text(tenantID), .text(uid)]
            ) { try StoredForm.session(from: $0.text(0)) }
        }
    }

    public func sessions(tenantID: String, filter: SessionFilter, page: PageRequest) async throws -> Page<SessionSummary> {
        let (clause, binds) = Self.whereClause(try filter.conditions(tenantID: tenantID, after: page.cursor))
        return try await database.read { db in
            let rows = try db.query(
                "SELECT uid, updated_at, state FROM sessions WHERE \(clause) ORDER BY updated_at DESC, uid DESC LIMIT ?",
                binds + [.integer(Int64(page.limit + 1))]
            ) { (uid: $0.text(0), updatedAt: $0.int(1), state: $0.text(2)) }
            let fetched = Page(fetched: rows, limit: page.limit) { SessionSummary.cursor(updatedAt: $0.updatedAt, uid: $0.uid) }
            return Page(
                items: try fetched.items.map { SessionSummary(try StoredForm.session(from: $0.state), updatedAt: Timestamp.date(millis: $0.updatedAt)) },
                nextCursor: fetched.nextCursor
            )
        }
    }

    public func changeSession(
        tenantID: String, uid: String, now: Date, _ change: @escaping @Sendable (inout Session) throws -> [Session.Effect]
    ) async throws -> Session {
        // On the single writer thread: one change after another, as they arrive.
        try await database.write { [hub] db in
            let (session, signals) = try Self.changeSession(db, tenantID: tenantID, uid: uid, now: now, change)
            if !signals.isEmpty { db.afterCommit.append { hub.emit(signals) } }
            return session
        }
    }

    /// Loads a session, applies `change`, carries out its effects and saves it, in the caller's
    /// transaction; returns the session and the signals to send after the commit.
    static func changeSession(
        _ db: SQLiteConnection, tenantID: String, uid: String, now: Date, _ change: (inout Session) throws -> [Session.Effect]
    ) throws -> (session: Session, signals: [StoreSignal]) {
        var session = try db.queryFirst(
            "SELECT state FROM sessions WHERE tenant_id = ? AND uid = ?", [.text(tenantID), .text(uid)]
        ) { try StoredForm.session(from: $0.text(0)) } ?? Session(uid: uid)
        session.runsUnderWay(
            try db.query(
                """
                SELECT instance FROM deliveries
                WHERE tenant_id = ? AND session_uid = ? AND state IN (0, 1) AND lease_until IS NOT NULL
                """,
                [.text(tenantID), .text(uid)]
            ) { $0.text(0) },
            now: now
        )
        let effects = try change(&session)
        let work = try session.carryOut(effects, now: now) { target in
            try db.queryFirst(
                """
                SELECT \(StoredForm.endpointColumns) FROM endpoints
                WHERE tenant_id = ? AND deleted_at IS NULL AND (id = ? OR name = ?) LIMIT 1
                """,
                [.text(tenantID), .text(target), .text(target)], StoredForm.endpoint
            )
        }
        let millis = Timestamp.millis(now)
        var signals: [StoreSignal] = []
        for run in work.runs {
            let eventID = Identifier.make("evt", now: now)
            try db.run(
                """
                INSERT INTO events (id, tenant_id, type, key, payload, occurred_at, idempotency_key, created_at)
                VALUES (?, ?, ?, ?, ?, ?, NULL, ?)
                """,
                [.text(eventID), .text(tenantID), .text(Session.taskEventType), .text(uid), .blob(run.payload),
                 .integer(millis), .integer(millis)]
            )
            try db.run(
                """
                INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, state, next_attempt_at, due_at, created_at,
                    updated_at, session_uid, instance)
                VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)
                """,
                [.text(Identifier.make("dlv", now: now)), .text(tenantID), .text(eventID), .text(run.endpoint.id),
                 .integer(millis), .integer(millis), .integer(millis), .integer(millis), .text(uid),
                 .text(run.instance)]
            )
            if run.endpoint.status == .active { signals.append(.due(endpointID: run.endpoint.id, at: now)) }
        }
        for instance in work.cancels {
            try db.run(
                """
                UPDATE deliveries SET state = ?, due_at = NULL, next_attempt_at = NULL, lease_until = NULL,
                    last_error = 'its instance was abandoned (unless)', updated_at = ?
                WHERE tenant_id = ? AND session_uid = ? AND instance = ? AND state IN (0, 1)
                """,
                [.integer(Int64(DeliveryState.cancelled.storageCode)), .integer(millis), .text(tenantID), .text(uid),
                 .text(instance)]
            )
        }
        try db.run(
            """
            INSERT INTO sessions (tenant_id, uid, state, updated_at, failed_instances) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (tenant_id, uid) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at,
                failed_instances = excluded.failed_instances
            """,
            [.text(tenantID), .text(uid), .text(StoredForm.session(session)), .integer(millis),
             .integer(Int64(session.instanceCounts[.failed] ?? 0))]
        )
        return (session, signals)
    }

    // MARK: The delivery engine

    static func nextDue(_ db: SQLiteConnection, endpointID: String) throws -> Date? {
        try db.queryFirst(
            "SELECT MIN(due_at) FROM deliveries WHERE endpoint_id = ? AND state IN (0, 1) AND due_at IS NOT NULL",
            [.text(endpointID)]
        ) { $0.optionalInt(0) }.flatMap { $0 }.map(Timestamp.date)
    }

    public func dueEndpoints() async throws -> [DueWork] {
        try await database.read { db in
            let ids = try db.query(
                "SELECT id FROM endpoints WHERE status = 'active' AND deleted_at IS NULL", []
            ) { $0.text(0) }
            return try ids.compactMap { id in
                try Self.nextDue(db, endpointID: id).map { DueWork(endpointID: id, dueAt: $0) }
            }
        }
    }

    public func claim(endpointID: String, limit: Int, now: Date, leaseUntil proposedLease: Date, answered: [Lease]) async throws -> Claim {
        try await database.write(durable: false) { db in
            guard let (endpoint, rateNextAt) = try db.queryFirst(
                "SELECT \(StoredForm.endpointColumns), rate_next_at FROM endpoints WHERE id = ? AND deleted_at IS NULL", [.text(endpointID)],
                { (try StoredForm.endpoint($0), $0.optionalInt(StoredForm.endpointColumnCount)) }
            ), endpoint.status == .active else {
                return Claim(endpoint: nil, deliveries: [], nextDueAt: nil)
            }
            let (capacity, uncounted, perClaim): (Int, [Lease], Int)
            switch endpoint.claimAllowance(at: now, answered: answered, limit: limit, rateNextAt: rateNextAt) {
            case .coolingDown(let until): return Claim(endpoint: endpoint, deliveries: [], nextDueAt: until)
            case .rateLimited(let until):
                return Claim(endpoint: endpoint, deliveries: [], nextDueAt: try Self.nextDue(db, endpoint: endpoint, now: now), rateLimitedUntil: until)
            case .slots(let slots, let leases, let most): (capacity, uncounted, perClaim) = (slots, leases, most)
            }
            // maxInFlight counts every lease still running, not only this claim's, but not the
            // caller's answered ones. By the index of leased rows: without statistics SQLite
            // would pick the index of all active ones and count through the whole backlog.
            let leased = try db.queryFirst(
                """
                SELECT COUNT(*) FROM deliveries INDEXED BY deliveries_leased
                WHERE endpoint_id = ? AND lease_until > ? AND state IN (0, 1)
                    AND lease_token || ' ' || id NOT IN (SELECT value FROM json_each(?))
                """,
                [.text(endpointID), .integer(Timestamp.millis(now)), .text(StoredForm.jsonList(uncounted.map(StoredForm.leaseKey)))]
            ) { Int($0.int(0)) } ?? 0
            let allowed = min(perClaim, capacity - leased)
            guard allowed > 0 else {
                return Claim(endpoint: endpoint, deliveries: [], nextDueAt: try Self.nextDue(db, endpoint: endpoint, now: now))
            }
            // Long enough for the endpoint's own timeout, whatever the engine asked for.
            let leaseUntil = endpoint.leaseUntil(proposedLease, now: now)
            let lease = Timestamp.millis(leaseUntil)
            // At a batching endpoint only batches are claimed as they are (retries, resends, a
            // dead worker's); its events' deliveries wait to be gathered into new ones below.
            // An ordered endpoint's only candidate is its oldest active delivery, due or not.
            // Task runs are never batched: a batching endpoint claims them one by one beside its batches.
            // Candidates by rowid: the update then reaches each row directly, not through the
            // index of text ids.
            let candidates = endpoint.ordered
                ? "SELECT rowid FROM deliveries WHERE endpoint_id = ?2 AND state IN (0, 1) AND due_at <= ?3 AND rowid = (\(Self.headRowid)) LIMIT ?4"
                : endpoint.batch == nil
                    ? "SELECT rowid FROM deliveries WHERE endpoint_id = ?2 AND state IN (0, 1) AND due_at <= ?3 ORDER BY due_at, rowid LIMIT ?4"
                    : """
                    SELECT r FROM (
                        SELECT due_at, rowid AS r FROM deliveries
                        WHERE endpoint_id = ?2 AND state IN (0, 1) AND event_id IS NULL AND due_at <= ?3
                        UNION ALL
                        SELECT due_at, rowid AS r FROM deliveries
                        WHERE endpoint_id = ?2 AND state IN (0, 1) AND session_uid IS NOT NULL AND due_at <= ?3
                    ) ORDER BY due_at, r LIMIT ?4
                    """
            var rows = try db.query(
                """
                UPDATE deliveries SET lease_token = lease_token + 1, lease_until = ?1, due_at = ?1
                WHERE rowid IN (\(candidates))
                RETURNING \(StoredForm.leasedColumns)
                """,
                [.integer(lease), .text(endpointID), .integer(Timestamp.millis(now)), .integer(Int64(allowed))],
                StoredForm.LeasedRow.init
            )
            rows.sort { $0.id < $1.id }
            // The plain events' bodies in one statement rather than one each.
            let eventIDs = rows.compactMap(\.eventToRead)
            var events: [String: Event] = [:]
            if !eventIDs.isEmpty {
                events.reserveCapacity(eventIDs.count)
                for event in try db.query(
                    "SELECT \(StoredForm.eventColumns) FROM events WHERE id IN (SELECT value FROM json_each(?))",
                    [.text(StoredForm.jsonList(eventIDs))], StoredForm.event
                ) {
                    events[event.id] = event
                }
            }
            var claimed: [ClaimedDelivery] = []
            claimed.reserveCapacity(rows.count)
            for row in rows {
                if let messageID = row.messageID {
                    guard let batch = try Self.claimTransmissions(deliveryID: row.id, messageID: messageID, db: db, now: now) else {
                        try Self.end(row.id, .succeeded, reason: "every transmission it carries was already sent", db: db, now: now)
                        continue
                    }
                    claimed.append(row.claimed(.message(batch)))
                } else if let content = row.content(events: events) {
                    claimed.append(row.claimed(content))
                }
            }
            if let policy = endpoint.batch {
                while claimed.count < allowed,
                      let batch = try Self.formBatch(db, endpoint: endpoint, policy: policy, now: now, leaseUntil: leaseUntil) {
                    claimed.append(batch)
                }
            }
            var rateLimitedUntil: Date?
            if let rateLimit = endpoint.rateLimit, !claimed.isEmpty {
                let next = rateLimit.next(after: rateNextAt, now: now)
                try db.run("UPDATE endpoints SET rate_next_at = ? WHERE id = ?", [.integer(next), .text(endpointID)])
                rateLimitedUntil = RateLimit.readyAt(next)
            }
            return Claim(
                endpoint: endpoint, deliveries: claimed, nextDueAt: try Self.nextDue(db, endpoint: endpoint, now: now),
                rateLimitedUntil: rateLimitedUntil
            )
        }
    }

    /// Ends a claimed delivery that turned out to have nothing to send, with the reason.
    private static func end(_ deliveryID: String, _ state: DeliveryState, reason: String, db: SQLiteConnection, now: Date) throws {
        try db.run(
            """
            UPDATE deliveries SET state = ?, due_at = NULL, next_attempt_at = NULL, lease_until = NULL, last_error = ?, updated_at = ?
            WHERE id = ?
            """,
            [.integer(Int64(state.storageCode)), .text(reason), .integer(Timestamp.millis(now)), .text(deliveryID)]
        )
    }

    /// The due events' deliveries of a batching endpoint waiting to be gathered: how many (up to
    /// a batch) and since when the oldest has been due.
    private static func waitingForBatch(
        _ db: SQLiteConnection, endpointID: String, size: Int, now: Date
    ) throws -> (count: Int, oldestDueAt: Date?) {
        try db.queryFirst(
            """
            SELECT COUNT(*), MIN(due_at) FROM (
                SELECT due_at FROM deliveries
                WHERE endpoint_id = ? AND state IN (0, 1) AND due_at <= ? AND event_id IS NOT NULL AND session_uid IS NULL
                ORDER BY due_at, rowid LIMIT ?
            )
            """,
            [.text(endpointID), .integer(Timestamp.millis(now)), .integer(Int64(size))]
        ) { (count: Int($0.int(0)), oldestDueAt: $0.optionalInt(1).map(Timestamp.date)) } ?? (0, nil)
    }

    /// Gathers the oldest waiting deliveries into a new batch and claims it, when the policy
    /// says they make one now. Runs in the claim's transaction, so two claims can never split
    /// or share a batch.
    private static func formBatch(
        _ db: SQLiteConnection, endpoint: Endpoint, policy: BatchPolicy, now: Date, leaseUntil: Date
    ) throws -> ClaimedDelivery? {
        let waiting = try waitingForBatch(db, endpointID: endpoint.id, size: policy.size, now: now)
        guard let oldest = waiting.oldestDueAt,
              policy.readiness(ofLeftovers: waiting.count, oldestDueAt: oldest, now: now).ready else { return nil }
        let batchID = Identifier.make("dlv", now: now)
        let millis = Timestamp.millis(now)
        let lease = Timestamp.millis(leaseUntil)
        let members = try db.run(
            """
            UPDATE deliveries SET state = ?1, batch_id = ?2, due_at = NULL, next_attempt_at = NULL, updated_at = ?3
            WHERE rowid IN (
                SELECT rowid FROM deliveries
                WHERE endpoint_id = ?4 AND state IN (0, 1) AND due_at <= ?3 AND event_id IS NOT NULL AND session_uid IS NULL
                ORDER BY due_at, rowid LIMIT ?5
            )
            """,
            [.integer(Int64(DeliveryState.batched.storageCode)), .text(batchID), .integer(millis), .text(endpoint.id),
             .integer(Int64(policy.size))]
        )
        try db.run(
            """
            INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, state, next_attempt_at, due_at, lease_until,
                lease_token, members, created_at, updated_at)
            VALUES (?, ?, NULL, ?, ?, ?, ?, ?, 1, ?, ?, ?)
            """,
            [.text(batchID), .text(endpoint.tenantID), .text(endpoint.id), .integer(Int64(DeliveryState.pending.storageCode)),
             .integer(millis), .integer(lease), .integer(lease), .integer(Int64(members)), .integer(millis), .integer(millis)]
        )
        return ClaimedDelivery(
            deliveryID: batchID, tenantID: endpoint.tenantID, content: .unreadBatch,
            progress: DeliveryStateMachine.Progress(state: .pending, attemptCount: 0, lastAttemptAt: nil, budget: RetryBudget()),
            leaseToken: 1
        )
    }

    /// The rowid of the endpoint `?2`'s oldest active delivery (its head, when ordered).
    private static let headRowid = "SELECT MIN(rowid) FROM deliveries WHERE endpoint_id = ?2 AND state IN (0, 1)"

    /// When an ordered endpoint can next send: when its head is due, or, while the head is
    /// under way, when the one behind it is (the engine waits for the head's outcome anyway).
    private static func nextOrderedDue(_ db: SQLiteConnection, endpointID: String) throws -> Date? {
        let rows = try db.query(
            """
            SELECT due_at, lease_until FROM deliveries WHERE endpoint_id = ? AND state IN (0, 1) ORDER BY rowid LIMIT 2
            """,
            [.text(endpointID)]
        ) { (due: $0.optionalInt(0), leased: $0.optionalInt(1) != nil) }
        guard let head = rows.first else { return nil }
        let candidates = head.leased ? rows.compactMap(\.due) : [head.due].compactMap { $0 }
        return candidates.min().map(Timestamp.date)
    }

    private static let qualifiedEventColumns = StoredForm.eventColumns.split(separator: ", ").map { "e.\($0)" }.joined(separator: ", ")

    /// The events a batch carries now (those cancelled meanwhile drop out), oldest first; on
    /// a reader, outside the claim's transaction (see ``Store/batchEvents(batchID:)``).
    public func batchEvents(batchID: String) async throws -> [Event] {
        try await database.read { db in
            try db.query(
                """
                SELECT \(Self.qualifiedEventColumns) FROM deliveries d JOIN events e ON e.id = d.event_id
                WHERE d.batch_id = ? AND d.state = ? ORDER BY d.id
                """,
                [.text(batchID), .integer(Int64(DeliveryState.batched.storageCode))], StoredForm.event
            )
        }
    }

    /// When the endpoint next has something to claim: for a batching endpoint, the earliest of
    /// a batch's retry, the moment the waiting deliveries make a batch, and the next delivery
    /// to become due.
    static func nextDue(_ db: SQLiteConnection, endpoint: Endpoint, now: Date) throws -> Date? {
        if endpoint.ordered { return try nextOrderedDue(db, endpointID: endpoint.id) }
        guard let policy = endpoint.batch else { return try nextDue(db, endpointID: endpoint.id) }
        var candidates: [Date] = []
        for due in ["event_id IS NULL", "session_uid IS NOT NULL"] {
            if let at = try db.queryFirst(
                "SELECT MIN(due_at) FROM deliveries WHERE endpoint_id = ? AND state IN (0, 1) AND \(due) AND due_at IS NOT NULL",
                [.text(endpoint.id)], { $0.optionalInt(0) }
            ).flatMap({ $0 }) {
                candidates.append(Timestamp.date(millis: at))
            }
        }
        let waiting = try waitingForBatch(db, endpointID: endpoint.id, size: policy.size, now: now)
        if let oldest = waiting.oldestDueAt, let at = policy.readiness(ofLeftovers: waiting.count, oldestDueAt: oldest, now: now).at {
            candidates.append(at)
        }
        if let at = try db.queryFirst(
            """
            SELECT MIN(due_at) FROM deliveries
            WHERE endpoint_id = ? AND state IN (0, 1) AND due_at > ? AND event_id IS NOT NULL AND session_uid IS NULL
            """,
            [.text(endpoint.id), .integer(Timestamp.millis(now))], { $0.optionalInt(0) }
        ).flatMap({ $0 }) {
            candidates.append(Timestamp.date(millis: at))
        }
        return candidates.min()
    }

    public func record(_ records: [AttemptRecord]) async throws {
        guard !records.isEmpty else { return }
        try await database.write(durable: false) { [fanOutCache, hub] db in
            var signals: [StoreSignal] = []
            var healths: [String: (stored: EndpointHealth, current: EndpointHealth)] = [:]
            for record in records {
                let attempt = record.attempt
                let started = Timestamp.millis(attempt.startedAt)
                // Recording the same attempt twice (a retried batch) applies it once, and an
                // attempt of a delivery retention deleted while it was under way not at all.
                let inserted = try db.run(
                    """
                    INSERT INTO attempts (id, delivery_id, tenant_id, started_at, duration_ms, request, response_status,
                        response_headers, response_body, response_truncated, error, outcome)
                    SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = ?2)
                    ON CONFLICT (id) DO NOTHING
                    """,
                    [.text(attempt.id), .text(attempt.deliveryID), .text(attempt.tenantID), .integer(started),
                     .double(attempt.duration * 1000), .text(attempt.request),
                     .optionalInteger(attempt.responseStatus.map(Int64.init)), .text(StoredForm.responseHeaders(attempt.responseHeaders)),
                     .optionalText(attempt.responseBody), .integer(attempt.responseBodyTruncated ? 1 : 0),
                     .optionalText(attempt.error), .text(attempt.outcome.rawValue)]
                )
                guard inserted == 1 else { continue }
                let ended = Timestamp.millis(attempt.startedAt.addingTimeInterval(attempt.duration))
                // The attempt counts whatever became of the lease; its transition applies only under
                // the lease it was made with. While the lease holds (nearly always) both go in one
                // statement, which spares the writer a second write of the row.
                let counted: [SQLiteValue] = [
                    .integer(started), .optionalInteger(attempt.responseStatus.map(Int64.init)),
                    .optionalText(attempt.outcome == .succeeded ? nil : attempt.summary), .integer(ended),
                ]
                let transition = record.transition
                let next = transition.nextAttemptAt.map(Timestamp.millis)
                let applied = try db.run(
                    """
                    UPDATE deliveries SET attempt_count = attempt_count + 1, last_attempt_at = ?, last_status = ?,
                        last_error = ?, updated_at = ?, state = ?, next_attempt_at = ?, lease_until = NULL,
                        due_at = ?,
                        budget_base = ?, budget_first_at = ?, single_shot = ?
                    WHERE id = ? AND lease_token = ? AND state IN (0, 1)
                    """,
                    counted + [
                        .integer(Int64(transition.state.storageCode)), .optionalInteger(next), .optionalInteger(next),
                        .integer(Int64(transition.budget.base)),
                        .optionalInteger(transition.budget.firstAttemptAt.map(Timestamp.millis)),
                        .integer(transition.budget.singleShot ? 1 : 0), .text(attempt.deliveryID), .integer(record.lease.token),
                    ]
                )
                // Whether the transmissions the request carried are still this lease's: its own
                // transition applied, or a person cancelled the delivery (or deleted the backend)
                // while the request was under way, which leaves them to it (not another lease).
                var carriesItsTransmissions = applied == 1
                if applied == 0 {
                    if case .batch? = record.message {
                        carriesItsTransmissions = try db.queryFirst(
                            "SELECT 1 FROM deliveries WHERE id = ? AND lease_token = ?", [.text(attempt.deliveryID), .integer(record.lease.token)]
                        ) { _ in true } ?? false
                    }
                    // Not its transition (the lease moved on, or a person cancelled the delivery
                    // meanwhile), but a lease that is still its own ends with it. A success keeps
                    // the reason the delivery ended (cancelled, its endpoint deleted) in sight.
                    try db.run(
                        """
                        UPDATE deliveries SET attempt_count = attempt_count + 1, last_attempt_at = ?, last_status = ?,
                            last_error = COALESCE(?, last_error), updated_at = ?,
                            lease_until = CASE WHEN lease_token = ? THEN NULL ELSE lease_until END
                        WHERE id = ?
                        """,
                        counted + [.integer(record.lease.token), .text(attempt.deliveryID)]
                    )
                }
                if applied == 1, let batch = record.batch,
                   let retryAt = try Self.settleBatch(db, record: record, outcome: batch) {
                    signals.append(.due(endpointID: record.endpointID, at: retryAt))
                }
                if let outcome = record.message, applied == 1 || (carriesItsTransmissions && outcome.isBatch) {
                    signals += try Self.settleMessages(
                        outcome, record: record, tenantID: attempt.tenantID, db: db, now: Timestamp.date(millis: ended)
                    )
                }
                if applied == 1, let run = record.task, let outcome = record.runOutcome {
                    let endedAt = Timestamp.date(millis: ended)
                    signals += try Self.changeSession(db, tenantID: attempt.tenantID, uid: run.session, now: endedAt) { session in
                        (try? session.runEnded(run.instance, outcome, now: endedAt)) ?? []
                    }.signals
                }
                // The endpoint's health takes in every attempt, in order; it is written once below.
                if healths[record.endpointID] == nil, let stored = try db.queryFirst(
                    "SELECT failure_streak, cooldown_level, cooldown_until, last_success_at, failing_since FROM endpoints WHERE id = ?",
                    [.text(record.endpointID)], { try StoredForm.health($0, from: 0) }
                ) {
                    healths[record.endpointID] = (stored, stored)
                }
                let failedTooLong = healths[record.endpointID]?.current.record(record.healthOutcome, at: Timestamp.date(millis: ended))
                if let reason = transition.disableEndpointReason ?? failedTooLong {
                    let disabled = try db.run(
                        "UPDATE endpoints SET status = 'disabled', status_reason = ?, updated_at = ? WHERE id = ? AND status = 'active'",
                        [.text(reason), .integer(ended), .text(record.endpointID)]
                    )
                    if disabled == 1 {
                        fanOutCache.invalidate(attempt.tenantID)
                        signals.append(.endpointChanged(endpointID: record.endpointID))
                    }
                }
            }
            for (endpointID, health) in healths where health.current.differs(from: health.stored) {
                if health.current.startsCoolingDown(from: health.stored) {
                    // Deliveries the engine has claimed but not sent go back until the probe.
                    signals.append(.endpointChanged(endpointID: endpointID))
                } else if health.current.recovers(from: health.stored), let at = health.current.lastSuccessAt {
                    signals.append(.due(endpointID: endpointID, at: at))
                }
                try db.run(
                    """
                    UPDATE endpoints SET failure_streak = ?, cooldown_level = ?, cooldown_until = ?, last_success_at = ?, failing_since = ?
                    WHERE id = ?
                    """,
                    Self.healthBinds(health.current) + [.text(endpointID)]
                )
            }
            if !signals.isEmpty {
                let emitted = signals
                db.afterCommit.append { hub.emit(emitted) }
            }
        }
    }

    /// Carries a batch's attempt over to the events' deliveries it carried: each counts the
    /// attempt; those the receiver listed as failed go back to retrying on their own budgets;
    /// the rest follow the batch (or stay with it while it retries). Returns when the first
    /// listed one is due again.
    private static func settleBatch(_ db: SQLiteConnection, record: AttemptRecord, outcome: BatchOutcome) throws -> Date? {
        let attempt = record.attempt
        let batchID = attempt.deliveryID
        let batched = Int64(DeliveryState.batched.storageCode)
        let started = Timestamp.millis(attempt.startedAt)
        let endedAt = attempt.startedAt.addingTimeInterval(attempt.duration)
        let ended = Timestamp.millis(endedAt)
        var failed: [(id: String, progress: DeliveryStateMachine.Progress)] = []
        if record.transition.state == .succeeded, !outcome.failedEventIDs.isEmpty {
            failed = try db.query(
                """
                SELECT id, event_id, attempt_count, last_attempt_at, budget_base, budget_first_at, single_shot
                FROM deliveries WHERE batch_id = ? AND state = ?
                """,
                [.text(batchID), .integer(batched)]
            ) { row in
                (id: row.text(0), eventID: row.text(1), progress: DeliveryStateMachine.Progress(
                    state: .pending, attemptCount: Int(row.int(2)), lastAttemptAt: row.optionalInt(3).map(Timestamp.date),
                    budget: RetryBudget(base: Int(row.int(4)), firstAttemptAt: row.optionalInt(5).map(Timestamp.date), singleShot: row.int(6) != 0)
                ))
            }
            .filter { outcome.failedEventIDs.contains($0.eventID) }
            .map { (id: $0.id, progress: $0.progress) }
        }
        let status = attempt.responseStatus.map(Int64.init)
        var firstRetry: Date?
        for member in failed {
            let transition = outcome.failedMember(member.progress, startedAt: attempt.startedAt, now: endedAt)
            let next = transition.nextAttemptAt.map(Timestamp.millis)
            try db.run(
                """
                UPDATE deliveries SET state = ?, next_attempt_at = ?, attempt_count = attempt_count + 1, last_attempt_at = ?,
                    last_status = ?, last_error = 'the receiver listed it as failed', updated_at = ?,
                    due_at = ?,
                    budget_base = ?, budget_first_at = ?, single_shot = ?
                WHERE id = ?
                """,
                [.integer(Int64(transition.state.storageCode)), .optionalInteger(next), .integer(started),
                 .optionalInteger(status), .integer(ended), .optionalInteger(next),
                 .integer(Int64(transition.budget.base)), .optionalInteger(transition.budget.firstAttemptAt.map(Timestamp.millis)),
                 .integer(transition.budget.singleShot ? 1 : 0), .text(member.id)]
            )
            if let at = transition.nextAttemptAt { firstRetry = min(at, firstRetry ?? at) }
        }
        // The rest in one statement: they count the attempt, and follow the batch if it finished.
        let state = record.transition.state.isActive ? DeliveryState.batched : record.transition.state
        try db.run(
            """
            UPDATE deliveries SET attempt_count = attempt_count + 1, last_attempt_at = ?, last_status = ?, last_error = ?,
                budget_first_at = COALESCE(budget_first_at, ?), updated_at = ?, state = ?
            WHERE batch_id = ? AND state = ?
            """,
            [.integer(started), .optionalInteger(status), .optionalText(attempt.outcome == .succeeded ? nil : attempt.summary),
             .integer(started), .integer(ended), .integer(Int64(state.storageCode)), .text(batchID), .integer(batched)]
        )
        return firstRetry
    }

    public func activity(tenantID: String, since: Date) async throws -> [ActivityCount] {
        try await database.read { db in
            try db.query(
                """
                SELECT started_at / 60000, outcome, COUNT(*) FROM attempts
                WHERE id >= ? AND tenant_id = ? AND started_at >= ? GROUP BY 1, 2 ORDER BY 1, 2
                """,
                [.text(Identifier.lowerBound("att", at: since)), .text(tenantID), .integer(Timestamp.millis(since))]
            ) { row in
                ActivityCount(
                    minute: Timestamp.date(millis: row.int(0) * 60000), outcome: Attempt.Outcome(rawValue: row.text(1)) ?? .failed,
                    count: Int(row.int(2))
                )
            }
        }
    }

    public func endpointActivity(tenantID: String, since: Date) async throws -> [EndpointActivityCount] {
        try await database.read { db in
            // CROSS JOIN keeps attempts outermost: the range of its key, then one delivery each by its key.
            try db.query(
                """
                SELECT deliveries.endpoint_id, attempts.outcome, COUNT(*)
                FROM attempts CROSS JOIN deliveries ON deliveries.id = attempts.delivery_id
                WHERE attempts.id >= ? AND attempts.tenant_id = ? AND attempts.started_at >= ? GROUP BY 1, 2 ORDER BY 1, 2
                """,
                [.text(Identifier.lowerBound("att", at: since)), .text(tenantID), .integer(Timestamp.millis(since))]
            ) { row in
                EndpointActivityCount(endpointID: row.text(0), outcome: Attempt.Outcome(rawValue: row.text(1)) ?? .failed, count: Int(row.int(2)))
            }
        }
    }

    public func backlog(now: Date) async throws -> Backlog {
        try await database.read { db in
            let endpoints = try db.query(
                "SELECT id, tenant_id, status, cooldown_until FROM endpoints WHERE deleted_at IS NULL", []
            ) { row in
                (id: row.text(0), tenant: row.text(1), status: Endpoint.Status(rawValue: row.text(2)) ?? .active,
                 cooldownUntil: row.optionalInt(3).map(Timestamp.date))
            }
            let tenants = try db.query("SELECT id FROM tenants ORDER BY id", []) { $0.text(0) }
            var byState: [Backlog.Count] = []
            for tenant in tenants {
                for state in [DeliveryState.pending, .retrying] {
                    // A range of the (tenant_id, state, id) index: as long as that state's backlog.
                    let count = try db.queryFirst(
                        "SELECT COUNT(*) FROM deliveries WHERE tenant_id = ? AND state = ? AND \(SQLiteSchema.indexedStates)",
                        [.text(tenant), .integer(Int64(state.storageCode))], { Int($0.int(0)) }
                    ) ?? 0
                    if count > 0 { byState.append(Backlog.Count(tenantID: tenant, key: state.rawValue, count: count)) }
                }
            }
            let tenantOf = Dictionary(endpoints.map { ($0.id, $0.tenant) }, uniquingKeysWith: { first, _ in first })
            // Active deliveries by their index; then, by the index of batches, what each batch
            // carries beyond itself, so that a batch counts the deliveries it carries.
            var counts: [String: Int] = [:]
            for sql in [
                "SELECT endpoint_id, COUNT(*) FROM deliveries INDEXED BY deliveries_active WHERE state IN (0, 1) GROUP BY endpoint_id",
                """
                SELECT endpoint_id, SUM(members - 1) FROM deliveries INDEXED BY deliveries_due_batches
                WHERE state IN (0, 1) AND event_id IS NULL AND members > 1 GROUP BY endpoint_id
                """,
            ] {
                for row in try db.query(sql, [], { (id: $0.text(0), count: Int($0.int(1))) }) { counts[row.id, default: 0] += row.count }
            }
            let byEndpoint = counts.sorted { $0.key < $1.key }
                .compactMap { row in tenantOf[row.key].map { Backlog.Count(tenantID: $0, key: row.key, count: row.value) } }
            return Backlog(byState: byState, byEndpoint: byEndpoint, endpoints: Backlog.conditions(of: endpoints, now: now))
        }
    }

    public func release(_ leases: [Lease]) async throws {
        guard !leases.isEmpty else { return }
        try await database.write(durable: false) { db in
            for lease in leases {
                try db.run(
                    """
                    UPDATE deliveries SET lease_until = NULL, due_at = next_attempt_at
                    WHERE id = ? AND lease_token = ? AND state IN (0, 1)
                    """,
                    [.text(lease.deliveryID), .integer(lease.token)]
                )
            }
        }
    }
}

/// The endpoints of each tenant that publishing fans out to, cached on the writer thread.
///
/// Only writer-thread jobs read or change it (the endpoint writes that invalidate it run there
/// too), so it needs no lock of its own; the mutex only satisfies `Sendable`.
final class FanOutCache: Sendable {
    private let tenants = Mutex<[String: [Endpoint]]>([:])

    func endpoints(tenantID: String, db: SQLiteConnection) throws -> [Endpoint] {
        if let cached = tenants.withLock({ $0[tenantID] }) { return cached }
        let loaded = try db.query(
            "SELECT \(StoredForm.endpointColumns) FROM endpoints WHERE tenant_id = ? AND deleted_at IS NULL AND status != 'disabled'",
            [.text(tenantID)], StoredForm.endpoint
        )
        tenants.withLock { $0[tenantID] = loaded }
        return loaded
    }

    func invalidate(_ tenantID: String) {
        _ = tenants.withLock { $0.removeValue(forKey: tenantID) }
    }

    /// After a rolled-back transaction: entries loaded inside it may show endpoints that never were.
    @Sendable func invalidateAll() {
        tenants.withLock { $0.removeAll() }
    }
}

extension SQLiteValue {
    static func optionalText(_ value: String?) -> SQLiteValue {
        value.map(SQLiteValue.text) ?? .null
    }

    static func optionalInteger(_ value: Int64?) -> SQLiteValue {
        value.map(SQLiteValue.integer) ?? .null
    }

}
