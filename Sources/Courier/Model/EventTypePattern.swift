/// Which event types an endpoint receives: an exact name, every name under a prefix, or all.
///
/// `case.*` matches `case.created` and `case.note.added` (any depth below `case.`), not `case`
/// itself nor `cases.x`: the dot is part of the prefix.
public enum EventTypePattern: Sendable, Hashable, CustomStringConvertible {
    case exact(String)
    /// The prefix including its trailing dot (`case.`).
    case prefix(String)
    case all

    public init(_ text: String, field: String = "eventTypes") throws(CourierError) {
        if text == "*" {
            self = .all
        } else if text.hasSuffix(".*") {
            let name = String(text.dropLast(2))
            try Self.validateTypeName(name, field: field)
            self = .prefix(name + ".")
        } else {
            try Self.validateTypeName(text, field: field)
            self = .exact(text)
        }
    }

    public func matches(_ type: String) -> Bool {
        switch self {
        case .exact(let name): type == name
        case .prefix(let prefix): type.hasPrefix(prefix)
        case .all: true
        }
    }

    public var description: String {
        switch self {
        case .exact(let name): name
        case .prefix(let prefix): prefix + "*"
        case .all: "*"
        }
    }

    public static let maximumTypeLength = 256

    /// Type names are dotted words: letters, digits, `_`, `-`, `:` and `/` between dots, no empty word.
    public static func validateTypeName(_ name: String, field: String) throws(CourierError) {
        guard !name.isEmpty else { throw .invalid("\(field) must not be empty", field: field) }
        guard name.utf8.count <= maximumTypeLength else {
            throw .invalid("\(field) must be at most \(maximumTypeLength) bytes", field: field)
        }
        var previousWasDot = true
        for byte in name.utf8 {
            let isWordByte = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F || byte == 0x2D || byte == 0x3A || byte == 0x2F
            if byte == 0x2E {
                if previousWasDot { throw .invalid("\(field) '\(name)' has an empty part between dots", field: field) }
                previousWasDot = true
            } else if isWordByte {
                previousWasDot = false
            } else {
                throw .invalid("\(field) '\(name)' may only contain letters, digits, '.', '_', '-', ':' and '/'", field: field)
            }
        }
        if previousWasDot { throw .invalid("\(field) '\(name)' must not end with a dot", field: field) }
    }
}

extension Array where Element == EventTypePattern {
    public func matches(_ type: String) -> Bool {
        contains { $0.matches(type) }
    }
}
