import Courier
import Foundation

/// Attempts per minute over the last hour, by outcome, as an inline SVG: a page with a chart
/// and no script, readable at a glance on a phone.
enum ActivityChart {
    static let minutes = 60

    /// The chart ending at the minute of `now`.
    static func svg(_ counts: [ActivityCount], now: Date) -> String {
        let end = (now.timeIntervalSince1970 / 60).rounded(.down)
        var good = [Int](repeating: 0, count: minutes)
        var bad = [Int](repeating: 0, count: minutes)
        for count in counts {
            let index = minutes - 1 - Int(end - (count.minute.timeIntervalSince1970 / 60).rounded(.down))
            guard (0..<minutes).contains(index) else { continue }
            if count.outcome == .succeeded { good[index] += count.count } else { bad[index] += count.count }
        }
        let highest = max(1, zip(good, bad).map { $0 + $1 }.max() ?? 1)
        let width = 6.0, gap = 2.0, height = 60.0
        var bars = ""
        for index in 0..<minutes {
            let x = Double(index) * (width + gap)
            let okHeight = height * Double(good[index]) / Double(highest)
            let badHeight = height * Double(bad[index]) / Double(highest)
            let minute = Date(timeIntervalSince1970: (end - Double(minutes - 1 - index)) * 60)
            let label = "\(DashboardRoutes.short(minute).suffix(8).prefix(5)): \(good[index]) succeeded, \(bad[index]) not"
            bars += "<g><title>\(label)</title>"
            bars += "<rect x=\"\(x)\" y=\"\(height - okHeight)\" width=\"\(width)\" height=\"\(okHeight)\" class=\"ok\"/>"
            bars += "<rect x=\"\(x)\" y=\"\(height - okHeight - badHeight)\" width=\"\(width)\" height=\"\(badHeight)\" class=\"bad\"/></g>"
        }
        let total = good.reduce(0, +), failed = bad.reduce(0, +)
        return """
            <figure class="chart"><svg viewBox="0 0 \(Double(minutes) * (width + gap)) \(height)" preserveAspectRatio="none" role="img" \
            aria-label="Attempts per minute over the last hour">\(bars)</svg>\
            <figcaption>Attempts per minute, last hour: <b class="state succeeded">\(total) succeeded</b>, \
            <b class="state failed">\(failed) did not</b> (highest minute: \(highest == 1 && total + failed == 0 ? 0 : highest)).</figcaption></figure>
            """
    }
}
