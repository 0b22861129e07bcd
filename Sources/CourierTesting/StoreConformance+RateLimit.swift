import Courier
import Foundation

/// Rate limits: claims spaced by the time kept with the endpoint, for every claimer at once.
extension StoreConformance {
    static func rateLimit(_ store: any Store) async throws {
        var ep = try endpoint("ep_a")
        ep.rateLimit = RateLimit(requests: 2, seconds: 1)  // one request every 500 ms
        try await store.insertEndpoint(ep)
        let stored = try await store.endpoint(tenantID: Tenant.defaultID, id: "ep_a")
        try expect(stored?.rateLimit == RateLimit(requests: 2, seconds: 1), "the limit is kept: \(String(describing: stored?.rateLimit))")
        _ = try await publishSeries(store, count: 8)
        let now = t0.addingTimeInterval(10)
        // Leases far off, so that no claim below takes back what an earlier one leased.
        let leaseUntil = t0.addingTimeInterval(100_000)
        func claim(at offset: TimeInterval, limit: Int = 10) async throws -> Claim {
            try await store.claim(endpointID: "ep_a", limit: limit, now: now.addingTimeInterval(offset), leaseUntil: leaseUntil)
        }

        let first = try await claim(at: 0)
        try expect(first.deliveries.count == 1, "one delivery a claim, not a burst: \(first.deliveries.count)")
        try expect(first.rateLimitedUntil == now.addingTimeInterval(0.5), "the next may go 500 ms later: \(String(describing: first.rateLimitedUntil))")
        try expect(first.nextDueAt == now.addingTimeInterval(0.5), "more is due, but not before then: \(String(describing: first.nextDueAt))")

        let early = try await claim(at: 0.499)
        try expect(early.deliveries.isEmpty, "nothing before the spacing has passed: \(early.deliveries.count)")
        try expect(early.rateLimitedUntil == now.addingTimeInterval(0.5), "still then: \(String(describing: early.rateLimitedUntil))")
        try expect(early.nextDueAt == now.addingTimeInterval(0.5), "due then: \(String(describing: early.nextDueAt))")

        // Claims at once, as from several nodes, share the limit: one of them takes one.
        let racing = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<6 { group.addTask { try await claim(at: 0.5).deliveries.count } }
            return try await group.reduce(0, +)
        }
        try expect(racing == 1, "six claims at once take one delivery between them: \(racing)")

        // After an idle spell the next goes at once, and the one after waits its spacing again.
        let idle = try await claim(at: 100)
        try expect(idle.deliveries.count == 1, "one after an idle spell, not the spell's worth: \(idle.deliveries.count)")
        try expect(idle.rateLimitedUntil == now.addingTimeInterval(100.5), "spaced from the claim: \(String(describing: idle.rateLimitedUntil))")

        // An edit that leaves the limit as it was leaves the wait. A new limit counts from the
        // last request (at 100): a slower one does not let the next go at once.
        var renamed = try unwrap(stored, "the endpoint")
        renamed.name = "renamed"
        try await store.updateEndpoint(renamed)
        let afterRename = try await claim(at: 100.2)
        try expect(afterRename.deliveries.isEmpty, "the same limit keeps its wait across an edit: \(afterRename.deliveries.count)")
        var slower = renamed
        slower.rateLimit = RateLimit(requests: 1, seconds: 3600)
        try await store.updateEndpoint(slower)
        let afterSlowing = try await claim(at: 100.6)
        try expect(afterSlowing.deliveries.isEmpty, "a slower limit counts from the last request: \(afterSlowing.deliveries.count)")
        try expect(
            afterSlowing.rateLimitedUntil == now.addingTimeInterval(3700),
            "an hour after it: \(String(describing: afterSlowing.rateLimitedUntil))"
        )
        var faster = slower
        faster.rateLimit = RateLimit(requests: 2, seconds: 1)
        try await store.updateEndpoint(faster)
        let afterSpeeding = try await claim(at: 100.6)
        try expect(afterSpeeding.deliveries.count == 1, "a faster one too: 500 ms after it has passed: \(afterSpeeding.deliveries.count)")
        var unlimited = faster
        unlimited.rateLimit = nil
        try await store.updateEndpoint(unlimited)
        let rest = try await claim(at: 100.3)
        try expect(rest.deliveries.count == 4 && rest.rateLimitedUntil == nil, "without a limit the rest go at once: \(rest.deliveries.count)")
        let empty = try await claim(at: 100.4)
        try expect(
            empty.deliveries.isEmpty && empty.nextDueAt == leaseUntil,
            "nothing left, due again when the leases end: \(String(describing: empty.nextDueAt))"
        )

        // A batching endpoint's batch is one request: a claim takes one batch of many events.
        var batching = try endpoint("ep_b", types: ["batch.*"])
        batching.batch = BatchPolicy(maxSize: 2)
        batching.rateLimit = RateLimit(requests: 1, seconds: 60)
        try await store.insertEndpoint(batching)
        for _ in 0..<6 {
            _ = try await store.publish([try event("batch.made")], tenantID: Tenant.defaultID, now: now)
        }
        let batch = try await store.claim(endpointID: "ep_b", limit: 10, now: now, leaseUntil: leaseUntil)
        try expect(batch.deliveries.count == 1, "one batch a claim: \(batch.deliveries.count)")
        let events = try await store.batchEvents(batchID: batch.deliveries[0].deliveryID)
        try expect(events.count == 2, "of two events: \(events.count)")
        try expect(batch.nextDueAt == now.addingTimeInterval(60), "the next batch a minute later: \(String(describing: batch.nextDueAt))")

        // A limit no check would let through, saved by a Swift caller straight to the store, is
        // still read (and sends rather than traps).
        var unchecked = try endpoint("ep_c", types: ["unchecked.*"])
        unchecked.rateLimit = RateLimit(requests: 0, seconds: 0)
        try await store.insertEndpoint(unchecked)
        let read = try await store.endpoint(tenantID: Tenant.defaultID, id: "ep_c")
        try expect(read?.rateLimit == unchecked.rateLimit, "read back as saved: \(String(describing: read?.rateLimit))")
        _ = try await store.publish([try event("unchecked.made")], tenantID: Tenant.defaultID, now: now)
        let sent = try await store.claim(endpointID: "ep_c", limit: 10, now: now, leaseUntil: leaseUntil)
        try expect(sent.deliveries.count == 1, "claimed: \(sent.deliveries.count)")
    }
}
