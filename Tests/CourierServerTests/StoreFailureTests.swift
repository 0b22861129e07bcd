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

    /// A disk that cannot take a write (full here, by SQLite's page limit; an I/O error or a
    /// file made read-only alike) is the store being unavailable: `503`, not a `500`, and the
    /// write is refused whole. Once the disk takes writes again, so does Courier.
    @Test func aFullDiskRefusesWritesWithA503AndRecovers() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await SQLiteStore.open(path: directory.appendingPathComponent("courier.db").path, durability: .normal)
        try await withClosing(store, close: { await $0.close() }) { store in
            try await TestServer.with(store: store) { server in
                let endpoint = try await server.api.post("/v1/endpoints", #"{"url":"http://127.0.0.1:9/hook","eventTypes":["big"]}"#)
                #expect(endpoint.status == 201, "\(endpoint.text)")
                try await store.database.write { db in
                    let pages = try db.queryFirst("PRAGMA page_count") { $0.int(0) } ?? 0
                    try db.execute("PRAGMA max_page_count = \(pages)")
                }
                let payload = String(repeating: "x", count: 200_000)
                let refused = try await server.api.post("/v1/events", #"{"type":"big","payload":{"x":"\#(payload)"}}"#)
                #expect(refused.status == 503, "\(refused.status) \(refused.text.prefix(300))")
                #expect(refused.errorCode == "store_unavailable")
                let big = try await server.api.get("/v1/deliveries?type=big")
                #expect(big["data"]?.arrayValue?.isEmpty == true, "nothing of it was stored")
                try await store.database.write { db in try db.execute("PRAGMA max_page_count = 1073741823") }
                #expect(try await server.api.post("/v1/events", #"{"type":"big","payload":{"x":"\#(payload)"}}"#).status == 202)
            }
        }
    }

    /// A database file deleted under a running server went on taking writes through the open
    /// connections, all of them gone at the next start. Courier notices within a second:
    /// writes are refused and the health check fails, so nothing more is acknowledged.
    @Test func aDatabaseFileDeletedUnderTheServerRefusesWritesAndFailsTheHealthCheck() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("courier.db").path
        let store = try await SQLiteStore.open(path: path, durability: .normal)
        try await withClosing(store, close: { await $0.close() }) { store in
            try await TestServer.with(store: store) { server in
                #expect(try await server.api.post("/v1/events", #"{"type":"a","payload":{}}"#).status == 202)
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
                try await Task.sleep(for: SQLiteFileWatch.interval + .milliseconds(100))
                let refused = try await server.api.post("/v1/events", #"{"type":"a","payload":{}}"#)
                #expect(refused.status == 503, "\(refused.status) \(refused.text)")
                #expect(refused.errorCode == "store_unavailable")
                #expect(refused.text.contains("deleted or replaced"), "\(refused.text)")
                let health = try await server.api.withToken(nil).get("/healthz")
                #expect(health.status == 503 && health["status"]?.stringValue == "failing", "\(health.text)")
            }
        }
    }
}
