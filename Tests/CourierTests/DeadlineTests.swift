import Courier
import CourierTesting
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

    /// A body that notices no cancellation, as a query to a database that went away: it ends
    /// after `seconds` whatever happens.
    static func deaf(seconds: Double, then value: Int) async -> Int {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { continuation.resume(returning: value) }
        }
    }

    /// A stopping service does not wait for a read nobody needs any more.
    @Test func aCancelledCallerIsNotKeptWaitingByADeafBody() async throws {
        let caller = Task { try await Deadline.abandoningOnCancellation { await Self.deaf(seconds: 60, then: 1) } }
        try await Task.sleep(for: .milliseconds(50))
        caller.cancel()
        // The body has 60 s left: any answer sooner is the abandonment's.
        #expect(await ends(caller, within: .seconds(30)), "the caller waited for the body")
        await #expect(throws: CancellationError.self) { try await caller.value }

        let alreadyCancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await Deadline.abandoningOnCancellation { await Self.deaf(seconds: 60, then: 2) }
        }
        await #expect(throws: CancellationError.self) { try await alreadyCancelled.value }
        #expect(try await Deadline.abandoningOnCancellation { await Self.deaf(seconds: 0.01, then: 3) } == 3)
    }

    /// A write under a deadline (an attempt's record) is not abandoned when its caller is
    /// cancelled: it finishes, and the caller learns how it went.
    @Test func aDeadlineAloneLetsTheBodyFinishForACancelledCaller() async throws {
        let caller = Task {
            try await Deadline.run(.seconds(30), timeoutError: { TimedOut() }) { await Self.deaf(seconds: 0.2, then: 4) }
        }
        caller.cancel()
        #expect(try await caller.value == 4)
    }
}
