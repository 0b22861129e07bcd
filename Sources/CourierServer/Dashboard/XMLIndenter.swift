/// Indents an XML document for a person to read on a delivery's page: what an `xml` or
/// template endpoint was sent, and what receivers (SOAP services, health-data systems) answer.
///
/// It changes only the white space between elements whose content is nothing but elements,
/// comments and processing instructions: an element holding text (text alone, CDATA, or text
/// mixed with elements) keeps its content byte for byte, since there white space may be part
/// of the data. So indenting twice gives what indenting once gave. It reads just enough XML
/// to know where each construct starts and ends (tags, attributes quoted with `>` inside them,
/// comments, CDATA, processing instructions, a doctype with an internal subset); anything it
/// cannot read as one well-nested document is nil, and the page shows the text as it came.
enum XMLIndenter {
    /// Deeper documents are shown as they came, rather than spend the page's stack on them.
    static let maximumDepth = 200

    static func indent(_ text: String, unit: String = "  ") -> String? {
        var parser = Parser(bytes: Array(text.utf8))
        guard let nodes = parser.parse() else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(parser.bytes.count + parser.bytes.count / 4)
        for node in nodes {
            if case .text = node { continue }
            if !out.isEmpty { out.append(UInt8(ascii: "\n")) }
            write(node, depth: 0, unit: Array(unit.utf8), bytes: parser.bytes, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A construct of the document, as ranges of its bytes.
    fileprivate enum Node {
        /// Character data between markup; white space alone is only layout between elements.
        case text(Range<Int>, blank: Bool)
        case cdata(Range<Int>)
        /// A comment, a processing instruction or a doctype: kept as it is, on a line of its own.
        case markup(Range<Int>)
        /// The bytes of its tags; one that closes itself (`<a/>`) has no end tag.
        case element(startTag: Range<Int>, endTag: Range<Int>?, children: [Node])
    }

    private static func write(_ node: Node, depth: Int, unit: [UInt8], bytes: [UInt8], to out: inout [UInt8]) {
        switch node {
        case .text(let range, _), .cdata(let range), .markup(let range):
            out.append(contentsOf: bytes[range])
        case .element(let startTag, nil, _):
            out.append(contentsOf: bytes[startTag])
        case .element(let startTag, let endTag?, let children):
            guard isLaidOut(children) else {
                out.append(contentsOf: bytes[startTag.lowerBound..<endTag.upperBound])
                return
            }
            out.append(contentsOf: bytes[startTag])
            for child in children {
                if case .text = child { continue }
                out.append(UInt8(ascii: "\n"))
                for _ in 0...depth { out.append(contentsOf: unit) }
                write(child, depth: depth + 1, unit: unit, bytes: bytes, to: &out)
            }
            out.append(UInt8(ascii: "\n"))
            for _ in 0..<depth { out.append(contentsOf: unit) }
            out.append(contentsOf: bytes[endTag])
        }
    }

    /// Whether an element's content is only elements, comments and processing instructions,
    /// with white space between them that is layout and can be laid out anew.
    private static func isLaidOut(_ children: [Node]) -> Bool {
        var markup = false
        for child in children {
            switch child {
            case .text(_, blank: true): continue
            case .text, .cdata: return false
            case .markup, .element: markup = true
            }
        }
        return markup
    }

    /// Reads the document into nodes, or nil at the first thing that is not well-nested XML.
    private struct Parser {
        let bytes: [UInt8]
        private var position = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // A byte order mark is no part of the document.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        }

        /// The top level's nodes: exactly one element, with markup and white space around it.
        mutating func parse() -> [Node]? {
            var open: [(name: ArraySlice<UInt8>, startTag: Range<Int>, children: [Node])] = []
            var top: [Node] = []
            func add(_ node: Node) {
                if open.isEmpty { top.append(node) } else { open[open.count - 1].children.append(node) }
            }
            while position < bytes.count {
                let start = position
                guard bytes[position] == UInt8(ascii: "<") else {
                    while position < bytes.count, bytes[position] != UInt8(ascii: "<") { position += 1 }
                    let blank = bytes[start..<position].allSatisfy(Self.isSpace)
                    // Text outside the root element is not XML (this is how plain text and JSON are told apart).
                    guard blank || !open.isEmpty else { return nil }
                    add(.text(start..<position, blank: blank))
                    continue
                }
                if has("<!--") {
                    guard skip(past: "-->", from: start + 4) else { return nil }
                    add(.markup(start..<position))
                } else if has("<![CDATA[") {
                    guard !open.isEmpty, skip(past: "]]>", from: start + 9) else { return nil }
                    add(.cdata(start..<position))
                } else if has("<?") {
                    guard skip(past: "?>", from: start + 2) else { return nil }
                    add(.markup(start..<position))
                } else if has("<!") {
                    guard open.isEmpty, skipDeclaration(from: start + 2) else { return nil }
                    add(.markup(start..<position))
                } else if has("</") {
                    position += 2
                    guard let name = name(), let last = open.popLast(), last.name == name else { return nil }
                    skipSpace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: ">") else { return nil }
                    position += 1
                    add(.element(startTag: last.startTag, endTag: start..<position, children: last.children))
                } else {
                    position += 1
                    guard let name = name(), let selfClosing = attributes() else { return nil }
                    if selfClosing {
                        add(.element(startTag: start..<position, endTag: nil, children: []))
                    } else {
                        guard open.count < maximumDepth else { return nil }
                        open.append((name, start..<position, []))
                    }
                }
            }
            let elements = top.count { if case .element = $0 { true } else { false } }
            return open.isEmpty && elements == 1 ? top : nil
        }

        private func has(_ prefix: StaticString) -> Bool {
            let count = prefix.utf8CodeUnitCount
            guard position + count <= bytes.count else { return false }
            return prefix.withUTF8Buffer { bytes[position..<position + count].elementsEqual($0) }
        }

        /// Moves past the first `terminator` at or after `from`; false when there is none.
        private mutating func skip(past terminator: StaticString, from: Int) -> Bool {
            let end = terminator.withUTF8Buffer { Array($0) }
            var index = from
            while index + end.count <= bytes.count {
                if bytes[index..<index + end.count].elementsEqual(end) {
                    position = index + end.count
                    return true
                }
                index += 1
            }
            return false
        }

        /// A `<!DOCTYPE …>`: its `>` is the first outside quotes and outside its internal
        /// subset's brackets (whose declarations have `>`s of their own).
        private mutating func skipDeclaration(from: Int) -> Bool {
            var index = from
            var depth = 0
            var quote: UInt8?
            while index < bytes.count {
                let byte = bytes[index]
                if let open = quote {
                    if byte == open { quote = nil }
                } else {
                    switch byte {
                    case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = byte
                    case UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "]"): depth -= 1
                    case UInt8(ascii: ">") where depth == 0:
                        position = index + 1
                        return true
                    default: break
                    }
                }
                index += 1
            }
            return false
        }

        /// A name at the position: starting with a letter, `_`, `:` or a non-ASCII character.
        private mutating func name() -> ArraySlice<UInt8>? {
            let start = position
            guard position < bytes.count, Self.isNameStart(bytes[position]) else { return nil }
            while position < bytes.count, Self.isNameStart(bytes[position]) || Self.isNamePart(bytes[position]) { position += 1 }
            return bytes[start..<position]
        }

        /// The attributes of a start tag and its end: whether it closed itself (`/>`); nil if
        /// it is not well formed.
        private mutating func attributes() -> Bool? {
            while true {
                let spaced = skipSpace()
                guard position < bytes.count else { return nil }
                switch bytes[position] {
                case UInt8(ascii: ">"):
                    position += 1
                    return false
                case UInt8(ascii: "/"):
                    guard position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: ">") else { return nil }
                    position += 2
                    return true
                default:
                    guard spaced, name() != nil else { return nil }
                    skipSpace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "=") else { return nil }
                    position += 1
                    skipSpace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'") else {
                        return nil
                    }
                    let quote = bytes[position]
                    position += 1
                    // A value may hold `>`, never `<`.
                    while position < bytes.count, bytes[position] != quote {
                        guard bytes[position] != UInt8(ascii: "<") else { return nil }
                        position += 1
                    }
                    guard position < bytes.count else { return nil }
                    position += 1
                }
            }
        }

        /// Skips white space; whether there was any.
        @discardableResult
        private mutating func skipSpace() -> Bool {
            let start = position
            while position < bytes.count, Self.isSpace(bytes[position]) { position += 1 }
            return position > start
        }

        static func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }

        static func isNameStart(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":") || byte >= 0x80
        }

        static func isNamePart(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
    }
}
