import Testing
@testable import SwitchboardLog

@Suite struct CRC32CTests {
    @Test func checkValueOf123456789IsE3069283() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test func theInstructionAgreesWithTheTablesForEveryLengthAndStart() {
        var random = UInt64(0x5EED_C0DE)
        let bytes = (0..<300).map { _ -> UInt8 in
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: random >> 56)
        }
        bytes.withUnsafeBytes { all in
            for start in 0..<9 {
                for length in 0...(all.count - start) {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                    #expect(CRC32C.update(0x1234_5678, slice) == CRC32C.softwareUpdate(0x1234_5678, slice),
                            "start \(start), length \(length)")
                }
            }
        }
        let one: [UInt8] = [0xA5]
        #expect(CRC32C.update(7, byte: 0xA5) == one.withUnsafeBytes { CRC32C.softwareUpdate(7, $0) })
    }

    @Test func slicingByEightAgreesWithBytewiseForEveryLengthAndSplit() {
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for length in 0...bytes.count {
            var reference: UInt32 = 0
            for byte in bytes[0..<length] { reference = CRC32C.update(reference, [byte]) }
            #expect(CRC32C.checksum(bytes[0..<length]) == reference)
        }
    }
}
