import Foundation

/// Per-endpoint exceptions to how response statuses are read.
///
/// Receivers behind proxies and receivers with races need them (CommCare's issues #36841 and
/// #35165): a proxy may answer 404 while the service behind it restarts, and a receiver may
/// answer 400 to an update that overtook the create it depends on. `retry` lists statuses to
/// retry although they would be final; `noRetry` lists statuses to stop at although they would
/// be retried. 2xx always succeeds, and `webhook-delivery: abort-message` always cancels.
public struct StatusOverrides: Sendable, Hashable {
    public var retry: Set<Int>
    public var noRetry: Set<Int>

    public static let none = StatusOverrides()
    /// The statuses an override may name: redirects and errors.
    public static let allowed = 300...599

    public init(retry: Set<Int> = [], noRetry: Set<Int> = []) {
        self.retry = retry
        self.noRetry = noRetry
    }

    public var isEmpty: Bool { retry.isEmpty && noRetry.isEmpty }
}

extension StatusOverrides {
    /// Reads `{"retry": [404], "noRetry": [500]}`.
    public init(json: JSONValue, path: String = "statusOverrides") throws(CourierError) {
        var reader = try JSONFieldReader(json, path: path, what: path)
        func statuses(_ key: String) throws(CourierError) -> Set<Int> {
            guard let value = reader.value(key) else { return [] }
            guard let items = value.arrayValue, items.count <= Self.limit else {
                throw .invalid("\(reader.fieldPath(key)) must be an array of at most \(Self.limit) HTTP statuses", field: reader.fieldPath(key))
            }
            var result: Set<Int> = []
            for (index, item) in items.enumerated() {
                guard case .number(let text) = item, let status = Int(text), Self.allowed.contains(status) else {
                    throw .invalid(
                        "\(reader.fieldPath(key))[\(index)] must be an HTTP status from 300 to 599",
                        field: "\(reader.fieldPath(key))[\(index)]"
                    )
                }
                result.insert(status)
            }
            return result
        }
        let retry = try statuses("retry")
        let noRetry = try statuses("noRetry")
        try reader.rejectUnknownFields()
        self.init(retry: retry, noRetry: noRetry)
        try validate(path: path)
    }

    /// The most statuses each list may name.
    public static let limit = 100

    /// Refuses statuses outside ``allowed`` and a status in both lists, whether the overrides
    /// came as JSON or from a Swift caller.
    public func validate(path: String = "statusOverrides") throws(CourierError) {
        for (key, statuses) in [("retry", retry), ("noRetry", noRetry)] {
            guard statuses.count <= Self.limit else {
                throw .invalid("\(path).\(key) must be an array of at most \(Self.limit) HTTP statuses", field: "\(path).\(key)")
            }
            if let status = statuses.sorted().first(where: { !Self.allowed.contains($0) }) {
                throw .invalid("\(path).\(key): \(status) is not an HTTP status from 300 to 599", field: "\(path).\(key)")
            }
        }
        if let both = retry.intersection(noRetry).min() {
            throw .invalid("\(path): \(both) cannot be both retried and not retried", field: path)
        }
    }

    /// The overrides as the API shows them, statuses in order.
    public var json: JSONValue {
        .object(JSONObject([
            "retry": .array(retry.sorted().map(JSONValue.integer)),
            "noRetry": .array(noRetry.sorted().map(JSONValue.integer)),
        ]))
    }
}
