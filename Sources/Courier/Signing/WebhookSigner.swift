import Crypto
import Foundation

/// Signs requests per the Standard Webhooks specification.
///
/// The signature is `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`; when several secrets are
/// live (during a rotation) each gives one signature, space separated, and a verifier holding
/// any one of the secrets accepts.
public struct WebhookSigner: Sendable {
    private let keys: [[UInt8]]

    public init(secrets: [WebhookSecret]) {
        keys = secrets.map(\.key)
    }

    public init(secret: WebhookSecret) {
        self.init(secrets: [secret])
    }

    /// The value of the `webhook-signature` header for one request.
    public func signature(id: String, timestamp: Int64, body: some Collection<UInt8>) -> String {
        let dot = [UInt8(ascii: ".")]
        var signed = Array(id.utf8)
        signed += dot
        signed += String(timestamp).utf8
        signed += dot
        var signatures: [String] = []
        signatures.reserveCapacity(keys.count)
        for key in keys {
            var hmac = HMAC<SHA256>(key: SymmetricKey(data: key))
            hmac.update(data: signed)
            if body.withContiguousStorageIfAvailable({ hmac.update(data: UnsafeRawBufferPointer($0)) }) == nil {
                hmac.update(data: Array(body))
            }
            signatures.append("v1," + Data(hmac.finalize()).base64EncodedString())
        }
        return signatures.joined(separator: " ")
    }
}
