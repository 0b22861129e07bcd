import CSQLite
import NIOPosix
import Synchronization

/// Copies the write-ahead log back into the database file on a thread of its own, so that the
/// writer does not stop for it.
///
/// SQLite's automatic checkpoint runs inside the commit that takes the log past 1,000 pages, on
/// the writer's thread: every write queued behind that commit waits while pages are copied and
/// the file is `fsync`ed. On the batched drain that was a third to 60% of the writer's commit
/// time. Here the writer only notes the log's size after each commit (SQLite's WAL hook, which
/// replaces the automatic checkpoint); each time the log has grown by ``Settings/threshold``
/// pages, this thread runs a `PASSIVE` checkpoint, which waits for no reader or writer.
/// Durability does not change: a commit is as durable as the log it is in.
///
/// The log starts over only once a checkpoint has copied all of it and the writer begins again,
/// so a writer that never pauses could outrun this thread. Past ``Settings/limit`` pages the
/// writer checkpoints itself, as SQLite would have, which bounds the log; by then this thread has
/// copied most of it, so the writer's share is small.
final class SQLiteCheckpointer: Sendable {
    struct Settings: Sendable {
        /// Log pages past which this thread checkpoints: 16 MB of 4 KB pages, four times
        /// SQLite's own default. Each checkpoint ends in an `fsync` of the database file, which
        /// competes with the commits' own. At 1,000 events/s (each event's publish, claim and
        /// record dirty some twenty pages between them, by a count of the rows and indexes
        /// they touch) SQLite's 1,000 pages meant about twenty of them a second; four times
        /// fewer gave a lower `POST` p99 in 18 of 20 alternating pairs of runs
        /// (BENCHMARKS.md). Ten times fewer, 40 MB at a time, stalled one run for 0.4 s.
        var threshold: Int32 = 4_000
        /// Log pages past which the writer checkpoints itself: 128 MB, reached only by a writer
        /// that never pauses, such as a batched drain. Half of it cost that drain 13%.
        var limit: Int32 = 32_000
    }

    private struct State {
        var running = false
        var again = false
    }

    private let settings: Settings
    private let pool = NIOThreadPool(numberOfThreads: 1)
    private let connection: ConnectionBox
    private let state = Mutex(State())
    /// The log's size when this thread was last asked to checkpoint; only the writer's thread touches it.
    private let requestedAt = Atomic<Int32>(0)
    /// Checkpoints this thread has run, and those the writer had to run itself.
    let checkpoints = Atomic<Int>(0)
    let writerCheckpoints = Atomic<Int>(0)

    init(path: String, settings: Settings) throws {
        let connection = try SQLiteConnection(path: path, readOnly: false)
        // In WAL mode `NORMAL` and `FULL` checkpoint alike: the log is synced before it is
        // copied, and the database file after.
        try connection.execute("PRAGMA synchronous = NORMAL;")
        self.connection = ConnectionBox(connection)
        self.settings = settings
        pool.start()
    }

    /// Takes over the checkpoints of `writer`, whose commits then report the log's size here.
    /// The hook holds no reference: the writer must commit only while this checkpointer exists.
    func attach(to writer: SQLiteConnection) {
        sqlite3_wal_hook(writer.handle, walHook, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Waits for a checkpoint under way, then closes this thread's connection.
    func shutdown() async {
        try? await pool.shutdownGracefully()
        connection.connection.close()
    }

    /// On the writer's thread, after each commit, with the log's size in pages.
    fileprivate func committed(logPages: Int32, writer: OpaquePointer) {
        if logPages >= settings.limit {
            // Busy only if this thread is checkpointing at this moment; the next commit tries again.
            if sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil) == SQLITE_OK {
                writerCheckpoints.add(1, ordering: .relaxed)
            }
            return
        }
        // Once per `threshold` new pages, like SQLite's own: asking at every commit past it would
        // keep this thread copying a few pages and `fsync`ing the file over and over, which
        // competes with the commits' own `fsync`s.
        let last = requestedAt.load(ordering: .relaxed)
        let restarted = logPages < last
        if logPages - (restarted ? 0 : last) >= settings.threshold {
            requestedAt.store(logPages, ordering: .relaxed)
            request()
        } else if restarted {
            requestedAt.store(0, ordering: .relaxed)
        }
    }

    private func request() {
        let start = state.withLock { state -> Bool in
            if state.running {
                state.again = true
                return false
            }
            state.running = true
            return true
        }
        guard start else { return }
        pool.submit { [self] work in
            guard case .active = work else {
                state.withLock { $0 = State() }
                return
            }
            repeat {
                // A failure (the database busy with another checkpoint, say) is tried again at the next request.
                if sqlite3_wal_checkpoint_v2(connection.connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil) == SQLITE_OK {
                    checkpoints.add(1, ordering: .relaxed)
                }
            } while state.withLock { state -> Bool in
                if state.again {
                    state.again = false
                    return true
                }
                state.running = false
                return false
            }
        }
    }
}

/// SQLite's WAL hook: `context` is the checkpointer, which the database keeps alive as long as the writer.
private let walHook: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = {
    context, writer, _, logPages in
    if let context, let writer {
        Unmanaged<SQLiteCheckpointer>.fromOpaque(context).takeUnretainedValue().committed(logPages: logPages, writer: writer)
    }
    return SQLITE_OK
}
