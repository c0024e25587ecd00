import Foundation

extension CompareReport {
    /// A line chart, hand-written SVG: flat-out lifecycles per second against connections
    /// (producers = agents), one line per system (colour) and durability (dash pattern).
    /// Failed runs leave a gap in their line.
    public var svg: String {
        let runs = rows.filter { $0.kind == .throughput && !$0.isFloorRun }
        let connections = Array(Set(runs.map(\.producers))).sorted()
        let (width, height) = (860.0, 500.0)
        let plot = (left: 90.0, top: 60.0, right: 600.0, bottom: 420.0)
        let top = Self.niceCeiling(runs.compactMap(\.lifecyclesPerSecond).max() ?? 1)
        func x(_ index: Int) -> Double {
            connections.count < 2 ? (plot.left + plot.right) / 2
                : plot.left + 30 + Double(index) * (plot.right - plot.left - 60) / Double(connections.count - 1)
        }
        func y(_ value: Double) -> Double { plot.bottom - value / top * (plot.bottom - plot.top) }

        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="13">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(width / 2))" y="28" text-anchor="middle" font-size="17" font-weight="bold">Ticket lifecycles per second, flat out (higher is better)</text>

            """
        for tick in 0...5 {
            let value = top * Double(tick) / 5
            out += "<line x1=\"\(plot.left)\" y1=\"\(y(value))\" x2=\"\(plot.right)\" y2=\"\(y(value))\" stroke=\"#dddddd\"/>\n"
            out += "<text x=\"\(plot.left - 8)\" y=\"\(y(value) + 4)\" text-anchor=\"end\">\(Format.grouped(value))</text>\n"
        }
        for (index, count) in connections.enumerated() {
            out += "<line x1=\"\(x(index))\" y1=\"\(plot.bottom)\" x2=\"\(x(index))\" y2=\"\(plot.bottom + 5)\" stroke=\"black\"/>\n"
            out += "<text x=\"\(x(index))\" y=\"\(plot.bottom + 22)\" text-anchor=\"middle\">\(count)+\(count)</text>\n"
        }
        out += "<line x1=\"\(plot.left)\" y1=\"\(plot.bottom)\" x2=\"\(plot.right)\" y2=\"\(plot.bottom)\" stroke=\"black\"/>\n"
        out += "<line x1=\"\(plot.left)\" y1=\"\(plot.top)\" x2=\"\(plot.left)\" y2=\"\(plot.bottom)\" stroke=\"black\"/>\n"
        out += "<text x=\"\((plot.left + plot.right) / 2)\" y=\"\(plot.bottom + 48)\" text-anchor=\"middle\">connections (producers + agents)</text>\n"
        out += "<text transform=\"translate(22 \((plot.top + plot.bottom) / 2)) rotate(-90)\" text-anchor=\"middle\">lifecycles / s</text>\n"

        var legendY = plot.top
        for system in SystemKind.allCases {
            for durability in Durability.allCases {
                let series = runs.filter { $0.system == system && $0.durability == durability }
                guard !series.isEmpty else { continue }
                var path = ""
                var drawing = false
                var dots = ""
                for (index, count) in connections.enumerated() {
                    guard let value = series.first(where: { $0.producers == count })?.lifecyclesPerSecond else {
                        drawing = false
                        continue
                    }
                    path += "\(drawing ? "L" : "M")\(Self.coordinate(x(index))) \(Self.coordinate(y(value))) "
                    drawing = true
                    dots += "<circle cx=\"\(Self.coordinate(x(index)))\" cy=\"\(Self.coordinate(y(value)))\" r=\"3.5\" fill=\"\(Self.colour(system))\"/>\n"
                }
                out += "<path d=\"\(path.trimmingCharacters(in: .whitespaces))\" fill=\"none\" stroke=\"\(Self.colour(system))\" stroke-width=\"2.5\""
                    + "\(Self.dash(durability).map { " stroke-dasharray=\"\($0)\"" } ?? "")/>\n" + dots
                out += "<line x1=\"\(plot.right + 30)\" y1=\"\(legendY)\" x2=\"\(plot.right + 70)\" y2=\"\(legendY)\" stroke=\"\(Self.colour(system))\" stroke-width=\"2.5\""
                    + "\(Self.dash(durability).map { " stroke-dasharray=\"\($0)\"" } ?? "")/>\n"
                out += "<text x=\"\(plot.right + 78)\" y=\"\(legendY + 4)\">\(system.rawValue), \(durability.rawValue)</text>\n"
                legendY += 22
            }
        }
        out += "<text x=\"\(plot.right + 30)\" y=\"\(legendY + 16)\" font-size=\"11\" fill=\"#555555\">\(Self.escaped(chartFootnote))</text>\n"
        out += "</svg>\n"
        return out
    }

    private var chartFootnote: String {
        "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(Format.grouped(seconds, decimals: 1)) s per run"
    }

    static func colour(_ system: SystemKind) -> String {
        switch system {
        case .switchboard: "#1f5fbf"
        case .redis: "#c0392b"
        case .beanstalkd: "#2e8b3d"
        case .nullQueue: "#7f7f7f"
        }
    }

    static func dash(_ durability: Durability) -> String? {
        switch durability {
        case .always: nil
        case .relaxed: "8 5"
        case .none: "2 4"
        }
    }

    static func coordinate(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// The smallest round figure (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) that is
    /// at least `value`: the top of the axis, in five readable steps.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let power = pow(10, floor(log10(value)))
        for factor in [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] where factor * power >= value { return factor * power }
        return 10 * power
    }
}
