import Foundation
import Metrics

/// The webhook side's front door, for the HTTP API, the dashboard and Swift applications
/// alike: an endpoint is checked the same way (its fields, and its URL against the
/// ``TargetGuard``) and an event is published and counted the same way, whoever does it.
///
/// Reads, and the actions on deliveries (resend, cancel, requeue, bulk), need no front door:
/// the ``Store`` answers them for a tenant, and its ``DeliveryStateMachine`` decides what each
/// action may do.
///
/// ```swift
/// let webhooks = Webhooks(store: store)
/// var changes = EndpointChanges()
/// changes.url = "https://crm.example.com/hooks"
/// changes.eventTypes = [try EventTypePattern("case.*")]
/// let endpoint = try await webhooks.createEndpoint(changes)   // endpoint.secret signs its requests
/// try await webhooks.publish(NewEvent(type: "case.updated", key: "case-7", payload: .object(["status": "open"])))
/// // ... with DeliveryEngine(store: store) running as a service.
/// ```
public struct Webhooks: Sendable {
    public let store: any Store
    public let tenantID: String
    /// Judges endpoints' URLs as they are saved; the ``DeliveryEngine`` judges them again, as
    /// they resolve, when it sends. Give both the same allowance.
    public let targetGuard: TargetGuard

    /// The most events one publish may carry: they are stored in one transaction, and a
    /// bounded one keeps the writer's other callers moving.
    public static let publishLimit = 1000

    public init(store: any Store, tenantID: String = Tenant.defaultID, targetGuard: TargetGuard = TargetGuard(allowsPrivateTargets: false)) {
        self.store = store
        self.tenantID = tenantID
        self.targetGuard = targetGuard
    }

    /// Stores the events, and a delivery for each endpoint subscribed to each, before it
    /// returns: once it has, they will be delivered. A repeated `idempotencyKey` gives back the
    /// first event's id, marked `duplicate`, and stores nothing.
    @discardableResult
    public func publish(_ events: [NewEvent], now: Date = Date()) async throws -> [PublishedEvent] {
        guard !events.isEmpty else { return [] }
        try NewEvent.checkCount(events.count, limit: Self.publishLimit)
        let published = try await store.publish(events, tenantID: tenantID, now: now)
        Counter(label: "courier_events_accepted_total", dimensions: [("tenant", MetricLabels.tenants.label(tenantID))])
            .increment(by: published.filter { !$0.duplicate }.count)
        return published
    }

    @discardableResult
    public func publish(_ event: NewEvent, now: Date = Date()) async throws -> PublishedEvent {
        try await publish([event], now: now)[0]
    }

    /// Makes an endpoint; `url` and `eventTypes` are required, and a signing secret is
    /// generated unless one is given. Its `secret` is in the answer.
    public func createEndpoint(_ changes: EndpointChanges, now: Date = Date()) async throws -> Endpoint {
        let endpoint = try Endpoint(creating: try checked(changes), id: Identifier.make("ep", now: now), tenantID: tenantID, now: now)
        try await store.insertEndpoint(endpoint)
        return endpoint
    }

    /// Changes the fields `changes` gives and leaves the others as they are.
    @discardableResult
    public func updateEndpoint(_ id: String, with changes: EndpointChanges, now: Date = Date()) async throws -> Endpoint {
        let endpoint = try await existingEndpoint(id).applying(try checked(changes), now: now)
        try await store.updateEndpoint(endpoint)
        return endpoint
    }

    /// Gives the endpoint a new signing secret (`secret`, or a generated one); the current one
    /// goes on signing beside it for `grace`, so that receivers switch at their own pace
    /// without refusing a single request.
    public func rotateSecret(
        of id: String, to secret: String? = nil, grace: TimeInterval = Endpoint.defaultRotationGrace, now: Date = Date()
    ) async throws -> Endpoint {
        if let secret { _ = try WebhookSecret(secret, field: "secret") }
        guard (0...Endpoint.maximumRotationGrace).contains(grace) else {
            throw CourierError.invalid(
                "graceSeconds must be between 0 and \(Int(Endpoint.maximumRotationGrace))", field: "graceSeconds"
            )
        }
        let endpoint = try await existingEndpoint(id).rotatingSecret(
            to: secret ?? WebhookSecret.generate().description, grace: grace, now: now
        )
        try await store.updateEndpoint(endpoint)
        return endpoint
    }

    private func existingEndpoint(_ id: String) async throws -> Endpoint {
        guard let endpoint = try await store.endpoint(tenantID: tenantID, id: id) else { throw CourierError.notFound("endpoint") }
        return endpoint
    }

    /// Refuses changes whose URL (or OAuth 2.0 token URL) names a private target, unless the
    /// guard allows them. The changes' own checks come with ``Endpoint/applying(_:now:)``.
    private func checked(_ changes: EndpointChanges) throws -> EndpointChanges {
        if let url = changes.url, let problem = targetGuard.problemSaving(url: url) {
            throw CourierError.invalid(problem, field: "url", code: "private_target")
        }
        if case .oauth2(let credentials)?? = changes.auth, let problem = targetGuard.problemSaving(url: credentials.tokenURL) {
            throw CourierError.invalid(problem, field: "auth.tokenUrl", code: "private_target")
        }
        return changes
    }
}
