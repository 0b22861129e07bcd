import Courier
import Foundation

/// Sessions, as every store must keep them: whole, per tenant, changed one at a time, with
/// their runs as deliveries made and reported back in the same transactions.
extension StoreConformance {
    static let applicant = "applicant:42"

    /// Changes the default tenant's session `uid`.
    @discardableResult
    static func change(
        _ store: any Store, _ uid: String = applicant, at now: Date = t0,
        _ change: @escaping @Sendable (inout Session) throws -> [Session.Effect]
    ) async throws -> Session {
        try await store.changeSession(tenantID: Tenant.defaultID, uid: uid, now: now, change)
    }

    /// The deliveries that run tasks, oldest first.
    static func taskDeliveries(_ store: any Store, tenant: String = Tenant.defaultID) async throws -> [Delivery] {
        try await store.deliveries(tenantID: tenant, filter: DeliveryFilter(), page: PageRequest(limit: 500)).items
            .filter { $0.task != nil }.reversed()
    }

    static func claimOne(_ store: any Store, _ endpointID: String, at now: Date) async throws -> ClaimedDelivery {
        let claim = try await store.claim(endpointID: endpointID, limit: 10, now: now, leaseUntil: now.addingTimeInterval(60))
        try expect(claim.deliveries.count == 1, "one delivery claimed from \(endpointID) at \(now): \(claim.deliveries.map(\.deliveryID))")
        return claim.deliveries[0]
    }

    static func sessionsRoundTrip(_ store: any Store) async throws {
        try await store.createTenant(Tenant(id: "acme", createdAt: t0))
        try await store.insertEndpoint(try endpoint("ep_crm", types: [], name: "crm"))
        try expect(try await store.session(tenantID: Tenant.defaultID, uid: applicant) == nil, "no session before a change")
        let made = try await change(store) { session in
            session.finalizeTrigger = "done"
            var effects = session.configure([
                TaskConfig(name: "create", after: ["start", "observations"], run: "crm", withParams: JSONObject(["start": .object(JSONObject(["v": 1]))])),
            ], now: t0)
            effects += session.fire("start", kwargs: JSONObject(["n": .string("Zoë")]), now: t0)
            effects += session.fire("observations", now: t0)
            return effects
        }
        let read = try unwrap(try await store.session(tenantID: Tenant.defaultID, uid: applicant), "the session")
        try expect(read == made, "read back whole: \(read.json) vs \(made.json)")
        try expect(read.instance("create#1")?.status == .scheduled, "its instance is scheduled")
        try expect(try await store.session(tenantID: "acme", uid: applicant) == nil, "scoped to its tenant")

        let runs = try await taskDeliveries(store)
        try expect(runs.count == 1 && runs[0].endpointID == "ep_crm" && runs[0].state == .pending, "one run, pending: \(runs)")
        try expect(runs[0].task == TaskRef(session: applicant, instance: "create#1"), "it names its instance")
        let stored = try unwrap(try await store.event(tenantID: Tenant.defaultID, id: try unwrap(runs[0].eventID, "its event")), "the event")
        try expect(stored.type == Session.taskEventType, "a task event: \(stored.type)")
        let body = String(decoding: stored.payload, as: UTF8.self)
        try expect(
            body == #"{"session":"applicant:42","task":"create","instance":"create#1","kwargs":{"start":{"v":1,"n":"Zoë"},"observations":{}}}"#,
            "exactly the run's body: \(body)"
        )
        let claimed = try await claimOne(store, "ep_crm", at: t0)
        guard case .task(let carried, let ref) = claimed.content else { throw ConformanceFailure(message: "claimed as a task") }
        try expect(carried.id == stored.id && ref.instance == "create#1", "the claim carries the run")
        let fanOut = try await store.publish([try NewEvent(courierType: Session.taskEventType, payload: .null)], tenantID: Tenant.defaultID, now: t0)
        try expect(fanOut[0].deliveries == 0, "an endpoint that subscribes to nothing gets no published events")
    }

    static func sessionsChangeOneAtATime(_ store: any Store) async throws {
        try await store.insertEndpoint(try endpoint("ep_a", types: [], name: "ep"))
        let triggers = (0..<16).map { "t\($0)" }
        try await change(store, "s") { session in
            session.configure([
                TaskConfig(name: "join", after: Set(triggers), run: "ep"),
                TaskConfig(name: "every", after: ["tick"], run: "ep", andEvery: "tick"),
            ], now: t0)
        }
        // Every trigger fired at once, each with a tick, from as many tasks.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for trigger in triggers {
                group.addTask {
                    try await change(store, "s") { session in session.fire(trigger, now: t0) + session.fire("tick", now: t0) }
                }
            }
            try await group.waitForAll()
        }
        let session = try unwrap(try await store.session(tenantID: Tenant.defaultID, uid: "s"), "the session")
        try expect(Set(session.fired.keys) == Set(triggers + ["tick"]), "no trigger lost: \(session.fired.keys)")
        let runs = try await taskDeliveries(store).compactMap(\.task?.instance)
        try expect(runs.filter { $0.hasPrefix("join#") } == ["join#1"], "the join ran exactly once: \(runs)")
        let ticks = runs.filter { $0.hasPrefix("every#") }
        try expect(ticks.count == 16 && Set(ticks).count == 16, "one run per tick, none twice: \(ticks)")
        try expect(session.instances.count == 17, "and nothing else: \(session.instances.map(\.name))")
    }

    static func taskRunsCascade(_ store: any Store) async throws {
        let crm = try endpoint("ep_crm", types: [], name: "crm")
        try await store.insertEndpoint(crm)
        try await store.insertEndpoint(try endpoint("ep_score", types: [], name: "scorer"))
        try await change(store) { session in
            session.configure([
                TaskConfig(name: "create", after: ["start"], run: "crm"),
                TaskConfig(name: "score", after: ["create"], run: "ep_score"),
            ], now: t0) + session.fire("start", now: t0)
        }
        // A 503 first: the run has started, and is retried.
        let first = try await claimOne(store, "ep_crm", at: t0)
        let retry = try await record(store, first, endpoint: crm, status: 503, at: t0)
        var session = try unwrap(try await store.session(tenantID: Tenant.defaultID, uid: applicant), "the session")
        try expect(session.instance("create#1")?.status == .running, "running once a request was made")
        let next = try unwrap(retry.nextAttemptAt, "a retry")
        let second = try await claimOne(store, "ep_crm", at: next)
        _ = try await record(store, second, endpoint: crm, status: 200, at: next, result: JSONObject(["applicantId": 7]))
        session = try unwrap(try await store.session(tenantID: Tenant.defaultID, uid: applicant), "the session")
        try expect(session.instance("create#1")?.status == .finished, "finished")
        try expect(session.instance("create#1")?.result == JSONObject(["applicantId": 7]), "with the answer as its result")
        try expect(session.fired["create"] == .object(JSONObject(["applicantId": 7])), "which fired as the task's trigger")
        try expect(session.instance("score#1")?.status == .scheduled, "and scheduled the next task")
        let scoring = try await claimOne(store, "ep_score", at: next.addingTimeInterval(1))
        let body = String(decoding: scoring.events[0].payload, as: UTF8.self)
        try expect(body.contains(#""kwargs":{"create":{"applicantId":7}}"#), "the cascade's kwargs went with it: \(body)")
        // The same attempt recorded again (a retried record) changes nothing.
        try await store.record([AttemptRecord(
            endpointID: crm.id, lease: second.lease, attempt: attempt(for: second, outcome: .succeeded, status: 200, at: next),
            transition: DeliveryStateMachine.afterAttempt(
                second.progress, verdict: .init(outcome: .succeeded), policy: crm.retry, startedAt: next, now: next, jitter: 0
            ),
            task: second.task, taskResult: JSONObject(["applicantId": 8])
        )])
        session = try unwrap(try await store.session(tenantID: Tenant.defaultID, uid: applicant), "the session")
        try expect(session.instance("create#1")?.result == JSONObject(["applicantId": 7]), "a stale record does not finish it again")
        try expect(session.instances.count == 2, "nor cascade twice: \(session.instances.map(\.name))")
    }

    static func taskRunsFail(_ store: any Store) async throws {
        let crm = try endpoint("ep_crm", types: [], name: "crm", retry: .delays([]))
        try await store.insertEndpoint(crm)
        try await change(store) { session in
            session.configure([TaskConfig(name: "create", after: ["start"], run: "crm")], now: t0)
                + session.fire("start", kwargs: JSONObject(["a": 1]), now: t0)
        }
        let claimed = try await claimOne(store, "ep_crm", at: t0)
        _ = try await record(store, claimed, endpoint: crm, status: 500, at: t0)
        var session = try unwrap(try await store.session(tenantID: Tenant.defaultID, uid: applicant), "the session")
        let failed = try unwrap(session.instance("create#1"), "the instance")
        try expect(failed.status == .failed && failed.error == "HTTP 500", "failed with the reason: \(failed.status) \(failed.error ?? "-")")
        try expect(session.unresolvedTasks == ["create"], "a failed instance is unresolved")
        session = try await change(store) { session in
            try session.replay("create#1", kwargs: JSONObject(["start": .object(JSONObject(["a": 2]))]), now: t0)
        }
        try expect(session.instance("create#2")?.status == .scheduled, "the clone is scheduled")
        let runs = try await taskDeliveries(store)
        try expect(runs.map(\.task?.instance) == ["create#1", "create#2"], "the replay is a delivery of its own: \(runs)")
        try expect(runs[0].state == .exhausted, "the first stays on record as it ended: \(runs[0].state)")
        let again = try await claimOne(store, "ep_crm", at: t0)
        try expect(String(decoding: again.events[0].payload, as: UTF8.self).contains(#""kwargs":{"start":{"a":2}}"#), "with the new kwargs")
    }

    static func taskRunsCancelAndMissingTargets(_ store: any Store) async throws {
        try await store.insertEndpoint(try endpoint("ep_crm", types: [], name: "crm", status: .paused))
        try await change(store) { session in
            session.configure([
                TaskConfig(name: "remind", after: ["start"], run: "crm", unless: ["stop"]),
                TaskConfig(name: "lost", after: ["start"], run: "nowhere"),
            ], now: t0) + session.fire("start", now: t0)
        }
        var session = try unwrap(try await store.session(tenantID: Tenant.defaultID, uid: applicant), "the session")
        try expect(session.instance("lost#1")?.status == .failed, "a run to no endpoint fails at once")
        try expect(session.instance("lost#1")?.error?.contains("nowhere") == true, "saying which: \(session.instance("lost#1")?.error ?? "-")")
        try expect(try await taskDeliveries(store).map(\.state) == [.pending], "the other waits at its paused endpoint")
        session = try await change(store) { session in session.fire("stop", now: t0) }
        try expect(session.instance("remind#1")?.status == .abandoned, "unless abandons it")
        try expect(try await taskDeliveries(store).map(\.state) == [.cancelled], "and cancels its delivery")
        _ = try await store.setEndpointStatus(tenantID: Tenant.defaultID, id: "ep_crm", status: .active, reason: nil, now: t0)
        let claim = try await store.claim(endpointID: "ep_crm", limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60))
        try expect(claim.deliveries.isEmpty, "nothing is sent once resumed")
    }

    /// A run is sent from the moment its delivery is leased, before any record says so:
    /// `unless` then leaves it alone, and its answer finishes it and cascades.
    static func unlessLeavesARunUnderWayAlone(_ store: any Store) async throws {
        let crm = try endpoint("ep_crm", types: [], name: "crm")
        try await store.insertEndpoint(crm)
        try await change(store) { session in
            session.configure([
                TaskConfig(name: "remind", after: ["start"], run: "crm", unless: ["stop"]),
                TaskConfig(name: "follow", after: ["remind"], run: "crm"),
            ], now: t0) + session.fire("start", now: t0)
        }
        let sent = try await claimOne(store, "ep_crm", at: t0)
        var session = try await change(store) { session in session.fire("stop", now: t0) }
        try expect(session.instance("remind#1")?.status == .running, "a leased run is running: \(session.instance("remind#1")?.status as Any)")
        try expect(try await taskDeliveries(store).map(\.state) == [.pending], "and its delivery is not cancelled")
        _ = try await record(store, sent, endpoint: crm, status: 200, at: t0, result: JSONObject(["done": true]))
        session = try unwrap(try await store.session(tenantID: Tenant.defaultID, uid: applicant), "the session")
        try expect(session.instance("remind#1")?.status == .finished, "its answer finishes it")
        try expect(session.instance("follow#1")?.status == .scheduled, "and cascades")
    }

    static func taskDeliveriesGuarded(_ store: any Store) async throws {
        try await store.insertEndpoint(try endpoint("ep_crm", types: [], name: "crm"))
        try await change(store) { session in
            session.configure([TaskConfig(name: "create", after: ["start"], run: "crm")], now: t0) + session.fire("start", now: t0)
        }
        let run = try unwrap(try await taskDeliveries(store).first, "the run")
        try await expectError(.conflict, "cancelling a task's delivery") {
            _ = try await store.apply(.cancel, tenantID: Tenant.defaultID, deliveryID: run.id, now: t0)
        }
        let bulk = try await store.apply(.cancel, tenantID: Tenant.defaultID, filter: DeliveryFilter(), now: t0)
        try expect(bulk.changed == 0, "bulk actions pass task deliveries by: \(bulk)")
        try await store.deleteEndpoint(tenantID: Tenant.defaultID, id: "ep_crm", now: t0)
        let session = try unwrap(try await store.session(tenantID: Tenant.defaultID, uid: applicant), "the session")
        try expect(session.instance("create#1")?.status == .failed, "deleting the endpoint fails the instance")
        try expect(try await taskDeliveries(store).map(\.state) == [.cancelled], "and cancels its delivery")
    }

    static func taskRunsAtBatchingEndpoint(_ store: any Store) async throws {
        var crm = try endpoint("ep_crm", types: ["*"], name: "crm")
        crm.batch = BatchPolicy(maxSize: 2)
        try await store.insertEndpoint(crm)
        _ = try await store.publish([try event(), try event()], tenantID: Tenant.defaultID, now: t0)
        try await change(store) { session in
            session.configure([TaskConfig(name: "create", after: ["start"], run: "crm")], now: t0) + session.fire("start", now: t0)
        }
        let claim = try await store.claim(endpointID: "ep_crm", limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60))
        var kinds: [String] = []
        for delivery in claim.deliveries {
            switch delivery.content {
            case .task: kinds.append("task")
            case .batch(let events): kinds.append("read batch of \(events.count)")
            case .unreadBatch: kinds.append("batch of \(try await batchEventIDs(store, delivery).count)")
            case .event: kinds.append("event")
            case .message: kinds.append("message")
            }
        }
        try expect(kinds.sorted() == ["batch of 2", "task"], "the run alone, the events batched: \(kinds)")
    }

    /// Sessions in their stored form, as a store kept them before it counted failed instances:
    /// `legacy:failed` (with a kwarg holding U+0000, which PostgreSQL's `jsonb` refuses) and
    /// `legacy:fine`. A store's migration test saves them under the schema before the count,
    /// migrates, and expects a list of the failed ones to find `legacy:failed` alone.
    public static func sessionsSavedBeforeTheFailedCount() throws -> [(uid: String, state: String)] {
        var failed = Session(uid: "legacy:failed")
        _ = failed.configure([TaskConfig(name: "t", after: ["go"], run: "crm")], now: t0)
        _ = failed.fire("go", kwargs: JSONObject(["note": .string("a\u{0}b")]), now: t0)
        _ = try failed.failed("t#1", error: "HTTP 500", now: t0)
        var fine = Session(uid: "legacy:fine")
        _ = fine.fire("go", now: t0)
        return [failed, fine].map { (uid: $0.uid, state: StoredForm.session($0)) }
    }

    static func sessionsList(_ store: any Store) async throws {
        try await store.createTenant(Tenant(id: "acme", createdAt: t0))
        let crm = try endpoint("ep_crm", types: [], name: "crm", retry: .delays([]))
        try await store.insertEndpoint(crm)
        let t = (0...7).map { t0.addingTimeInterval(Double($0)) }
        try await change(store, "a:1", at: t[0]) { session in
            session.configure([TaskConfig(name: "t", after: ["go"], run: "crm")], now: t[0]) + session.fire("go", now: t[0])
        }
        try await change(store, "a:2", at: t[1]) { session in
            session.configure([TaskConfig(name: "t", after: ["go"], run: "nowhere")], now: t[1]) + session.fire("go", now: t[1])
        }
        // Two changed at the same time: the uid decides, and a page boundary falls between them.
        try await change(store, "a:3", at: t[2]) { session in session.fire("go", now: t[2]) }
        try await change(store, "b:1", at: t[2]) { session in session.fire("go", now: t[2]) }
        // Failed, then skipped (which finalizes it): no longer failed, and changed later.
        try await change(store, "a:4", at: t[3]) { session in
            session.finalizeTrigger = "done"
            return session.configure([TaskConfig(name: "t", after: ["go"], run: "nowhere")], now: t[3]) + session.fire("go", now: t[3])
        }
        try await change(store, "a:4", at: t[4]) { session in try session.skip("t#1", cascade: false, result: nil, now: t[4]) }
        // Failed by its run's record, in the record's transaction.
        try await change(store, "a:5", at: t[5]) { session in
            session.configure([TaskConfig(name: "t", after: ["go"], run: "crm")], now: t[5]) + session.fire("go", now: t[5])
        }
        let runs = try await store.claim(endpointID: "ep_crm", limit: 10, now: t[6], leaseUntil: t0.addingTimeInterval(66)).deliveries
        let run = try unwrap(runs.first { $0.task?.session == "a:5" }, "a:5's run")
        _ = try await record(store, run, endpoint: crm, status: 500, at: t[6])
        try await store.release(runs.filter { $0.deliveryID != run.deliveryID }.map(\.lease))
        try await store.changeSession(tenantID: "acme", uid: "a:9", now: t[7]) { session in
            session.configure([TaskConfig(name: "t", after: ["go"], run: "nowhere")], now: t[7]) + session.fire("go", now: t[7])
        }

        /// Every page of a list, read by following its cursors.
        func pages(_ filter: SessionFilter = SessionFilter(), tenant: String = Tenant.defaultID, limit: Int) async throws -> [[SessionSummary]] {
            var pages: [[SessionSummary]] = []
            var request = PageRequest(limit: limit)
            repeat {
                let page = try await store.sessions(tenantID: tenant, filter: filter, page: request)
                pages.append(page.items)
                request.cursor = page.nextCursor
                try expect(pages.count <= 10, "a list that ends: \(pages.map { $0.map(\.uid) })")
            } while request.cursor != nil
            return pages
        }
        let order = ["a:5", "a:4", "b:1", "a:3", "a:2", "a:1"]
        let byThree = try await pages(limit: 3)
        try expect(byThree.map { $0.map(\.uid) } == [["a:5", "a:4", "b:1"], ["a:3", "a:2", "a:1"]], "most recently changed first, then by uid: \(byThree.map { $0.map(\.uid) })")
        let one = try await pages(limit: 1)
        try expect(one.map { $0.map(\.uid) } == order.map { [$0] }, "a page of one at a time gives each once, in order: \(one.map { $0.map(\.uid) })")
        let all = try await pages(limit: 50)
        try expect(all.count == 1 && all[0].map(\.uid) == order, "one page when it fits, with no cursor")

        let summaries = Dictionary(uniqueKeysWithValues: all[0].map { ($0.uid, $0) })
        let failed = try unwrap(summaries["a:5"], "a:5")
        try expect(failed.failed && failed.instanceCounts == [.failed: 1] && failed.taskCount == 1 && !failed.finalized, "a:5 failed: \(failed)")
        try expect(failed.updatedAt >= t[6] && failed.updatedAt < t[7], "changed when its run was recorded: \(failed.updatedAt)")
        let skipped = try unwrap(summaries["a:4"], "a:4")
        try expect(!skipped.failed && skipped.instanceCounts == [.skipped: 1] && skipped.finalized, "a:4 skipped and finalized: \(skipped)")
        try expect(skipped.updatedAt == t[4], "changed at its skip: \(skipped.updatedAt)")
        try expect(summaries["a:1"]?.instanceCounts == [.scheduled: 1] && summaries["a:1"]?.failed == false, "a:1 scheduled: \(String(describing: summaries["a:1"]))")
        try expect(summaries["b:1"]?.taskCount == 0 && summaries["b:1"]?.instanceCounts == [:], "b:1 has nothing: \(String(describing: summaries["b:1"]))")

        let failedOnly = try await pages(SessionFilter(failedOnly: true), limit: 1)
        try expect(failedOnly.map { $0.map(\.uid) } == [["a:5"], ["a:2"]], "only what failed and was not skipped: \(failedOnly.map { $0.map(\.uid) })")
        let prefixed = try await pages(SessionFilter(uidPrefix: "a:"), limit: 50)
        try expect(prefixed.flatMap { $0.map(\.uid) } == ["a:5", "a:4", "a:3", "a:2", "a:1"], "by uid prefix: \(prefixed)")
        let both = try await pages(SessionFilter(failedOnly: true, uidPrefix: "a:2"), limit: 50)
        try expect(both.flatMap { $0.map(\.uid) } == ["a:2"], "both filters at once: \(both)")
        for pattern in ["a%", "_:1", "A:"] {
            let none = try await pages(SessionFilter(uidPrefix: pattern), limit: 50)
            try expect(none.flatMap { $0 }.isEmpty, "a prefix is text, not a pattern, and case counts: \(pattern) → \(none)")
        }

        let acme = try await pages(tenant: "acme", limit: 50).flatMap { $0.map(\.uid) }
        try expect(acme == ["a:9"], "each tenant sees its own: \(acme)")
        let acmeFailed = try await pages(SessionFilter(failedOnly: true), tenant: "acme", limit: 50).flatMap { $0.map(\.uid) }
        try expect(acmeFailed == ["a:9"], "failed, in its own tenant: \(acmeFailed)")
        try await expectError(.invalid, "a cursor no list gave out") {
            _ = try await store.sessions(tenantID: Tenant.defaultID, filter: SessionFilter(), page: PageRequest(cursor: "not a cursor"))
        }
    }
}
