import ArgumentParser

/// An id, uid or trigger name given on the command line. An empty one, as `"$ID"` gives when
/// the variable is unset, is a usage error: sent on, it made a path with a hole in it, which
/// the server read as another route (`POST /v1/endpoints//pause`) or as the list.
struct NonEmptyArgument: ExpressibleByArgument, CustomStringConvertible, Sendable {
    let value: String

    init?(argument: String) {
        guard argument.contains(where: { !$0.isWhitespace }) else { return nil }
        value = argument
    }

    var description: String { value }
}
