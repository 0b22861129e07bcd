import Foundation

/// How an endpoint's deliveries are gathered into batches: rest-hooks-delivery's batch
/// deliverer, with its three modes.
///
/// - size only (`maxSize`): a batch goes when that many deliveries wait. Fewer wait as long as
///   it takes, as in rest-hooks; give `maxWaitMs` too to bound the wait. Deliveries due again
///   on their own are the exception (``readiness(ofLeftovers:oldestDueAt:now:)``).
/// - time only (`maxWaitMs`): a batch goes that long after its oldest delivery became due,
///   with whatever has gathered, up to ``sizeLimit``.
/// - both: whichever comes first.
///
/// A batch is one request (a JSON array of the events' bodies) with its own `webhook-id`,
/// retried as a unit; its events' deliveries follow it and show which batch carried them.
public struct BatchPolicy: Sendable, Hashable {
    /// The most deliveries one batch carries, whatever the policy says.
    public static let sizeLimit = 1000
    /// The longest a batch may be asked to wait for more deliveries.
    public static let waitLimitMs = 3_600_000

    public var maxSize: Int?
    public var maxWaitMs: Int?

    public init(maxSize: Int? = nil, maxWaitMs: Int? = nil) {
        self.maxSize = maxSize
        self.maxWaitMs = maxWaitMs
    }

    /// How many deliveries a batch takes at most.
    public var size: Int { maxSize ?? Self.sizeLimit }

    /// Whether `waiting` deliveries, the oldest due since `oldestDueAt`, make a batch at `now`;
    /// if not yet, when they will (nil: not until more arrive).
    public func readiness(waiting: Int, oldestDueAt: Date, now: Date) -> (ready: Bool, at: Date?) {
        guard waiting > 0 else { return (false, nil) }
        if waiting >= size { return (true, now) }
        guard let maxWaitMs else { return (false, nil) }
        let at = oldestDueAt.addingTimeInterval(Double(maxWaitMs) / 1000)
        return (at <= now, at)
    }

    /// ``readiness(waiting:oldestDueAt:now:)`` for deliveries due again on their own: a member
    /// its receiver listed as failed, a requeued or test delivery, those a change of policy gave
    /// back. New events join open batches when published, never these, so with `maxSize` alone
    /// they would wait for company that never comes: they go once due, in batches of at most
    /// `maxSize`. With `maxWaitMs` they wait that long for others, as a batch does.
    public func readiness(ofLeftovers waiting: Int, oldestDueAt: Date, now: Date) -> (ready: Bool, at: Date?) {
        guard maxWaitMs == nil else { return readiness(waiting: waiting, oldestDueAt: oldestDueAt, now: now) }
        return waiting > 0 ? (true, now) : (false, nil)
    }
}

extension BatchPolicy {
    /// Reads the `batch` object of an endpoint.
    public init(json: JSONValue, path: String = "batch") throws(CourierError) {
        var reader = try JSONFieldReader(json, path: path, what: path)
        let maxSize = try reader.integer("maxSize")
        let maxWaitMs = try reader.integer("maxWaitMs")
        try reader.rejectUnknownFields()
        self.init(maxSize: maxSize, maxWaitMs: maxWaitMs)
        try validate(path: path)
    }

    /// Refuses a policy that could never send (no bound at all, a size of 0) or that asks for
    /// more than a batch may hold or wait, whether it came as JSON or from a Swift caller.
    public func validate(path: String = "batch") throws(CourierError) {
        guard maxSize != nil || maxWaitMs != nil else {
            throw .invalid("\(path) needs maxSize, maxWaitMs or both", field: path)
        }
        if let maxSize { try JSONFieldReader.check(maxSize, in: 1...Self.sizeLimit, field: "\(path).maxSize") }
        if let maxWaitMs { try JSONFieldReader.check(maxWaitMs, in: 1...Self.waitLimitMs, field: "\(path).maxWaitMs") }
    }

    /// The policy as the API shows it, in the shape it is written in.
    public var json: JSONValue {
        var object = JSONObject()
        if let maxSize { object.append("maxSize", .integer(maxSize)) }
        if let maxWaitMs { object.append("maxWaitMs", .integer(maxWaitMs)) }
        return .object(object)
    }
}
