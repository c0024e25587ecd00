import Synchronization

/// An array that grows in fixed chunks: appending never copies what is already stored, so a
/// floor with millions of tickets never stalls on one big reallocation.
///
/// Reading an element costs one bounds check and a load of its chunk's address; writing one
/// adds a uniqueness check of the storage, and of the chunk only until it is known to be this
/// copy's alone. Tickets and their history are read and written many times per
/// routing decision.
///
/// Copies share chunks, and a chunk is copied only when a copy writes to it: a node snapshots
/// a copy of the engine while it goes on routing, and copying every chunk at the first write
/// after the copy (tens of megabytes for a large floor) held up the node's loop for tens of
/// milliseconds; now each write pays for at most its own 4 MiB chunk, once. Appending copies
/// nothing when this copy holds the shared chunk's end: the element goes past what every other
/// copy can see (subjects and history are only ever appended to, so after a snapshot's copy
/// their chunks were copied for nothing, a retain per subject).
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
            let (chunk, offset) = position(of: index)
            storage.makeChunkUnique(chunk)
            return storage.chunks[chunk] + offset
        }
    }

    @inline(__always) private func position(of index: Int) -> (chunk: Int, offset: Int) {
        precondition(UInt(bitPattern: index) < UInt(bitPattern: storage.count), "SegmentedArray index out of range")
        let (chunk, offset) = index.quotientAndRemainder(dividingBy: Self.chunkSize)
        return (chunk, offset)
    }

    @inline(__always) private func address(of index: Int) -> UnsafeMutablePointer<Element> {
        let (chunk, offset) = position(of: index)
        return storage.chunks[chunk] + offset
    }

    /// Inlined: every submit and state change appends (a ticket, its subject, a history step),
    /// and a call kept values in memory around it.
    @inline(__always) mutating func append(_ element: Element) {
        makeUnique()
        let index = storage.count
        let (chunk, offset) = index.quotientAndRemainder(dividingBy: Self.chunkSize)
        if offset == 0 {
            storage.addChunk(Chunk(number: chunk))
        } else if !storage.claimEnd(ofChunk: chunk, at: offset) {
            storage.makeChunkUnique(chunk)
        }
        (storage.chunks[chunk] + offset).initialize(to: element)
        storage.setInitialized(offset + 1, inChunk: chunk)
        storage.count = index + 1
    }

    @inline(__always) private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// One chunk's memory and how many of its elements are initialized; shared by every copy
    /// of the array that has not written to it since the copy was made. Copies sharing a chunk
    /// may be on different threads (a snapshot's copy is encoded on its own), and the one
    /// holding the chunk's end appends past it: `initialized` is atomic, and claiming the end
    /// is a compare-and-exchange, so two copies never both append in place.
    private final class Chunk {
        let base: UnsafeMutablePointer<Element>
        let initialized = Atomic<Int>(0)

        /// A new, empty chunk: on huge pages from the second chunk on.
        init(number: Int) {
            base = ChunkMemory.allocate(byteCount: SegmentedArray.chunkBytes, hugePages: number > 0)
                .bindMemory(to: Element.self, capacity: SegmentedArray.chunkSize)
        }

        /// A copy of the first `count` elements of `other`, which is chunk `number`: what the
        /// copying array holds of it (another copy may have appended more in place).
        convenience init(copying other: Chunk, count: Int, number: Int) {
            self.init(number: number)
            base.initialize(from: other.base, count: count)
            initialized.store(count, ordering: .relaxed)
        }

        deinit {
            base.deinitialize(count: initialized.load(ordering: .acquiring))
            ChunkMemory.deallocate(UnsafeMutableRawPointer(base), byteCount: SegmentedArray.chunkBytes)
        }
    }

    /// The chunks' addresses (read on every access) beside the objects that own them. Only
    /// ever mutated through a `SegmentedArray` that holds the sole reference (`makeUnique`),
    /// like an array's buffer. That uniqueness is what rules out overlapping accesses, so the
    /// per-access dynamic exclusivity checks of class properties (a runtime call each) are
    /// turned off.
    ///
    /// The owners sit in memory of this storage's own, never shared with a copy (a copy
    /// retains every chunk into memory of its own): checking that a chunk is not shared is then
    /// one reference-count check, where an `Array` of owners first checked its own buffer.
    private final class Storage {
        @exclusivity(unchecked) var chunks: [UnsafeMutablePointer<Element>] = []
        @exclusivity(unchecked) private var owners: UnsafeMutablePointer<Chunk>
        @exclusivity(unchecked) private var ownerCapacity: Int
        @exclusivity(unchecked) var count = 0
        /// `chunks.count`, kept apart: every write asks for it (`ownedBit`), and the array's
        /// `count` stayed a call there.
        @exclusivity(unchecked) private var chunkCount = 0
        /// Which of the newest 64 chunks are known to be this storage's alone: bit `i` is chunk
        /// `chunks.count - 1 - i` (writes go mostly to the newest elements). A bit is set once
        /// the chunk was found or made unique, while this storage is itself unique, and every
        /// bit is cleared when the storage is copied (the copy shares every chunk), so a set bit
        /// is always true: a write or append to such a chunk skips checking its reference count,
        /// and nothing but this storage can have appended to it. Atomic because copies on other
        /// threads clear it; they only ever do so while they share the storage, before this
        /// copy can find itself unique again and read it.
        let ownedChunks = Atomic<UInt64>(0)

        init(ownerCapacity: Int = 8) {
            self.ownerCapacity = ownerCapacity
            owners = UnsafeMutablePointer<Chunk>.allocate(capacity: ownerCapacity)
        }

        deinit {
            owners.deinitialize(count: chunks.count)
            owners.deallocate()
        }

        /// A copy that shares every chunk.
        func copy() -> Storage {
            let copy = Storage(ownerCapacity: ownerCapacity)
            copy.owners.initialize(from: owners, count: chunks.count)
            copy.chunks = chunks
            copy.chunkCount = chunkCount
            copy.count = count
            ownedChunks.store(0, ordering: .releasing)
            return copy
        }

        /// Bit of `ownedChunks` for chunk `index`, or 0 when it is not among the newest 64.
        @inline(__always) private func ownedBit(_ index: Int) -> UInt64 {
            let age = chunkCount &- 1 &- index
            return age < 64 ? 1 << UInt64(age) : 0
        }

        @inline(__always) private func isOwned(_ index: Int) -> Bool {
            ownedChunks.load(ordering: .acquiring) & ownedBit(index) != 0
        }

        /// Records that chunk `index` is this storage's alone. Only while the storage is unique.
        @inline(__always) private func markOwned(_ index: Int) {
            ownedChunks.store(ownedChunks.load(ordering: .relaxed) | ownedBit(index), ordering: .relaxed)
        }

        func addChunk(_ chunk: Chunk) {
            let used = chunks.count
            if used == ownerCapacity {
                let grown = UnsafeMutablePointer<Chunk>.allocate(capacity: ownerCapacity * 2)
                grown.moveInitialize(from: owners, count: used)
                owners.deallocate()
                owners = grown
                ownerCapacity *= 2
            }
            (owners + used).initialize(to: chunk)
            chunks.append(chunk.base)
            chunkCount = chunks.count
            // The others grow one older; the new chunk is this storage's alone.
            ownedChunks.store(ownedChunks.load(ordering: .relaxed) << 1 | 1, ordering: .relaxed)
        }

        /// Records how many elements of chunk `index` are initialized.
        @inline(__always) func setInitialized(_ count: Int, inChunk index: Int) {
            owners[index].initialized.store(count, ordering: .releasing)
        }

        /// Whether this storage may append at `offset` of chunk `index` without a copy: the
        /// chunk is its own, or it is shared and `offset` is its end, which this storage then
        /// claims (every other copy holds fewer of its elements, or appends after copying it).
        @inline(__always) func claimEnd(ofChunk index: Int, at offset: Int) -> Bool {
            isOwned(index) || claimEndChecking(ofChunk: index, at: offset)
        }

        @inline(never) private func claimEndChecking(ofChunk index: Int, at offset: Int) -> Bool {
            if isKnownUniquelyReferenced(&owners[index]) {
                // Alone now, it may still hold elements a copy appended in place and then let
                // go of: past this storage's end, they are nobody's.
                if owners[index].initialized.load(ordering: .relaxed) != offset { dropStale(ofChunk: index, from: offset) }
                markOwned(index)
                return true
            }
            return owners[index].initialized.compareExchange(
                expected: offset, desired: offset + 1, ordering: .acquiringAndReleasing).exchanged
        }

        @inline(never) private func dropStale(ofChunk index: Int, from offset: Int) {
            let chunk = owners[index]
            let stale = chunk.initialized.load(ordering: .relaxed) - offset
            guard stale > 0 else { return }
            (chunk.base + offset).deinitialize(count: stale)
            chunk.initialized.store(offset, ordering: .relaxed)
        }

        /// Gives this storage a chunk of its own, with the elements of it this storage holds,
        /// before it writes to one another copy shares.
        @inline(__always) func makeChunkUnique(_ chunk: Int) {
            if !isOwned(chunk) { claimChunk(chunk) }
        }

        /// Makes a chunk this storage's alone, copying it if it is shared, and records that.
        @inline(never) private func claimChunk(_ chunk: Int) {
            let held = Swift.min(SegmentedArray.chunkSize, count - chunk * SegmentedArray.chunkSize)
            if isKnownUniquelyReferenced(&owners[chunk]) {
                // Elements a copy appended in place and let go of are dropped now: once the
                // chunk is known to be owned, appends no longer look for them.
                if owners[chunk].initialized.load(ordering: .relaxed) != held { dropStale(ofChunk: chunk, from: held) }
            } else {
                let own = Chunk(copying: owners[chunk], count: held, number: chunk)
                owners[chunk] = own
                chunks[chunk] = own.base
            }
            markOwned(chunk)
        }
    }
}

/// Safe to send when its elements are: a storage shared by several values (and so possibly
/// by several threads) is never mutated, because every mutation first makes the storage
/// unique (`makeUnique`), exactly as `Array` does with its buffer. A chunk may stay shared
/// while one copy appends to it, but only past the elements every other copy holds, after
/// claiming its end atomically (`claimEnd`); the others read and copy only what they hold.
extension SegmentedArray: @unchecked Sendable where Element: Sendable {}
