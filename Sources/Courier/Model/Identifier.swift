import Foundation
import Synchronization

/// Makes the string ids of Courier's objects: a type prefix and a ULID-style body.
///
/// Ids sort by creation time (48 bits of milliseconds first), so "newest first" lists and
/// cursors can order by id alone, and they are monotonic within a process, so two ids made in
/// the same millisecond still sort in the order they were made. The 80 random bits keep them
/// unguessable across tenants.
public enum Identifier {
    private static let alphabet: [UInt8] = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
    private static let state = Mutex<(millis: UInt64, high: UInt16, low: UInt64)>((0, 0, 0))

    public static func make(_ prefix: String, now: Date = Date()) -> String {
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let (ms, high, low) = state.withLock { state -> (UInt64, UInt16, UInt64) in
            if millis <= state.millis {
                // Same (or an earlier) millisecond: count up so order is kept.
                let (sum, overflow) = state.low.addingReportingOverflow(1)
                state.low = sum
                if overflow { state.high &+= 1 }
            } else {
                var generator = SystemRandomNumberGenerator()
                state.millis = millis
                state.high = UInt16.random(in: 0...UInt16.max, using: &generator)
                // Leave headroom so counting up within a millisecond does not overflow.
                state.low = UInt64.random(in: 0...(UInt64.max >> 1), using: &generator)
            }
            return (state.millis, state.high, state.low)
        }
        return prefix + "_" + encode(millis: ms, high: high, low: low)
    }

    /// Whether `text` has the shape of an id made with one of `prefixes`: a list's cursor is
    /// the last id of a page, and anything else would page from a place no list gave out.
    public static func isWellFormed(_ text: String, prefixes: Set<String>) -> Bool {
        let parts = text.split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, prefixes.contains(String(parts[0])) else { return false }
        return parts[1].utf8.count == 26 && parts[1].utf8.allSatisfy(alphabet.contains)
    }

    /// The smallest id with `prefix` that could have been made at `date`: every id made then or
    /// later sorts at or after it, so a range of ids is a range of time on the primary key.
    public static func lowerBound(_ prefix: String, at date: Date) -> String {
        prefix + "_" + encode(millis: UInt64(max(0, date.timeIntervalSince1970 * 1000)), high: 0, low: 0)
    }

    /// 128 bits (48 of time, 16 + 64 random) as 26 base32 characters, most significant first.
    private static func encode(millis: UInt64, high: UInt16, low: UInt64) -> String {
        var chars = [UInt8](repeating: 0, count: 26)
        var value = ((millis << 16) | UInt64(high), low)
        for i in stride(from: 25, through: 0, by: -1) {
            chars[i] = alphabet[Int(value.1 & 0x1F)]
            value.1 = (value.1 >> 5) | ((value.0 & 0x1F) << 59)
            value.0 >>= 5
        }
        return String(decoding: chars, as: UTF8.self)
    }
}
