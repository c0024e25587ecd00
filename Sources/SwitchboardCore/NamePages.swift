/// The names of a `StringTable` by id, with their payloads, in pages of `pageSize` names.
///
/// A page holds its names' entries and their UTF-8 bytes back to back. Appending touches only
/// the last page, and after the table was copied a write copies only the page it lands in
/// (plus the list of pages: one reference per page), so neither growing nor copy-on-write
/// costs time in proportion to the number of names. A name never straddles two pages, so its
/// bytes are always one contiguous run.
struct NamePages<Payload: Sendable>: Sendable {
    /// Names a page holds: a page of customers is about 24 KiB of entries and 16 KiB of bytes.
    static var pageSize: Int { 1 << pageShift }
    private static var pageShift: Int { 10 }

    /// Where a name's bytes start in its page's `bytes`, how many there are, and its payload.
    private struct Entry: Sendable {
        let start: Int32
        let length: Int32
        var payload: Payload
    }

    private struct Page: Sendable {
        var entries: [Entry] = []
        var bytes: [UInt8] = []
    }

    private var pages: [Page] = []
    /// How many names there are: the next name's id.
    private(set) var count = 0

    /// Adds a name with the next id.
    mutating func append(_ name: UnsafeBufferPointer<UInt8>, payload: Payload) {
        if count & (Self.pageSize - 1) == 0 { startPage() }
        // One uniqueness check of the page list, then the last page in place.
        pages.withUnsafeMutableBufferPointer { pages in
            let last = pages.count - 1
            pages[last].entries.append(Entry(start: Int32(pages[last].bytes.count), length: Int32(name.count), payload: payload))
            pages[last].bytes.append(contentsOf: name)
        }
        count += 1
    }

    /// Opens the next page. The first grows as names arrive, so small tables stay small; later
    /// ones get room for a full page up front (the bytes as many as the page before used), so
    /// that filling them never reallocates.
    private mutating func startPage() {
        var page = Page()
        if let previous = pages.last {
            page.entries.reserveCapacity(Self.pageSize)
            page.bytes.reserveCapacity(previous.bytes.count)
        }
        pages.append(page)
    }

    /// Calls `body` with the UTF-8 bytes of the name with this id.
    @inline(__always) func withBytes<R>(of id: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let (page, index) = position(of: id)
        return pages.withUnsafeBufferPointer { pages in
            let entry = pages[page].entries[index]
            return pages[page].bytes.withUnsafeBufferPointer { bytes in
                body(UnsafeBufferPointer(rebasing: bytes[Int(entry.start)..<Int(entry.start) + Int(entry.length)]))
            }
        }
    }

    /// The payload stored with an id.
    subscript(payload id: Int32) -> Payload {
        @inline(__always) get {
            let (page, index) = position(of: id)
            // Through buffer pointers: read in place, without retaining the page's arrays.
            return pages.withUnsafeBufferPointer { $0[page].entries.withUnsafeBufferPointer { $0[index].payload } }
        }
        @inline(__always) set {
            let (page, index) = position(of: id)
            pages.withUnsafeMutableBufferPointer { $0[page].entries.withUnsafeMutableBufferPointer { $0[index].payload = newValue } }
        }
    }

    @inline(__always) private func position(of id: Int32) -> (page: Int, index: Int) {
        precondition(UInt32(bitPattern: id) < UInt32(truncatingIfNeeded: count), "name id out of range")
        return (Int(id) >> Self.pageShift, Int(id) & (Self.pageSize - 1))
    }
}
