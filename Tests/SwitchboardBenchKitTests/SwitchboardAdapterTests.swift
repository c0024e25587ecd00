import Foundation
import Testing
import SwitchboardNode
@testable import SwitchboardBenchKit

/// The Switchboard adapter against a node in this process (always available) and against a
/// `switchboard node` process as `compare` starts it (when the executable is built).
@Suite struct SwitchboardAdapterTests {
    static let binary = Executables.besideThisExecutable("switchboard")
        ?? Bundle.main.bundleURL.appendingPathComponent("switchboard").path

    static func withNode<T>(_ body: (Int) async throws -> T) async throws -> T {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bench-kit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var configuration = NodeConfiguration()
        configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.dataDirectory = scratch
        configuration.fsync = .never
        let node = try await Node.start(configuration, log: Log(minimum: .error))
        do {
            let result = try await body(node.port)
            await node.stop()
            return result
        } catch {
            await node.stop()
            throw error
        }
    }

    @Test func lifecyclesThroughSubmitOfferAcceptResolveAllComplete() async throws {
        let plan = LoadPlan(producers: 2, agents: 3, seconds: 30, ticketLimit: 40, drainSeconds: 10, setupSeconds: 10)
        let figures = try await Self.withNode { port in
            await LoadDriver.run(SwitchboardSystem(), host: "127.0.0.1", port: port, plan: plan)
        }
        PeerAdapterTests.expectAllCompleted(figures, count: 40)
    }

    @Test func floorAgentsLogInAndTakeNoneOfTheWork() async throws {
        let plan = LoadPlan(producers: 1, agents: 2, floorAgents: 50, seconds: 30, ticketLimit: 30, drainSeconds: 10, setupSeconds: 10)
        let figures = try await Self.withNode { port in
            await LoadDriver.run(SwitchboardSystem(), host: "127.0.0.1", port: port, plan: plan)
        }
        // A floor agent given a ticket fails the run, so completion proves they took none.
        PeerAdapterTests.expectAllCompleted(figures, count: 30)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary), "the switchboard executable is not built next to the tests"))
    func aNodeProcessAtEveryDurabilityCompletesItsLifecycles() async throws {
        for durability in Durability.allCases {
            let figures = try await PeerAdapterTests.runAgainstServer(SwitchboardSystem(), kind: .switchboard, executable: Self.binary,
                                                                      durability: durability)
            PeerAdapterTests.expectAllCompleted(figures, count: 40)
        }
    }
}
