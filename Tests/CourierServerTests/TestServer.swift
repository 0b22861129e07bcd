import Courier
import CourierPostgres
import CourierServer
import CourierSQLite
import CourierTesting
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

/// Which store a test server runs on; the API tests run on each one available.
enum StoreKind: String, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    /// SQLite always; PostgreSQL when `scripts/test` started one.
    static let all: [StoreKind] = PostgresTestDatabase.isAvailable ? [.sqlite, .postgres] : [.sqlite]

    var description: String { rawValue }
}

/// A whole Courier (API, engine, and a store: a SQLite file in a temporary folder or a fresh
/// PostgreSQL database) on an ephemeral port.
struct TestServer {
    static let adminToken = "test-admin-token"

    let api: APIClient
    let store: any Store
    let baseURL: String

    /// What tests change of a server's settings.
    ///
    /// Requests to receivers may take 10 s: the whole suite runs at once on two cores, and a
    /// shorter limit turned a slow answer into a timeout and an extra attempt that tests of
    /// exact attempt counts then saw. Tests of timeouts set their own. Without
    /// `runsOperations` no bulk operation advances: a test can see one running.
    struct Settings {
        var requestTimeout: Duration = .seconds(10)
        var maxBodySize = 1 << 20
        var allowsPrivateTargets = true
        var runsOperations = true
        /// How often the engine looks for due work it was not told of; nil for what `courier
        /// serve` sets per store. A test that work goes on a signal sets it past its wait.
        var resyncInterval: TimeInterval?
        /// The admin token the server takes (and `api` sends).
        var adminToken = TestServer.adminToken
        /// What the engine schedules by: a ``TestClock`` for tests of cool-downs and retries.
        var clock: any WallClock = SystemClock()
    }

    /// Runs `body` against a fresh server and tears it down afterwards.
    static func with(
        _ kind: StoreKind = .sqlite, _ settings: Settings = Settings(), _ body: (TestServer) async throws -> Void
    ) async throws {
        try await withStore(kind) { store in try await with(store: store, settings, body) }
    }

    /// Runs `body` against a server on a store the test made (and closes itself).
    static func with(store: any Store, _ settings: Settings = Settings(), _ body: (TestServer) async throws -> Void) async throws {
        var logger = Logger(label: "courier.test")
        logger.logLevel = .warning
        let timeout = settings.requestTimeout
        let ms = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        let engine = DeliveryEngine(
            store: store,
            configuration: .init(
                sender: .init(connectTimeout: .seconds(2), requestTimeout: .milliseconds(ms)), shutdownGrace: 2,
                // As `courier serve` sets it per store: PostgreSQL's notifications are not
                // queued for a listener that is away, so its engine looks for due work more often.
                resyncInterval: settings.resyncInterval ?? (store is PostgresStore ? 5 : 30),
                allowsPrivateTargets: settings.allowsPrivateTargets, clock: settings.clock
            ),
            logger: logger
        )
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = CourierServer.makeApplication(
            store: store,
            configuration: .init(
                host: "127.0.0.1", port: 0, maxBodySize: settings.maxBodySize, allowsPrivateTargets: settings.allowsPrivateTargets
            ),
            adminTokenHash: TokenSecret.hash(settings.adminToken),
            logger: logger,
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            }
        )
        let runner: [any Service] = settings.runsOperations ? [BulkOperationRunner(store: store, logger: logger)] : []
        try await running(runner + [engine, app], logger: logger, onEnd: { portContinuation.finish() }) {
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let baseURL = "http://127.0.0.1:\(port)"
            try await body(TestServer(api: APIClient(baseURL: baseURL, token: settings.adminToken), store: store, baseURL: baseURL))
        }
    }

    /// Runs `body` with a fresh store of the kind (a SQLite file in a temporary folder, or a
    /// fresh PostgreSQL database) and closes and removes it afterwards.
    static func withStore(_ kind: StoreKind, _ body: (any Store) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store: any Store
        let close: @Sendable () async -> Void
        switch kind {
        case .sqlite:
            let sqlite = try await SQLiteStore.open(path: directory.appendingPathComponent("courier.db").path, durability: .normal)
            store = sqlite
            close = { await sqlite.close() }
        case .postgres:
            let url = try await PostgresTestDatabase.create()
            let postgres = try await PostgresStore.connect(
                url: url, operationTimeout: PostgresTestDatabase.operationTimeout, maximumConnections: PostgresTestDatabase.maximumConnections
            )
            store = postgres
            close = {
                await postgres.close()
                PostgresTestDatabase.drop(url)
            }
        }
        try await withClosing(store, close: { _ in await close() }, body)
    }

    /// Runs `body` while `services` run, then shuts them down gracefully and waits for them.
    /// `onEnd` is called once the services have ended, early (one failed to start) or not, so
    /// that nothing waits forever for a server that never ran.
    static func running(
        _ services: [any Service], logger: Logger, onEnd: @escaping @Sendable () -> Void = {}, _ body: () async throws -> Void
    ) async throws {
        let unfinished = UnfinishedServices()
        let tracked = services.map { TrackedService(base: $0, unfinished: unfinished) }
        let group = ServiceGroup(configuration: .init(services: tracked, gracefulShutdownSignals: [], logger: logger))
        let running = Task {
            defer { onEnd() }
            try await group.run()
        }
        let names = tracked.map(\.name).joined(separator: ", ")
        let shutdown: @Sendable () -> String = { "the graceful shutdown of \(names) (still running: \(unfinished.names))" }
        do {
            try await body()
        } catch {
            await group.triggerGracefulShutdown()
            _ = await reportingStall(shutdown()) { try? await running.value }
            throw error
        }
        await group.triggerGracefulShutdown()
        try await reportingStall(shutdown()) { try await running.value }
    }

    /// Creates an endpoint and returns its id; `extra` is more JSON fields (`"retry": {...}`).
    func createEndpoint(url: String, eventTypes: [String] = ["*"], extra: String = "", api: APIClient? = nil) async throws -> String {
        let types = eventTypes.map { "\"\($0)\"" }.joined(separator: ",")
        let comma = extra.isEmpty ? "" : ","
        let answer = try await (api ?? self.api).post("/v1/endpoints", #"{"url":"\#(url)","eventTypes":[\#(types)]\#(comma)\#(extra)}"#)
        #expect(answer.status == 201, "\(answer.text)")
        return try #require(answer["id"]?.stringValue)
    }

    /// Publishes one event and returns its id.
    func publish(type: String = "case.updated", payload: String = #"{"n":1}"#, api: APIClient? = nil) async throws -> String {
        let answer = try await (api ?? self.api).post("/v1/events", #"{"type":"\#(type)","payload":\#(payload)}"#)
        #expect(answer.status == 202, "\(answer.text)")
        return try #require(answer["id"]?.stringValue)
    }

    /// Polls until `condition` holds for the delivery (read through the API), or fails after `timeout`.
    @discardableResult
    func waitForDelivery(
        _ id: String, timeout: Duration = .seconds(60), api: APIClient? = nil, until condition: (JSONObject) -> Bool
    ) async throws -> JSONObject {
        let deadline = ContinuousClock.now + timeout
        var last = JSONObject()
        while ContinuousClock.now < deadline {
            let answer = try await (api ?? self.api).get("/v1/deliveries/\(id)")
            last = answer.json.objectValue ?? JSONObject()
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("delivery \(id) did not reach the expected state: \(String(decoding: JSONValue.object(last).bytes, as: UTF8.self))")
        return last
    }

    /// The deliveries of an event, from `GET /v1/events/{id}`.
    func deliveries(ofEvent eventID: String, api: APIClient? = nil) async throws -> [JSONObject] {
        let answer = try await (api ?? self.api).get("/v1/events/\(eventID)")
        #expect(answer.status == 200, "\(answer.text)")
        return answer["deliveries"]?.arrayValue?.compactMap(\.objectValue) ?? []
    }
}

/// Runs a service and keeps its name in `unfinished` until it returns, so that a shutdown that
/// never ends can say which service it waits for (see ``reportingStall(_:after:report:_:)``).
private struct TrackedService: Service {
    let base: any Service
    let unfinished: UnfinishedServices
    var name: String { String(describing: type(of: base)) }

    func run() async throws {
        unfinished.add(name)
        defer { unfinished.remove(name) }
        try await base.run()
    }
}

private final class UnfinishedServices: Sendable {
    private let running = Mutex<[String]>([])
    var names: String { running.withLock { $0.isEmpty ? "none" : $0.joined(separator: ", ") } }
    func add(_ name: String) { running.withLock { $0.append(name) } }
    func remove(_ name: String) {
        running.withLock { if let index = $0.firstIndex(of: name) { $0.remove(at: index) } }
    }
}

extension JSONObject {
    var state: String? { self["state"]?.stringValue }
    var attempts: [JSONObject] { self["attempts"]?.arrayValue?.compactMap(\.objectValue) ?? [] }
    func string(_ key: String) -> String? { self[key]?.stringValue }
    func int(_ key: String) -> Int? { self[key].flatMap { if case .number(let t) = $0 { Int(t) } else { nil } } }
}
