import Foundation

/// When a delivery that failed with a retryable error is tried again, and when it gives up.
///
/// The default reproduces Svix's schedule (immediately, then 5 s, 5 min, 30 min, 2 h, 5 h,
/// 10 h, 10 h): long enough to ride out a day's outage, short enough that a person notices.
/// The presets reproduce the lineage systems for teams moving from them.
public enum RetryPolicy: Sendable, Hashable {
    /// Wait `delays[n-1]` seconds after the n-th failed attempt; give up after `delays.count + 1` attempts.
    case delays([Double])
    /// `initial × factor^(n-1)` seconds, capped at `max`, with ±10% jitter.
    case exponential(Exponential)
    /// CommCare's repeat records: wait three times as long as the time since the previous
    /// attempt, between 1 hour and 7 days, 6 attempts in all (1 h, 3 h, 9 h, 27 h, 81 h).
    case commcare
    /// rest-hooks-delivery and RapidSMS's Celery retries: `retries` more attempts, `interval` apart.
    case fixed(retries: Int, interval: Double)

    public struct Exponential: Sendable, Hashable {
        public var initial: Double
        public var factor: Double
        public var max: Double
        public var maxAttempts: Int
        /// Give up once the next attempt would fall more than this long after the first one.
        public var maxAge: Double?

        public init(initial: Double, factor: Double = 2, max: Double = 3600, maxAttempts: Int = 10, maxAge: Double? = nil) {
            self.initial = initial
            self.factor = factor
            self.max = max
            self.maxAttempts = maxAttempts
            self.maxAge = maxAge
        }
    }

    public static let standard = RetryPolicy.delays([5, 300, 1800, 7200, 18000, 36000, 36000])

    /// The most attempts a delivery may make under this policy, or nil when only `maxAge` bounds it.
    public var maximumAttempts: Int {
        switch self {
        case .delays(let delays): delays.count + 1
        case .exponential(let e): e.maxAttempts
        case .commcare: 6
        case .fixed(let retries, _): retries + 1
        }
    }

    /// How long after its first attempt a delivery may still be tried, when the policy says.
    public var maxAge: TimeInterval? {
        if case .exponential(let e) = self { return e.maxAge }
        return nil
    }

    /// The wait before the next attempt, or nil when the delivery has used its attempts.
    ///
    /// - Parameters:
    ///   - failedAttempts: attempts made so far in this budget, the one that just failed included.
    ///   - firstAttemptAt: when the first attempt of this budget was made.
    ///   - previousAttemptAt: when the attempt before the one that just failed was made, if any.
    ///   - now: when the failed attempt ended.
    ///   - jitter: a number in `0..<1`; injected so tests are exact.
    public func delay(
        afterFailedAttempts failedAttempts: Int,
        firstAttemptAt: Date,
        previousAttemptAt: Date?,
        now: Date,
        jitter: Double
    ) -> TimeInterval? {
        guard failedAttempts >= 1, failedAttempts < maximumAttempts else { return nil }
        switch self {
        case .delays(let delays):
            return delays[failedAttempts - 1]
        case .exponential(let e):
            let base = Swift.min(e.initial * pow(e.factor, Double(failedAttempts - 1)), e.max)
            let wait = Swift.min(base * (0.9 + 0.2 * jitter), e.max)
            if let maxAge = e.maxAge, now.addingTimeInterval(wait).timeIntervalSince(firstAttemptAt) > maxAge {
                return nil
            }
            return wait
        case .commcare:
            let sincePrevious = previousAttemptAt.map { now.timeIntervalSince($0) } ?? 0
            return Swift.min(Swift.max(3 * sincePrevious, 3600), 7 * 86400)
        case .fixed(_, let interval):
            return interval
        }
    }
}

extension RetryPolicy {
    /// Reads the `retry` object of an endpoint.
    public init(json: JSONValue, path: String = "retry") throws(CourierError) {
        var reader = try JSONFieldReader(json, path: path, what: path)
        if let preset = try reader.string("preset") {
            switch preset {
            case "standard":
                self = .standard
            case "commcare":
                self = .commcare
            case "fixed":
                self = .fixed(retries: try reader.integer("retries") ?? 3, interval: try reader.double("interval") ?? 180)
            default:
                throw .invalid("\(reader.fieldPath("preset")) must be one of standard, commcare, fixed", field: reader.fieldPath("preset"))
            }
        } else if reader.has("delays") {
            guard case .array(let elements) = reader.value("delays") ?? .null else {
                throw .invalid("\(reader.fieldPath("delays")) must be an array of seconds", field: reader.fieldPath("delays"))
            }
            var delays: [Double] = []
            for (i, element) in elements.enumerated() {
                // Out of range is the check's to say; not a number at all is said here.
                guard let d = element.doubleValue, d.isFinite else {
                    throw .invalid("\(reader.fieldPath("delays"))[\(i)] must be a number of seconds", field: "\(reader.fieldPath("delays"))[\(i)]")
                }
                delays.append(d)
            }
            self = .delays(delays)
        } else if reader.has("initial") {
            self = .exponential(Exponential(
                initial: try reader.double("initial") ?? 0, factor: try reader.double("factor") ?? 2,
                max: try reader.double("max") ?? 3600, maxAttempts: try reader.integer("maxAttempts") ?? 10,
                maxAge: try reader.double("maxAge")
            ))
        } else {
            throw .invalid("\(path) needs delays, initial (exponential), or a preset", field: path)
        }
        try reader.rejectUnknownFields()
        try validate(path: path)
    }

    /// The longest wait any policy may ask for between two attempts.
    public static let longestDelay: Double = 30 * 86400

    /// Refuses a schedule that cannot be followed (a negative or endless wait, a factor that
    /// shrinks, no attempt at all), whether it came as JSON or from a Swift caller.
    public func validate(path: String = "retry") throws(CourierError) {
        func seconds(_ value: Double, _ field: String, in range: ClosedRange<Double>) throws(CourierError) {
            guard value.isFinite, range.contains(value) else {
                throw .invalid("\(field) must be a number of seconds from \(Int(range.lowerBound)) to \(Int(range.upperBound))", field: field)
            }
        }
        switch self {
        case .delays(let delays):
            guard delays.count <= 100 else { throw .invalid("\(path).delays may hold at most 100 delays", field: "\(path).delays") }
            for (i, delay) in delays.enumerated() { try seconds(delay, "\(path).delays[\(i)]", in: 0...Self.longestDelay) }
        case .exponential(let e):
            try seconds(e.initial, "\(path).initial", in: 0...86400)
            guard e.factor.isFinite, (1...100).contains(e.factor) else {
                throw .invalid("\(path).factor must be between 1 and 100", field: "\(path).factor")
            }
            guard e.max.isFinite, e.max >= e.initial, e.max <= Self.longestDelay else {
                throw .invalid("\(path).max must be at least initial and at most 2592000 seconds", field: "\(path).max")
            }
            try JSONFieldReader.check(e.maxAttempts, in: 1...100, field: "\(path).maxAttempts")
            if let maxAge = e.maxAge, !(maxAge.isFinite && maxAge > 0) {
                throw .invalid("\(path).maxAge must be positive", field: "\(path).maxAge")
            }
        case .commcare:
            break
        case .fixed(let retries, let interval):
            try JSONFieldReader.check(retries, in: 0...100, field: "\(path).retries")
            try seconds(interval, "\(path).interval", in: 0...Self.longestDelay)
        }
    }

    /// The policy as the API shows it, in a shape it reads back: presets `commcare` and
    /// `fixed` as written; `{"preset": "standard"}` as the delays it stands for, which is what
    /// is kept (an endpoint's schedule does not change if the preset's ever does).
    public var json: JSONValue {
        switch self {
        case .delays(let delays):
            return .object(JSONObject(["delays": .array(delays.map(JSONValue.double))]))
        case .exponential(let e):
            var object = JSONObject([
                "initial": .double(e.initial), "factor": .double(e.factor),
                "max": .double(e.max), "maxAttempts": .integer(e.maxAttempts),
            ])
            if let maxAge = e.maxAge { object["maxAge"] = .double(maxAge) }
            return .object(object)
        case .commcare:
            return .object(JSONObject(["preset": .string("commcare")]))
        case .fixed(let retries, let interval):
            return .object(JSONObject(["preset": .string("fixed"), "retries": .integer(retries), "interval": .double(interval)]))
        }
    }
}
