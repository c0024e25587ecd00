import Testing
@testable import SwitchboardBenchKit

@Suite struct LatencyHistogramTests {
    @Test func percentilesOfAKnownSpreadAreWithinTheBucketPrecision() {
        var histogram = LatencyHistogram()
        // 1 µs … 10 ms in 1 µs steps: p50 is 5 ms, p99 9.9 ms.
        for microseconds in 1...10_000 { histogram.record(nanoseconds: UInt64(microseconds) * 1000) }
        #expect(histogram.count == 10_000)
        let p50 = histogram.percentileMilliseconds(0.5)!
        let p99 = histogram.percentileMilliseconds(0.99)!
        #expect(abs(p50 - 5.0) / 5.0 < 0.02, "p50 \(p50)")
        #expect(abs(p99 - 9.9) / 9.9 < 0.02, "p99 \(p99)")
    }

    @Test func anEmptyHistogramHasNoPercentile() {
        #expect(LatencyHistogram().percentileMilliseconds(0.99) == nil)
    }

    @Test func everyValueLandsInABucketThatContainsIt() {
        var value: UInt64 = 1
        while value < (1 << 41) {
            for candidate in [value - 1, value, value + 1, value * 3 / 2] {
                let (low, high) = LatencyHistogram.bounds(of: LatencyHistogram.index(of: candidate))
                #expect(low <= candidate && candidate <= high, "\(candidate) in [\(low), \(high)]")
            }
            value *= 2
        }
    }

    @Test func mergingAddsCounts() {
        var first = LatencyHistogram()
        var second = LatencyHistogram()
        first.record(nanoseconds: 1_000_000)
        second.record(nanoseconds: 3_000_000)
        first.merge(second)
        #expect(first.count == 2)
        #expect(first.percentileMilliseconds(1.0)! > 2.9)
    }
}
