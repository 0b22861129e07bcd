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
        try await SQLiteStoreTests.withDatabasePath { path in
            let database = try SQLiteDatabase(path: path, durability: .full, sync: gate.sync)
            // Made without a flush: the first durable commit below is then the first to wait.
            try await database.write(durable: false) { try $0.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY)") }
            try await body(database)
            gate.allow(1_000)
            await database.shutdown()
        }
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

    /// A flusher of its own over a log file in a fresh folder, its flushes through a gate. The
    /// test plays the writer through `Commits`, and says itself whether other jobs wait.
    static func withFlusher(_ body: (SQLiteLogFlusher, Gate, Commits) async throws -> Void) async throws {
        try await SQLiteStoreTests.withDatabasePath { path in
            #expect(FileManager.default.createFile(atPath: path + "-wal", contents: Data([1, 2, 3])))
            let gate = Gate()
            let flusher = SQLiteLogFlusher(databasePath: path, sync: gate.sync)
            try await body(flusher, gate, Commits())
            gate.allow(1_000)
            await flusher.shutdown()
        }
    }

    /// Commits reported to a flusher from a thread of their own (a flush on the writer's thread
    /// blocks the caller), and what became of each.
    final class Commits: Sendable {
        private struct State {
            var returned: Set<Int> = []
            var completed: [Int: (any Error)?] = [:]
        }

        private let state = Mutex(State())

        func commit(_ number: Int, durable: Bool, othersWaiting: Bool, to flusher: SQLiteLogFlusher) {
            Thread.detachNewThread { [self] in
                flusher.committed(durable: durable, othersWaiting: othersWaiting) { error in
                    self.state.withLock { _ = $0.completed.updateValue(error, forKey: number) }
                }
                state.withLock { _ = $0.returned.insert(number) }
            }
        }

        func hasReturned(_ number: Int) -> Bool { state.withLock { $0.returned.contains(number) } }
        func isComplete(_ number: Int) -> Bool { state.withLock { $0.completed[number] != nil } }
        func error(_ number: Int) -> (any Error)? { state.withLock { $0.completed[number] ?? nil } }
    }

    @Test func withOtherJobsWaitingTheWriterGoesOnAndTheCommitsMadeDuringAFlushShareTheNext() async throws {
        try await Self.withFlusher { flusher, gate, commits in
            commits.commit(0, durable: true, othersWaiting: true, to: flusher)
            try await Self.eventually("the first flush began, on the flusher's thread") { gate.arrived == 1 && commits.hasReturned(0) }
            // While that flush is held, the writer commits twenty durable transactions and one
            // that is not: none of them waits for the disk, and none is handed back.
            for number in 1...20 {
                commits.commit(number, durable: true, othersWaiting: true, to: flusher)
                try await Self.eventually("commit \(number) returned to the writer") { commits.hasReturned(number) }
            }
            commits.commit(21, durable: false, othersWaiting: false, to: flusher)
            try await Self.eventually("commit 21 returned to the writer") { commits.hasReturned(21) }
            #expect((0...21).allSatisfy { !commits.isComplete($0) }, "a commit was handed back before its flush")

            gate.allow()
            try await Self.eventually("the first commit was handed back") { commits.isComplete(0) }
            // One more flush covers all the rest; until it is let through none of them is handed
            // back, not even the commit that needed no flush of its own, which came after them.
            try await Self.eventually("the second flush began") { gate.arrived == 2 }
            #expect((1...21).allSatisfy { !commits.isComplete($0) })
            gate.allow()
            try await Self.eventually("every commit was handed back") { (0...21).allSatisfy { commits.isComplete($0) } }
            #expect((0...21).allSatisfy { commits.error($0) == nil })
            #expect(flusher.flushes.load(ordering: .relaxed) == 2, "one flush for the first, one for the twenty-one after it")

            // Nothing waits to be flushed now: a commit that needs no flush is handed back at once.
            commits.commit(22, durable: false, othersWaiting: false, to: flusher)
            try await Self.eventually("commit 22 was handed back") { commits.isComplete(22) }
            #expect(gate.arrived == 2)
        }
    }

    @Test func withNothingElseWaitingTheWriterFlushesItself() async throws {
        try await Self.withFlusher { flusher, gate, commits in
            commits.commit(0, durable: true, othersWaiting: false, to: flusher)
            try await Self.eventually("the flush began") { gate.arrived == 1 }
            #expect(!commits.hasReturned(0), "the writer went on before its own flush was done")
            #expect(!commits.isComplete(0))
            gate.allow()
            try await Self.eventually("the writer's flush ended") { commits.hasReturned(0) }
            #expect(commits.isComplete(0), "handed back before the writer went on")
            // A flush under way on the thread is not joined by the writer: the next commit waits for it.
            commits.commit(1, durable: true, othersWaiting: true, to: flusher)
            try await Self.eventually("the thread's flush began") { gate.arrived == 2 && commits.hasReturned(1) }
            commits.commit(2, durable: true, othersWaiting: false, to: flusher)
            try await Self.eventually("commit 2 returned to the writer") { commits.hasReturned(2) }
            gate.allow(2)
            try await Self.eventually("both were handed back") { commits.isComplete(1) && commits.isComplete(2) }
            #expect(flusher.flushes.load(ordering: .relaxed) == 3)
        }
    }

    @Test func aFailedFlushFailsItsCommitsAndEveryCommitAfterIt() async throws {
        for othersWaiting in [true, false] {
            try await Self.withFlusher { flusher, gate, commits in
                commits.commit(0, durable: true, othersWaiting: othersWaiting, to: flusher)
                try await Self.eventually("the flush began") { gate.arrived == 1 }
                gate.allow(failing: EIO)
                try await Self.eventually("the commit was handed back") { commits.isComplete(0) }
                commits.commit(1, durable: false, othersWaiting: false, to: flusher)
                commits.commit(2, durable: true, othersWaiting: othersWaiting, to: flusher)
                try await Self.eventually("the later commits were handed back") { commits.isComplete(1) && commits.isComplete(2) }
                for number in 0...2 {
                    let error = commits.error(number) as? CourierError
                    #expect(error?.code == "store_unavailable")
                    #expect(error?.message.contains("errno \(EIO)") == true, "\(String(describing: error))")
                }
                #expect(gate.arrived == 1, "no flush is tried after one failed")
            }
        }
    }

    @Test func shuttingDownFlushesWhatIsWaiting() async throws {
        try await Self.withFlusher { flusher, gate, commits in
            commits.commit(0, durable: true, othersWaiting: true, to: flusher)
            try await Self.eventually("the flush began") { gate.arrived == 1 }
            commits.commit(1, durable: true, othersWaiting: true, to: flusher)
            try await Self.eventually("commit 1 returned to the writer") { commits.hasReturned(1) }
            let shutdown = Task { await flusher.shutdown() }
            gate.allow(2)
            await shutdown.value
            #expect(commits.isComplete(0) && commits.isComplete(1), "the commit that waited was flushed, not dropped")
            #expect(commits.error(1) == nil)
            #expect(gate.arrived == 2)
        }
    }

    /// Through the database: a durable write's commit is visible to readers while its flush is
    /// held, and the write returns only once the flush is done; a failed flush is the write's error.
    @Test func aDurableWriteReturnsOnceItsFlushIsDone() async throws {
        let gate = Gate()
        try await Self.withDatabase(gate) { database in
            let writes = Writes()
            writes.start(0, durable: true, into: database)
            try await Self.eventually("the flush began") { gate.arrived == 1 }
            #expect(try await Self.committedRows(database) == 1)
            #expect(!writes.hasReturned(0))
            gate.allow()
            try await Self.eventually("the write returned") { writes.hasReturned(0) }
            #expect((try? writes.result(0)?.get()) != nil)

            writes.start(1, durable: true, into: database)
            try await Self.eventually("the second flush began") { gate.arrived == 2 }
            gate.allow(failing: EIO)
            try await Self.eventually("the write returned") { writes.hasReturned(1) }
            #expect(throws: CourierError.self) { try writes.result(1)?.get() }
            await #expect(throws: CourierError.self) { try await Self.insert(2, durable: false, into: database) }
        }
    }

    @Test func theDefaultFlushSyncsTheLogBesideTheFile() async throws {
        try await SQLiteStoreTests.withDatabasePath { path in
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
}
