/// Whether `task` ends within `limit`, without waiting for it any longer if it does not: a
/// test of something that should end soon must fail at its limit, not hang for as long as the
/// thing under test would wait (a task group would wait for its child to the end).
public func ends<Success: Sendable>(_ task: Task<Success, any Error>, within limit: Duration) async -> Bool {
    let (ended, signal) = AsyncStream.makeStream(of: Bool.self)
    let waiter = Task {
        _ = await task.result
        signal.yield(true)
    }
    let timer = Task {
        try? await Task.sleep(for: limit)
        signal.yield(false)
    }
    var answer = false
    for await first in ended {
        answer = first
        break
    }
    timer.cancel()
    if !answer { waiter.cancel() }
    return answer
}
