import Foundation

/// What the delivery engine needs of a store: due work, claims, the events of a batch,
/// records, releases and wake-ups. Every ``Store`` is one; the engine asks for no more, so a
/// test can put a queue in front of a real store that holds a call back at a chosen moment.
public protocol DeliveryQueue: Sendable {
    /// Every endpoint with work that is due now or later, with the earliest time; used when a
    /// worker starts and as a periodic safety net behind ``signals()``.
    func dueEndpoints() async throws -> [DueWork]
    /// Leases up to `limit` due deliveries of one active endpoint, oldest due first, never
    /// more than the endpoint's `maxInFlight` leases in all (every node's).
    ///
    /// `answered` names the leases of deliveries the caller sent and had answered whose records
    /// may not have landed yet. While the endpoint is healthy those leases do not count against
    /// its `maxInFlight`, since nothing of theirs is at the receiver any more: a slot is free
    /// again when its answer comes, not once its record commits. A lease counts again once it
    /// is no longer the delivery's current one (it ran out and another claim took the delivery).
    /// While the endpoint is probing they count, so that nothing more goes before the probe's
    /// outcome is known.
    func claim(endpointID: String, limit: Int, now: Date, leaseUntil: Date, answered: [Lease]) async throws -> Claim
    /// The events a claimed batch carries now, oldest first: an event cancelled since the claim
    /// is left out, so a batch may come back empty.
    ///
    /// A claim hands batches over unread (``ClaimedDelivery/Content/unreadBatch``) and the engine
    /// reads each just before sending it. Reading 200 events costs about a third of what
    /// gathering them does, and in the claim it ran inside the transaction every other write
    /// waits for (on SQLite, the one writer); here it runs beside the next claim. The batched
    /// drain's rate did not measurably change (see BENCHMARKS.md), but every write waits less
    /// behind a claim, and an event cancelled while its batch waits to go is not sent.
    func batchEvents(batchID: String) async throws -> [Event]
    /// Records attempts and their transitions. An attempt is always kept; a transition is
    /// applied only while the record's lease token is still the delivery's current one.
    func record(_ records: [AttemptRecord]) async throws
    /// Gives claimed but unsent deliveries back, due at their own time.
    func release(_ leases: [Lease]) async throws
    /// Wake-ups for the engine: a new stream per caller, fed after each commit.
    func signals() -> AsyncStream<StoreSignal>
}
