import Foundation

/// A person's action over every delivery that matches a filter, carried out in the background
/// so that a filter matching a million deliveries neither holds a request open nor hides how
/// far it got.
///
/// It is stored, and advanced a chunk at a time (``BulkOperation/chunkSize`` deliveries) in
/// transactions that apply the action to the chunk and move the operation's cursor together:
/// a node that dies part way leaves the cursor where its last commit put it, and any node's
/// ``BulkOperationRunner`` goes on from there, so no delivery is acted on twice and none is
/// skipped. The deliveries are walked by id, newest first, below the cursor; deliveries made
/// after the operation started are not in it.
public struct BulkOperation: Sendable, Hashable {
    /// Deliveries acted on per transaction: small enough not to hold the writer for long,
    /// large enough that progress costs little.
    public static let chunkSize = 500

    public enum Status: String, Sendable, Hashable, CaseIterable {
        case running
        case finished
        /// Stopped by a person before the end; what was done stays done.
        case cancelled
    }

    public var id: String
    public var tenantID: String
    public var action: DeliveryStateMachine.Action
    public var filter: DeliveryFilter
    public var status: Status
    /// How many deliveries matched when it started: the measure of progress.
    public var total: Int
    /// How many it has walked so far, and how many of those the action changed.
    public var matched: Int
    public var changed: Int
    /// The id of the last delivery walked; nil before the first chunk.
    public var cursor: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?

    public init(
        id: String, tenantID: String, action: DeliveryStateMachine.Action, filter: DeliveryFilter, status: Status = .running,
        total: Int, matched: Int = 0, changed: Int = 0, cursor: String? = nil, createdAt: Date, updatedAt: Date,
        finishedAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.action = action
        self.filter = filter
        self.status = status
        self.total = total
        self.matched = matched
        self.changed = changed
        self.cursor = cursor
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
    }

    /// The share walked, from 0 to 1: 1 once finished (fewer may have matched than at the
    /// start, deliveries that left the filter meanwhile), and capped at 1 (more may have, too).
    /// A cancelled one keeps the share it reached.
    public var progress: Double {
        guard status != .finished else { return 1 }
        guard total > 0 else { return 0 }
        return min(1, Double(matched) / Double(total))
    }

    /// The operation stopped by a person; a conflict once it has ended.
    public func cancelled(now: Date) throws(CourierError) -> BulkOperation {
        guard status == .running else {
            throw .conflict("the operation has \(status.rawValue); only a running one can be cancelled")
        }
        var next = self
        next.status = .cancelled
        next.updatedAt = now
        next.finishedAt = now
        return next
    }

    /// The operation after one chunk: `result` of it, and the last id it walked (nil when the
    /// chunk was the last one).
    public func advanced(by result: BulkResult, last: String?, now: Date) -> BulkOperation {
        var next = self
        next.matched += result.matched
        next.changed += result.changed
        next.updatedAt = now
        if let last {
            next.cursor = last
        } else {
            next.status = .finished
            next.finishedAt = now
        }
        return next
    }
}
