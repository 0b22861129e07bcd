import Foundation

/// The loopback ceiling: how many requests a second the benchmark receiver answers when `wrk`
/// (a C load generator, far cheaper per request than any webhook sender) drives it with the
/// same number of connections Courier uses. Unbatched delivery cannot beat it on one machine,
/// so Courier's rate is reported as a fraction of it, measured in the same run.
enum BenchCeiling {
    static func measure(url: String, connections: Int, seconds: Int = 5) throws -> Double? {
        guard let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile) else {
            return nil
        }
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("courier-bench-\(UUID().uuidString).lua")
        // A body the size of a benchmark event's envelope, with the headers a signed delivery carries.
        try Data("""
        wrk.method = "POST"
        wrk.body = '{"id":"evt_01KAT8W4X2J8M1Q7A3S9D0F5GH","type":"bench.event","timestamp":"2026-11-24T00:00:00.000Z","data":{"i":1,"name":"event 1"}}'
        wrk.headers["Content-Type"] = "application/json"
        wrk.headers["webhook-timestamp"] = "1795564800"
        wrk.headers["webhook-signature"] = "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="

        """.utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = ["-t2", "-c\(connections)", "-d\(seconds)s", "-s", script.path, url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") }) else { return nil }
        return Double(line.dropFirst("Requests/sec:".count).trimmingCharacters(in: .whitespaces))
    }
}
