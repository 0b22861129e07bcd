import Courier
import Testing

@Suite struct TokenSecretTests {
    /// Tokens are looked up by their stored hash, so its form must never change: a different
    /// spelling of the same digest would lock every existing token out.
    @Test func theHashIsTheDigestInLowercaseHex() {
        #expect(TokenSecret.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(TokenSecret.hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func hexWritesEveryByteAsTwoDigits() {
        #expect(Hex.encode([0x00, 0x0f, 0x10, 0xa5, 0xff]) == "000f10a5ff")
        #expect(Hex.encode([UInt8]()) == "")
    }

    @Test func generatedTokensAreDistinctAndURLSafe() {
        let first = TokenSecret.generate()
        let second = TokenSecret.generate()
        #expect(first != second)
        #expect(first.hasPrefix("ck_"))
        // 32 bytes as unpadded base64url: 43 characters after the prefix.
        #expect(first.count == 3 + 43)
        #expect(first.dropFirst(3).allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(Base64URL.decode(first.dropFirst(3))?.count == 32)
    }
}
