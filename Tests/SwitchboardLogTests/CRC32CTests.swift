import Testing
@testable import SwitchboardLog

@Suite struct CRC32CTests {
    @Test func checkValueOf123456789IsE3069283() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
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
