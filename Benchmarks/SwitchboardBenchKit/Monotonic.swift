import Glibc

/// The monotonic clock every timing of the comparison uses: one clock for producers, agents
/// and the pacer, so a latency is a difference of two readings of the same clock.
public enum Monotonic {
    /// Nanoseconds since an arbitrary point (boot), never going backwards.
    @inline(__always)
    public static func nanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    /// Sleeps the calling thread until the clock reads `deadline` (at once if it has passed).
    public static func sleep(until deadline: UInt64) {
        var spec = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        // EINTR: a signal woke the thread early; sleep again to the same absolute time.
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &spec, nil) == EINTR {}
    }
}
