import Crypto
import Foundation

/// A Standard Webhooks signing secret: `whsec_` followed by the base64 of the key bytes.
public struct WebhookSecret: Sendable, Hashable, CustomStringConvertible {
    public static let prefix = "whsec_"
    public let key: [UInt8]

    public init(key: [UInt8]) {
        self.key = key
    }

    /// Parses a secret as an API client gives it; the key must be 16 to 64 bytes, as in Svix.
    public init(_ text: String, field: String = "secret") throws(CourierError) {
        guard text.hasPrefix(Self.prefix), let data = Data(base64Encoded: String(text.dropFirst(Self.prefix.count))) else {
            throw .invalid("\(field) must be whsec_ followed by base64", field: field, code: "invalid_secret")
        }
        guard (16...64).contains(data.count) else {
            throw .invalid("\(field) must hold 16 to 64 bytes of key, not \(data.count)", field: field, code: "invalid_secret")
        }
        key = Array(data)
    }

    /// A new secret of 24 random bytes (192 bits), the size Svix issues.
    public static func generate() -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        return WebhookSecret(key: (0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    public var description: String {
        Self.prefix + Data(key).base64EncodedString()
    }
}
