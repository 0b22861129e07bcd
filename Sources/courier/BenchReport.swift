import Courier
import CourierSQLite
import Foundation
import Histogram

#if canImport(Glibc)
import Glibc
#endif

/// What `courier bench` found: a table for people and the same figures as JSON for scripts.
struct BenchReport {
    private(set) var lines: [String] = []
    var object = JSONObject()

    mutating func add(_ key: String, _ value: JSONValue, label: String, text: String) {
        object.append(key, value)
        line(label, text)
    }

    mutating func rate(_ key: String, _ perSecond: Double, label: String, unit: String) {
        add(key, .double(perSecond.rounded()), label: label, text: "\(Self.grouped(perSecond)) \(unit)/s")
    }

    mutating func percentiles(_ key: String, _ histogram: Histogram<UInt64>, label: String) {
        let keys = [("p50", 50.0), ("p90", 90.0), ("p99", 99.0)]
        var figures = JSONObject(keys.map { .init(key: $0.0, value: .integer(Int(histogram.valueAtPercentile($0.1)))) })
        figures.append("max", .integer(Int(histogram.maxRecorded)))
        let text = figures.fields.map { String(format: "%@ %.2f", $0.key, ($0.value.doubleValue ?? 0) / 1000) }
        add(key, .object(figures), label: label + " (ms)", text: text.joined(separator: "  "))
    }

    /// The writer's statements during the scenario, the most time first: the ten largest in
    /// the table (each with its time per delivered event and its longest run), every one in the JSON.
    mutating func statements(_ entries: [SQLiteStatementTimes.Entry], per events: Int) {
        let total = entries.reduce(0) { $0 + $1.seconds }
        line("writer statements", String(format: "%.3f s in all, the most time first:", total))
        for entry in entries.prefix(10) {
            let sql = entry.sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            let text = String(
                format: "%8.3f s %8d×  %5.2f µs/event  longest %7.2f ms  ", entry.seconds, entry.count, entry.seconds * 1e6 / Double(events),
                entry.longest * 1e3
            )
            line("", text + sql.prefix(70))
        }
        object.append("writerStatements", .array(entries.map { entry in
            .object(JSONObject([
                "sql": .string(entry.sql), "count": .integer(entry.count), "seconds": .double((entry.seconds * 1e6).rounded() / 1e6),
                "longestSeconds": .double((entry.longest * 1e6).rounded() / 1e6),
            ]))
        }))
    }

    mutating func line(_ label: String, _ text: String) {
        lines.append(label.padding(toLength: max(22, label.count + 1), withPad: " ", startingAt: 0) + text)
    }

    var table: String { lines.joined(separator: "\n") }

    static func grouped(_ value: Double) -> String {
        let digits = String(Int(value.rounded()))
        var out = ""
        for (index, character) in digits.reversed().enumerated() {
            if index > 0, index % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return String(out.reversed())
    }

    /// A latency histogram in microseconds, up to ten minutes.
    static func histogram() -> Histogram<UInt64> {
        Histogram(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    }
}

/// CPU time and peak memory of this process, from `getrusage`.
struct Usage {
    var cpu: Double
    var maxResidentKilobytes: Int

    static func now() -> Usage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return Usage(cpu: user + system, maxResidentKilobytes: usage.ru_maxrss)
    }

    var peakMegabytes: Double { Double(maxResidentKilobytes) / 1024 }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    var microseconds: UInt64 {
        UInt64(max(0, components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000))
    }
}
