import Foundation

/// A receiver's body as text for a person to read, in the charset its `Content-Type` names.
///
/// Most answer UTF-8 (or JSON, which is), and those are read as UTF-8 with anything invalid
/// shown as U+FFFD. A body that says it is Latin-1, Windows-1252 or UTF-16 is read as such, so
/// that `café` is not shown as `caf�`. NUL is shown as U+FFFD either way (see `withoutNUL`).
enum ResponseText {
    static func decode(_ body: [UInt8], headers: [HeaderField]) -> String {
        if let encoding = declaredEncoding(headers), let text = String(bytes: body, encoding: encoding) {
            return text.withoutNUL
        }
        return String(decoding: body, as: UTF8.self).withoutNUL
    }

    /// The encoding a `Content-Type`'s `charset` names, when it is one that is not UTF-8.
    static func declaredEncoding(_ headers: [HeaderField]) -> String.Encoding? {
        guard let type = headers.first(where: { $0.name.lowercased() == "content-type" })?.value.lowercased(),
              let range = type.range(of: "charset=") else { return nil }
        let charset = type[range.upperBound...].prefix { $0 != ";" && $0 != " " }.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        switch charset {
        case "iso-8859-1", "latin1", "latin-1", "iso_8859-1": return .isoLatin1
        case "windows-1252", "cp1252": return .windowsCP1252
        case "utf-16": return .utf16
        case "utf-16le": return .utf16LittleEndian
        case "utf-16be": return .utf16BigEndian
        default: return nil
        }
    }
}
