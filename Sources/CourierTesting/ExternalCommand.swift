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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, text: String(decoding: output, as: UTF8.self))
    }
}
