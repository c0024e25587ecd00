import SwitchboardCore
import Testing
@testable import SwitchboardProtocol

/// `Request.parse` reads plain lines in place and the rest through `LineParser`: either way it
/// must give what the general path gives, the same request or the same error. Every verb's
/// line, then the same lines damaged at random (seeded; a failure names the seed and line).
@Suite struct RequestParsePropertyTests {
    static let seeds: [UInt64] = [3, 0xC0FFEE, 20_261_126]

    private static func general(_ bytes: [UInt8], limits: ProtocolLimits = ProtocolLimits()) -> Result<Request?, ProtocolError> {
        bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(ProtocolError) in try LineParser.parse(buffer, limits: limits).map { line throws(ProtocolError) in try Request(line) } }
        }
    }

    private static func parsed(_ bytes: [UInt8], limits: ProtocolLimits = ProtocolLimits()) -> Result<Request?, ProtocolError> {
        bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(ProtocolError) in try Request.parse(buffer, limits: limits) }
        }
    }

    @Test(arguments: RequestCodecTests.everyVerb)
    func everyVerbParsesFromBytesAsItsLine(request: Request) {
        let bytes = Array(request.line.description.utf8)
        #expect(Self.parsed(bytes) == .success(request), "\(request.line)")
    }

    @Test func theHotVerbsAreReadInPlace() {
        for text in ["SUBMIT customer=acme-42 channel=chat queue=hosting priority=high subject=\"site down since 9\"",
                     "ACCEPT ticket=7", "RESOLVE ticket=7 agent=alice", "DECLINE ticket=7", "PING"] {
            let bytes = Array(text.utf8)
            let inPlace = bytes.withUnsafeBufferPointer { PayloadArguments.plainRequest($0, limits: ProtocolLimits()) }
            #expect(inPlace != nil, "\(text)")
        }
    }

    @Test("a damaged request line gets the same request or the same error as through a Line", arguments: seeds)
    func aDamagedLineGetsTheSameAnswerEitherWay(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        func below(_ bound: Int) -> Int { Int(random.next(below: UInt64(bound))) }
        let lines = RequestCodecTests.everyVerb.map { Array($0.line.description.utf8) }
            + ["SUBMIT customer=a channel=chat queue=q subject=x", "accept ticket=1 agent=bob", "TICKET id=3"].map { Array($0.utf8) }
        let damage: [[UInt8]] = [" ", "\t", "=", "\"", "\\", ",", ":", "x", "X", "0", "9", "-", "é", "\r", "\0", "ticket=1 ", "agent=a ", "GET "]
            .map { Array($0.utf8) }
        for number in 0..<4_000 {
            var bytes = lines[below(lines.count)]
            for _ in 0...below(3) {
                let at = below(bytes.count + 1)
                switch below(4) {
                case 0 where at < bytes.count: bytes.remove(at: at)
                case 1 where at < bytes.count: bytes.replaceSubrange(at..<at + 1, with: damage[below(damage.count)])
                case 2: bytes.insert(contentsOf: damage[below(damage.count)], at: at)
                default:
                    let from = below(max(bytes.count, 1))
                    bytes.insert(contentsOf: bytes[from..<min(bytes.count, from + 12)], at: at)
                }
            }
            let tight = ProtocolLimits(maximumLineBytes: 40, maximumFields: 3)
            guard Self.parsed(bytes) == Self.general(bytes), Self.parsed(bytes, limits: tight) == Self.general(bytes, limits: tight) else {
                Issue.record("seed \(seed), line \(number): [\(String(decoding: bytes, as: UTF8.self))] parsed \(Self.parsed(bytes)), general \(Self.general(bytes))")
                return
            }
        }
    }
}
