import Courier
import CourierTesting
import Foundation
import Testing

@Suite struct TimestampTests {
    /// Foundation's own writing of the same time, the form the API always had.
    static func foundation(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (1_732_525_620_123, "2024-11-25T09:07:00.123Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (-2_203_891_200_000, "1900-03-01T00:00:00.000Z"),
        (4_107_542_399_999, "2100-02-28T23:59:59.999Z"),
        (-12_212_553_600_000, "1583-01-01T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ])
    func knownTimes(millis: Int64, text: String) {
        #expect(Timestamp.format(Timestamp.date(millis: millis)) == text)
        #expect(Timestamp.parse(text).map(Timestamp.millis) == millis)
    }

    /// Whole seconds, where Foundation's writing is exact: the same text, over the whole range
    /// written by hand (1583 to 9999).
    @Test func wholeSecondsAreWrittenAsFoundationWritesThem() {
        var generator = SeededRandom(seed: 0x7157)
        for _ in 0..<20_000 {
            let seconds = Int64.random(in: -12_212_553_600...253_402_300_799, using: &generator)
            let date = Date(timeIntervalSince1970: Double(seconds))
            #expect(Timestamp.format(date) == Self.foundation(date), "\(seconds)")
        }
    }

    /// Every stored millisecond is written as itself and read back as itself. Before, one time
    /// in twenty lost a millisecond on its way from the store and back, and half were written a
    /// millisecond early.
    @Test func everyMillisecondSurvivesTheStoreAndTheAPI() {
        var generator = SeededRandom(seed: 0x51A7)
        for _ in 0..<50_000 {
            let millis = Int64.random(in: -12_212_553_600_000...253_402_300_799_999, using: &generator)
            let date = Timestamp.date(millis: millis)
            #expect(Timestamp.millis(date) == millis)
            let text = Timestamp.format(date)
            let whole = Int64((Double(millis) / 1000).rounded(.down))
            #expect(text.dropLast(5) == Self.foundation(Date(timeIntervalSince1970: Double(whole))).dropLast(5), "\(millis)")
            let fraction = (millis % 1000 + 1000) % 1000
            #expect(text.suffix(5) == "." + String(String(fraction + 1000).dropFirst()) + "Z", "\(millis)")
            #expect(Timestamp.parse(text).map(Timestamp.millis) == millis, "\(text)")
        }
    }

    /// Outside the range written by hand, Foundation writes it, as before.
    @Test(arguments: [-62_135_596_800.0, 253_402_300_800.0])
    func farTimesAreWrittenByFoundation(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(Timestamp.format(date) == Self.foundation(date))
    }

    /// Foundation's parser carries an overflowing field over into the next; the API refuses it.
    @Test(arguments: [
        "2026-02-30T10:00:00Z", "2026-02-29T10:00:00Z", "2026-12-07T25:00:00Z", "2026-12-07T10:61:00Z", "2026-12-07T10:34:99Z",
        "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-12-00T00:00:00Z", "99999-01-01T00:00:00Z", "2026-12-07T10:34:00",
        "2026-12-07T10:34Z", "2026-12-07T10:34:00.Z", "2026-12-07T10:34:00+24:00", "2026-12-07T10:34:00+01:60",
        "2026-12-07T10:34:00Zjunk", "2026-12-07 10:34:00Z", "+2026-12-07T10:34:00Z", "",
    ])
    func impossibleOrMalformedTimesAreRefused(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test(arguments: [
        ("2024-02-29T10:00:00Z", Int64(1_709_200_800_000)), ("2026-12-07T10:34:56.5Z", 1_796_639_696_500),
        ("2026-12-07T11:34:56+01:00", 1_796_639_696_000), ("2026-12-07T10:34:56.123456Z", 1_796_639_696_123),
    ])
    func possibleTimesAreRead(_ text: String, millis: Int64) {
        #expect(Timestamp.parse(text).map(Timestamp.millis) == millis)
    }
}
