import Crypto
import Foundation

/// Signs requests per the Standard Webhooks specification, and verifies them as a receiver does.
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
        let timestamp = String(timestamp)
        return keys.map { "v1," + Data(Self.code(key: $0, id: id, timestamp: timestamp, body: body)).base64EncodedString() }
            .joined(separator: " ")
    }

    /// Why a request was not accepted, in words a person can act on.
    public enum VerificationFailure: Error, Sendable, Equatable, CustomStringConvertible {
        case invalidTimestamp
        case timestampTooOld
        case timestampTooNew
        case noSignature
        case noMatchingSignature

        public var description: String {
            switch self {
            case .invalidTimestamp: "webhook-timestamp is not a whole number of seconds"
            case .timestampTooOld: "webhook-timestamp is too old"
            case .timestampTooNew: "webhook-timestamp is too far in the future"
            case .noSignature: "webhook-signature holds no v1 signature"
            case .noMatchingSignature: "no signature matches the secret"
            }
        }
    }

    /// Accepts a request the way Standard Webhooks verifiers do, or says why not.
    ///
    /// The timestamp must lie within `tolerance` of `now`, so that a captured request cannot be
    /// replayed later; it is signed as the text it arrived as. Any of the header's
    /// space-separated `v1,` signatures may match any of the signer's secrets, so a request sent
    /// during a rotation passes with either secret; other versions (`v1a,`) are passed over.
    /// Signatures are compared in constant time.
    public func verify(
        id: String, timestamp: String, signatures: String, body: some Collection<UInt8>,
        now: Date = Date(), tolerance: TimeInterval = 300
    ) throws(VerificationFailure) {
        guard let seconds = Int64(timestamp) else { throw .invalidTimestamp }
        let age = now.timeIntervalSince1970 - Double(seconds)
        if age > tolerance { throw .timestampTooOld }
        if age < -tolerance { throw .timestampTooNew }
        let codes = signatures.split(separator: " ").compactMap { part -> Data? in
            let pieces = part.split(separator: ",", maxSplits: 1)
            guard pieces.count == 2, pieces[0] == "v1" else { return nil }
            return Data(base64Encoded: String(pieces[1]))
        }
        guard !codes.isEmpty else { throw .noSignature }
        for key in keys {
            let expected = Self.code(key: key, id: id, timestamp: timestamp, body: body)
            // `==` against bytes is the constant-time comparison of swift-crypto.
            if codes.contains(where: { expected == $0 }) { return }
        }
        throw .noMatchingSignature
    }

    /// The HMAC of `id.timestamp.body`, fed piece by piece: on the delivery path the body is
    /// not copied.
    private static func code(key: [UInt8], id: String, timestamp: String, body: some Collection<UInt8>) -> HMAC<SHA256>.MAC {
        let dot = [UInt8(ascii: ".")]
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: key))
        hmac.update(data: Array(id.utf8) + dot + Array(timestamp.utf8) + dot)
        if body.withContiguousStorageIfAvailable({ hmac.update(data: UnsafeRawBufferPointer($0)) }) == nil {
            hmac.update(data: Array(body))
        }
        return hmac.finalize()
    }
}
