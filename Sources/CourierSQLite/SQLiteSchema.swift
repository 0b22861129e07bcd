import Courier

/// The SQLite schema as numbered migrations, applied in order and tracked in `user_version`.
///
/// A migration is never edited once released; changes come as new ones.
enum SQLiteSchema {
    static let migrations: [String] = [
        """
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT, created_at INTEGER NOT NULL);
        CREATE TABLE tokens (
            id TEXT PRIMARY KEY, tenant_id TEXT, hash TEXT NOT NULL UNIQUE, name TEXT, created_at INTEGER NOT NULL
        );
        CREATE TABLE endpoints (
            id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, name TEXT, description TEXT, url TEXT NOT NULL,
            method TEXT NOT NULL, event_types TEXT NOT NULL, secret TEXT NOT NULL, headers TEXT NOT NULL,
            retry TEXT NOT NULL, max_in_flight INTEGER NOT NULL, status TEXT NOT NULL, status_reason TEXT,
            created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, deleted_at INTEGER
        );
        CREATE UNIQUE INDEX endpoints_name ON endpoints (tenant_id, name) WHERE name IS NOT NULL AND deleted_at IS NULL;
        CREATE INDEX endpoints_tenant ON endpoints (tenant_id, id) WHERE deleted_at IS NULL;
        CREATE TABLE events (
            id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, type TEXT NOT NULL, key TEXT, payload BLOB NOT NULL,
            occurred_at INTEGER NOT NULL, idempotency_key TEXT, created_at INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX events_idempotency ON events (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE TABLE deliveries (
            id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, event_id TEXT NOT NULL, endpoint_id TEXT NOT NULL,
            state INTEGER NOT NULL, attempt_count INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER, due_at INTEGER, lease_until INTEGER, lease_token INTEGER NOT NULL DEFAULT 0,
            last_attempt_at INTEGER, last_status INTEGER, last_error TEXT,
            budget_base INTEGER NOT NULL DEFAULT 0, budget_first_at INTEGER, single_shot INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
        );
        -- Due work, found by index: only pending and retrying rows are in it; due_at is NULL
        -- while the endpoint holds them (paused, disabled) and the lease expiry while claimed.
        CREATE INDEX deliveries_due ON deliveries (endpoint_id, due_at) WHERE state IN (0, 1);
        -- Leased rows per endpoint, so a claim can keep maxInFlight without a scan.
        CREATE INDEX deliveries_leased ON deliveries (endpoint_id) WHERE lease_until IS NOT NULL;
        CREATE INDEX deliveries_tenant ON deliveries (tenant_id, id);
        CREATE INDEX deliveries_endpoint ON deliveries (tenant_id, endpoint_id, id);
        CREATE INDEX deliveries_state ON deliveries (tenant_id, state, id);
        CREATE INDEX deliveries_event ON deliveries (event_id);
        CREATE TABLE attempts (
            id TEXT PRIMARY KEY, delivery_id TEXT NOT NULL, tenant_id TEXT NOT NULL, started_at INTEGER NOT NULL,
            duration_ms REAL NOT NULL, request TEXT NOT NULL, response_status INTEGER, response_headers TEXT,
            response_body TEXT, response_truncated INTEGER NOT NULL DEFAULT 0, error TEXT, outcome TEXT NOT NULL
        );
        CREATE INDEX attempts_delivery ON attempts (delivery_id, id);
        """,
        // Delivery policies: an endpoint's batch policy, rotated secret, status overrides, ordering, health, format and auth; a
        // batch is a delivery without an event, and an event's delivery notes the batch that
        // carried it. SQLite cannot drop NOT NULL in place, so deliveries is rebuilt with its indexes.
        """
        ALTER TABLE endpoints ADD COLUMN batch TEXT;
        ALTER TABLE endpoints ADD COLUMN previous_secret TEXT;
        ALTER TABLE endpoints ADD COLUMN previous_secret_expires_at INTEGER;
        ALTER TABLE endpoints ADD COLUMN status_overrides TEXT;
        ALTER TABLE endpoints ADD COLUMN ordered INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE endpoints ADD COLUMN failure_streak INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE endpoints ADD COLUMN cooldown_level INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE endpoints ADD COLUMN cooldown_until INTEGER;
        ALTER TABLE endpoints ADD COLUMN last_success_at INTEGER;
        ALTER TABLE endpoints ADD COLUMN failing_since INTEGER;
        ALTER TABLE endpoints ADD COLUMN format TEXT;
        ALTER TABLE endpoints ADD COLUMN auth TEXT;
        CREATE TABLE deliveries_v2 (
            id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, event_id TEXT, endpoint_id TEXT NOT NULL,
            state INTEGER NOT NULL, attempt_count INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER, due_at INTEGER, lease_until INTEGER, lease_token INTEGER NOT NULL DEFAULT 0,
            last_attempt_at INTEGER, last_status INTEGER, last_error TEXT,
            budget_base INTEGER NOT NULL DEFAULT 0, budget_first_at INTEGER, single_shot INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, batch_id TEXT
        );
        INSERT INTO deliveries_v2 (id, tenant_id, event_id, endpoint_id, state, attempt_count, next_attempt_at, due_at,
            lease_until, lease_token, last_attempt_at, last_status, last_error, budget_base, budget_first_at, single_shot,
            created_at, updated_at)
        SELECT id, tenant_id, event_id, endpoint_id, state, attempt_count, next_attempt_at, due_at,
            lease_until, lease_token, last_attempt_at, last_status, last_error, budget_base, budget_first_at, single_shot,
            created_at, updated_at
        FROM deliveries ORDER BY rowid;
        DROP TABLE deliveries;
        ALTER TABLE deliveries_v2 RENAME TO deliveries;
        CREATE INDEX deliveries_due ON deliveries (endpoint_id, due_at) WHERE state IN (0, 1);
        CREATE INDEX deliveries_leased ON deliveries (endpoint_id) WHERE lease_until IS NOT NULL;
        CREATE INDEX deliveries_tenant ON deliveries (tenant_id, id);
        CREATE INDEX deliveries_endpoint ON deliveries (tenant_id, endpoint_id, id);
        CREATE INDEX deliveries_state ON deliveries (tenant_id, state, id);
        CREATE INDEX deliveries_event ON deliveries (event_id);
        -- Batches due again (retries, resends), apart from the events waiting to be batched.
        CREATE INDEX deliveries_due_batches ON deliveries (endpoint_id, due_at) WHERE state IN (0, 1) AND event_id IS NULL;
        -- An endpoint's active deliveries in the order they were made: an ordered endpoint's head.
        CREATE INDEX deliveries_active ON deliveries (endpoint_id) WHERE state IN (0, 1);
        -- The trigger engine's sessions, each kept whole and changed in one transaction.
        CREATE TABLE sessions (
            tenant_id TEXT NOT NULL, uid TEXT NOT NULL, state TEXT NOT NULL, updated_at INTEGER NOT NULL,
            PRIMARY KEY (tenant_id, uid)
        );
        -- The events a batch carries, found by the batch.
        CREATE INDEX deliveries_batch ON deliveries (batch_id) WHERE batch_id IS NOT NULL;
        """,
        """
        -- The trigger engine: a task's run is a delivery that names its session and instance.
        ALTER TABLE deliveries ADD COLUMN session_uid TEXT;
        ALTER TABLE deliveries ADD COLUMN instance TEXT;
        CREATE INDEX deliveries_instance ON deliveries (tenant_id, session_uid, instance) WHERE session_uid IS NOT NULL;
        -- A batching endpoint claims task runs one by one, apart from the events it batches.
        CREATE INDEX deliveries_due_tasks ON deliveries (endpoint_id, due_at) WHERE state IN (0, 1) AND session_uid IS NOT NULL;
        """,
        """
        -- The message router: messages, one transmission per recipient, and a delivery per batch of them.
        CREATE TABLE messages (
            id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, direction TEXT NOT NULL, text TEXT NOT NULL, backend TEXT,
            identity TEXT, external_id TEXT, in_response_to TEXT, status TEXT NOT NULL, created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL, sent_at INTEGER, delivered_at INTEGER
        );
        CREATE INDEX messages_tenant ON messages (tenant_id, id);
        CREATE TABLE transmissions (
            id TEXT PRIMARY KEY, message_id TEXT NOT NULL, tenant_id TEXT NOT NULL, backend TEXT NOT NULL,
            endpoint_id TEXT NOT NULL, identity TEXT NOT NULL, status INTEGER NOT NULL, delivery_id TEXT, error TEXT,
            created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, sent_at INTEGER, delivered_at INTEGER
        );
        CREATE INDEX transmissions_message ON transmissions (message_id, id);
        CREATE INDEX transmissions_delivery ON transmissions (delivery_id, id);
        CREATE INDEX transmissions_backend ON transmissions (backend, message_id);
        CREATE INDEX transmissions_endpoint ON transmissions (endpoint_id) WHERE status IN (0, 1);
        ALTER TABLE deliveries ADD COLUMN message_id TEXT;
        -- Deliveries found by their event's type or key (the dashboard's and the API's filters).
        CREATE INDEX events_type ON events (tenant_id, type);
        CREATE INDEX events_key ON events (tenant_id, key) WHERE key IS NOT NULL;
        """,
        """
        -- Bulk operations: a person's action over a filter, advanced a chunk at a time.
        CREATE TABLE operations (
            id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, action TEXT NOT NULL, filter TEXT NOT NULL, status TEXT NOT NULL,
            total INTEGER NOT NULL, matched INTEGER NOT NULL, changed INTEGER NOT NULL, cursor TEXT,
            created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, finished_at INTEGER
        );
        CREATE INDEX operations_tenant ON operations (tenant_id, id);
        CREATE INDEX operations_running ON operations (id) WHERE status = 'running';
        """,
        """
        -- The sessions list, most recently changed first. Each session keeps how many of its
        -- instances failed, written with it, so the failed ones are found through an index of
        -- them alone; sessions saved before this count are counted here, from their state.
        ALTER TABLE sessions ADD COLUMN failed_instances INTEGER NOT NULL DEFAULT 0;
        UPDATE sessions SET failed_instances = (
            SELECT COUNT(*) FROM json_each(sessions.state, '$.instances') WHERE json_extract(value, '$.status') = 'failed'
        );
        CREATE INDEX sessions_updated ON sessions (tenant_id, updated_at, uid);
        CREATE INDEX sessions_failed ON sessions (tenant_id, updated_at, uid) WHERE failed_instances > 0;
        """,
        """
        -- Deliveries by state, except the two that most deliveries pass through and few look
        -- for: succeeded, and batched (in a batch under way). Each delivery then enters and
        -- leaves this index once less, and a batch's events twice less (see BENCHMARKS.md).
        DROP INDEX deliveries_state;
        CREATE INDEX deliveries_state ON deliveries (tenant_id, state, id) WHERE state NOT IN (2, 7);
        """,
        """
        -- A paused or disabled endpoint's deliveries keep their due times from now on (claims
        -- and the list of due work pass over an endpoint that is not active), so a pause or a
        -- resume no longer rewrites every delivery. Those held before, with no due time, get
        -- theirs back: their next attempt, or the end of a lease they were under.
        UPDATE deliveries SET due_at = MAX(COALESCE(next_attempt_at, updated_at), COALESCE(lease_until, 0))
        WHERE state IN (0, 1) AND due_at IS NULL;
        """,
        """
        -- A batching endpoint's deliveries join an open batch as they are published, and a
        -- batch keeps how many it has taken (see OpenBatches).
        ALTER TABLE deliveries ADD COLUMN members INTEGER;
        """,
        """
        -- How often a backend listed a transmission as failed in a 2xx: the next request that
        -- carries it is a new one, with a webhook-id of its own (see MessageBatch.webhookID).
        ALTER TABLE transmissions ADD COLUMN listed_failed INTEGER NOT NULL DEFAULT 0;
        """,
        """
        -- The batches that carried events, for retention to find those whose events have gone
        -- (a batch some of whose events a receiver listed as failed carries only the rest).
        CREATE INDEX deliveries_batches ON deliveries (id) WHERE event_id IS NULL AND message_id IS NULL;
        """,
        """
        -- An endpoint's rate limit, and when its next request may go, in microseconds (see RateLimit).
        ALTER TABLE endpoints ADD COLUMN rate_limit TEXT;
        ALTER TABLE endpoints ADD COLUMN rate_next_at INTEGER;
        """,
        """
        -- An endpoint's own request timeout, in seconds (NULL: the server's).
        ALTER TABLE endpoints ADD COLUMN timeout_seconds INTEGER;
        """,
    ]

    /// The states the `deliveries_state` index leaves out. A query for one of them reads the
    /// tenant's deliveries newest first: those states are the common ones, so a page of them is
    /// near the start.
    static let unindexedStates: [DeliveryState] = [.succeeded, .batched]

    /// The condition of the `deliveries_state` index, as migration 7 wrote it (a test holds
    /// the two together). SQLite uses a partial index only for a query that states its
    /// condition word for word, so a query by state adds it when the state is one the index
    /// holds (``isIndexed(_:)``).
    ///
    /// Partial indexes here list at most two constants in an `IN`: SQLite evaluates the
    /// condition at every insert and update of the table, and turns a list of three or more
    /// into a temporary table built at each run of the statement. `NOT IN (0, 2, 7)` made a
    /// delivery's `INSERT` a quarter slower (BENCHMARKS.md, "Upper bounds of the next steps").
    static let indexedStates = "state NOT IN (\(unindexedStates.map { String($0.storageCode) }.joined(separator: ", ")))"

    static func isIndexed(_ state: DeliveryState) -> Bool {
        !unindexedStates.contains(state)
    }

    static func migrate(_ connection: SQLiteConnection, now: Int64) throws {
        let version = try connection.queryFirst("PRAGMA user_version") { Int($0.int(0)) } ?? 0
        guard version <= migrations.count else { throw CourierError.newerSchema(version, known: migrations.count) }
        guard version < migrations.count else { return }
        try connection.execute("BEGIN IMMEDIATE")
        do {
            for index in version..<migrations.count {
                try connection.execute(migrations[index])
            }
            try connection.execute("PRAGMA user_version = \(migrations.count)")
            try connection.run(
                "INSERT OR IGNORE INTO tenants (id, name, created_at) VALUES (?, ?, ?)",
                [.text("default"), .text("Default"), .integer(now)]
            )
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }
}
