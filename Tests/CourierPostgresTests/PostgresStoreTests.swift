import Courier
@testable import CourierPostgres
import CourierTesting
import Foundation
import Logging
import Synchronization
import Testing

/// The PostgreSQL store against the store conformance suite, and what is particular to it.
@Suite(.enabled(if: PostgresTestDatabase.isAvailable, "needs PostgreSQL (scripts/test starts one)"))
struct PostgresStoreTests {
    static func withStore(_ body: (PostgresStore, String) async throws -> Void) async throws {
        let url = try await PostgresTestDatabase.create()
        defer { PostgresTestDatabase.drop(url) }
        let store = try await PostgresStore.connect(
            url: url, operationTimeout: PostgresTestDatabase.operationTimeout, maximumConnections: PostgresTestDatabase.maximumConnections
        )
        try await withClosing(store, close: { await $0.close() }) { try await body($0, url) }
    }

    /// `count` nodes' stores on one fresh database, all closed afterwards.
    static func withNodes(_ count: Int = 3, _ body: ([PostgresStore]) async throws -> Void) async throws {
        try await withStore { first, url in
            var stores = [first]
            do {
                for _ in 1..<count { stores.append(try await PostgresStore.connect(
                url: url, operationTimeout: PostgresTestDatabase.operationTimeout, maximumConnections: PostgresTestDatabase.maximumConnections
            )) }
                try await body(stores)
            } catch {
                for store in stores.dropFirst() { await store.close() }
                throw error
            }
            for store in stores.dropFirst() { await store.close() }
        }
    }

    @Test(arguments: StoreConformance.checks)
    func conforms(_ check: StoreConformance.Check) async throws {
        // Named if it outlasts every store operation's own time limit: a hung run's
        // watchdog then shows which check (Swift Testing's events name only the test).
        try await Self.withStore { store, _ in try await reportingStall("the conformance check \"\(check.name)\"") { try await check.run(store) } }
    }

    /// A person's resend that holds its delivery while a sweep on another node judges its event:
    /// the sweep waits for the resend, sees the delivery pending again, and keeps both.
    @Test func aResendUnderWayWhileASweepDecidesKeepsItsEvent() async throws {
        try await Self.withNodes(2) { stores in
            let (sweeping, resending) = (stores[0], stores[1])
            let endpoint = try StoreConformance.endpoint("ep_a")
            try await sweeping.insertEndpoint(endpoint)
            let t0 = Date(timeIntervalSince1970: 1_800_000_000)
            let event = try await sweeping.publish([try NewEvent(type: "case.updated", payload: .null)], tenantID: Tenant.defaultID, now: t0)[0]
            let claimed = try #require(try await sweeping.claim(endpointID: endpoint.id, limit: 1, now: t0, leaseUntil: t0.addingTimeInterval(60)).deliveries.first)
            try await sweeping.record([StoreConformance.attemptRecord(claimed, endpoint: endpoint, status: 200, at: t0)])
            let holding = Barrier(parties: 2)
            let commit = Barrier(parties: 2)
            let resend = Task {
                try await resending.transaction { connection in
                    try await connection.run(
                        "UPDATE deliveries SET state = 0, due_at = $2, next_attempt_at = $2, updated_at = $2 WHERE id = $1",
                        [.text(claimed.deliveryID), .integer(Timestamp.millis(Date()))]
                    )
                    await holding.arrive()
                    await commit.arrive()
                }
            }
            await holding.arrive()
            let cutoff = Date(timeIntervalSince1970: 7_258_118_400)
            let sweep = Task { try await sweeping.expire(.start, before: cutoff, limit: 10) }
            // Until the sweep waits on the resend's lock: then the race is on for sure.
            var waiting = false
            let deadline = ContinuousClock.now + .seconds(30)
            while !waiting, ContinuousClock.now < deadline {
                waiting = try await resending.transaction { connection in
                    try await connection.first(
                        "SELECT count(*)::bigint FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    ) { try $0.int(0) } ?? 0
                } > 0
                if !waiting { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(waiting, "the sweep waited for the resend")
            await commit.arrive()
            try await resend.value
            let step = try await sweep.value
            #expect(step.events == 0 && step.deliveries == 0, "nothing deleted: \(step)")
            #expect(try await sweeping.event(tenantID: Tenant.defaultID, id: event.id) != nil, "the event kept")
            #expect(try await sweeping.delivery(tenantID: Tenant.defaultID, id: claimed.deliveryID)?.state == .pending, "its delivery pending")
        }
    }

    /// Two nodes locking two rows in opposite orders deadlock; PostgreSQL aborts one, and the
    /// store runs that one again instead of failing the operation.
    @Test func aTransactionAbortedToBreakADeadlockRunsAgain() async throws {
        try await Self.withNodes(2) { stores in
            try await stores[0].transaction { connection in
                try await connection.run("CREATE TABLE deadlock_test (id INT PRIMARY KEY)")
                try await connection.run("INSERT INTO deadlock_test VALUES (1), (2)")
            }
            let runs = RunCounter()
            // Each takes its first row, and waits (the first time) until the other has taken its
            // own: then each asks for the other's, and PostgreSQL must abort one.
            let bothHoldOne = Barrier(parties: 2)
            func lock(_ store: PostgresStore, first: Int, then second: Int) async throws {
                try await store.transaction { connection in
                    await runs.count()
                    try await connection.run("SELECT id FROM deadlock_test WHERE id = $1 FOR UPDATE", [.integer(Int64(first))])
                    await bothHoldOne.arrive()
                    try await connection.run("SELECT id FROM deadlock_test WHERE id = $1 FOR UPDATE", [.integer(Int64(second))])
                }
            }
            async let one: Void = lock(stores[0], first: 1, then: 2)
            async let two: Void = lock(stores[1], first: 2, then: 1)
            try await one
            try await two
            #expect(await runs.value == 3, "one of the two ran again")
        }
    }

    /// Claims, attempt records and released leases may be redone, so their commits do not wait
    /// for the WAL's flush; every other transaction's does.
    @Test func onlyRedoableTransactionsCommitWithoutWaitingForTheFlush() async throws {
        try await Self.withStore { store, _ in
            let show = "SHOW synchronous_commit"
            let durable = try await store.transaction { try await $0.first(show) { try $0.text(0) } }
            let redoable = try await store.transaction(durable: false) { try await $0.first(show) { try $0.text(0) } }
            let read = try await store.wrap { try await $0.first(show) { try $0.text(0) } }
            #expect(durable == "on")
            #expect(redoable == "off")
            #expect(read == "on")
        }
    }

    /// A node that cannot start says why at once: the pool took about a minute and then said
    /// only that its circuit breaker had tripped, and a node without its schema started and
    /// answered every call with a bare 503.
    @Test func aNodeThatCannotStartSaysWhyAtOnce() async throws {
        let url = try await PostgresTestDatabase.create()
        defer { PostgresTestDatabase.drop(url) }
        /// How many times a connect said it would try again.
        let retries = RetryCount()
        func failure(_ url: String, migrate: Bool = true, patience: Duration = .zero) async -> String {
            var logger = Logger(label: "test") { _ in retries }
            logger.logLevel = .warning
            do {
                let store = try await PostgresStore.connect(
                    url: url, schema: migrate ? .migrate : .check, maximumConnections: 2, patience: patience, logger: logger
                )
                await store.close()
                return "connected"
            } catch {
                return "\(error)"
            }
        }
        var components = try #require(URLComponents(string: url))
        let reserved = try ReservedPort()
        components.port = reserved.port
        let refusingURL = components.string ?? url
        let refused = await failure(refusingURL)
        #expect(refused.contains("cannot connect to PostgreSQL") && refused.lowercased().contains("refused"), "\(refused)")
        components = try #require(URLComponents(string: url))
        components.path = "/no_such_database_here"
        let missingURL = components.string ?? url
        let missing = await failure(missingURL)
        #expect(missing.contains("\"no_such_database_here\" does not exist"), "\(missing)")
        // A server that cannot be reached is tried again for a while; one that answers is told at
        // once. (Patience to spare: with two seconds, a full run on two cores once gave up after
        // the first attempt, with no time left to try again.)
        retries.count.store(0, ordering: .relaxed)
        #expect(await failure(refusingURL, patience: .seconds(10)).lowercased().contains("refused"))
        #expect(retries.count.load(ordering: .relaxed) >= 1, "tried again")
        retries.count.store(0, ordering: .relaxed)
        #expect(await failure(missingURL, patience: .seconds(30)).contains("does not exist"))
        #expect(retries.count.load(ordering: .relaxed) == 0, "an answer is not waited out")
        // Nor is a URL asking for what the server does not do: TLS of a server without it.
        components = try #require(URLComponents(string: url))
        components.queryItems = [URLQueryItem(name: "sslmode", value: "require")]
        let tls = await failure(components.string ?? url, patience: .seconds(30))
        #expect(tls.contains("does not offer TLS"), "\(tls)")
        #expect(retries.count.load(ordering: .relaxed) == 0, "said at once, not tried for 30 s")
        let unmigrated = await failure(url, migrate: false)
        #expect(unmigrated.contains("courier migrate"), "\(unmigrated)")
        #expect(await failure(url) == "connected")
        #expect(await failure(url, migrate: false) == "connected", "once migrated")
        // A newer build migrated it since: this build neither migrates nor runs on it.
        let store = try await PostgresStore.connect(url: url, schema: .leave, maximumConnections: 2)
        try await store.transaction { connection in
            try await connection.run(
                "INSERT INTO courier_migrations (version, applied_at) VALUES ($1, 0)", [.integer(Int64(PostgresSchema.migrations.count + 1))]
            )
        }
        await store.close()
        for migrate in [true, false] {
            let newer = await failure(url, migrate: migrate)
            #expect(newer.contains("newer than this build"), "\(newer)")
        }
    }

    @Test func migrationsAreSafeFromSeveralNodesAtOnce() async throws {
        let url = try await PostgresTestDatabase.create()
        defer { PostgresTestDatabase.drop(url) }
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self, returning: [PostgresStore].self) { group in
            for _ in 0..<4 {
                group.addTask { try await PostgresStore.connect(
                url: url, operationTimeout: PostgresTestDatabase.operationTimeout, maximumConnections: PostgresTestDatabase.maximumConnections
            ) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 4)
        #expect(try await stores[0].tenant(id: Tenant.defaultID) != nil)
        for store in stores { await store.close() }
    }

    /// Deliveries that an earlier version held at a pause, with no due time, are due again
    /// after the migration that lets a pause keep due times.
    @Test func theMigrationGivesHeldDeliveriesTheirDueTimesBack() async throws {
        let url = try await PostgresTestDatabase.create()
        defer { PostgresTestDatabase.drop(url) }
        let kept = try #require(PostgresSchema.migrations.firstIndex { $0.contains { $0.contains("due_at = GREATEST") } })
        func connect(migrate: Bool) async throws -> PostgresStore {
            try await PostgresStore.connect(
                url: url, schema: migrate ? .migrate : .leave, operationTimeout: PostgresTestDatabase.operationTimeout,
                maximumConnections: PostgresTestDatabase.maximumConnections
            )
        }
        try await StoreConformance.deliveriesHeldByAnEarlierVersion(
            leasesOutliveTheStore: true,
            open: { try await connect(migrate: true) },
            close: { await $0.close() },
            rewind: {
                try await withClosing(try await connect(migrate: false), close: { await $0.close() }) { store in
                    try await store.transaction { connection in
                        try await connection.run("UPDATE deliveries SET due_at = NULL WHERE state IN (0, 1)")
                        try await connection.run("DELETE FROM courier_migrations WHERE version > $1", [.integer(Int64(kept))])
                    }
                }
            }
        )
    }

    /// Sessions saved before each kept a count of its failed instances are counted by the
    /// migration that added the count (from their state as `json`: one holds a U+0000), so a
    /// list of the failed ones finds them.
    @Test func theMigrationCountsTheFailedInstancesOfSessionsSavedBeforeIt() async throws {
        let url = try await PostgresTestDatabase.create()
        defer { PostgresTestDatabase.drop(url) }
        let counted = try #require(PostgresSchema.migrations.firstIndex { $0.contains { $0.contains("ADD COLUMN failed_instances") } })
        let before = try await PostgresStore.connect(
            url: url, schema: .leave, operationTimeout: PostgresTestDatabase.operationTimeout, maximumConnections: 2
        )
        let sessions = try StoreConformance.sessionsSavedBeforeTheFailedCount()
        try await withClosing(before, close: { await $0.close() }) { before in
            try await before.transaction { connection in
                try await connection.run("CREATE TABLE courier_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
                for (index, migration) in PostgresSchema.migrations[..<counted].enumerated() {
                    for statement in migration { try await connection.run(statement) }
                    try await connection.run("INSERT INTO courier_migrations (version, applied_at) VALUES ($1, 0)", [.integer(Int64(index + 1))])
                }
                for session in sessions {
                    try await connection.run(
                        "INSERT INTO sessions (tenant_id, uid, state, updated_at) VALUES ('default', $1, $2, 1)",
                        [.text(session.uid), .text(session.state)]
                    )
                }
            }
        }
        let store = try await PostgresStore.connect(
            url: url, operationTimeout: PostgresTestDatabase.operationTimeout, maximumConnections: PostgresTestDatabase.maximumConnections
        )
        try await withClosing(store, close: { await $0.close() }) { store in
            let failed = try await store.sessions(tenantID: Tenant.defaultID, filter: SessionFilter(failedOnly: true), page: PageRequest())
            #expect(failed.items.map(\.uid) == ["legacy:failed"])
            #expect(failed.items.first?.instanceCounts == [.failed: 1])
        }
    }

    @Test func signalsReachOtherNodesThroughNotify() async throws {
        try await Self.withStore { first, url in
            let second = try await PostgresStore.connect(
                url: url, operationTimeout: PostgresTestDatabase.operationTimeout, maximumConnections: PostgresTestDatabase.maximumConnections
            )
            defer { Task { await second.close() } }
            try await first.insertEndpoint(try StoreConformance.endpoint("ep_a"))
            let signals = second.signals()
            let heard = Heard()
            let listener = Task {
                for await signal in signals {
                    if case .due("ep_a", _) = signal { await heard.set(); return }
                }
            }
            defer { listener.cancel() }
            // The listener connects in the background; publish until the other node hears it.
            for _ in 0..<100 {
                _ = try await first.publish([try NewEvent(type: "a", payload: .null)], tenantID: Tenant.defaultID, now: Date())
                try await Task.sleep(for: .milliseconds(50))
                if await heard.value { return }
            }
            Issue.record("the second node never heard the first node's publish")
        }
    }

    /// A node whose clock disagrees with the database's would take other nodes' held leases for
    /// ended: it does not start, and one that drifts while running stops claiming and fails its
    /// health until the clocks agree again. (This node's clock is a closure here: a test cannot
    /// move the machine's.)
    @Test func aNodeWhoseClockDisagreesWithTheDatabasesDoesNotClaim() async throws {
        let url = try await PostgresTestDatabase.create()
        defer { PostgresTestDatabase.drop(url) }
        let skew = Mutex<TimeInterval>(60)
        let clock: @Sendable () -> Date = { Date().addingTimeInterval(skew.withLock { $0 }) }
        do {
            _ = try await PostgresStore.connect(url: url, schema: .migrate, maximumConnections: 2, localClock: clock)
            Issue.record("a node a minute ahead started")
        } catch let error as CourierError {
            #expect(error.code == "clock_skew" && error.message.contains("ahead of the database's"), "\(error)")
        }
        skew.withLock { $0 = -1 }
        let store = try await PostgresStore.connect(url: url, schema: .migrate, maximumConnections: 2, localClock: clock)
        defer { Task { await store.close() } }
        #expect(store.standingFailure == nil, "a second is within the limit")
        var endpoint = try StoreConformance.endpoint("ep_a")
        endpoint.maxInFlight = 3
        try await store.insertEndpoint(endpoint)
        _ = try await store.publish([try NewEvent(type: "a", payload: .null)], tenantID: Tenant.defaultID, now: Date())

        skew.withLock { $0 = -30 }
        try await store.clockWatch.measure(store)
        #expect(store.standingFailure?.code == "clock_skew" && store.standingFailure?.message.contains("behind") == true)
        let now = Date().addingTimeInterval(1)
        await #expect(throws: CourierError.self) {
            try await store.claim(endpointID: "ep_a", limit: 3, now: now, leaseUntil: now.addingTimeInterval(60))
        }
        skew.withLock { $0 = 0 }
        try await store.clockWatch.measure(store)
        #expect(store.standingFailure == nil)
        #expect(try await store.claim(endpointID: "ep_a", limit: 3, now: now, leaseUntil: now.addingTimeInterval(60)).deliveries.count == 1)
    }

    @Test func maxInFlightCountsEveryNodesLeases() async throws {
        try await Self.withStore { first, url in
            let second = try await PostgresStore.connect(
                url: url, operationTimeout: PostgresTestDatabase.operationTimeout, maximumConnections: PostgresTestDatabase.maximumConnections
            )
            defer { Task { await second.close() } }
            var endpoint = try StoreConformance.endpoint("ep_a")
            endpoint.maxInFlight = 3
            try await first.insertEndpoint(endpoint)
            for _ in 0..<10 {
                _ = try await first.publish([try NewEvent(type: "a", payload: .null)], tenantID: Tenant.defaultID, now: Date())
            }
            let now = Date().addingTimeInterval(1)
            let a = try await first.claim(endpointID: "ep_a", limit: 2, now: now, leaseUntil: now.addingTimeInterval(60))
            let b = try await second.claim(endpointID: "ep_a", limit: 5, now: now, leaseUntil: now.addingTimeInterval(60))
            #expect(a.deliveries.count == 2)
            #expect(b.deliveries.count == 1, "only one slot was left across both nodes")
            #expect(Set(a.deliveries.map(\.deliveryID)).isDisjoint(with: b.deliveries.map(\.deliveryID)))
            // After the lease ends the slots are free again.
            let later = now.addingTimeInterval(61)
            let c = try await second.claim(endpointID: "ep_a", limit: 5, now: later, leaseUntil: later.addingTimeInterval(60))
            #expect(c.deliveries.count == 3)
        }
    }

    /// A claim counts the endpoint's leases by the index of leased rows, not by walking its
    /// backlog through the index of due work, which the planner took for the count as first
    /// written while the table had no statistics yet (as in any fresh database until
    /// autovacuum's first analyze).
    @Test func aClaimCountsLeasesByTheIndexOfLeasesNotTheBacklog() async throws {
        try await Self.withStore { store, _ in
            try await store.insertEndpoint(try StoreConformance.endpoint("ep_a"))
            let events = try (0..<1_000).map { _ in try NewEvent(type: "a", payload: .null) }
            for _ in 0..<3 { _ = try await store.publish(events, tenantID: Tenant.defaultID, now: Date()) }
            let now = Date().addingTimeInterval(1)
            let claim = try await store.claim(endpointID: "ep_a", limit: 7, now: now, leaseUntil: now.addingTimeInterval(60))
            #expect(claim.deliveries.count == 7)
            let values: [PGValue] = [.text("ep_a"), .integer(Timestamp.millis(now)), .texts([])]
            let (plan, count) = try await store.transaction { connection in
                (
                    try await connection.rows("EXPLAIN " + PostgresStore.leaseCount, values) { try $0.text(0) }.joined(separator: "\n"),
                    try await connection.first(PostgresStore.leaseCount, values) { try $0.int(0) }
                )
            }
            #expect(count == 7)
            #expect(plan.contains("deliveries_leased") && !plan.contains("deliveries_due"), "\(plan)")
        }
    }

    /// A claim that took all it asked for says "due now" without reading the index of due work
    /// (see ``PostgresStore/claim(endpointID:limit:now:leaseUntil:answered:)``); one that took
    /// less still looks, so an engine's empty claim never asks it to come straight back.
    @Test func onlyAClaimThatTookAllItWasAllowedAnswersDueNow() async throws {
        try await Self.withStore { store, _ in
            try await store.insertEndpoint(try StoreConformance.endpoint("ep_a"))
            let events = try (0..<6).map { _ in try NewEvent(type: "a", payload: .null) }
            _ = try await store.publish(events, tenantID: Tenant.defaultID, now: Date())
            let now = Timestamp.date(millis: Timestamp.millis(Date().addingTimeInterval(1)))
            let leaseUntil = now.addingTimeInterval(60)
            let all = try await store.claim(endpointID: "ep_a", limit: 4, now: now, leaseUntil: leaseUntil)
            #expect(all.deliveries.count == 4 && all.nextDueAt == now)
            let rest = try await store.claim(endpointID: "ep_a", limit: 4, now: now, leaseUntil: leaseUntil)
            #expect(rest.deliveries.count == 2 && rest.nextDueAt == leaseUntil, "the leases' end: \(String(describing: rest.nextDueAt))")
            let none = try await store.claim(endpointID: "ep_a", limit: 4, now: now, leaseUntil: leaseUntil)
            #expect(none.deliveries.isEmpty && none.nextDueAt == leaseUntil)
        }
    }

    @Test func concurrentClaimsFromManyNodesNeverShareADelivery() async throws {
        try await Self.withNodes { stores in
            let first = stores[0]
            var endpoint = try StoreConformance.endpoint("ep_a")
            endpoint.maxInFlight = 1000
            try await first.insertEndpoint(endpoint)
            let events = try (0..<300).map { _ in try NewEvent(type: "a", payload: .null) }
            _ = try await first.publish(events, tenantID: Tenant.defaultID, now: Date())
            let now = Date().addingTimeInterval(1)
            let claimed = try await withThrowingTaskGroup(of: [String].self, returning: [String].self) { group in
                for i in 0..<12 {
                    let store = stores[i % stores.count]
                    group.addTask {
                        try await store.claim(endpointID: "ep_a", limit: 40, now: now, leaseUntil: now.addingTimeInterval(60))
                            .deliveries.map(\.deliveryID)
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claimed.count == 300)
            #expect(Set(claimed).count == 300)
        }
    }

    /// The same session fired from three nodes at once ends consistent: every trigger kept,
    /// the join run exactly once, and one instance (and one delivery) per `andEvery` firing.
    @Test func aSessionFiredFromSeveralNodesAtOnceEndsConsistent() async throws {
        try await Self.withNodes { stores in
            let first = stores[0]
            try await first.insertEndpoint(try StoreConformance.endpoint("ep_a", types: [], name: "ep"))
            let triggers = (0..<24).map { "t\($0)" }
            _ = try await first.changeSession(tenantID: Tenant.defaultID, uid: "applicant:7", now: Date()) { session in
                session.configure([
                    TaskConfig(name: "join", after: Set(triggers), run: "ep"),
                    TaskConfig(name: "each", after: ["tick"], run: "ep", andEvery: "tick"),
                ], now: Date())
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, trigger) in triggers.enumerated() {
                    let store = stores[index % stores.count]
                    group.addTask {
                        _ = try await store.changeSession(tenantID: Tenant.defaultID, uid: "applicant:7", now: Date()) { session in
                            session.fire(trigger, now: Date()) + session.fire("tick", now: Date())
                        }
                    }
                }
                try await group.waitForAll()
            }
            let runs = try await first.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(), page: PageRequest(limit: 100))
                .items.compactMap(\.task?.instance)
            let session = try #require(try await stores[2].session(tenantID: Tenant.defaultID, uid: "applicant:7"))
            #expect(Set(session.fired.keys) == Set(triggers + ["tick"]))
            #expect(runs.filter { $0.hasPrefix("join#") } == ["join#1"])
            #expect(Set(runs.filter { $0.hasPrefix("each#") }).count == 24)
            #expect(session.instances.count == 25)
        }
    }

    /// Batches are formed across nodes without splitting or duplicating: every event lands in
    /// exactly one batch, and every batch but the last is full.
    @Test func batchesFormedByManyNodesAreWholeAndDisjoint() async throws {
        try await Self.withNodes { stores in
            let first = stores[0]
            var endpoint = try StoreConformance.endpoint("ep_a")
            endpoint.maxInFlight = 1000
            endpoint.batch = BatchPolicy(maxSize: 7, maxWaitMs: nil)
            try await first.insertEndpoint(endpoint)
            let events = try (0..<300).map { _ in try NewEvent(type: "a", payload: .null) }
            let published = try await first.publish(events, tenantID: Tenant.defaultID, now: Date()).map(\.id)
            let now = Date().addingTimeInterval(1)
            let batches = try await withThrowingTaskGroup(of: [[String]].self, returning: [[String]].self) { group in
                for i in 0..<12 {
                    let store = stores[i % stores.count]
                    group.addTask {
                        var carried: [[String]] = []
                        for batch in try await store.claim(endpointID: "ep_a", limit: 5, now: now, leaseUntil: now.addingTimeInterval(60)).deliveries {
                            carried.append(try await store.batchEvents(batchID: batch.deliveryID).map(\.id))
                        }
                        return carried
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let carried = batches.flatMap { $0 }
            #expect(batches.allSatisfy { $0.count == 7 }, "only full batches, size only: \(batches.map(\.count))")
            #expect(carried.count == Set(carried).count, "no event in two batches")
            #expect(batches.count == 300 / 7, "every full batch was formed: \(batches.count)")
            #expect(Set(carried).isSubset(of: Set(published)))
        }
    }
}

actor Heard {
    private(set) var value = false
    func set() { value = true }
}

/// How many times transaction bodies ran.
private actor RunCounter {
    private(set) var value = 0

    func count() {
        value += 1
    }
}

/// Holds the first `parties` who arrive until all have; later arrivals pass at once.
private actor Barrier {
    private let parties: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var open = false

    init(parties: Int) {
        self.parties = parties
    }

    func arrive() async {
        guard !open else { return }
        if waiting.count + 1 == parties {
            open = true
            for waiter in waiting { waiter.resume() }
            waiting = []
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }
}

/// Counts the warnings logged through it: the store's "trying again" lines.
final class RetryCount: LogHandler, @unchecked Sendable {
    let count = Atomic<Int>(0)
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .warning

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        if event.message.description.contains("trying again") { count.add(1, ordering: .relaxed) }
    }
}
