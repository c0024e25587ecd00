import Testing
@testable import SwitchboardProtocol

@Suite struct DecimalTextTests {
    private func text(_ value: UInt64) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            let count = DecimalText.write(value, to: buffer.baseAddress!)
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<count]), as: UTF8.self)
        }
    }

    @Test func everyPowerOfTenAndItsNeighboursAreWrittenAsStringWouldWriteThem() {
        var values: [UInt64] = [0, 1, 9, UInt64.max, UInt64.max - 1]
        var power: UInt64 = 1
        for _ in 0..<19 {
            power *= 10
            values += [power - 1, power, power + 1]
        }
        for value in values {
            #expect(text(value) == String(value))
            #expect(DecimalText.digitCount(value) == String(value).count)
        }
    }

    @Test func randomValuesOfEveryLengthAreWrittenAsStringWouldWriteThem() {
        let seed: UInt64 = 0xDEC1_3A11
        var state = seed
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let value = state >> (state & 63)
            #expect(text(value) == String(value), "seed \(seed)")
        }
    }

    @Test func negativeNumbersInFieldsKeepTheirSign() {
        var writer = LineWriter()
        writer.verb("OK")
        writer.field("delta", Int64.min)
        writer.field("zero", 0)
        writer.endLine()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "OK delta=-9223372036854775808 zero=0\n")
    }
}
