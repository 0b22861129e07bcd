import Courier
import NIOPosix
import Synchronization

/// A SQLite file in WAL mode with one writer thread that commits in groups, and reader threads.
///
/// Every write is a job run on the writer thread. Jobs that arrive while a transaction is
/// committing wait and then share the next one, each inside its own savepoint (one job's
/// failure rolls back only that job). Reads run on their own connections and never wait for
/// the writer.
///
/// Only what is acknowledged to someone needs `fsync`: a transaction made only of work that can
/// be redone (claims, attempt records, released leases: losing one to a power cut means a
/// delivery goes once more, which at-least-once allows) needs none, and the next durable
/// commit's covers it too, since the WAL is written in order. With durability `full`,
/// ``SQLiteLogFlusher`` makes those flushes: while other jobs wait for the writer, on a thread
/// of its own, so that the writer goes on with them and the commits made meanwhile share the
/// next `fdatasync`; and it hands back each transaction's results once the commits up to it
/// are on disk. The log is copied back into the file on another thread
/// (``SQLiteCheckpointer``), not inside a commit either.
final class SQLiteDatabase: Sendable {
    /// How many jobs one transaction takes at most, so one commit cannot grow without bound.
    static let maximumJobsPerTransaction = 512

    private final class Job: @unchecked Sendable {
        let durable: Bool
        let run: (SQLiteConnection) throws -> Void
        let complete: (Result<Void, any Error>) -> Void
        /// When it was queued, for the time it waits for the writer.
        let queuedAt = ContinuousClock.now

        init(durable: Bool, run: @escaping (SQLiteConnection) throws -> Void, complete: @escaping (Result<Void, any Error>) -> Void) {
            self.durable = durable
            self.run = run
            self.complete = complete
        }
    }

    private struct WriterState {
        var jobs: [Job] = []
        var draining = false
    }

    private let writerPool: NIOThreadPool
    private let readerPool: NIOThreadPool
    private let writer: ConnectionBox
    /// Copies the writer's log back into the file (its WAL hook points here).
    let checkpointer: SQLiteCheckpointer
    /// The writer's statements, timed while switched on.
    let writerStatementTimes = SQLiteStatementTimes()
    private let readers: Mutex<[ConnectionBox]>
    private let state = Mutex(WriterState())
    /// Called on the writer thread when a whole transaction is rolled back, so caches that
    /// jobs filled inside it can be dropped.
    private let onRollback: @Sendable () -> Void
    /// Brings durable commits to disk; none with durability `normal`.
    let flusher: SQLiteLogFlusher?
    /// Whether the file at the path is still the one open.
    let fileWatch: SQLiteFileWatch
    /// The jobs' waits for the writer and the commits' times.
    private let metrics = StoreMetrics()

    /// Opens (creating if needed) the file and prepares the connections.
    /// - Parameter durability: `full` survives power loss, `normal` a process crash.
    /// - Parameter checkpoints: when the log is copied back into the file (see ``SQLiteCheckpointer``).
    /// - Parameter sync: how ``SQLiteLogFlusher`` flushes the log, for tests.
    init(
        path: String, readers readerCount: Int = 2, durability: SQLiteStore.Durability = .full,
        checkpoints: SQLiteCheckpointer.Settings = .init(), sync: @escaping SQLiteLogFlusher.Sync = SQLiteLogFlusher.dataSync,
        onRollback: @escaping @Sendable () -> Void = {}
    ) throws {
        self.onRollback = onRollback
        fileWatch = SQLiteFileWatch(path: path)
        let writerConnection = try SQLiteConnection(path: path, readOnly: false)
        // `NORMAL` whatever the durability: with `full`, the flusher syncs what `FULL` would have.
        try writerConnection.execute("""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            PRAGMA temp_store = MEMORY;
            PRAGMA cache_size = -32000;
            PRAGMA foreign_keys = OFF;
            """)
        writerConnection.times = writerStatementTimes
        writer = ConnectionBox(writerConnection)
        checkpointer = try SQLiteCheckpointer(path: path, settings: checkpoints)
        checkpointer.attach(to: writerConnection)
        var readerBoxes: [ConnectionBox] = []
        for _ in 0..<max(1, readerCount) {
            let reader = try SQLiteConnection(path: path, readOnly: true)
            try reader.execute("PRAGMA query_only = 1; PRAGMA cache_size = -16000;")
            readerBoxes.append(ConnectionBox(reader))
        }
        readers = Mutex(readerBoxes)
        writerPool = NIOThreadPool(numberOfThreads: 1)
        readerPool = NIOThreadPool(numberOfThreads: max(1, readerCount))
        writerPool.start()
        readerPool.start()
        switch durability {
        case .full: flusher = SQLiteLogFlusher(databasePath: path, sync: sync)
        case .normal: flusher = nil
        }
    }

    /// Lets the jobs under way finish and their commits reach the disk, then closes every
    /// connection, the writer last: its close copies the log into the file and deletes it. Jobs
    /// that come later fail (the pools have stopped), so no connection is used once closed.
    func shutdown() async {
        try? await writerPool.shutdownGracefully()
        await flusher?.shutdown()
        try? await readerPool.shutdownGracefully()
        await checkpointer.shutdown()
        readers.withLock { readers in
            for reader in readers { reader.connection.close() }
        }
        writer.connection.close()
    }

    /// Runs `body` on the writer connection inside a transaction it may share with other jobs;
    /// returns once that transaction has committed, and every durable commit up to it is on disk.
    /// - Parameter durable: whether the commit must reach the disk before returning (it does
    ///   whenever any job of the transaction asks). Only work that can safely be redone after a
    ///   power cut may pass `false`.
    @discardableResult
    func write<T: Sendable>(durable: Bool = true, _ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            nonisolated(unsafe) var value: T?
            let job = Job(
                durable: durable,
                run: { connection in value = try body(connection) },
                complete: { result in
                    switch result {
                    case .success: continuation.resume(returning: value!)
                    case .failure(let error as SQLiteError): continuation.resume(throwing: error.surfaced)
                    case .failure(let error): continuation.resume(throwing: error)
                    }
                }
            )
            let startDrain = state.withLock { state -> Bool in
                state.jobs.append(job)
                if state.draining { return false }
                state.draining = true
                return true
            }
            if startDrain {
                writerPool.submit { [self] work in
                    if case .cancelled = work {
                        self.failQueuedJobs()
                        return
                    }
                    self.drain()
                }
            }
        }
    }

    /// Runs `body` on a reader connection (a consistent snapshot of the last commit).
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        do {
            return try await readUnmapped(body)
        } catch let error as SQLiteError {
            throw error.surfaced
        }
    }

    private func readUnmapped<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await readerPool.runIfActive { [self] in
            let box = self.readers.withLock { $0.popLast() }
            guard let box else {
                // Never more callers than threads, so a connection is always free.
                preconditionFailure("no free SQLite reader connection")
            }
            defer { self.readers.withLock { $0.append(box) } }
            // One read transaction, so a body's several statements see the same commit.
            try box.connection.run("BEGIN")
            defer { _ = try? box.connection.run("COMMIT") }
            return try body(box.connection)
        }
    }

    private func failQueuedJobs() {
        let jobs = state.withLock { state -> [Job] in
            defer { state.jobs = []; state.draining = false }
            return state.jobs
        }
        for job in jobs { job.complete(.failure(CancellationError())) }
    }

    /// Runs on the writer thread until no job is waiting.
    private func drain() {
        while true {
            let jobs = state.withLock { state -> [Job] in
                if state.jobs.isEmpty {
                    state.draining = false
                    return []
                }
                let count = min(state.jobs.count, Self.maximumJobsPerTransaction)
                let taken = Array(state.jobs.prefix(count))
                state.jobs.removeFirst(count)
                return taken
            }
            if jobs.isEmpty { return }
            runTransaction(jobs)
        }
    }

    private func runTransaction(_ jobs: [Job]) {
        let connection = writer.connection
        var results: [Result<Void, any Error>] = []
        results.reserveCapacity(jobs.count)
        connection.afterCommit = []
        let durable = flusher != nil && jobs.contains(where: \.durable)
        let began = ContinuousClock.now
        for job in jobs { metrics.waited(began - job.queuedAt) }
        // Transaction statements run prepared, from the connection's cache: parsed each time,
        // `BEGIN IMMEDIATE` took 11 µs instead of 8, `RELEASE` 6 instead of 3.
        if let gone = fileWatch.check() {
            for job in jobs { job.complete(.failure(gone)) }
            return
        }
        do {
            try connection.run("BEGIN IMMEDIATE")
        } catch {
            for job in jobs { job.complete(.failure(error)) }
            return
        }
        let single = jobs.count == 1
        for job in jobs {
            let hooks = connection.afterCommit.count
            if single {
                results.append(Result { try job.run(connection) })
                continue
            }
            do {
                try connection.run("SAVEPOINT job")
                try job.run(connection)
                try connection.run("RELEASE job")
                results.append(.success(()))
            } catch {
                _ = try? connection.run("ROLLBACK TO job")
                _ = try? connection.run("RELEASE job")
                connection.afterCommit.removeSubrange(hooks...)
                results.append(.failure(error))
            }
        }
        if single, case .failure(let error) = results[0] {
            _ = try? connection.run("ROLLBACK")
            connection.afterCommit = []
            onRollback()
            jobs[0].complete(.failure(error))
            return
        }
        let committing = ContinuousClock.now
        do {
            try connection.run("COMMIT")
        } catch {
            _ = try? connection.run("ROLLBACK")
            connection.afterCommit = []
            onRollback()
            for job in jobs { job.complete(.failure(error)) }
            return
        }
        // Looked at before the hooks: their signals prompt claims at once, and counting those
        // would send nearly every flush to the flusher's thread, a hand-off that a writer with
        // nothing else to do does better without (`POST` p50 1.11 of the build before, in 4
        // rounds of 10,000 at 1,000/s, with them counted).
        let othersWaiting = flusher != nil && state.withLock { !$0.jobs.isEmpty }
        // The hooks' signals go before the flush: a claim they prompt is queued meanwhile, and
        // its results wait for the flush like everything committed after it.
        let hooks = connection.afterCommit
        connection.afterCommit = []
        for hook in hooks { hook() }
        let committed = ContinuousClock.now - committing
        let finish: @Sendable ((any Error)?) -> Void = { [metrics, results] flushFailure in
            // A durable commit's time runs until its log is on disk.
            metrics.committed(durable ? .now - committing : committed, durable: durable)
            for (job, result) in zip(jobs, results) { job.complete(flushFailure.map { .failure($0) } ?? result) }
        }
        if let flusher {
            flusher.committed(durable: durable, othersWaiting: othersWaiting, then: finish)
        } else {
            finish(nil)
        }
    }
}

/// Holds a connection so it can cross into a thread pool's closures; only that pool's threads
/// touch it, one at a time.
final class ConnectionBox: @unchecked Sendable {
    let connection: SQLiteConnection
    init(_ connection: SQLiteConnection) {
        self.connection = connection
    }
}
