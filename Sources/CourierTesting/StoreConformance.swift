import Courier
import Foundation

/// What every ``Store`` must do, written once and run against each implementation.
///
/// Each check takes a fresh, empty store (with the `default` tenant) and throws
/// ``ConformanceFailure`` on the first broken promise. A test target runs them as a
/// parameterised test: `@Test(arguments: StoreConformance.checks) func conforms(_ check: ...)`.
public enum StoreConformance {
    public struct Check: Sendable, CustomStringConvertible {
        public var name: String
        public var run: @Sendable (any Store) async throws -> Void
        public var description: String { name }
    }

    public static let checks: [Check] = [
        Check(name: "tenants are created once and read back", run: tenants),
        Check(name: "a store that writes and reads reports no standing failure", run: noStandingFailure),
        Check(name: "tokens resolve by hash to their tenant or the admin, are listed per tenant and deleted for good", run: tokens),
        Check(name: "endpoints are scoped to their tenant and names are unique per tenant", run: endpointScoping),
        Check(name: "endpoint lists are newest first and paginate", run: endpointPagination),
        Check(name: "publish fans out to subscribed active and paused endpoints only", run: fanOut),
        Check(name: "idempotency keys dedup within a call, across calls, per tenant", run: idempotency),
        Check(name: "publish signals due work after commit", run: publishSignals),
        Check(name: "claims lease oldest first, up to the limit, once", run: claims),
        Check(name: "an expired lease can be claimed again and fences the old holder", run: leaseExpiry),
        Check(name: "claims never lease more than maxInFlight of an endpoint at once", run: maxInFlight),
        Check(name: "an endpoint's own timeout lengthens its leases to cover its requests", run: leasesCoverTheEndpointsTimeout),
        Check(name: "records apply transitions and schedule retries", run: records),
        Check(name: "recording the same attempt twice applies it once", run: recordTwice),
        Check(name: "many records in one call apply each as alone, in order", run: recordsInOneCall),
        Check(name: "released leases are claimable at once", run: releases),
        Check(name: "paused endpoints hold their deliveries; resume releases them", run: pauseAndResume),
        Check(name: "a pause and a resume keep each delivery's own time: a retry's, and a lease's end", run: pauseKeepsDueTimes),
        Check(name: "410 disables the endpoint and holds its deliveries", run: goneDisables),
        Check(name: "410 holds every delivery of the endpoint, however many, and a resume releases them all", run: goneHoldsALargeBacklog),
        Check(name: "delivery filters and cursors", run: filters),
        Check(name: "actions on one delivery and in bulk", run: actions),
        Check(name: "bulk operations advance a chunk per transaction, each delivery once, per tenant", run: bulkOperations),
        Check(name: "a delivery under way is not resent or requeued until its attempt ends", run: actionsWaitForAnAttemptUnderWay),
        Check(name: "deleting an endpoint cancels its active deliveries, which nothing makes due again", run: deletion),
        Check(name: "due endpoints are reported with their earliest due time", run: dueEndpoints),
        Check(name: "a test event goes to its one endpoint only, whatever it subscribes to", run: testEvents),
        Check(name: "the backlog counts active deliveries by tenant, state and endpoint, and endpoints by condition", run: backlogCounts),
        Check(name: "activity counts attempts per minute and outcome, from a time on", run: activityCounts),
        Check(name: "endpoint activity counts attempts per endpoint and outcome, from a time on, per tenant", run: endpointActivityCounts),
        Check(name: "batches form by size, by time, or whichever comes first", run: batchFormation),
        Check(name: "lists are newest first across kinds: a batch among events' deliveries", run: batchesListNewestFirstAmongDeliveries),
        Check(name: "a batch is retried as a unit and its deliveries follow it", run: batchRetries),
        Check(name: "a 2xx listing failed events retries only those, in a later batch", run: batchPartialFailure),
        Check(name: "an expired batch lease gives the same batch again, fenced", run: batchLeaseExpiry),
        Check(name: "cancelling takes a delivery out of its batch; cancelling a batch takes the rest", run: batchCancel),
        Check(name: "a batch's events are read after its claim, without those cancelled since", run: batchReadAfterTheClaim),
        Check(name: "published events join an open batch, which a claim closes", run: batchesOpenAsEventsArePublished),
        Check(name: "a change of batch policy returns the open batches' deliveries to pending", run: batchPolicyChangeReturnsOpenBatches),
        Check(name: "concurrent publishes fill batches without losing or sharing a delivery", run: batchesFilledConcurrently),
        Check(name: "publishing while the batch policy changes leaves no delivery in a stale batch", run: batchPolicyChangedWhilePublishing),
        Check(name: "an endpoint deleted while events and messages are sent to it is left with nothing to send", run: endpointDeletedWhilePublishing),
        Check(name: "an ordered endpoint sends its oldest delivery alone, and a failing one holds back the rest", run: ordered),
        Check(name: "a failing endpoint cools down, then one probe decides; five days of failure disable it", run: health),
        Check(name: "a rate limit spaces an endpoint's claims, one request each, for every claimer at once", run: rateLimit),
        Check(name: "sessions are kept whole, per tenant", run: sessionsRoundTrip),
        Check(name: "session lists are most recently changed first, paginate, filter by failure and uid prefix, per tenant", run: sessionsList),
        Check(name: "session changes apply one at a time: concurrent firing loses nothing and makes nothing twice", run: sessionsChangeOneAtATime),
        Check(name: "a task's delivery finishes its instance with the result and cascades, in the record's transaction", run: taskRunsCascade),
        Check(name: "a task's delivery failing for good fails its instance; a replay makes a new delivery", run: taskRunsFail),
        Check(name: "unless cancels a run not yet sent; a run to no endpoint fails at once", run: taskRunsCancelAndMissingTargets),
        Check(name: "unless leaves a run under way alone; its answer finishes it", run: unlessLeavesARunUnderWayAlone),
        Check(name: "task deliveries are acted on through their instance; deleting their endpoint fails them", run: taskDeliveriesGuarded),
        Check(name: "a batching endpoint sends task runs one by one, never in a batch", run: taskRunsAtBatchingEndpoint),
        Check(name: "a message is stored whole, its transmissions in batches per backend", run: messagesStoredInBatches),
        Check(name: "a message's transmissions are read a page at a time, in the recipients' order, per tenant", run: transmissionPages),
        Check(name: "a message's batches retry only what failed and never send a transmission twice, not even one reported failed; reports roll it up", run: messageBatchesAreNeverSentTwice),
        Check(name: "reports go by the backend endpoint, not by its name", run: reportsFollowTheBackendNotItsName),
        Check(name: "an inbound message is published, and its subscriber's replies go back linked", run: inboundMessagesArePublishedAndRepliedTo),
        Check(name: "retention deletes what ended before the cut-off, whole, and keeps what is under way or changed since", run: retention),
        Check(name: "retention sweeps at once delete each event once, and leave none", run: retentionSweepsAtOnce),
    ]

    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// An endpoint for tests, with a fresh secret and a short retry schedule.
    public static func endpoint(
        _ id: String, tenant: String = Tenant.defaultID, types: [String] = ["*"], name: String? = nil,
        status: Endpoint.Status = .active, retry: RetryPolicy = .delays([10, 20])
    ) throws -> Endpoint {
        Endpoint(
            id: id, tenantID: tenant, name: name, url: "https://example.com/\(id)",
            eventTypes: try types.map { try EventTypePattern($0) }, secret: WebhookSecret.generate().description,
            retry: retry, status: status, createdAt: t0, updatedAt: t0
        )
    }

    static func event(_ type: String = "case.updated", key: String? = nil, idempotencyKey: String? = nil) throws -> NewEvent {
        try NewEvent(type: type, payload: .object(JSONObject(["n": .integer(1)])), idempotencyKey: idempotencyKey)
    }

    static func attempt(for claimed: ClaimedDelivery, outcome: Attempt.Outcome, status: Int?, at: Date) -> Attempt {
        Attempt(
            id: Identifier.make("att", now: at), deliveryID: claimed.deliveryID, tenantID: claimed.tenantID,
            startedAt: at, duration: 0.01, request: "POST https://example.com", responseStatus: status, responseHeaders: [],
            responseBody: status == nil ? nil : "", responseBodyTruncated: false, error: status == nil ? "timeout" : nil,
            outcome: outcome
        )
    }

    /// Records one attempt with the transition the state machine gives.
    static func record(
        _ store: any Store, _ claimed: ClaimedDelivery, endpoint: Endpoint, status: Int?, at: Date, token: Int64? = nil,
        failed: Set<String> = [], result: JSONObject? = nil
    ) async throws -> DeliveryStateMachine.Transition {
        let made = attemptRecord(claimed, endpoint: endpoint, status: status, at: at, token: token, failed: failed, result: result)
        try await store.record([made])
        return made.transition
    }

    /// One attempt's record with the transition the state machine gives, not yet written.
    public static func attemptRecord(
        _ claimed: ClaimedDelivery, endpoint: Endpoint, status: Int?, at: Date, token: Int64? = nil,
        failed: Set<String> = [], result: JSONObject? = nil
    ) -> AttemptRecord {
        let verdict = status.map { ResponseClassifier().classify(status: $0, headers: [], now: at) }
            ?? ResponseClassifier().classifyTransportError()
        let transition = DeliveryStateMachine.afterAttempt(
            claimed.progress, verdict: verdict, policy: endpoint.retry, startedAt: at, now: at, jitter: 0.5
        )
        var lease = claimed.lease
        if let token { lease.token = token }
        return AttemptRecord(
            endpointID: endpoint.id, lease: lease, attempt: attempt(for: claimed, outcome: verdict.outcome, status: status, at: at),
            transition: transition,
            batch: claimed.isBatch ? BatchOutcome(failedEventIDs: failed, retry: endpoint.retry, jitter: 0.5) : nil,
            task: claimed.task, taskResult: verdict.outcome == .succeeded ? (result ?? JSONObject()) : nil
        )
    }

    // MARK: Checks

    /// `/healthz` fails on a standing failure, so a working store must never report one.
    static func noStandingFailure(_ store: any Store) async throws {
        try await store.insertEndpoint(try endpoint("ep_a"))
        _ = try await publishSeries(store, count: 2)
        try expect(try await store.endpoint(tenantID: Tenant.defaultID, id: "ep_a") != nil, "the endpoint reads back")
        try expect(store.standingFailure == nil, "a working store reported \(String(describing: store.standingFailure))")
    }

    static func health(_ store: any Store) async throws {
        let ep = try endpoint("ep_a", retry: .delays([1, 1, 1, 1, 1]))
        try await store.insertEndpoint(ep)
        _ = try await publishSeries(store, count: 8)
        var now = t0.addingTimeInterval(10)
        let first = try await store.claim(endpointID: "ep_a", limit: 10, now: now, leaseUntil: now.addingTimeInterval(60))
        try expect(first.deliveries.count == 8, "healthy: as many as asked")
        for delivery in first.deliveries.prefix(EndpointHealth.failureThreshold) {
            _ = try await record(store, delivery, endpoint: ep, status: 503, at: now)
        }
        var health = try unwrap(try await store.endpoint(tenantID: Tenant.defaultID, id: "ep_a"), "endpoint").health
        let since = try unwrap(health.failingSince, "failing since").timeIntervalSince(now)
        try expect(health.failureStreak == 5 && abs(since) < 0.1, "five failures in a row: \(health)")
        let rest = try unwrap(health.cooldownUntil, "a cool-down").timeIntervalSince(now)
        try expect(abs(rest - 5) < 0.1, "the first cool-down is 5 s: \(rest)")
        // The ones still under way when it began add to the streak without lengthening it.
        _ = try await record(store, first.deliveries[5], endpoint: ep, status: 503, at: now.addingTimeInterval(0.5))
        health = try unwrap(try await store.endpoint(tenantID: Tenant.defaultID, id: "ep_a"), "endpoint").health
        try expect(health.failureStreak == 6 && health.cooldownLevel == 1, "no second cool-down: \(health)")
        _ = try await record(store, first.deliveries[6], endpoint: ep, status: 400, at: now.addingTimeInterval(0.5))
        _ = try await record(store, first.deliveries[7], endpoint: ep, status: 200, at: now.addingTimeInterval(0.6))
        health = try unwrap(try await store.endpoint(tenantID: Tenant.defaultID, id: "ep_a"), "endpoint").health
        try expect(health.failureStreak == 0 && health.cooldownUntil == nil, "a success ends it: \(health)")

        // Again, then the probe.
        now = now.addingTimeInterval(10)
        var claim = try await store.claim(endpointID: "ep_a", limit: 10, now: now, leaseUntil: now.addingTimeInterval(60))
        try expect(claim.deliveries.count == 6, "the six that failed are due again: \(claim.deliveries.count)")
        for delivery in claim.deliveries.prefix(5) { _ = try await record(store, delivery, endpoint: ep, status: 500, at: now) }
        try await store.release([claim.deliveries[5].lease])
        let cooledUntil = try unwrap(try await store.endpoint(tenantID: Tenant.defaultID, id: "ep_a")?.health.cooldownUntil, "cool-down")
        claim = try await store.claim(endpointID: "ep_a", limit: 10, now: now.addingTimeInterval(4), leaseUntil: now.addingTimeInterval(60))
        try expect(claim.deliveries.isEmpty && claim.nextDueAt == cooledUntil, "nothing while cooling down, until its end")
        let probeAt = cooledUntil
        claim = try await store.claim(endpointID: "ep_a", limit: 10, now: probeAt, leaseUntil: probeAt.addingTimeInterval(60))
        try expect(claim.deliveries.count == 1, "one probe: \(claim.deliveries.count)")
        try expect(try await store.claim(endpointID: "ep_a", limit: 10, now: probeAt, leaseUntil: probeAt.addingTimeInterval(60)).deliveries.isEmpty, "one at a time")
        let answeredProbe = try await store.claim(
            endpointID: "ep_a", limit: 10, now: probeAt, leaseUntil: probeAt.addingTimeInterval(60), answered: [claim.deliveries[0].lease]
        )
        try expect(answeredProbe.deliveries.isEmpty, "an answered probe still holds its slot until its outcome is recorded")
        _ = try await record(store, claim.deliveries[0], endpoint: ep, status: 500, at: probeAt)
        health = try unwrap(try await store.endpoint(tenantID: Tenant.defaultID, id: "ep_a"), "endpoint").health
        let secondRest = try unwrap(health.cooldownUntil, "cool-down").timeIntervalSince(probeAt)
        try expect(abs(secondRest - 10) < 0.1, "a failed probe doubles the rest: \(health)")
        let secondProbe = try unwrap(health.cooldownUntil, "cool-down")
        claim = try await store.claim(endpointID: "ep_a", limit: 10, now: secondProbe, leaseUntil: secondProbe.addingTimeInterval(60))
        try expect(claim.deliveries.count == 1, "one probe again")
        // Its success says the endpoint is due at once: the rest may flow, which no due time
        // of theirs says.
        let signals = store.signals()
        _ = try await record(store, claim.deliveries[0], endpoint: ep, status: 204, at: secondProbe)
        let recovered = await firstSignal(signals) { if case .due("ep_a", _) = $0 { true } else { false } }
        guard case .due(_, let dueAt)? = recovered, dueAt.timeIntervalSince(secondProbe) < 1 else {
            throw ConformanceFailure(message: "due at once: \(String(describing: recovered))")
        }
        claim = try await store.claim(endpointID: "ep_a", limit: 10, now: secondProbe.addingTimeInterval(2), leaseUntil: secondProbe.addingTimeInterval(60))
        try expect(claim.deliveries.count > 1, "the probe succeeded: the rest flows: \(claim.deliveries.count)")

        // Five days without a success disable the endpoint.
        let ep2 = try endpoint("ep_b", types: ["b.*"], retry: .delays([1, 1]))
        try await store.insertEndpoint(ep2)
        _ = try await store.publish([try event("b.x"), try event("b.y")], tenantID: Tenant.defaultID, now: t0)
        let sick = try await store.claim(endpointID: "ep_b", limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60))
        _ = try await record(store, sick.deliveries[0], endpoint: ep2, status: 500, at: t0)
        var endpoint = try unwrap(try await store.endpoint(tenantID: Tenant.defaultID, id: "ep_b"), "endpoint")
        try expect(endpoint.status == .active, "one failure is not enough")
        let fiveDays = t0.addingTimeInterval(EndpointHealth.disableAfter + 1)
        _ = try await record(store, sick.deliveries[1], endpoint: ep2, status: 500, at: fiveDays)
        endpoint = try unwrap(try await store.endpoint(tenantID: Tenant.defaultID, id: "ep_b"), "endpoint")
        try expect(endpoint.status == .disabled && endpoint.statusReason?.contains("5 days") == true, "disabled: \(endpoint.status) \(endpoint.statusReason ?? "")")
    }

    static func ordered(_ store: any Store) async throws {
        var ep = try endpoint("ep_a", retry: .delays([10]))
        ep.ordered = true
        ep.maxInFlight = 16
        try await store.insertEndpoint(ep)
        let ids = try await publishSeries(store, count: 3)
        let now = t0.addingTimeInterval(3)
        let lease = now.addingTimeInterval(60)
        var claim = try await store.claim(endpointID: "ep_a", limit: 10, now: now, leaseUntil: lease)
        try expect(claim.deliveries.map(\.deliveryID) == [ids[0]], "only the oldest, whatever the limit: \(claim.deliveries.count)")
        try expect(claim.nextDueAt == t0.addingTimeInterval(1), "the next is due, once the head is done: \(String(describing: claim.nextDueAt))")
        let head = claim.deliveries[0]
        try expect(try await store.claim(endpointID: "ep_a", limit: 10, now: now, leaseUntil: lease).deliveries.isEmpty, "nothing beside it")
        _ = try await record(store, head, endpoint: ep, status: 500, at: now)
        claim = try await store.claim(endpointID: "ep_a", limit: 10, now: now.addingTimeInterval(5), leaseUntil: lease)
        try expect(claim.deliveries.isEmpty, "the failing head holds back the others")
        let retryAt = try unwrap(claim.nextDueAt, "when the head is due again").timeIntervalSince(now)
        try expect(abs(retryAt - 10) < 1, "next due is the head's retry: \(retryAt)")
        let later = now.addingTimeInterval(11)
        claim = try await store.claim(endpointID: "ep_a", limit: 10, now: later, leaseUntil: later.addingTimeInterval(60))
        try expect(claim.deliveries.map(\.deliveryID) == [ids[0]], "the head again")
        _ = try await record(store, claim.deliveries[0], endpoint: ep, status: 200, at: later)
        claim = try await store.claim(endpointID: "ep_a", limit: 10, now: later, leaseUntil: later.addingTimeInterval(60))
        try expect(claim.deliveries.map(\.deliveryID) == [ids[1]], "then the next, in order")
    }

    static func tenants(_ store: any Store) async throws {
        try expect(try await store.tenant(id: Tenant.defaultID) != nil, "the default tenant exists")
        try await store.createTenant(Tenant(id: "acme", name: "Acme", createdAt: t0))
        try expect(try await store.tenant(id: "acme")?.name == "Acme", "a created tenant reads back")
        try await expectError(.conflict, "creating a tenant twice") {
            try await store.createTenant(Tenant(id: "acme", createdAt: t0))
        }
        try expect(try await store.tenant(id: "nobody") == nil, "a missing tenant is nil")
    }

    static func tokens(_ store: any Store) async throws {
        try await store.createTenant(Tenant(id: "acme", createdAt: t0))
        try await store.insertToken(APIToken(id: "tok_1", tenantID: "acme", hash: "h1", name: nil, createdAt: t0))
        try await store.insertToken(APIToken(id: "tok_2", tenantID: nil, hash: "h2", name: "ops", createdAt: t0))
        try expect(try await store.principal(tokenHash: "h1") == .tenant("acme"), "a tenant token")
        try expect(try await store.principal(tokenHash: "h2") == .admin, "a token without tenant is the admin")
        try expect(try await store.principal(tokenHash: "h3") == nil, "an unknown hash")

        // Listed per tenant, newest first; deleted by their tenant only, and then they open nothing.
        try await store.createTenant(Tenant(id: "beta", createdAt: t0))
        let later = APIToken(id: "tok_3", tenantID: "acme", hash: "h4", name: "ci", createdAt: t0.addingTimeInterval(1))
        try await store.insertToken(later)
        try await store.insertToken(APIToken(id: "tok_4", tenantID: "beta", hash: "h5", name: nil, createdAt: t0))
        let listed = try await store.tokens(tenantID: "acme")
        try expect(listed.map(\.id) == ["tok_3", "tok_1"] && listed[0] == later, "acme's tokens, newest first: \(listed.map(\.id))")
        try expect(try await store.deleteToken(tenantID: "beta", id: "tok_3") == nil, "another tenant's token is not found")
        try expect(try await store.principal(tokenHash: "h4") == .tenant("acme"), "and still opens its tenant")
        try expect(try await store.deleteToken(tenantID: "acme", id: "tok_3") == later, "deleted, and given back")
        try expect(try await store.principal(tokenHash: "h4") == nil, "a deleted token opens nothing")
        try expect(try await store.deleteToken(tenantID: "acme", id: "tok_3") == nil, "deleted once")
        try expect(try await store.tokens(tenantID: "acme").map(\.id) == ["tok_1"], "the rest stay")
        try expect(try await store.tokens(tenantID: "nobody").isEmpty, "an unknown tenant has none")

        try await store.setSetting("k", value: "1")
        try await store.setSetting("k", value: "2")
        try expect(try await store.setting("k") == "2", "settings are replaced")
        try expect(try await store.setSettingIfAbsent("first", value: "a") == "a", "an absent setting is stored")
        try expect(try await store.setSettingIfAbsent("first", value: "b") == "a", "a present one is kept and returned")
        try expect(try await store.setting("first") == "a", "and not replaced")
        // Nodes starting together: every one of them gets the one value that was stored.
        let winners = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<8 { group.addTask { try await store.setSettingIfAbsent("raced", value: "v\(i)") } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        try expect(winners.count == 1, "one value for all: \(winners)")
        try expect(try await store.setting("raced") == winners.first, "and it is the stored one")
    }

    static func endpointScoping(_ store: any Store) async throws {
        try await store.createTenant(Tenant(id: "acme", createdAt: t0))
        try await store.insertEndpoint(try endpoint("ep_a", name: "crm"))
        try await store.insertEndpoint(try endpoint("ep_b", tenant: "acme", name: "crm"))
        try await expectError(.conflict, "a second endpoint named crm in one tenant") {
            try await store.insertEndpoint(try endpoint("ep_c", name: "crm"))
        }
        try expect(try await store.endpoint(tenantID: "acme", id: "ep_a") == nil, "another tenant's endpoint is invisible")
        try expect(try await store.endpoint(tenantID: Tenant.defaultID, id: "ep_a")?.name == "crm", "own endpoint")
        var changed = try endpoint("ep_a", name: "crm2")
        changed.url = "https://example.org/new"
        try await store.updateEndpoint(changed)
        try expect(try await store.endpoint(tenantID: Tenant.defaultID, id: "ep_a")?.url == "https://example.org/new", "update")
        var foreign = changed
        foreign.tenantID = "acme"
        try await expectError(.notFound, "updating through another tenant") { try await store.updateEndpoint(foreign) }
        try await expectError(.notFound, "pausing through another tenant") {
            _ = try await store.setEndpointStatus(tenantID: "acme", id: "ep_a", status: .paused, reason: nil, now: t0)
        }
        try await expectError(.notFound, "deleting through another tenant") {
            try await store.deleteEndpoint(tenantID: "acme", id: "ep_a", now: t0)
        }
    }

    static func endpointPagination(_ store: any Store) async throws {
        var ids: [String] = []
        for i in 0..<5 {
            let id = Identifier.make("ep", now: t0.addingTimeInterval(Double(i)))
            ids.append(id)
            try await store.insertEndpoint(try endpoint(id))
        }
        let first = try await store.endpoints(tenantID: Tenant.defaultID, page: PageRequest(limit: 2))
        try expect(first.items.map(\.id) == [ids[4], ids[3]], "newest first")
        let second = try await store.endpoints(tenantID: Tenant.defaultID, page: PageRequest(limit: 2, cursor: first.nextCursor))
        try expect(second.items.map(\.id) == [ids[2], ids[1]], "second page")
        let third = try await store.endpoints(tenantID: Tenant.defaultID, page: PageRequest(limit: 2, cursor: second.nextCursor))
        try expect(third.items.map(\.id) == [ids[0]] && third.nextCursor == nil, "last page")
    }

    static func fanOut(_ store: any Store) async throws {
        try await store.createTenant(Tenant(id: "acme", createdAt: t0))
        try await store.insertEndpoint(try endpoint("ep_exact", types: ["case.updated"]))
        try await store.insertEndpoint(try endpoint("ep_prefix", types: ["case.*"]))
        try await store.insertEndpoint(try endpoint("ep_all", types: ["*"]))
        try await store.insertEndpoint(try endpoint("ep_other", types: ["form.*"]))
        try await store.insertEndpoint(try endpoint("ep_none", types: []))
        try await store.insertEndpoint(try endpoint("ep_foreign", tenant: "acme", types: ["*"]))
        try await store.insertEndpoint(try endpoint("ep_paused", types: ["*"]))
        _ = try await store.setEndpointStatus(tenantID: Tenant.defaultID, id: "ep_paused", status: .paused, reason: nil, now: t0)
        try await store.insertEndpoint(try endpoint("ep_disabled", types: ["*"]))
        _ = try await store.setEndpointStatus(tenantID: Tenant.defaultID, id: "ep_disabled", status: .disabled, reason: "x", now: t0)
        let published = try await store.publish([try event("case.updated")], tenantID: Tenant.defaultID, now: t0)
        try expect(published.count == 1 && published[0].deliveries == 4, "four deliveries, got \(published)")
        let deliveries = try await store.deliveries(
            tenantID: Tenant.defaultID, filter: DeliveryFilter(eventID: published[0].id), page: PageRequest(limit: 50)
        )
        try expect(
            Set(deliveries.items.map(\.endpointID)) == ["ep_exact", "ep_prefix", "ep_all", "ep_paused"],
            "subscribed active and paused endpoints: \(deliveries.items.map(\.endpointID))"
        )
        try expect(deliveries.items.allSatisfy { $0.state == .pending && $0.attemptCount == 0 }, "pending")
        let stored = try await store.event(tenantID: Tenant.defaultID, id: published[0].id)
        try expect(stored?.payload == Array(#"{"n":1}"#.utf8), "the payload is stored as published")
        try expect(try await store.event(tenantID: "acme", id: published[0].id) == nil, "events are scoped to their tenant")
    }

    static func idempotency(_ store: any Store) async throws {
        try await store.createTenant(Tenant(id: "acme", createdAt: t0))
        try await store.insertEndpoint(try endpoint("ep_all"))
        let first = try await store.publish(
            [try event(idempotencyKey: "k"), try event(idempotencyKey: "k"), try event()], tenantID: Tenant.defaultID, now: t0
        )
        try expect(first[1].id == first[0].id && first[1].duplicate && !first[0].duplicate, "dedup within a call")
        try expect(first[2].id != first[0].id, "no key, no dedup")
        let again = try await store.publish([try event(idempotencyKey: "k")], tenantID: Tenant.defaultID, now: t0)
        try expect(again[0].id == first[0].id && again[0].duplicate && again[0].deliveries == 0, "dedup across calls")
        let other = try await store.publish([try event(idempotencyKey: "k")], tenantID: "acme", now: t0)
        try expect(other[0].id != first[0].id && !other[0].duplicate, "keys are per tenant")
        let all = try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(), page: PageRequest(limit: 50))
        try expect(all.items.count == 2, "a duplicate stores no delivery: \(all.items.count)")
    }

    static func publishSignals(_ store: any Store) async throws {
        try await store.insertEndpoint(try endpoint("ep_a"))
        try await store.insertEndpoint(try endpoint("ep_p"))
        _ = try await store.setEndpointStatus(tenantID: Tenant.defaultID, id: "ep_p", status: .paused, reason: nil, now: t0)
        let signals = store.signals()
        _ = try await store.publish([try event()], tenantID: Tenant.defaultID, now: t0)
        // Signals of earlier commits (the pause) may still be on their way; look for the due one.
        let signal = await firstSignal(signals) { if case .due = $0 { true } else { false } }
        try expect(signal == .due(endpointID: "ep_a", at: t0), "a due signal for the active endpoint, got \(String(describing: signal))")
    }

    /// The first signal that matches, or nil if none comes within `timeout`.
    static func firstSignal(
        _ signals: AsyncStream<StoreSignal>, timeout: Duration = .seconds(10), where matches: @escaping @Sendable (StoreSignal) -> Bool
    ) async -> StoreSignal? {
        await withTaskGroup(of: StoreSignal?.self) { group in
            group.addTask {
                for await signal in signals where matches(signal) { return signal }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Publishes `count` events to one endpoint, a second apart, and returns their delivery ids, oldest first.
    static func publishSeries(_ store: any Store, count: Int, endpointID: String = "ep_a") async throws -> [String] {
        var ids: [String] = []
        for i in 0..<count {
            let at = t0.addingTimeInterval(Double(i))
            let published = try await store.publish([try event()], tenantID: Tenant.defaultID, now: at)
            let page = try await store.deliveries(
                tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: endpointID, eventID: published[0].id),
                page: PageRequest(limit: 5)
            )
            ids.append(contentsOf: page.items.map(\.id))
        }
        return ids
    }

    static func claims(_ store: any Store) async throws {
        try await store.insertEndpoint(try endpoint("ep_a"))
        let ids = try await publishSeries(store, count: 5)
        let now = t0.addingTimeInterval(10)
        let claim = try await store.claim(endpointID: "ep_a", limit: 3, now: now, leaseUntil: now.addingTimeInterval(60))
        try expect(claim.endpoint?.id == "ep_a", "the claim carries the endpoint")
        try expect(claim.deliveries.map(\.deliveryID) == Array(ids.prefix(3)), "oldest first, up to the limit")
        try expect(claim.deliveries.allSatisfy { $0.events.map(\.type) == ["case.updated"] }, "with the event")
        let next = try await store.claim(endpointID: "ep_a", limit: 10, now: now, leaseUntil: now.addingTimeInterval(60))
        try expect(next.deliveries.map(\.deliveryID) == Array(ids.suffix(2)), "the rest, not the leased ones again")
        let none = try await store.claim(endpointID: "ep_a", limit: 10, now: now, leaseUntil: now.addingTimeInterval(60))
        try expect(none.deliveries.isEmpty, "nothing left while leased")
        try expect(none.nextDueAt == now.addingTimeInterval(60), "next due when the leases end: \(String(describing: none.nextDueAt))")
        let future = try await store.claim(endpointID: "ep_a", limit: 10, now: t0.addingTimeInterval(-1), leaseUntil: now)
        try expect(future.deliveries.isEmpty, "nothing is due before its time")
    }

    static func leasesCoverTheEndpointsTimeout(_ store: any Store) async throws {
        var slow = try endpoint("ep_a")
        slow.timeoutSeconds = 300
        try await store.insertEndpoint(slow)
        var quick = try endpoint("ep_b")
        quick.timeoutSeconds = 1
        try await store.insertEndpoint(quick)
        let read = try await store.endpoint(tenantID: Tenant.defaultID, id: "ep_a")
        try expect(read?.timeoutSeconds == 300, "the timeout is kept: \(String(describing: read?.timeoutSeconds))")
        _ = try await publishSeries(store, count: 1)
        let now = t0.addingTimeInterval(10)
        let engineLease = now.addingTimeInterval(60)
        for id in ["ep_a", "ep_b"] {
            let claimed = try await store.claim(endpointID: id, limit: 10, now: now, leaseUntil: engineLease)
            try expect(claimed.deliveries.count == 1, "\(id): claimed")
        }
        // Past the engine's lease: the 300 s endpoint's lease (2 × 300 + 30 s) still holds; the
        // 1 s endpoint's is the engine's, never shorter.
        let after = now.addingTimeInterval(61)
        let held = try await store.claim(endpointID: "ep_a", limit: 10, now: after, leaseUntil: after.addingTimeInterval(60))
        try expect(held.deliveries.isEmpty, "a request may take 300 s, twice: still leased")
        try expect(held.nextDueAt == now.addingTimeInterval(630), "due when that lease ends: \(String(describing: held.nextDueAt))")
        let early = try await store.claim(endpointID: "ep_b", limit: 10, now: now.addingTimeInterval(59), leaseUntil: after.addingTimeInterval(60))
        try expect(early.deliveries.isEmpty, "the engine's lease still holds for the quick endpoint")
        let freed = try await store.claim(endpointID: "ep_b", limit: 10, now: after, leaseUntil: after.addingTimeInterval(60))
        try expect(freed.deliveries.count == 1, "and ends when the engine's does")
        let ended = now.addingTimeInterval(631)
        let again = try await store.claim(endpointID: "ep_a", limit: 10, now: ended, leaseUntil: ended.addingTimeInterval(60))
        try expect(again.deliveries.count == 1, "taken again once the longer lease has ended")
    }

    static func maxInFlight(_ store: any Store) async throws {
        var ep = try endpoint("ep_a")
        ep.maxInFlight = 3
        try await store.insertEndpoint(ep)
        _ = try await publishSeries(store, count: 6)
        let now = t0.addingTimeInterval(10)
        let first = try await store.claim(endpointID: "ep_a", limit: 2, now: now, leaseUntil: now.addingTimeInterval(60))
        let second = try await store.claim(endpointID: "ep_a", limit: 10, now: now, leaseUntil: now.addingTimeInterval(60))
        try expect(first.deliveries.count == 2 && second.deliveries.count == 1, "3 in all: \(first.deliveries.count) + \(second.deliveries.count)")
        let full = try await store.claim(endpointID: "ep_a", limit: 10, now: now, leaseUntil: now.addingTimeInterval(60))
        try expect(full.deliveries.isEmpty && full.nextDueAt != nil, "no slot left, but work is waiting")
        // A recorded attempt frees its slot.
        _ = try await record(store, first.deliveries[0], endpoint: ep, status: 200, at: now)
        let freed = try await store.claim(endpointID: "ep_a", limit: 10, now: now, leaseUntil: now.addingTimeInterval(60))
        try expect(freed.deliveries.count == 1, "one slot freed: \(freed.deliveries.count)")
        // So does an answer not yet recorded, for the claimer that names it: nothing of it is at
        // the receiver. Named or not, the answered delivery itself is not claimed again.
        let answered = second.deliveries[0]
        let unnamed = try await store.claim(endpointID: "ep_a", limit: 10, now: now, leaseUntil: now.addingTimeInterval(60))
        try expect(unnamed.deliveries.isEmpty, "an answer still counts for a claimer that does not name it")
        var stale = answered.lease
        stale.token -= 1
        let staleNamed = try await store.claim(
            endpointID: "ep_a", limit: 10, now: now, leaseUntil: now.addingTimeInterval(60), answered: [stale]
        )
        try expect(staleNamed.deliveries.isEmpty, "a lease that is no longer the delivery's current one still counts")
        let named = try await store.claim(
            endpointID: "ep_a", limit: 10, now: now, leaseUntil: now.addingTimeInterval(60),
            answered: [answered.lease, Lease(deliveryID: "dlv_unknown", token: 1)]
        )
        try expect(named.deliveries.count == 1 && named.deliveries[0].deliveryID != answered.deliveryID, "its slot is free for the claimer that names it")
        // So does a lease that ran out.
        let later = now.addingTimeInterval(61)
        let expired = try await store.claim(endpointID: "ep_a", limit: 10, now: later, leaseUntil: later.addingTimeInterval(60))
        try expect(expired.deliveries.count == 3, "every slot is free once the leases end: \(expired.deliveries.count)")
    }

    static func leaseExpiry(_ store: any Store) async throws {
        let ep = try endpoint("ep_a")
        try await store.insertEndpoint(ep)
        _ = try await publishSeries(store, count: 1)
        let now = t0.addingTimeInterval(10)
        let first = try await store.claim(endpointID: "ep_a", limit: 1, now: now, leaseUntil: now.addingTimeInterval(30))
        let later = now.addingTimeInterval(31)
        let second = try await store.claim(endpointID: "ep_a", limit: 1, now: later, leaseUntil: later.addingTimeInterval(30))
        try expect(second.deliveries.count == 1, "claimable again once the lease ran out")
        let old = try unwrap(first.deliveries.first, "first claim")
        let new = try unwrap(second.deliveries.first, "second claim")
        try expect(new.leaseToken > old.leaseToken, "a new fencing token")
        // The old holder finishes late with a failure: its attempt is kept, its transition is not.
        _ = try await record(store, old, endpoint: ep, status: 500, at: later.addingTimeInterval(1))
        var delivery = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: new.deliveryID), "delivery")
        try expect(delivery.state == .pending && delivery.attemptCount == 1, "fenced: \(delivery.state) \(delivery.attemptCount)")
        // The new holder's success applies.
        _ = try await record(store, new, endpoint: ep, status: 200, at: later.addingTimeInterval(2))
        delivery = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: new.deliveryID), "delivery")
        try expect(delivery.state == .succeeded && delivery.attemptCount == 2, "the current holder records")
        let attempts = try await store.attempts(tenantID: Tenant.defaultID, deliveryID: new.deliveryID)
        try expect(attempts.map(\.outcome) == [.failed, .succeeded], "both attempts on record, oldest first")
        try expect(try await store.attempts(tenantID: "other", deliveryID: new.deliveryID).isEmpty, "attempts are scoped")
    }

    static func records(_ store: any Store) async throws {
        let ep = try endpoint("ep_a", retry: .delays([10, 20]))
        try await store.insertEndpoint(ep)
        let ids = try await publishSeries(store, count: 1)
        var now = t0.addingTimeInterval(5)
        for (status, expected) in [(503, DeliveryState.retrying), (500, .retrying), (500, .exhausted)] {
            let claim = try await store.claim(endpointID: "ep_a", limit: 1, now: now, leaseUntil: now.addingTimeInterval(60))
            let claimed = try unwrap(claim.deliveries.first, "claim at \(now)")
            let transition = try await record(store, claimed, endpoint: ep, status: status, at: now)
            let delivery = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: ids[0]), "delivery")
            try expect(delivery.state == expected, "after \(status): \(delivery.state)")
            try expect(delivery.nextAttemptAt == transition.nextAttemptAt, "next attempt stored")
            try expect(delivery.lastStatus == status, "last status")
            if let next = transition.nextAttemptAt {
                let early = try await store.claim(endpointID: "ep_a", limit: 1, now: next.addingTimeInterval(-1), leaseUntil: next)
                try expect(early.deliveries.isEmpty, "not due before its retry time")
                now = next
            }
        }
        let delivery = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: ids[0]), "delivery")
        try expect(delivery.attemptCount == 3 && delivery.nextAttemptAt == nil, "exhausted after three attempts")
    }

    /// Endpoint `ep_a` (retries after 10 and 20 s) with `count` deliveries published a second
    /// apart from `t0`, and the oldest `claiming` of them claimed at `t0 + 5 s` for a minute.
    static func claimedSeries(
        _ store: any Store, count: Int, claiming: Int
    ) async throws -> (endpoint: Endpoint, ids: [String], now: Date, claim: Claim) {
        let ep = try endpoint("ep_a", retry: .delays([10, 20]))
        try await store.insertEndpoint(ep)
        let ids = try await publishSeries(store, count: count)
        let now = t0.addingTimeInterval(5)
        let claim = try await store.claim(endpointID: "ep_a", limit: claiming, now: now, leaseUntil: now.addingTimeInterval(60))
        return (ep, ids, now, claim)
    }

    static func recordTwice(_ store: any Store) async throws {
        let (ep, ids, now, claim) = try await claimedSeries(store, count: 1, claiming: 1)
        let claimed = try unwrap(claim.deliveries.first, "claim")
        let transition = DeliveryStateMachine.afterAttempt(
            claimed.progress, verdict: .init(outcome: .failed), policy: ep.retry, startedAt: now, now: now, jitter: 0.5
        )
        let record = AttemptRecord(
            endpointID: "ep_a", lease: claimed.lease, attempt: attempt(for: claimed, outcome: .failed, status: 500, at: now),
            transition: transition
        )
        try await store.record([record])
        // The answer to the first write was lost; the recorder writes the same batch again.
        try await store.record([record])
        let delivery = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: ids[0]), "delivery")
        try expect(delivery.attemptCount == 1, "counted once: \(delivery.attemptCount)")
        let attempts = try await store.attempts(tenantID: Tenant.defaultID, deliveryID: ids[0])
        try expect(attempts.count == 1, "kept once: \(attempts.count)")
    }

    /// The engine writes records by the hundred in one call: each must come out as if written
    /// alone, in the call's order. Among them a success, a retry, a transport error (no status,
    /// no body), a body that JSON must escape, an attempt already on record, a fenced holder,
    /// and one delivery recorded twice.
    static func recordsInOneCall(_ store: any Store) async throws {
        let (ep, ids, now, claim) = try await claimedSeries(store, count: 6, claiming: 6)
        let claimed = Dictionary(uniqueKeysWithValues: claim.deliveries.map { ($0.deliveryID, $0) })
        let d = try ids.map { try unwrap(claimed[$0], "claimed \($0)") }
        let at = now.addingTimeInterval(1)
        var escaped = attemptRecord(d[0], endpoint: ep, status: 200, at: at)
        escaped.attempt.responseBody = "line\n\"quoted\" \\ é 🙂\u{1}"
        escaped.attempt.responseHeaders = [HeaderField(name: "x-note", value: "a \"b\"")]
        let retried = attemptRecord(d[1], endpoint: ep, status: 500, at: at)
        let transport = attemptRecord(d[2], endpoint: ep, status: nil, at: at)
        let already = attemptRecord(d[3], endpoint: ep, status: 503, at: at)
        try await store.record([already])
        let fenced = attemptRecord(d[4], endpoint: ep, status: 200, at: at, token: d[4].leaseToken - 1)
        let firstOfTwo = attemptRecord(d[5], endpoint: ep, status: 500, at: at)
        var secondOfTwo = attemptRecord(d[5], endpoint: ep, status: 200, at: at.addingTimeInterval(0.5))
        secondOfTwo.attempt.id = Identifier.make("att", now: at.addingTimeInterval(0.5))
        try await store.record([escaped, retried, transport, already, fenced, firstOfTwo, secondOfTwo])

        func stored(_ index: Int) async throws -> Delivery {
            try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: ids[index]), "delivery \(index)")
        }
        var delivery = try await stored(0)
        try expect(delivery.state == .succeeded && delivery.attemptCount == 1 && delivery.lastStatus == 200, "success: \(delivery)")
        let kept = try await store.attempts(tenantID: Tenant.defaultID, deliveryID: ids[0])
        try expect(kept.map(\.responseBody) == [escaped.attempt.responseBody], "the body as sent: \(kept.map(\.responseBody))")
        try expect(kept.map(\.responseHeaders) == [escaped.attempt.responseHeaders], "the headers as sent: \(kept.map(\.responseHeaders))")
        delivery = try await stored(1)
        try expect(delivery.state == .retrying && delivery.lastStatus == 500, "retry: \(delivery)")
        try expect(delivery.nextAttemptAt == retried.transition.nextAttemptAt && delivery.lastError != nil, "retry's time and error: \(delivery)")
        delivery = try await stored(2)
        try expect(delivery.state == .retrying && delivery.lastStatus == nil && delivery.attemptCount == 1, "transport error: \(delivery)")
        let transportAttempts = try await store.attempts(tenantID: Tenant.defaultID, deliveryID: ids[2])
        try expect(transportAttempts.map(\.error) == ["timeout"] && transportAttempts.map(\.responseBody) == [nil], "\(transportAttempts)")
        delivery = try await stored(3)
        try expect(delivery.attemptCount == 1, "counted once: \(delivery.attemptCount)")
        try expect(try await store.attempts(tenantID: Tenant.defaultID, deliveryID: ids[3]).count == 1, "kept once")
        delivery = try await stored(4)
        try expect(delivery.state == .pending && delivery.attemptCount == 1, "fenced: its attempt counts, its transition does not: \(delivery)")
        delivery = try await stored(5)
        try expect(delivery.state == .succeeded && delivery.attemptCount == 2 && delivery.lastStatus == 200, "twice, in order: \(delivery)")
        let both = try await store.attempts(tenantID: Tenant.defaultID, deliveryID: ids[5])
        try expect(both.map(\.outcome) == [.failed, .succeeded], "both attempts, oldest first: \(both.map(\.outcome))")
    }

    static func releases(_ store: any Store) async throws {
        try await store.insertEndpoint(try endpoint("ep_a"))
        _ = try await publishSeries(store, count: 2)
        let now = t0.addingTimeInterval(5)
        let claim = try await store.claim(endpointID: "ep_a", limit: 2, now: now, leaseUntil: now.addingTimeInterval(600))
        try await store.release(claim.deliveries.map(\.lease))
        let again = try await store.claim(endpointID: "ep_a", limit: 2, now: now, leaseUntil: now.addingTimeInterval(600))
        try expect(again.deliveries.count == 2, "released deliveries are due at once")
        // A stale token releases nothing.
        try await store.release(claim.deliveries.map(\.lease))
        let none = try await store.claim(endpointID: "ep_a", limit: 2, now: now, leaseUntil: now.addingTimeInterval(600))
        try expect(none.deliveries.isEmpty, "a release with an old token is ignored")
    }

    static func pauseAndResume(_ store: any Store) async throws {
        try await store.insertEndpoint(try endpoint("ep_a"))
        let ids = try await publishSeries(store, count: 3)
        let paused = try await store.setEndpointStatus(tenantID: Tenant.defaultID, id: "ep_a", status: .paused, reason: "maintenance", now: t0)
        try expect(paused.status == .paused && paused.statusReason == "maintenance", "paused with its reason")
        let again = try await store.setEndpointStatus(tenantID: Tenant.defaultID, id: "ep_a", status: .paused, reason: nil, now: t0)
        try expect(again.statusReason == "maintenance", "paused again without a reason, it keeps its own: \(String(describing: again.statusReason))")
        let retold = try await store.setEndpointStatus(tenantID: Tenant.defaultID, id: "ep_a", status: .paused, reason: "migration", now: t0)
        try expect(retold.statusReason == "migration", "paused again with one, it takes the new one")
        let later = t0.addingTimeInterval(86400)
        let held = try await store.claim(endpointID: "ep_a", limit: 10, now: later, leaseUntil: later.addingTimeInterval(60))
        try expect(held.endpoint == nil && held.deliveries.isEmpty, "a paused endpoint's deliveries are held")
        let due = try await store.dueEndpoints()
        try expect(!due.contains { $0.endpointID == "ep_a" }, "a paused endpoint has no due work")
        let signals = store.signals()
        _ = try await store.setEndpointStatus(tenantID: Tenant.defaultID, id: "ep_a", status: .active, reason: nil, now: later)
        let resumed = await firstSignal(signals) { if case .due("ep_a", _) = $0 { true } else { false } }
        try expect(resumed != nil, "resuming signals due work")
        let released = try await store.claim(endpointID: "ep_a", limit: 10, now: later, leaseUntil: later.addingTimeInterval(60))
        try expect(released.deliveries.map(\.deliveryID) == ids, "all held deliveries go at once, oldest first")
    }

    static func pauseKeepsDueTimes(_ store: any Store) async throws {
        let (ep, ids, now, claim) = try await claimedSeries(store, count: 3, claiming: 2)
        try expect(claim.deliveries.map(\.deliveryID) == Array(ids[..<2]), "the two oldest claimed")
        let transition = try await record(store, claim.deliveries[0], endpoint: ep, status: 500, at: now)
        try expect(transition.nextAttemptAt == now.addingTimeInterval(10), "the first retries in 10 s")
        _ = try await store.setEndpointStatus(tenantID: Tenant.defaultID, id: "ep_a", status: .paused, reason: nil, now: now)
        _ = try await store.setEndpointStatus(tenantID: Tenant.defaultID, id: "ep_a", status: .active, reason: nil, now: now.addingTimeInterval(1))
        let due = try await store.dueEndpoints().first { $0.endpointID == "ep_a" }
        try expect(due?.dueAt == t0.addingTimeInterval(2), "the third is due since it was published: \(String(describing: due))")
        var at = now.addingTimeInterval(1)
        var claimed = try await store.claim(endpointID: "ep_a", limit: 10, now: at, leaseUntil: at.addingTimeInterval(600))
        try expect(claimed.deliveries.map(\.deliveryID) == [ids[2]], "only the one whose time has come: \(claimed.deliveries.map(\.deliveryID))")
        at = now.addingTimeInterval(10)
        claimed = try await store.claim(endpointID: "ep_a", limit: 10, now: at, leaseUntil: at.addingTimeInterval(600))
        try expect(claimed.deliveries.map(\.deliveryID) == [ids[0]], "the retry at its time")
        at = now.addingTimeInterval(60)
        claimed = try await store.claim(endpointID: "ep_a", limit: 10, now: at, leaseUntil: at.addingTimeInterval(600))
        try expect(claimed.deliveries.map(\.deliveryID) == [ids[1]], "the leased one once its lease ends")
    }

    /// What an earlier version left of a paused endpoint's deliveries, no due time at all, made
    /// due again by the migration that lets a pause keep due times. `rewind` gets a closed
    /// store's file or database and must clear the due times of its active deliveries, and step
    /// its schema back to before that migration. One of the deliveries is under a lease when the
    /// store closes: `leasesOutliveTheStore` says whether it still is when the store opens again
    /// (SQLite, one node to a file, ends every lease at opening).
    public static func deliveriesHeldByAnEarlierVersion<S: Store>(
        leasesOutliveTheStore: Bool, open: () async throws -> S, close: (S) async -> Void, rewind: () async throws -> Void
    ) async throws {
        try await withClosing(try await open(), close: close) { store in
            try await store.insertEndpoint(try endpoint("ep_a"))
            _ = try await publishSeries(store, count: 3)
            let now = t0.addingTimeInterval(5)
            _ = try await store.claim(endpointID: "ep_a", limit: 1, now: now, leaseUntil: now.addingTimeInterval(60))
            _ = try await store.setEndpointStatus(tenantID: Tenant.defaultID, id: "ep_a", status: .paused, reason: nil, now: now)
        }
        try await rewind()
        try await withClosing(try await open(), close: close) { store in
            let now = t0.addingTimeInterval(6)
            _ = try await store.setEndpointStatus(tenantID: Tenant.defaultID, id: "ep_a", status: .active, reason: nil, now: now)
            let claim = try await store.claim(endpointID: "ep_a", limit: 10, now: now, leaseUntil: now.addingTimeInterval(600))
            guard leasesOutliveTheStore else {
                try expect(claim.deliveries.count == 3, "all three are due once resumed: \(claim.deliveries.count)")
                return
            }
            try expect(claim.deliveries.count == 2, "the two not under a lease are due once resumed: \(claim.deliveries.count)")
            let later = t0.addingTimeInterval(65)
            let leased = try await store.claim(endpointID: "ep_a", limit: 10, now: later, leaseUntil: later.addingTimeInterval(600))
            try expect(leased.deliveries.count == 1, "the leased one once its lease ends: \(leased.deliveries.count)")
        }
    }

    static func goneDisables(_ store: any Store) async throws {
        let ep = try endpoint("ep_a")
        try await store.insertEndpoint(ep)
        let ids = try await publishSeries(store, count: 2)
        let now = t0.addingTimeInterval(5)
        let claim = try await store.claim(endpointID: "ep_a", limit: 1, now: now, leaseUntil: now.addingTimeInterval(60))
        let transition = try await record(store, try unwrap(claim.deliveries.first, "claim"), endpoint: ep, status: 410, at: now)
        try expect(transition.disableEndpointReason != nil, "410 asks to disable")
        let disabled = try unwrap(try await store.endpoint(tenantID: Tenant.defaultID, id: "ep_a"), "endpoint")
        try expect(disabled.status == .disabled && disabled.statusReason != nil, "disabled with a reason")
        let held = try await store.claim(endpointID: "ep_a", limit: 10, now: now.addingTimeInterval(3600), leaseUntil: now.addingTimeInterval(3700))
        try expect(held.deliveries.isEmpty, "held while disabled")
        let first = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: ids[0]), "delivery")
        try expect(first.state == .retrying, "not lost: \(first.state)")
        let published = try await store.publish([try event()], tenantID: Tenant.defaultID, now: now)
        try expect(published[0].deliveries == 0, "a disabled endpoint takes no new events")
        _ = try await store.setEndpointStatus(tenantID: Tenant.defaultID, id: "ep_a", status: .active, reason: nil, now: now)
        let resumed = try await store.claim(endpointID: "ep_a", limit: 10, now: now.addingTimeInterval(1), leaseUntil: now.addingTimeInterval(60))
        try expect(resumed.deliveries.map(\.deliveryID) == ids, "both go once resumed")
    }

    static func goneHoldsALargeBacklog(_ store: any Store) async throws {
        // Enough that holding them one by one would show, and room to claim them all.
        let count = 6_000
        var ep = try endpoint("ep_a")
        ep.maxInFlight = count
        try await store.insertEndpoint(ep)
        try await store.insertEndpoint(try endpoint("ep_b"))
        _ = try await store.publish((0..<count).map { _ in try event() }, tenantID: Tenant.defaultID, now: t0)
        let now = t0.addingTimeInterval(5)
        let claim = try await store.claim(endpointID: "ep_a", limit: 1, now: now, leaseUntil: now.addingTimeInterval(60))
        _ = try await record(store, try unwrap(claim.deliveries.first, "claim"), endpoint: ep, status: 410, at: now)
        let due = try await store.dueEndpoints()
        try expect(!due.contains { $0.endpointID == "ep_a" }, "nothing of the disabled endpoint is due: \(due)")
        try expect(due.contains { $0.endpointID == "ep_b" }, "another endpoint's work is untouched")
        let active = try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: "ep_a", state: .pending))
            + (try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: "ep_a", state: .retrying)))
        try expect(active == count, "held, not lost: \(active)")
        _ = try await store.setEndpointStatus(tenantID: Tenant.defaultID, id: "ep_a", status: .active, reason: nil, now: now)
        try expect(try await store.dueEndpoints().contains { $0.endpointID == "ep_a" }, "due again once resumed")
        var claimed = 0
        while true {
            let next = try await store.claim(endpointID: "ep_a", limit: 500, now: now.addingTimeInterval(3600), leaseUntil: now.addingTimeInterval(7200))
            if next.deliveries.isEmpty { break }
            claimed += next.deliveries.count
        }
        try expect(claimed == count, "every one released: \(claimed)")
    }

    static func filters(_ store: any Store) async throws {
        try await store.insertEndpoint(try endpoint("ep_a", types: ["a.*"]))
        try await store.insertEndpoint(try endpoint("ep_b", types: ["*"]))
        var eventIDs: [String] = []
        for i in 0..<4 {
            let at = t0.addingTimeInterval(Double(i) * 60)
            let published = try await store.publish([try event("a.x")], tenantID: Tenant.defaultID, now: at)
            eventIDs.append(published[0].id)
        }
        let all = try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(), page: PageRequest(limit: 50))
        try expect(all.items.count == 8, "eight deliveries")
        try expect(all.items.map(\.id) == all.items.map(\.id).sorted(by: >), "newest first")
        let onlyA = try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: "ep_a"), page: PageRequest(limit: 50))
        try expect(onlyA.items.count == 4 && onlyA.items.allSatisfy { $0.endpointID == "ep_a" }, "by endpoint")
        let byEvent = try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(eventID: eventIDs[2]), page: PageRequest(limit: 50))
        try expect(byEvent.items.count == 2, "by event")
        let since = try await store.deliveries(
            tenantID: Tenant.defaultID, filter: DeliveryFilter(since: t0.addingTimeInterval(120)), page: PageRequest(limit: 50)
        )
        try expect(Set(since.items.map(\.eventID)) == Set(eventIDs.suffix(2)), "since")
        let until = try await store.deliveries(
            tenantID: Tenant.defaultID, filter: DeliveryFilter(until: t0.addingTimeInterval(60)), page: PageRequest(limit: 50)
        )
        try expect(Set(until.items.map(\.eventID)) == [eventIDs[0]], "until")
        let pending = try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(state: .pending), page: PageRequest(limit: 50))
        try expect(pending.items.count == 8, "by state")
        try expect(try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(state: .pending)) == 8, "count by state")
        try expect(try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: "ep_a")) == 4, "count by endpoint")
        try expect(try await store.countDeliveries(tenantID: "other", filter: DeliveryFilter()) == 0, "counts are scoped")
        let succeeded = try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(state: .succeeded), page: PageRequest(limit: 50))
        try expect(succeeded.items.isEmpty, "by another state")
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(), page: PageRequest(limit: 3, cursor: cursor))
            seen += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        try expect(seen == all.items.map(\.id), "cursors walk every delivery once")
        let foreign = try await store.deliveries(tenantID: "other", filter: DeliveryFilter(), page: PageRequest(limit: 50))
        try expect(foreign.items.isEmpty, "scoped to the tenant")

        // By the event's type and key (ep_b alone takes b.y).
        let keyed = try await store.publish(
            [try NewEvent(type: "b.y", key: "case-7", payload: .null)], tenantID: Tenant.defaultID, now: t0.addingTimeInterval(300)
        )
        let byType = try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(eventType: "a.x"), page: PageRequest(limit: 50))
        try expect(byType.items.count == 8, "by event type: \(byType.items.count)")
        let byKey = try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(eventKey: "case-7"), page: PageRequest(limit: 50))
        try expect(byKey.items.map(\.eventID) == [keyed[0].id], "by event key")
        try expect(
            try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: "ep_b", eventType: "b.y")) == 1,
            "type and endpoint together"
        )
        try expect(try await store.countDeliveries(tenantID: "other", filter: DeliveryFilter(eventKey: "case-7")) == 0, "key scoped")

        // By the state it ended in: succeeded (which the SQLite store's index of states leaves
        // out) and rejected (which it holds), each found and counted, and the rest still pending.
        let epA = try endpoint("ep_a", types: ["a.*"])
        let now = t0.addingTimeInterval(600)
        let ended = try await store.claim(endpointID: "ep_a", limit: 2, now: now, leaseUntil: now.addingTimeInterval(60)).deliveries
        try expect(ended.count == 2, "two claimed to end: \(ended.count)")
        _ = try await record(store, ended[0], endpoint: epA, status: 204, at: now)
        _ = try await record(store, ended[1], endpoint: epA, status: 400, at: now)
        for (state, delivery) in [(DeliveryState.succeeded, ended[0]), (.rejected, ended[1])] {
            let found = try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(state: state), page: PageRequest(limit: 50))
            try expect(found.items.map(\.id) == [delivery.deliveryID], "by state \(state): \(found.items.map(\.id))")
            try expect(try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(state: state)) == 1, "count by \(state)")
            let withEndpoint = DeliveryFilter(endpointID: "ep_a", state: state)
            try expect(try await store.countDeliveries(tenantID: Tenant.defaultID, filter: withEndpoint) == 1, "by endpoint and \(state)")
            try expect(try await store.countDeliveries(tenantID: "other", filter: DeliveryFilter(state: state)) == 0, "\(state) scoped")
        }
        try expect(try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(state: .pending)) == 7, "the rest pending")
    }

    static func actions(_ store: any Store) async throws {
        let ep = try endpoint("ep_a", retry: .delays([]))
        try await store.insertEndpoint(ep)
        let ids = try await publishSeries(store, count: 3)
        let now = t0.addingTimeInterval(10)
        let claim = try await store.claim(endpointID: "ep_a", limit: 3, now: now, leaseUntil: now.addingTimeInterval(60))
        for claimed in claim.deliveries { _ = try await record(store, claimed, endpoint: ep, status: 500, at: now) }
        for id in ids {
            try expect(try await store.delivery(tenantID: Tenant.defaultID, id: id)?.state == .exhausted, "exhausted")
        }
        let record = try unwrap(try await store.deliveryWithAttempts(tenantID: Tenant.defaultID, id: ids[0]), "read together")
        try expect(record.delivery == (try await store.delivery(tenantID: Tenant.defaultID, id: ids[0])), "the same delivery")
        try expect(
            record.attempts == (try await store.attempts(tenantID: Tenant.defaultID, deliveryID: ids[0])) && record.attempts.count == 1,
            "with its attempts: \(record.attempts.count)"
        )
        try expect(try await store.deliveryWithAttempts(tenantID: "other", id: ids[0]) == nil, "not another tenant's")
        try await expectError(.conflict, "cancelling an exhausted delivery") {
            _ = try await store.apply(.cancel, tenantID: Tenant.defaultID, deliveryID: ids[0], now: now)
        }
        try await expectError(.notFound, "acting on another tenant's delivery") {
            _ = try await store.apply(.requeue, tenantID: "other", deliveryID: ids[0], now: now)
        }
        let requeued = try await store.apply(.requeue, tenantID: Tenant.defaultID, deliveryID: ids[0], now: now)
        try expect(requeued.state == .pending && requeued.nextAttemptAt == now, "requeued: \(requeued.state)")
        let bulk = try await store.apply(.requeue, tenantID: Tenant.defaultID, filter: DeliveryFilter(endpointID: "ep_a"), now: now)
        try expect(bulk == BulkResult(matched: 3, changed: 2), "bulk requeue changes the two still exhausted: \(bulk)")
        for id in ids.dropFirst() {
            let delivery = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: id), "requeued in bulk")
            try expect(
                delivery.state == .pending && delivery.nextAttemptAt == now && delivery.budget == requeued.budget,
                "requeued in bulk as one by one: \(delivery.state) \(String(describing: delivery.nextAttemptAt)) \(delivery.budget)"
            )
        }
        let due = try await store.claim(endpointID: "ep_a", limit: 10, now: now, leaseUntil: now.addingTimeInterval(60))
        try expect(due.deliveries.count == 3, "all three due again: \(due.deliveries.count)")
        for claimed in due.deliveries { try await store.release([claimed.lease]) }
        let cancelled = try await store.apply(.cancel, tenantID: Tenant.defaultID, filter: DeliveryFilter(state: .pending), now: now)
        try expect(cancelled == BulkResult(matched: 3, changed: 3), "bulk cancel: \(cancelled)")
        let none = try await store.claim(endpointID: "ep_a", limit: 10, now: now, leaseUntil: now.addingTimeInterval(60))
        try expect(none.deliveries.isEmpty, "cancelled deliveries are not sent")
        let resent = try await store.apply(.resend, tenantID: Tenant.defaultID, deliveryID: ids[1], now: now)
        try expect(resent.state == .pending && resent.budget.singleShot, "resend of a finished delivery is one attempt")
        let one = try await store.claim(endpointID: "ep_a", limit: 10, now: now, leaseUntil: now.addingTimeInterval(60))
        try expect(one.deliveries.map(\.deliveryID) == [ids[1]], "the resent delivery is due")
    }

    /// The record of an attempt under way would overwrite a resend's next attempt (with one
    /// slot, the resend was lost), or race a second request the resend let a claim make.
    static func actionsWaitForAnAttemptUnderWay(_ store: any Store) async throws {
        let ep = try endpoint("ep_a", retry: .delays([30]))
        try await store.insertEndpoint(ep)
        let ids = try await publishSeries(store, count: 2)
        let claim = try await store.claim(endpointID: "ep_a", limit: 1, now: t0, leaseUntil: t0.addingTimeInterval(60))
        let underWay = try unwrap(claim.deliveries.first, "one under way")
        let idle = try unwrap(ids.first { $0 != underWay.deliveryID }, "one waiting")
        try await expectError(.conflict, "resending a delivery under way") {
            _ = try await store.apply(.resend, tenantID: Tenant.defaultID, deliveryID: underWay.deliveryID, now: t0)
        }
        let bulk = try await store.apply(.resend, tenantID: Tenant.defaultID, filter: DeliveryFilter(), now: t0)
        try expect(bulk == BulkResult(matched: 2, changed: 1), "a bulk resend passes it by: \(bulk)")
        // A cancel is safe (the attempt's record never undoes it); a requeue then waits too.
        let cancelled = try await store.apply(.cancel, tenantID: Tenant.defaultID, deliveryID: underWay.deliveryID, now: t0)
        try expect(cancelled.state == .cancelled, "cancelled while under way")
        try await expectError(.conflict, "requeueing it while its attempt is under way") {
            _ = try await store.apply(.requeue, tenantID: Tenant.defaultID, deliveryID: underWay.deliveryID, now: t0)
        }
        _ = try await record(store, underWay, endpoint: ep, status: 200, at: t0.addingTimeInterval(1))
        try expect(try await store.delivery(tenantID: Tenant.defaultID, id: underWay.deliveryID)?.state == .cancelled, "its record left it cancelled")
        let requeued = try await store.apply(.requeue, tenantID: Tenant.defaultID, deliveryID: underWay.deliveryID, now: t0.addingTimeInterval(2))
        try expect(requeued.state == .pending, "once the attempt ended, it is requeued")
        try expect(try await store.apply(.resend, tenantID: Tenant.defaultID, deliveryID: idle, now: t0).state == .pending, "the other was never held")
        // A lease that ran out belongs to a worker that is gone: the delivery can be resent.
        let again = try await store.claim(endpointID: "ep_a", limit: 1, now: t0.addingTimeInterval(3), leaseUntil: t0.addingTimeInterval(63))
        let held = try unwrap(again.deliveries.first, "claimed again")
        let late = try await store.apply(.resend, tenantID: Tenant.defaultID, deliveryID: held.deliveryID, now: t0.addingTimeInterval(64))
        try expect(late.state == .pending, "resent once its lease ran out")
    }

    static func deletion(_ store: any Store) async throws {
        try await store.insertEndpoint(try endpoint("ep_a", name: "crm"))
        let ids = try await publishSeries(store, count: 2)
        try await store.deleteEndpoint(tenantID: Tenant.defaultID, id: "ep_a", now: t0)
        try expect(try await store.endpoint(tenantID: Tenant.defaultID, id: "ep_a") == nil, "gone")
        for id in ids {
            let delivery = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: id), "the record stays")
            try expect(delivery.state == .cancelled, "cancelled: \(delivery.state)")
        }
        // Nothing claims a deleted endpoint's work: a resend or requeue would leave the delivery
        // pending for good, so both are refused, alone and in bulk.
        for action in [DeliveryStateMachine.Action.resend, .requeue] {
            try await expectError(.conflict, "\(action) of a deleted endpoint's delivery") {
                _ = try await store.apply(action, tenantID: Tenant.defaultID, deliveryID: ids[0], now: t0)
            }
            let bulk = try await store.apply(action, tenantID: Tenant.defaultID, filter: DeliveryFilter(), now: t0)
            try expect(bulk == BulkResult(matched: 2, changed: 0), "bulk \(action) changes nothing: \(bulk)")
        }
        for id in ids {
            let delivery = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: id), "the record stays")
            try expect(delivery.state == .cancelled, "still cancelled: \(delivery.state)")
        }
        try expect(try await store.dueEndpoints().isEmpty, "nothing due")
        try await store.insertEndpoint(try endpoint("ep_b", name: "crm"))
        try await expectError(.notFound, "deleting twice") { try await store.deleteEndpoint(tenantID: Tenant.defaultID, id: "ep_a", now: t0) }
    }

    static func dueEndpoints(_ store: any Store) async throws {
        try await store.insertEndpoint(try endpoint("ep_a"))
        try await store.insertEndpoint(try endpoint("ep_b"))
        _ = try await publishSeries(store, count: 2)
        let due = try await store.dueEndpoints()
        try expect(Set(due.map(\.endpointID)) == ["ep_a", "ep_b"], "both endpoints have work")
        try expect(due.allSatisfy { $0.dueAt == t0 }, "due at the first publish: \(due)")
    }

    // MARK: Helpers

    static func testEvents(_ store: any Store) async throws {
        try await store.insertEndpoint(try endpoint("ep_a", types: ["case.*"]))
        try await store.insertEndpoint(try endpoint("ep_b", types: ["*"]))
        let delivery = try await store.sendTestEvent(tenantID: Tenant.defaultID, endpointID: "ep_a", now: t0)
        let stored = try unwrap(try await store.delivery(tenantID: Tenant.defaultID, id: delivery.id), "the delivery")
        try expect(stored.endpointID == "ep_a" && stored.state == .pending, "one pending delivery to it")
        let event = try unwrap(try await store.event(tenantID: Tenant.defaultID, id: try unwrap(stored.eventID, "its event")), "the event")
        try expect(event.type == "courier.test", "a courier.test event: \(event.type)")
        let all = try await store.deliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(), page: PageRequest())
        try expect(all.items.map(\.id) == [delivery.id], "and no other: \(all.items.map(\.endpointID))")
        let claimed = try await store.claim(endpointID: "ep_a", limit: 5, now: t0, leaseUntil: t0.addingTimeInterval(60))
        try expect(claimed.deliveries.map(\.deliveryID) == [delivery.id], "due at once")
        try await store.createTenant(Tenant(id: "acme", createdAt: t0))
        try await expectError(.notFound, "another tenant's endpoint") {
            _ = try await store.sendTestEvent(tenantID: "acme", endpointID: "ep_a", now: t0)
        }
    }

    static func backlogCounts(_ store: any Store) async throws {
        try await store.createTenant(Tenant(id: "acme", createdAt: t0))
        try await store.insertEndpoint(try endpoint("ep_a", retry: .delays([10])))
        try await store.insertEndpoint(try endpoint("ep_p", types: ["held"], status: .paused))
        try await store.insertEndpoint(try endpoint("ep_x", tenant: "acme"))
        _ = try await publishSeries(store, count: 3)
        _ = try await store.publish([try event("held")], tenantID: Tenant.defaultID, now: t0)
        _ = try await store.publish([try event()], tenantID: "acme", now: t0)
        // ep_a has four (three, and the held one it subscribes to too); one fails and will be retried.
        // acme's only one is sent: its endpoint drops out.
        let claimed = try await claimOne(store, "ep_x", at: t0.addingTimeInterval(5))
        _ = try await record(store, claimed, endpoint: try endpoint("ep_x", tenant: "acme"), status: 200, at: t0.addingTimeInterval(5))
        let claim = try await store.claim(endpointID: "ep_a", limit: 1, now: t0.addingTimeInterval(5), leaseUntil: t0.addingTimeInterval(60))
        _ = try await record(store, try unwrap(claim.deliveries.first, "a claim"), endpoint: try endpoint("ep_a", retry: .delays([10])), status: 503, at: t0.addingTimeInterval(5))
        let backlog = try await store.backlog(now: t0.addingTimeInterval(5))
        let byState = Set(backlog.byState)
        try expect(byState == [
            .init(tenantID: Tenant.defaultID, key: "pending", count: 4), .init(tenantID: Tenant.defaultID, key: "retrying", count: 1),
        ], "by state: \(backlog.byState)")
        try expect(Set(backlog.byEndpoint) == [
            .init(tenantID: Tenant.defaultID, key: "ep_a", count: 4), .init(tenantID: Tenant.defaultID, key: "ep_p", count: 1),
        ], "by endpoint, the drained one absent: \(backlog.byEndpoint)")
        try expect(Set(backlog.endpoints) == [
            .init(tenantID: Tenant.defaultID, key: "active", count: 1), .init(tenantID: Tenant.defaultID, key: "paused", count: 1),
            .init(tenantID: "acme", key: "active", count: 1),
        ], "endpoints by condition: \(backlog.endpoints)")
    }

    static func activityCounts(_ store: any Store) async throws {
        let ep = try endpoint("ep_a", retry: .delays([1]))
        try await store.insertEndpoint(ep)
        _ = try await publishSeries(store, count: 3)
        // Two attempts in one minute (a success and a failure), one in the next.
        let first = t0.addingTimeInterval(5)
        let claim = try await store.claim(endpointID: "ep_a", limit: 3, now: first, leaseUntil: first.addingTimeInterval(60))
        try expect(claim.deliveries.count == 3, "three claimed")
        _ = try await record(store, claim.deliveries[0], endpoint: ep, status: 200, at: first)
        _ = try await record(store, claim.deliveries[1], endpoint: ep, status: 503, at: first.addingTimeInterval(1))
        _ = try await record(store, claim.deliveries[2], endpoint: ep, status: 200, at: first.addingTimeInterval(60))
        let minute = Date(timeIntervalSince1970: (first.timeIntervalSince1970 / 60).rounded(.down) * 60)
        let all = Set(try await store.activity(tenantID: Tenant.defaultID, since: t0))
        try expect(all == [
            ActivityCount(minute: minute, outcome: .succeeded, count: 1), ActivityCount(minute: minute, outcome: .failed, count: 1),
            ActivityCount(minute: minute.addingTimeInterval(60), outcome: .succeeded, count: 1),
        ], "per minute and outcome: \(all)")
        let later = try await store.activity(tenantID: Tenant.defaultID, since: first.addingTimeInterval(30))
        try expect(later == [ActivityCount(minute: minute.addingTimeInterval(60), outcome: .succeeded, count: 1)], "from a time on: \(later)")
        try await store.createTenant(Tenant(id: "acme", createdAt: t0))
        try expect(try await store.activity(tenantID: "acme", since: t0).isEmpty, "per tenant")
    }

    static func endpointActivityCounts(_ store: any Store) async throws {
        try await store.createTenant(Tenant(id: "acme", createdAt: t0))
        let a = try endpoint("ep_a"), b = try endpoint("ep_b"), x = try endpoint("ep_x", tenant: "acme")
        for ep in [a, b, x] { try await store.insertEndpoint(ep) }
        for i in 0..<3 { _ = try await store.publish([try event()], tenantID: Tenant.defaultID, now: t0.addingTimeInterval(Double(i))) }
        _ = try await store.publish([try event()], tenantID: "acme", now: t0)
        // One attempt before the window, which must not count.
        let since = t0.addingTimeInterval(30), at = t0.addingTimeInterval(60)
        let early = t0.addingTimeInterval(5)
        let first = try await store.claim(endpointID: "ep_b", limit: 1, now: early, leaseUntil: early.addingTimeInterval(60))
        _ = try await record(store, try unwrap(first.deliveries.first, "ep_b's first delivery"), endpoint: b, status: 200, at: early)
        let claimA = try await store.claim(endpointID: "ep_a", limit: 3, now: at, leaseUntil: at.addingTimeInterval(60))
        let claimB = try await store.claim(endpointID: "ep_b", limit: 3, now: at, leaseUntil: at.addingTimeInterval(60))
        try expect(claimA.deliveries.count == 3 && claimB.deliveries.count == 2, "claimed: \(claimA.deliveries.count), \(claimB.deliveries.count)")
        for (claimed, status) in zip(claimA.deliveries, [200, 503, 200]) { _ = try await record(store, claimed, endpoint: a, status: status, at: at) }
        for (claimed, status) in zip(claimB.deliveries, [400, 200]) { _ = try await record(store, claimed, endpoint: b, status: status, at: at) }
        _ = try await record(store, try await claimOne(store, "ep_x", at: at), endpoint: x, status: 200, at: at)
        let counts = Set(try await store.endpointActivity(tenantID: Tenant.defaultID, since: since))
        try expect(counts == [
            EndpointActivityCount(endpointID: "ep_a", outcome: .succeeded, count: 2),
            EndpointActivityCount(endpointID: "ep_a", outcome: .failed, count: 1),
            EndpointActivityCount(endpointID: "ep_b", outcome: .succeeded, count: 1),
            EndpointActivityCount(endpointID: "ep_b", outcome: .rejected, count: 1),
        ], "per endpoint and outcome, from a time on, this tenant's only: \(counts)")
        let acme = try await store.endpointActivity(tenantID: "acme", since: since)
        try expect(acme == [EndpointActivityCount(endpointID: "ep_x", outcome: .succeeded, count: 1)], "per tenant: \(acme)")
        let all = try await store.endpointActivity(tenantID: Tenant.defaultID, since: t0)
        try expect(all.first { $0.endpointID == "ep_b" && $0.outcome == .succeeded }?.count == 2, "from t0, the earlier attempt too: \(all)")
    }

    static func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw ConformanceFailure(message: message()) }
    }

    static func unwrap<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw ConformanceFailure(message: "\(what) is missing") }
        return value
    }

    static func expectError(_ kind: CourierError.Kind, _ what: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as CourierError where error.kind == kind {
            return
        } catch {
            throw ConformanceFailure(message: "\(what): expected a \(kind) error, got \(error)")
        }
        throw ConformanceFailure(message: "\(what): expected a \(kind) error, got none")
    }
}

/// A broken promise of a store.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
