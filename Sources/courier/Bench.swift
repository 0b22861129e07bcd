import Courier
import Foundation
import Histogram
import NIOCore
import NIOHTTP1
import Synchronization

/// Where benchmark events enter Courier: the library call, or the HTTP API in front of it.
enum Publisher: Sendable {
    case library(any Store)
    case http(DeliveryHTTPClient, target: HTTPRequestTarget, token: String)

    /// Publishes `events` and returns their ids.
    func publish(_ events: [NewEvent], payloads: () -> JSONValue) async throws -> [String] {
        switch self {
        case .library(let store):
            return try await store.publish(events, tenantID: Tenant.defaultID, now: Date()).map(\.id)
        case .http(let client, let target, let token):
            let response = try await client.execute(
                target, method: .POST,
                headers: [
                    HeaderField(name: "authorization", value: "Bearer \(token)"),
                    HeaderField(name: "content-type", value: "application/json"),
                ],
                body: payloads().bytes, deadline: .now() + .seconds(30)
            )
            guard response.status == 202, !response.bodyTruncated else {
                throw CommandFailure("POST /v1/events answered \(response.status): \(String(decoding: response.body.prefix(500), as: UTF8.self))")
            }
            let parsed = try JSONParser.parse(response.body)
            let items = parsed.arrayValue ?? [parsed]
            return items.compactMap { $0.objectValue?["id"]?.stringValue }
        }
    }
}

/// The workloads, each publishing and then waiting until the store has recorded every
/// delivery as succeeded (the receiver's count is only a cheap progress signal).
struct Bench: Sendable {
    let store: any Store
    let receiver: BenchReceiver
    let publisher: Publisher
    /// Whether arrivals at the built-in receiver are this benchmark's deliveries.
    let measuresArrival: Bool

    struct Burst {
        var publishRate: Double
        var deliveredRate: Double
        var latency: Histogram<UInt64>?
    }

    struct Steady {
        var publishCall: Histogram<UInt64>
        var latency: Histogram<UInt64>?
    }

    struct Backlog {
        var publishRate: Double
        var deliveredRate: Double
        /// The drain rate over each tenth of the backlog, first to last.
        var windows: [Double]
    }

    static func events(_ range: Range<Int>) throws -> [NewEvent] {
        try range.map { i in
            try NewEvent(type: "bench.event", payload: .object(JSONObject(["i": .integer(i), "name": .string("event \(i)")])))
        }
    }

    static func body(_ range: Range<Int>) -> JSONValue {
        let items = range.map { i in
            JSONValue.object(JSONObject([
                "type": .string("bench.event"),
                "payload": .object(JSONObject(["i": .integer(i), "name": .string("event \(i)")])),
            ]))
        }
        return items.count == 1 ? items[0] : .array(items)
    }

    /// Publishes `count` events in calls of `batch`, then waits for all of them to be delivered.
    func burst(_ count: Int, batch: Int, from first: Int) async throws -> Burst {
        let clock = ContinuousClock()
        let start = clock.now
        var published: [(id: String, at: ContinuousClock.Instant)] = []
        published.reserveCapacity(count)
        var next = first
        while next < first + count {
            let range = next..<min(next + batch, first + count)
            let ids = try await publisher.publish(try Self.events(range)) { Self.body(range) }
            let at = clock.now
            published.append(contentsOf: ids.map { ($0, at) })
            next = range.upperBound
        }
        let publishDuration = clock.now - start
        try await waitUntilSucceeded(first + count, arrivals: first + count)
        let total = clock.now - start
        return Burst(
            publishRate: Double(count) / publishDuration.seconds,
            deliveredRate: Double(count) / total.seconds,
            latency: arrivalLatency(published)
        )
    }

    /// One event per call at a steady rate. Each call starts on schedule whether or not the
    /// ones before it have returned, so a slow call cannot hide the ones it delays.
    func steady(_ count: Int, rate: Int) async throws -> Steady {
        let clock = ContinuousClock()
        let interval = Duration.nanoseconds(1_000_000_000 / rate)
        let start = clock.now
        // Children finish into one collection as they go: a task group that kept every finished
        // child until the end would cost memory in proportion to the run.
        let collected = Collected()
        try await withThrowingDiscardingTaskGroup { group in
            for i in 0..<count {
                try await clock.sleep(until: start + interval * i)
                group.addTask {
                    let submitted = clock.now
                    let ids = try await publisher.publish(try Self.events(i..<i + 1)) { Self.body(i..<i + 1) }
                    let took = clock.now - submitted
                    collected.state.withLock {
                        _ = $0.calls.record(took.microseconds)
                        $0.published.append((ids[0], submitted))
                    }
                }
            }
        }
        try await waitUntilSucceeded(count, arrivals: count)
        let (calls, published) = collected.state.withLock { ($0.calls, $0.published) }
        return Steady(publishCall: calls, latency: arrivalLatency(published))
    }

    /// Fills the store with `count` pending deliveries while the endpoint is paused, then resumes
    /// it and times the drain, a tenth at a time. With `batchSize`, the endpoint batches: progress
    /// is then only read from the store, and each batch is a succeeded delivery of its own.
    func backlog(_ count: Int, batch: Int, from first: Int, endpoint: Endpoint, batchSize: Int? = nil) async throws -> Backlog {
        _ = try await store.setEndpointStatus(tenantID: endpoint.tenantID, id: endpoint.id, status: .paused, reason: "bench", now: Date())
        let clock = ContinuousClock()
        let fillStart = clock.now
        var next = first
        while next < first + count {
            let range = next..<min(next + batch, first + count)
            _ = try await publisher.publish(try Self.events(range)) { Self.body(range) }
            next = range.upperBound
        }
        let publishRate = Double(count) / (clock.now - fillStart).seconds

        let arrivedBefore = receiver.count
        let start = clock.now
        _ = try await store.setEndpointStatus(tenantID: endpoint.tenantID, id: endpoint.id, status: .active, reason: nil, now: Date())
        if let batchSize {
            let batches = (count + batchSize - 1) / batchSize
            try await waitUntilSucceeded(first + count + batches, arrivals: arrivedBefore + batches)
            return Backlog(publishRate: publishRate, deliveredRate: Double(count) / (clock.now - start).seconds, windows: [])
        }
        var windows: [Double] = []
        var windowStart = start
        let tenth = max(1, count / 10)
        while windows.count < 10 {
            let target = arrivedBefore + tenth * (windows.count + 1)
            if receiver.count >= target {
                let now = clock.now
                windows.append(Double(tenth) / (now - windowStart).seconds)
                windowStart = now
                continue
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await waitUntilSucceeded(first + count)
        return Backlog(publishRate: publishRate, deliveredRate: Double(count) / (clock.now - start).seconds, windows: windows)
    }

    /// What the children of a steady run found, gathered as they finish.
    final class Collected: Sendable {
        let state = Mutex<(calls: Histogram<UInt64>, published: [(id: String, at: ContinuousClock.Instant)])>(
            (BenchReport.histogram(), [])
        )
    }

    /// Waits until the store counts `total` succeeded deliveries. Counting a large table often
    /// would cost the very CPU being measured, so when the built-in receiver sees the traffic
    /// it first waits (cheaply) for `arrivals` there, then asks the store, pausing between counts
    /// at least as long as a count takes (on PostgreSQL, 7 ms at 50,000 deliveries), so that
    /// counting never takes more than half of the time it waits.
    private func waitUntilSucceeded(_ total: Int, arrivals: Int? = nil) async throws {
        if let arrivals, measuresArrival {
            while receiver.count < arrivals { try await Task.sleep(for: .milliseconds(1)) }
        }
        let clock = ContinuousClock()
        while true {
            let start = clock.now
            let succeeded = try await store.countDeliveries(tenantID: Tenant.defaultID, filter: DeliveryFilter(state: .succeeded))
            if succeeded >= total { return }
            try await Task.sleep(for: max(.milliseconds(5), clock.now - start))
        }
    }

    private func arrivalLatency(_ published: [(id: String, at: ContinuousClock.Instant)]) -> Histogram<UInt64>? {
        guard measuresArrival, receiver.keepsArrivals else { return nil }
        var histogram = BenchReport.histogram()
        for event in published {
            if let arrived = receiver.arrival(of: event.id) {
                _ = histogram.record((arrived - event.at).microseconds)
            }
        }
        return histogram
    }
}
