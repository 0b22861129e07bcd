import Courier
import Foundation
import Synchronization

/// A clock for tests of scheduling (see ``WallClock``): real time flows through it, and
/// ``advance(by:)`` moves it ahead at once, waking whatever sleeps until a time now passed.
///
/// It flows rather than stands still because the rest of a test runs on real time: a request
/// handled by the API stamps its event with the real clock, and the engine must find it due.
/// So a test checks what happens *until* a retry or a cool-down is due by looking before it
/// advances, and what happens *then* by advancing.
///
/// ```swift
/// let clock = TestClock()
/// let engine = DeliveryEngine(store: store, configuration: .init(clock: clock))
/// // ... the receiver answers 503; the retry is due in 5 minutes.
/// clock.advance(by: 300)
/// // ... the retry arrives at once.
/// ```
public final class TestClock: WallClock {
    private struct State {
        var offset: TimeInterval = 0
        /// How many advances there have been, so that a sleeper that read the time just
        /// before one is not left waiting for the next.
        var generation = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    /// A clock at the real time, or `offset` seconds from it.
    public init(offset: TimeInterval = 0) {
        state.withLock { $0.offset = offset }
    }

    public var now: Date {
        Date().addingTimeInterval(state.withLock { $0.offset })
    }

    /// Moves the clock `seconds` ahead; sleepers whose time has come wake at once.
    public func advance(by seconds: TimeInterval) {
        precondition(seconds >= 0, "a TestClock moves forward only")
        let woken = state.withLock { state in
            state.offset += seconds
            state.generation += 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    public func sleep(until deadline: Date) async throws {
        while true {
            try Task.checkCancellation()
            let (offset, generation) = state.withLock { ($0.offset, $0.generation) }
            let remaining = deadline.timeIntervalSince(Date().addingTimeInterval(offset))
            if remaining <= 0 { return }
            // Until the deadline by the real clock, or the next advance, whichever comes first.
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await Task.sleep(for: .seconds(remaining)) }
                group.addTask { await self.advance(after: generation) }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Returns once there has been an advance since `generation`, or when the task is cancelled.
    private func advance(after generation: Int) async {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state in
                    if Task.isCancelled || state.generation != generation { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
