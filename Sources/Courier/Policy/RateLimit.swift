import Foundation

/// How often requests may go to an endpoint: at most `requests` in any `seconds`, for a
/// receiver with a quota (CommCare's per-repeater attempts per second; "hammering remotes" is
/// one of its known pains).
///
/// Requests are spaced evenly, `seconds / requests` apart, and never sent in a burst: a
/// receiver's quota may count in a fixed window, a sliding one or a token bucket, and even
/// spacing keeps within every one of them, where a burst of `requests` followed by the steady
/// rate would put up to twice as many in one of its windows. The limit holds for every node
/// together: the time the next request may go is kept with the endpoint in the store, and each
/// claim takes at most one delivery once that time has come (a batch is one request).
///
/// `maxInFlight` still bounds how many are under way at once; a rate limit bounds how often
/// they start. Every request counts: first attempts, retries, resends, tests and batches. The
/// spacing is kept as deliveries are claimed, not as requests leave: what an attempt does
/// before its request (a DNS lookup, an OAuth token) can bring two requests closer, and the
/// nodes' clocks must agree (PostgreSQL's nodes are held to 2 s). Each request takes a claim
/// of its own, so a fast limit may not be reached.
public struct RateLimit: Sendable, Hashable {
    /// The fastest limit: one request a millisecond. Each request needs a claim of its own.
    public static let fastestPerSecond = 1000
    public static let secondsRange = 1...86_400

    public var requests: Int
    public var seconds: Int

    public init(requests: Int, seconds: Int = 1) {
        self.requests = requests
        self.seconds = seconds
    }

    /// The least time between two requests, in microseconds, rounded up so that the rate
    /// never exceeds the limit. (Clamped, so that a limit made by hand and never validated
    /// cannot trap.)
    public var spacingMicros: Int64 {
        let total = Int64(min(max(seconds, 1), Self.secondsRange.upperBound)) * 1_000_000
        let requests = Int64(max(requests, 1))
        return (total + requests - 1) / requests
    }

    /// When the next request may go, from the time kept in the store (nil: at once).
    public static func readyAt(_ storedMicros: Int64?) -> Date {
        storedMicros.map { Date(timeIntervalSince1970: Double($0) / 1_000_000) } ?? .distantPast
    }

    /// The time to keep after a claim at `now` took a delivery: one spacing after the later of
    /// `now` and the time it was allowed from. Counting from `now` after an idle spell, rather
    /// than from the time last kept, is what forbids a burst.
    public func next(after storedMicros: Int64?, now: Date) -> Int64 {
        let nowMicros = Int64((now.timeIntervalSince1970 * 1_000_000).rounded(.down))
        return max(storedMicros ?? nowMicros, nowMicros) + spacingMicros
    }

    /// The time to keep when an endpoint's limit changes from `old` to `new`: one new spacing
    /// after the last request, which went one old spacing before the time kept. Starting
    /// afresh instead would let a request go at once after a slower limit was set, two of them
    /// then in one of the new limit's windows. Nil without a limit or a request to count from.
    public static func carried(_ storedMicros: Int64?, from old: RateLimit?, to new: RateLimit?) -> Int64? {
        guard let storedMicros, let old, let new else { return nil }
        return storedMicros - old.spacingMicros + new.spacingMicros
    }
}

extension RateLimit {
    /// Reads the `rateLimit` object of an endpoint. A stored one is read without `validate`:
    /// an endpoint saved by a Swift caller that skipped it, or under looser rules than today's,
    /// must still be read (``spacingMicros`` keeps it from trapping).
    public init(json: JSONValue, path: String = "rateLimit", validating: Bool = true) throws(CourierError) {
        var reader = try JSONFieldReader(json, path: path, what: path)
        guard let requests = try reader.integer("requests") else {
            throw .invalid("\(path).requests is required", field: "\(path).requests")
        }
        let seconds = try reader.integer("seconds") ?? 1
        try reader.rejectUnknownFields()
        self.init(requests: requests, seconds: seconds)
        if validating { try validate(path: path) }
    }

    /// Refuses a limit that lets nothing through, or one faster than one request a
    /// millisecond, whether it came as JSON or from a Swift caller.
    public func validate(path: String = "rateLimit") throws(CourierError) {
        try JSONFieldReader.check(seconds, in: Self.secondsRange, field: "\(path).seconds")
        try JSONFieldReader.check(requests, in: 1...(seconds * Self.fastestPerSecond), field: "\(path).requests")
    }

    /// The limit as the API shows it.
    public var json: JSONValue {
        var object = JSONObject()
        object.append("requests", .integer(requests))
        object.append("seconds", .integer(seconds))
        return .object(object)
    }
}
