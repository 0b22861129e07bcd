import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The fast receiver `courier bench` delivers to: answers 204 to every POST and notes when each
/// `webhook-id` arrived, so latency is measured where the request lands.
///
/// `GET /stats` answers `{"received": requests, "distinct": webhook-ids}`, so that a benchmark
/// in another process (`scripts/bench-peers`) can tell when a workload has fully arrived.
final class BenchReceiver: Sendable {
    /// Whether to note each `webhook-id`'s arrival; without, only requests are counted.
    let keepsArrivals: Bool
    private let arrivals = Mutex<(requests: Int, first: [String: ContinuousClock.Instant])>((0, [:]))

    init(keepsArrivals: Bool = true) {
        self.keepsArrivals = keepsArrivals
    }

    /// Distinct deliveries that arrived, or requests when arrivals are not kept.
    var count: Int { arrivals.withLock { keepsArrivals ? $0.first.count : $0.requests } }

    func arrival(of id: String) -> ContinuousClock.Instant? {
        arrivals.withLock { $0.first[id] }
    }

    func application(
        host: String = "127.0.0.1", port: Int = 0, onServerRunning: @escaping @Sendable (any Channel) async -> Void
    ) -> some ApplicationProtocol {
        let router = Router()
        let webhookID = HTTPField.Name("webhook-id")!
        router.post("**") { [self] request, _ in
            let id = request.headers[webhookID]
            let now = ContinuousClock.now
            self.arrivals.withLock { arrivals in
                arrivals.requests += 1
                if keepsArrivals, let id, arrivals.first[id] == nil { arrivals.first[id] = now }
            }
            return Response(status: .noContent)
        }
        router.get("stats") { [self] _, _ in
            let (requests, distinct) = self.arrivals.withLock { ($0.requests, $0.first.count) }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"received":\#(requests),"distinct":\#(distinct)}"#))
            )
        }
        var logger = Logger(label: "courier.bench.receiver")
        logger.logLevel = .warning
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }
}
