import Courier
import Foundation
import Testing

@Suite struct RateLimitTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var nowMicros: Int64 { 1_800_000_000_000_000 }

    @Test func spacingIsRoundedUpSoTheRateNeverExceedsTheLimit() {
        #expect(RateLimit(requests: 2, seconds: 1).spacingMicros == 500_000)
        #expect(RateLimit(requests: 1000, seconds: 1).spacingMicros == 1_000)
        #expect(RateLimit(requests: 7, seconds: 60).spacingMicros == 8_571_429)
        #expect(RateLimit(requests: 999, seconds: 1).spacingMicros == 1_002)
        // Never validated (a Swift caller's own Endpoint given to a store): clamped, no trap.
        #expect(RateLimit(requests: 0, seconds: 0).spacingMicros == 1_000_000)
    }

    @Test func theNextTimeCountsFromTheLaterOfNowAndTheTimeKept() {
        let limit = RateLimit(requests: 10, seconds: 1)
        #expect(limit.next(after: nil, now: now) == nowMicros + 100_000, "the first request")
        #expect(limit.next(after: nowMicros - 60_000_000, now: now) == nowMicros + 100_000, "after an idle minute: no burst")
        #expect(limit.next(after: nowMicros + 50_000, now: now) == nowMicros + 150_000, "from the time kept when that is later")
        #expect(RateLimit.readyAt(nil) == .distantPast)
        #expect(RateLimit.readyAt(nowMicros + 500_000) == now.addingTimeInterval(0.5))
    }

    @Test func readsAndWritesItsJSON() throws {
        let limit = try RateLimit(json: try JSONParser.parse(Array(#"{"requests": 100, "seconds": 60}"#.utf8)))
        #expect(limit == RateLimit(requests: 100, seconds: 60))
        #expect(try RateLimit(json: try JSONParser.parse(Array(#"{"requests": 5}"#.utf8))) == RateLimit(requests: 5, seconds: 1))
        var writer = JSONWriter()
        writer.write(limit.json)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"requests":100,"seconds":60}"#)
    }

    @Test(arguments: [
        (#"{}"#, "rateLimit.requests"),
        (#"{"requests": 0}"#, "rateLimit.requests"),
        (#"{"requests": 1001}"#, "rateLimit.requests"),
        (#"{"requests": 60001, "seconds": 60}"#, "rateLimit.requests"),
        (#"{"requests": 1, "seconds": 0}"#, "rateLimit.seconds"),
        (#"{"requests": 1, "seconds": 86401}"#, "rateLimit.seconds"),
        (#"{"requests": 1.5}"#, "rateLimit.requests"),
        (#"{"requests": "10"}"#, "rateLimit.requests"),
        (#"{"requests": 10, "burst": 5}"#, "rateLimit.burst"),
        (#"10"#, "rateLimit"),
    ])
    func refusesWhatCannotBeALimit(json: String, field: String) throws {
        let value = try JSONParser.parse(Array(json.utf8))
        #expect {
            try RateLimit(json: value)
        } throws: { error in
            (error as? CourierError)?.field == field
        }
    }
}
