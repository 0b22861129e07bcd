import Foundation

/// The time the delivery engine and the retention sweeper schedule by: when an attempt
/// started and ended, when a retry, a cool-down, a lease and a secret's grace run out, when
/// the next one is due.
///
/// It is a protocol so that tests can move it (`TestClock` in `CourierTesting`): an
/// application's test of "retried after 5 minutes, disabled after 5 days" advances the clock
/// instead of waiting. Everything else keeps the real clock: the `webhook-timestamp` a
/// receiver checks against its own clock, request timeouts, the shutdown grace.
public protocol WallClock: Sendable {
    /// The time now.
    var now: Date { get }
    /// Returns once ``now`` has reached `deadline`; throws `CancellationError` if the task is
    /// cancelled first.
    func sleep(until deadline: Date) async throws
}

/// The system's clock.
public struct SystemClock: WallClock {
    public init() {}

    public var now: Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .seconds(seconds)) }
    }
}
