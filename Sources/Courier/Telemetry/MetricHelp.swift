/// What each of Courier's metrics means, for the `# HELP` lines of `/metrics`.
///
/// swift-metrics has no place for a description, and swift-prometheus's registry takes one only
/// through its own API, where a second text for the same name is a fatal error. So the texts
/// live here, one per name, and are written into the exposition as it is served. A test reads
/// `/metrics` with an independent parser and fails on any family without its text.
public enum MetricHelp {
    public static let texts: [String: String] = [
        "courier_events_accepted_total": "Events stored, by tenant; an idempotent repeat is not counted.",
        "courier_attempts_total": "Delivery attempts, by tenant, endpoint and outcome.",
        "courier_attempt_duration_seconds": "How long delivery attempts took, from the request's start to its answer or failure.",
        "courier_deliveries_finished_total": "Deliveries that reached a final state, by tenant, endpoint and state.",
        "courier_claim_lag_seconds": "How long after it was due each delivery was claimed: the engine's lag behind its work.",
        "courier_backlog_deliveries": "Pending and retrying deliveries, store-wide (sampled; aggregate nodes with max).",
        "courier_endpoint_backlog_deliveries": "Active deliveries per endpoint, store-wide; a batch counts the deliveries it carries (sampled).",
        "courier_endpoints": "Endpoints by condition: active, coolingDown, paused or disabled (sampled).",
        "courier_retention_deleted_total": "Rows the retention period let go, by kind: event, message or delivery (attempts and transmissions go with them).",
        StoreMetrics.waitLabel: "How long each store write waited to begin: for SQLite's writer, or for a PostgreSQL connection.",
        StoreMetrics.commitLabel: "Commit times; durable=\"true\" for commits that waited for the log to reach the disk.",
    ]

    /// `exposition` (Prometheus text) with a `# HELP` line before each `# TYPE` line whose
    /// metric has a text here and none of its own.
    public static func annotate(_ exposition: [UInt8]) -> [UInt8] {
        let typePrefix = Array("# TYPE ".utf8)
        let helpPrefix = Array("# HELP ".utf8)
        var annotated: [UInt8] = []
        annotated.reserveCapacity(exposition.count + texts.count * 100)
        var previousWasHelp = false
        for line in exposition.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if line.starts(with: typePrefix), !previousWasHelp {
                let name = line.dropFirst(typePrefix.count).prefix { $0 != UInt8(ascii: " ") }
                if let text = texts[String(decoding: name, as: UTF8.self)] {
                    annotated += helpPrefix
                    annotated += name
                    annotated.append(UInt8(ascii: " "))
                    annotated += Array(text.utf8)
                    annotated.append(UInt8(ascii: "\n"))
                }
            }
            previousWasHelp = line.starts(with: helpPrefix)
            annotated += line
            annotated.append(UInt8(ascii: "\n"))
        }
        // `split` saw the final line break as one more (empty) line.
        if exposition.last == UInt8(ascii: "\n") || exposition.isEmpty { annotated.removeLast() }
        return annotated
    }
}
