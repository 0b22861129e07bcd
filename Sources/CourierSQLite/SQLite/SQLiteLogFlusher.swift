import Courier
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Brings durable commits to the disk on a thread of its own, many at a time, while the writer
/// goes on with the next transaction.
///
/// With SQLite's `synchronous = FULL`, every durable commit `fsync`s the write-ahead log on the
/// writer's thread, and every write queued behind it waits for the disk too. At 1,000
/// single-event `POST`s a second on a slow stretch of the development machine the writer was
/// busy over 80% of the time, two thirds of it in those waits, and that queue was the `POST`
/// tail (BENCHMARKS.md, "Durable commits flushed off the writer's thread"). Here the writer runs
/// at `NORMAL`, whose commits write the log without waiting for it, and a durable commit is
/// followed by an `fdatasync` of the log: on this flusher's thread when other jobs wait for the
/// writer, which then goes on with them, and on the writer's own thread when none does. A flush
/// covers everything written to the log before it began, so the commits that land while one
/// flush is under way share the next: group commit as PostgreSQL and InnoDB do it. The
/// guarantee is `FULL`'s: nothing is acknowledged before its commit is on disk. `NORMAL` alone
/// differs from `FULL` only by that sync after each commit; checkpoints and the log's header
/// are synced by SQLite itself either way.
///
/// Every commit's results wait for every durable commit before it, not only the durable ones:
/// a claim may have taken the deliveries of a publish whose flush is still under way, and a
/// receiver must never get an event that a power cut could then take back from the store.
/// Readers may see a commit a moment before it is on disk; nothing they return leaves the
/// process as an acknowledgement.
///
/// A flush that fails leaves the log's state on disk unknown (Linux may drop the pages it
/// could not write), so every later commit's results fail too, until the process restarts and
/// SQLite recovers the log: PostgreSQL panics for the same reason.
final class SQLiteLogFlusher: Sendable {
    /// Flushes a file descriptor to disk; returns 0, or the `errno` of the failure.
    typealias Sync = @Sendable (Int32) -> Int32

    /// The results of one transaction, and the durable commit they wait for.
    private struct Waiter {
        var through: UInt64
        var complete: @Sendable ((any Error)?) -> Void
    }

    private struct State {
        /// Commits counted so far; each has its number.
        var commits: UInt64 = 0
        /// The last durable commit, and the last one known to be on disk.
        var needed: UInt64 = 0
        var flushed: UInt64 = 0
        /// In the order of their commits, so of `through`.
        var waiting: [Waiter] = []
        /// A flush is under way, on the thread or on the writer's.
        var flushing = false
        /// The log, once opened.
        var descriptor: Int32 = -1
        var failure: CourierError?
        var stopping = false
        var stopped = false
        var onStop: [CheckedContinuation<Void, Never>] = []
    }

    private let logPath: String
    private let sync: Sync
    private let state = Mutex(State())
    /// Wakes the thread when a durable commit needs it or the flusher stops.
    private let wake = NSCondition()
    /// Flushes made, for tests.
    let flushes = Atomic<Int>(0)
    /// The failed flush that refuses every later commit, if one failed.
    var failure: CourierError? { state.withLock { $0.failure } }

    /// The system's `fdatasync`: the data and the size, which is all a log needs.
    static let dataSync: Sync = { fdatasync($0) == 0 ? 0 : errno }

    /// - Parameter databasePath: the database file; its log is the file beside it, `-wal`.
    /// - Parameter sync: flushes the log; tests put a gate or a failure in its place.
    init(databasePath: String, sync: @escaping Sync = dataSync) {
        logPath = databasePath + "-wal"
        self.sync = sync
        Thread.detachNewThread { [self] in run() }
    }

    /// On the writer's thread, after each commit, in the order of the commits: calls `complete`
    /// once every durable commit so far (this one too, when `durable`) is on disk, with the
    /// error of a flush that failed: at once when nothing is waiting to be flushed, after its
    /// own flush when the writer makes it, and on the flusher's thread otherwise.
    ///
    /// - Parameter othersWaiting: whether other jobs wait for the writer. Only then does the
    ///   flush go to this flusher's thread: with nothing else to do, the writer flushes itself,
    ///   which spares the hand-off to another thread and back (at 1,000 `POST`s a second on a
    ///   fast stretch, a flush always handed over gave a worse `POST` p99 in 6 of 8 rounds).
    func committed(durable: Bool, othersWaiting: Bool, then complete: @escaping @Sendable ((any Error)?) -> Void) {
        enum Next {
            case complete((any Error)?)
            case wait
            case wakeThread
            case flushHere(UInt64)
        }
        let next = state.withLock { state -> Next in
            state.commits += 1
            if durable { state.needed = state.commits }
            if let failure = state.failure { return .complete(failure) }
            if state.needed <= state.flushed { return .complete(nil) }
            state.waiting.append(Waiter(through: state.needed, complete: complete))
            // Only a durable commit makes new work; the others wait for a flush that is due anyway.
            guard durable else { return .wait }
            if othersWaiting || state.flushing { return .wakeThread }
            state.flushing = true
            return .flushHere(state.needed)
        }
        switch next {
        case .complete(let error): complete(error)
        case .wait: break
        case .wakeThread: wakeThread()
        case .flushHere(let target): flush(through: target)
        }
    }

    /// Flushes what is still waiting, then ends the thread. The writer must have stopped.
    func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let stopped = state.withLock { state -> Bool in
                state.stopping = true
                if !state.stopped { state.onStop.append(continuation) }
                return state.stopped
            }
            if stopped {
                continuation.resume()
                return
            }
            wakeThread()
        }
    }

    /// The thread: one flush per round, each covering every durable commit made before it began.
    private func run() {
        while let target = nextTarget() { flush(through: target) }
        let (descriptor, continuations) = state.withLock { state in
            state.stopped = true
            defer { state.onStop = [] }
            return (state.descriptor, state.onStop)
        }
        if descriptor >= 0 { close(descriptor) }
        for continuation in continuations { continuation.resume() }
    }

    /// One `fdatasync` of the log by whoever set `flushing` (the thread, or the writer), then
    /// the results of every commit up to `target` are handed back.
    private func flush(through target: UInt64) {
        let failure = syncLog()
        let (ready, error, stopping) = state.withLock { state -> ([Waiter], CourierError?, Bool) in
            state.flushing = false
            if let failure {
                state.failure = failure
                defer { state.waiting = [] }
                return (state.waiting, failure, state.stopping)
            }
            state.flushed = target
            let count = state.waiting.prefix { $0.through <= target }.count
            defer { state.waiting.removeFirst(count) }
            return (Array(state.waiting.prefix(count)), nil, state.stopping)
        }
        // The thread may have seen this flush under way and gone back to waiting.
        if stopping { wakeThread() }
        for waiter in ready { waiter.complete(error) }
    }

    /// Signals under the lock that ``nextTarget()`` looks and waits under, so no signal is lost.
    private func wakeThread() {
        wake.lock()
        wake.signal()
        wake.unlock()
    }

    /// Waits until a durable commit is not yet on disk, and returns its number; `nil` once the
    /// flusher stops with nothing left to flush (or nothing that a flush could still help).
    private func nextTarget() -> UInt64? {
        wake.lock()
        defer { wake.unlock() }
        while true {
            // `committed` and `shutdown` change the state before they signal under this lock,
            // so a change made after this look wakes the wait below.
            let next = state.withLock { state -> UInt64?? in
                if state.flushing { return nil }
                if state.failure == nil, state.needed > state.flushed {
                    state.flushing = true
                    return .some(state.needed)
                }
                return state.stopping ? .some(nil) : nil
            }
            if let next { return next }
            wake.wait()
        }
    }

    /// One `fdatasync` of the log, opened the first time: it exists once anything has been
    /// committed, and SQLite deletes it only when the last connection closes, after the writer.
    /// Only whoever set `flushing` calls it, so one flush runs at a time.
    private func syncLog() -> CourierError? {
        var descriptor = state.withLock { $0.descriptor }
        if descriptor < 0 {
            descriptor = open(logPath, O_RDONLY | O_CLOEXEC)
            if descriptor < 0 { return failure("cannot open \(logPath): errno \(errno)") }
            state.withLock { $0.descriptor = descriptor }
        }
        let result = sync(descriptor)
        flushes.add(1, ordering: .relaxed)
        return result == 0 ? nil : failure("fdatasync of \(logPath) failed: errno \(result)")
    }

    private func failure(_ cause: String) -> CourierError {
        CourierError(
            .unavailable, code: "store_unavailable",
            message: "the store could not bring its log to disk (\(cause)); writes are refused until Courier restarts"
        )
    }
}
