@testable import Courier
@testable import CourierSQLite
import CourierTesting
import Foundation
import Testing

/// The SQLite store against the store conformance suite, and what is particular to SQLite.
@Suite struct SQLiteStoreTests {
    /// A fresh store in its own temporary file.
    static func withStore(durability: SQLiteStore.Durability = .normal, _ body: (SQLiteStore, String) async throws -> Void) async throws {
        try await withDatabasePath { path in
            try await withClosing(try await SQLiteStore.open(path: path, durability: durability), close: { await $0.close() }) { store in
                try await body(store, path)
            }
        }
    }

    /// The path of a database file in a fresh temporary folder, removed afterwards.
    static func withDatabasePath(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory.appendingPathComponent("courier.db").path)
    }

    /// Both durabilities: with `full` (the default) every write's results also wait for the
    /// log's flush (``SQLiteLogFlusher``).
    @Test(arguments: StoreConformance.checks, SQLiteStore.Durability.allCases)
    func conforms(_ check: StoreConformance.Check, durability: SQLiteStore.Durability) async throws {
        // Named if it outlasts every store operation's own time limit: a hung run's
        // watchdog then shows which check (Swift Testing's events name only the test).
        try await Self.withStore(durability: durability) { store, _ in try await reportingStall("the conformance check \"\(check.name)\"") { try await check.run(store) } }
    }

    /// A list or count by a state that the index of states holds goes through that index (SQLite
    /// uses a partial index only for a query that states its condition), and the states most
    /// deliveries pass through are left out of it.
    @Test func queriesByStateUseThePartialIndexOfStates() async throws {
        try await Self.withStore { _, path in
            let connection = try SQLiteConnection(path: path, readOnly: true)
            for state in DeliveryState.allCases {
                let (clause, binds) = SQLiteStore.whereClause(tenantID: Tenant.defaultID, filter: DeliveryFilter(state: state))
                let plan = try connection.query("EXPLAIN QUERY PLAN SELECT COUNT(*) FROM deliveries WHERE \(clause)", binds) { $0.text(3) }
                #expect(plan.joined().contains("deliveries_state") == SQLiteSchema.isIndexed(state), "\(state): \(plan)")
            }
            #expect(!SQLiteSchema.isIndexed(.succeeded) && !SQLiteSchema.isIndexed(.batched) && SQLiteSchema.isIndexed(.exhausted))
            let index = try connection.queryFirst("SELECT sql FROM sqlite_master WHERE name = 'deliveries_state'") { $0.text(0) }
            #expect(index?.hasSuffix("WHERE " + SQLiteSchema.indexedStates) == true, "\(index ?? "no index")")
        }
    }

    /// A retention step reads what was made before the cut-off through the primary key, and
    /// each event's deliveries and each message's transmissions through their indexes: never a
    /// whole table, so a pass costs what is still kept of old history, not the store's size.
    @Test func retentionStepsReadThroughIndexes() async throws {
        try await Self.withStore { _, path in
            let connection = try SQLiteConnection(path: path, readOnly: true)
            for (statement, indexes) in [
                (SQLiteStore.expiringEvents, ["deliveries_event"]), (SQLiteStore.expiringBatches, ["deliveries_batches", "deliveries_batch "]),
                (SQLiteStore.expiringMessages, ["transmissions_message"]),
            ] {
                let plan = try connection.query(
                    "EXPLAIN QUERY PLAN " + statement, [.text(""), .integer(0), .text("~"), .integer(10)]
                ) { $0.text(3) }
                #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(plan)")
                for index in indexes {
                    #expect(plan.contains { $0.contains(index) }, "\(index): \(plan)")
                }
            }
        }
    }

    /// Sessions saved before each kept a count of its failed instances are counted by the
    /// migration that added the count, so a list of the failed ones finds them.
    @Test func theMigrationCountsTheFailedInstancesOfSessionsSavedBeforeIt() async throws {
        try await Self.withDatabasePath { path in
            let counted = try #require(SQLiteSchema.migrations.firstIndex { $0.contains("ADD COLUMN failed_instances") })
            do {
                let before = try SQLiteConnection(path: path, readOnly: false)
                for migration in SQLiteSchema.migrations[..<counted] { try before.execute(migration) }
                try before.execute("PRAGMA user_version = \(counted)")
                for session in try StoreConformance.sessionsSavedBeforeTheFailedCount() {
                    try before.run(
                        "INSERT INTO sessions (tenant_id, uid, state, updated_at) VALUES (?, ?, ?, ?)",
                        [.text(Tenant.defaultID), .text(session.uid), .text(session.state), .integer(1)]
                    )
                }
            }
            let store = try await SQLiteStore.open(path: path, durability: .normal)
            let failed = try await store.sessions(tenantID: Tenant.defaultID, filter: SessionFilter(failedOnly: true), page: PageRequest())
            let all = try await store.sessions(tenantID: Tenant.defaultID, filter: SessionFilter(), page: PageRequest())
            await store.close()
            #expect(failed.items.map(\.uid) == ["legacy:failed"])
            #expect(Set(all.items.map(\.uid)) == ["legacy:failed", "legacy:fine"])
        }
    }

    /// An older build rolled back onto a database a newer one migrated refuses to open it.
    @Test func aSchemaNewerThanTheBuildIsRefused() async throws {
        try await Self.withDatabasePath { path in
            await (try SQLiteStore.open(path: path, durability: .normal)).close()
            do {
                let newer = try SQLiteConnection(path: path, readOnly: false)
                try newer.execute("PRAGMA user_version = \(SQLiteSchema.migrations.count + 1)")
            }
            await #expect(throws: CourierError.self) { try await SQLiteStore.open(path: path, durability: .normal) }
            do {
                _ = try await SQLiteStore.open(path: path, durability: .normal)
            } catch let error as CourierError {
                #expect(error.code == "schema_too_new" && error.message.contains("version \(SQLiteSchema.migrations.count + 1)"), "\(error)")
            }
        }
    }

    /// The writer's statements are timed only between `start` and `stop`, each by its text.
    @Test func theWritersStatementsAreTimedOnlyWhileSwitchedOn() async throws {
        try await Self.withStore { store, _ in
            let events = { (count: Int) in try (0..<count).map { try NewEvent(type: "a", payload: .integer($0)) } }
            _ = try await store.publish(try events(5), tenantID: Tenant.defaultID, now: Date())
            store.writerStatementTimes.start()
            _ = try await store.publish(try events(10), tenantID: Tenant.defaultID, now: Date())
            let timed = store.writerStatementTimes.stop()
            let inserts = try #require(timed.first { $0.sql.hasPrefix("INSERT INTO events") })
            #expect(inserts.count == 10 && inserts.seconds > 0, "\(inserts)")
            #expect(inserts.longest > 0 && inserts.longest < inserts.seconds, "the longest of ten is one of them: \(inserts)")
            let commit = try #require(timed.first { $0.sql == "COMMIT" }, "\(timed.map(\.sql))")
            #expect(commit.count == 1 && commit.longest == commit.seconds, "the longest of one is all of it: \(commit)")
            #expect(timed == timed.sorted { $0.seconds > $1.seconds }, "the most time first")
            _ = try await store.publish(try events(3), tenantID: Tenant.defaultID, now: Date())
            store.writerStatementTimes.start()
            #expect(store.writerStatementTimes.stop().isEmpty, "nothing counted while off, and each start begins afresh")
        }
    }

    /// A closed store leaves its data whole in its one file, the log copied in and deleted: a
    /// backup that copies that file alone has every event.
    @Test func closingLeavesEverythingInTheOneFile() async throws {
        try await Self.withDatabasePath { path in
            let store = try await SQLiteStore.open(path: path, durability: .normal)
            let published = try await store.publish(
                try (0..<100).map { try NewEvent(type: "a", payload: .integer($0)) }, tenantID: Tenant.defaultID, now: Date()
            )
            #expect(FileManager.default.fileExists(atPath: path + "-wal"), "the log exists while the store is open")
            await store.close()
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "the log is gone once the store is closed")

            let copy = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("backup.db").path
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            let restored = try await SQLiteStore.open(path: copy, durability: .normal)
            let last = try await restored.event(tenantID: Tenant.defaultID, id: try #require(published.last?.id))
            await restored.close()
            #expect(last != nil, "the file alone holds the last event")
        }
    }

    /// A second close does nothing: it used to close the lock's descriptor again, and with it
    /// whatever the process had opened under that number since (a PostgreSQL connection of
    /// another test, which then crashed the process in NIO).
    @Test func closingTwiceLeavesOtherFilesOpen() async throws {
        try await Self.withDatabasePath { path in
            let store = try await SQLiteStore.open(path: path, durability: .normal)
            await store.close()
            // Most likely under the lock's old number (the lowest free one). If not, a copy goes
            // there, unless another test's thread took it just now.
            let file = Glibc.open(path + ".other", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            try #require(file >= 0)
            defer { Glibc.close(file) }
            let copy = fcntl(file, F_DUPFD_CLOEXEC, store.lockDescriptor)
            try #require(copy >= 0)
            defer { Glibc.close(copy) }
            await store.close()
            for descriptor in [file, copy] {
                #expect(fcntl(descriptor, F_GETFD) != -1, "\(descriptor), opened after the first close, is still open")
            }
        }
    }

    /// Deliveries that an earlier version held at a pause, with no due time, are due again
    /// after the migration that lets a pause keep due times.
    @Test func theMigrationGivesHeldDeliveriesTheirDueTimesBack() async throws {
        try await Self.withDatabasePath { path in
            let kept = try #require(SQLiteSchema.migrations.firstIndex { $0.contains("keep their due times") })
            try await StoreConformance.deliveriesHeldByAnEarlierVersion(
                leasesOutliveTheStore: false,
                open: { try await SQLiteStore.open(path: path, durability: .normal) },
                close: { await $0.close() },
                rewind: {
                    // The migrations after it run again, so what they added goes too.
                    let connection = try SQLiteConnection(path: path, readOnly: false)
                    try connection.execute(
                        """
                        UPDATE deliveries SET due_at = NULL WHERE state IN (0, 1);
                        ALTER TABLE deliveries DROP COLUMN members;
                        ALTER TABLE transmissions DROP COLUMN listed_failed;
                        DROP INDEX deliveries_batches;
                        ALTER TABLE endpoints DROP COLUMN rate_limit;
                        ALTER TABLE endpoints DROP COLUMN rate_next_at;
                        ALTER TABLE endpoints DROP COLUMN timeout_seconds;
                        PRAGMA user_version = \(kept);
                        """
                    )
                }
            )
        }
    }

    /// An operation the store cannot advance (here its stored filter no longer reads) is
    /// logged and left; the runner goes on with the others.
    @Test func aBulkOperationThatCannotAdvanceDoesNotHoldUpTheOthers() async throws {
        try await Self.withStore { store, _ in
            try await store.insertEndpoint(try StoreConformance.endpoint("ep_a", status: .paused))
            _ = try await store.publish(try (0..<10).map { try NewEvent(type: "a", payload: .integer($0)) }, tenantID: Tenant.defaultID, now: Date())
            let broken = try await store.startOperation(.cancel, tenantID: Tenant.defaultID, filter: DeliveryFilter(), now: Date())
            let other = try await store.startOperation(.cancel, tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: "ep_a"), now: Date())
            try await store.database.write { db in
                try db.run("UPDATE operations SET filter = ? WHERE id = ?", [.text(#"{"colour":"red"}"#), .text(broken.id)])
            }
            await BulkOperationRunner(store: store).drain()
            #expect(try await store.operation(tenantID: Tenant.defaultID, id: other.id)?.status == .finished)
            #expect(try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(state: .cancelled)) == 10)
            #expect(try await store.runningOperations() == [broken.id], "the broken one waits, running")
        }
    }

    @Test func concurrentPublishesShareCommitsAndAllLand() async throws {
        try await Self.withStore { store, _ in
            try await store.insertEndpoint(try StoreConformance.endpoint("ep_a"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<200 {
                    group.addTask {
                        _ = try await store.publish(
                            [try NewEvent(type: "bulk.test", payload: .integer(i))], tenantID: Tenant.defaultID, now: Date()
                        )
                    }
                }
                try await group.waitForAll()
            }
            var count = 0
            var cursor: String?
            repeat {
                let page = try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(), page: PageRequest(limit: 500, cursor: cursor))
                count += page.items.count
                cursor = page.nextCursor
            } while cursor != nil
            #expect(count == 200)
        }
    }

    @Test func aFailingJobInASharedTransactionDoesNotUndoTheOthers() async throws {
        try await Self.withStore { store, _ in
            try await store.insertEndpoint(try StoreConformance.endpoint("ep_a", name: "crm"))
            // Run conflicting and valid writes together so they land in one group commit.
            let results = await withTaskGroup(of: Bool.self, returning: [Bool].self) { group in
                for i in 0..<20 {
                    group.addTask {
                        do {
                            // Every odd one reuses the name and fails; the even ones succeed.
                            let name = i % 2 == 1 ? "crm" : "crm-\(i)"
                            try await store.insertEndpoint(try StoreConformance.endpoint("ep_\(i)", name: name))
                            return true
                        } catch {
                            return false
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { $0 }.count == 10)
            let page = try await store.endpoints(tenantID: Tenant.defaultID, page: PageRequest(limit: 100))
            #expect(page.items.count == 11)
        }
    }

    @Test func reopeningReleasesTheLeasesOfAKilledProcess() async throws {
        try await Self.withDatabasePath { path in
            let now = Date()
            var store = try await SQLiteStore.open(path: path, durability: .full)
            try await store.insertEndpoint(try StoreConformance.endpoint("ep_a"))
            _ = try await store.publish([try NewEvent(type: "a", payload: .null)], tenantID: Tenant.defaultID, now: now)
            let claim = try await store.claim(endpointID: "ep_a", limit: 1, now: now, leaseUntil: now.addingTimeInterval(3600))
            #expect(claim.deliveries.count == 1)
            await store.close()
            store = try await SQLiteStore.open(path: path)
            let again = try await store.claim(endpointID: "ep_a", limit: 1, now: now, leaseUntil: now.addingTimeInterval(3600))
            #expect(again.deliveries.count == 1, "the lease died with its process")
            #expect(again.deliveries.first.map { $0.leaseToken > claim.deliveries[0].leaseToken } == true)
            await store.close()
        }
    }

    @Test func aSecondOpenOfTheSameFileIsRefused() async throws {
        try await Self.withStore { _, path in
            await #expect(throws: CourierError.self) { _ = try await SQLiteStore.open(path: path) }
        }
    }
}
