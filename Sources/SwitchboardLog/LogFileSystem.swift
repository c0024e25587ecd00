import Glibc

/// The file operations the writer performs, so tests can inject failures.
/// `PosixFileSystem` is the real one.
public protocol LogFileSystem: Sendable {
    /// Creates (or empties) a file for writing and returns its descriptor.
    func create(_ path: String) throws(LogIOError) -> Int32
    /// Writes all of `bytes`, retrying on EINTR and partial writes.
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(LogIOError)
    /// Makes the file's data durable (`fdatasync`).
    func sync(_ fd: Int32, path: String) throws(LogIOError)
    /// Makes a directory's entries durable (`fsync` on the directory).
    func syncDirectory(_ path: String) throws(LogIOError)
    /// Closes a descriptor.
    func close(_ fd: Int32)
    /// Writes zeros from `start` to `end` (past what was written), without moving the write
    /// position, and waits for them to reach the disk.
    func preallocate(_ fd: Int32, from start: Int, to end: Int, path: String) throws(LogIOError)
    /// Cuts the file to `length` bytes.
    func truncate(_ fd: Int32, to length: Int, path: String) throws(LogIOError)
}

/// The zeros `preallocate` writes from, made once: a new zeroed array per call page-faulted
/// in fresh memory on the node's loop each time (a third of its page faults at a steady load).
private let zeroBlock = [UInt8](repeating: 0, count: 64 << 10)

extension LogFileSystem {
    public func preallocate(_ fd: Int32, from start: Int, to end: Int, path: String) throws(LogIOError) {
        var offset = start
        while offset < end {
            let count = min(end - offset, zeroBlock.count)
            let written = zeroBlock.withUnsafeBytes { pwrite(fd, $0.baseAddress!, count, off_t(offset)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw LogIOError(operation: "pwrite", path: path, errno: errno)
            }
            offset += written
        }
        // On disk now, so that the next fdatasync does not carry them (a failure here is as
        // fatal as a failed write: the kernel counts it as reported).
        if case .failed(let error) = SyncFileRange.writeAndWait(fd, offset: start, count: end - start) {
            throw LogIOError(operation: "sync_file_range", path: path, errno: error)
        }
    }

    public func truncate(_ fd: Int32, to length: Int, path: String) throws(LogIOError) {
        while ftruncate(fd, off_t(length)) != 0 {
            if errno == EINTR { continue }
            throw LogIOError(operation: "ftruncate", path: path, errno: errno)
        }
    }
}

/// The real file system, through Glibc.
public struct PosixFileSystem: LogFileSystem {
    /// Makes the real file system.
    public init() {}

    public func create(_ path: String) throws(LogIOError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LogIOError(operation: "open", path: path, errno: errno) }
        return fd
    }

    public func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(LogIOError) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw LogIOError(operation: "write", path: path, errno: errno)
            }
            offset += written
        }
    }

    public func sync(_ fd: Int32, path: String) throws(LogIOError) {
        guard fdatasync(fd) == 0 else { throw LogIOError(operation: "fdatasync", path: path, errno: errno) }
    }

    public func syncDirectory(_ path: String) throws(LogIOError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw LogIOError(operation: "open", path: path, errno: errno) }
        defer { Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw LogIOError(operation: "fsync", path: path, errno: errno) }
    }

    public func close(_ fd: Int32) { _ = Glibc.close(fd) }
}
