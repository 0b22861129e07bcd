import Crypto
import Foundation

/// Makes API tokens and the hashes under which they are stored.
///
/// Tokens are 256 random bits, so a plain SHA-256 (no salt, no stretching) is enough to make a
/// stolen hash useless while keeping the per-request check to one hash and one indexed lookup.
public enum TokenSecret {
    public static func generate(prefix: String = "ck") -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + "_" + Base64URL.encode(bytes)
    }

    public static func hash(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Array(token.utf8)))
    }
}

/// Unpadded base64url, the alphabet that survives headers, URLs, cookies and shells unquoted.
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The bytes `text` encodes, or nil when it is not base64url.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
