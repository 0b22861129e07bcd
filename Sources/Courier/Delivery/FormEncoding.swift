/// A payload as an `application/x-www-form-urlencoded` body, for receivers that only read forms
/// (older PHP and CGI endpoints, no-code tools).
///
/// Forms have no nesting, so the payload is flattened into name/value pairs the way PHP's
/// `http_build_query`, Rack and `qs` write and read them back into structures:
///
/// - an object's fields become `name=value` pairs in the payload's order; a field of a nested
///   object is named `outer[inner]`, an element of an array `outer[0]`, `outer[1]`, … (indexed
///   rather than `outer[]`, so that an array of objects cannot be merged into one object on the
///   way back);
/// - strings are sent as they are, numbers as their JSON text (`1.50` stays `1.50`), booleans as
///   `true` / `false`, and null as an empty value (`name=`);
/// - an empty object or array sends no pair at all (a form cannot say "empty list"), so `{}`
///   is an empty body;
/// - a payload that is not an object is sent under the name `payload` (`payload=42`,
///   `payload[0]=x`).
///
/// The pairs are then written by the WHATWG urlencoded serializer: UTF-8, every byte but ASCII
/// letters, digits and `*-._` percent-encoded, a space as `+`, in names as in values. So the
/// brackets of nested names travel as `%5B` and `%5D`, as browsers send them; every form
/// decoder turns them back into brackets before it reads the structure.
enum FormEncoding {
    /// The name a payload that is not an object is sent under.
    static let rootName = "payload"

    static func encode(_ payload: JSONValue) -> [UInt8] {
        var body: [UInt8] = []
        if case .object(let object) = payload {
            for field in object.fields {
                append(field.value, name: field.key, to: &body)
            }
        } else {
            append(payload, name: rootName, to: &body)
        }
        return body
    }

    private static func append(_ value: JSONValue, name: String, to body: inout [UInt8]) {
        switch value {
        case .object(let object):
            for field in object.fields {
                append(field.value, name: "\(name)[\(field.key)]", to: &body)
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                append(element, name: "\(name)[\(index)]", to: &body)
            }
        case .string(let string): appendPair(name, string, to: &body)
        case .number(let text): appendPair(name, text, to: &body)
        case .bool(let bool): appendPair(name, bool ? "true" : "false", to: &body)
        case .null: appendPair(name, "", to: &body)
        }
    }

    private static func appendPair(_ name: String, _ value: String, to body: inout [UInt8]) {
        if !body.isEmpty { body.append(UInt8(ascii: "&")) }
        percentEncode(name, to: &body)
        body.append(UInt8(ascii: "="))
        percentEncode(value, to: &body)
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// The application/x-www-form-urlencoded percent-encode set, with a space as `+`.
    static func percentEncode(_ string: String, to body: inout [UInt8]) {
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                body.append(byte)
            case UInt8(ascii: " "):
                body.append(UInt8(ascii: "+"))
            default:
                body.append(UInt8(ascii: "%"))
                body.append(hexDigits[Int(byte >> 4)])
                body.append(hexDigits[Int(byte & 0x0F)])
            }
        }
    }
}
