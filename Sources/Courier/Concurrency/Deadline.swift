import Synchronization

/// A time limit on work that may not notice cancellation: a query caught on a connection whose
/// server died, a task handler stuck in a loop.
public enum Deadline {
    /// Runs `body`, but throws `timeoutError()` after `timeout` even if `body` does not return.
    /// The caller (a request, the engine) must not wait with it, so the late body is cancelled
    /// and left to finish on its own, where structured concurrency would wait for it.
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
            let work = Task {
                let result: Result<T, any Error>
                do { result = .success(try await body()) } catch { result = .failure(error) }
                _ = resume(result)
            }
            Task {
                try? await Task.sleep(for: timeout)
                if resume(.failure(timeoutError())) { work.cancel() }
            }
        }
    }
}
