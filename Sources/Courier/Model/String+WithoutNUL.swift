import Foundation

extension String {
    /// The text with each NUL shown as U+FFFD.
    ///
    /// For text that comes from the far side (a receiver's body, a gateway's reply) and is kept
    /// for people to read: PostgreSQL's text cannot hold NUL at all, so both stores keep this
    /// rather than one keeping the byte and the other refusing the row. Text that comes through
    /// the API is refused instead (`JSONFieldReader`), since there the caller can fix it.
    public var withoutNUL: String {
        utf8.contains(0) ? replacingOccurrences(of: "\0", with: "\u{FFFD}") : self
    }
}
