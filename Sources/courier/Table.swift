import Courier
import Foundation

/// Rows of text in columns two spaces apart, each as wide as its widest cell: what the everyday
/// commands print for a person, where `--json` prints the API's JSON for a program.
///
/// Without a header it lays out a single record as name and value lines.
struct Table {
    var header: [String]?
    private(set) var rows: [[String]] = []

    init(_ header: [String]? = nil) {
        self.header = header
    }

    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    var text: String {
        let all = (header.map { [$0] } ?? []) + rows
        let columns = all.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in all.map { $0.count > column ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Prints the table, or says on standard error that there was nothing to show.
    func show(ifEmpty empty: String) {
        if rows.isEmpty { note(empty) } else { say(text) }
    }
}

/// A value as a table cell: text as it is, times shortened, `-` for nothing, compact JSON
/// for objects and arrays; cut at `limit` characters and kept on one line.
func cell(_ value: JSONValue?, limit: Int = 60) -> String {
    let text: String
    switch value {
    case nil, .null?, .string("")?: return "-"
    case .string(let string)?: text = shortTime(string) ?? string
    case .number(let number)?: text = number
    case .bool(let bool)?: text = bool ? "yes" : "no"
    case let value?: text = String(decoding: value.bytes, as: UTF8.self)
    }
    let line = text.replacingOccurrences(of: "\n", with: " ")
    return line.count > limit ? String(line.prefix(limit - 1)) + "…" : line
}

/// `2026-11-23 23:43:25` for one of the API's times (`2026-11-23T23:43:25.372Z`), which are
/// always UTC; nil for any other text.
private func shortTime(_ text: String) -> String? {
    guard text.count >= 20, text.hasSuffix("Z"), Timestamp.parse(text) != nil else { return nil }
    return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(8))
}

/// Prints JSON as it is, for `--json`.
func say(json bytes: [UInt8]) {
    say(String(decoding: bytes, as: UTF8.self))
}
