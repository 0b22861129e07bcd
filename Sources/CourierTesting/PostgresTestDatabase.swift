import Foundation

/// Throwaway PostgreSQL databases for tests, on the server `COURIER_TEST_POSTGRES_URL` names
/// (`scripts/test` starts one). Each test gets a database of its own, so tests run in parallel.
public enum PostgresTestDatabase {
    /// The server's URL, or nil when no PostgreSQL is available (the tests are then skipped).
    public static var serverURL: String? {
        ProcessInfo.processInfo.environment["COURIER_TEST_POSTGRES_URL"]
    }

    public static var isAvailable: Bool { serverURL != nil }

    /// How long a test's store operation may take. Tests of correctness under concurrency run
    /// beside every other suite on a debug build, where a burst of claims waiting on one
    /// endpoint's lock can outlast the production deadline; the deadline's own behaviour is
    /// tested through a real outage with the default.
    public static let operationTimeout: Duration = .seconds(60)

    /// The pool of a test's store. Dozens of PostgreSQL tests run at once, some with three
    /// nodes each; with the production pool of 20 they could take every connection the test
    /// cluster has and stall one another.
    public static let maximumConnections = 8

    /// Creates an empty database and returns its URL.
    public static func create() async throws -> String {
        guard let server = serverURL, var components = URLComponents(string: server) else {
            throw TestDatabaseError(message: "COURIER_TEST_POSTGRES_URL is not set")
        }
        let name = "courier_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try await psql(server, "CREATE DATABASE \(name)")
        components.path = "/\(name)"
        return components.string!
    }

    /// Drops a database made by ``create()``, in the background: nothing waits for it, so a
    /// test's `defer` can ask for it.
    public static func drop(_ url: String) {
        guard let server = serverURL, let name = URLComponents(string: url)?.path.dropFirst() else { return }
        Task { try? await psql(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    }

    /// Runs `sql` with the `psql` client (Debian's postgresql-client, installed with the server).
    public static func psql(_ url: String, _ sql: String) async throws {
        let output = try await ExternalCommand.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        guard output.status == 0 else {
            throw TestDatabaseError(message: "psql failed: \(output.text)")
        }
    }

    /// Runs a shell command and waits for the shell itself (``ChildProcess`` reaps it with
    /// `waitpid`), without holding a thread of Swift's cooperative pool: `initdb` takes seconds,
    /// and on two cores a blocked thread is half of every other test's time.
    ///
    /// Not `Foundation.Process`: it notices that a child ended only when every descendant has
    /// let go of an inherited descriptor, and a server the command starts in the background
    /// never does.
    public static func shell(_ command: String) async throws {
        let output = try await ExternalCommand.run(["/bin/sh", "-c", "(\(command))"])
        guard output.status == 0 else {
            throw TestDatabaseError(message: "\(command) failed (\(output.status)): \(output.text)")
        }
    }
}

public struct TestDatabaseError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A PostgreSQL server of a test's own, for tests that stop and restart it; built with the
/// binaries `scripts/test` found (`COURIER_TEST_POSTGRES_BIN`, run as `COURIER_TEST_POSTGRES_RUNAS`).
public final class PrivatePostgresCluster: Sendable {
    public let url: String
    let directory: String
    let port: Int
    let bin: String
    let runAs: String

    public static var isAvailable: Bool {
        ProcessInfo.processInfo.environment["COURIER_TEST_POSTGRES_BIN"] != nil
    }

    public init() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let bin = environment["COURIER_TEST_POSTGRES_BIN"] else {
            throw TestDatabaseError(message: "COURIER_TEST_POSTGRES_BIN is not set")
        }
        self.bin = bin
        runAs = environment["COURIER_TEST_POSTGRES_RUNAS"] ?? ""
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("courier-pg-\(UUID().uuidString.prefix(8))").path
        // Below the kernel's ephemeral range (32768 and up by default), so that while the server
        // is stopped for a restart no outgoing connection can take its port.
        port = Int.random(in: 20000...29999)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if !runAs.isEmpty { try await PostgresTestDatabase.shell("chown postgres \(directory)") }
        try await PostgresTestDatabase.shell("\(runAs) \(bin)/initdb -D \(directory) -A trust -U courier > /dev/null")
        url = "postgres://courier@127.0.0.1:\(port)/courier"
        do {
            try await start()
            try await PostgresTestDatabase.shell("\(bin)/createdb -h 127.0.0.1 -p \(port) -U courier courier")
        } catch {
            await destroy()
            throw error
        }
    }

    public func start() async throws {
        let options = "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off"
        try await PostgresTestDatabase.shell("\(runAs) \(bin)/pg_ctl -D \(directory) -o '\(options)' -l \(directory)/server.log -w start > /dev/null")
    }

    /// Stops the server at once, as a crash would (`-m immediate`).
    public func stop() async throws {
        try await PostgresTestDatabase.shell("\(runAs) \(bin)/pg_ctl -D \(directory) -m immediate -w stop > /dev/null")
    }

    public func destroy() async {
        try? await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
