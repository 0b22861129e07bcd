import Courier
import Foundation
import Testing

@Suite struct WebhookSignerTests {
    static let vectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let vectorID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let vectorTimestamp: Int64 = 1614265330
    static let vectorBody = Array(#"{"test": 2432232314}"#.utf8)
    static let vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    @Test func standardWebhooksTestVector() throws {
        let signer = WebhookSigner(secret: try WebhookSecret(Self.vectorSecret))
        #expect(signer.signature(id: Self.vectorID, timestamp: Self.vectorTimestamp, body: Self.vectorBody) == Self.vectorSignature)
    }

    @Test func anyByteCollectionGivesTheSameSignature() throws {
        let signer = WebhookSigner(secret: try WebhookSecret(Self.vectorSecret))
        #expect(signer.signature(id: Self.vectorID, timestamp: Self.vectorTimestamp, body: Data(Self.vectorBody)) == Self.vectorSignature)
        #expect(signer.signature(id: Self.vectorID, timestamp: Self.vectorTimestamp, body: Self.vectorBody[...]) == Self.vectorSignature)
    }

    @Test func changingAnyPartChangesTheSignature() throws {
        let signer = WebhookSigner(secret: try WebhookSecret(Self.vectorSecret))
        #expect(signer.signature(id: "msg_other", timestamp: Self.vectorTimestamp, body: Self.vectorBody) != Self.vectorSignature)
        #expect(signer.signature(id: Self.vectorID, timestamp: Self.vectorTimestamp + 1, body: Self.vectorBody) != Self.vectorSignature)
        #expect(signer.signature(id: Self.vectorID, timestamp: Self.vectorTimestamp, body: Array(#"{"test":2432232314}"#.utf8)) != Self.vectorSignature)
    }

    @Test func twoSecretsGiveTwoSignatures() throws {
        let first = try WebhookSecret(Self.vectorSecret)
        let second = WebhookSecret(key: [UInt8](0..<32))
        let single2 = WebhookSigner(secret: second).signature(id: Self.vectorID, timestamp: Self.vectorTimestamp, body: Self.vectorBody)
        let both = WebhookSigner(secrets: [first, second]).signature(id: Self.vectorID, timestamp: Self.vectorTimestamp, body: Self.vectorBody)
        #expect(both == Self.vectorSignature + " " + single2)
        let parts = both.split(separator: " ").map(String.init)
        #expect(parts == [Self.vectorSignature, single2])
        #expect(single2.hasPrefix("v1,"))
        #expect(single2 != Self.vectorSignature)
    }

    /// A signer is keyed once and shared by every attempt to its endpoint, from many tasks at
    /// once: each signature must start from the keyed state, never from another's message.
    @Test func oneSignerSharedByManyTasksSignsEachMessageAlone() async throws {
        let signer = WebhookSigner(secret: try WebhookSecret(Self.vectorSecret))
        let other = Array(#"{"test": 1}"#.utf8)
        let otherSignature = signer.signature(id: Self.vectorID, timestamp: Self.vectorTimestamp, body: other)
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var mismatches = 0
                    for round in 0..<500 {
                        let (body, expected) = (task + round) % 2 == 0 ? (Self.vectorBody, Self.vectorSignature) : (other, otherSignature)
                        if signer.signature(id: Self.vectorID, timestamp: Self.vectorTimestamp, body: body) != expected { mismatches += 1 }
                    }
                    return mismatches
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        #expect(otherSignature != Self.vectorSignature)
    }

    @Test func noSecretsGiveAnEmptySignature() {
        #expect(WebhookSigner(secrets: []).signature(id: "a", timestamp: 1, body: [UInt8]()) == "")
    }

    // MARK: Verification

    static let vectorTime = Date(timeIntervalSince1970: TimeInterval(vectorTimestamp))

    @Test func verifiesTheStandardWebhooksTestVector() throws {
        let signer = WebhookSigner(secret: try WebhookSecret(Self.vectorSecret))
        try signer.verify(
            id: Self.vectorID, timestamp: String(Self.vectorTimestamp), signatures: Self.vectorSignature,
            body: Self.vectorBody, now: Self.vectorTime
        )
    }

    @Test func anyOfSeveralSignaturesMayMatch() throws {
        let signer = WebhookSigner(secret: try WebhookSecret(Self.vectorSecret))
        let other = WebhookSigner(secret: WebhookSecret(key: [UInt8](0..<32)))
            .signature(id: Self.vectorID, timestamp: Self.vectorTimestamp, body: Self.vectorBody)
        for header in [other + " " + Self.vectorSignature, "v1a,bm90IGEgc2lnbmF0dXJl " + Self.vectorSignature] {
            try signer.verify(
                id: Self.vectorID, timestamp: String(Self.vectorTimestamp), signatures: header,
                body: Self.vectorBody, now: Self.vectorTime
            )
        }
    }

    @Test func aSignerWithEitherSecretOfARotationAccepts() throws {
        let first = try WebhookSecret(Self.vectorSecret)
        let second = WebhookSecret(key: [UInt8](0..<32))
        let both = WebhookSigner(secrets: [first, second]).signature(id: "evt_1", timestamp: Self.vectorTimestamp, body: Self.vectorBody)
        for secret in [first, second] {
            try WebhookSigner(secret: secret).verify(
                id: "evt_1", timestamp: String(Self.vectorTimestamp), signatures: both, body: Self.vectorBody, now: Self.vectorTime
            )
        }
    }

    @Test func refusesAChangedIDBodyOrTimestampAndAWrongSecret() throws {
        let signer = WebhookSigner(secret: try WebhookSecret(Self.vectorSecret))
        let timestamp = String(Self.vectorTimestamp)
        func failure(
            id: String = Self.vectorID, timestamp: String = timestamp, signatures: String = Self.vectorSignature,
            body: [UInt8] = Self.vectorBody, signer: WebhookSigner = signer
        ) -> WebhookSigner.VerificationFailure? {
            #expect(throws: WebhookSigner.VerificationFailure.self) {
                try signer.verify(id: id, timestamp: timestamp, signatures: signatures, body: body, now: Self.vectorTime)
            }
        }
        #expect(failure(id: "msg_other") == .noMatchingSignature)
        #expect(failure(body: Array(#"{"test":2432232314}"#.utf8)) == .noMatchingSignature)
        #expect(failure(timestamp: String(Self.vectorTimestamp + 1)) == .noMatchingSignature)
        // The timestamp is signed as written: the same number with a leading zero is not the same request.
        #expect(failure(timestamp: "0" + timestamp) == .noMatchingSignature)
        #expect(failure(signer: WebhookSigner(secret: WebhookSecret(key: [UInt8](0..<32)))) == .noMatchingSignature)
    }

    @Test func refusesMalformedHeaders() throws {
        let signer = WebhookSigner(secret: try WebhookSecret(Self.vectorSecret))
        func failure(timestamp: String = String(Self.vectorTimestamp), signatures: String) -> WebhookSigner.VerificationFailure? {
            #expect(throws: WebhookSigner.VerificationFailure.self) {
                try signer.verify(id: Self.vectorID, timestamp: timestamp, signatures: signatures, body: Self.vectorBody, now: Self.vectorTime)
            }
        }
        #expect(failure(signatures: "") == .noSignature)
        #expect(failure(signatures: "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=") == .noSignature)
        #expect(failure(signatures: "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=") == .noSignature)
        #expect(failure(signatures: "v1,not base64!") == .noSignature)
        #expect(failure(timestamp: "soon", signatures: Self.vectorSignature) == .invalidTimestamp)
        #expect(failure(timestamp: "", signatures: Self.vectorSignature) == .invalidTimestamp)
    }

    @Test func refusesTimestampsOutsideTheTolerance() throws {
        let signer = WebhookSigner(secret: try WebhookSecret(Self.vectorSecret))
        func verify(at now: Date) throws {
            try signer.verify(
                id: Self.vectorID, timestamp: String(Self.vectorTimestamp), signatures: Self.vectorSignature,
                body: Self.vectorBody, now: now, tolerance: 300
            )
        }
        try verify(at: Self.vectorTime.addingTimeInterval(300))
        try verify(at: Self.vectorTime.addingTimeInterval(-300))
        #expect(throws: WebhookSigner.VerificationFailure.timestampTooOld) { try verify(at: Self.vectorTime.addingTimeInterval(301)) }
        #expect(throws: WebhookSigner.VerificationFailure.timestampTooNew) { try verify(at: Self.vectorTime.addingTimeInterval(-301)) }
    }

    // MARK: WebhookSecret

    @Test func parsesTheVectorSecret() throws {
        let secret = try WebhookSecret(Self.vectorSecret)
        #expect(secret.key.count == 24)
        #expect(secret.key == Array(Data(base64Encoded: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!))
        #expect(secret.description == Self.vectorSecret)
    }

    @Test(arguments: [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",           // no prefix
        "whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",      // wrong prefix
        "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",     // prefix is case-sensitive
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!",     // not base64
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",      // bad length for base64
        "whsec_",                                     // empty key
        "whsec_AAECAwQFBgcICQoLDA0O",                 // 15 bytes
        "whsec_" + Data(repeating: 7, count: 65).base64EncodedString(), // 65 bytes
    ])
    func rejectsBadSecrets(text: String) {
        let error = #expect(throws: CourierError.self) { try WebhookSecret(text, field: "secret") }
        #expect(error?.kind == .invalid)
        #expect(error?.code == "invalid_secret")
        #expect(error?.field == "secret")
    }

    @Test func keyLengthBounds() throws {
        let bytes: [UInt8] = Array(0..<16)
        let sixteen = "whsec_" + Data(bytes).base64EncodedString()
        #expect(try WebhookSecret(sixteen).key == bytes)
        let sixtyFour = "whsec_" + Data(repeating: 9, count: 64).base64EncodedString()
        #expect(try WebhookSecret(sixtyFour).key == [UInt8](repeating: 9, count: 64))
    }

    @Test func generateRoundTripsThroughDescription() throws {
        let secret = WebhookSecret.generate()
        #expect(secret.key.count == 24)
        #expect(secret.description.hasPrefix("whsec_"))
        #expect(try WebhookSecret(secret.description) == secret)
        #expect(WebhookSecret.generate() != secret)
    }
}
