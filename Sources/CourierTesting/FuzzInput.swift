/// Damaged copies of sample inputs, for tests that feed a parser what a careless or hostile
/// client might send: every truncation, and seeded random byte edits.
///
/// The seed is fixed by the caller, so every run tries the same inputs and a failure can be
/// repeated exactly.
public enum FuzzInput {
    /// Every proper prefix of each sample.
    public static func truncations(of samples: [[UInt8]]) -> [[UInt8]] {
        samples.flatMap { sample in (0..<sample.count).map { Array(sample[..<$0]) } }
    }

    /// `count` samples with one to four edits each: a byte replaced, inserted or removed, or
    /// a short span copied elsewhere (repeated keys, brackets, headers). Edits mostly use
    /// `alphabet`, bytes that mean something to the parser, so that many results are nearly
    /// valid; one in four is any byte.
    public static func edits(of samples: [[UInt8]], count: Int, seed: UInt64, alphabet: [UInt8]) -> [[UInt8]] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            var bytes = samples[random.below(samples.count)]
            for _ in 0...random.below(4) {
                let at = random.below(bytes.count + 1)
                let byte = random.below(4) == 0 ? UInt8(random.below(256)) : alphabet[random.below(alphabet.count)]
                switch random.below(4) {
                case 0 where at < bytes.count: bytes[at] = byte
                case 1: bytes.insert(byte, at: at)
                case 2 where at < bytes.count: bytes.remove(at: at)
                default:
                    guard !bytes.isEmpty else { bytes.append(byte); continue }
                    let start = random.below(bytes.count)
                    let span = bytes[start..<min(bytes.count, start + 1 + random.below(8))]
                    bytes.insert(contentsOf: span, at: at)
                }
            }
            return bytes
        }
    }
}
