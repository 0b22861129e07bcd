import Foundation

/// Decides what a receiver's answer means for a delivery.
///
/// The defaults follow the design: 2xx succeeds; timeouts, connection errors, 408, 409, 425,
/// 429 and 5xx are retried (429 and 503 honour `Retry-After`); 410 unsubscribes; other 4xx and
/// every 3xx (redirects are never followed) are refused for good. A receiver may also answer
/// `webhook-delivery: abort-message` to stop retries of one delivery, as Svix allows.
public struct ResponseClassifier: Sendable, Hashable {
    public struct Verdict: Sendable, Hashable {
        public var outcome: Attempt.Outcome
        /// How long the receiver asked us to wait, from `Retry-After`.
        public var retryAfter: TimeInterval?

        public init(outcome: Attempt.Outcome, retryAfter: TimeInterval? = nil) {
            self.outcome = outcome
            self.retryAfter = retryAfter
        }
    }

    /// Status codes below 500 that are still worth retrying.
    public static let retryableClientErrors: Set<Int> = [408, 409, 425, 429]
    /// The longest `Retry-After` honoured; a larger one is cut to this.
    public static let maximumRetryAfter: TimeInterval = 86400

    /// The endpoint's exceptions to the defaults.
    public var overrides: StatusOverrides

    public init(overrides: StatusOverrides = .none) {
        self.overrides = overrides
    }

    public func classify(status: Int, headers: [HeaderField], now: Date) -> Verdict {
        if (200...299).contains(status) {
            return Verdict(outcome: .succeeded)
        }
        if headers.contains(where: { $0.name.lowercased() == "webhook-delivery" && $0.value.lowercased() == "abort-message" }) {
            return Verdict(outcome: .aborted)
        }
        if overrides.noRetry.contains(status) {
            return Verdict(outcome: .rejected)
        }
        let retried = overrides.retry.contains(status)
        if status == 410, !retried {
            return Verdict(outcome: .gone)
        }
        if retried || status >= 500 || Self.retryableClientErrors.contains(status) {
            var retryAfter: TimeInterval?
            if status == 429 || status == 503,
               let value = headers.first(where: { $0.name.lowercased() == "retry-after" })?.value {
                retryAfter = Self.parseRetryAfter(value, now: now).map { min(max($0, 0), Self.maximumRetryAfter) }
            }
            return Verdict(outcome: .failed, retryAfter: retryAfter)
        }
        return Verdict(outcome: .rejected)
    }

    /// A connection error, a reset or a timeout: always worth another try.
    public func classifyTransportError() -> Verdict {
        Verdict(outcome: .failed)
    }

    /// `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3), which may be in
    /// any of the three forms HTTP allows (IMF-fixdate, RFC 850, asctime).
    static func parseRetryAfter(_ value: String, now: Date) -> TimeInterval? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Too many digits for an Int is still a (very long) number of seconds.
            return Int(trimmed).map(TimeInterval.init) ?? maximumRetryAfter
        }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) {
                return date.timeIntervalSince(now)
            }
        }
        return nil
    }
}
