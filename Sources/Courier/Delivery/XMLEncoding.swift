/// The envelope as an XML document, for receivers that only read XML.
///
/// JSON has no single XML form, so Courier fixes one and keeps it stable:
///
/// ```xml
/// <?xml version="1.0" encoding="UTF-8"?><event id="msg_1" type="order.paid" timestamp="2024-01-02T03:04:05.000Z"><data>…</data></event>
/// ```
///
/// `<data>` holds the payload, and every value maps to the content of the element that holds it:
///
/// - an object: one child element per field, in the payload's order, named by the field's key
///   (`<amount>1.50</amount>`). A key that is not a plain XML name (ASCII letters, digits,
///   `_`, `-` and `.`, not starting with a digit, `-` or `.`, and not starting with `xml` in
///   any case, which XML reserves) becomes `<item key="the key">` instead. Colons are left out
///   so that no name reads as an undeclared namespace prefix, and non-ASCII names too, which
///   older parsers refuse;
/// - an array: one `<item>` child per element, in order (nested arrays nest `<item>`s);
/// - a string: its text, with `&`, `<` and `>` escaped, and a carriage return written as
///   `&#xD;` so that parsers do not fold it into a line feed;
/// - a number: its JSON text as published (`1.50`, `1e3`);
/// - true and false: `true`, `false`;
/// - null: no content, and the attribute `null="true"` (`<note null="true"></note>`), which is
///   how an empty string (`<note></note>`) is told apart from null.
///
/// Empty values are written as a start and an end tag, as Canonical XML writes them. Attribute
/// values also escape `"`, tab and line feed (as `&quot;`, `&#x9;`, `&#xA;`) so that attribute
/// normalisation gives back the original text. Characters XML 1.0 does not allow at all (control
/// characters other than tab, line feed and carriage return, and U+FFFE, U+FFFF) are replaced
/// by U+FFFD: nothing can carry them in XML 1.0, and a document holding them would be refused
/// whole. No white space is added between elements.
public enum XMLEncoding {
    static func document(for event: Event, payload: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(event.payload.count * 2 + 160)
        append(#"<?xml version="1.0" encoding="UTF-8"?><event id=""#, to: &out)
        appendEscaped(event.id, attribute: true, to: &out)
        append(#"" type=""#, to: &out)
        appendEscaped(event.type, attribute: true, to: &out)
        append(#"" timestamp=""#, to: &out)
        appendEscaped(Timestamp.format(event.occurredAt), attribute: true, to: &out)
        append(#"">"#, to: &out)
        appendElement("data", key: nil, payload, to: &out)
        append("</event>", to: &out)
        return out
    }

    /// Writes `value` as the element `name`, with the `key` attribute when the name stands in
    /// for a key that is not a valid XML name.
    private static func appendElement(_ name: String, key: String?, _ value: JSONValue, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "<"))
        append(name, to: &out)
        if let key {
            append(#" key=""#, to: &out)
            appendEscaped(key, attribute: true, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        if case .null = value {
            append(#" null="true""#, to: &out)
        }
        out.append(UInt8(ascii: ">"))
        switch value {
        case .null: break
        case .bool(let bool): append(bool ? "true" : "false", to: &out)
        case .number(let text): append(text, to: &out)
        case .string(let string): appendEscaped(string, attribute: false, to: &out)
        case .array(let elements):
            for element in elements {
                appendElement("item", key: nil, element, to: &out)
            }
        case .object(let object):
            for field in object.fields {
                if isPlainName(field.key) {
                    appendElement(field.key, key: nil, field.value, to: &out)
                } else {
                    appendElement("item", key: field.key, field.value, to: &out)
                }
            }
        }
        append("</", to: &out)
        append(name, to: &out)
        out.append(UInt8(ascii: ">"))
    }

    /// Whether `key` can be an element's name as it is: the ASCII part of XML 1.0's Name
    /// production without `:`, and not one of the names XML reserves.
    static func isPlainName(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard let first = bytes.first else { return false }
        func isLetter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        }
        guard isLetter(first) || first == UInt8(ascii: "_") else { return false }
        for byte in bytes.dropFirst() {
            guard isLetter(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            else { return false }
        }
        return !(bytes.count >= 3 && bytes[0...2].map { $0 | 0x20 } == Array("xml".utf8))
    }

    /// Text made safe inside an XML (or SVG, or HTML) element, or an attribute in double quotes.
    public static func escaped(_ text: String, attribute: Bool = false) -> String {
        var out: [UInt8] = []
        appendEscaped(text, attribute: attribute, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func append(_ text: String, to out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }

    private static func appendEscaped(_ text: String, attribute: Bool, to out: inout [UInt8]) {
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x26: append("&amp;", to: &out)
            case 0x3C: append("&lt;", to: &out)
            case 0x3E: append("&gt;", to: &out)
            case 0x0D: append("&#xD;", to: &out)
            case 0x22 where attribute: append("&quot;", to: &out)
            case 0x09 where attribute: append("&#x9;", to: &out)
            case 0x0A where attribute: append("&#xA;", to: &out)
            case 0x09, 0x0A: out.append(UInt8(scalar.value))
            case 0x00..<0x20, 0xFFFE, 0xFFFF: append("\u{FFFD}", to: &out)
            default: UTF8.encode(scalar) { out.append($0) }
            }
        }
    }
}
