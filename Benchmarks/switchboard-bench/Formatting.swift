import Foundation

/// Number and table formatting for the human reports.
enum Format {
    /// 1234567 → "1,234,567".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    static func grouped(_ value: UInt64) -> String { grouped(Int(clamping: value)) }

    /// A double rounded to `decimals`, with the integer part grouped.
    static func grouped(_ value: Double, decimals: Int = 0) -> String {
        guard value.isFinite else { return "n/a" }
        if decimals == 0 { return grouped(Int(value.rounded())) }
        let text = String(format: "%.\(decimals)f", value)
        let parts = text.split(separator: ".", maxSplits: 1)
        return grouped(Int(parts[0]) ?? 0) + "." + (parts.count > 1 ? parts[1] : "")
    }

    /// Bytes with a binary-unit hint: "612,345,678 bytes (584 MiB)".
    static func bytes(_ value: Int) -> String {
        let mib = Double(value) / 1_048_576
        let hint = mib >= 1 ? "\(grouped(mib, decimals: mib < 10 ? 1 : 0)) MiB" : "\(grouped(Double(value) / 1024, decimals: 1)) KiB"
        return "\(grouped(value)) bytes (\(hint))"
    }

    /// Simulated milliseconds as h:mm:ss.
    static func duration(milliseconds: Int64) -> String {
        let seconds = milliseconds / 1000
        return String(format: "%d:%02d:%02d", seconds / 3600, (seconds / 60) % 60, seconds % 60)
    }

    static func verdict(_ pass: Bool) -> String { pass ? "PASS" : "MISS" }

    /// The lines a report starts with: what ran, how to run it again, the build, and the
    /// processors and load average, which say how much the figures may be disturbed.
    static func header(_ title: String, invocation: String, sameAs: String, loadAtStart: Double?, loadAtEnd: Double?) -> String {
        let load = { (value: Double?) in value.map { grouped($0, decimals: 2) } ?? "?" }
        return "\(title)\ncommand    \(invocation)\nsame as    \(sameAs)\nbuild      \(EngineMeasurement.build)\n"
            + "machine    \(Probe.processors) processors; load average \(load(loadAtStart)) at start, \(load(loadAtEnd)) at end\n\n"
    }
}

/// Rows of cells printed in aligned columns; the first column is left-aligned, the rest right.
struct TextTable {
    var rows: [[String]] = []
    var indent = "  "
    /// Columns (by index) that are left-aligned besides the first.
    var leftAligned: Set<Int> = [0]

    mutating func add(_ cells: String...) { rows.append(cells) }
    mutating func add(_ cells: [String]) { rows.append(cells) }

    var rendered: String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        var out = ""
        for row in rows {
            var line = indent
            for (index, cell) in row.enumerated() {
                if index > 0 { line += "   " }
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                let isLast = index == row.count - 1
                if leftAligned.contains(index) {
                    line += isLast ? cell : cell + pad
                } else {
                    line += pad + cell
                }
            }
            while line.last == " " { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
