import SwitchboardBenchKit
import SwitchboardProtocol

/// The cost of reading one request line as the node does: `LineParser.parse` on the bytes of
/// its read buffer, then `Request` decoding.
struct LineParseResult {
    let name: String
    let line: String
    /// Median over the runs of ns per `LineParser.parse`.
    let parseNs: Double
    /// Median over the runs of ns per `LineParser.parse` plus `Request(_:)`.
    let requestNs: Double
}

enum LineParseBenchmark {
    /// Request lines as clients send them.
    static let samples = [
        ("SUBMIT", "SUBMIT customer=cust-4211 channel=chat queue=hosting priority=high skills=linux:2,dns subject=\"site down since 9:00\""),
        ("ACCEPT", "ACCEPT ticket=1234567 agent=agent-42"),
    ]

    /// Times each sample `iterations` times per run; nothing when `iterations` is 0.
    static func run(iterations: Int, runs: Int) -> [LineParseResult] {
        guard iterations > 0 else { return [] }
        return samples.map { name, text in
            let bytes = Array(text.utf8)
            var parse: [Double] = []
            var request: [Double] = []
            for _ in 0..<runs {
                parse.append(nanosecondsPerLine(bytes, iterations: iterations, decode: false))
                request.append(nanosecondsPerLine(bytes, iterations: iterations, decode: true))
            }
            return LineParseResult(name: name, line: text, parseNs: median(parse), requestNs: median(request))
        }
    }

    private static func nanosecondsPerLine(_ bytes: [UInt8], iterations: Int, decode: Bool) -> Double {
        var seen = 0
        let start = Probe.nanoseconds()
        bytes.withUnsafeBufferPointer { buffer in
            for _ in 0..<iterations {
                guard let line = try? LineParser.parse(buffer) else { continue }
                seen &+= line.fields.count
                if decode, let request = try? Request(line), request != .ping { seen &+= 1 }
            }
        }
        let elapsed = Probe.nanoseconds() - start
        precondition(seen > 0, "the sample line did not parse")
        return Double(elapsed) / Double(iterations)
    }

    private static func median(_ values: [Double]) -> Double { values.sorted()[(values.count - 1) / 2] }
}
