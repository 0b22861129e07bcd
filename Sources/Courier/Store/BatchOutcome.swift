import Foundation

/// What a batch's attempt means for the events' deliveries it carried.
///
/// They follow the batch, except that a receiver answering 2xx with `{"failed": [eventIds]}`
/// sends only those back to be retried, each on its own budget under the endpoint's policy
/// (and in a later batch), while the rest succeed.
public struct BatchOutcome: Sendable, Hashable {
    public var failedEventIDs: Set<String>
    public var retry: RetryPolicy
    public var jitter: Double

    public init(failedEventIDs: Set<String>, retry: RetryPolicy, jitter: Double) {
        self.failedEventIDs = failedEventIDs
        self.retry = retry
        self.jitter = jitter
    }

    /// When a person acts on a batch, which of its events' deliveries follow: `(to, from)`
    /// states, or nil when they stay as they are. Cancelling takes the ones it still carries
    /// with it; sending a finished batch again takes back the ones that finished with it.
    public static func membersFollow(batchFrom old: DeliveryState, to new: DeliveryState) -> (to: DeliveryState, from: DeliveryState)? {
        if new == .cancelled { return (.cancelled, .batched) }
        if new.isActive, !old.isActive { return (.batched, old) }
        return nil
    }

    /// The transition of one carried delivery the receiver listed as failed.
    public func failedMember(_ progress: DeliveryStateMachine.Progress, startedAt: Date, now: Date) -> DeliveryStateMachine.Transition {
        DeliveryStateMachine.afterAttempt(
            progress, verdict: .init(outcome: .failed), policy: retry, startedAt: startedAt, now: now, jitter: jitter
        )
    }
}
