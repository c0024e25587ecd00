import SwitchboardCore
import Testing
@testable import SwitchboardProtocol

/// Holds `LineParser` to `ReferenceLineParser` (the parser before the byte-level rewrite) on
/// seeded random lines built from the pieces that matter to the grammar: verbs, keys, `=`,
/// quotes, escapes good and bad, blanks, multi-byte scalars, stray UTF-8 bytes, NULs, HTTP
/// openings, a trailing `\r`, and tight limits. Both must return the same `Line`, or throw the
/// same code with the same message.
@Suite struct LineParserEquivalenceTests {
    static let seeds: [UInt64] = [1, 0x5EED, 20_251_126]
    static let linesPerSeed = 20_000

    static let pieces: [[UInt8]] = [
        "SUBMIT", "accept", "Tick", "x!y", "GET ", "POST ", "Host:", "HTTP/", "HEAD", "DELETE", "CONNECT ", "P", "C",
        "customer", "a", "at", "0-_", "Ab", "=", "=", "\"", "\"", "\\", "\\\"", "\\\\", "\\n", "\\r", "\\t", "\\q", "\\é",
        " ", " ", " ", "\t", "\r", "acme-42", "1764144000000", "site down", "ünï", "✓", "😀", ",", ":", "-", "_",
    ].map { Array($0.utf8) } + [[0x00], [0xC3], [0xE2, 0x9C], [0xFF], [0x7F], [0x01]]

    @Test("the byte-level parser returns what the reference parser returns, line or error, on random lines", arguments: seeds)
    func theParserAgreesWithTheReference(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var disagreements = 0
        for number in 0..<Self.linesPerSeed {
            var bytes: [UInt8] = []
            for _ in 0..<Int(random.next(below: 24)) {
                bytes += Self.pieces[Int(random.next(below: UInt64(Self.pieces.count)))]
            }
            if random.next(below: 8) == 0 { bytes.append(UInt8(ascii: "\r")) }
            var limits = ProtocolLimits()
            if random.next(below: 6) == 0 { limits.maximumLineBytes = Int(random.next(below: 48)) }
            if random.next(below: 6) == 0 { limits.maximumFields = Int(random.next(below: 5)) }

            let fast = bytes.withUnsafeBufferPointer { buffer in
                Result { () throws(ProtocolError) in try LineParser.parse(buffer, limits: limits) }
            }
            let reference = bytes.withUnsafeBufferPointer { buffer in
                Result { () throws(ProtocolError) in try ReferenceLineParser.parse(buffer, limits: limits) }
            }
            if fast != reference {
                disagreements += 1
                Issue.record("seed \(seed), line \(number): bytes \(bytes) limits \(limits): parser \(fast), reference \(reference)")
                if disagreements == 5 { return }
            }
        }
    }

    @Test("every column a NUL or a non-ASCII byte can take in a long line is found as the reference finds it")
    func nulAndNonASCIIBytesAreFoundAtEveryOffset() {
        let line = Array("SUBMIT customer=acme-42 channel=chat queue=hosting subject=\"x\"".utf8)
        for offset in line.indices {
            for odd: [UInt8] in [[0x00], [0xC3, 0xA9], [0xC3]] {
                var bytes = line
                bytes.replaceSubrange(offset..<offset + 1, with: odd)
                let fast = bytes.withUnsafeBufferPointer { buffer in
                    Result { () throws(ProtocolError) in try LineParser.parse(buffer) }
                }
                let reference = bytes.withUnsafeBufferPointer { buffer in
                    Result { () throws(ProtocolError) in try ReferenceLineParser.parse(buffer) }
                }
                #expect(fast == reference, "offset \(offset), bytes \(odd)")
            }
        }
    }
}
