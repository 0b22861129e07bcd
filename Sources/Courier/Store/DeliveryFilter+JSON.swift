import Foundation

extension DeliveryFilter {
    /// From a bulk request's `filter` object, with the same names as the query parameters;
    /// errors name their field under `path` (`filter.state`), or alone when it is empty (a
    /// list's query parameters).
    public init(json: JSONValue, path: String = "filter") throws(CourierError) {
        var reader = try JSONFieldReader(json, path: path, what: path.isEmpty ? "filter" : path)
        self.init()
        endpointID = try reader.string("endpoint")
        eventID = try reader.string("event")
        batchID = try reader.string("batch")
        eventType = try reader.string("type")
        eventKey = try reader.string("key")
        if let state = try reader.string("state") {
            guard let parsed = DeliveryState(rawValue: state) else {
                throw .invalid(
                    "\(reader.fieldPath("state")) must be one of \(DeliveryState.allCases.map(\.rawValue).joined(separator: ", "))",
                    field: reader.fieldPath("state")
                )
            }
            self.state = parsed
        }
        for key in ["since", "until"] {
            guard let text = try reader.string(key) else { continue }
            guard let date = Timestamp.parse(text) else {
                throw .invalid(
                    "\(reader.fieldPath(key)) must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z", field: reader.fieldPath(key)
                )
            }
            if key == "since" { since = date } else { until = date }
        }
        try reader.rejectUnknownFields()
    }

    /// The filter as the API writes it, which ``init(json:)`` reads back: how a bulk
    /// operation keeps its filter.
    public var json: JSONValue {
        var object = JSONObject()
        if let endpointID { object["endpoint"] = .string(endpointID) }
        if let state { object["state"] = .string(state.rawValue) }
        if let eventID { object["event"] = .string(eventID) }
        if let batchID { object["batch"] = .string(batchID) }
        if let eventType { object["type"] = .string(eventType) }
        if let eventKey { object["key"] = .string(eventKey) }
        if let since { object["since"] = .string(Timestamp.format(since)) }
        if let until { object["until"] = .string(Timestamp.format(until)) }
        return .object(object)
    }
}
