import Courier
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The store for several Courier nodes sharing one PostgreSQL database.
///
/// - Claims lock the endpoint's row (so `maxInFlight` holds across nodes) and take due
///   deliveries with `FOR UPDATE SKIP LOCKED`, so nodes never wait on each other's rows.
/// - Whatever makes deliveries (a publish, a message, a task's run, a test event) holds a
///   key-share lock on the rows of their endpoints, which claims' locks and other publishes
///   leave alone but a deletion or a change of batch policy waits for. A publish takes the
///   open batch it fills with `FOR UPDATE SKIP LOCKED`: publishes at once fill different
///   batches rather than wait for each other (see ``OpenBatches``).
/// - Every commit that makes work due sends `NOTIFY courier`; each node keeps one connection
///   listening, so idle nodes wake at once. The engine's periodic resync stays as the fallback.
/// - A lost connection is retried by the pool; meanwhile calls fail with
///   ``CourierError/Kind/unavailable`` (the API answers 503) and nothing accepted is lost,
///   because nothing is acknowledged before its commit.
public final class PostgresStore: Store {
    static let queryLogger = Logger(label: "courier.postgres.query", factory: { _ in SwiftLogNoOpLogHandler() })
    static let channel = "courier"

    let client: PostgresClient
    private let hub = SignalHub()
    private let logger: Logger
    private let runTask: Task<Void, Never>
    /// Ends once the run task has begun, so that the first query does not race the pool's start
    /// (PostgresNIO warns of every lease asked for before `run()`).
    private let running: AsyncStream<Void>
    private let listenTask: Mutex<Task<Void, Never>?> = Mutex(nil)
    private let clockTask: Mutex<Task<Void, Never>?> = Mutex(nil)
    /// Transactions' waits for a connection and their commits' times.
    private let metrics = StoreMetrics()
    /// This node's clock against the database's: leases are compared across nodes.
    let clockWatch: PostgresClockWatch

    private init(client: PostgresClient, operationTimeout: Duration, logger: Logger, clockWatch: PostgresClockWatch) {
        self.client = client
        self.clockWatch = clockWatch
        self.operationTimeout = operationTimeout
        self.logger = logger
        let (running, started) = AsyncStream<Void>.makeStream()
        self.running = running
        runTask = Task {
            started.finish()
            await client.run()
        }
    }

    /// Connects to `url` (`postgres://user:password@host:port/database`), applies the schema
    /// unless `migrate` is false, and starts listening for other nodes' signals.
    /// - Parameter operationTimeout: how long one store operation may take (see ``defaultOperationTimeout``).
    /// - Parameter maximumConnections: the pool's size (the listening connection comes on top).
    public static func connect(
        url: String, migrate: Bool = true, operationTimeout: Duration = defaultOperationTimeout, maximumConnections: Int = 20,
        logger: Logger = Logger(label: "courier.postgres")
    ) async throws -> PostgresStore {
        try await connect(
            url: url, schema: migrate ? .migrate : .check, operationTimeout: operationTimeout, maximumConnections: maximumConnections,
            logger: logger
        )
    }

    /// What a connecting store does about the schema.
    enum Schema {
        /// Applies what is missing.
        case migrate
        /// Refuses a database without this build's schema.
        case check
        /// Neither: for tests that build an older schema by hand.
        case leave
    }

    /// - Parameter patience: how long a server that cannot be reached is tried again, for
    ///   nodes started beside their database (see ``probe(url:patience:logger:)``).
    /// - Parameter localClock: this node's clock, for tests of a node whose clock is wrong.
    static func connect(
        url: String, schema: Schema, operationTimeout: Duration = defaultOperationTimeout, maximumConnections: Int = 20,
        patience: Duration = .seconds(30), logger: Logger = Logger(label: "courier.postgres"),
        localClock: @escaping @Sendable () -> Date = Date.init
    ) async throws -> PostgresStore {
        var configuration = try configuration(url: url)
        configuration.options.maximumConnections = maximumConnections
        try await probe(url: url, patience: patience, logger: logger)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let store = PostgresStore(
            client: client, operationTimeout: operationTimeout, logger: logger, clockWatch: PostgresClockWatch(localClock: localClock)
        )
        for await _ in store.running {}
        do {
            switch schema {
            case .migrate: try await store.migrate()
            case .check: try await store.checkSchema()
            case .leave: break
            }
            try await store.clockWatch.measure(store)
            if let failure = store.clockWatch.failure { throw failure }
        } catch {
            await store.close()
            throw error
        }
        store.startListening()
        store.clockTask.withLock { $0 = Task { [clockWatch = store.clockWatch] in await clockWatch.watch(store, logger: logger) } }
        return store
    }

    /// What a `postgres://` URL names (TLS off unless `sslmode=require`).
    struct Target {
        var host: String
        var port: Int
        var username: String
        var password: String?
        var database: String?
        var requireTLS: Bool

        init(url: String) throws {
            guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
                  let host = components.host, !host.isEmpty
            else {
                throw CourierError.invalid("the PostgreSQL URL must look like postgres://user:password@host:5432/database")
            }
            let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
            self.host = host
            port = components.port ?? 5432
            username = components.user ?? "postgres"
            password = components.password
            self.database = database.isEmpty ? nil : database
            requireTLS = components.queryItems?.contains { $0.name == "sslmode" && $0.value == "require" } ?? false
        }

        var description: String { "\(host):\(port)/\(database ?? username)" }
    }

    /// Parses a `postgres://` URL into PostgresNIO's configuration (TLS off unless `sslmode=require`).
    /// Public so that tools which talk to the same server (`courier bench` makes its databases
    /// there) read its URL the way the store does.
    public static func configuration(url: String) throws -> PostgresClient.Configuration {
        let target = try Target(url: url)
        var configuration = PostgresClient.Configuration(
            host: target.host, port: target.port, username: target.username, password: target.password, database: target.database,
            tls: target.requireTLS ? .require(.makeClientConfiguration()) : .disable
        )
        configuration.options.maximumConnections = 20
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// Makes one connection alone, and says why it cannot: the pool retries a connection that
    /// fails for about a minute and then reports only that its circuit breaker tripped, which
    /// is no help to someone starting a node with a wrong URL or a server that is down.
    ///
    /// A server that answers with a reason (no such database, a wrong password) is told at
    /// once. One that cannot be reached is tried again for `patience`, with the reason logged,
    /// since a node is often started beside a database that is still starting.
    static func probe(url: String, patience: Duration, logger: Logger) async throws {
        let target = try Target(url: url)
        var configuration = PostgresConnection.Configuration(
            host: target.host, port: target.port, username: target.username, password: target.password, database: target.database,
            tls: target.requireTLS ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable
        )
        configuration.options.connectTimeout = .seconds(5)
        let deadline = ContinuousClock.now + patience
        var delay: Duration = .milliseconds(250)
        while true {
            do {
                let connection = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: logger
                ).get()
                try? await connection.close()
                return
            } catch {
                let failure = CourierError(
                    .unavailable, code: "store_unavailable", message: "cannot connect to PostgreSQL at \(target.description): \(reason(error))"
                )
                guard !Self.isFinal(error), ContinuousClock.now + delay < deadline else { throw failure }
                logger.warning("cannot connect to PostgreSQL yet; trying again", metadata: ["reason": "\(failure.message)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(4))
            }
        }
    }

    /// Whether a failure to connect will be the same however long it is tried: the server
    /// answered with a reason (no such database, a wrong password), or the URL asks for what
    /// the server or the client cannot do (TLS from a server without it, a password not given).
    /// A server not there yet, or a name that does not resolve yet, may be there in a moment.
    static func isFinal(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        if error.serverInfo != nil { return true }
        return [.sslUnsupported, .authMechanismRequiresPassword, .unsupportedAuthMechanism, .saslError].contains(error.code)
    }

    /// What went wrong, in the server's words when it gave any: PostgresNIO's own description
    /// of an error hides them. Public for tools that talk to the same server (`courier bench`).
    public static func reason(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] { return message }
        switch error.code {
        case .sslUnsupported: return "the server does not offer TLS, which the URL's sslmode=require asks for"
        case .authMechanismRequiresPassword: return "the server asks for a password, and the URL gives none"
        case .unsupportedAuthMechanism: return "the server asks for a way of signing in that PostgresNIO does not support"
        default: break
        }
        if let underlying = error.underlying { return "\(underlying)" }
        return "\(error.code)"
    }

    /// With `migrate` off, the schema must be this build's already: otherwise every call would
    /// fail later with nothing to say why.
    func checkSchema() async throws {
        let expected = Int64(PostgresSchema.migrations.count)
        let applied = try await wrap { connection -> Int64 in
            let exists = try await connection.first(
                "SELECT CASE WHEN to_regclass('courier_migrations') IS NULL THEN 0 ELSE 1 END"
            ) { try $0.int(0) } ?? 0
            guard exists == 1 else { return 0 }
            return try await connection.first("SELECT COALESCE(MAX(version), 0) FROM courier_migrations") { try $0.int(0) } ?? 0
        }
        guard applied <= expected else { throw CourierError.newerSchema(Int(applied), known: Int(expected)) }
        guard applied >= expected else {
            throw CourierError(
                .unavailable, code: "store_unavailable",
                message: "the database has Courier's schema up to version \(applied) of \(expected): run `courier migrate`, or start without --no-migrate"
            )
        }
    }

    /// While this node's clock disagrees with the database's (see ``PostgresClockWatch``).
    public var standingFailure: CourierError? { clockWatch.failure }

    public func close() async {
        listenTask.withLock { $0?.cancel() }
        clockTask.withLock { $0?.cancel() }
        hub.finish()
        runTask.cancel()
        await runTask.value
    }

    public func signals() -> AsyncStream<StoreSignal> {
        hub.stream()
    }

    /// Keeps one connection listening on `courier`, reconnecting with backoff.
    private func startListening() {
        let task = Task { [client, hub, logger] in
            var delay: Duration = .milliseconds(100)
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            delay = .milliseconds(100)
                            for try await notification in notifications {
                                if let signal = StoreSignal(notification: notification.payload) { hub.emit([signal]) }
                            }
                        }
                    }
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("lost the notification connection; retrying", metadata: ["error": "\(Self.reason(error))"])
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
        listenTask.withLock { $0 = task }
    }

    /// How long one store operation may take, waiting for a connection included. While the
    /// database is away the pool keeps trying to reconnect; callers get `unavailable` after
    /// this long instead of waiting with it.
    public static let defaultOperationTimeout: Duration = .seconds(10)
    let operationTimeout: Duration

    /// Runs `body` on one connection, mapping connection failures to `unavailable`.
    @discardableResult
    func wrap<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await withDeadline { [client] in
                try await client.withConnection { try await body($0) }
            }
        } catch let error as CourierError {
            throw error
        } catch {
            throw Self.map(error)
        }
    }

    /// Runs `body` in a transaction, mapping errors as ``wrap(_:)`` does.
    /// - Parameter durable: when false, the commit does not wait for the server's WAL flush
    ///   (`synchronous_commit = off`). Only work that can be redone after a server crash may
    ///   pass it: claims, attempt records and released leases, whose loss means a delivery goes
    ///   once more, which at-least-once allows.
    /// - Parameter deadline: whether to give up after ``operationTimeout``.
    ///
    /// A transaction PostgreSQL aborts to break a deadlock (or a serialization failure) is run
    /// again, up to ``conflictTries`` times in all, after a short random pause: the other side
    /// has gone on by then. So `body` may run more than once, and must do nothing outside the
    /// transaction.
    @discardableResult
    func transaction<T: Sendable>(
        durable: Bool = true, deadline: Bool = true, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let run: @Sendable () async throws -> T = { [client, metrics] in
            var tries = 0
            while true {
                do {
                    let asked = ContinuousClock.now
                    var committing: ContinuousClock.Instant?
                    let value = try await client.withTransaction(logger: Self.queryLogger) { connection in
                        metrics.waited(.now - asked)
                        if !durable { try await connection.run("SET LOCAL synchronous_commit = off") }
                        let value = try await body(connection)
                        committing = .now
                        return value
                    }
                    // The commit is what `withTransaction` does after the body returns.
                    if let committing { metrics.committed(.now - committing, durable: durable) }
                    return value
                } catch let error as PostgresTransactionError {
                    tries += 1
                    if tries < Self.conflictTries, Self.isConflict(error.closureError ?? error.commitError) {
                        try await Task.sleep(for: .milliseconds(Int.random(in: 5...50)))
                        continue
                    }
                    if let closure = error.closureError as? CourierError { throw closure }
                    throw Self.map(error.closureError ?? error.beginError ?? error.commitError ?? error)
                }
            }
        }
        do {
            return try await deadline ? withDeadline(run) : run()
        } catch let error as CourierError {
            throw error
        } catch {
            throw Self.map(error)
        }
    }

    /// Runs `body`, but answers `unavailable` after ``operationTimeout`` even if `body` does
    /// not return: a query caught on a connection whose server died may not notice for a long
    /// time, and a caller (a request, the engine) must not wait with it.
    private func withDeadline<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Deadline.run(operationTimeout, timeoutError: {
            CourierError(.unavailable, code: "store_unavailable", message: "the database did not answer in time")
        }, body)
    }

    static func map(_ error: any Error) -> any Error {
        if let error = error as? CourierError { return error }
        if let error = error as? PSQLError, error.serverInfo?[.sqlState] == "23505" {
            return CourierError.conflict("already exists", code: "conflict")
        }
        if error is CancellationError { return error }
        // The pool's own error (from a module of PostgresNIO's that is not ours to import) says
        // only that its circuit breaker tripped: after failing to connect for about a minute,
        // it holds new connections back for a while. Said in words a person can act on.
        let reason = String(describing: type(of: error)) == "ConnectionPoolError"
            ? "no connection could be made to it for a while, and the next try is held back"
            : Self.reason(error)
        return CourierError(.unavailable, code: "store_unavailable", message: "the database is unavailable: \(reason.prefix(200))")
    }

    /// How many times a transaction runs when PostgreSQL keeps aborting it for a conflict.
    static let conflictTries = 4

    /// A deadlock or a serialization failure: nothing wrong with the transaction but its timing.
    static func isConflict(_ error: (any Error)?) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40P01" || state == "40001"
    }

    static func isUniqueViolation(_ error: any Error) -> Bool {
        if let error = error as? PSQLError { return error.serverInfo?[.sqlState] == "23505" }
        if let error = error as? PostgresTransactionError, let inner = error.closureError { return isUniqueViolation(inner) }
        return false
    }

    /// Sends a signal to every node (this one included) when the transaction commits.
    static func notify(_ connection: PostgresConnection, _ signal: StoreSignal) async throws {
        try await connection.run("SELECT pg_notify($1, $2)", [.text(channel), .text(signal.notification)])
    }

    // MARK: Schema

    func migrate() async throws {
        // Without the deadline of everyday operations: building an index over a large table
        // takes as long as it takes, and nodes wait for it under the lock.
        try await transaction(deadline: false) { connection in
            // One migrator at a time, however many nodes start together. Advisory locks are
            // shared by every database of the server, so the key names this database: Courier
            // databases side by side on one server migrate independently.
            try await connection.run(
                "SELECT pg_advisory_xact_lock(7240417, (SELECT oid::INT FROM pg_database WHERE datname = current_database()))"
            )
            try await connection.run(
                "CREATE TABLE IF NOT EXISTS courier_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)"
            )
            let applied = try await connection.first("SELECT COALESCE(MAX(version), 0) FROM courier_migrations") { try $0.int(0) } ?? 0
            guard applied <= PostgresSchema.migrations.count else {
                throw CourierError.newerSchema(Int(applied), known: PostgresSchema.migrations.count)
            }
            for (index, migration) in PostgresSchema.migrations.enumerated() where Int64(index + 1) > applied {
                for statement in migration {
                    try await connection.run(statement)
                }
                try await connection.run(
                    "INSERT INTO courier_migrations (version, applied_at) VALUES ($1, $2)",
                    [.integer(Int64(index + 1)), .integer(Timestamp.millis(Date()))]
                )
            }
            try await connection.run(
                "INSERT INTO tenants (id, name, created_at) VALUES ('default', 'Default', $1) ON CONFLICT (id) DO NOTHING",
                [.integer(Timestamp.millis(Date()))]
            )
        }
    }

    // MARK: Tenants and tokens

    public func createTenant(_ tenant: Tenant) async throws {
        do {
            try await wrap { connection in
                try await connection.run(
                    "INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)",
                    [.text(tenant.id), .text(tenant.name), .integer(Timestamp.millis(tenant.createdAt))]
                )
            }
        } catch let error as CourierError where error.kind == .conflict {
            throw CourierError.conflict("tenant \(tenant.id) already exists", code: "tenant_exists")
        }
    }

    public func tenant(id: String) async throws -> Tenant? {
        try await wrap { connection in
            try await connection.first("SELECT id, name, created_at FROM tenants WHERE id = $1", [.text(id)]) { row in
                Tenant(id: try row.text(0), name: try row.optionalText(1), createdAt: Timestamp.date(millis: try row.int(2)))
            }
        }
    }

    public func insertToken(_ token: APIToken) async throws {
        try await wrap { connection in
            try await connection.run(
                "INSERT INTO tokens (id, tenant_id, hash, name, created_at) VALUES ($1, $2, $3, $4, $5)",
                [.text(token.id), .text(token.tenantID), .text(token.hash), .text(token.name), .integer(Timestamp.millis(token.createdAt))]
            )
        }
    }

    public func tokens(tenantID: String) async throws -> [APIToken] {
        try await wrap { connection in
            try await connection.rows(
                "SELECT id, tenant_id, hash, name, created_at FROM tokens WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC", [.text(tenantID)],
                Self.token
            )
        }
    }

    public func deleteToken(tenantID: String, id: String) async throws -> APIToken? {
        try await wrap { connection in
            try await connection.first(
                "DELETE FROM tokens WHERE id = $1 AND tenant_id = $2 RETURNING id, tenant_id, hash, name, created_at",
                [.text(id), .text(tenantID)], Self.token
            )
        }
    }

    private static func token(_ row: PGRow) throws -> APIToken {
        APIToken(
            id: try row.text(0), tenantID: try row.optionalText(1), hash: try row.text(2), name: try row.optionalText(3),
            createdAt: Timestamp.date(millis: try row.int(4))
        )
    }

    public func principal(tokenHash: String) async throws -> Principal? {
        try await wrap { connection in
            try await connection.first("SELECT tenant_id FROM tokens WHERE hash = $1", [.text(tokenHash)]) { row in
                try row.optionalText(0).map(Principal.tenant) ?? .admin
            }
        }
    }

    public func setting(_ key: String) async throws -> String? {
        try await wrap { connection in
            try await connection.first("SELECT value FROM settings WHERE key = $1", [.text(key)]) { try $0.text(0) }
        }
    }

    public func setSetting(_ key: String, value: String) async throws {
        try await wrap { connection in
            try await connection.run(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [.text(key), .text(value)]
            )
        }
    }

    /// Two statements: of two nodes inserting at once, the second's insert waits for the first's
    /// to commit and does nothing, and only a statement begun after that sees the first's row.
    public func setSettingIfAbsent(_ key: String, value: String) async throws -> String {
        try await wrap { connection in
            try await connection.run("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", [.text(key), .text(value)])
            return try await connection.first("SELECT value FROM settings WHERE key = $1", [.text(key)]) { try $0.text(0) } ?? value
        }
    }

    // MARK: Endpoints

    static func healthValues(_ health: EndpointHealth) -> [PGValue] {
        [
            .integer(Int64(health.failureStreak)), .integer(Int64(health.cooldownLevel)),
            .integer(health.cooldownUntil.map(Timestamp.millis)), .integer(health.lastSuccessAt.map(Timestamp.millis)),
            .integer(health.failingSince.map(Timestamp.millis)),
        ]
    }

    static func endpointValues(_ e: Endpoint) -> [PGValue] {
        [
            .text(e.id), .text(e.tenantID), .text(e.name), .text(e.description), .text(e.url), .text(e.method.rawValue),
            .text(StoredForm.eventTypes(e.eventTypes)), .text(e.secret), .text(StoredForm.headers(e.headers)),
            .text(StoredForm.retry(e.retry)), .integer(Int64(e.maxInFlight)), .text(e.status.rawValue), .text(e.statusReason),
            .integer(Timestamp.millis(e.createdAt)), .integer(Timestamp.millis(e.updatedAt)), .text(StoredForm.batch(e.batch)),
            .text(e.previousSecret), .integer(e.previousSecretExpiresAt.map(Timestamp.millis)),
            .text(StoredForm.statusOverrides(e.statusOverrides)), .integer(e.ordered ? 1 : 0),
        ] + healthValues(e.health) + [
            .text(StoredForm.format(e.format)), .text(StoredForm.auth(e.auth)), .text(StoredForm.rateLimit(e.rateLimit)),
            .integer(e.timeoutSeconds.map(Int64.init)),
        ]
    }

    private static func nameTaken(_ name: String?) -> CourierError {
        .conflict("an endpoint named \(name ?? "") already exists", code: "endpoint_name_taken")
    }

    public func insertEndpoint(_ endpoint: Endpoint) async throws {
        do {
            try await wrap { connection in
                try await connection.run(
                    "INSERT INTO endpoints (\(StoredForm.endpointColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)",
                    Self.endpointValues(endpoint)
                )
            }
        } catch let error as CourierError where error.kind == .conflict {
            throw Self.nameTaken(endpoint.name)
        }
    }

    public func endpoint(tenantID: String, id: String) async throws -> Endpoint? {
        try await wrap { connection in
            try await connection.first(
                "SELECT \(StoredForm.endpointColumns) FROM endpoints WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL",
                [.text(id), .text(tenantID)], StoredForm.endpoint
            )
        }
    }

    public func endpoints(tenantID: String, page: PageRequest) async throws -> Page<Endpoint> {
        try await wrap { connection in
            let items = try await connection.rows(
                """
                SELECT \(StoredForm.endpointColumns) FROM endpoints
                WHERE tenant_id = $1 AND deleted_at IS NULL AND id < $2 ORDER BY id DESC LIMIT $3
                """,
                [.text(tenantID), .text(page.cursor ?? "~"), .integer(Int64(page.limit + 1))], StoredForm.endpoint
            )
            return Page(fetched: items, limit: page.limit, id: \.id)
        }
    }

    public func updateEndpoint(_ endpoint: Endpoint) async throws {
        do {
            try await transaction { connection in
                // `FOR UPDATE` waits for the publishes under way to this endpoint (each holds a
                // key-share lock on its row) and holds off new ones until this commits, so none
                // fills an open batch by a policy this changes.
                let stored = try await connection.first(
                    "SELECT batch, rate_limit, rate_next_at FROM endpoints WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL FOR UPDATE",
                    [.text(endpoint.id), .text(endpoint.tenantID)]
                ) {
                    (
                        batch: try StoredForm.batch(from: try $0.optionalText(0)), rateLimit: try StoredForm.rateLimit(from: try $0.optionalText(1)),
                        rateNextAt: try $0.optionalInt(2)
                    )
                }
                let values = Self.endpointValues(endpoint)
                let changed = try await connection.run(
                    """
                    UPDATE endpoints SET name = $1, description = $2, url = $3, method = $4, event_types = $5, secret = $6,
                        headers = $7, retry = $8, max_in_flight = $9, updated_at = $10, batch = $13, previous_secret = $14,
                        previous_secret_expires_at = $15, status_overrides = $16, ordered = $17, format = $18, auth = $19,
                        rate_limit = $20, rate_next_at = $21, timeout_seconds = $22
                    WHERE id = $11 AND tenant_id = $12 AND deleted_at IS NULL RETURNING 1
                    """,
                    Array(values[2...9]) + [
                        .integer(Int64(endpoint.maxInFlight)), .integer(Timestamp.millis(endpoint.updatedAt)),
                        .text(endpoint.id), .text(endpoint.tenantID),
                    ] + Array(values[15...19]) + Array(values[25...27]) + [
                        .integer(RateLimit.carried(stored?.rateNextAt, from: stored?.rateLimit, to: endpoint.rateLimit)), values[28],
                    ]
                )
                guard changed == 1 else { throw CourierError.notFound("endpoint") }
                if stored?.batch != endpoint.batch {
                    try await Self.returnOpenBatches(endpointID: endpoint.id, connection: connection, now: endpoint.updatedAt)
                }
                try await Self.notify(connection, .endpointChanged(endpointID: endpoint.id))
            }
        } catch let error as CourierError where error.kind == .conflict {
            throw Self.nameTaken(endpoint.name)
        }
    }

    public func setEndpointStatus(
        tenantID: String, id: String, status: Endpoint.Status, reason: String?, now: Date
    ) async throws -> Endpoint {
        try await transaction { connection in
            guard let endpoint = try await connection.first(
                """
                UPDATE endpoints SET status = $1, updated_at = $3,
                    -- Pausing a paused endpoint again without a reason keeps the one it was paused with.
                    status_reason = CASE WHEN status = $1 AND $2::text IS NULL THEN status_reason ELSE $2 END
                WHERE id = $4 AND tenant_id = $5 AND deleted_at IS NULL RETURNING \(StoredForm.endpointColumns)
                """,
                [.text(status.rawValue), .text(reason), .integer(Timestamp.millis(now)), .text(id), .text(tenantID)],
                StoredForm.endpoint
            ) else {
                throw CourierError.notFound("endpoint")
            }
            try await Self.notify(connection, .endpointChanged(endpointID: id))
            if status == .active, let due = try await Self.nextDue(connection, endpointID: id) {
                try await Self.notify(connection, .due(endpointID: id, at: due))
            }
            return endpoint
        }
    }

    public func deleteEndpoint(tenantID: String, id: String, now: Date) async throws {
        try await transaction { connection in
            let millis = Timestamp.millis(now)
            // `FOR UPDATE` waits for the publishes under way to this endpoint (each holds a
            // key-share lock on its row), so the cancellation below sees their deliveries, and
            // those after it see the endpoint deleted.
            _ = try await connection.run(
                "SELECT 1 FROM endpoints WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL FOR UPDATE", [.text(id), .text(tenantID)]
            )
            let changed = try await connection.run(
                "UPDATE endpoints SET deleted_at = $1, updated_at = $1 WHERE id = $2 AND tenant_id = $3 AND deleted_at IS NULL RETURNING 1",
                [.integer(millis), .text(id), .text(tenantID)]
            )
            guard changed == 1 else { throw CourierError.notFound("endpoint") }
            let runs = try await connection.rows(
                """
                SELECT session_uid, instance FROM deliveries
                WHERE endpoint_id = $1 AND state IN (0, 1) AND session_uid IS NOT NULL ORDER BY session_uid
                """,
                [.text(id)]
            ) { TaskRef(session: try $0.text(0), instance: try $0.text(1)) }
            // Sessions are locked before their deliveries, as everywhere, so no two transactions wait on each other.
            for uid in Set(runs.map(\.session)).sorted() {
                try await Self.lockSession(connection, tenantID: tenantID, uid: uid, now: now)
            }
            try await connection.run(
                """
                UPDATE deliveries SET state = $1, due_at = NULL, next_attempt_at = NULL, lease_until = NULL,
                    last_error = 'endpoint deleted', updated_at = $2
                WHERE endpoint_id = $3 AND state IN (0, 1, 7)
                """,
                [.integer(Int64(DeliveryState.cancelled.storageCode)), .integer(millis), .text(id)]
            )
            let messages = try await connection.rows(
                """
                UPDATE transmissions SET status = 4, error = 'its backend was deleted', updated_at = $1
                WHERE endpoint_id = $2 AND status = 0 RETURNING message_id
                """,
                [.integer(millis), .text(id)]
            ) { try $0.text(0) }
            for message in Set(messages).sorted() { try await Self.rollUp(message, connection: connection, now: now) }
            for run in runs {
                try await Self.changeSession(connection, tenantID: tenantID, uid: run.session, now: now) { session in
                    (try? session.runEnded(run.instance, .failed("its endpoint was deleted"), now: now)) ?? []
                }
            }
            try await Self.notify(connection, .endpointChanged(endpointID: id))
        }
    }

    // MARK: Events

    public func publish(_ events: [NewEvent], tenantID: String, now: Date) async throws -> [PublishedEvent] {
        try await transaction { connection in
            try await Self.publish(events, tenantID: tenantID, now: now, connection: connection)
        }
    }

    /// Stores events and their deliveries in the caller's transaction (whose commit sends the
    /// notifications).
    static func publish(
        _ events: [NewEvent], tenantID: String, now: Date, connection: PostgresConnection
    ) async throws -> [PublishedEvent] {
        let millis = Timestamp.millis(now)
        let endpoints = try await connection.rows(
            "SELECT \(StoredForm.endpointColumns) FROM endpoints WHERE tenant_id = $1 AND deleted_at IS NULL AND status <> 'disabled'",
            [.text(tenantID)], StoredForm.endpoint
        )
        var results: [PublishedEvent] = []
        results.reserveCapacity(events.count)
        var due: Set<String> = []
        // Rows are sent many at a time: one statement per row made an array of 1,000 events
        // two thousand round trips, which a busy server turns into seconds.
        var eventRows: [[PGValue]] = []
        var deliveryRows: [[PGValue]] = []
        var memberRows: [[PGValue]] = []
        var batches = OpenBatches(now: now)
        // The endpoints it fans out to, under a key-share lock until the commit: a deletion or
        // a change of batch policy (which take `FOR UPDATE`) waits for this publish, and one
        // committed since the read above is seen here. Without it a delivery published as its
        // endpoint was deleted stayed pending for good, and one could join a batch opened under
        // a policy just changed. Those deleted since drop out; each keeps its batch policy as
        // read under the lock.
        let subscribers = events.map { event in endpoints.filter { $0.subscribes(to: event.type) } }
        let targets = Set(subscribers.joined().map(\.id))
        var policies: [String: BatchPolicy?] = [:]
        if !targets.isEmpty {
            for (id, policy) in try await connection.rows(
                "SELECT id, batch FROM endpoints WHERE id = ANY($1::text[]) AND deleted_at IS NULL ORDER BY id FOR KEY SHARE",
                [.texts(targets.sorted())], { (try $0.text(0), try StoredForm.batch(from: try $0.optionalText(1))) }
            ) {
                policies.updateValue(policy, forKey: id)
            }
        }
        for (event, subscribed) in zip(events, subscribers) {
            let eventID = Identifier.make("evt", now: now)
            if let key = event.idempotencyKey {
                // Insert-or-find in one statement, so two nodes publishing the same key agree.
                let inserted = try await connection.first(
                    """
                    INSERT INTO events (id, tenant_id, type, key, payload, occurred_at, idempotency_key, created_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                    ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id
                    """,
                    Self.eventValues(event, id: eventID, tenantID: tenantID, millis: millis)
                ) { try $0.text(0) }
                if inserted == nil {
                    let existing = try await connection.first(
                        "SELECT id FROM events WHERE tenant_id = $1 AND idempotency_key = $2", [.text(tenantID), .text(key)]
                    ) { try $0.text(0) }
                    results.append(PublishedEvent(id: existing ?? eventID, duplicate: true, deliveries: 0))
                    continue
                }
            } else {
                eventRows.append(Self.eventValues(event, id: eventID, tenantID: tenantID, millis: millis))
            }
            var fanOut = 0
            for endpoint in subscribed {
                guard let current = policies[endpoint.id] else { continue }
                fanOut += 1
                guard let policy = current else {
                    deliveryRows.append([
                        .text(Identifier.make("dlv", now: now)), .text(tenantID), .text(eventID), .text(endpoint.id),
                        .integer(millis), .integer(millis),
                    ])
                    if endpoint.status == .active { due.insert(endpoint.id) }
                    continue
                }
                if batches.needsLookup(endpoint.id) {
                    batches.found(
                        try await connection.first(
                            """
                            SELECT \(StoredForm.openBatchColumns) FROM deliveries
                            WHERE endpoint_id = $1 AND state IN (0, 1) AND event_id IS NULL AND lease_token = 0 AND members < $2
                            ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
                            """,
                            [.text(endpoint.id), .integer(Int64(policy.size))], StoredForm.openBatch
                        ),
                        endpointID: endpoint.id
                    )
                }
                memberRows.append([
                    .text(Identifier.make("dlv", now: now)), .text(tenantID), .text(eventID), .text(endpoint.id),
                    .integer(Int64(DeliveryState.batched.storageCode)), .text(batches.place(endpoint: endpoint, policy: policy)),
                    .integer(millis),
                ])
            }
            results.append(PublishedEvent(id: eventID, duplicate: false, deliveries: fanOut))
        }
        var writes = CombinedWrite()
        writes.insert(
            "INSERT INTO events (id, tenant_id, type, key, payload, occurred_at, idempotency_key, created_at) VALUES",
            rows: eventRows
        ) { "($\($0 + 1), $\($0 + 2), $\($0 + 3), $\($0 + 4), $\($0 + 5), $\($0 + 6), $\($0 + 7), $\($0 + 8))" }
        writes.insert(
            "INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, state, next_attempt_at, due_at, created_at, updated_at) VALUES",
            rows: deliveryRows
        ) { "($\($0 + 1), $\($0 + 2), $\($0 + 3), $\($0 + 4), 0, $\($0 + 5), $\($0 + 6), $\($0 + 5), $\($0 + 5))" }
        writes.insert(
            "INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, state, batch_id, created_at, updated_at) VALUES",
            rows: memberRows
        ) { "($\($0 + 1), $\($0 + 2), $\($0 + 3), $\($0 + 4), $\($0 + 5), $\($0 + 6), $\($0 + 7), $\($0 + 7))" }
        for endpointID in due.sorted() {
            writes.notify(.due(endpointID: endpointID, at: now))
        }
        try await writes.run(on: connection)
        for batch in batches.batches {
            let dueAt = batch.dueAt.map(Timestamp.millis)
            if batch.isNew {
                try await connection.run(
                    """
                    INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, state, next_attempt_at, due_at, members, created_at, updated_at)
                    VALUES ($1, $2, NULL, $3, $4, $5, $5, $6, $7, $8)
                    """,
                    [.text(batch.id), .text(batch.tenantID), .text(batch.endpointID), .integer(Int64(DeliveryState.pending.storageCode)),
                     .integer(dueAt), .integer(Int64(batch.members)), .integer(Timestamp.millis(batch.openedAt)), .integer(millis)]
                )
            } else {
                try await connection.run(
                    "UPDATE deliveries SET members = $1, next_attempt_at = $2, due_at = $2, updated_at = $3 WHERE id = $4",
                    [.integer(Int64(batch.members)), .integer(dueAt), .integer(millis), .text(batch.id)]
                )
            }
            if batch.dueChanged, let at = batch.dueAt, endpoints.contains(where: { $0.id == batch.endpointID && $0.status == .active }) {
                try await Self.notify(connection, .due(endpointID: batch.endpointID, at: at))
            }
        }
        return results
    }

    /// Returns an endpoint's open batches' deliveries to `pending`, each due as when it was
    /// published, and removes the batches (never sent, so without attempts): after a change of
    /// its batch policy they are gathered, or sent one by one, by the policy it has now. Runs
    /// under the endpoint's `FOR UPDATE` lock, so no publish is filling one of them.
    private static func returnOpenBatches(endpointID: String, connection: PostgresConnection, now: Date) async throws {
        let open = try await connection.rows(
            """
            DELETE FROM deliveries
            WHERE endpoint_id = $1 AND state IN (0, 1) AND event_id IS NULL AND lease_token = 0 AND members IS NOT NULL
            RETURNING id
            """,
            [.text(endpointID)]
        ) { try $0.text(0) }
        guard !open.isEmpty else { return }
        try await connection.run(
            """
            UPDATE deliveries SET state = $1, batch_id = NULL, due_at = created_at, next_attempt_at = created_at, updated_at = $2
            WHERE batch_id = ANY($3::text[]) AND state = $4
            """,
            [.integer(Int64(DeliveryState.pending.storageCode)), .integer(Timestamp.millis(now)), .texts(open),
             .integer(Int64(DeliveryState.batched.storageCode))]
        )
        // Those cancelled meanwhile stay cancelled, and no longer name a batch that is gone.
        try await connection.run("UPDATE deliveries SET batch_id = NULL WHERE batch_id = ANY($1::text[])", [.texts(open)])
    }

    static func eventValues(_ event: NewEvent, id: String, tenantID: String, millis: Int64) -> [PGValue] {
        [.text(id), .text(tenantID), .text(event.type), .text(event.key), .bytes(event.payload),
         .integer(event.occurredAt.map(Timestamp.millis) ?? millis), .text(event.idempotencyKey), .integer(millis)]
    }

    public func sendTestEvent(tenantID: String, endpointID: String, now: Date) async throws -> Delivery {
        try await transaction { connection in
            // Key-share, as a publish locks its endpoints: deleting the endpoint waits for this.
            guard let endpoint = try await connection.first(
                "SELECT \(StoredForm.endpointColumns) FROM endpoints WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL FOR KEY SHARE",
                [.text(endpointID), .text(tenantID)], StoredForm.endpoint
            ) else { throw CourierError.notFound("endpoint") }
            let event = NewEvent.test(endpointID: endpointID, now: now)
            let eventID = Identifier.make("evt", now: now)
            let deliveryID = Identifier.make("dlv", now: now)
            let millis = Timestamp.millis(now)
            try await connection.run(
                "INSERT INTO events (id, tenant_id, type, payload, occurred_at, created_at) VALUES ($1, $2, $3, $4, $5, $5)",
                [.text(eventID), .text(tenantID), .text(event.type), .bytes(event.payload), .integer(millis)]
            )
            try await connection.run(
                """
                INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, state, next_attempt_at, due_at, created_at, updated_at)
                VALUES ($1, $2, $3, $4, 0, $5, $6, $5, $5)
                """,
                [.text(deliveryID), .text(tenantID), .text(eventID), .text(endpointID), .integer(millis), .integer(millis)]
            )
            if endpoint.status == .active { try await Self.notify(connection, .due(endpointID: endpointID, at: now)) }
            return Delivery(id: deliveryID, tenantID: tenantID, eventID: eventID, endpointID: endpointID, state: .pending,
                            nextAttemptAt: now, createdAt: now, updatedAt: now)
        }
    }

    public func event(tenantID: String, id: String) async throws -> Event? {
        try await wrap { connection in
            try await connection.first(
                "SELECT \(StoredForm.eventColumns) FROM events WHERE id = $1 AND tenant_id = $2", [.text(id), .text(tenantID)], StoredForm.event
            )
        }
    }

    // MARK: Deliveries

    /// The WHERE clause for a filter and its values.
    static func whereClause(tenantID: String, filter: DeliveryFilter) -> (String, [PGValue]) {
        whereClause(filter.conditions(tenantID: tenantID))
    }

    /// The WHERE clause for conditions shared with the SQLite store, and its values.
    static func whereClause(_ conditions: [(sql: String, values: [DeliveryFilter.Value])]) -> (String, [PGValue]) {
        var values: [PGValue] = []
        var clauses: [String] = []
        for condition in conditions {
            // Each `?` becomes the next `$n`.
            var sql = ""
            var remaining = condition.values[...]
            for character in condition.sql {
                guard character == "?", let value = remaining.popFirst() else {
                    sql.append(character)
                    continue
                }
                switch value {
                case .text(let text): values.append(.text(text))
                case .integer(let number): values.append(.integer(number))
                }
                sql += "$\(values.count)"
            }
            clauses.append(sql)
        }
        return (clauses.joined(separator: " AND "), values)
    }

    public func deliveries(tenantID: String, filter: DeliveryFilter, page: PageRequest) async throws -> Page<Delivery> {
        try await wrap { connection in
            let (clause, values) = Self.whereClause(tenantID: tenantID, filter: filter)
            let n = values.count
            let items = try await connection.rows(
                "SELECT \(StoredForm.deliveryColumns) FROM deliveries WHERE \(clause) AND id < $\(n + 1) ORDER BY id DESC LIMIT $\(n + 2)",
                values + [.text(page.cursor ?? "~"), .integer(Int64(page.limit + 1))], StoredForm.delivery
            )
            return Page(fetched: items, limit: page.limit, id: \.id)
        }
    }

    public func countDeliveries(tenantID: String, filter: DeliveryFilter) async throws -> Int {
        try await wrap { connection in
            let (clause, values) = Self.whereClause(tenantID: tenantID, filter: filter)
            return Int(try await connection.first("SELECT COUNT(*) FROM deliveries WHERE \(clause)", values) { try $0.int(0) } ?? 0)
        }
    }

    public func delivery(tenantID: String, id: String) async throws -> Delivery? {
        try await wrap { connection in
            try await connection.first(
                "SELECT \(StoredForm.deliveryColumns) FROM deliveries WHERE id = $1 AND tenant_id = $2", [.text(id), .text(tenantID)],
                StoredForm.delivery
            )
        }
    }

    public func attempts(tenantID: String, deliveryID: String) async throws -> [Attempt] {
        try await wrap { connection in try await Self.attempts(tenantID: tenantID, deliveryID: deliveryID, connection: connection) }
    }

    public func deliveryWithAttempts(tenantID: String, id: String) async throws -> (delivery: Delivery, attempts: [Attempt])? {
        try await transaction { connection in
            // One snapshot for both reads; under the default READ COMMITTED each would see its own.
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            guard let delivery = try await connection.first(
                "SELECT \(StoredForm.deliveryColumns) FROM deliveries WHERE id = $1 AND tenant_id = $2", [.text(id), .text(tenantID)],
                StoredForm.delivery
            ) else { return nil }
            return (delivery, try await Self.attempts(tenantID: tenantID, deliveryID: id, connection: connection))
        }
    }

    static func attempts(tenantID: String, deliveryID: String, connection: PostgresConnection) async throws -> [Attempt] {
        try await connection.rows(
            "SELECT \(StoredForm.attemptColumns) FROM attempts WHERE delivery_id = $1 AND tenant_id = $2 ORDER BY id",
            [.text(deliveryID), .text(tenantID)], StoredForm.attempt
        )
    }

    public func apply(
        _ action: DeliveryStateMachine.Action, tenantID: String, deliveryID: String, now: Date
    ) async throws -> Delivery {
        try await transaction { connection in
            guard let delivery = try await connection.first(
                "SELECT \(StoredForm.deliveryColumns) FROM deliveries WHERE id = $1 AND tenant_id = $2 FOR UPDATE",
                [.text(deliveryID), .text(tenantID)], StoredForm.delivery
            ) else {
                throw CourierError.notFound("delivery")
            }
            let deleted = try await Self.deletedEndpoints(among: [delivery.endpointID], connection: connection)
            if let signal = try await Self.apply(
                action, to: delivery, endpointDeleted: !deleted.isEmpty, connection: connection, now: now
            ) {
                try await Self.notify(connection, signal)
            }
            return try await connection.first(
                "SELECT \(StoredForm.deliveryColumns) FROM deliveries WHERE id = $1", [.text(deliveryID)], StoredForm.delivery
            )!
        }
    }

    /// Which of `endpointIDs` name deleted endpoints, whose deliveries nothing may make due again.
    ///
    /// The live ones are locked, as publishing locks its endpoints: a deletion under way (which
    /// locks its endpoint first) is waited for and then seen, or waits for the caller. The
    /// caller already holds its deliveries, so the two can deadlock; `transaction` runs the one
    /// PostgreSQL aborts again. (Locking the deleted rows instead would not wait: a row not
    /// deleted in the caller's snapshot does not match.)
    private static func deletedEndpoints(among endpointIDs: Set<String>, connection: PostgresConnection) async throws -> Set<String> {
        let live = try await connection.rows(
            "SELECT id FROM endpoints WHERE id = ANY($1::text[]) AND deleted_at IS NULL ORDER BY id FOR KEY SHARE",
            [.texts(endpointIDs.sorted())]
        ) { try $0.text(0) }
        return endpointIDs.subtracting(live)
    }

    private static func apply(
        _ action: DeliveryStateMachine.Action, to delivery: Delivery, endpointDeleted: Bool, connection: PostgresConnection, now: Date
    ) async throws -> StoreSignal? {
        try delivery.checkActionable(action, now: now)
        let effect = try DeliveryStateMachine.apply(
            action, state: delivery.state, attemptCount: delivery.attemptCount, budget: delivery.budget, now: now,
            endpointDeleted: endpointDeleted
        )
        let next = effect.nextAttemptAt.map(Timestamp.millis)
        try await connection.run(
            """
            UPDATE deliveries SET state = $1, next_attempt_at = $2,
                due_at = $2::BIGINT,
                budget_base = $3, budget_first_at = $4, single_shot = $5, updated_at = $6
            WHERE id = $7
            """,
            [.integer(Int64(effect.state.storageCode)), .integer(next), .integer(Int64(effect.budget.base)),
             .integer(effect.budget.firstAttemptAt.map(Timestamp.millis)), .integer(effect.budget.singleShot ? 1 : 0),
             .integer(Timestamp.millis(now)), .text(delivery.id)]
        )
        if let messageID = delivery.messageID, effect.state == .cancelled {
            try await connection.run(
                "UPDATE transmissions SET status = 4, error = 'its batch was cancelled', updated_at = $1 WHERE delivery_id = $2 AND status = 0",
                [.integer(Timestamp.millis(now)), .text(delivery.id)]
            )
            try await rollUp(messageID, connection: connection, now: now)
        }
        if delivery.eventID == nil, let (to, from) = BatchOutcome.membersFollow(batchFrom: delivery.state, to: effect.state) {
            try await connection.run(
                "UPDATE deliveries SET state = $1, updated_at = $2 WHERE batch_id = $3 AND state = $4",
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
            let (result, last) = try await transaction { connection in
                try await Self.applyChunk(action, tenantID: tenantID, filter: filter, below: below, connection: connection, now: now)
            }
            total.matched += result.matched
            total.changed += result.changed
            cursor = last
        } while cursor != nil
        return total
    }

    /// One chunk of a bulk action: up to ``BulkOperation/chunkSize`` deliveries that match,
    /// below `cursor` by id (newest first), locked and acted on where their state allows.
    /// Returns what it did and the last id it walked, or nil when nothing is left below it.
    static func applyChunk(
        _ action: DeliveryStateMachine.Action, tenantID: String, filter: DeliveryFilter, below cursor: String?,
        connection: PostgresConnection, now: Date
    ) async throws -> (BulkResult, String?) {
        let (clause, values) = whereClause(tenantID: tenantID, filter: filter)
        let n = values.count
        let rows = try await connection.rows(
            """
            SELECT \(StoredForm.deliveryColumns) FROM deliveries WHERE \(clause) AND id < $\(n + 1)
            ORDER BY id DESC LIMIT $\(n + 2) FOR UPDATE
            """,
            values + [.text(cursor ?? "~"), .integer(Int64(BulkOperation.chunkSize))], StoredForm.delivery
        )
        var changed = 0
        var signals: [String: Date] = [:]
        let deleted = try await deletedEndpoints(among: Set(rows.map(\.endpointID)), connection: connection)
        if rows.allSatisfy({ $0.eventID != nil && $0.messageID == nil }) {
            // Events' deliveries only (no batch whose members follow it, no message's
            // transmissions): every change is to its own row, so they go in one statement.
            var effects: [(id: String, effect: DeliveryStateMachine.ActionEffect)] = []
            for delivery in rows {
                do {
                    try delivery.checkActionable(action, now: now)
                    let effect = try DeliveryStateMachine.apply(
                        action, state: delivery.state, attemptCount: delivery.attemptCount, budget: delivery.budget, now: now,
                        endpointDeleted: deleted.contains(delivery.endpointID)
                    )
                    effects.append((delivery.id, effect))
                    if let at = effect.wakesEndpointAt { signals[delivery.endpointID] = min(at, signals[delivery.endpointID] ?? at) }
                } catch {
                    continue  // not applicable in this state
                }
            }
            try await applyEffects(effects, connection: connection, now: now)
            changed = effects.count
        } else {
            for delivery in rows {
                let signal: StoreSignal?
                do {
                    signal = try await apply(
                        action, to: delivery, endpointDeleted: deleted.contains(delivery.endpointID), connection: connection, now: now
                    )
                } catch is CourierError {
                    continue  // not applicable in this state
                }
                changed += 1
                if case .due(let endpointID, let at)? = signal { signals[endpointID] = min(at, signals[endpointID] ?? at) }
            }
        }
        for (endpointID, at) in signals {
            try await notify(connection, .due(endpointID: endpointID, at: at))
        }
        return (BulkResult(matched: rows.count, changed: changed), rows.count < BulkOperation.chunkSize ? nil : rows.last?.id)
    }

    /// Writes a bulk action's effects on events' deliveries in one statement, as
    /// ``apply(_:to:connection:now:)`` writes one: a chunk is 500 deliveries, and one
    /// statement each made it 500 round trips.
    private static func applyEffects(
        _ effects: [(id: String, effect: DeliveryStateMachine.ActionEffect)], connection: PostgresConnection, now: Date
    ) async throws {
        guard !effects.isEmpty else { return }
        let rows = JSONValue.array(effects.map { change in
            let effect = change.effect
            return .object(JSONObject([
                "id": .string(change.id), "state": .integer(effect.state.storageCode),
                "next": effect.nextAttemptAt.map { .integer(Int(Timestamp.millis($0))) } ?? .null,
                "budget_base": .integer(effect.budget.base),
                "budget_first_at": effect.budget.firstAttemptAt.map { .integer(Int(Timestamp.millis($0))) } ?? .null,
                "single_shot": .integer(effect.budget.singleShot ? 1 : 0),
            ]))
        })
        try await connection.run(
            """
            UPDATE deliveries d SET state = r.state, next_attempt_at = r.next, due_at = r.next, budget_base = r.budget_base,
                budget_first_at = r.budget_first_at, single_shot = r.single_shot, updated_at = $2
            FROM jsonb_to_recordset($1::jsonb) AS r(id TEXT, state BIGINT, next BIGINT, budget_base BIGINT, budget_first_at BIGINT,
                single_shot BIGINT)
            WHERE d.id = r.id
            """,
            [.text(String(decoding: rows.bytes, as: UTF8.self)), .integer(Timestamp.millis(now))]
        )
    }

    // MARK: Sessions

    public func session(tenantID: String, uid: String) async throws -> Session? {
        try await wrap { connection in
            try await connection.first(
                "SELECT state FROM sessions WHERE tenant_id = $1 AND uid = $2", [.text(tenantID), .text(uid)]
            ) { try StoredForm.session(from: try $0.text(0)) }
        }
    }

    public func sessions(tenantID: String, filter: SessionFilter, page: PageRequest) async throws -> Page<SessionSummary> {
        let (clause, values) = Self.whereClause(try filter.conditions(tenantID: tenantID, after: page.cursor))
        return try await wrap { connection in
            let rows = try await connection.rows(
                "SELECT uid, updated_at, state FROM sessions WHERE \(clause) ORDER BY updated_at DESC, uid DESC LIMIT $\(values.count + 1)",
                values + [.integer(Int64(page.limit + 1))]
            ) { (uid: try $0.text(0), updatedAt: try $0.int(1), state: try $0.text(2)) }
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
        try await transaction { connection in
            try await Self.changeSession(connection, tenantID: tenantID, uid: uid, now: now, change)
        }
    }

    /// Makes the session's row if need be, then locks it: changes from every node to one
    /// session apply one after the other, and none is lost. Returns the session as it stands.
    @discardableResult
    static func lockSession(_ connection: PostgresConnection, tenantID: String, uid: String, now: Date) async throws -> Session {
        try await connection.run(
            """
            INSERT INTO sessions (tenant_id, uid, state, updated_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (tenant_id, uid) DO NOTHING
            """,
            [.text(tenantID), .text(uid), .text(StoredForm.session(Session(uid: uid))), .integer(Timestamp.millis(now))]
        )
        return try await connection.first(
            "SELECT state FROM sessions WHERE tenant_id = $1 AND uid = $2 FOR UPDATE", [.text(tenantID), .text(uid)]
        ) { try StoredForm.session(from: try $0.text(0)) } ?? Session(uid: uid)
    }

    /// The session's runs that may be at their receivers: those leased, and those another
    /// transaction holds, a claim leasing them or a record finishing them.
    ///
    /// The rest are locked, so that no claim takes one before this transaction ends: the
    /// change may cancel it. `SKIP LOCKED` rather than waiting, because a record holds its
    /// delivery while it waits for the session this transaction holds.
    private static func runsUnderWay(_ connection: PostgresConnection, tenantID: String, uid: String) async throws -> [String] {
        let active = try await connection.rows(
            "SELECT id, instance FROM deliveries WHERE tenant_id = $1 AND session_uid = $2 AND state IN (0, 1)",
            [.text(tenantID), .text(uid)]
        ) { (id: try $0.text(0), instance: try $0.text(1)) }
        guard !active.isEmpty else { return [] }
        let held = try await connection.rows(
            "SELECT id, lease_until FROM deliveries WHERE id = ANY($1::text[]) AND state IN (0, 1) FOR UPDATE SKIP LOCKED",
            [.texts(active.map(\.id))]
        ) { (id: try $0.text(0), leased: try $0.optionalInt(1) != nil) }
        let free = Set(held.filter { !$0.leased }.map(\.id))
        return active.filter { !free.contains($0.id) }.map(\.instance)
    }

    /// Loads and locks a session, applies `change`, carries out its effects and saves it, in
    /// the caller's transaction (whose commit sends the notifications).
    @discardableResult
    static func changeSession(
        _ connection: PostgresConnection, tenantID: String, uid: String, now: Date,
        _ change: (inout Session) throws -> [Session.Effect]
    ) async throws -> Session {
        var session = try await lockSession(connection, tenantID: tenantID, uid: uid, now: now)
        session.runsUnderWay(try await runsUnderWay(connection, tenantID: tenantID, uid: uid), now: now)
        let effects = try change(&session)
        // Every endpoint a run can go to is named by a configured task: those are read first,
        // so that carrying out (which may cascade) needs no further query. Key-share, as a
        // publish locks its endpoints: deleting one waits for this (a deadlock with a deletion
        // that waits for this session is broken by PostgreSQL and retried by ``transaction``).
        let targets = Array(Set(session.tasks.map(\.run)))
        var endpoints: [Endpoint] = []
        if !effects.isEmpty, !targets.isEmpty {
            let sequence = try await connection.query(
                """
                SELECT \(unescaped: StoredForm.endpointColumns) FROM endpoints
                WHERE tenant_id = \(tenantID) AND deleted_at IS NULL AND (id = ANY(\(targets)) OR name = ANY(\(targets)))
                ORDER BY id FOR KEY SHARE
                """,
                logger: Self.queryLogger
            )
            for try await row in sequence {
                endpoints.append(try StoredForm.endpoint(PGRow(row: row.makeRandomAccess())))
            }
        }
        let work = try session.carryOut(effects, now: now) { target in
            endpoints.first { $0.id == target } ?? endpoints.first { $0.name == target }
        }
        let millis = Timestamp.millis(now)
        for run in work.runs {
            let eventID = Identifier.make("evt", now: now)
            try await connection.run(
                """
                INSERT INTO events (id, tenant_id, type, key, payload, occurred_at, idempotency_key, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, NULL, $6)
                """,
                [.text(eventID), .text(tenantID), .text(Session.taskEventType), .text(uid), .bytes(run.payload), .integer(millis)]
            )
            try await connection.run(
                """
                INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, state, next_attempt_at, due_at, created_at, updated_at,
                    session_uid, instance)
                VALUES ($1, $2, $3, $4, 0, $5, $6, $5, $5, $7, $8)
                """,
                [.text(Identifier.make("dlv", now: now)), .text(tenantID), .text(eventID), .text(run.endpoint.id),
                 .integer(millis), .integer(millis), .text(uid), .text(run.instance)]
            )
            if run.endpoint.status == .active { try await Self.notify(connection, .due(endpointID: run.endpoint.id, at: now)) }
        }
        for instance in work.cancels {
            try await connection.run(
                """
                UPDATE deliveries SET state = $1, due_at = NULL, next_attempt_at = NULL, lease_until = NULL,
                    last_error = 'its instance was abandoned (unless)', updated_at = $2
                WHERE tenant_id = $3 AND session_uid = $4 AND instance = $5 AND state IN (0, 1)
                """,
                [.integer(Int64(DeliveryState.cancelled.storageCode)), .integer(millis), .text(tenantID), .text(uid),
                 .text(instance)]
            )
        }
        try await connection.run(
            "UPDATE sessions SET state = $1, updated_at = $2, failed_instances = $3 WHERE tenant_id = $4 AND uid = $5",
            [.text(StoredForm.session(session)), .integer(millis), .integer(Int64(session.instanceCounts[.failed] ?? 0)),
             .text(tenantID), .text(uid)]
        )
        return session
    }

    // MARK: The delivery engine

    static func nextDue(_ connection: PostgresConnection, endpointID: String) async throws -> Date? {
        try await connection.first(
            "SELECT MIN(due_at) FROM deliveries WHERE endpoint_id = $1 AND state IN (0, 1) AND due_at IS NOT NULL",
            [.text(endpointID)]
        ) { try $0.optionalInt(0) }.flatMap { $0 }.map(Timestamp.date)
    }

    public func dueEndpoints() async throws -> [DueWork] {
        try await wrap { connection in
            let ids = try await connection.rows(
                "SELECT id FROM endpoints WHERE status = 'active' AND deleted_at IS NULL"
            ) { try $0.text(0) }
            var due: [DueWork] = []
            for id in ids {
                if let at = try await Self.nextDue(connection, endpointID: id) { due.append(DueWork(endpointID: id, dueAt: at)) }
            }
            return due
        }
    }

    /// The leases held at an endpoint (`$1`) at `$2`, but for those in `$3` (the caller's
    /// answered ones), read by the index of leased rows. Written `state IN (0, 1)`, the state
    /// also matched the condition of the index of due work, which the planner took while the
    /// table had no statistics (a fresh database, until autovacuum's first analyze), and
    /// counted through the endpoint's whole backlog: 15–24 ms a claim at 60,000 pending,
    /// 0.3–4 ms by this index. `state + 0` means the same and matches no index's condition.
    static let leaseCount = """
        SELECT COUNT(*) FROM deliveries
        WHERE endpoint_id = $1 AND lease_until > $2 AND state + 0 IN (0, 1)
            AND NOT (lease_token || ' ' || id = ANY($3::text[]))
        """

    public func claim(endpointID: String, limit: Int, now: Date, leaseUntil proposedLease: Date, answered: [Lease]) async throws -> Claim {
        if let failure = clockWatch.failure { throw failure }
        return try await transaction(durable: false) { connection in
            // Locking the endpoint's row serialises claims for one endpoint across nodes, which
            // is what lets maxInFlight count every node's leases, and batches form whole. Not
            // `FOR UPDATE`, which would also wait for the key-share locks of publishes.
            guard let (endpoint, rateNextAt) = try await connection.first(
                "SELECT \(StoredForm.endpointColumns), rate_next_at FROM endpoints WHERE id = $1 AND deleted_at IS NULL FOR NO KEY UPDATE",
                [.text(endpointID)], { (try StoredForm.endpoint($0), try $0.optionalInt(StoredForm.endpointColumnCount)) }
            ), endpoint.status == .active else {
                return Claim(endpoint: nil, deliveries: [], nextDueAt: nil)
            }
            let nowMillis = Timestamp.millis(now)
            let (capacity, uncounted, perClaim): (Int, [Lease], Int)
            switch endpoint.claimAllowance(at: now, answered: answered, limit: limit, rateNextAt: rateNextAt) {
            case .coolingDown(let until): return Claim(endpoint: endpoint, deliveries: [], nextDueAt: until)
            case .rateLimited(let until):
                return Claim(
                    endpoint: endpoint, deliveries: [], nextDueAt: try await Self.nextDue(connection, endpoint: endpoint, now: now),
                    rateLimitedUntil: until
                )
            case .slots(let slots, let leases, let most): (capacity, uncounted, perClaim) = (slots, leases, most)
            }
            // Every node's leases count, except the caller's answered ones.
            let leased = try await connection.first(
                Self.leaseCount, [.text(endpointID), .integer(nowMillis), .texts(uncounted.map(StoredForm.leaseKey))]
            ) { try $0.int(0) } ?? 0
            let allowed = min(perClaim, capacity - Int(leased))
            guard allowed > 0 else {
                return Claim(endpoint: endpoint, deliveries: [], nextDueAt: try await Self.nextDue(connection, endpoint: endpoint, now: now))
            }
            // Long enough for the endpoint's own timeout, whatever the engine asked for.
            let leaseUntil = endpoint.leaseUntil(proposedLease, now: now)
            let lease = Timestamp.millis(leaseUntil)
            // At a batching endpoint only batches are claimed as they are (retries, resends, a
            // dead worker's); its events' deliveries wait to be gathered into new ones below.
            // An ordered endpoint's only candidate is its oldest active delivery, due or not.
            // Task runs are never batched: a batching endpoint claims them one by one beside its batches.
            let due = endpoint.ordered
                ? "state IN (0, 1) AND due_at <= $3 AND id = (\(Self.headID))"
                : endpoint.batch == nil
                    ? "state IN (0, 1) AND due_at <= $3"
                    : "state IN (0, 1) AND (event_id IS NULL OR session_uid IS NOT NULL) AND due_at <= $3"
            let rows = try await connection.rows(
                """
                UPDATE deliveries SET lease_token = lease_token + 1, lease_until = $1, due_at = $1
                WHERE id IN (
                    SELECT id FROM deliveries WHERE endpoint_id = $2 AND \(due)
                    ORDER BY due_at, id LIMIT $4 FOR UPDATE SKIP LOCKED
                )
                RETURNING \(StoredForm.leasedColumns)
                """,
                [.integer(lease), .text(endpointID), .integer(nowMillis), .integer(Int64(allowed))],
                StoredForm.LeasedRow.init
            )
            var events: [String: Event] = [:]
            let eventIDs = rows.compactMap(\.eventToRead)
            if !eventIDs.isEmpty {
                let sequence = try await connection.query(
                    "SELECT \(unescaped: StoredForm.eventColumns) FROM events WHERE id = ANY(\(eventIDs))", logger: Self.queryLogger
                )
                for try await row in sequence {
                    let event = try StoredForm.event(PGRow(row: row.makeRandomAccess()))
                    events[event.id] = event
                }
            }
            var claimed: [ClaimedDelivery] = []
            for row in rows.sorted(by: { $0.id < $1.id }) {
                if let messageID = row.messageID {
                    guard let batch = try await Self.claimTransmissions(
                        deliveryID: row.id, messageID: messageID, connection: connection, now: now
                    ) else {
                        try await Self.end(row.id, .succeeded, reason: "every transmission it carries was already sent", connection: connection, now: now)
                        continue
                    }
                    claimed.append(row.claimed(.message(batch)))
                } else if let content = row.content(events: events) {
                    claimed.append(row.claimed(content))
                }
            }
            if let policy = endpoint.batch {
                while claimed.count < allowed,
                      let batch = try await Self.formBatch(connection, endpoint: endpoint, policy: policy, now: now, leaseUntil: leaseUntil) {
                    claimed.append(batch)
                }
            }
            // A plain endpoint's claim that took all it was allowed may have left more due, so
            // it answers "due now" without looking. The look reads the index of due work from
            // its head, where every delivery claimed or finished since the last vacuum leaves a
            // dead entry: in a fresh database's drain of 20,000 it was the claim's costliest
            // statement (2.2 ms), and the drain went 1.35 times as fast without it. When nothing
            // more was due, the engine's next claim finds nothing and the real time.
            // (Not at a rate-limited endpoint, which takes one a claim and then waits: it would
            // come back for a backlog it may not have.)
            let tookAll = endpoint.batch == nil && !endpoint.ordered && endpoint.rateLimit == nil && rows.count == allowed
            let nextDueAt = tookAll ? now : try await Self.nextDue(connection, endpoint: endpoint, now: now)
            var rateLimitedUntil: Date?
            if let rateLimit = endpoint.rateLimit, !claimed.isEmpty {
                let next = rateLimit.next(after: rateNextAt, now: now)
                try await connection.run("UPDATE endpoints SET rate_next_at = $1 WHERE id = $2", [.integer(next), .text(endpointID)])
                rateLimitedUntil = RateLimit.readyAt(next)
            }
            return Claim(endpoint: endpoint, deliveries: claimed, nextDueAt: nextDueAt, rateLimitedUntil: rateLimitedUntil)
        }
    }

    /// Ends a claimed delivery that turned out to have nothing to send, with the reason.
    private static func end(
        _ deliveryID: String, _ state: DeliveryState, reason: String, connection: PostgresConnection, now: Date
    ) async throws {
        try await connection.run(
            """
            UPDATE deliveries SET state = $1, due_at = NULL, next_attempt_at = NULL, lease_until = NULL, last_error = $2, updated_at = $3
            WHERE id = $4
            """,
            [.integer(Int64(state.storageCode)), .text(reason), .integer(Timestamp.millis(now)), .text(deliveryID)]
        )
    }

    /// The due events' deliveries of a batching endpoint waiting to be gathered: how many (up to
    /// a batch) and since when the oldest has been due.
    private static func waitingForBatch(
        _ connection: PostgresConnection, endpointID: String, size: Int, now: Date
    ) async throws -> (count: Int, oldestDueAt: Date?) {
        try await connection.first(
            """
            SELECT COUNT(*), MIN(due_at) FROM (
                SELECT due_at FROM deliveries
                WHERE endpoint_id = $1 AND state IN (0, 1) AND due_at <= $2 AND event_id IS NOT NULL AND session_uid IS NULL
                ORDER BY due_at, id LIMIT $3
            ) waiting
            """,
            [.text(endpointID), .integer(Timestamp.millis(now)), .integer(Int64(size))]
        ) { (count: Int(try $0.int(0)), oldestDueAt: try $0.optionalInt(1).map(Timestamp.date)) } ?? (0, nil)
    }

    /// Gathers the oldest waiting deliveries into a new batch and claims it, when the policy
    /// says they make one now. Runs under the claim's lock on the endpoint, so two nodes can
    /// never split or share a batch.
    private static func formBatch(
        _ connection: PostgresConnection, endpoint: Endpoint, policy: BatchPolicy, now: Date, leaseUntil: Date
    ) async throws -> ClaimedDelivery? {
        let waiting = try await waitingForBatch(connection, endpointID: endpoint.id, size: policy.size, now: now)
        guard let oldest = waiting.oldestDueAt,
              policy.readiness(ofLeftovers: waiting.count, oldestDueAt: oldest, now: now).ready else { return nil }
        let batchID = Identifier.make("dlv", now: now)
        let millis = Timestamp.millis(now)
        let lease = Timestamp.millis(leaseUntil)
        let members = try await connection.run(
            """
            UPDATE deliveries SET state = $1, batch_id = $2, due_at = NULL, next_attempt_at = NULL, updated_at = $3
            WHERE id IN (
                SELECT id FROM deliveries
                WHERE endpoint_id = $4 AND state IN (0, 1) AND due_at <= $3 AND event_id IS NOT NULL AND session_uid IS NULL
                ORDER BY due_at, id LIMIT $5
            )
            RETURNING 1
            """,
            [.integer(Int64(DeliveryState.batched.storageCode)), .text(batchID), .integer(millis), .text(endpoint.id),
             .integer(Int64(policy.size))]
        )
        try await connection.run(
            """
            INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, state, next_attempt_at, due_at, lease_until,
                lease_token, members, created_at, updated_at)
            VALUES ($1, $2, NULL, $3, $4, $5, $6, $6, 1, $7, $5, $5)
            """,
            [.text(batchID), .text(endpoint.tenantID), .text(endpoint.id), .integer(Int64(DeliveryState.pending.storageCode)),
             .integer(millis), .integer(lease), .integer(Int64(members))]
        )
        return ClaimedDelivery(
            deliveryID: batchID, tenantID: endpoint.tenantID, content: .unreadBatch,
            progress: DeliveryStateMachine.Progress(state: .pending, attemptCount: 0, lastAttemptAt: nil, budget: RetryBudget()),
            leaseToken: 1
        )
    }

    /// The id of the endpoint `$2`'s oldest active delivery (its head, when ordered).
    private static let headID = "SELECT MIN(id) FROM deliveries WHERE endpoint_id = $2 AND state IN (0, 1)"

    /// When an ordered endpoint can next send: when its head is due, or, while the head is
    /// under way, when the one behind it is (the engine waits for the head's outcome anyway).
    private static func nextOrderedDue(_ connection: PostgresConnection, endpointID: String) async throws -> Date? {
        let rows = try await connection.rows(
            "SELECT due_at, lease_until FROM deliveries WHERE endpoint_id = $1 AND state IN (0, 1) ORDER BY id LIMIT 2",
            [.text(endpointID)]
        ) { (due: try $0.optionalInt(0), leased: try $0.optionalInt(1) != nil) }
        guard let head = rows.first else { return nil }
        let candidates = head.leased ? rows.compactMap(\.due) : [head.due].compactMap { $0 }
        return candidates.min().map(Timestamp.date)
    }

    private static let qualifiedEventColumns = StoredForm.eventColumns.split(separator: ", ").map { "e.\($0)" }.joined(separator: ", ")

    /// The events a batch carries now (those cancelled meanwhile drop out), oldest first;
    /// outside the claim's transaction (see ``Store/batchEvents(batchID:)``).
    ///
    /// Each event is looked up by its key (the `LIMIT 1` keeps the planner from turning the
    /// lookup into a join): as a plain join the planner read the whole events table into a hash
    /// whenever it guessed that cheaper than 200 lookups, which it does while the table is small
    /// and its pages cached, and the read grows with every event ever published (20 to 70 ms a
    /// batch at 20,000 events).
    public func batchEvents(batchID: String) async throws -> [Event] {
        try await wrap { connection in
            try await connection.rows(
                """
                SELECT \(Self.qualifiedEventColumns) FROM deliveries d
                CROSS JOIN LATERAL (SELECT * FROM events WHERE id = d.event_id LIMIT 1) e
                WHERE d.batch_id = $1 AND d.state = $2 ORDER BY d.id
                """,
                [.text(batchID), .integer(Int64(DeliveryState.batched.storageCode))], StoredForm.event
            )
        }
    }

    /// When the endpoint next has something to claim: for a batching endpoint, the earliest of
    /// a batch's retry, the moment the waiting deliveries make a batch, and the next delivery
    /// to become due.
    static func nextDue(_ connection: PostgresConnection, endpoint: Endpoint, now: Date) async throws -> Date? {
        if endpoint.ordered { return try await nextOrderedDue(connection, endpointID: endpoint.id) }
        guard let policy = endpoint.batch else { return try await nextDue(connection, endpointID: endpoint.id) }
        var candidates: [Date] = []
        for due in ["event_id IS NULL", "session_uid IS NOT NULL"] {
            if let at = try await connection.first(
                "SELECT MIN(due_at) FROM deliveries WHERE endpoint_id = $1 AND state IN (0, 1) AND \(due) AND due_at IS NOT NULL",
                [.text(endpoint.id)], { try $0.optionalInt(0) }
            ).flatMap({ $0 }) {
                candidates.append(Timestamp.date(millis: at))
            }
        }
        let waiting = try await waitingForBatch(connection, endpointID: endpoint.id, size: policy.size, now: now)
        if let oldest = waiting.oldestDueAt, let at = policy.readiness(ofLeftovers: waiting.count, oldestDueAt: oldest, now: now).at {
            candidates.append(at)
        }
        if let at = try await connection.first(
            "SELECT MIN(due_at) FROM deliveries WHERE endpoint_id = $1 AND state IN (0, 1) AND due_at > $2 AND event_id IS NOT NULL AND session_uid IS NULL",
            [.text(endpoint.id), .integer(Timestamp.millis(now))], { try $0.optionalInt(0) }
        ).flatMap({ $0 }) {
            candidates.append(Timestamp.date(millis: at))
        }
        return candidates.min()
    }

    public func record(_ records: [AttemptRecord]) async throws {
        guard !records.isEmpty else { return }
        try await transaction(durable: false) { connection in
            var healths: [String: (stored: EndpointHealth, current: EndpointHealth)] = [:]
            // Sessions are locked before their deliveries, as everywhere, so no two transactions wait on each other.
            let sessions = Set(records.compactMap { record in record.task.map { [record.attempt.tenantID, $0.session] } })
            for key in sessions.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                try await Self.lockSession(connection, tenantID: key[0], uid: key[1], now: Date())
            }
            // A retried batch may already be in (its commit's answer was lost with the connection):
            // the attempts' ids say so, and nothing is applied twice.
            let inserted = try await Self.insertAttempts(records.map(\.attempt), connection)
            // A plain delivery's row takes its outcome in one statement with the others'. Those
            // with more to settle (a batch, a task's run, a message), and a delivery recorded
            // twice in one call, go one at a time below, in order.
            let recordsPerDelivery = Dictionary(records.map { ($0.attempt.deliveryID, 1) }, uniquingKeysWith: +)
            let together = records.filter {
                $0.batch == nil && $0.task == nil && $0.message == nil && inserted.contains($0.attempt.id)
                    && recordsPerDelivery[$0.attempt.deliveryID] == 1
            }
            try await Self.applyOutcomes(together, connection)
            let applied = Set(together.map(\.attempt.id))
            for record in records {
                guard inserted.contains(record.attempt.id) else { continue }
                let attempt = record.attempt
                let started = Timestamp.millis(attempt.startedAt)
                let ended = Timestamp.millis(attempt.startedAt.addingTimeInterval(attempt.duration))
                let transition = record.transition
                let next = transition.nextAttemptAt.map(Timestamp.millis)
                // Whether this holder's transition applies (the lease is still its own), asked
                // before the update changes the state: a batch's deliveries follow only then.
                let applies = record.batch == nil && record.task == nil && record.message == nil ? false : try await connection.run(
                    "SELECT 1 FROM deliveries WHERE id = $1 AND lease_token = $2 AND state IN (0, 1) FOR UPDATE",
                    [.text(attempt.deliveryID), .integer(record.lease.token)]
                ) == 1
                // Whether the transmissions the request carried are still this lease's: its own
                // transition applies, or a person cancelled the delivery (or deleted the backend)
                // while the request was under way, which leaves them to it (not another lease).
                var carriesItsTransmissions = applies
                if !applies, case .batch? = record.message {
                    carriesItsTransmissions = try await connection.run(
                        "SELECT 1 FROM deliveries WHERE id = $1 AND lease_token = $2 FOR UPDATE",
                        [.text(attempt.deliveryID), .integer(record.lease.token)]
                    ) == 1
                }
                if !applied.contains(attempt.id) { try await connection.run(
                    """
                    UPDATE deliveries SET attempt_count = attempt_count + 1, last_attempt_at = $1, last_status = $2,
                        last_error = CASE WHEN lease_token = $5 AND state IN (0, 1) THEN $3 ELSE COALESCE($3, last_error) END,
                        updated_at = $4,
                        state = CASE WHEN lease_token = $5 AND state IN (0, 1) THEN $6 ELSE state END,
                        next_attempt_at = CASE WHEN lease_token = $5 AND state IN (0, 1) THEN $7::BIGINT ELSE next_attempt_at END,
                        lease_until = CASE WHEN lease_token = $5 THEN NULL ELSE lease_until END,
                        due_at = CASE WHEN lease_token = $5 AND state IN (0, 1) THEN $7::BIGINT ELSE due_at END,
                        budget_base = CASE WHEN lease_token = $5 AND state IN (0, 1) THEN $8 ELSE budget_base END,
                        budget_first_at = CASE WHEN lease_token = $5 AND state IN (0, 1) THEN $9::BIGINT ELSE budget_first_at END,
                        single_shot = CASE WHEN lease_token = $5 AND state IN (0, 1) THEN $10 ELSE single_shot END
                    WHERE id = $11
                    """,
                    [.integer(started), .integer(attempt.responseStatus.map(Int64.init)),
                     .text(attempt.outcome == .succeeded ? nil : attempt.summary), .integer(ended),
                     .integer(record.lease.token), .integer(Int64(transition.state.storageCode)), .integer(next),
                     .integer(Int64(transition.budget.base)), .integer(transition.budget.firstAttemptAt.map(Timestamp.millis)),
                     .integer(transition.budget.singleShot ? 1 : 0), .text(attempt.deliveryID)]
                ) }
                if applies, let batch = record.batch,
                   let retryAt = try await Self.settleBatch(connection, record: record, outcome: batch) {
                    try await Self.notify(connection, .due(endpointID: record.endpointID, at: retryAt))
                }
                if let outcome = record.message, applies || (carriesItsTransmissions && outcome.isBatch) {
                    try await Self.settleMessages(
                        outcome, record: record, tenantID: attempt.tenantID, connection: connection, now: Timestamp.date(millis: ended)
                    )
                }
                if applies, let run = record.task, let outcome = record.runOutcome {
                    let endedAt = Timestamp.date(millis: ended)
                    try await Self.changeSession(connection, tenantID: attempt.tenantID, uid: run.session, now: endedAt) { session in
                        (try? session.runEnded(run.instance, outcome, now: endedAt)) ?? []
                    }
                }
                // The endpoint's health takes in every attempt, in order; it is written once below.
                if healths[record.endpointID] == nil, let stored = try await connection.first(
                    "SELECT failure_streak, cooldown_level, cooldown_until, last_success_at, failing_since FROM endpoints WHERE id = $1",
                    [.text(record.endpointID)], { try StoredForm.health($0, from: 0) }
                ) {
                    healths[record.endpointID] = (stored, stored)
                }
                let failedTooLong = healths[record.endpointID]?.current.record(record.healthOutcome, at: Timestamp.date(millis: ended))
                if let reason = transition.disableEndpointReason ?? failedTooLong {
                    let disabled = try await connection.run(
                        "UPDATE endpoints SET status = 'disabled', status_reason = $1, updated_at = $2 WHERE id = $3 AND status = 'active' RETURNING 1",
                        [.text(reason), .integer(ended), .text(record.endpointID)]
                    )
                    if disabled == 1 {
                        try await Self.notify(connection, .endpointChanged(endpointID: record.endpointID))
                    }
                }
            }
            for (endpointID, health) in healths where health.current.differs(from: health.stored) {
                if health.current.startsCoolingDown(from: health.stored) {
                    // Deliveries the engines have claimed but not sent go back until the probe.
                    try await Self.notify(connection, .endpointChanged(endpointID: endpointID))
                } else if health.current.recovers(from: health.stored), let at = health.current.lastSuccessAt {
                    try await Self.notify(connection, .due(endpointID: endpointID, at: at))
                }
                try await connection.run(
                    """
                    UPDATE endpoints SET failure_streak = $1, cooldown_level = $2, cooldown_until = $3, last_success_at = $4,
                        failing_since = $5
                    WHERE id = $6
                    """,
                    Self.healthValues(health.current) + [.text(endpointID)]
                )
            }
        }
    }

    /// Inserts the attempts in one statement, their rows read from one JSON parameter (which,
    /// unlike PostgresNIO's arrays, carries NULLs), and returns the ids of those that were not
    /// there already. One statement instead of one per attempt: a drain's records come by the
    /// hundred, and each round trip waited for a core as long as for the server.
    private static func insertAttempts(_ attempts: [Attempt], _ connection: PostgresConnection) async throws -> Set<String> {
        let rows = JSONValue.array(attempts.map { attempt in
            .object(JSONObject([
                "id": .string(attempt.id), "delivery_id": .string(attempt.deliveryID), "tenant_id": .string(attempt.tenantID),
                "started_at": .integer(Int(Timestamp.millis(attempt.startedAt))), "duration_ms": .double(attempt.duration * 1000),
                "request": .string(attempt.request), "response_status": attempt.responseStatus.map { .integer($0) } ?? .null,
                "response_headers": .string(StoredForm.responseHeaders(attempt.responseHeaders)),
                // The engine has made them so already; a library caller's records must not fail here.
                "response_body": attempt.responseBody.map { .string($0.withoutNUL) } ?? .null,
                "response_truncated": .integer(attempt.responseBodyTruncated ? 1 : 0),
                "error": attempt.error.map { .string($0.withoutNUL) } ?? .null, "outcome": .string(attempt.outcome.rawValue),
            ]))
        })
        let inserted = try await connection.rows(
            """
            INSERT INTO attempts (id, delivery_id, tenant_id, started_at, duration_ms, request, response_status,
                response_headers, response_body, response_truncated, error, outcome)
            SELECT id, delivery_id, tenant_id, started_at, duration_ms, request, response_status,
                response_headers, response_body, response_truncated, error, outcome
            FROM jsonb_to_recordset($1::jsonb) AS r(id TEXT, delivery_id TEXT, tenant_id TEXT, started_at BIGINT,
                duration_ms DOUBLE PRECISION, request TEXT, response_status BIGINT, response_headers TEXT, response_body TEXT,
                response_truncated BIGINT, error TEXT, outcome TEXT)
            WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.id = r.delivery_id)
            ON CONFLICT (id) DO NOTHING RETURNING id
            """,
            [.text(String(decoding: rows.bytes, as: UTF8.self))]
        ) { try $0.text(0) }
        return Set(inserted)
    }

    /// Applies plain deliveries' outcomes (no batch, task run or message to settle) in one
    /// statement, as the statement for one delivery in ``record(_:)`` does: every row counts its
    /// attempt, and takes the transition only while the lease is still the attempt's.
    private static func applyOutcomes(_ records: [AttemptRecord], _ connection: PostgresConnection) async throws {
        guard !records.isEmpty else { return }
        let rows = JSONValue.array(records.map { record in
            let attempt = record.attempt
            let transition = record.transition
            return .object(JSONObject([
                "id": .string(attempt.deliveryID), "token": .integer(Int(record.lease.token)),
                "started": .integer(Int(Timestamp.millis(attempt.startedAt))),
                "ended": .integer(Int(Timestamp.millis(attempt.startedAt.addingTimeInterval(attempt.duration)))),
                "status": attempt.responseStatus.map { .integer($0) } ?? .null,
                "error": attempt.outcome == .succeeded ? .null : .string(attempt.summary.withoutNUL),
                "state": .integer(transition.state.storageCode),
                "next": transition.nextAttemptAt.map { .integer(Int(Timestamp.millis($0))) } ?? .null,
                "budget_base": .integer(transition.budget.base),
                "budget_first_at": transition.budget.firstAttemptAt.map { .integer(Int(Timestamp.millis($0))) } ?? .null,
                "single_shot": .integer(transition.budget.singleShot ? 1 : 0),
            ]))
        })
        try await connection.run(
            """
            UPDATE deliveries d SET attempt_count = d.attempt_count + 1, last_attempt_at = r.started, last_status = r.status,
                last_error = r.error, updated_at = r.ended,
                state = CASE WHEN d.lease_token = r.token AND d.state IN (0, 1) THEN r.state ELSE d.state END,
                next_attempt_at = CASE WHEN d.lease_token = r.token AND d.state IN (0, 1) THEN r.next ELSE d.next_attempt_at END,
                lease_until = CASE WHEN d.lease_token = r.token THEN NULL ELSE d.lease_until END,
                due_at = CASE WHEN d.lease_token = r.token AND d.state IN (0, 1) THEN r.next ELSE d.due_at END,
                budget_base = CASE WHEN d.lease_token = r.token AND d.state IN (0, 1) THEN r.budget_base ELSE d.budget_base END,
                budget_first_at = CASE WHEN d.lease_token = r.token AND d.state IN (0, 1) THEN r.budget_first_at ELSE d.budget_first_at END,
                single_shot = CASE WHEN d.lease_token = r.token AND d.state IN (0, 1) THEN r.single_shot ELSE d.single_shot END
            FROM jsonb_to_recordset($1::jsonb) AS r(id TEXT, token BIGINT, started BIGINT, ended BIGINT, status BIGINT, error TEXT,
                state BIGINT, next BIGINT, budget_base BIGINT, budget_first_at BIGINT, single_shot BIGINT)
            WHERE d.id = r.id
            """,
            [.text(String(decoding: rows.bytes, as: UTF8.self))]
        )
    }

    /// Carries a batch's attempt over to the events' deliveries it carried: each counts the
    /// attempt; those the receiver listed as failed go back to retrying on their own budgets;
    /// the rest follow the batch (or stay with it while it retries). Returns when the first
    /// listed one is due again.
    private static func settleBatch(
        _ connection: PostgresConnection, record: AttemptRecord, outcome: BatchOutcome
    ) async throws -> Date? {
        let attempt = record.attempt
        let batchID = attempt.deliveryID
        let batched = Int64(DeliveryState.batched.storageCode)
        let started = Timestamp.millis(attempt.startedAt)
        let endedAt = attempt.startedAt.addingTimeInterval(attempt.duration)
        let ended = Timestamp.millis(endedAt)
        var failed: [(id: String, progress: DeliveryStateMachine.Progress)] = []
        if record.transition.state == .succeeded, !outcome.failedEventIDs.isEmpty {
            failed = try await connection.rows(
                """
                SELECT id, event_id, attempt_count, last_attempt_at, budget_base, budget_first_at, single_shot
                FROM deliveries WHERE batch_id = $1 AND state = $2
                """,
                [.text(batchID), .integer(batched)]
            ) { row in
                (id: try row.text(0), eventID: try row.text(1), progress: DeliveryStateMachine.Progress(
                    state: .pending, attemptCount: Int(try row.int(2)), lastAttemptAt: try row.optionalInt(3).map(Timestamp.date),
                    budget: RetryBudget(
                        base: Int(try row.int(4)), firstAttemptAt: try row.optionalInt(5).map(Timestamp.date), singleShot: try row.int(6) != 0
                    )
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
            try await connection.run(
                """
                UPDATE deliveries SET state = $1, next_attempt_at = $2, attempt_count = attempt_count + 1, last_attempt_at = $7,
                    last_status = $8, last_error = 'the receiver listed it as failed', updated_at = $9,
                    due_at = $2::BIGINT,
                    budget_base = $3, budget_first_at = $4, single_shot = $5
                WHERE id = $6
                """,
                [.integer(Int64(transition.state.storageCode)), .integer(next), .integer(Int64(transition.budget.base)),
                 .integer(transition.budget.firstAttemptAt.map(Timestamp.millis)), .integer(transition.budget.singleShot ? 1 : 0),
                 .text(member.id), .integer(started), .integer(status), .integer(ended)]
            )
            if let at = transition.nextAttemptAt { firstRetry = min(at, firstRetry ?? at) }
        }
        // The rest in one statement: they count the attempt, and follow the batch if it finished.
        let state = record.transition.state.isActive ? DeliveryState.batched : record.transition.state
        try await connection.run(
            """
            UPDATE deliveries SET attempt_count = attempt_count + 1, last_attempt_at = $1, last_status = $2, last_error = $3,
                budget_first_at = COALESCE(budget_first_at, $1), updated_at = $4, state = $5
            WHERE batch_id = $6 AND state = $7
            """,
            [.integer(started), .integer(status), .text(attempt.outcome == .succeeded ? nil : attempt.summary), .integer(ended),
             .integer(Int64(state.storageCode)), .text(batchID), .integer(batched)]
        )
        return firstRetry
    }

    public func activity(tenantID: String, since: Date) async throws -> [ActivityCount] {
        try await wrap { connection in
            try await connection.rows(
                """
                SELECT started_at / 60000, outcome, COUNT(*) FROM attempts
                WHERE id >= $1 AND tenant_id = $2 AND started_at >= $3 GROUP BY 1, 2 ORDER BY 1, 2
                """,
                [.text(Identifier.lowerBound("att", at: since)), .text(tenantID), .integer(Timestamp.millis(since))]
            ) { row in
                ActivityCount(
                    minute: Timestamp.date(millis: try row.int(0) * 60000),
                    outcome: Attempt.Outcome(rawValue: try row.text(1)) ?? .failed, count: Int(try row.int(2))
                )
            }
        }
    }

    public func endpointActivity(tenantID: String, since: Date) async throws -> [EndpointActivityCount] {
        try await wrap { connection in
            try await connection.rows(
                """
                SELECT deliveries.endpoint_id, attempts.outcome, COUNT(*)
                FROM attempts JOIN deliveries ON deliveries.id = attempts.delivery_id
                WHERE attempts.id >= $1 AND attempts.tenant_id = $2 AND attempts.started_at >= $3 GROUP BY 1, 2 ORDER BY 1, 2
                """,
                [.text(Identifier.lowerBound("att", at: since)), .text(tenantID), .integer(Timestamp.millis(since))]
            ) { row in
                EndpointActivityCount(
                    endpointID: try row.text(0), outcome: Attempt.Outcome(rawValue: try row.text(1)) ?? .failed, count: Int(try row.int(2))
                )
            }
        }
    }

    public func backlog(now: Date) async throws -> Backlog {
        try await wrap { connection in
            let endpoints = try await connection.rows(
                "SELECT id, tenant_id, status, cooldown_until FROM endpoints WHERE deleted_at IS NULL"
            ) { row in
                (id: try row.text(0), tenant: try row.text(1), status: Endpoint.Status(rawValue: try row.text(2)) ?? .active,
                 cooldownUntil: try row.optionalInt(3).map(Timestamp.date))
            }
            let byState = try await connection.rows(
                "SELECT tenant_id, state, COUNT(*) FROM deliveries WHERE state IN (0, 1) GROUP BY tenant_id, state ORDER BY tenant_id, state"
            ) { row in
                Backlog.Count(
                    tenantID: try row.text(0), key: (DeliveryState(storageCode: Int(try row.int(1))) ?? .pending).rawValue,
                    count: Int(try row.int(2))
                )
            }
            let tenantOf = Dictionary(endpoints.map { ($0.id, $0.tenant) }, uniquingKeysWith: { first, _ in first })
            // A batch counts the deliveries it carries.
            let byEndpoint = try await connection.rows(
                """
                SELECT endpoint_id, SUM(CASE WHEN event_id IS NULL AND members > 1 THEN members ELSE 1 END)::BIGINT
                FROM deliveries WHERE state IN (0, 1) GROUP BY endpoint_id ORDER BY endpoint_id
                """
            ) { (id: try $0.text(0), count: Int(try $0.int(1))) }
            .compactMap { row in tenantOf[row.id].map { Backlog.Count(tenantID: $0, key: row.id, count: row.count) } }
            return Backlog(byState: byState, byEndpoint: byEndpoint, endpoints: Backlog.conditions(of: endpoints, now: now))
        }
    }

    public func release(_ leases: [Lease]) async throws {
        guard !leases.isEmpty else { return }
        try await transaction(durable: false) { connection in
            for lease in leases {
                try await connection.run(
                    """
                    UPDATE deliveries SET lease_until = NULL, due_at = next_attempt_at
                    WHERE id = $1 AND lease_token = $2 AND state IN (0, 1)
                    """,
                    [.text(lease.deliveryID), .integer(lease.token)]
                )
            }
        }
    }
}

extension StoreSignal {
    /// The payload of a `NOTIFY courier`: `due <endpoint> <millis>`, `changed <endpoint>` or
    /// `operation <id>`.
    var notification: String {
        switch self {
        case .due(let endpointID, let at): "due \(endpointID) \(Timestamp.millis(at))"
        case .endpointChanged(let endpointID): "changed \(endpointID)"
        case .operationStarted(let id): "operation \(id)"
        }
    }

    init?(notification: String) {
        let parts = notification.split(separator: " ")
        switch (parts.first, parts.count) {
        case ("due", 3):
            guard let millis = Int64(parts[2]) else { return nil }
            self = .due(endpointID: String(parts[1]), at: Timestamp.date(millis: millis))
        case ("changed", 2):
            self = .endpointChanged(endpointID: String(parts[1]))
        case ("operation", 2):
            self = .operationStarted(id: String(parts[1]))
        default:
            return nil
        }
    }
}
