import Foundation
import Glibc
import Synchronization

/// An exclusive hold on a data directory for as long as a node runs: two nodes appending to
/// one log would interleave records and destroy it, so the second one refuses to start.
///
/// It is a `flock` on `LOCK` in the directory. The kernel drops it when the holder exits, even
/// by SIGKILL, so a crashed node never leaves a stale lock behind. The file also holds the
/// holder's pid, to name it in the refusal.
final class DataDirectoryLock: Sendable {
    /// The locked file's descriptor; -1 once released, so a second release closes nothing
    /// (the number may belong to another file by then).
    private let fd: Mutex<Int32>
    private let directory: String

    private init(fd: Int32, directory: String) {
        self.fd = Mutex(fd)
        self.directory = directory
    }

    deinit { release() }

    /// Takes the lock on `directory` (creating the directory if needed).
    /// - Throws: `NodeStorage.StartError` naming the directory and the node that holds it.
    static func acquire(_ directory: String) throws -> DataDirectoryLock {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw NodeStorage.StartError(description: "cannot create the data directory [\(directory)]: \(error.localizedDescription)")
        }
        let path = (directory as NSString).appendingPathComponent("LOCK")
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw NodeStorage.StartError(description: "cannot open [\(path)]: \(String(cString: strerror(errno)))")
        }
        let canonical = (directory as NSString).standardizingPath
        var waited = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let error = errno
            var holder = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &holder, holder.count, 0)
            let pid = String(decoding: holder.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            // Held under this process's own pid by no node of this process: a child process
            // being started elsewhere in this process (posix_spawn) holds a copy of the
            // descriptor until its exec closes it. That passes; wait a little for it.
            if error == EWOULDBLOCK && pid == String(getpid()) && !held.withLock({ $0.contains(canonical) }) && waited < 200 {
                waited += 1
                usleep(50_000)
                continue
            }
            Glibc.close(fd)
            if error == EWOULDBLOCK {
                throw NodeStorage.StartError(description: "the data directory [\(directory)] is in use by another switchboard node"
                    + (pid.isEmpty ? "" : " (pid \(pid))") + "; stop it, or give this node a data directory of its own")
            }
            throw NodeStorage.StartError(description: "cannot lock [\(path)]: \(String(cString: strerror(error)))")
        }
        held.withLock { _ = $0.insert(canonical) }
        // The pid first, then the length: a refused starter never reads an empty file.
        let pid = Array("\(getpid())\n".utf8)
        _ = pwrite(fd, pid, pid.count, 0)
        _ = ftruncate(fd, off_t(pid.count))
        return DataDirectoryLock(fd: fd, directory: canonical)
    }

    /// The directories nodes of this process hold now.
    private static let held = Mutex<Set<String>>([])

    /// Lets the directory go (the node stopped).
    func release() {
        let fd = self.fd.withLock { fd in
            defer { fd = -1 }
            return fd
        }
        guard fd >= 0 else { return }
        _ = Self.held.withLock { $0.remove(directory) }
        Glibc.close(fd)
    }
}
