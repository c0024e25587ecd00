import Testing
@testable import SwitchboardCore

/// The snapshot lists customers in the order of their names' UTF-8 bytes; `bytesPrecede`
/// compares them in place, eight bytes at a time, and must give exactly that order.
@Suite struct SnapshotOrderTests {
    @Test(arguments: [UInt64(7), 1_764_144_000])
    func comparingNamesInPlaceGivesTheOrderOfTheirBytes(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        // Short alphabets and shared prefixes, so that many pairs differ late or not at all;
        // bytes of 0x80 and up, so that a signed comparison would show.
        let alphabet: [UInt8] = [0x00, 0x41, 0x42, 0x7F, 0x80, 0xC3, 0xFF]
        var names: [[UInt8]] = []
        for _ in 0..<400 {
            let prefix = Int(random.next() % 20)
            let length = prefix + Int(random.next() % 12)
            names.append((0..<length).map { $0 < prefix ? 0x61 : alphabet[Int(random.next() % UInt64(alphabet.count))] })
        }
        for x in names {
            for y in names.prefix(60) {
                let inPlace = x.withUnsafeBufferPointer { a in y.withUnsafeBufferPointer { b in RoutingEngine.bytesPrecede(a, b) } }
                #expect(inPlace == x.lexicographicallyPrecedes(y), "seed \(seed): \(x) vs \(y)")
            }
        }
    }
}

extension SnapshotOrderTests {
    @Test func theSnapshotListsResolvedCustomersInTheOrderOfTheirNamesBytes() throws {
        var engine = RoutingEngine()
        var events: [Event] = []
        let at = Timestamp(milliseconds: 1_000)
        try engine.apply(.upsertQueue(QueueConfig(name: "q")), at: at, into: &events)
        try engine.apply(.login(AgentProfile(id: AgentID("a"), skills: [], capacity: Capacity(web: 1), autoAccept: true)), at: at, into: &events)
        // Interned in an order unlike the bytes' order, with non-ASCII names and shared prefixes.
        let names = ["zeta", "Émile", "alpha", "ab", "a", "été", "alphabet-soup-of-customers", "alphabet-soup", "Zoë", "a~", "a!"]
        for (offset, name) in names.enumerated() {
            try engine.apply(.submit(TicketSubmission(customer: name, channel: .web, queue: "q")), at: at, into: &events)
            try engine.apply(.resolve(TicketID(UInt64(offset + 1)), by: AgentID("a")), at: at, into: &events)
        }
        let listed = try SnapshotModel(engine.snapshot()).affinity.map(\.customer)
        #expect(listed == names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }
}
