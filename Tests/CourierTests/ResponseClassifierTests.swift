import Courier
import Foundation
import Testing

@Suite struct ResponseClassifierTests {
    let classifier = ResponseClassifier()
    /// Mon, 12 Jan 1970 13:46:40 GMT
    let now = Date(timeIntervalSince1970: 1_000_000)

    func verdict(_ status: Int, _ headers: [(String, String)] = []) -> ResponseClassifier.Verdict {
        classifier.classify(status: status, headers: headers.map { HeaderField(name: $0.0, value: $0.1) }, now: now)
    }

    @Test(arguments: [200, 201, 204, 299])
    func success(status: Int) {
        #expect(verdict(status) == ResponseClassifier.Verdict(outcome: .succeeded, retryAfter: nil))
    }

    @Test(arguments: [500, 501, 502, 503, 504, 599])
    func serverErrorsFail(status: Int) {
        #expect(verdict(status) == ResponseClassifier.Verdict(outcome: .failed, retryAfter: nil))
    }

    @Test(arguments: [408, 409, 425, 429])
    func retryableClientErrorsFail(status: Int) {
        #expect(verdict(status) == ResponseClassifier.Verdict(outcome: .failed, retryAfter: nil))
    }

    @Test(arguments: [400, 401, 403, 404, 405, 413, 422, 451])
    func otherClientErrorsAreRejected(status: Int) {
        #expect(verdict(status).outcome == .rejected)
        #expect(verdict(status).retryAfter == nil)
    }

    @Test(arguments: [300, 301, 302, 303, 304, 307, 308])
    func redirectsAreRejected(status: Int) {
        #expect(verdict(status).outcome == .rejected)
    }

    @Test func goneIsGone() {
        #expect(verdict(410) == ResponseClassifier.Verdict(outcome: .gone))
    }

    @Test(arguments: [400, 404, 410, 429, 500, 503, 302])
    func abortHeaderAbortsAnyNon2xx(status: Int) {
        #expect(verdict(status, [("webhook-delivery", "abort-message")]).outcome == .aborted)
        #expect(verdict(status, [("Webhook-Delivery", "Abort-Message")]).outcome == .aborted)
        #expect(verdict(status, [("X-Other", "1"), ("WEBHOOK-DELIVERY", "abort-message")]).outcome == .aborted)
    }

    @Test func abortHeaderWithOtherValueIsIgnored() {
        #expect(verdict(500, [("webhook-delivery", "retry")]).outcome == .failed)
        #expect(verdict(404, [("webhook-delivery-x", "abort-message")]).outcome == .rejected)
    }

    @Test func abortHeaderOn2xxStillSucceeds() {
        #expect(verdict(200, [("webhook-delivery", "abort-message")]).outcome == .succeeded)
        #expect(verdict(204, [("Webhook-Delivery", "abort-message")]).outcome == .succeeded)
    }

    @Test(arguments: [429, 503])
    func retryAfterSeconds(status: Int) {
        #expect(verdict(status, [("Retry-After", "120")]) == ResponseClassifier.Verdict(outcome: .failed, retryAfter: 120))
        #expect(verdict(status, [("retry-after", " 7 ")]).retryAfter == 7)
        #expect(verdict(status, [("Retry-After", "0")]).retryAfter == 0)
    }

    @Test(arguments: [429, 503])
    func retryAfterHTTPDate(status: Int) {
        // One hour after `now`.
        #expect(verdict(status, [("Retry-After", "Mon, 12 Jan 1970 14:46:40 GMT")]).retryAfter == 3600)
        // 90 seconds after.
        #expect(verdict(status, [("Retry-After", "Mon, 12 Jan 1970 13:48:10 GMT")]).retryAfter == 90)
    }

    @Test func retryAfterDateInThePastIsZero() {
        #expect(verdict(503, [("Retry-After", "Mon, 12 Jan 1970 12:46:40 GMT")]).retryAfter == 0)
    }

    @Test func retryAfterIgnoredOnOtherStatuses() {
        #expect(verdict(500, [("Retry-After", "120")]).retryAfter == nil)
        #expect(verdict(502, [("Retry-After", "120")]).retryAfter == nil)
        #expect(verdict(408, [("Retry-After", "120")]).retryAfter == nil)
        #expect(verdict(500, [("Retry-After", "120")]).outcome == .failed)
    }

    @Test func unparseableRetryAfterIsIgnored() {
        #expect(verdict(429, [("Retry-After", "soon")]) == ResponseClassifier.Verdict(outcome: .failed, retryAfter: nil))
        #expect(verdict(429, [("Retry-After", "-5")]).retryAfter == nil)
    }

    @Test func hugeRetryAfterIsCapped() {
        #expect(ResponseClassifier.maximumRetryAfter == 86400)
        #expect(verdict(429, [("Retry-After", "999999")]).retryAfter == 86400)
        #expect(verdict(503, [("Retry-After", "Mon, 12 Jan 2099 13:46:40 GMT")]).retryAfter == 86400)
        #expect(verdict(503, [("Retry-After", "86400")]).retryAfter == 86400)
        #expect(verdict(503, [("Retry-After", "86399")]).retryAfter == 86399)
    }

    @Test func transportErrorFails() {
        #expect(classifier.classifyTransportError() == ResponseClassifier.Verdict(outcome: .failed, retryAfter: nil))
    }

    /// Bug: a delta-seconds value too large for Int is ignored instead of being cut to 86400.
    @Test func retryAfterBeyondIntRangeIsCapped() {
        let v = verdict(503, [("Retry-After", "99999999999999999999")])
        #expect(v.outcome == .failed)
        #expect(v.retryAfter == 86400)
    }

    /// RFC 9110 §5.6.7: recipients must also accept the obsolete RFC 850 and asctime forms.
    @Test(arguments: ["Monday, 12-Jan-70 14:46:40 GMT", "Mon Jan 12 14:46:40 1970"])
    func retryAfterObsoleteDateForms(value: String) {
        let v = verdict(503, [("Retry-After", value)])
        #expect(v.retryAfter == 3600)
    }
}

@Suite struct StatusOverrideClassifierTests {
    let classifier = ResponseClassifier(overrides: StatusOverrides(retry: [404, 400, 410, 301], noRetry: [500, 429]))
    let now = Date(timeIntervalSince1970: 1_000_000)

    func outcome(_ status: Int, _ headers: [HeaderField] = []) -> Attempt.Outcome {
        classifier.classify(status: status, headers: headers, now: now).outcome
    }

    @Test func listedStatusesChangeClassAndTheRestKeepTheirs() {
        #expect(outcome(404) == .failed && outcome(400) == .failed && outcome(301) == .failed)
        #expect(outcome(410) == .failed, "a 410 listed to retry is retried, not taken as unsubscribing")
        #expect(outcome(500) == .rejected && outcome(429) == .rejected)
        #expect(outcome(502) == .failed && outcome(403) == .rejected && outcome(200) == .succeeded)
        #expect(ResponseClassifier().classify(status: 410, headers: [], now: now).outcome == .gone)
    }

    @Test func abortAndRetryAfterStillApply() {
        #expect(outcome(404, [HeaderField(name: "webhook-delivery", value: "abort-message")]) == .aborted)
        let overridden = ResponseClassifier(overrides: StatusOverrides(retry: [503]))
        let verdict = overridden.classify(status: 503, headers: [HeaderField(name: "Retry-After", value: "7")], now: now)
        #expect(verdict == ResponseClassifier.Verdict(outcome: .failed, retryAfter: 7))
    }
}
