@testable import Courier
@testable import CourierSQLite
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Durable commits reach the disk off the writer's thread, many to one flush, and nothing is
/// handed back before the commits up to it are on disk.
@Suite struct SQLiteLogFlusherTests {
    /// A flush that waits until the test lets it through, and counts who came.
    final class Gate: Sendable {
        private struct State {
            var arrived = 0
            var allowed = 0
            var failWith: Int32 = 0
        }

        private let state = Mutex(State())
        private let condition = NSCondition()

        /// The flush, as ``SQLiteLogFlusher`` calls it: waits for its turn, then syncs for real.
        var sync: SQLiteLogFlusher.Sync {
            { [self] descriptor in
                let number = state.withLock { state in
                    state.arrived += 1
                    return state.arrived
                }
                condition.lock()
                while state.withLock({ $0.allowed < number }) { condition.wait() }
                condition.unlock()
                let failure = state.withLock { $0.failWith }
                return failure != 0 ? failure : SQLiteLogFlusher.dataSync(descriptor)
            }
        }

        var arrived: Int { state.withLock { $0.arrived } }

        /// Lets `count` more flushes through; with `failing`, they fail with that `errno`.
        func allow(_ count: Int = 1, failing errno: Int32 = 0) {
            state.withLock {
                $0.allowed += count
                $0.failWith = errno
            }
            condition.lock()
            condition.broadcast()
            condition.unlock()
        }
    }

    /// A durable database in a fresh folder whose flushes go through `gate`, with a table of rows.
    static func withDatabase(_ gate: Gate, _ body: (SQLiteDatabase) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-flush-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try SQLiteDatabase(path: directory.appendingPathComponent("courier.db").path, durability: .full, sync: gate.sync)
        // Made without a flush: the first durable commit below is then the first to wait.
        try await database.write(durable: false) { try $0.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY)") }
        try await body(database)
        gate.allow(1_000)
        await database.shutdown()
    }

    static func insert(_ id: Int, durable: Bool, into database: SQLiteDatabase) async throws {
        try await database.write(durable: durable) { try $0.run("INSERT INTO rows (id) VALUES (?)", [.integer(Int64(id))]) }
    }

    /// The rows a reader sees: what the writer has committed, on disk or not yet.
    static func committedRows(_ database: SQLiteDatabase) async throws -> Int64 {
        try await database.read { try $0.queryFirst("SELECT COUNT(*) FROM rows", []) { $0.int(0) } } ?? -1
    }

    /// Polls until `condition` holds (each look yields for a millisecond), failing after 30 s.
    static func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<30_000 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("never: \(what)")
        throw CancellationError()
    }

    /// Writes started in tasks of their own, and which of them have returned.
    final class Writes: Sendable {
        private let returned = Mutex<[Int: Result<Void, any Error>]>([:])

        func start(_ id: Int, durable: Bool, into database: SQLiteDatabase) {
            Task {
                let result: Result<Void, any Error>
                do {
                    try await SQLiteLogFlusherTests.insert(id, durable: durable, into: database)
                    result = .success(())
                } catch {
                    result = .failure(error)
                }
                returned.withLock { $0[id] = result }
            }
        }

        func hasReturned(_ id: Int) -> Bool { returned.withLock { $0[id] != nil } }
        func result(_ id: Int) -> Result<Void, any Error>? { returned.withLock { $0[id] } }
    }

    @Test func theWriterGoesOnWhileAFlushIsUnderWayAndTheCommitsMadeMeanwhileShareTheNext() async throws {
        let gate = Gate()
        try await Self.withDatabase(gate) { database in
            let writes = Writes()
            writes.start(0, durable: true, into: database)
            try await Self.eventually("the first durable commit's flush began") { gate.arrived == 1 }
            // While that flush is held, twenty durable commits and one that is not: the writer
            // commits every one of them (a reader sees them), and none is handed back.
            for id in 1...20 { writes.start(id, durable: true, into: database) }
            try await Self.eventually("the twenty durable commits landed") { try await Self.committedRows(database) == 21 }
            writes.start(21, durable: false, into: database)
            try await Self.eventually("the commit that needs no flush landed") { try await Self.committedRows(database) == 22 }
            #expect((0...21).allSatisfy { !writes.hasReturned($0) }, "a write returned before its flush")

            gate.allow()
            try await Self.eventually("the first write returned") { writes.hasReturned(0) }
            // The next flush covers all the rest; until it is let through, none of them returns,
            // not even the commit that needed no flush of its own, which came after them.
            try await Self.eventually("the second flush began") { gate.arrived == 2 }
            #expect((1...21).allSatisfy { !writes.hasReturned($0) })
            gate.allow()
            try await Self.eventually("every write returned") { (0...21).allSatisfy { writes.hasReturned($0) } }
            #expect((0...21).allSatisfy { (try? writes.result($0)?.get()) != nil })
            #expect(database.flusher?.flushes.load(ordering: .relaxed) == 2, "one flush for the first, one for the twenty-one after it")

            // Nothing waits to be flushed now: a write that needs no flush returns without one.
            try await Self.insert(22, durable: false, into: database)
            #expect(gate.arrived == 2)
        }
    }

    @Test func aFailedFlushFailsItsWritesAndEveryWriteAfterIt() async throws {
        let gate = Gate()
        try await Self.withDatabase(gate) { database in
            let writes = Writes()
            writes.start(0, durable: true, into: database)
            try await Self.eventually("the flush began") { gate.arrived == 1 }
            writes.start(1, durable: false, into: database)
            try await Self.eventually("the second commit landed") { try await Self.committedRows(database) == 2 }
            gate.allow(failing: EIO)
            try await Self.eventually("both writes returned") { writes.hasReturned(0) && writes.hasReturned(1) }
            for id in 0...1 {
                #expect(throws: CourierError.self) { try writes.result(id)?.get() }
            }
            do {
                try await Self.insert(2, durable: false, into: database)
                Issue.record("a write after the failed flush succeeded")
            } catch let error as CourierError {
                #expect(error.code == "store_unavailable")
                #expect(error.message.contains("errno \(EIO)"), "\(error.message)")
            }
            await #expect(throws: CourierError.self) { try await Self.insert(3, durable: true, into: database) }
            #expect(gate.arrived == 1, "no flush is tried after one failed")
        }
    }

    @Test func shuttingDownFlushesWhatIsWaiting() async throws {
        let gate = Gate()
        try await Self.withDatabase(gate) { database in
            let writes = Writes()
            writes.start(0, durable: true, into: database)
            try await Self.eventually("the flush began") { gate.arrived == 1 }
            writes.start(1, durable: true, into: database)
            try await Self.eventually("the second commit landed") { try await Self.committedRows(database) == 2 }
            let shutdown = Task { await database.shutdown() }
            gate.allow(2)
            await shutdown.value
            #expect(writes.hasReturned(0) && writes.hasReturned(1))
            #expect((try? writes.result(1)?.get()) != nil, "the write that waited was flushed, not dropped")
            #expect(gate.arrived == 2)
        }
    }

    @Test func theDefaultFlushSyncsTheLogBesideTheFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-flush-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("courier.db").path
        let database = try SQLiteDatabase(path: path, durability: .full)
        try await database.write { try $0.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY)") }
        #expect(database.flusher?.flushes.load(ordering: .relaxed) == 1)
        for id in 0..<3 { try await Self.insert(id, durable: false, into: database) }
        #expect(database.flusher?.flushes.load(ordering: .relaxed) == 1, "commits that need no flush got one")
        #expect(try await Self.committedRows(database) == 3)
        await database.shutdown()
        let normal = try SQLiteDatabase(path: path, durability: .normal)
        #expect(normal.flusher == nil, "durability normal flushes nothing")
        await normal.shutdown()
    }
}
