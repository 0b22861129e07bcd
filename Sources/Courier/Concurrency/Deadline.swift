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
        try await first(of: body, timeout: (timeout, timeoutError), abandonOnCancellation: false)
    }

    /// Runs `body`, but throws `CancellationError` as soon as the caller is cancelled, even if
    /// `body` does not notice: for work whose outcome nobody needs once a service stops, and
    /// which happens whole or not at all (a read; one transaction). A store call to a database
    /// that went away waits out its own limit (10 s), and each service stopping would otherwise
    /// wait it out too. The abandoned body finishes, or fails, on its own.
    public static func abandoningOnCancellation<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await first(of: body, timeout: nil, abandonOnCancellation: true)
    }

    /// Whichever comes first: `body`'s result, the timeout's error, or the caller's
    /// cancellation (when asked for). The body runs in a task of its own, cancelled and left
    /// to finish on its own if it loses.
    private static func first<T: Sendable>(
        of body: @escaping @Sendable () async throws -> T,
        timeout: (limit: Duration, error: @Sendable () -> any Error)?,
        abandonOnCancellation: Bool
    ) async throws -> T {
        // The caller's continuation, once it is there, and whether it was resumed.
        let waiter = Mutex<(continuation: CheckedContinuation<T, any Error>?, done: Bool)>((nil, false))
        let work = Mutex<Task<Void, Never>?>(nil)
        // Resumes the caller with the first result; one that lost, or that came before the
        // caller was waiting (a cancellation), says so.
        let resume: @Sendable (Result<T, any Error>) -> Bool = { result in
            let continuation: CheckedContinuation<T, any Error>? = waiter.withLock { waiter in
                guard !waiter.done, let continuation = waiter.continuation else { return nil }
                waiter.done = true
                return continuation
            }
            continuation?.resume(with: result)
            return continuation != nil
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                waiter.withLock { $0.continuation = continuation }
                let limit = timeout.map { timeout in
                    DeadlineWatch.shared.add(at: .now + timeout.limit) {
                        if resume(.failure(timeout.error())) { work.withLock { $0 }?.cancel() }
                    }
                }
                let task = Task {
                    let result: Result<T, any Error>
                    do { result = .success(try await body()) } catch { result = .failure(error) }
                    if let limit { DeadlineWatch.shared.remove(limit) }
                    _ = resume(result)
                }
                work.withLock { $0 = task }
                // The limit may have run out before the task was there to cancel (cancelling a
                // task that has finished does nothing); a cancellation may have come before the
                // caller was waiting, when there was nobody to resume.
                if waiter.withLock({ $0.done }) { task.cancel() }
                if abandonOnCancellation, Task.isCancelled, resume(.failure(CancellationError())) { task.cancel() }
            }
        } onCancel: {
            guard abandonOnCancellation else { return }
            if resume(.failure(CancellationError())) { work.withLock { $0 }?.cancel() }
        }
    }
}
