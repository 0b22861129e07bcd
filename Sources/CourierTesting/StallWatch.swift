import Foundation
import Synchronization

/// Watches a test process's long waits from a thread of its own, outside Swift's concurrency
/// runtime.
///
/// The rare hang of a whole test run leaves every thread idle, and reports timed by
/// `Task.sleep` did not come: either no wait had passed its limit, or the runtime's timers (or
/// its two threads) had stopped too, which a report timed by that same runtime cannot tell
/// apart. This watch keeps its clock on a `Thread` and an `NSCondition`, and it also listens for
/// a heartbeat that a task gives every second through `Task.sleep`. When the beats stop for
/// ``staleAfter`` while the process is otherwise waiting, it says so once, with every wait still
/// outstanding, so the next hang shows whether the runtime itself had stalled.
public final class StallWatch: Sendable {
    /// The watch every ``reportingStall(_:after:report:_:)`` uses, with its heartbeat running.
    public static let shared: StallWatch = {
        let watch = StallWatch(staleAfter: .seconds(30), report: StallReport.write)
        watch.startHeartbeat()
        return watch
    }()

    /// A wait being watched, as ``begin(_:limit:report:)`` returned it.
    public struct Ticket: Sendable {
        fileprivate let number: Int
    }

    private struct Wait {
        var what: @Sendable () -> String
        var started: ContinuousClock.Instant
        var limit: Duration
        var report: @Sendable (String) -> Void
    }

    private struct State {
        var next = 0
        var waits: [Int: Wait] = [:]
        var lastBeat: ContinuousClock.Instant
        var beatReported = false
        /// A wait began since the thread last looked: it must look again before sleeping.
        var woken = false
        var stopped = false
    }

    /// How long the heartbeat may be silent before the watch reports it.
    public let staleAfter: Duration
    private let report: @Sendable (String) -> Void
    private let state: Mutex<State>
    /// Wakes the watch's thread when a wait begins, so that a short limit is kept.
    private let wake = NSCondition()

    /// A watch whose thread runs from now until ``stop()``. Without ``startHeartbeat()``
    /// nothing beats: tests give the beats themselves through ``beat()``.
    public init(staleAfter: Duration, report: @escaping @Sendable (String) -> Void) {
        self.staleAfter = staleAfter
        self.report = report
        state = Mutex(State(lastBeat: .now))
        Thread.detachNewThread { [self] in watch() }
    }

    /// Beats every second from a task that sleeps with `Task.sleep`, as the code under test does.
    public func startHeartbeat() {
        Task.detached { [self] in
            while true {
                try? await Task.sleep(for: .seconds(1))
                beat()
            }
        }
    }

    /// The runtime is alive: a heartbeat.
    public func beat() {
        state.withLock {
            $0.lastBeat = .now
            $0.beatReported = false
        }
    }

    /// Starts watching a wait; `what` is read when a report is made.
    public func begin(
        _ what: @escaping @Sendable () -> String, limit: Duration, report: @escaping @Sendable (String) -> Void
    ) -> Ticket {
        let number = state.withLock { state in
            state.next += 1
            state.waits[state.next] = Wait(what: what, started: .now, limit: limit, report: report)
            state.woken = true
            return state.next
        }
        wake.lock()
        wake.signal()
        wake.unlock()
        return Ticket(number: number)
    }

    /// Ends the watch's thread (the shared watch runs as long as the process).
    public func stop() {
        state.withLock {
            $0.stopped = true
            $0.woken = true
        }
        wake.lock()
        wake.signal()
        wake.unlock()
    }

    /// Ends a wait: nothing more is said of it.
    public func end(_ ticket: Ticket) {
        _ = state.withLock { $0.waits.removeValue(forKey: ticket.number) }
    }

    /// The watch's thread: reports what is due, then sleeps until the next thing could be.
    private func watch() {
        while !state.withLock({ $0.stopped }) {
            let nextCheck = check(at: .now)
            // `begin` sets `woken` before it signals under this lock, so a wait that began
            // during the check is either seen here or wakes the wait below.
            wake.lock()
            let woken = state.withLock { state in
                defer { state.woken = false }
                return state.woken
            }
            if !woken {
                let seconds = Double(nextCheck.components.seconds) + Double(nextCheck.components.attoseconds) / 1e18
                _ = wake.wait(until: Date(timeIntervalSinceNow: max(0.001, seconds)))
            }
            wake.unlock()
        }
    }

    /// Makes the reports due at `now` and returns how long until the next one could be. What
    /// the waits say is read outside the lock: it may take locks of its own.
    private func check(at now: ContinuousClock.Instant) -> Duration {
        let (due, outstanding, silence, next) = state.withLock { state -> ([Wait], [Wait]?, Duration, Duration) in
            var next = staleAfter
            var due: [Wait] = []
            for (number, wait) in state.waits {
                if wait.started + wait.limit <= now {
                    due.append(wait)
                    state.waits[number] = nil
                } else {
                    next = min(next, wait.started + wait.limit - now)
                }
            }
            let silence = now - state.lastBeat
            var outstanding: [Wait]?
            if silence < staleAfter {
                next = min(next, staleAfter - silence)
            } else if !state.beatReported {
                state.beatReported = true
                outstanding = state.waits.values.sorted { $0.started < $1.started }
            }
            return (due, outstanding, silence, next)
        }
        for wait in due {
            wait.report("STALLED: \(wait.what()) has not returned after \((now - wait.started).components.seconds) s")
        }
        if let outstanding {
            let waits = outstanding.map { "\($0.what()) (for \((now - $0.started).components.seconds) s)" }
            report(
                "STALLED: a 1 s Task.sleep has not resumed for \(silence.components.seconds) s: Swift's concurrency "
                    + "runtime ran no timer or no job meanwhile; waits outstanding: "
                    + (waits.isEmpty ? "none" : waits.joined(separator: "; "))
            )
        }
        return next
    }
}
