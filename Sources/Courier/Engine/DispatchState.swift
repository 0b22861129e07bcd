import DequeModule
import Foundation
import HeapModule

/// What the delivery engine knows about each endpoint's work, and what it should do next.
///
/// A pure state machine in the manner of postgres-nio's: the engine feeds it events (work
/// became due, a claim came back, a request finished) and performs the actions it returns
/// (claim, send, sleep until). Work is tracked per endpoint (a *lane*) so that `maxInFlight`
/// holds per endpoint, one slow endpoint cannot starve the others, and a backlog is claimed a
/// little at a time instead of scanned.
public struct DispatchState: Sendable {
    /// One endpoint's work in this engine.
    struct Lane: Sendable {
        var endpoint: Endpoint?
        /// When the endpoint's earliest unclaimed delivery is due, as far as we know.
        var nextDueAt: Date?
        /// Claimed, waiting for a free slot.
        var queued: Deque<ClaimedDelivery> = []
        var inFlight = 0
        /// Sent and answered, other than by a failure (see below), but not yet recorded: the
        /// store still holds their leases. Nothing of theirs is at the receiver any more, so
        /// their slots are free again, and a claim names them for the store to leave out of its
        /// count (see ``Store/claim(endpointID:limit:now:leaseUntil:answered:)``).
        var answered: [String: Lease] = [:]
        /// Answered with a failure that counts against the endpoint's health, and not yet
        /// recorded. Their slots stay taken until the record lands: it may be the one that
        /// starts a cool-down, and a claim before it would send another request to an endpoint
        /// that is failing.
        var failuresAwaitingRecord: Set<String> = []
        /// The earliest retry among outcomes not yet recorded. A claim made before the record
        /// lands finds the delivery still leased (and is told it is due when the lease ends),
        /// so the retry is asked for again once the record is in.
        var retryAfterRecord: Date?
        var claiming = false
        /// How many the claim under way asked for.
        var claimLimit = 0
        /// The earliest due time signalled while a claim was under way, which the claim's own
        /// answer (read before that signal's commit) may not include.
        var dueDuringClaim: Date?
        /// The endpoint changed while a claim was under way: that claim's copy of it is stale.
        var changedDuringClaim = false
        /// The earliest wake-up in the heap for this lane, so later ones are not pushed again.
        var scheduledWake: Date?
        /// The endpoint's rate limit lets nothing go before this (the last claim said so):
        /// work due sooner waits for it instead of costing a claim that would find nothing.
        var rateLimitedUntil: Date?

        /// `at`, or the end of the rate limit's wait when that is later.
        func limited(_ at: Date) -> Date {
            rateLimitedUntil.map { max($0, at) } ?? at
        }

        var maxInFlight: Int { endpoint?.effectiveMaxInFlight ?? Endpoint.defaultMaxInFlight }

        var isIdle: Bool {
            queued.isEmpty && inFlight == 0 && answered.isEmpty && failuresAwaitingRecord.isEmpty && !claiming && nextDueAt == nil
                && scheduledWake == nil
        }

        /// Slots this engine fills at the endpoint: requests under way, claimed deliveries
        /// waiting for one, and failures whose records have not landed.
        var busy: Int { inFlight + queued.count + failuresAwaitingRecord.count }
    }

    struct Wake: Comparable, Sendable {
        var at: Date
        var endpointID: String
        static func < (lhs: Wake, rhs: Wake) -> Bool { lhs.at < rhs.at }
    }

    /// What the engine should do now.
    public struct Actions: Sendable {
        /// Each with the leases of the lane's answered deliveries, for the store to leave out of its count.
        public var claims: [(endpointID: String, limit: Int, answered: [Lease])] = []
        public var sends: [(endpoint: Endpoint, delivery: ClaimedDelivery)] = []
        /// When to call ``nextActions(now:)`` again if nothing else happens first.
        public var wakeAt: Date?
    }

    /// A lane is taken out of the dictionary while it changes and put back after: a copy read
    /// with `lanes[id]` shares its queue and its answered leases with the copy still stored, so
    /// the first change to either would copy it whole. With a slow store (records lagging on
    /// PostgreSQL) the answered leases number in the hundreds, and those copies took about a
    /// tenth of the process's time.
    private(set) var lanes: [String: Lane] = [:]
    private var dirty: Set<String> = []
    private var wakes = Heap<Wake>()
    public private(set) var isDraining = false

    public init() {}

    /// Deliveries held in this engine, claimed or being sent.
    public var heldCount: Int {
        lanes.values.reduce(0) { $0 + $1.queued.count + $1.inFlight }
    }

    /// Requests under way and claims not yet answered: what shutdown waits for.
    public var outstandingCount: Int {
        lanes.values.reduce(0) { $0 + $1.inFlight + ($1.claiming ? 1 : 0) }
    }

    public var inFlightCount: Int {
        lanes.values.reduce(0) { $0 + $1.inFlight }
    }

    /// Work for `endpointID` is due at `at`.
    public mutating func due(endpointID: String, at: Date) {
        var lane = lanes.removeValue(forKey: endpointID) ?? Lane()
        if lane.claiming {
            lane.dueDuringClaim = min(lane.dueDuringClaim ?? at, at)
        }
        let at = lane.limited(at)
        lane.nextDueAt = min(lane.nextDueAt ?? at, at)
        lanes[endpointID] = lane
        schedule(endpointID, at: lane.nextDueAt!)
    }

    /// The endpoint was paused, edited, disabled or deleted: its queued claims go back to the
    /// store (the next claim reads the endpoint afresh), requests under way finish.
    public mutating func endpointChanged(endpointID: String) -> [Lease] {
        var lane = lanes.removeValue(forKey: endpointID) ?? Lane()
        let released = lane.queued.map(\.lease)
        lane.queued.removeAll()
        lane.endpoint = nil
        lane.rateLimitedUntil = nil  // the limit may have changed or gone
        if lane.claiming { lane.changedDuringClaim = true }
        // A change may make work due at once that no signal announces: a batch policy's open
        // batches given back (due as when published), an ordered endpoint made unordered behind
        // a head that waits to retry. So claim now, even from an endpoint not seen before; a
        // wrong guess costs one empty claim.
        lane.nextDueAt = Date.distantPast
        lanes[endpointID] = lane
        dirty.insert(endpointID)
        return released
    }

    /// How long to wait before claiming again from an endpoint whose slots other nodes hold.
    public static let saturatedBackoff: TimeInterval = 0.05

    /// A claim came back at `now`.
    /// - Returns: leases to give back (the engine is draining, or the endpoint changed).
    public mutating func claimed(endpointID: String, claim: Claim, now: Date) -> [Lease] {
        var lane = lanes.removeValue(forKey: endpointID) ?? Lane()
        lane.claiming = false
        let signalled = lane.dueDuringClaim
        lane.dueDuringClaim = nil
        let stale = lane.changedDuringClaim
        lane.changedDuringClaim = false
        let known = lane.endpoint
        lane.endpoint = stale ? nil : claim.endpoint
        lane.rateLimitedUntil = stale ? nil : claim.rateLimitedUntil
        lane.nextDueAt = [claim.nextDueAt, signalled].compactMap { $0 }.min().map(lane.limited)
        var released: [Lease] = []
        if isDraining || claim.endpoint == nil || stale {
            // Given back; a fresh claim (which reads the endpoint again) follows if it is still active.
            released = claim.deliveries.map(\.lease)
            // The change may have brought work forward that the stale claim's due time does
            // not show (a rate limit's wait lifted, an ordered endpoint made unordered): look again.
            if stale { lane.nextDueAt = Date.distantPast }
        } else {
            if let known, let fresh = claim.endpoint, known.updatedAt != fresh.updatedAt, !lane.queued.isEmpty {
                // Claimed under the endpoint as it was: their leases were measured by its
                // timeout, and they would go with the new one (longer, maybe, than the lease).
                // The change's own signal gives them back too, but may come after this.
                released = lane.queued.map(\.lease)
                lane.queued.removeAll()
            }
            lane.queued.append(contentsOf: claim.deliveries)
            if claim.deliveries.count < lane.claimLimit, let next = lane.nextDueAt, next <= now {
                // Work is due but the store gave fewer than asked: other nodes hold the
                // endpoint's slots. Look again shortly instead of asking in a loop.
                lane.nextDueAt = now.addingTimeInterval(Self.saturatedBackoff)
            }
        }
        lanes[endpointID] = lane
        if let next = lane.nextDueAt { schedule(endpointID, at: next) }
        dirty.insert(endpointID)
        return released
    }

    /// A claim failed (the store is unavailable): try again after `retryAt`.
    public mutating func claimFailed(endpointID: String, retryAt: Date) {
        guard var lane = lanes.removeValue(forKey: endpointID) else { return }
        lane.claiming = false
        lane.nextDueAt = min(lane.nextDueAt ?? retryAt, retryAt)
        lane.dueDuringClaim = nil
        lanes[endpointID] = lane
        schedule(endpointID, at: retryAt)
    }

    /// The request made under `lease` finished; `nextAttemptAt` is when its delivery is due
    /// again, if it is. `disabled` tells that the attempt disabled the endpoint (410 Gone);
    /// `failed` that it counts against the endpoint's health (its slot then stays taken until
    /// the record lands).
    /// - Returns: leases to give back because the endpoint stopped taking work.
    public mutating func sent(endpointID: String, lease: Lease, nextAttemptAt: Date?, disabled: Bool, failed: Bool = false) -> [Lease] {
        guard var lane = lanes.removeValue(forKey: endpointID) else { return [] }
        lane.inFlight -= 1
        if failed {
            lane.failuresAwaitingRecord.insert(lease.deliveryID)
        } else {
            lane.answered[lease.deliveryID] = lease
        }
        var released: [Lease] = []
        if disabled {
            released = lane.queued.map(\.lease)
            lane.queued.removeAll()
            lane.endpoint = nil
        }
        if let nextAttemptAt, !disabled { lane.retryAfterRecord = min(lane.retryAfterRecord ?? nextAttemptAt, nextAttemptAt) }
        lanes[endpointID] = lane
        if let nextAttemptAt, !disabled { due(endpointID: endpointID, at: nextAttemptAt) }
        dirty.insert(endpointID)
        return released
    }

    /// The store has recorded the outcomes of `deliveryIDs` for the endpoint: their leases are gone there too.
    public mutating func recorded(endpointID: String, deliveryIDs: some Sequence<String>) {
        guard var lane = lanes.removeValue(forKey: endpointID) else { return }
        for id in deliveryIDs {
            lane.answered[id] = nil
            lane.failuresAwaitingRecord.remove(id)
        }
        let retry = lane.retryAfterRecord
        if lane.answered.isEmpty && lane.failuresAwaitingRecord.isEmpty { lane.retryAfterRecord = nil }
        lanes[endpointID] = lane
        if let retry { due(endpointID: endpointID, at: retry) }
        dirty.insert(endpointID)
    }

    /// Stop claiming; hands back every queued delivery. Requests under way finish.
    public mutating func drain() -> [Lease] {
        isDraining = true
        var released: [Lease] = []
        for id in lanes.keys {
            released.append(contentsOf: lanes[id]!.queued.map(\.lease))
            lanes[id]!.queued.removeAll()
        }
        return released
    }

    private mutating func schedule(_ endpointID: String, at: Date) {
        guard let scheduled = lanes[endpointID].map(\.scheduledWake) else { return }
        if let scheduled, scheduled <= at { return }
        lanes[endpointID]?.scheduledWake = at
        wakes.insert(Wake(at: at, endpointID: endpointID))
    }

    /// The claims and sends to start now, and when to look again.
    public mutating func nextActions(now: Date) -> Actions {
        var actions = Actions()
        while let wake = wakes.min, wake.at <= now {
            wakes.removeMin()
            if lanes[wake.endpointID]?.scheduledWake == wake.at { lanes[wake.endpointID]?.scheduledWake = nil }
            dirty.insert(wake.endpointID)
        }
        for id in dirty {
            guard var lane = lanes.removeValue(forKey: id) else { continue }
            if let endpoint = lane.endpoint {
                while lane.inFlight < lane.maxInFlight, let delivery = lane.queued.popFirst() {
                    lane.inFlight += 1
                    actions.sends.append((endpoint, delivery))
                }
            }
            // The store never leases more than maxInFlight (across every node), so ask for the
            // free slots only, and only once a few are free so that claims come in batches.
            // Until the endpoint is known (its maxInFlight, and whether it is active), claim one.
            let known = lane.endpoint != nil
            let wanted = (known ? lane.maxInFlight : 1) - lane.busy
            let batch = known ? max(1, lane.maxInFlight / 4) : 1
            if !isDraining, !lane.claiming, wanted >= batch, let due = lane.nextDueAt, due <= now {
                lane.claiming = true
                lane.claimLimit = wanted
                lane.nextDueAt = nil
                actions.claims.append((id, wanted, Array(lane.answered.values)))
            }
            // A due time later than the wake-up that just passed (a cool-down's end, told by a
            // claim while a retry's earlier wake-up was in the heap) has no wake-up of its own
            // yet: `schedule` passed over it for the earlier one.
            if let due = lane.nextDueAt, due > now, lane.scheduledWake.map({ $0 > due }) ?? true {
                lane.scheduledWake = due
                wakes.insert(Wake(at: due, endpointID: id))
            }
            if !lane.isIdle { lanes[id] = lane }
        }
        dirty.removeAll(keepingCapacity: true)
        actions.wakeAt = wakes.min?.at
        return actions
    }
}
