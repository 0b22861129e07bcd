import Foundation

/// Runs a program that does not leave anything running behind (psql, python3) and captures
/// what it prints; tests use it to reach independent clients and tools.
public enum ExternalCommand {
    public struct Output: Sendable {
        public var status: Int32
        public var text: String
    }

    /// Runs `arguments` through `/usr/bin/env` (so `arguments[0]` is found on the PATH),
    /// with standard output and standard error together.
    ///
    /// It waits without holding a thread of Swift's cooperative pool: on two cores that pool
    /// has two threads, and a browser test blocking one for half a minute stalled every other
    /// test's requests.
    public static func run(_ arguments: [String]) async throws -> Output {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("command-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let child = try ChildProcess(
            executable: "/usr/bin/env", arguments: arguments, environment: ProcessInfo.processInfo.environment, output: path
        )
        let termination = await child.termination()
        return Output(status: termination.status, text: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }
}
