/// Latencies in fixed log-linear buckets: exact below 64 ns, then 32 buckets per power of two
/// (a value is within 1.6 % of its bucket's middle), up to 2^41 ns (about 36 minutes).
///
/// Recording is an index computation and an increment: no allocation, no sorting, so the
/// load generator can record every lifecycle on its event-loop thread at no measurable cost.
public struct LatencyHistogram: Sendable, Equatable {
    private static let linearLimit: UInt64 = 64
    private static let largest: UInt64 = (1 << 41) - 1
    private static let bucketCount = index(of: largest) + 1

    private var counts: [UInt64]
    /// How many values were recorded.
    public private(set) var count = 0

    /// An empty histogram.
    public init() {
        counts = [UInt64](repeating: 0, count: Self.bucketCount)
    }

    /// Records one latency in nanoseconds (values past the range count as the largest).
    @inline(__always)
    public mutating func record(nanoseconds: UInt64) {
        counts[Self.index(of: min(nanoseconds, Self.largest))] &+= 1
        count += 1
    }

    /// Adds every value of `other`.
    public mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] &+= other.counts[index] }
        count += other.count
    }

    /// The value below which a fraction `p` (0…1) of the recorded values lie, in milliseconds
    /// (the middle of its bucket); nil when nothing was recorded.
    public func percentileMilliseconds(_ p: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = max(1, Int((p * Double(count)).rounded(.up)))
        var seen = 0
        for (index, bucketCount) in counts.enumerated() where bucketCount > 0 {
            seen += Int(bucketCount)
            if seen >= rank {
                let (low, high) = Self.bounds(of: index)
                return Double(low + high) / 2 / 1_000_000
            }
        }
        return nil
    }

    /// Bucket of a value: below 64 the value itself; above, exponent `e` and the top six bits
    /// `m` (32…63) give `e * 32 + m`, so consecutive exponents take consecutive index ranges.
    @inline(__always)
    static func index(of value: UInt64) -> Int {
        guard value >= linearLimit else { return Int(value) }
        let exponent = (63 - value.leadingZeroBitCount) - 5
        return exponent * 32 + Int(value >> UInt64(exponent))
    }

    /// The smallest and largest value of a bucket.
    static func bounds(of index: Int) -> (UInt64, UInt64) {
        guard index >= Int(linearLimit) else { return (UInt64(index), UInt64(index)) }
        let exponent = (index - 32) / 32
        let mantissa = UInt64(index - exponent * 32)
        return (mantissa << UInt64(exponent), ((mantissa + 1) << UInt64(exponent)) - 1)
    }
}
