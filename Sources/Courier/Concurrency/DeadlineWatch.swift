import Synchronization

/// The time limits of every ``Deadline/run(_:timeoutError:_:)`` under way, watched by one task.
///
/// A timer of each call's own cost every PostgreSQL operation a second task and, on Linux, a
/// Dispatch timer armed and then cancelled (each `Task.sleep` arms one, and Dispatch's timer
/// thread wakes for it): at 600 single-event `POST`s a second on PostgreSQL, Dispatch's timer
/// thread was 3.6% of `courier bench`'s CPU samples, and three of its four timers an event
/// were these (the fourth paced the bench's calls). Here a call adds its limit to a table and
/// removes it when done; one task looks at the table every ``resolution`` while it holds any.
/// Limits are seconds long, so firing up to one resolution late changes nothing for the
/// caller.
final class DeadlineWatch: Sendable {
    static let shared = DeadlineWatch()
    static let resolution: Duration = .milliseconds(50)

    private struct Limit {
        let at: ContinuousClock.Instant
        let expire: @Sendable () -> Void
    }

    private struct State {
        var limits: [Int: Limit] = [:]
        var lastID = 0
        var watching = false
    }

    private let state = Mutex(State())

    /// Calls `expire` once `at` has passed, unless ``remove(_:)`` comes first; returns the
    /// limit's number for it.
    func add(at: ContinuousClock.Instant, expire: @escaping @Sendable () -> Void) -> Int {
        let (id, start) = state.withLock { state -> (Int, Bool) in
            state.lastID += 1
            state.limits[state.lastID] = Limit(at: at, expire: expire)
            defer { state.watching = true }
            return (state.lastID, !state.watching)
        }
        if start { Task.detached { await self.watch() } }
        return id
    }

    func remove(_ id: Int) {
        state.withLock { _ = $0.limits.removeValue(forKey: id) }
    }

    /// Runs while any limit is in the table; the next ``add(at:expire:)`` starts it again.
    private func watch() async {
        while true {
            try? await Task.sleep(for: Self.resolution)
            let now = ContinuousClock.now
            let (expired, empty) = state.withLock { state -> ([Int: Limit], Bool) in
                let expired = state.limits.filter { $0.value.at <= now }
                for id in expired.keys { state.limits.removeValue(forKey: id) }
                let empty = state.limits.isEmpty
                if empty { state.watching = false }
                return (expired, empty)
            }
            for limit in expired.values { limit.expire() }
            if empty { return }
        }
    }
}
