import Testing
@testable import SwitchboardTransport

/// What the framer produced, read straight from the batch's records.
enum Framed: Equatable, CustomStringConvertible {
    case line(String)
    case oversized

    var description: String {
        switch self {
        case .line(let text): "line(\(text.debugDescription))"
        case .oversized: "oversized"
        }
    }
}

func framed(_ batch: InboundBatch) -> [Framed] {
    batch.entries.compactMap { entry in
        switch entry.kind {
        case .line:
            let start = Int(entry.start)
            return .line(String(decoding: batch.bytes[start..<(start + Int(entry.length))], as: UTF8.self))
        case .oversized:
            return .oversized
        case .opened, .closed:
            return nil
        }
    }
}

/// Feeds `chunks` as successive reads into one framer and returns what came out.
func frame(_ chunks: [[UInt8]], limit: Int = 65_536) -> (output: [Framed], framer: LineFramer) {
    var framer = LineFramer(maximumLineBytes: limit)
    var batch = InboundBatch()
    for chunk in chunks {
        chunk.withUnsafeBufferPointer { framer.feed($0, connection: 0, into: &batch) }
    }
    return (framed(batch), framer)
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite struct LineFramerTests {
    static let stream = "PING\nSUBMIT queue=hosting subject=\"a b\"\r\n\nSTATUS\n"
    static let expected: [Framed] = [.line("PING"), .line("SUBMIT queue=hosting subject=\"a b\"\r"), .line(""), .line("STATUS")]

    @Test func aStreamSplitInTwoAtEveryByteOffsetGivesTheSameLines() {
        let all = bytes(Self.stream)
        for cut in 0...all.count {
            let result = frame([Array(all[..<cut]), Array(all[cut...])])
            #expect(result.output == Self.expected, "cut at \(cut)")
            #expect(result.framer.partial.isEmpty)
        }
    }

    @Test func aStreamSplitInThreeAtEveryPairOfOffsetsGivesTheSameLines() {
        let all = bytes(Self.stream)
        for first in 0...all.count {
            for second in first...all.count {
                let chunks = [Array(all[..<first]), Array(all[first..<second]), Array(all[second...])]
                #expect(frame(chunks).output == Self.expected, "cuts at \(first), \(second)")
            }
        }
    }

    @Test func aStreamFedOneByteAtATimeGivesTheSameLines() {
        #expect(frame(bytes(Self.stream).map { [$0] }).output == Self.expected)
    }

    @Test func severalLinesInOneReadComeOutInOrder() {
        let lines = (0..<500).map { "line-\($0)" }
        let result = frame([bytes(lines.joined(separator: "\n") + "\n")])
        #expect(result.output == lines.map { .line($0) })
    }

    @Test func aCarriageReturnBeforeTheNewlineIsLeftForTheParser() {
        #expect(frame([bytes("AUTH s3cret\r\nPING\r\n")]).output == [.line("AUTH s3cret\r"), .line("PING\r")])
    }

    @Test func emptyLinesAreDeliveredAsEmptyLines() {
        #expect(frame([bytes("\n\r\n\nX\n")]).output == [.line(""), .line("\r"), .line(""), .line("X")])
    }

    @Test func bytesAfterTheLastNewlineWaitForTheNextRead() {
        var result = frame([bytes("PING\nPAR")])
        #expect(result.output == [.line("PING")])
        #expect(result.framer.partial == bytes("PAR"))
        result = frame([bytes("PING\nPAR"), bytes("T 2\n")])
        #expect(result.output == [.line("PING"), .line("PART 2")])
    }

    @Test func anOversizedLineIsMarkedInPlaceAndTheNextLineStillArrives() {
        let long = String(repeating: "x", count: 20)
        #expect(frame([bytes("A\n\(long)\nB\n")], limit: 8).output == [.line("A"), .oversized, .line("B")])
    }

    @Test func anOversizedLineSplitAcrossReadsIsMarkedOnceAndDiscardedUpToItsNewline() {
        let stream = bytes("A\n" + String(repeating: "y", count: 40) + "\nB\n")
        for cut in 0...stream.count {
            let result = frame([Array(stream[..<cut]), Array(stream[cut...])], limit: 8)
            #expect(result.output == [.line("A"), .oversized, .line("B")], "cut at \(cut)")
        }
        #expect(frame(stream.map { [$0] }, limit: 8).output == [.line("A"), .oversized, .line("B")])
    }

    @Test func aLineWithoutNewlineIsMarkedAsSoonAsItPassesTheLimitSoMemoryStaysBounded() {
        var framer = LineFramer(maximumLineBytes: 8)
        var batch = InboundBatch()
        bytes(String(repeating: "z", count: 100)).withUnsafeBufferPointer { framer.feed($0, connection: 0, into: &batch) }
        #expect(framed(batch) == [.oversized])
        #expect(framer.partial.isEmpty)
        #expect(framer.discarding)
        bytes("still the long line\nOK\n").withUnsafeBufferPointer { framer.feed($0, connection: 0, into: &batch) }
        #expect(framed(batch) == [.oversized, .line("OK")])
    }

    @Test func aLineExactlyAtTheLimitPassesAndOneByteMoreIsOversized() {
        let atLimit = String(repeating: "a", count: 8)
        let over = String(repeating: "b", count: 9)
        let stream = bytes("\(atLimit)\n\(over)\n\(atLimit)\r\nEND\n")
        let expected: [Framed] = [.line(atLimit), .oversized, .line(atLimit + "\r"), .line("END")]
        #expect(frame([stream], limit: 8).output == expected)
        // The same through the partial-line path.
        #expect(frame(stream.map { [$0] }, limit: 8).output == expected)
        for cut in 0...stream.count {
            #expect(frame([Array(stream[..<cut]), Array(stream[cut...])], limit: 8).output == expected, "cut at \(cut)")
        }
    }

    @Test func theBatchKeepsLinesOfSeveralConnectionsApartAndCountsThem() {
        var first = LineFramer(maximumLineBytes: 100)
        var second = LineFramer(maximumLineBytes: 100)
        var batch = InboundBatch()
        bytes("a1\na2\n").withUnsafeBufferPointer { first.feed($0, connection: 0, into: &batch) }
        bytes("b1\n").withUnsafeBufferPointer { second.feed($0, connection: 1, into: &batch) }
        #expect(batch.entries.map(\.connection) == [0, 0, 1])
        #expect(batch.lineCount == 3)
        #expect(framed(batch) == [.line("a1"), .line("a2"), .line("b1")])
    }
}
