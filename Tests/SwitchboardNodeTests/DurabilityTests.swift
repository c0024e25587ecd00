import Foundation
import Glibc
import Synchronization
import SwitchboardClient
import SwitchboardCore
import SwitchboardLog
import SwitchboardNode
import SwitchboardProtocol
import Testing

/// A log file system whose `fdatasync` starts failing (EIO) on demand.
final class FailingSyncFileSystem: LogFileSystem {
    private let real = PosixFileSystem()
    private let failing = Atomic<Bool>(false)

    func failFromNowOn() { failing.store(true, ordering: .sequentiallyConsistent) }

    func create(_ path: String) throws(LogIOError) -> Int32 { try real.create(path) }
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(LogIOError) { try real.write(fd, bytes, path: path) }
    func sync(_ fd: Int32, path: String) throws(LogIOError) {
        if failing.load(ordering: .sequentiallyConsistent) { throw LogIOError(operation: "fdatasync", path: path, errno: EIO) }
        try real.sync(fd, path: path)
    }
    func syncDirectory(_ path: String) throws(LogIOError) { try real.syncDirectory(path) }
    func close(_ fd: Int32) { real.close(fd) }
}

@Suite struct DurabilityTests {
    private func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-durability-\(UUID().uuidString)").path
    }

    @Test func aRestartedNodeHasTheFloorItHadWithTheSameDigest() async throws {
        let data = scratch()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try await NodeHarness.start { $0.dataDirectory = data }
        let client = try await first.client()
        try await client.upsertQueue(QueueSettings(name: "billing", skills: [SkillLevel("billing")]))
        var ids: [TicketID] = []
        for n in 0..<20 {
            ids.append(try await client.submit(TicketSubmission(customer: "c\(n)", channel: .email, queue: n % 2 == 0 ? "hosting" : "billing",
                                                                subject: "ticket \(n)")).ticket)
        }
        try await client.cancel(ids[3])
        let before = try await client.status()
        client.close()
        await first.stop()

        let second = try await NodeHarness.start { $0.dataDirectory = data }
        let again = try await second.client()
        let after = try await again.status()
        #expect(after.digest == before.digest)
        #expect(after.tickets == 20)
        #expect(try await again.ticket(ids[3]).state == .cancelled)
        #expect(try await again.queues().map(\.config.name).sorted() == ["billing", "hosting"])
        again.close()
        await second.stop()
    }

    @Test func agentsWhoseSessionsWereOnTheStoppedNodeComeBackWithTheirSessionLost() async throws {
        let data = scratch()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try await NodeHarness.start { $0.dataDirectory = data }
        let desk = try await first.client()
        try await desk.login(AgentProfile(id: AgentID("alice"), skills: [SkillLevel("linux")], capacity: Capacity(email: 2)))
        let intake = try await first.client()
        let ticket = try await intake.submit(TicketSubmission(customer: "c", channel: .email, queue: "hosting")).ticket
        _ = try await desk.accept(ticket)
        // Stop the node without the desk logging out: as if the node had died.
        await first.stop()
        desk.close()
        intake.close()

        let second = try await NodeHarness.start { $0.dataDirectory = data }
        let admin = try await second.client()
        let alice = try #require(try await admin.agents().first { $0.id == AgentID("alice") })
        #expect(alice.sessionLost)
        #expect(try await admin.ticket(ticket).owner == AgentID("alice"), "email tickets stay with the agent for the grace period")
        admin.close()
        await second.stop()
    }

    @Test func afterTheLogFailsNothingMoreIsAcknowledged() async throws {
        let data = scratch()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let fileSystem = FailingSyncFileSystem()
        let fatal = Mutex<String?>(nil)
        var configuration = NodeConfiguration()
        configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.dataDirectory = data
        configuration.queues = [QueueConfig(name: "hosting")]
        let node = try await Node.start(configuration, log: Log(minimum: .error),
                                        onFatal: { message in fatal.withLock { $0 = message } }, logFileSystem: fileSystem)
        let client = try await SwitchboardClient.connect(host: "127.0.0.1", port: node.port, token: nil)
        let acknowledged = try await client.submit(TicketSubmission(customer: "before", channel: .web, queue: "hosting"))
        #expect(acknowledged.ticket == TicketID(1))

        fileSystem.failFromNowOn()
        await #expect {
            _ = try await client.submit(TicketSubmission(customer: "after", channel: .web, queue: "hosting"))
        } throws: { error in
            (error as? ClientError) == .connectionClosed
        }
        #expect(fatal.withLock { $0 }?.contains("fdatasync") == true)
        // Nothing after the failure was acknowledged, and the node reads nothing more.
        await #expect(throws: ClientError.self) {
            let late = try await SwitchboardClient.connect(host: "127.0.0.1", port: node.port, token: nil, timeout: .seconds(2))
            _ = try await late.submit(TicketSubmission(customer: "late", channel: .web, queue: "hosting"))
        }
        client.close()
        await node.stop()
    }

    @Test func aSnapshotOnRequestIsLoadedAtRestartAndOnlyWhatFollowsIsReplayed() async throws {
        let data = scratch()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try await NodeHarness.start { $0.dataDirectory = data }
        let client = try await first.client()
        for n in 0..<10 { _ = try await client.submit(TicketSubmission(customer: "c\(n)", channel: .web, queue: "hosting")) }
        let taken = try await client.snapshot()
        #expect(taken.index >= 11 && taken.bytes > 0)
        for n in 10..<15 { _ = try await client.submit(TicketSubmission(customer: "c\(n)", channel: .web, queue: "hosting")) }
        let before = try await client.status()
        client.close()
        await first.stop()
        let snapshots = try FileManager.default.contentsOfDirectory(atPath: data + "/snapshots")
        #expect(snapshots.contains { $0.hasSuffix(".snap") })

        let second = try await NodeHarness.start { $0.dataDirectory = data }
        let again = try await second.client()
        let after = try await again.status()
        #expect(after.digest == before.digest)
        #expect(after.tickets == 15)
        again.close()
        await second.stop()
    }

    @Test func snapshotsAreTakenEveryNRecordsAndADamagedOneIsSkippedAtRestart() async throws {
        let data = scratch()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try await NodeHarness.start { $0.dataDirectory = data; $0.snapshotEvery = 5 }
        let client = try await first.client()
        for n in 0..<30 { _ = try await client.submit(TicketSubmission(customer: "c\(n)", channel: .email, queue: "hosting")) }
        let written = await eventually(within: 10) {
            ((try? FileManager.default.contentsOfDirectory(atPath: data + "/snapshots")) ?? []).filter { $0.hasSuffix(".snap") }.count >= 2
        }
        #expect(written, "two snapshots are kept")
        let before = try await client.status()
        client.close()
        await first.stop()

        // Damage the newest snapshot: the node falls back to the one before, then the log.
        let names = try FileManager.default.contentsOfDirectory(atPath: data + "/snapshots").filter { $0.hasSuffix(".snap") }.sorted()
        let newest = data + "/snapshots/" + names.last!
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: newest)))
        bytes[bytes.count - 20] ^= 0xFF
        #expect(FileManager.default.createFile(atPath: newest, contents: Data(bytes)))

        let second = try await NodeHarness.start { $0.dataDirectory = data; $0.snapshotEvery = 5 }
        let again = try await second.client()
        #expect(try await again.status().digest == before.digest)
        again.close()
        await second.stop()
    }

    @Test func statusReportsTheLastAutomaticSnapshotAndThePauseItCaused() async throws {
        let data = scratch()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let node = try await NodeHarness.start { $0.dataDirectory = data; $0.snapshotEvery = 10 }
        let client = try await node.client()
        #expect(try await client.status().snapshotIndex == 0)
        for n in 0..<25 { _ = try await client.submit(TicketSubmission(customer: "c\(n)", channel: .email, queue: "hosting")) }
        var status = try await client.status()
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while status.snapshotIndex == 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
            status = try await client.status()
        }
        #expect(status.snapshotIndex >= 10, "a snapshot was written in the background after 10 records")
        #expect(status.snapshotIndex <= status.appliedIndex)
        #expect(status.snapshotPauseMs >= 0 && status.snapshotPauseMs < 10_000)
        client.close()
        await node.stop()
    }

    @Test func aSecondNodeOnTheSameDataDirectoryIsRefusedUntilTheFirstStops() async throws {
        let data = scratch()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try await NodeHarness.start { $0.dataDirectory = data }
        do {
            let second = try await NodeHarness.start { $0.dataDirectory = data }
            await second.stop()
            Issue.record("a second node started on a data directory in use")
        } catch {
            let message = "\(error)"
            #expect(message.contains("is in use by another switchboard node (pid \(getpid()))"), "\(message)")
            #expect(message.contains(data))
        }
        await first.stop()
        let again = try await NodeHarness.start { $0.dataDirectory = data }
        await again.stop()
    }

    @Test func aSnapshotAskedForInTheSameWriteAsACommandCoversThatCommand() async throws {
        let data = scratch()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try await NodeHarness.start { $0.dataDirectory = data }
        let wire = try WireConnection(port: first.port)
        // One write: the SUBMIT and the SNAPSHOT (and STATUS) arrive in one batch.
        try await wire.send(bytes: Array("SUBMIT customer=c1 channel=email queue=hosting\nSNAPSHOT\nSTATUS\n".utf8))
        let submitted = try await wire.readReply()
        let snapshot = try await wire.readReply()
        let status = try await wire.readReply()
        #expect(submitted.hasPrefix("OK ticket=1 "))
        #expect(field("index", in: snapshot) == field("applied", in: status), "\(snapshot) / \(status)")
        wire.close()
        await first.stop()

        let second = try await NodeHarness.start { $0.dataDirectory = data }
        let again = try await second.client()
        #expect(try await again.tickets().map(\.id) == [TicketID(1)], "the SUBMIT is neither lost nor replayed twice")
        again.close()
        await second.stop()
    }

    @Test func aLockHeldBrieflyByAStrayCopyInThisProcessIsWaitedFor() async throws {
        let data = scratch()
        defer { try? FileManager.default.removeItem(atPath: data) }
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        // What a child being spawned holds for an instant: this process's lock, no node of it.
        let fd = open(data + "/LOCK", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        #expect(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pwrite(fd, pid, pid.count, 0)
        let letGo = Thread { usleep(300_000); close(fd) }
        letGo.start()
        let node = try await NodeHarness.start { $0.dataDirectory = data }
        await node.stop()
    }

    /// Polls a condition until it holds or the deadline passes.
    private func eventually(within seconds: Double, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}
