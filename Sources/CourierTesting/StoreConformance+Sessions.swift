import Courier
import Foundation

/// Sessions, as every store must keep them: whole, per tenant, and changed one at a time.
extension StoreConformance {
    static func sessionsRoundTrip(_ store: any Store) async throws {
        try await store.createTenant(Tenant(id: "acme", createdAt: t0))
        try expect(try await store.session(tenantID: Tenant.defaultID, uid: "applicant:42") == nil, "no session before a change")
        let (made, effects) = try await store.changeSession(tenantID: Tenant.defaultID, uid: "applicant:42", now: t0) { session in
            session.finalizeTrigger = "done"
            var effects = session.configure([
                TaskConfig(name: "create", after: ["start", "observations"], run: "crm", withParams: JSONObject(["start": .object(JSONObject(["v": 1]))])),
            ], now: t0)
            effects += session.fire("start", kwargs: JSONObject(["n": .string("Zoë")]), now: t0)
            effects += session.fire("observations", now: t0)
            return effects
        }
        try expect(effects.count == 1, "the join ran once: \(effects)")
        let read = try unwrap(try await store.session(tenantID: Tenant.defaultID, uid: "applicant:42"), "the session")
        try expect(read == made, "read back whole: \(read.json) vs \(made.json)")
        try expect(read.instance("create#1")?.status == .scheduled, "its instance")
        try expect(try await store.session(tenantID: "acme", uid: "applicant:42") == nil, "scoped to its tenant")
    }

    static func sessionsChangeOneAtATime(_ store: any Store) async throws {
        let triggers = (0..<16).map { "t\($0)" }
        _ = try await store.changeSession(tenantID: Tenant.defaultID, uid: "s", now: t0) { session in
            session.configure([
                TaskConfig(name: "join", after: Set(triggers), run: "ep"),
                TaskConfig(name: "every", after: ["tick"], run: "ep", andEvery: "tick"),
            ], now: t0)
        }
        // Every trigger fired at once, each with a tick, from as many tasks.
        let runs = try await withThrowingTaskGroup(of: [String].self, returning: [String].self) { group in
            for trigger in triggers {
                group.addTask {
                    let (_, effects) = try await store.changeSession(tenantID: Tenant.defaultID, uid: "s", now: t0) { session in
                        session.fire(trigger, now: t0) + session.fire("tick", now: t0)
                    }
                    return effects.compactMap { if case .run(let instance, _, _, _) = $0 { instance } else { nil } }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let session = try unwrap(try await store.session(tenantID: Tenant.defaultID, uid: "s"), "the session")
        try expect(Set(session.fired.keys) == Set(triggers + ["tick"]), "no trigger lost: \(session.fired.keys)")
        try expect(runs.filter { $0.hasPrefix("join#") } == ["join#1"], "the join ran exactly once: \(runs)")
        let ticks = runs.filter { $0.hasPrefix("every#") }
        try expect(ticks.count == 16 && Set(ticks).count == 16, "one instance per tick, none twice: \(ticks)")
        try expect(session.instances.count == 17, "and nothing else: \(session.instances.map(\.name))")
    }
}
