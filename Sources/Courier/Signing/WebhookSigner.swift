import Crypto
import Foundation

/// Signs requests per the Standard Webhooks specification, and verifies them as a receiver does.
///
/// The signature is `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`; when several secrets are
/// live (during a rotation) each gives one signature, space separated, and a verifier holding
/// any one of the secrets accepts.
public struct WebhookSigner: Sendable {
    private let keys: [KeyedHMAC]

    public init(secrets: [WebhookSecret]) {
        keys = secrets.map { KeyedHMAC(key: $0.key) }
    }

    public init(secret: WebhookSecret) {
        self.init(secrets: [secret])
    }

    /// The value of the `webhook-signature` header for one request.
    public func signature(id: String, timestamp: Int64, body: some Collection<UInt8>) -> String {
        let timestamp = String(timestamp)
        return keys.map { "v1," + Data($0.code(id: id, timestamp: timestamp, body: body)).base64EncodedString() }
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
            let expected = key.code(id: id, timestamp: timestamp, body: body)
            // `==` against bytes is the constant-time comparison of swift-crypto.
            if codes.contains(where: { expected == $0 }) { return }
        }
        throw .noMatchingSignature
    }
}

/// An HMAC-SHA256 already keyed with one secret, copied for each message.
///
/// Keying pads the secret to a block and hashes it twice, which cost as much as hashing a small
/// webhook body; a signer is made once per version of an endpoint, so that work is done once
/// there and each signature starts from a copy. `@unchecked Sendable`: swift-crypto's hashers
/// keep their state in a class that they copy before their first write when it is shared, and
/// the keyed original is only ever read (copied), never written.
private struct KeyedHMAC: @unchecked Sendable {
    private let keyed: HMAC<SHA256>

    init(key: [UInt8]) {
        keyed = HMAC<SHA256>(key: SymmetricKey(data: key))
    }

    /// The HMAC of `id.timestamp.body`, fed piece by piece: on the delivery path the body is
    /// not copied.
    func code(id: String, timestamp: String, body: some Collection<UInt8>) -> HMAC<SHA256>.MAC {
        var hmac = keyed
        var prefix: [UInt8] = []
        prefix.reserveCapacity(id.utf8.count + timestamp.utf8.count + 2)
        prefix += id.utf8
        prefix.append(UInt8(ascii: "."))
        prefix += timestamp.utf8
        prefix.append(UInt8(ascii: "."))
        hmac.update(data: prefix)
        if body.withContiguousStorageIfAvailable({ hmac.update(data: UnsafeRawBufferPointer($0)) }) == nil {
            hmac.update(data: Array(body))
        }
        return hmac.finalize()
    }
}
