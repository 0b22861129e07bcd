import Synchronization

/// A time limit on work that may not notice cancellation: a query caught on a connection whose
/// server died, a task handler stuck in a loop.
public enum Deadline {
    /// Runs `body`, but throws `timeoutError()` after `timeout` even if `body` does not return.
    /// The caller (a request, the engine) must not wait with it, so the late body is cancelled
    /// and left to finish on its own, where structured concurrency would wait for it.
    ///
    /// A body that finishes in time cancels the timer: every store operation on PostgreSQL runs
    /// under one, and timers left to run out would pile up by the thousand, each holding its
    /// task for the whole timeout.
    public static func run<T: Sendable>(
        _ timeout: Duration, timeoutError: @escaping @Sendable () -> any Error, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let once = Mutex(false)
            let timer = Mutex<Task<Void, Never>?>(nil)
            let resume: @Sendable (Result<T, any Error>) -> Bool = { result in
                let first = once.withLock { done in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume(with: result) }
                return first
            }
            let work = Task {
                let result: Result<T, any Error>
                do { result = .success(try await body()) } catch { result = .failure(error) }
                if resume(result) { timer.withLock { $0 }?.cancel() }
            }
            let sleeper = Task {
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                if resume(.failure(timeoutError())) { work.cancel() }
            }
            timer.withLock { $0 = sleeper }
            // The body may have finished before the timer was there to cancel.
            if once.withLock({ $0 }) { sleeper.cancel() }
        }
    }
}
