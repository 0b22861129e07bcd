import Foundation

/// The open batches one publish puts a batching endpoint's new deliveries into.
///
/// A batching endpoint's deliveries join a batch as they are stored, rather than being stored
/// `pending` and gathered into a batch when the endpoint is next claimed. Gathering rewrote each
/// event's row and moved it out of three indexes, which made it the largest part of a batched
/// drain (BENCHMARKS.md, "Batches opened as events are published"); a delivery that joins at
/// once is written when it is stored and when its batch finishes, and never enters the
/// indexes of due and active deliveries.
///
/// An open batch is a batch nobody has claimed yet (lease token 0) that still has room. It is
/// due when full, or `maxWaitMs` after it opened (its first delivery's time, so the policy
/// reads as before); with `maxSize` alone it waits until it fills. The claim that takes it
/// closes it, and the next delivery opens another. Deliveries that become due again on their
/// own (a listed failure's retry, a requeue, a test event) are still gathered at claim time,
/// and so are those of an endpoint whose policy changed: a change of policy returns the open
/// batches' deliveries to `pending` (see the stores' `updateEndpoint`).
///
/// The stores find each endpoint's open batch the first time a publish needs it
/// (``needsLookup(_:)``, ``found(_:endpointID:)``), place deliveries with ``place(endpoint:policy:)``,
/// and then write every batch in ``batches``: a new one inserted, an existing one's count and
/// due time updated.
public struct OpenBatches: Sendable {
    /// An open batch as a store keeps it.
    public struct Batch: Sendable, Equatable {
        public let id: String
        public let endpointID: String
        public let tenantID: String
        /// The deliveries it has taken, counting any cancelled since: requeueing a cancelled
        /// batch brings all of them back, so a count without them could let it grow past
        /// `maxSize`. A batch with some cancelled goes a little smaller instead.
        public var members: Int
        public let openedAt: Date
        /// Whether this publish opened it: its row is inserted, not updated.
        public let isNew: Bool
        /// When it was due before this publish; nil when it was not, or is new.
        public let dueBefore: Date?
        /// When it is due now: full, or its wait over; nil while it waits to fill.
        public var dueAt: Date?

        public init(id: String, endpointID: String, tenantID: String, members: Int, openedAt: Date, dueAt: Date?) {
            self.init(id: id, endpointID: endpointID, tenantID: tenantID, members: members, openedAt: openedAt, isNew: false, dueAt: dueAt)
        }

        init(id: String, endpointID: String, tenantID: String, members: Int, openedAt: Date, isNew: Bool, dueAt: Date?) {
            self.id = id
            self.endpointID = endpointID
            self.tenantID = tenantID
            self.members = members
            self.openedAt = openedAt
            self.isNew = isNew
            self.dueBefore = isNew ? nil : dueAt
            self.dueAt = dueAt
        }

        /// Whether the engine must hear of it: it became due, or due sooner, in this publish.
        public var dueChanged: Bool {
            guard let dueAt else { return false }
            return dueBefore.map { dueAt < $0 } ?? true
        }
    }

    public let now: Date
    /// Every batch this publish put a delivery into, in the order they were opened or found.
    public private(set) var batches: [Batch] = []
    /// Each endpoint's batch being filled, as an index into ``batches``; absent until looked up,
    /// and nil when the store had none with room.
    private var filling: [String: Int?] = [:]

    public init(now: Date) {
        self.now = now
    }

    /// Whether the store must first be asked for the endpoint's open batch with room.
    public func needsLookup(_ endpointID: String) -> Bool {
        filling[endpointID] == nil
    }

    /// What the store has: the endpoint's oldest open batch with room, or nil.
    public mutating func found(_ batch: Batch?, endpointID: String) {
        guard let batch else {
            filling[endpointID] = .some(nil)
            return
        }
        batches.append(batch)
        filling[endpointID] = batches.count - 1
    }

    /// The batch the endpoint's next delivery joins: the one being filled while it has room,
    /// else a new one. Call ``found(_:endpointID:)`` first.
    public mutating func place(endpoint: Endpoint, policy: BatchPolicy) -> String {
        if case let index?? = filling[endpoint.id], batches[index].members < policy.size {
            batches[index].members += 1
            batches[index].dueAt = Self.due(batches[index], policy: policy, now: now)
            return batches[index].id
        }
        var batch = Batch(
            id: Identifier.make("dlv", now: now), endpointID: endpoint.id, tenantID: endpoint.tenantID, members: 1,
            openedAt: now, isNew: true, dueAt: nil
        )
        batch.dueAt = Self.due(batch, policy: policy, now: now)
        batches.append(batch)
        filling[endpoint.id] = batches.count - 1
        return batch.id
    }

    /// When a batch goes by its policy: now once full, else when its oldest has waited.
    static func due(_ batch: Batch, policy: BatchPolicy, now: Date) -> Date? {
        let readiness = policy.readiness(waiting: batch.members, oldestDueAt: batch.openedAt, now: now)
        return batch.members >= policy.size ? now : readiness.at
    }
}
