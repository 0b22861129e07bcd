import Foundation

/// The fields of an `application/x-www-form-urlencoded` body (what an HTML form posts) or of
/// a query string.
struct FormFields: Sendable {
    private var values: [String: String] = [:]

    init(_ text: String) {
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            values[name] = value
        }
    }

    subscript(name: String) -> String? { values[name] }

    /// The value, or nil when it is missing or empty (an untouched filter field).
    func nonEmpty(_ name: String) -> String? {
        values[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Every field but the empty ones: what a filter form sent, its untouched fields left out.
    var nonEmptyValues: [String: String] {
        values.filter { !$0.value.isEmpty }
    }

    private static func decode(_ text: Substring) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
    }
}
