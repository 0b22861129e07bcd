/// Which sessions a list covers. Every field narrows; none means all.
public struct SessionFilter: Sendable, Hashable {
    /// Only sessions with an instance that failed and was not yet replayed or skipped.
    public var failedOnly: Bool
    /// Only sessions whose uid starts with this text (`applicant:`).
    public var uidPrefix: String?

    public init(failedOnly: Bool = false, uidPrefix: String? = nil) {
        self.failedOnly = failedOnly
        self.uidPrefix = uidPrefix
    }

    /// The filter, and the place a page starts after, as conditions on `sessions` for a
    /// tenant in the form of ``DeliveryFilter/conditions(tenantID:)``, so both stores build
    /// their WHERE clause from the same text. A list is ordered by `updated_at DESC, uid DESC`,
    /// which the index `sessions_updated` (and for `failedOnly`, the smaller `sessions_failed`)
    /// reads in order.
    public func conditions(tenantID: String, after cursor: String?) throws(CourierError) -> [(sql: String, values: [DeliveryFilter.Value])] {
        var conditions: [(sql: String, values: [DeliveryFilter.Value])] = [("tenant_id = ?", [.text(tenantID)])]
        // The same expression as the partial index's condition, so the planner can use it.
        if failedOnly { conditions.append(("failed_instances > 0", [])) }
        if let uidPrefix { conditions.append(("substr(uid, 1, length(?)) = ?", [.text(uidPrefix), .text(uidPrefix)])) }
        if let cursor {
            let place = try SessionSummary.place(of: cursor)
            conditions.append(("(updated_at, uid) < (?, ?)", [.integer(place.updatedAt), .text(place.uid)]))
        }
        return conditions
    }
}
