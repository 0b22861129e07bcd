import Courier
@testable import CourierSQLite
import CourierTesting
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What a person and an orchestrator see when SQLite's log cannot be brought to disk.
@Suite struct StoreFailureTests {
    /// Whether the log's flushes fail, switched by the test.
    final class FailingDisk: Sendable {
        let failing = Atomic<Bool>(false)

        var sync: SQLiteLogFlusher.Sync {
            { [self] descriptor in failing.load(ordering: .relaxed) ? EIO : SQLiteLogFlusher.dataSync(descriptor) }
        }
    }

    @Test func aFailedFlushRefusesWritesWithA503AndFailsTheHealthCheck() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let disk = FailingDisk()
        let store = try await SQLiteStore.open(path: directory.appendingPathComponent("courier.db").path, durability: .full, sync: disk.sync)
        try await withClosing(store, close: { await $0.close() }) { store in
            try await TestServer.with(store: store) { server in
                #expect(try await server.api.withToken(nil).get("/healthz").status == 200)
                // Subscribed to nothing published here: the engine stays idle, and only the API writes.
                let endpoint = try await server.api.post("/v1/endpoints", #"{"url":"http://127.0.0.1:9/hook","eventTypes":["other.*"]}"#)
                #expect(endpoint.status == 201, "\(endpoint.text)")
                #expect(try await server.api.post("/v1/events", #"{"type":"a","payload":{}}"#).status == 202)

                disk.failing.store(true, ordering: .relaxed)
                let refused = try await server.api.post("/v1/events", #"{"type":"a","payload":{}}"#)
                #expect(refused.status == 503, "\(refused.text)")
                #expect(refused.errorCode == "store_unavailable")
                #expect(refused.text.contains("errno \(EIO)"), "\(refused.text)")

                // The disk answering again changes nothing: what it failed to write is unknown.
                disk.failing.store(false, ordering: .relaxed)
                #expect(try await server.api.post("/v1/events", #"{"type":"a","payload":{}}"#).status == 503)
                let health = try await server.api.withToken(nil).get("/healthz")
                #expect(health.status == 503, "\(health.text)")
                #expect(health["status"]?.stringValue == "failing")
                #expect(health.errorCode == "store_unavailable")
                // Reads still answer, for a person looking at what happened.
                #expect(try await server.api.get("/v1/endpoints").status == 200)
            }
        }
    }
}
