import Foundation

/// Naming and listing of segment files: `<first-index, 20 digits>.log`, so names sort by index.
public enum LogSegments {
    /// One segment file in a log directory.
    public struct Segment: Hashable, Sendable {
        /// The index its name says the segment starts at.
        public var firstIndex: UInt64
        /// The full path of the file.
        public var path: String
    }

    /// The file name of the segment starting at `firstIndex`, e.g. `00000000000000000001.log`.
    public static func fileName(firstIndex: UInt64) -> String {
        let digits = String(firstIndex)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".log"
    }

    /// The segments in a directory, in index order; other files are ignored.
    /// - Throws: the directory listing error, if any.
    public static func list(directory: String) throws -> [Segment] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        return names.compactMap { name -> Segment? in
            guard name.utf8.count == 24, name.hasSuffix(".log") else { return nil }
            let digits = name.utf8.prefix(20)
            guard digits.allSatisfy({ (0x30...0x39).contains($0) }), let first = UInt64(String(decoding: digits, as: UTF8.self))
            else { return nil }
            return Segment(firstIndex: first, path: directory + "/" + name)
        }.sorted { $0.firstIndex < $1.firstIndex }
    }
}
