import Courier
import Foundation
import Testing

@Suite struct RetryPolicyTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    func delay(_ p: RetryPolicy, _ n: Int, previous: Date? = nil, now: Date? = nil, jitter: Double = 0.5) -> TimeInterval? {
        p.delay(afterFailedAttempts: n, firstAttemptAt: t0, previousAttemptAt: previous, now: now ?? t0, jitter: jitter)
    }

    // MARK: delays

    @Test func delaysGivesEachInTurnThenGivesUp() {
        let p = RetryPolicy.delays([10, 20, 30])
        #expect(delay(p, 1) == 10)
        #expect(delay(p, 2) == 20)
        #expect(delay(p, 3) == 30)
        #expect(delay(p, 4) == nil)
        #expect(delay(p, 0) == nil)
        #expect(p.maximumAttempts == 4)
    }

    @Test func standardSchedule() {
        let waits = (1...8).map { delay(.standard, $0) }
        #expect(waits == [5, 300, 1800, 7200, 18000, 36000, 36000, nil])
        #expect(RetryPolicy.standard.maximumAttempts == 8)
    }

    @Test func emptyDelaysAllowsOneAttempt() {
        #expect(RetryPolicy.delays([]).maximumAttempts == 1)
        #expect(delay(.delays([]), 1) == nil)
    }

    // MARK: exponential

    @Test func exponentialHalfJitterIsExactBase() {
        let p = RetryPolicy.exponential(.init(initial: 10, factor: 2, max: 3600, maxAttempts: 10))
        #expect(delay(p, 1) == 10)
        #expect(delay(p, 2) == 20)
        #expect(delay(p, 3) == 40)
        #expect(delay(p, 4) == 80)
    }

    @Test func exponentialZeroJitterIsNinetyPercent() {
        let p = RetryPolicy.exponential(.init(initial: 10, factor: 3, max: 3600, maxAttempts: 10))
        #expect(delay(p, 1, jitter: 0) == 9)
        #expect(delay(p, 2, jitter: 0) == 27)
    }

    @Test func exponentialIsCappedAtMax() {
        let p = RetryPolicy.exponential(.init(initial: 100, factor: 10, max: 5000, maxAttempts: 10))
        #expect(delay(p, 3, jitter: 0.5) == 5000)   // 10000 capped to 5000
        #expect(delay(p, 3, jitter: 0) == 4500)     // capped base, then -10%
        #expect(delay(p, 3, jitter: 0.99) == 5000)  // +9.8% cut back to max
        #expect(delay(p, 6, jitter: 0.5) == 5000)
    }

    @Test func exponentialMaxAttempts() {
        let p = RetryPolicy.exponential(.init(initial: 1, factor: 2, max: 3600, maxAttempts: 3))
        #expect(p.maximumAttempts == 3)
        #expect(delay(p, 2) == 2)
        #expect(delay(p, 3) == nil)
    }

    @Test func exponentialDefaults() {
        let e = RetryPolicy.Exponential(initial: 5)
        #expect(e.factor == 2)
        #expect(e.max == 3600)
        #expect(e.maxAttempts == 10)
        #expect(e.maxAge == nil)
    }

    @Test func exponentialMaxAgeCutOff() {
        let p = RetryPolicy.exponential(.init(initial: 100, factor: 1, max: 3600, maxAttempts: 100, maxAge: 1000))
        // Next attempt would be at first + 900 + 100 = 1000: not more than maxAge.
        #expect(delay(p, 2, now: t0.addingTimeInterval(900)) == 100)
        // At first + 901 + 100 = 1001: too late.
        #expect(delay(p, 2, now: t0.addingTimeInterval(901)) == nil)
    }

    // MARK: commcare

    @Test func commcareFirstFailureWaitsAnHour() {
        #expect(delay(.commcare, 1) == 3600)
    }

    @Test func commcareTriplesTimeSincePrevious() {
        let now = t0.addingTimeInterval(100_000)
        #expect(delay(.commcare, 2, previous: now.addingTimeInterval(-3600), now: now) == 10800)
        #expect(delay(.commcare, 3, previous: now.addingTimeInterval(-9 * 3600), now: now) == 97200) // 27 h
    }

    @Test func commcareHasFloorOfAnHour() {
        let now = t0.addingTimeInterval(100)
        #expect(delay(.commcare, 2, previous: now.addingTimeInterval(-60), now: now) == 3600)
    }

    @Test func commcareCapsAtSevenDays() {
        let now = t0.addingTimeInterval(10_000_000)
        #expect(delay(.commcare, 5, previous: now.addingTimeInterval(-3 * 86400), now: now) == 604800) // 7 days
    }

    @Test func commcareGivesUpAfterSixAttempts() {
        let now = t0.addingTimeInterval(1_000_000)
        #expect(RetryPolicy.commcare.maximumAttempts == 6)
        #expect(delay(.commcare, 5, previous: now.addingTimeInterval(-3600), now: now) == 10800)
        #expect(delay(.commcare, 6, previous: now.addingTimeInterval(-3600), now: now) == nil)
    }

    // MARK: fixed

    @Test func fixedRetriesAtInterval() {
        let p = RetryPolicy.fixed(retries: 3, interval: 180)
        #expect(p.maximumAttempts == 4)
        #expect(delay(p, 1) == 180)
        #expect(delay(p, 3) == 180)
        #expect(delay(p, 4) == nil)
    }

    @Test func fixedZeroRetries() {
        let p = RetryPolicy.fixed(retries: 0, interval: 60)
        #expect(p.maximumAttempts == 1)
        #expect(delay(p, 1) == nil)
    }

    // MARK: JSON

    func parse(_ text: String) throws -> RetryPolicy {
        try RetryPolicy(json: JSONParser.parse(text))
    }

    func parseError(_ text: String) throws -> CourierError? {
        let json = try JSONParser.parse(text)
        return #expect(throws: CourierError.self) { try RetryPolicy(json: json) }
    }

    @Test func jsonDelays() throws {
        #expect(try parse(#"{"delays":[1,2.5,3600]}"#) == .delays([1, 2.5, 3600]))
    }

    @Test func jsonExponential() throws {
        let p = try parse(#"{"initial":10,"factor":3,"max":600,"maxAttempts":5,"maxAge":86400}"#)
        #expect(p == .exponential(.init(initial: 10, factor: 3, max: 600, maxAttempts: 5, maxAge: 86400)))
    }

    @Test func jsonExponentialDefaults() throws {
        #expect(try parse(#"{"initial":10}"#) == .exponential(.init(initial: 10, factor: 2, max: 3600, maxAttempts: 10, maxAge: nil)))
    }

    @Test func jsonPresets() throws {
        #expect(try parse(#"{"preset":"commcare"}"#) == .commcare)
        #expect(try parse(#"{"preset":"fixed","retries":3,"interval":180}"#) == .fixed(retries: 3, interval: 180))
        #expect(try parse(#"{"preset":"fixed","retries":5}"#) == .fixed(retries: 5, interval: 180))
        #expect(try parse(#"{"preset":"standard"}"#) == .standard)
        #expect(try parse(#"{"preset":"standard"}"#) == .delays([5, 300, 1800, 7200, 18000, 36000, 36000]))
    }

    @Test func jsonUnknownPreset() throws {
        let e = try parseError(#"{"preset":"svix"}"#)
        #expect(e?.kind == .invalid)
        #expect(e?.field == "retry.preset")
    }

    @Test func jsonNegativeDelay() throws {
        let e = try parseError(#"{"delays":[5,-1]}"#)
        #expect(e?.kind == .invalid)
        #expect(e?.field == "retry.delays[1]")
    }

    @Test func jsonNonNumericDelay() throws {
        let e = try parseError(#"{"delays":[5,"10"]}"#)
        #expect(e?.kind == .invalid)
        #expect(e?.field == "retry.delays[1]")
    }

    @Test func jsonUnknownField() throws {
        let e = try parseError(#"{"delays":[5],"jitter":true}"#)
        #expect(e?.kind == .invalid)
        #expect(e?.code == "unknown_field")
        #expect(e?.field == "retry.jitter")
    }

    @Test func jsonUnknownFieldBesidePreset() throws {
        let e = try parseError(#"{"preset":"commcare","retries":2}"#)
        #expect(e?.kind == .invalid)
        #expect(e?.code == "unknown_field")
        #expect(e?.field == "retry.retries")
    }

    @Test func jsonEmptyObject() throws {
        let e = try parseError("{}")
        #expect(e?.kind == .invalid)
        #expect(e?.field == "retry")
    }

    @Test func jsonNotAnObject() throws {
        let e = try parseError("[5, 10]")
        #expect(e?.kind == .invalid)
        #expect(e?.field == "retry")
    }

    @Test func jsonExponentialOutOfRange() throws {
        #expect(try parseError(#"{"initial":10,"factor":0.5}"#)?.field == "retry.factor")
        #expect(try parseError(#"{"initial":10,"max":5}"#)?.field == "retry.max")
        #expect(try parseError(#"{"initial":10,"maxAttempts":0}"#)?.field == "retry.maxAttempts")
        #expect(try parseError(#"{"initial":10,"maxAge":0}"#)?.field == "retry.maxAge")
        #expect(try parseError(#"{"initial":-1}"#)?.field == "retry.initial")
    }

    @Test func jsonFixedOutOfRange() throws {
        #expect(try parseError(#"{"preset":"fixed","retries":101}"#)?.field == "retry.retries")
        #expect(try parseError(#"{"preset":"fixed","interval":-5}"#)?.field == "retry.interval")
    }

    @Test(arguments: [
        RetryPolicy.standard,
        .delays([]),
        .delays([0.5, 1.25, 2592000]),
        .exponential(.init(initial: 1.5, factor: 2.5, max: 900, maxAttempts: 7)),
        .exponential(.init(initial: 10, factor: 2, max: 3600, maxAttempts: 10, maxAge: 86400)),
        .commcare,
        .fixed(retries: 3, interval: 180),
        .fixed(retries: 0, interval: 0.5),
    ])
    func jsonRoundTrip(policy: RetryPolicy) throws {
        #expect(try RetryPolicy(json: policy.json) == policy)
        // And through bytes, as the API writes and reads it.
        #expect(try RetryPolicy(json: JSONParser.parse(policy.json.bytes)) == policy)
    }

    @Test func jsonShape() {
        #expect(String(decoding: RetryPolicy.fixed(retries: 3, interval: 180).json.bytes, as: UTF8.self)
            == #"{"preset":"fixed","retries":3,"interval":180}"#)
        #expect(String(decoding: RetryPolicy.delays([5, 2.5]).json.bytes, as: UTF8.self) == #"{"delays":[5,2.5]}"#)
    }
}
