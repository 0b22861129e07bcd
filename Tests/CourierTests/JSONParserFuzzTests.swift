import Courier
import CourierTesting
import Foundation
import Testing

/// Every request body goes through ``JSONParser``, so no input may crash it, and what it
/// accepts must be JSON. Thousands of damaged documents (every truncation of a sample corpus,
/// and seeded random byte edits) are parsed here: each must be refused with a `Failure` or
/// accepted with a value that writes back to the same value. Python's `json` module, an
/// independent parser, then judges the same documents, and the two must agree.
@Suite struct JSONParserFuzzTests {
    static let corpus = [
        #"{"type":"case.updated","payload":{"id":42,"tags":["a","b"],"ok":true,"none":null}}"#,
        #"[0,-0,1.5,-12.5e-3,1E+10,123456789012345678901234567890,0.000]"#,
        #"{"esc":"q\"b\\s\/n\n\r\t\b\f","u":"\u00e9\u20ac\ud83d\ude00","raw":"é€😀"}"#,
        #" { "a" : [ { } , [ ] , "" ] , "b" : { "c" : { "d" : [ 1 , 2 ] } } } "#,
        #"[[[[["deep"]]]],{"k":{"k":{"k":false}}}]"#,
        #""just a string""#,
        "true",
        "-3.25e-2",
    ]

    /// Bytes that mean something to a JSON parser, so that edits often make near-valid documents.
    static let interesting = Array(#"{}[]":,\/ -+.0123456789eEtrufalsn"#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xE2, 0xED, 0xF0, 0xFF]

    @Test func damagedDocumentsAreRefusedOrRoundTripAndPythonAgrees() async throws {
        let samples = Self.corpus.map { Array($0.utf8) }
        let documents = FuzzInput.truncations(of: samples)
            + FuzzInput.edits(of: samples, count: 4000, seed: 0x636F_7572_6965_72, alphabet: Self.interesting)
        var verdicts: [(document: [UInt8], accepted: Bool)] = []
        for document in documents {
            do {
                let value = try JSONParser.parse(document)
                let again = try JSONParser.parse(value.bytes)
                #expect(again == value, "\(String(decoding: document, as: UTF8.self)) wrote back as \(String(decoding: value.bytes, as: UTF8.self))")
                verdicts.append((document, true))
            } catch {
                verdicts.append((document, false))
            }
        }
        let accepted = verdicts.filter(\.accepted).count
        #expect(accepted > 200 && accepted < documents.count - 200, "the edits make both kinds: \(accepted) of \(documents.count) accepted")

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("json-fuzz-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: file) }
        let lines = verdicts.map { ($0.accepted ? "A " : "R ") + Hex.encode($0.document) }
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let output = try await ExternalCommand.run(["python3", "-c", Self.judge, file.path])
        #expect(output.status == 0 && output.text.hasPrefix("agree \(documents.count)"), "\(output.text)")
    }

    /// Python's verdict on each document, against ours. Where RFC 8259 lets a parser choose,
    /// Courier refuses what Python takes: `NaN` and `Infinity`, escapes of lone surrogates
    /// (which cannot be UTF-8), and nesting deeper than ``JSONParser/maximumDepth``.
    static let judge = #"""
        import json, sys
        MAX_DEPTH = \#(JSONParser.maximumDepth)
        def refuse_constant(name):
            raise ValueError("constant " + name)
        def check(value, depth):
            if isinstance(value, (list, dict)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise ValueError("too deep")
            if isinstance(value, str):
                if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
                    raise ValueError("lone surrogate")
            elif isinstance(value, list):
                for item in value:
                    check(item, depth)
            elif isinstance(value, dict):
                for key, item in value.items():
                    check(key, depth)
                    check(item, depth)
        def pairs(items):
            for key, _ in items:
                check(key, 0)
            return dict(items)
        count, disagreements = 0, []
        for line in open(sys.argv[1]):
            verdict, data = line.split()[0], bytes.fromhex(line.split()[1] if len(line.split()) > 1 else "")
            count += 1
            try:
                value = json.loads(data.decode("utf-8"), parse_constant=refuse_constant, object_pairs_hook=pairs)
                check(value, 0)
                python = "A"
            except (ValueError, RecursionError):
                python = "R"
            if python != verdict:
                disagreements.append(f"ours {verdict}, python {python}: {data!r}")
        if disagreements:
            print(f"disagree on {len(disagreements)} of {count}:")
            print("\n".join(disagreements[:20]))
            sys.exit(1)
        print(f"agree {count}")
        """#
}
