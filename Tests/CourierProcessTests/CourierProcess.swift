import CourierTesting
import Foundation
import Testing

/// A real long-running `courier` process: a server, for tests that kill it, or the sink.
final class CourierProcess {
    static let adminToken = "process-test-admin-token"

    let arguments: [String]
    /// A command that runs the executable, such as `setpriv` to run it as another user; none by default.
    var launcher: [String] = []
    let outputPath: String
    private(set) var child: ChildProcess?
    private(set) var baseURL = ""

    /// The built executable: `COURIER_BINARY`, or `.build/debug/courier` beside this package.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["COURIER_BINARY"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/courier").path
    }

    /// `courier serve` on a SQLite file; `normal` durability unless told, which spares the tests
    /// a flush per publish.
    convenience init(database: String, durability: String = "normal", arguments: [String] = []) throws {
        try self.init(command: "serve", store: ["--db", database, "--durability", durability], arguments: arguments)
    }

    /// `courier <command>` with the given store arguments (`--db PATH` or `--postgres URL`).
    convenience init(command: String, store: [String], arguments: [String] = []) throws {
        // The tests' receivers are on loopback.
        try self.init(arguments: [command] + store + ["--port", "0", "--log-level", "warning", "--allow-private-targets"] + arguments)
    }

    /// `courier` with exactly these arguments, for a command that prints the URL it listens on.
    init(arguments: [String]) throws {
        outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("courier-\(UUID().uuidString).out").path
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        self.arguments = arguments
    }

    /// More of the process's environment, beside the admin token.
    var environment: [String: String] = [:]

    /// Starts the process and waits until it listens.
    func start() async throws -> APIClient {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build the courier executable first (scripts/test does)")
        var environment = ProcessInfo.processInfo.environment
        environment["COURIER_ADMIN_TOKEN"] = Self.adminToken
        environment.merge(self.environment) { $1 }
        let child = try launcher.isEmpty
            ? ChildProcess(executable: Self.binary, arguments: arguments, environment: environment, output: outputPath)
            : ChildProcess(executable: launcher[0], arguments: launcher.dropFirst() + [Self.binary] + arguments, environment: environment, output: outputPath)
        self.child = child
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            if let range = output.range(of: "http://") {
                let rest = output[range.lowerBound...]
                baseURL = String(rest.prefix { !$0.isWhitespace })
                if baseURL.hasSuffix("/healthz") { baseURL = String(baseURL.dropLast("/healthz".count)) }
                return APIClient(baseURL: baseURL, token: Self.adminToken)
            }
            if await child.ended() != nil {
                throw ProcessFailure(message: "courier exited early: \(output)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ProcessFailure(message: "courier did not start: \((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")")
    }

    func kill(_ signal: Int32) {
        child?.signal(signal)
    }

    /// Waits for the process to exit and returns its status, or nil if it is still running after `timeout`.
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32? {
        guard let child else { return nil }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let termination = await child.ended() { return termination.status }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Waits until the process's output holds `text`.
    func waitForOutput(_ text: String, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if output.contains(text) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ProcessFailure(message: "courier never said \(text): \(output)")
    }

    deinit {
        // The child's own deinit kills it if it still runs.
        try? FileManager.default.removeItem(atPath: outputPath)
    }
}

struct ProcessFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A temporary folder removed at the end of a test.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("courier-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
