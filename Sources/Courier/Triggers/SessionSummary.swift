import Foundation

/// A session as a list shows it: enough for a person scanning many to see which need them,
/// without the configs, kwargs and results that make a whole session large.
public struct SessionSummary: Sendable, Hashable {
    public var uid: String
    /// When it last changed: a configuration, a trigger, or a run's outcome.
    public var updatedAt: Date
    public var finalized: Bool
    public var taskCount: Int
    /// Its instances per status; a status no instance has is left out.
    public var instanceCounts: [TaskInstance.Status: Int]

    public init(uid: String, updatedAt: Date, finalized: Bool, taskCount: Int, instanceCounts: [TaskInstance.Status: Int]) {
        self.uid = uid
        self.updatedAt = updatedAt
        self.finalized = finalized
        self.taskCount = taskCount
        self.instanceCounts = instanceCounts
    }

    public init(_ session: Session, updatedAt: Date) {
        self.init(
            uid: session.uid, updatedAt: updatedAt, finalized: session.finalized, taskCount: session.tasks.count,
            instanceCounts: session.instanceCounts
        )
    }

    /// Whether an instance failed and waits for a person to replay or skip it.
    public var failed: Bool { (instanceCounts[.failed] ?? 0) > 0 }

    /// The cursor of a list that ended with the session at this place in the order (its
    /// change time in milliseconds, then its uid). It is base64url, so that a uid (any text)
    /// travels in a query string as it is.
    public static func cursor(updatedAt millis: Int64, uid: String) -> String {
        Base64URL.encode(Array("\(millis) \(uid)".utf8))
    }

    /// The place a cursor from ``cursor(updatedAt:uid:)`` stands for; `invalid` for any other text.
    public static func place(of cursor: String) throws(CourierError) -> (updatedAt: Int64, uid: String) {
        guard let bytes = Base64URL.decode(cursor), let text = String(validating: bytes, as: UTF8.self),
              let space = text.firstIndex(of: " "), let millis = Int64(text[..<space])
        else { throw .invalid("cursor is not one this list gave out", field: "cursor") }
        return (millis, String(text[text.index(after: space)...]))
    }
}

extension Session {
    /// Its instances per status; a status no instance has is left out.
    public var instanceCounts: [TaskInstance.Status: Int] {
        instances.reduce(into: [:]) { counts, instance in counts[instance.status, default: 0] += 1 }
    }
}
