import Synchronization

/// A time limit on work that may not notice cancellation: a query caught on a connection whose
/// server died, a task handler stuck in a loop.
public enum Deadline {
    /// Runs `body`, but throws `timeoutError()` after `timeout` even if `body` does not return.
    /// The caller (a request, the engine) must not wait with it, so the late body is cancelled
    /// and left to finish on its own, where structured concurrency would wait for it.
    ///
    /// A body that finishes in time takes its limit off ``DeadlineWatch``: every store
    /// operation on PostgreSQL runs under one, and limits left to run out would pile up by the
    /// thousand. The limit may fire up to ``DeadlineWatch/resolution`` late.
    public static func run<T: Sendable>(
        _ timeout: Duration, timeoutError: @escaping @Sendable () -> any Error, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let once = Mutex(false)
            let resume: @Sendable (Result<T, any Error>) -> Bool = { result in
                let first = once.withLock { done in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume(with: result) }
                return first
            }
            let work = Mutex<Task<Void, Never>?>(nil)
            let limit = DeadlineWatch.shared.add(at: .now + timeout) {
                if resume(.failure(timeoutError())) { work.withLock { $0 }?.cancel() }
            }
            let task = Task {
                let result: Result<T, any Error>
                do { result = .success(try await body()) } catch { result = .failure(error) }
                DeadlineWatch.shared.remove(limit)
                _ = resume(result)
            }
            work.withLock { $0 = task }
            // The limit may have run out before the task was there to cancel (cancelling a
            // task that has finished does nothing).
            if once.withLock({ $0 }) { task.cancel() }
        }
    }
}
