import Glibc

/// Linux's `sync_file_range`, which the toolchain's `Glibc` module hides (a GNU extension):
/// looked up once with `dlsym` and called through a C-convention pointer, as the transport
/// does for epoll. The flags are the Linux ABI values.
enum SyncFileRange {
    private typealias Function = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32

    private static let function: Function? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }()

    /// `SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER`.
    private static let writeAndWait: UInt32 = 1 | 2 | 4

    /// Writes a range of a file's data to disk and waits for it (no metadata, no journal
    /// commit). Returns false where the call is missing or fails; an fsync still covers it.
    @discardableResult
    static func writeAndWait(_ fd: Int32, offset: Int, count: Int) -> Bool {
        guard let function else { return false }
        return function(fd, Int64(offset), Int64(count), writeAndWait) == 0
    }
}
