import Glibc

/// Linux's `sync_file_range`, which the toolchain's `Glibc` module hides (a GNU extension):
/// looked up once with `dlsym` and called through a C-convention pointer, as the transport
/// does for epoll. The flags are the Linux ABI values. Used for snapshot files and for the
/// log's preallocated space.
public enum SyncFileRange {
    private typealias Function = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32

    private static let function: Function? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }()

    /// `SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER`.
    private static let writeAndWait: UInt32 = 1 | 2 | 4

    /// What became of a call.
    public enum Outcome: Equatable, Sendable {
        /// The range is on disk.
        case written
        /// This system or file cannot do it (no such call, or a file it does not apply to):
        /// an fsync has to do it all.
        case unsupported
        /// Writing failed (EIO, ENOSPC, …). The kernel counts the error as reported by this
        /// call, so a later fsync of the file may succeed: the caller must treat it as fatal.
        case failed(errno: Int32)
    }

    /// Writes a range of a file's data to disk and waits for it (no metadata, no journal commit).
    public static func writeAndWait(_ fd: Int32, offset: Int, count: Int) -> Outcome {
        guard let function else { return .unsupported }
        if function(fd, Int64(offset), Int64(count), writeAndWait) == 0 { return .written }
        let error = errno
        switch error {
        case ENOSYS, EINVAL, ESPIPE, EOPNOTSUPP: return .unsupported
        default: return .failed(errno: error)
        }
    }
}
