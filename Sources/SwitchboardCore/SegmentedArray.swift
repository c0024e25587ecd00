/// An array that grows in fixed chunks: appending never copies what is already stored, so a
/// floor with millions of tickets never stalls on one big reallocation.
///
/// The chunks are raw allocations owned by one copy-on-write storage object, so reading or
/// writing an element costs one bounds check and (for a write) one uniqueness check, not the
/// two of each that an array of arrays costs. Tickets and their history are read and written
/// many times per routing decision.
///
/// A chunk is 4 MiB (two huge pages; see `ChunkMemory`), so it holds 4 MiB / stride elements:
/// a constant per element type, so finding an element divides by a constant (a multiply).
struct SegmentedArray<Element> {
    private static var chunkBytes: Int { 2 * ChunkMemory.hugePageBytes }
    @inline(__always) private static var chunkSize: Int { chunkBytes / MemoryLayout<Element>.stride }

    private var storage = Storage()

    var count: Int { storage.count }
    var indices: Range<Int> { 0..<storage.count }
    var isEmpty: Bool { storage.count == 0 }

    /// Addressors, not get/modify: reading one field of a large element then reads just that
    /// field instead of copying the whole element out first.
    subscript(index: Int) -> Element {
        @inline(__always) unsafeAddress {
            UnsafePointer(address(of: index))
        }
        @inline(__always) unsafeMutableAddress {
            makeUnique()
            return address(of: index)
        }
    }

    @inline(__always) private func address(of index: Int) -> UnsafeMutablePointer<Element> {
        precondition(UInt(bitPattern: index) < UInt(bitPattern: storage.count), "SegmentedArray index out of range")
        let (chunk, offset) = index.quotientAndRemainder(dividingBy: Self.chunkSize)
        return storage.chunks[chunk] + offset
    }

    mutating func append(_ element: Element) {
        makeUnique()
        let index = storage.count
        let (chunk, offset) = index.quotientAndRemainder(dividingBy: Self.chunkSize)
        if offset == 0 { storage.chunks.append(Self.allocateChunk(number: chunk)) }
        (storage.chunks[chunk] + offset).initialize(to: element)
        storage.count = index + 1
    }

    /// Memory for chunk `number`: on huge pages from the second chunk on.
    private static func allocateChunk(number: Int) -> UnsafeMutablePointer<Element> {
        ChunkMemory.allocate(byteCount: chunkBytes, hugePages: number > 0).bindMemory(to: Element.self, capacity: chunkSize)
    }

    @inline(__always) private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// The chunks and how many elements they hold. Only ever mutated through a
    /// `SegmentedArray` that holds the sole reference (`makeUnique`), like an array's buffer.
    /// That uniqueness is what rules out overlapping accesses, so the per-access dynamic
    /// exclusivity checks of class properties (a runtime call each) are turned off.
    private final class Storage {
        @exclusivity(unchecked) var chunks: [UnsafeMutablePointer<Element>] = []
        @exclusivity(unchecked) var count = 0

        func copy() -> Storage {
            let copy = Storage()
            copy.chunks.reserveCapacity(chunks.count)
            for (number, (chunk, start)) in zip(chunks, stride(from: 0, to: count, by: SegmentedArray.chunkSize)).enumerated() {
                let new = SegmentedArray.allocateChunk(number: number)
                new.initialize(from: chunk, count: Swift.min(SegmentedArray.chunkSize, count - start))
                copy.chunks.append(new)
            }
            copy.count = count
            return copy
        }

        deinit {
            for (chunk, start) in zip(chunks, stride(from: 0, to: count, by: SegmentedArray.chunkSize)) {
                chunk.deinitialize(count: Swift.min(SegmentedArray.chunkSize, count - start))
            }
            for chunk in chunks { ChunkMemory.deallocate(UnsafeMutableRawPointer(chunk), byteCount: SegmentedArray.chunkBytes) }
        }
    }
}

/// Safe to send when its elements are: a storage shared by several values (and so possibly
/// by several threads) is never mutated, because every mutation first makes the storage
/// unique (`makeUnique`), exactly as `Array` does with its buffer.
extension SegmentedArray: @unchecked Sendable where Element: Sendable {}
