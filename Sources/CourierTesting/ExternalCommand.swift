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
    public static func run(_ arguments: [String]) throws -> Output {
        let (termination, text) = try ChildProcess.run("/usr/bin/env", arguments)
        return Output(status: termination.status, text: text)
    }
}
