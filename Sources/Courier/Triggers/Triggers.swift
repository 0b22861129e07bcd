import Foundation

/// The trigger engine's front door, for the HTTP API and for Swift applications alike: each
/// call is one atomic change of one session in the store, and the runs it starts are
/// deliveries that the ``DeliveryEngine`` sends (to endpoints, or to ``TaskHandlers`` in
/// process), whose outcomes come back to the session in the same transaction as their record.
///
/// ```swift
/// var handlers = TaskHandlers()
/// handlers.register("createApplicant") { call in ["applicantId": 42] }
/// let triggers = Triggers(store: store)
/// try await triggers.handlerEndpoint(named: "createApplicant")
/// try await triggers.configure("applicant:42", tasks: [
///     TaskConfig(name: "create", after: ["startSession", "observationsReceived"], run: "createApplicant"),
/// ])
/// try await triggers.fire("startSession", in: "applicant:42")
/// // ... with DeliveryEngine(store: store, handlers: handlers) running as a service.
/// ```
public struct Triggers: Sendable {
    public let store: any Store
    public let tenantID: String

    /// Session uids are free text (`applicant:42`), within reason.
    public static let maximumUIDLength = 512

    public init(store: any Store, tenantID: String = Tenant.defaultID) {
        self.store = store
        self.tenantID = tenantID
    }

    public func session(_ uid: String) async throws -> Session? {
        try Self.check(uid: uid)
        return try await store.session(tenantID: tenantID, uid: uid)
    }

    /// Adds task configs, replacing those of the same name; triggers that already fired count
    /// for them. `finalizeTrigger`, when given, sets (or with `.some(nil)`, clears) the trigger
    /// fired once nothing else is unresolved.
    @discardableResult
    public func configure(
        _ uid: String, tasks: [TaskConfig], finalizeTrigger: String?? = nil, now: Date = Date()
    ) async throws -> Session {
        try Self.check(uid: uid)
        if case .some(.some(let trigger)) = finalizeTrigger { try Self.check(trigger: trigger, field: "finalizeTrigger") }
        return try await store.changeSession(tenantID: tenantID, uid: uid, now: now) { session in
            if let finalizeTrigger { session.finalizeTrigger = finalizeTrigger }
            return session.configure(tasks, now: now)
        }
    }

    /// Fires `trigger` in session `uid`, with its kwargs.
    @discardableResult
    public func fire(_ trigger: String, in uid: String, kwargs: JSONObject = JSONObject(), now: Date = Date()) async throws -> Session {
        try Self.check(uid: uid)
        try Self.check(trigger: trigger, field: "name")
        return try await store.changeSession(tenantID: tenantID, uid: uid, now: now) { session in
            session.fire(trigger, kwargs: kwargs, now: now)
        }
    }

    /// Runs a failed instance again (see ``Session/replay(_:kwargs:now:)``); a conflict for any other.
    @discardableResult
    public func replay(_ instance: String, in uid: String, kwargs: JSONObject? = nil, now: Date = Date()) async throws -> Session {
        try await existing(uid, now: now) { session in try session.replay(instance, kwargs: kwargs, now: now) }
    }

    /// Gives up on a failed instance (see ``Session/skip(_:cascade:result:now:)``); a conflict for any other.
    @discardableResult
    public func skip(
        _ instance: String, in uid: String, cascade: Bool = false, result: JSONObject? = nil, now: Date = Date()
    ) async throws -> Session {
        try await existing(uid, now: now) { session in try session.skip(instance, cascade: cascade, result: result, now: now) }
    }

    /// The endpoint that runs the handler registered as `name` (see ``TaskHandlers``), made
    /// the first time: tasks name it in `run`. It subscribes to no events.
    @discardableResult
    public func handlerEndpoint(named name: String, retry: RetryPolicy = .standard, now: Date = Date()) async throws -> Endpoint {
        guard TaskConfig.isName(name) else { throw CourierError.invalid("\(name) is not a valid handler name", field: "name") }
        if let found = try await endpoint(named: name) { return found }
        let endpoint = Endpoint(
            id: Identifier.make("ep", now: now), tenantID: tenantID, name: name, description: "runs the task handler \(name)",
            url: TaskHandlers.url(for: name), eventTypes: [], secret: WebhookSecret.generate().description, retry: retry,
            createdAt: now, updatedAt: now
        )
        do {
            try await store.insertEndpoint(endpoint)
            return endpoint
        } catch let error as CourierError where error.kind == .conflict {
            // Made meanwhile by another process sharing the store.
            if let found = try await self.endpoint(named: name) { return found }
            throw error
        }
    }

    private func endpoint(named name: String) async throws -> Endpoint? {
        var page = PageRequest(limit: PageRequest.maximumLimit)
        while true {
            let endpoints = try await store.endpoints(tenantID: tenantID, page: page)
            if let found = endpoints.items.first(where: { $0.name == name }) { return found }
            guard let cursor = endpoints.nextCursor else { return nil }
            page.cursor = cursor
        }
    }

    /// A change to an instance needs its session: a missing one is not found, not made.
    private func existing(
        _ uid: String, now: Date, _ change: @escaping @Sendable (inout Session) throws -> [Session.Effect]
    ) async throws -> Session {
        guard try await session(uid) != nil else { throw CourierError.notFound("session") }
        return try await store.changeSession(tenantID: tenantID, uid: uid, now: now, change)
    }

    static func check(uid: String) throws(CourierError) {
        guard !uid.isEmpty, uid.utf8.count <= maximumUIDLength, !uid.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw .invalid("a session uid is 1 to \(maximumUIDLength) bytes without control characters", field: "uid")
        }
    }

    static func check(trigger: String, field: String) throws(CourierError) {
        guard TaskConfig.isName(trigger) else {
            throw .invalid("\(field): \(trigger) is not a valid trigger name (no spaces, # or /)", field: field)
        }
    }
}
