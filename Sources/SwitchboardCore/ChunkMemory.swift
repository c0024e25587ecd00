#if canImport(Glibc)
    import Glibc
#endif

/// Memory for the large fixed-size chunks of `SegmentedArray` (tickets, their subjects and
/// their history: the engine's big, ever-growing stores).
///
/// Each new chunk is touched one 4 KiB page at a time as elements are appended, and each first
/// touch is a page fault that the kernel serves in the middle of an `apply` (a few µs on the
/// development machine): measured, about one apply in forty paid one, which set the p99 of a
/// routing decision. Chunks after the first ask for transparent huge pages (`madvise
/// MADV_HUGEPAGE`, honoured where the kernel's THP mode is `madvise` or `always`), so a chunk
/// faults once per 2 MiB instead of once per 4 KiB, and the random reads of ticket records
/// miss the TLB far less. The first chunk stays on ordinary pages so that small engines (tests,
/// a fresh node) only use the memory they touch.
///
/// This is a memory-placement hint, not I/O: the engine's behaviour and results are unchanged.
enum ChunkMemory {
    /// The size and alignment of a huge page on x86-64 and arm64 Linux.
    static let hugePageBytes = 2 << 20

    /// Uninitialised memory for `byteCount` bytes (a multiple of `hugePageBytes`), aligned to a
    /// huge page; release it with `deallocate(_:byteCount:)`. Mapped directly rather than taken
    /// from malloc: malloc raises its mmap threshold after the first large free and then serves
    /// such blocks from its heap, where the alignment padding and untrimmed space cost resident
    /// memory.
    static func allocate(byteCount: Int, hugePages: Bool) -> UnsafeMutableRawPointer {
        #if canImport(Glibc)
            // Map one huge page more than asked, then unmap the unaligned ends.
            let mapped = byteCount + hugePageBytes
            guard let raw = mmap(nil, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), raw != MAP_FAILED else {
                fatalError("out of memory mapping a chunk of \(byteCount) bytes")
            }
            let address = UInt(bitPattern: raw)
            let aligned = (address + UInt(hugePageBytes) - 1) & ~(UInt(hugePageBytes) - 1)
            let head = Int(aligned - address)
            if head > 0 { munmap(raw, head) }
            let tail = mapped - head - byteCount
            if tail > 0 { munmap(UnsafeMutableRawPointer(bitPattern: aligned + UInt(byteCount)), tail) }
            let memory = UnsafeMutableRawPointer(bitPattern: aligned)!
            if hugePages { _ = madvise(memory, byteCount, MADV_HUGEPAGE) }
            return memory
        #else
            return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        #endif
    }

    /// Releases memory from `allocate` of the same size.
    static func deallocate(_ memory: UnsafeMutableRawPointer, byteCount: Int) {
        #if canImport(Glibc)
            munmap(memory, byteCount)
        #else
            memory.deallocate()
        #endif
    }
}
