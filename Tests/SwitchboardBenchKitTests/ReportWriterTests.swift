import Foundation
import FoundationXML
import Testing
@testable import SwitchboardBenchKit

/// The report writers on a report made by hand: one good row per system at two connection
/// counts, a latency row, a floor row and a failed row.
@Suite struct ReportWriterTests {
    static func figures(rate: Double, p99Milliseconds: Double, failure: String? = nil) -> RunFigures {
        var figures = RunFigures()
        figures.windowSeconds = 2
        figures.completedInWindow = Int(rate * 2)
        figures.submitted = figures.completedInWindow
        figures.completed = figures.completedInWindow
        for _ in 0..<99 { figures.taken.record(nanoseconds: 100_000) }
        figures.taken.record(nanoseconds: UInt64(p99Milliseconds * 1_000_000))
        figures.done = figures.taken
        figures.failure = failure
        return figures
    }

    static var report: CompareReport {
        var report = CompareReport(command: "switchboard-bench compare --connections 1,16")
        report.versions = [(.switchboard, "0.1.0"), (.redis, "7.0.15"), (.beanstalkd, "1.12")]
        report.seconds = 3
        report.warmupSeconds = 0.5
        report.latencyRate = 2_000
        report.latencyRateSource = "half of redis always 16+16 flat out (4,000/s)"
        for (system, base) in [(SystemKind.switchboard, 9_000.0), (.redis, 4_000), (.beanstalkd, 150)] {
            for connections in [1, 16] {
                report.rows.append(CompareRow(system: system, durability: .always, kind: .throughput, producers: connections, agents: connections,
                                              loggedInAgents: connections, offeredRate: 0,
                                              figures: figures(rate: base * Double(connections) / 16, p99Milliseconds: 5)))
            }
            report.rows.append(CompareRow(system: system, durability: .always, kind: .latency, producers: 16, agents: 16, loggedInAgents: 16,
                                          offeredRate: 2_000,
                                          figures: figures(rate: 2_000, p99Milliseconds: system == .switchboard ? 2 : 4,
                                                           failure: system == .beanstalkd ? "40 of 4,000 lifecycles did not complete" : nil)))
        }
        report.rows.append(CompareRow(system: .switchboard, durability: .always, kind: .throughput, producers: 16, agents: 16,
                                      loggedInAgents: 10_000, offeredRate: 0, figures: figures(rate: 8_500, p99Milliseconds: 6)))
        return report
    }

    @Test func jsonHasARowPerRunWithTheRequiredKeysAndNullForAFailedFigure() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(Self.report.json.utf8)) as? [String: Any])
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 10)
        for row in rows {
            for key in ["system", "durability", "kind", "producers", "agents", "lifecycles_per_sec", "taken_p50_ms", "taken_p99_ms",
                        "taken_p999_ms", "done_p99_ms", "failure"] {
                #expect(row.keys.contains(key), "row lacks \(key): \(row)")
            }
        }
        let failed = try #require(rows.first { $0["system"] as? String == "beanstalkd" && $0["kind"] as? String == "latency" })
        #expect(failed["lifecycles_per_sec"] is NSNull)
        #expect((failed["failure"] as? String)?.contains("did not complete") == true)
        let good = try #require(rows.first { $0["system"] as? String == "redis" && $0["producers"] as? Int == 16 && $0["kind"] as? String == "throughput" })
        #expect(good["lifecycles_per_sec"] as? Int == 4_000)
        #expect((object["versions"] as? [String: String])?["redis"] == "7.0.15")
    }

    @Test func theTargetsCompareSwitchboardWithEachPeerAtTheTargetConnections() {
        let targets = Self.report.targets
        #expect(targets.count == 3, "\(targets.map(\.name))")
        let described = targets.map { "\($0.name) \($0.measured)" }
        #expect(targets.filter { !$0.met }.isEmpty, "\(described)")
        #expect(targets.contains { $0.name.contains("1.5× redis") && $0.measured.contains("2.25×") })
    }

    @Test func markdownHasTheCommandTheVersionsAndATableRowPerRun() {
        let markdown = Self.report.markdown
        #expect(markdown.contains("```sh\nswitchboard-bench compare --connections 1,16\n```"))
        #expect(markdown.contains("| redis | 7.0.15 |"))
        #expect(markdown.contains("redis-server --port PORT --bind 127.0.0.1 --dir DIR --save '' "))
        let tableRows = markdown.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.contains(" | always | ") }
        #expect(tableRows.count == 10)
        #expect(markdown.contains("FAILED"))
    }

    @Test func svgIsWellFormedXMLWithALinePerSystem() throws {
        let svg = Self.report.svg
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = ElementCounter()
        parser.delegate = collector
        #expect(parser.parse(), "SVG is not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        #expect(collector.counts["svg"] == 1)
        #expect(collector.counts["path"] == 3)
        #expect(collector.counts["circle"] == 6)
        #expect(svg.contains("switchboard, always"))
    }

    @Test func theTerminalTableMarksTheFailedRunAndListsTheTargets() {
        let text = Self.report.terminalText
        #expect(text.contains("FAILED"))
        #expect(text.contains("40 of 4,000 lifecycles did not complete"))
        #expect(text.contains("PASS  always, 16+16: switchboard ≥ 5.0× beanstalkd"))
    }
}

/// Counts the elements an `XMLParser` meets.
final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        counts[elementName, default: 0] += 1
    }
}
