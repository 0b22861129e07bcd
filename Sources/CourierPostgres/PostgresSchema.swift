/// The PostgreSQL schema as numbered migrations, each a list of statements applied in one
/// transaction under an advisory lock (see `PostgresStore.migrate`). Released migrations are
/// never edited; changes come as new ones. Times are milliseconds since 1970, as in SQLite.
/// Ids are `COLLATE "C"`: they sort by creation time only byte by byte, and lists, cursors and
/// `since` filters rely on that whatever the database's locale.
enum PostgresSchema {
    static let migrations: [[String]] = [
        [
            "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE tenants (id TEXT COLLATE \"C\" PRIMARY KEY, name TEXT, created_at BIGINT NOT NULL)",
            """
            CREATE TABLE tokens (
                id TEXT COLLATE "C" PRIMARY KEY, tenant_id TEXT COLLATE "C", hash TEXT NOT NULL UNIQUE, name TEXT, created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE endpoints (
                id TEXT COLLATE "C" PRIMARY KEY, tenant_id TEXT COLLATE "C" NOT NULL, name TEXT, description TEXT, url TEXT NOT NULL,
                method TEXT NOT NULL, event_types TEXT NOT NULL, secret TEXT NOT NULL, headers TEXT NOT NULL,
                retry TEXT NOT NULL, max_in_flight BIGINT NOT NULL, status TEXT NOT NULL, status_reason TEXT,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, deleted_at BIGINT
            )
            """,
            "CREATE UNIQUE INDEX endpoints_name ON endpoints (tenant_id, name) WHERE name IS NOT NULL AND deleted_at IS NULL",
            "CREATE INDEX endpoints_tenant ON endpoints (tenant_id, id) WHERE deleted_at IS NULL",
            """
            CREATE TABLE events (
                id TEXT COLLATE "C" PRIMARY KEY, tenant_id TEXT COLLATE "C" NOT NULL, type TEXT NOT NULL, key TEXT, payload BYTEA NOT NULL,
                occurred_at BIGINT NOT NULL, idempotency_key TEXT, created_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX events_idempotency ON events (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL",
            """
            CREATE TABLE deliveries (
                id TEXT COLLATE "C" PRIMARY KEY, tenant_id TEXT COLLATE "C" NOT NULL, event_id TEXT COLLATE "C" NOT NULL, endpoint_id TEXT COLLATE "C" NOT NULL,
                state BIGINT NOT NULL, attempt_count BIGINT NOT NULL DEFAULT 0,
                next_attempt_at BIGINT, due_at BIGINT, lease_until BIGINT, lease_token BIGINT NOT NULL DEFAULT 0,
                last_attempt_at BIGINT, last_status BIGINT, last_error TEXT,
                budget_base BIGINT NOT NULL DEFAULT 0, budget_first_at BIGINT, single_shot BIGINT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX deliveries_due ON deliveries (endpoint_id, due_at) WHERE state IN (0, 1)",
            "CREATE INDEX deliveries_leased ON deliveries (endpoint_id) WHERE lease_until IS NOT NULL",
            "CREATE INDEX deliveries_tenant ON deliveries (tenant_id, id)",
            "CREATE INDEX deliveries_endpoint ON deliveries (tenant_id, endpoint_id, id)",
            "CREATE INDEX deliveries_state ON deliveries (tenant_id, state, id)",
            "CREATE INDEX deliveries_event ON deliveries (event_id)",
            """
            CREATE TABLE attempts (
                id TEXT COLLATE "C" PRIMARY KEY, delivery_id TEXT COLLATE "C" NOT NULL, tenant_id TEXT COLLATE "C" NOT NULL, started_at BIGINT NOT NULL,
                duration_ms DOUBLE PRECISION NOT NULL, request TEXT NOT NULL, response_status BIGINT, response_headers TEXT,
                response_body TEXT, response_truncated BIGINT NOT NULL DEFAULT 0, error TEXT, outcome TEXT NOT NULL
            )
            """,
            "CREATE INDEX attempts_delivery ON attempts (delivery_id, id)",
        ],
        // Delivery policies: an endpoint's batch policy, rotated secret, status overrides, ordering, health, format and auth; a
        // batch is a delivery without an event, and an event's delivery notes the batch that carried it.
        [
            "ALTER TABLE endpoints ADD COLUMN batch TEXT",
            "ALTER TABLE endpoints ADD COLUMN previous_secret TEXT",
            "ALTER TABLE endpoints ADD COLUMN previous_secret_expires_at BIGINT",
            "ALTER TABLE endpoints ADD COLUMN status_overrides TEXT",
            "ALTER TABLE endpoints ADD COLUMN ordered BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE endpoints ADD COLUMN failure_streak BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE endpoints ADD COLUMN cooldown_level BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE endpoints ADD COLUMN cooldown_until BIGINT",
            "ALTER TABLE endpoints ADD COLUMN last_success_at BIGINT",
            "ALTER TABLE endpoints ADD COLUMN failing_since BIGINT",
            "ALTER TABLE endpoints ADD COLUMN format TEXT",
            "ALTER TABLE endpoints ADD COLUMN auth TEXT",
            """
            CREATE TABLE sessions (
                tenant_id TEXT COLLATE "C" NOT NULL, uid TEXT COLLATE "C" NOT NULL, state TEXT NOT NULL, updated_at BIGINT NOT NULL,
                PRIMARY KEY (tenant_id, uid)
            )
            """,
            "CREATE INDEX deliveries_active ON deliveries (endpoint_id, id) WHERE state IN (0, 1)",
            "ALTER TABLE deliveries ALTER COLUMN event_id DROP NOT NULL",
            "ALTER TABLE deliveries ADD COLUMN batch_id TEXT COLLATE \"C\"",
            "CREATE INDEX deliveries_due_batches ON deliveries (endpoint_id, due_at) WHERE state IN (0, 1) AND event_id IS NULL",
            "CREATE INDEX deliveries_batch ON deliveries (batch_id) WHERE batch_id IS NOT NULL",
        ],
        // The trigger engine: a task's run is a delivery that names its session and instance; a batching endpoint claims
        // task runs one by one, apart from the events it batches.
        [
            "ALTER TABLE deliveries ADD COLUMN session_uid TEXT COLLATE \"C\"",
            "ALTER TABLE deliveries ADD COLUMN instance TEXT COLLATE \"C\"",
            "CREATE INDEX deliveries_instance ON deliveries (tenant_id, session_uid, instance) WHERE session_uid IS NOT NULL",
            "CREATE INDEX deliveries_due_tasks ON deliveries (endpoint_id, due_at) WHERE state IN (0, 1) AND session_uid IS NOT NULL",
        ],
        // The message router: messages, one transmission per recipient, and a delivery per batch of them.
        [
            """
            CREATE TABLE messages (
                id TEXT COLLATE "C" PRIMARY KEY, tenant_id TEXT COLLATE "C" NOT NULL, direction TEXT NOT NULL, text TEXT NOT NULL,
                backend TEXT COLLATE "C", identity TEXT, external_id TEXT, in_response_to TEXT COLLATE "C", status TEXT NOT NULL,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, sent_at BIGINT, delivered_at BIGINT
            )
            """,
            "CREATE INDEX messages_tenant ON messages (tenant_id, id)",
            """
            CREATE TABLE transmissions (
                id TEXT COLLATE "C" PRIMARY KEY, message_id TEXT COLLATE "C" NOT NULL, tenant_id TEXT COLLATE "C" NOT NULL,
                backend TEXT COLLATE "C" NOT NULL, endpoint_id TEXT COLLATE "C" NOT NULL, identity TEXT NOT NULL,
                status BIGINT NOT NULL, delivery_id TEXT COLLATE "C", error TEXT, created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL, sent_at BIGINT, delivered_at BIGINT
            )
            """,
            "CREATE INDEX transmissions_message ON transmissions (message_id, id)",
            "CREATE INDEX transmissions_delivery ON transmissions (delivery_id, id)",
            "CREATE INDEX transmissions_backend ON transmissions (backend, message_id)",
            "CREATE INDEX transmissions_endpoint ON transmissions (endpoint_id) WHERE status IN (0, 1)",
            "ALTER TABLE deliveries ADD COLUMN message_id TEXT COLLATE \"C\"",
            "CREATE INDEX events_type ON events (tenant_id, type)",
            "CREATE INDEX events_key ON events (tenant_id, key) WHERE key IS NOT NULL",
        ],
        // Bulk operations: a person's action over a filter, advanced a chunk at a time.
        [
            """
            CREATE TABLE operations (
                id TEXT COLLATE "C" PRIMARY KEY, tenant_id TEXT COLLATE "C" NOT NULL, action TEXT NOT NULL, filter TEXT NOT NULL,
                status TEXT NOT NULL, total BIGINT NOT NULL, matched BIGINT NOT NULL, changed BIGINT NOT NULL,
                cursor TEXT COLLATE "C", created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, finished_at BIGINT
            )
            """,
            "CREATE INDEX operations_tenant ON operations (tenant_id, id)",
            "CREATE INDEX operations_running ON operations (id) WHERE status = 'running'",
        ],
        // The sessions list, most recently changed first. Each session keeps how many of its instances failed, written with
        // it, so the failed ones are found through an index of them alone; sessions saved before this count are counted here,
        // from their state. PostgreSQL's JSON functions refuse the escape `\u0000` (which a kwarg may hold), so it is read
        // as `\u0020`: the same length and the same backslash, so the text stays valid JSON, and no status holds either.
        [
            "ALTER TABLE sessions ADD COLUMN failed_instances BIGINT NOT NULL DEFAULT 0",
            #"""
            UPDATE sessions SET failed_instances = (
                SELECT COUNT(*) FROM json_array_elements(replace(state, '\u0000', '\u0020')::json -> 'instances') AS instance
                WHERE instance ->> 'status' = 'failed'
            )
            """#,
            "CREATE INDEX sessions_updated ON sessions (tenant_id, updated_at, uid)",
            "CREATE INDEX sessions_failed ON sessions (tenant_id, updated_at, uid) WHERE failed_instances > 0",
        ],
        // A paused or disabled endpoint's deliveries keep their due times from now on (claims and the list of due work pass
        // over an endpoint that is not active), so a pause or a resume no longer rewrites every delivery. Those held before,
        // with no due time, get theirs back: their next attempt, or the end of a lease they were under.
        [
            """
            UPDATE deliveries SET due_at = GREATEST(COALESCE(next_attempt_at, updated_at), COALESCE(lease_until, 0))
            WHERE state IN (0, 1) AND due_at IS NULL
            """,
        ],
        // A batching endpoint's deliveries join an open batch as they are published, and a batch keeps how many it has
        // taken (see OpenBatches).
        [
            "ALTER TABLE deliveries ADD COLUMN IF NOT EXISTS members BIGINT",
        ],
        // Claims take due deliveries in (due_at, id) order, and a publish of 1,000 events gives all of them one due time:
        // with the id out of these indexes every claim read and sorted the whole group to take a few dozen. With it a claim
        // reads its rows in order and stops (SQLite's indexes end with the rowid, which its claims order by).
        [
            "DROP INDEX deliveries_due",
            "CREATE INDEX deliveries_due ON deliveries (endpoint_id, due_at, id) WHERE state IN (0, 1)",
            "DROP INDEX deliveries_due_batches",
            "CREATE INDEX deliveries_due_batches ON deliveries (endpoint_id, due_at, id) WHERE state IN (0, 1) AND event_id IS NULL",
            "DROP INDEX deliveries_due_tasks",
            "CREATE INDEX deliveries_due_tasks ON deliveries (endpoint_id, due_at, id) WHERE state IN (0, 1) AND session_uid IS NOT NULL",
        ],
        // How often a backend listed a transmission as failed in a 2xx: the next request that carries it is a new one, with a
        // webhook-id of its own (see MessageBatch.webhookID).
        [
            "ALTER TABLE transmissions ADD COLUMN IF NOT EXISTS listed_failed BIGINT NOT NULL DEFAULT 0",
        ],
        // The batches that carried events, for retention to find those whose events have gone (a batch some of whose
        // events a receiver listed as failed carries only the rest).
        [
            "CREATE INDEX IF NOT EXISTS deliveries_batches ON deliveries (id) WHERE event_id IS NULL AND message_id IS NULL",
        ],
        // An endpoint's rate limit, and when its next request may go, in microseconds (see RateLimit).
        [
            "ALTER TABLE endpoints ADD COLUMN IF NOT EXISTS rate_limit TEXT",
            "ALTER TABLE endpoints ADD COLUMN IF NOT EXISTS rate_next_at BIGINT",
        ],
        // An endpoint's own request timeout, in seconds (NULL: the server's).
        [
            "ALTER TABLE endpoints ADD COLUMN IF NOT EXISTS timeout_seconds BIGINT",
        ],
    ]
}
