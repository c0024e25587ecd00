/// SplitMix64: a seeded pseudo-random generator. The engine takes randomness only as a seed;
/// simulations, benchmarks and tests that need a reproducible stream use this one.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator; the same seed gives the same stream on every machine.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (modulo reduction: fine for simulations, not for cryptography).
    public mutating func next(below bound: UInt64) -> UInt64 { next() % bound }
}
