import Foundation
import Glibc

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

extension LogSegments {
    /// Deletes the segments whose every record is at or before `index` (a snapshot covers
    /// them). The last segment is never deleted: the writer appends to it.
    ///
    /// - Returns: the paths removed.
    @discardableResult
    public static func removeCovered(directory: String, upTo index: UInt64) throws -> [String] {
        let segments = try list(directory: directory)
        var removed: [String] = []
        for (segment, next) in zip(segments, segments.dropFirst()) where next.firstIndex <= index + 1 {
            guard unlink(segment.path) == 0 else { throw LogIOError(operation: "unlink", path: segment.path, errno: errno) }
            removed.append(segment.path)
        }
        if !removed.isEmpty { try PosixFileSystem().syncDirectory(directory) }
        return removed
    }
}
