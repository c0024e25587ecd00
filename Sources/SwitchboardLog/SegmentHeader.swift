/// The first line of every segment: `SWITCHBOARD-LOG <version> first=<index>\n`.
public struct SegmentHeader: Hashable, Sendable {
    /// The format version this code writes and reads. See LOG.md before changing it.
    public static let version = 1
    /// The magic word that starts every segment.
    public static let magic = "SWITCHBOARD-LOG"

    /// The index of the segment's first record (also its file name).
    public var firstIndex: UInt64

    /// Makes a header for a segment starting at `firstIndex`.
    public init(firstIndex: UInt64) { self.firstIndex = firstIndex }

    /// The header line as written, newline included.
    public func encoded() -> [UInt8] {
        Array("\(Self.magic) \(Self.version) first=\(firstIndex)\n".utf8)
    }

    /// Parses a header line, without its newline.
    /// - Throws: `LogRecordError.malformed` naming what is wrong, including an unknown version.
    public static func decode(_ line: ArraySlice<UInt8>) throws(LogRecordError) -> SegmentHeader {
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, String(decoding: parts[0], as: UTF8.self) == magic else {
            throw .malformed("segment header is not '\(magic) <version> first=<index>'")
        }
        guard let version = LogRecord.decimal(parts[1]) else { throw .malformed("segment header version is not a number") }
        guard version == UInt64(Self.version) else {
            throw .malformed("segment format version \(version) is not supported (this build reads version \(Self.version))")
        }
        let prefix = Array("first=".utf8)
        guard parts[2].starts(with: prefix),
              let first = LogRecord.decimal(parts[2].dropFirst(prefix.count))
        else { throw .malformed("segment header has no first=<index>") }
        return SegmentHeader(firstIndex: first)
    }
}
