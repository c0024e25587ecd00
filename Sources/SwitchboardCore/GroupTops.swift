/// The best ready agent of every agent group, per routing table (`strategy * 4 + channel`),
/// and which groups have one, sorted into bands by that agent's primary key.
///
/// "Ticket arrives → agent chosen" compares the tops of the groups able to serve the ticket.
/// On a floor with many groups, dozens of them have someone ready; comparing every top is what
/// a decision used to spend most of its time on. Under least-loaded routing the primary key is
/// the utilisation, so the groups are also kept in sixteen bands by the utilisation of their
/// top: a decision first finds the lowest band holding an eligible group (a few word ANDs),
/// then compares the tops of that band only. A group in a lower band always beats one in a
/// higher band, so the choice is exactly the one a full comparison would make. The other
/// strategies put every group in band 0 (their primary keys are not bounded), which is the
/// full comparison.
struct GroupTops {
    typealias Entry = IndexedHeap<AgentKey>.Entry

    static let tables = 12
    static let bandCount = 16
    static let empty = Entry(key: AgentKey(primary: .max, secondary: .max, order: .max), handle: -1)

    /// `tops[table * stride + group]`: one table's tops lie together, in group order.
    private(set) var tops: [Entry] = []
    /// `bands[(table * words + word) * 16 + band]`: the groups (bits of `word`) whose top is in `band`.
    private var bands: [UInt64] = []
    /// `occupied[table * words + word]`: bit `band` set when that band's word is not zero.
    private var occupied: [UInt16] = []
    /// Room per table, in groups: a multiple of 64, at least the number of groups.
    private(set) var stride = 0

    private var words: Int { stride >> 6 }

    /// Makes room for groups up to `count` (exclusive), keeping everything stored.
    mutating func reserve(groups count: Int) {
        guard count > stride else { return }
        var widened = GroupTops()
        widened.stride = Swift.max(64, stride * 2)
        while widened.stride < count { widened.stride *= 2 }
        widened.tops = Array(repeating: Self.empty, count: Self.tables * widened.stride)
        widened.bands = Array(repeating: 0, count: Self.tables * widened.words * Self.bandCount)
        widened.occupied = Array(repeating: 0, count: Self.tables * widened.words)
        for table in 0..<Self.tables {
            for group in 0..<stride { widened.set(self[group: group, table: table], group: group, table: table) }
        }
        self = widened
    }

    /// The top of a group's heap for a table, or `empty`.
    @inline(__always) subscript(group group: Int, table table: Int) -> Entry {
        tops[table &* stride &+ group]
    }

    /// The band of a top in a table, or -1 for none (the group has nobody ready).
    @inline(__always) private static func band(_ entry: Entry, table: Int) -> Int {
        guard entry.handle >= 0 else { return -1 }
        // Tables 0–3 are least-loaded: the primary key is a utilisation below 1.0 in 32.32
        // fixed point, so its top four fraction bits are the band.
        guard table < 4 else { return 0 }
        return Int(Swift.min(entry.key.primary >> 28, UInt64(bandCount - 1)))
    }

    /// Records a group's new top for a table (`empty` when nobody is ready).
    @inline(__always) mutating func set(_ entry: Entry, group: Int, table: Int) {
        set(group: group, tables: 1 << table) { _ in entry }
    }

    /// Records a group's new tops for the tables in `tables` (bit `table` set), each read from
    /// `top`. Each array is checked for sharing once for all the tables, not once per write:
    /// an agent's reindex sets the tops of every channel it is ready on.
    @inline(__always) mutating func set(group: Int, tables: Int, _ top: (Int) -> Entry) {
        let stride = stride
        let words = words
        tops.withUnsafeMutableBufferPointer { tops in
            bands.withUnsafeMutableBufferPointer { bands in
                occupied.withUnsafeMutableBufferPointer { occupied in
                    var remaining = tables
                    while remaining != 0 {
                        let table = remaining.trailingZeroBitCount
                        remaining &= remaining &- 1
                        let entry = top(table)
                        let slot = table &* stride &+ group
                        let oldBand = Self.band(tops[slot], table: table)
                        tops[slot] = entry
                        let newBand = Self.band(entry, table: table)
                        guard oldBand != newBand else { continue }
                        let word = table &* words &+ (group >> 6)
                        let bit: UInt64 = 1 << UInt64(group & 63)
                        if oldBand >= 0 {
                            let index = word &* Self.bandCount &+ oldBand
                            bands[index] &= ~bit
                            if bands[index] == 0 { occupied[word] &= ~(1 << UInt16(oldBand)) }
                        }
                        if newBand >= 0 {
                            bands[word &* Self.bandCount &+ newBand] |= bit
                            occupied[word] |= 1 << UInt16(newBand)
                        }
                    }
                }
            }
        }
    }

    /// The best top among the groups of `eligible` in a table, or `empty` when none of them
    /// has anyone ready. One pass over the eligible words: each word offers its groups in the
    /// lowest band where it has any, if that band is no higher than the lowest seen so far, and
    /// a lower band found later starts the comparison again. A word's groups in higher bands
    /// can never win, so the choice is the one comparing every eligible top would make.
    @inline(__always) func best(in eligible: GrowingBitset, table: Int) -> Entry {
        var best = Self.empty
        eligible.withWords { eligibleWords, nonZero in
            bands.withUnsafeBufferPointer { bands in
                occupied.withUnsafeBufferPointer { occupied in
                    tops.withUnsafeBufferPointer { tops in
                        let base = table &* words
                        let first = table &* stride
                        var lowest = Self.bandCount
                        for index in nonZero {
                            let word = Int(index)
                            guard word < words else { break }
                            let mine = eligibleWords[word]
                            let row = (base &+ word) &* Self.bandCount
                            // Occupied bands up to and including the lowest so far.
                            var candidates = Int(occupied[base &+ word]) & ((2 << lowest) &- 1)
                            while candidates != 0 {
                                let band = candidates.trailingZeroBitCount
                                var common = mine & bands[row &+ band]
                                if common != 0 {
                                    if band < lowest {
                                        lowest = band
                                        best = Self.empty
                                    }
                                    while common != 0 {
                                        let top = tops[first &+ (word << 6 | common.trailingZeroBitCount)]
                                        if top.key < best.key { best = top }
                                        common &= common &- 1
                                    }
                                    break
                                }
                                candidates &= candidates &- 1
                            }
                        }
                    }
                }
            }
        }
        return best
    }

    /// Calls `body` with each group of `eligible` that has someone ready in a table, in
    /// ascending order.
    func forEachReady(in eligible: GrowingBitset, table: Int, _ body: (Int) -> Void) {
        let base = table * words
        eligible.withWords { eligibleWords, nonZero in
            for index in nonZero {
                let word = Int(index)
                guard word < words else { break }
                var any: UInt64 = 0
                for band in 0..<Self.bandCount { any |= bands[(base + word) * Self.bandCount + band] }
                var common = eligibleWords[word] & any
                while common != 0 {
                    body(word << 6 | common.trailingZeroBitCount)
                    common &= common - 1
                }
            }
        }
    }
}

extension GroupTops: Sendable {}
