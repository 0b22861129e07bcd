import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The fast receiver `courier bench` delivers to: answers 204 to every POST and notes when each
/// `webhook-id` arrived, so latency is measured where the request lands.
final class BenchReceiver: Sendable {
    private let arrivals = Mutex<[String: ContinuousClock.Instant]>([:])

    var count: Int { arrivals.withLock { $0.count } }

    func arrival(of id: String) -> ContinuousClock.Instant? {
        arrivals.withLock { $0[id] }
    }

    func application(onServerRunning: @escaping @Sendable (any Channel) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.post("**") { [self] request, _ in
            if let id = request.headers[HTTPField.Name("webhook-id")!] {
                let now = ContinuousClock.now
                self.arrivals.withLock { if $0[id] == nil { $0[id] = now } }
            }
            return Response(status: .noContent)
        }
        var logger = Logger(label: "courier.bench.receiver")
        logger.logLevel = .warning
        return Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }
}
