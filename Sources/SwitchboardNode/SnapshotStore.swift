import Foundation
import Glibc
import SwitchboardCore
import SwitchboardLog

/// Snapshot files in `data/snapshots`: the engine's whole state as of a log index, so that a
/// restart loads it and replays only the records after it, and the log before it can go.
///
///     SWITCHBOARD-SNAPSHOT 1 index=<last log index it covers> bytes=<length>\n<engine snapshot bytes>
///
/// The engine's bytes carry their own checksum. A snapshot is written to a temporary file,
/// synced, renamed into place, and the directory synced; a crash leaves either the old set of
/// snapshots or the new one, never a half-written file under a snapshot's name.
enum SnapshotStore {
    static let version = 1
    /// Snapshots kept: the newest, and one before it in case the newest cannot be read.
    static let kept = 2
    /// How much of a snapshot goes to disk at a time.
    static let sliceBytes = 1 << 20

    struct StoreError: Error, CustomStringConvertible {
        let description: String
    }

    static func directory(_ dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("snapshots")
    }

    static func fileName(index: UInt64) -> String {
        let digits = String(index)
        return "snapshot-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".snap"
    }

    /// The snapshot files, newest first.
    static func list(_ directory: String) -> [(index: UInt64, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> (UInt64, String)? in
            guard name.hasPrefix("snapshot-"), name.hasSuffix(".snap"),
                  let index = UInt64(name.dropFirst("snapshot-".count).dropLast(".snap".count)) else { return nil }
            return (index, (directory as NSString).appendingPathComponent(name))
        }.sorted { $0.0 > $1.0 }
    }

    /// Writes a snapshot durably and removes the older ones beyond `kept`.
    static func write(_ bytes: [UInt8], index: UInt64, directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent(fileName(index: index))
        let temporary = path + ".tmp"
        var contents = Array("SWITCHBOARD-SNAPSHOT \(version) index=\(index) bytes=\(bytes.count)\n".utf8)
        contents.append(contentsOf: bytes)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError(description: "cannot create [\(temporary)]: \(String(cString: strerror(errno)))") }
        // Written a slice at a time, each on disk before the next: one fsync of the whole file
        // queued tens of megabytes ahead of the log's own fsyncs, which then waited up to 30 ms
        // (the always-mode p99); behind one slice they wait about a millisecond.
        var written = 0
        var synced = 0
        var slicing = true
        while written < contents.count {
            let n = contents.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, min($0.count - written, sliceBytes)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let error = errno
                close(fd)
                throw StoreError(description: "cannot write [\(temporary)]: \(String(cString: strerror(error)))")
            }
            written += n
            if slicing && (written - synced >= sliceBytes || written == contents.count) {
                switch SyncFileRange.writeAndWait(fd, offset: synced, count: written - synced) {
                case .written: synced = written
                case .unsupported: slicing = false  // the fsync below does it all
                case .failed(let error):
                    // Fatal here, not left to the fsync: the kernel has counted the error as
                    // reported, and the fsync could succeed over data that never reached the disk.
                    close(fd)
                    throw StoreError(description: "cannot write [\(temporary)] to disk: \(String(cString: strerror(error)))")
                }
            }
        }
        guard fsync(fd) == 0 else {
            let error = errno
            close(fd)
            throw StoreError(description: "cannot sync [\(temporary)]: \(String(cString: strerror(error)))")
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw StoreError(description: "cannot rename [\(temporary)]: \(String(cString: strerror(errno)))") }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            defer { close(directoryFD) }
            guard fsync(directoryFD) == 0 else { throw StoreError(description: "cannot sync [\(directory)]: \(String(cString: strerror(errno)))") }
        }
        for old in list(directory).dropFirst(kept) { unlink(old.path) }
    }

    /// The newest snapshot that reads back whole, with the index it covers; damaged ones are
    /// reported and skipped.
    static func newest(_ directory: String, log: Log) -> (index: UInt64, engine: RoutingEngine)? {
        for candidate in list(directory) {
            guard let data = FileManager.default.contents(atPath: candidate.path) else { continue }
            let bytes = [UInt8](data)
            guard let newline = bytes.firstIndex(of: 0x0A) else {
                log.warning("snapshot [\(candidate.path)] has no header; skipping it")
                continue
            }
            let header = String(decoding: bytes[..<newline], as: UTF8.self)
            guard header == "SWITCHBOARD-SNAPSHOT \(version) index=\(candidate.index) bytes=\(bytes.count - newline - 1)" else {
                log.warning("snapshot [\(candidate.path)] has header [\(header)], not what its name and size say; skipping it")
                continue
            }
            do {
                return (candidate.index, try RoutingEngine(snapshot: Array(bytes[(newline + 1)...])))
            } catch {
                log.warning("snapshot [\(candidate.path)] cannot be restored (\(error)); skipping it")
            }
        }
        return nil
    }
}
