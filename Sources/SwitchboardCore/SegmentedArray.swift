/// An array that grows in fixed chunks: appending never copies what is already stored, so a
/// floor with millions of tickets never stalls on one big reallocation.
///
/// The chunks are raw allocations owned by one copy-on-write storage object, so reading or
/// writing an element costs one bounds check and (for a write) one uniqueness check, not the
/// two of each that an array of arrays costs. Tickets and their history are read and written
/// many times per routing decision.
struct SegmentedArray<Element> {
    private static var chunkShift: Int { 14 }
    private static var chunkSize: Int { 1 << chunkShift }
    private static var chunkMask: Int { chunkSize - 1 }

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
        return storage.chunks[index >> Self.chunkShift] + (index & Self.chunkMask)
    }

    mutating func append(_ element: Element) {
        makeUnique()
        let index = storage.count
        if index & Self.chunkMask == 0 {
            storage.chunks.append(UnsafeMutablePointer<Element>.allocate(capacity: Self.chunkSize))
        }
        (storage.chunks[index >> Self.chunkShift] + (index & Self.chunkMask)).initialize(to: element)
        storage.count = index + 1
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
            for (chunk, start) in zip(chunks, stride(from: 0, to: count, by: SegmentedArray.chunkSize)) {
                let new = UnsafeMutablePointer<Element>.allocate(capacity: SegmentedArray.chunkSize)
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
            for chunk in chunks { chunk.deallocate() }
        }
    }
}

/// Safe to send when its elements are: a storage shared by several values (and so possibly
/// by several threads) is never mutated, because every mutation first makes the storage
/// unique (`makeUnique`), exactly as `Array` does with its buffer.
extension SegmentedArray: @unchecked Sendable where Element: Sendable {}
