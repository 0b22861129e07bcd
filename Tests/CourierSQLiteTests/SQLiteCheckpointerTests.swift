@testable import CourierSQLite
import Foundation
import Synchronization
import Testing

/// The write-ahead log is copied back into the file off the writer's thread, and stays bounded.
@Suite struct SQLiteCheckpointerTests {
    /// Writes `transactions` commits of about a page each into a fresh file and returns the
    /// database (still open) with the size of its log.
    static func fill(
        _ settings: SQLiteCheckpointer.Settings, transactions: Int, in directory: URL
    ) async throws -> (SQLiteDatabase, walBytes: () throws -> Int) {
        let path = directory.appendingPathComponent("courier.db").path
        let database = try SQLiteDatabase(path: path, durability: .normal, checkpoints: settings)
        try await database.write { try $0.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, body BLOB NOT NULL)") }
        for i in 0..<transactions { try await insertRow(i, into: database) }
        let walBytes = {
            (try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        }
        return (database, walBytes)
    }

    /// Commits a row of most of a page: two or three pages of log.
    static func insertRow(_ id: Int, into database: SQLiteDatabase) async throws {
        try await database.write { try $0.run("INSERT INTO rows (id, body) VALUES (?, ?)", [.integer(Int64(id)), .blob(Array(repeating: 7, count: 3_000))]) }
    }

    static func withDirectory(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-wal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }

    /// Who checkpointed, and how many rows a reader sees; then closes the database.
    static func outcome(_ database: SQLiteDatabase) async throws -> (byThread: Int, byWriter: Int, rows: Int64?) {
        let rows = try await database.read { try $0.queryFirst("SELECT COUNT(*) FROM rows", []) { $0.int(0) } }
        await database.shutdown()
        return (
            database.checkpointer.checkpoints.load(ordering: .relaxed), database.checkpointer.writerCheckpoints.load(ordering: .relaxed), rows
        )
    }

    /// A log frame: a 4 KB page and its 24-byte header.
    static let frameBytes = 4_096 + 24

    @Test func theCheckpointerThreadCopiesTheLogIntoTheFile() async throws {
        try await Self.withDirectory { directory in
            // 400 commits of a page or two; the limit is out of reach, so only the thread copies.
            let (database, _) = try await Self.fill(.init(threshold: 16, limit: 100_000), transactions: 400, in: directory)
            let path = directory.appendingPathComponent("courier.db").path
            // Without a checkpoint the rows would all still be in the log, and the file a few pages.
            var fileBytes = 0
            for _ in 0..<500 where fileBytes < 400 * 3_000 {
                try await Task.sleep(for: .milliseconds(10))
                fileBytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            }
            #expect(fileBytes >= 400 * 3_000, "the file holds \(fileBytes) bytes")
            let outcome = try await Self.outcome(database)
            #expect(outcome.byThread > 0, "the checkpointer's thread ran")
            #expect(outcome.byWriter == 0, "the writer never had to")
            #expect(outcome.rows == 400)
        }
    }

    @Test func theWriterCheckpointsItselfPastTheLimit() async throws {
        try await Self.withDirectory { directory in
            // The thread is never asked (its threshold is out of reach): only the limit keeps the log
            // in bounds. (A writer that never pauses leaves the thread no moment at which the whole
            // log is copied, so the log starts over only after the writer's own checkpoint.)
            let (database, walBytes) = try await Self.fill(.init(threshold: 100_000, limit: 40), transactions: 400, in: directory)
            let bytes = try walBytes()
            #expect(bytes < 60 * Self.frameBytes, "log of \(bytes / Self.frameBytes) pages")
            let outcome = try await Self.outcome(database)
            #expect(outcome.byThread == 0)
            #expect(outcome.byWriter > 0)
            #expect(outcome.rows == 400)
        }
    }

    /// The defaults were tuned against the `POST` tail (BENCHMARKS.md, "Fewer checkpoints"):
    /// the thread copies the log once it holds about 4,000 pages, and the writer, whose limit
    /// is eight times that, is left alone.
    @Test func byDefaultTheThreadCheckpointsAtFourThousandPagesAndTheWriterNever() async throws {
        try await Self.withDirectory { directory in
            let (database, walBytes) = try await Self.fill(.init(), transactions: 0, in: directory)
            var written = 0
            func write(untilTheLogHolds pages: Int) async throws {
                while try walBytes() < pages * Self.frameBytes {
                    try await Self.insertRow(written, into: database)
                    written += 1
                }
            }
            let checkpoints = { database.checkpointer.checkpoints.load(ordering: .relaxed) }
            try await write(untilTheLogHolds: 3_800)
            try await Task.sleep(for: .milliseconds(300))
            #expect(checkpoints() == 0, "checkpointed below 3,800 pages")
            try await write(untilTheLogHolds: 4_200)
            for _ in 0..<3_000 where checkpoints() == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(checkpoints() > 0, "no checkpoint at 4,200 pages")
            let outcome = try await Self.outcome(database)
            #expect(outcome.byWriter == 0, "the writer checkpointed")
            #expect(outcome.rows == Int64(written))
        }
    }

    @Test func whatWasCheckpointedIsReadAfterReopening() async throws {
        try await Self.withDirectory { directory in
            let (database, _) = try await Self.fill(.init(threshold: 16, limit: 10_000), transactions: 100, in: directory)
            await database.shutdown()
            let path = directory.appendingPathComponent("courier.db").path
            let reopened = try SQLiteDatabase(path: path, durability: .normal)
            let sum = try await reopened.read { try $0.queryFirst("SELECT COUNT(*), SUM(length(body)) FROM rows", []) { [$0.int(0), $0.int(1)] } }
            #expect(sum == [100, 300_000])
            await reopened.shutdown()
        }
    }
}
