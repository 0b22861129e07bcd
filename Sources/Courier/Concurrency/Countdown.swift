import Dispatch
import Synchronization

/// A wait that task cancellation does not cut short but its owner can.
///
/// The engine gives requests cut off at shutdown a few seconds to report, in a task that is
/// cancelled with the rest (so `Task.sleep` would return at once); once they have all
/// reported, ``end()`` lets the engine stop without sitting out the rest of the wait.
final class Countdown: Sendable {
    private let state = Mutex<(waiter: CheckedContinuation<Void, Never>?, ended: Bool)>((nil, false))

    /// Returns after `seconds`, or at ``end()`` if that comes first; one waiter at a time.
    func wait(seconds: Double) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let already = state.withLock { state in
                if state.ended { return true }
                precondition(state.waiter == nil, "a Countdown has one waiter at a time")
                state.waiter = continuation
                return false
            }
            if already {
                continuation.resume()
            } else {
                DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { self.end() }
            }
        }
    }

    func end() {
        state.withLock { state in
            state.ended = true
            defer { state.waiter = nil }
            return state.waiter
        }?.resume()
    }
}
