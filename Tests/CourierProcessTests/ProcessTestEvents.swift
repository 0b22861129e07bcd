import Courier
import CourierTesting
import Foundation
import Testing

/// Publishing through a real process's API and waiting for the events at a receiver: what the
/// crash and multi-node tests share.
enum ProcessTestEvents {
    /// Publishes events of `type` in one array of each size; returns the ids accepted.
    static func publish(_ api: APIClient, type: String, inArraysOf sizes: [Int]) async throws -> Set<String> {
        var accepted: Set<String> = []
        for (call, size) in sizes.enumerated() {
            let events = (0..<size).map { #"{"type":"\#(type)","payload":{"call":\#(call),"i":\#($0)}}"# }
            let answer = try await api.post("/v1/events", "[" + events.joined(separator: ",") + "]")
            #expect(answer.status == 202, "\(answer.text)")
            for item in answer.json.arrayValue ?? [] {
                if let id = item.objectValue?["id"]?.stringValue { accepted.insert(id) }
            }
        }
        return accepted
    }

    /// The event ids that have reached `receiver` once all of `accepted` have, or `timeout` has passed.
    static func waitForAll(_ accepted: Set<String>, at receiver: RecordingReceiver, timeout: Duration) async throws -> Set<String> {
        let deadline = ContinuousClock.now + timeout
        var delivered: Set<String> = []
        while ContinuousClock.now < deadline {
            delivered = Set(receiver.requests().compactMap { $0.header("webhook-id") })
            if delivered.isSuperset(of: accepted) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return delivered
    }
}
