import Glibc

/// The Linux calls that the toolchain's `Glibc` module does not export.
///
/// `SwiftGlibc.h` includes neither `<sys/epoll.h>` nor `<sys/eventfd.h>`, and `accept4` and
/// `pthread_setname_np` are GNU extensions it hides. They are looked up once with `dlsym` and
/// called through `@convention(c)` pointers, which is the C calling convention, so no C shim
/// target is needed. The constants are the Linux ABI values from the kernel headers; they do
/// not change between kernels or architectures. Package-visible: the benchmark's floor server
/// (`NullQueueServer`) uses the same calls.
package enum Linux {
    // MARK: - epoll

    package static let epollIn: UInt32 = 0x001
    package static let epollOut: UInt32 = 0x004
    package static let epollErr: UInt32 = 0x008
    package static let epollHup: UInt32 = 0x010
    package static let epollRdHup: UInt32 = 0x2000

    package static let epollCtlAdd: Int32 = 1
    package static let epollCtlDel: Int32 = 2
    package static let epollCtlMod: Int32 = 3

    /// `EPOLL_CLOEXEC`, `EFD_CLOEXEC`, `SOCK_CLOEXEC`: all equal to `O_CLOEXEC`.
    package static let closeOnExec: Int32 = 0o2_000_000
    /// `EFD_NONBLOCK`, `SOCK_NONBLOCK`: equal to `O_NONBLOCK`.
    package static let nonBlocking: Int32 = 0o4_000

    /// `struct epoll_event` is `{ uint32_t events; epoll_data_t data; }`, packed on x86_64
    /// (12 bytes, data at offset 4) and naturally aligned elsewhere (16 bytes, data at 8).
    #if arch(x86_64)
    package static let epollEventSize = 12
    package static let epollDataOffset = 4
    #else
    package static let epollEventSize = 16
    package static let epollDataOffset = 8
    #endif

    /// The functions, or nil when this C library lacks one of them (not glibc on Linux).
    package static let functions: Functions? = Functions.load()

    package struct Functions: Sendable {
        package let epollCreate1: @convention(c) (Int32) -> Int32
        package let epollCtl: @convention(c) (Int32, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
        package let epollWait: @convention(c) (Int32, UnsafeMutableRawPointer?, Int32, Int32) -> Int32
        package let eventfd: @convention(c) (UInt32, Int32) -> Int32
        package let accept4: @convention(c) (Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32) -> Int32
        package let setThreadName: @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32

        package static func load() -> Functions? {
            let handle = dlopen(nil, RTLD_NOW)
            func find<F>(_ name: String, as type: F.Type) -> F? {
                guard let symbol = dlsym(handle, name) else { return nil }
                return unsafeBitCast(symbol, to: type)
            }
            guard
                let epollCreate1 = find("epoll_create1", as: (@convention(c) (Int32) -> Int32).self),
                let epollCtl = find("epoll_ctl", as: (@convention(c) (Int32, Int32, Int32, UnsafeMutableRawPointer?) -> Int32).self),
                let epollWait = find("epoll_wait", as: (@convention(c) (Int32, UnsafeMutableRawPointer?, Int32, Int32) -> Int32).self),
                let eventfd = find("eventfd", as: (@convention(c) (UInt32, Int32) -> Int32).self),
                let accept4 = find("accept4", as: (@convention(c) (Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32) -> Int32).self),
                let setThreadName = find("pthread_setname_np", as: (@convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32).self)
            else { return nil }
            return Functions(
                epollCreate1: epollCreate1, epollCtl: epollCtl, epollWait: epollWait,
                eventfd: eventfd, accept4: accept4, setThreadName: setThreadName)
        }
    }

    /// `epoll_ctl` with one event mask and a 64-bit token as the event's data.
    ///
    /// - Returns: 0, or the `errno` of the failure.
    package static func epollControl(_ functions: Functions, epoll: Int32, operation: Int32, fd: Int32, events: UInt32, token: UInt64) -> Int32 {
        // Large enough and aligned for either layout of `struct epoll_event`.
        var event: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &event) { raw in
            raw.storeBytes(of: events, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: token, toByteOffset: epollDataOffset, as: UInt64.self)
            return functions.epollCtl(epoll, operation, fd, raw.baseAddress) == 0 ? 0 : errno
        }
    }

    /// Reads event `index` of an `epoll_wait` result buffer.
    package static func event(_ buffer: UnsafeMutableRawPointer, _ index: Int) -> (events: UInt32, token: UInt64) {
        let base = buffer + index * epollEventSize
        return (base.loadUnaligned(as: UInt32.self), base.loadUnaligned(fromByteOffset: epollDataOffset, as: UInt64.self))
    }
}

// MARK: - Small POSIX helpers

/// Thin wrappers over the socket calls, each looping on `EINTR`.
enum Posix {
    /// The outcome of a non-blocking `send`.
    enum SendResult {
        /// This many bytes went to the kernel (maybe fewer than offered).
        case wrote(Int)
        /// The socket buffer is full (`EAGAIN`).
        case wouldBlock
        /// The connection is broken; the errno.
        case failed(Int32)
    }

    /// One `send` with `MSG_NOSIGNAL` (a gone peer gives `EPIPE`, not `SIGPIPE`), retried on `EINTR`.
    static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> SendResult {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .wrote(0) }
        while true {
            let n = Glibc.send(fd, base, bytes.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            if n >= 0 { return .wrote(n) }
            let error = errno
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return .wouldBlock }
            return .failed(error)
        }
    }

    /// Sets an `int` socket option; returns whether it worked.
    @discardableResult
    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) -> Bool {
        var value = value
        return setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    /// `close`, ignoring `EINTR` (on Linux the descriptor is released even then; retrying
    /// could close a descriptor another thread just opened).
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// Nanoseconds on the monotonic clock.
    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// The soft limit on open descriptors (`RLIMIT_NOFILE`), or nil when unlimited or unknown.
    static func descriptorLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur > UInt64(Int.max) { return nil } // RLIM_INFINITY is all ones
        return Int(limit.rlim_cur)
    }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped at zero.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }

    /// Seconds as short text: `10`, `0.2`, `1.25`.
    var secondsText: String {
        let milliseconds = nanoseconds / 1_000_000
        let whole = milliseconds / 1000
        var fraction = milliseconds % 1000
        if fraction == 0 { return "\(whole)" }
        var digits = 3
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        let text = String(fraction)
        return "\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }
}
