import Foundation

/// One step of a retention pass (see ``RetentionSweeper``): what it deleted, and where the
/// pass goes on.
///
/// A pass walks the events, then the batches that carried events, then the outbound messages,
/// each in the order of their ids (which is the order they were made), from the oldest up to
/// the cut-off. A step examines at most a chunk of them in one transaction, so the store's
/// writer is never held for long, and each pass reads only what was made before the cut-off:
/// once old history is gone, a pass costs what is still kept of it (an endpoint paused for
/// months, say), not the store's size.
public struct RetentionStep: Sendable, Hashable {
    /// Where a step starts: after an id of its kind, or at the kind's beginning.
    public enum Position: Sendable, Hashable {
        case events(after: String?)
        case batches(after: String?)
        case messages(after: String?)

        /// Where a pass begins.
        public static let start = Position.events(after: nil)

        /// The id the step starts after; nil at its kind's beginning.
        public var after: String? {
            switch self {
            case .events(let after), .batches(let after), .messages(let after): after
            }
        }
    }

    /// Events deleted, with their deliveries and attempts (and an inbound message with the
    /// `message.received` event it was published as).
    public var events: Int
    /// Messages deleted, inbound ones with their events, outbound ones with their
    /// transmissions, deliveries and attempts.
    public var messages: Int
    /// Deliveries deleted (an event's, a batch that carried events, a message's).
    public var deliveries: Int
    /// Where the next step starts; nil once the pass has reached the cut-off.
    public var next: Position?

    public init(events: Int = 0, messages: Int = 0, deliveries: Int = 0, next: Position?) {
        self.events = events
        self.messages = messages
        self.deliveries = deliveries
        self.next = next
    }

    /// A step from `position` that has deleted nothing yet, having read the ids `examined`
    /// (at most `limit`): the pass goes on after the last of them while the step found a whole
    /// chunk of its kind (there may be more), else at the next kind, or ends.
    package init(from position: Position, examined: [String], limit: Int) {
        let last = examined.last ?? position.after
        let whole = examined.count >= limit
        let next: Position? = switch position {
        case .events: whole ? .events(after: last) : .batches(after: nil)
        case .batches: whole ? .batches(after: last) : .messages(after: nil)
        case .messages: whole ? .messages(after: last) : nil
        }
        self.init(next: next)
    }

    /// The SQL condition under which a delivery is kept, and keeps its event or message: it
    /// is active, in a batch under way, changed since the cut-off (the placeholder `cutoff`),
    /// or leased past it (a delivery cancelled while its request was under way is leased until
    /// the request's record comes, which must find it). Written once for both stores, each
    /// with its own placeholder.
    package static func keepsItsSource(cutoff: String) -> String {
        "(state IN (0, 1) OR state = 7 OR updated_at >= \(cutoff) OR COALESCE(lease_until, 0) >= \(cutoff))"
    }

    /// The SQL condition under which an outbound message itself may go: it is neither queued
    /// nor processing, and its status has not changed since the cut-off. (Inbound messages go
    /// with their `message.received` events, once every subscriber's delivery has ended.)
    package static func messageHasEnded(cutoff: String) -> String {
        "(direction = 'out' AND status NOT IN ('queued', 'processing') AND updated_at < \(cutoff) AND created_at < \(cutoff))"
    }
}
