/// Lowercase hexadecimal, the form in which token hashes are stored and digests shown.
///
/// Written out by hand: `String(format: "%02x")` per byte goes through Foundation's format
/// parser, and the API hashes every request's token, so it was a twentieth of the CPU of a
/// server taking single-event `POST`s (see BENCHMARKS.md).
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
