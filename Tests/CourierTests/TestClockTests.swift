import Courier
import CourierTesting
import Foundation
import Testing

/// The clock tests move: real time flowing through it, and advances that wake sleepers at once.
@Suite struct TestClockTests {
    @Test func itFlowsWithRealTimeAndAdvancesAtOnce() async throws {
        let clock = TestClock(offset: -60)
        let before = clock.now
        #expect(abs(before.timeIntervalSinceNow + 60) < 5, "a minute behind the real clock: \(before)")
        clock.advance(by: 86400)
        #expect(clock.now.timeIntervalSince(before) >= 86400, "a day on at once")
        try await Task.sleep(for: .milliseconds(20))
        #expect(clock.now.timeIntervalSince(before) > 86400, "and still flowing")
    }

    @Test func aSleeperWakesWhenTheClockIsAdvancedPastItsTime() async throws {
        let clock = TestClock()
        let hourOn = clock.now.addingTimeInterval(3600)
        let sleeper = Task { try await clock.sleep(until: hourOn) }
        // Not woken by a move short of its time.
        try await Task.sleep(for: .milliseconds(50))
        clock.advance(by: 1800)
        #expect(await !ends(sleeper, within: .milliseconds(200)), "half an hour on is not an hour")
        clock.advance(by: 1800)
        #expect(await ends(sleeper, within: .seconds(30)), "woken by the advance, not after an hour")
        #expect(clock.now >= hourOn)
    }

    @Test func aSleeperWhoseTimeHasPassedReturnsAndOneCancelledThrows() async throws {
        let clock = TestClock()
        try await clock.sleep(until: clock.now.addingTimeInterval(-1))
        let sleeper = Task { try await clock.sleep(until: clock.now.addingTimeInterval(3600)) }
        sleeper.cancel()
        #expect(await ends(sleeper, within: .seconds(30)))
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }

    /// Many sleepers and advances at once: each sleeper wakes once its time has passed, none
    /// is left waiting on an advance that came while it was reading the time.
    @Test func sleepersRacingAdvancesAllWake() async throws {
        let clock = TestClock()
        let start = clock.now
        let sleepers = (1...50).map { i in Task { try await clock.sleep(until: start.addingTimeInterval(Double(i) * 60)) } }
        for _ in 1...50 {
            clock.advance(by: 60)
            await Task.yield()
        }
        for sleeper in sleepers {
            #expect(await ends(sleeper, within: .seconds(30)))
        }
    }
}
