import Courier
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A real HTTP receiver on loopback that records every request and answers as a test scripts it.
///
/// Tests of delivery behaviour run against this rather than a mock, so they exercise the real
/// client, real sockets and real timeouts. Use it in your own tests of a Courier integration.
public final class RecordingReceiver: Sendable {
    /// One request as it arrived.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var headers: [HeaderField]
        public var body: [UInt8]
        public var receivedAt: Date

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        public var bodyText: String { String(decoding: body, as: UTF8.self) }

        public var json: JSONValue? { try? JSONParser.parse(body) }
    }

    /// How to answer one request.
    public struct Reply: Sendable {
        public var status: Int
        public var headers: [HeaderField]
        public var body: [UInt8]
        /// Wait this long before answering (to make the sender time out).
        public var delay: Duration?

        public init(status: Int = 200, headers: [HeaderField] = [], body: String = "", delay: Duration? = nil) {
            self.status = status
            self.headers = headers
            self.body = Array(body.utf8)
            self.delay = delay
        }

        public static let ok = Reply(status: 200)
    }

    /// Decides the reply; `count` is how many requests this path had received before this one.
    public typealias Responder = @Sendable (_ request: Request, _ count: Int) async -> Reply

    private let recorded = Mutex<[Request]>([])
    private let concurrency = Mutex(Concurrency())
    private let responder: Mutex<Responder>
    private let serviceGroup: ServiceGroup
    private let runTask: Task<Void, any Error>
    public let port: Int

    /// The receiver's base URL, `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(port)" }

    private init(responder: @escaping Responder, serviceGroup: ServiceGroup, runTask: Task<Void, any Error>, port: Int) {
        self.responder = Mutex(responder)
        self.serviceGroup = serviceGroup
        self.runTask = runTask
        self.port = port
    }

    /// Starts a receiver on an ephemeral loopback port.
    public static func start(respond: @escaping Responder = { _, _ in .ok }) async throws -> RecordingReceiver {
        let box = Box()
        let router = Router()
        router.on("**", method: .post) { request, context in try await box.receiver!.handle(request) }
        router.on("**", method: .put) { request, context in try await box.receiver!.handle(request) }
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "courier.testing.receiver")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        // A server that fails to start (or stops) must end the wait for its port, not hold it forever.
        let task = Task {
            defer { portContinuation.finish() }
            try await group.run()
        }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw CourierError(.unavailable, code: "receiver_failed", message: "the receiver did not start")
        }
        let receiver = RecordingReceiver(responder: respond, serviceGroup: group, runTask: task, port: port)
        box.receiver = receiver
        return receiver
    }

    private func handle(_ request: Hummingbird.Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 64 << 20)
        let recordedRequest = Request(
            method: request.method.rawValue,
            path: request.uri.path,
            headers: request.headers.map { HeaderField(name: $0.name.canonicalName, value: $0.value) },
            body: Array(body.readableBytesView),
            receivedAt: Date()
        )
        let count = recorded.withLock { requests in
            let count = requests.filter { $0.path == recordedRequest.path }.count
            requests.append(recordedRequest)
            return count
        }
        let slot = concurrency.withLock { $0.begin(recordedRequest) }
        defer { concurrency.withLock { $0.end(slot) } }
        let respond = responder.withLock { $0 }
        let reply = await respond(recordedRequest, count)
        if let delay = reply.delay { try? await Task.sleep(for: delay) }
        var fields = HTTPFields()
        for header in reply.headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: reply.status),
            headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body))
        )
    }

    /// The most requests that were being answered at one moment: what `maxInFlight` bounds.
    public var peakConcurrency: Int {
        concurrency.withLock { $0.atPeak.count }
    }

    /// The requests being answered when the peak was first reached, for a failure's message: the
    /// same `webhook-id` twice among them means a delivery was sent again while its first request
    /// was still here (a lease that ran out, or a client that gave up), not a count gone wrong.
    public var requestsAtPeak: String {
        let requests = concurrency.withLock { $0.atPeak }.sorted { $0.receivedAt < $1.receivedAt }
        let ids = requests.map { $0.header("webhook-id") ?? "-" }
        let repeated = Dictionary(ids.map { ($0, 1) }, uniquingKeysWith: +).filter { $0.value > 1 }.keys.sorted()
        let start = requests.first?.receivedAt ?? Date()
        return zip(ids, requests).map { String(format: "%@ at +%.3f s", $0, $1.receivedAt.timeIntervalSince(start)) }
            .joined(separator: ", ") + (repeated.isEmpty ? "; no id twice" : "; twice: \(repeated.joined(separator: ", "))")
    }

    /// Requests being answered now, and those at the peak.
    private struct Concurrency {
        var current: [Int: Request] = [:]
        var next = 0
        var atPeak: [Request] = []

        mutating func begin(_ request: Request) -> Int {
            next += 1
            current[next] = request
            if current.count > atPeak.count { atPeak = Array(current.values) }
            return next
        }

        mutating func end(_ slot: Int) {
            current[slot] = nil
        }
    }

    /// Replaces the responder for requests from now on.
    public func respond(with responder: @escaping Responder) {
        self.responder.withLock { $0 = responder }
    }

    /// Every request so far, in arrival order; `path` narrows to one path.
    public func requests(path: String? = nil) -> [Request] {
        recorded.withLock { requests in path.map { p in requests.filter { $0.path == p } } ?? requests }
    }

    /// Waits until at least `count` requests (to `path`, if given) have arrived, or fails after `timeout`.
    @discardableResult
    public func waitForRequests(_ count: Int, path: String? = nil, timeout: Duration = .seconds(60)) async throws -> [Request] {
        let deadline = ContinuousClock.now + timeout
        let started = Date()
        while ContinuousClock.now < deadline {
            let found = requests(path: path)
            if found.count >= count { return found }
            try await Task.sleep(for: .milliseconds(10))
        }
        let found = requests(path: path)
        throw CourierError(
            .unavailable, code: "timeout",
            message: "expected \(count) requests\(path.map { " to \($0)" } ?? ""), got \(found.count) in \(timeout)"
                + Self.arrivals(found.map(\.receivedAt), since: started)
        )
    }

    /// When requests came, for a timeout's message: a steady trickle means a slow machine, a
    /// long gap means something stalled. Times are from the start of the wait (requests before
    /// it count, at negative times).
    static func arrivals(_ times: [Date], since start: Date) -> String {
        guard let first = times.first, let last = times.last else { return "" }
        var gap = (length: 0.0, after: first)
        for (earlier, later) in zip(times, times.dropFirst()) where later.timeIntervalSince(earlier) > gap.length {
            gap = (later.timeIntervalSince(earlier), earlier)
        }
        func offset(_ date: Date) -> String { String(format: "%+.2f s", date.timeIntervalSince(start)) }
        return "; they came from \(offset(first)) to \(offset(last)) from the start of the wait, the longest gap "
            + String(format: "%.2f s", gap.length) + " after \(offset(gap.after))"
    }

    public func stop() async {
        await serviceGroup.triggerGracefulShutdown()
        let stopping = "stopping the recording receiver at \(url)"
        _ = await reportingStall(stopping) { try? await runTask.value }
    }
}

/// Lets the router's closures reach the receiver created after them.
private final class Box: @unchecked Sendable {
    var receiver: RecordingReceiver?
}
