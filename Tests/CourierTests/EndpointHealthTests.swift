import Courier
import Foundation
import Testing

/// The endpoint's rest after repeated failures, in exact figures: 5 failures start a cool-down
/// of 5 s, each failed probe doubles it up to an hour, a success ends it all, and five days
/// without a success disable the endpoint.
@Suite struct EndpointHealthTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func coolDownsDoubleUpToAnHourAndASuccessEndsThem() {
        var health = EndpointHealth()
        var now = t0
        for _ in 0..<4 { #expect(health.record(.failed, at: now) == nil) }
        #expect(health.state(at: now) == .healthy, "four failures are not yet a streak")
        _ = health.record(.failed, at: now)
        var rests: [TimeInterval] = []
        for _ in 0..<12 {
            guard case .coolingDown(let until) = health.state(at: now) else {
                Issue.record("not cooling down: \(health)")
                return
            }
            rests.append(until.timeIntervalSince(now))
            now = until
            #expect(health.state(at: now) == .probing, "one probe once the rest is over")
            _ = health.record(.failed, at: now)  // the probe fails
        }
        #expect(rests == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600], "\(rests)")

        // A refusal (4xx) is an answer from a live receiver: it neither ends nor adds to the streak.
        let streak = health.failureStreak
        _ = health.record(.rejected, at: now)
        #expect(health.failureStreak == streak)
        _ = health.record(.succeeded, at: now)
        #expect(health.state(at: now) == .healthy && health.cooldownLevel == 0 && health.failingSince == nil)
    }

    @Test func fiveDaysWithoutASuccessDisableTheEndpoint() {
        var health = EndpointHealth()
        #expect(health.record(.failed, at: t0) == nil)
        #expect(health.record(.failed, at: t0.addingTimeInterval(5 * 86400 - 1)) == nil)
        let reason = health.record(.failed, at: t0.addingTimeInterval(5 * 86400))
        #expect(reason?.contains("no successful delivery since") == true, "\(reason ?? "not disabled")")
    }
}
