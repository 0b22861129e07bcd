import Courier
import Foundation

/// Why an everyday command could not do its work, as one line for a person.
///
/// These commands are run by hand and from scripts, so a failure is a single `error: …` line on
/// standard error and a non-zero exit (see ``CourierCommand/main()``), never a stack trace or
/// a type's debug description.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }

    /// The API's own `{"error": {"code", "message", "field"?}}`: its message is written for
    /// people, and the code and field are what a script or a search needs. `options` maps the
    /// request's fields to the command's options that gave them: the API names `url`, but the
    /// person typed `--target`, and is told so.
    init(status: Int, body: [UInt8], options: [String: String] = [:]) {
        let error = (try? JSONParser.parse(body))?.objectValue?["error"]?.objectValue
        guard let message = error?["message"]?.stringValue, let code = error?["code"]?.stringValue else {
            let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            self.init("the server answered \(status)\(text.isEmpty ? "" : ": \(text)")")
            return
        }
        let field = error?["field"]?.stringValue
        self.init(message: message, code: code, field: field)
        if let option = Self.option(giving: field, in: options) { description += "; check \(option)" }
    }

    /// The option that gave `field`, or the object or list it is part of (`eventTypes[1]` is
    /// one of the `--event-type`s).
    static func option(giving field: String?, in options: [String: String]) -> String? {
        guard let field else { return nil }
        return options.first { field == $0.key || field.hasPrefix($0.key + ".") || field.hasPrefix($0.key + "[") }?.value
    }

    /// A check the command made before asking the server, worded as the server words it.
    init(_ error: CourierError) {
        self.init(message: error.message, code: error.code, field: error.field)
    }

    private init(message: String, code: String, field: String?) {
        description = "\(message) (\(code)\(field.map { ", \($0)" } ?? ""))"
    }
}
