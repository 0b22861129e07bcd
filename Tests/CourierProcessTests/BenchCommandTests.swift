import Courier
import CourierTesting
import Foundation
import Testing

/// `courier bench` runs and reports every figure it promises. Only that it works is checked
/// here, never how fast: benchmarks are not tests.
@Suite struct BenchCommandTests {
    @Test(arguments: [["--scenario", "unbatched", "--events", "300"], ["--scenario", "latency", "--events", "100", "--rate", "500"]])
    func benchReportsEveryFigure(_ arguments: [String]) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let json = directory.path("bench.json")
        let output = try ExternalCommand.run([CourierProcess.binary, "bench"] + arguments + ["--durability", "normal", "--json", json])
        #expect(output.status == 0, "\(output.text)")
        #expect(output.text.contains("delivered"), "\(output.text)")
        let results = try #require(try JSONParser.parse(Array(Data(contentsOf: URL(fileURLWithPath: json)))).objectValue)
        #expect(results["scenario"]?.stringValue == arguments[1])
        #expect(results["events"] == .number(arguments[3]))
        #expect((results["deliveredPerSecond"]?.doubleValue ?? 0) > 0)
        let latency = try #require(results["latencyMicroseconds"]?.objectValue)
        #expect(Set(latency.keys) == ["max", "p50", "p90", "p99"])
        #expect((results["peakResidentMegabytes"]?.doubleValue ?? 0) > 0)
    }
}
