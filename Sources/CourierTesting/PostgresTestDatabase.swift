import Foundation

/// Throwaway PostgreSQL databases for tests, on the server `COURIER_TEST_POSTGRES_URL` names
/// (`scripts/test` starts one). Each test gets a database of its own, so tests run in parallel.
public enum PostgresTestDatabase {
    /// The server's URL, or nil when no PostgreSQL is available (the tests are then skipped).
    public static var serverURL: String? {
        ProcessInfo.processInfo.environment["COURIER_TEST_POSTGRES_URL"]
    }

    public static var isAvailable: Bool { serverURL != nil }

    /// A shell command that restarts the server (`COURIER_TEST_POSTGRES_RESTART`).
    public static var restartCommand: String? {
        ProcessInfo.processInfo.environment["COURIER_TEST_POSTGRES_RESTART"]
    }

    /// Creates an empty database and returns its URL.
    public static func create() throws -> String {
        guard let server = serverURL, var components = URLComponents(string: server) else {
            throw TestDatabaseError(message: "COURIER_TEST_POSTGRES_URL is not set")
        }
        let name = "courier_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try psql(server, "CREATE DATABASE \(name)")
        components.path = "/\(name)"
        return components.string!
    }

    /// Drops a database made by ``create()``.
    public static func drop(_ url: String) {
        guard let server = serverURL, let name = URLComponents(string: url)?.path.dropFirst() else { return }
        try? psql(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// Runs `sql` with the `psql` client (Debian's postgresql-client, installed with the server).
    public static func psql(_ url: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestDatabaseError(message: "psql failed: \(String(decoding: output, as: UTF8.self))")
        }
    }

    /// Runs a shell command (the restart command, for one).
    public static func shell(_ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestDatabaseError(message: "\(command) failed: \(String(decoding: output, as: UTF8.self))")
        }
    }
}

public struct TestDatabaseError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
