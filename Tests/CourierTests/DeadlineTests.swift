import Courier
import Foundation
import Synchronization
import Testing

@Suite struct DeadlineTests {
    struct TimedOut: Error {}

    /// A body that finishes in time ends its timer: the timer never gets as far as making its
    /// error. (Without the cancellation it does, once the limit has passed.) The limit counts
    /// from the call, and in the whole suite's run on two cores a body's task has waited over a
    /// second to start; a limit that runs out before its body has finished is the limit doing
    /// its job, so only a timer that fires after its body finished counts against it.
    @Test func aBodyInTimeEndsItsTimer() async throws {
        let lateTimers = Mutex(0)
        var answered = 0
        for _ in 0..<20 {
            let finished = Mutex(false)
            let value = try? await Deadline.run(.seconds(1), timeoutError: {
                if finished.withLock({ $0 }) { lateTimers.withLock { $0 += 1 } }
                return TimedOut()
            }) {
                finished.withLock { $0 = true }
                return 42
            }
            if value == 42 { answered += 1 }
        }
        try await Task.sleep(for: .milliseconds(1500))
        #expect(answered > 0, "no body ran within its limit, so no timer was put to the test")
        #expect(lateTimers.withLock { $0 } == 0, "a timer ran out after its body had finished")
    }

    /// A body past its time: the caller gets the error at once, and the body is cancelled.
    @Test func aLateBodyIsCancelledAndTheCallerIsNotKeptWaiting() async throws {
        let cancelled = Mutex(false)
        await #expect(throws: TimedOut.self) {
            try await Deadline.run(.milliseconds(50), timeoutError: { TimedOut() }) {
                do { try await Task.sleep(for: .seconds(30)) } catch { cancelled.withLock { $0 = true } }
                return 1
            }
        }
        // Up to 10 s: in the full run on two cores a task has waited over 2 s to be scheduled.
        var waited = 0
        while !cancelled.withLock({ $0 }), waited < 1000 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(cancelled.withLock { $0 }, "the late body was cancelled")
    }

    /// Many calls at once share one watch: each late body, and only those, runs out of time.
    @Test func callsAtOnceEachKeepTheirOwnLimit() async throws {
        let outcomes = await withTaskGroup(of: (Int, Bool).self, returning: [Int: Bool].self) { group in
            for index in 0..<40 {
                group.addTask {
                    let late = index % 3 == 0
                    let value = try? await Deadline.run(late ? .milliseconds(100) : .seconds(20), timeoutError: { TimedOut() }) {
                        try await Task.sleep(for: late ? .seconds(30) : .milliseconds(Int64(index * 5)))
                        return index
                    }
                    return (index, value == index)
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.count == 40)
        for (index, answered) in outcomes {
            #expect(answered == (index % 3 != 0), "call \(index)")
        }
    }

    @Test func aBodysErrorIsTheCallers() async throws {
        struct Failed: Error {}
        await #expect(throws: Failed.self) {
            try await Deadline.run(.seconds(10), timeoutError: { TimedOut() }) { () async throws -> Int in throw Failed() }
        }
    }
}
