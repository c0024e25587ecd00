// swift-tools-version: 6.0
// Switchboard depends on the Swift toolchain only: Foundation, Dispatch and Glibc.
import PackageDescription

/// Release builds of the node's code skip Swift's run-time exclusivity checks: they were 6.5 %
/// of the node's instructions per ticket (each access to a class or actor property that is
/// passed `inout` registers in a thread-local access set). Debug builds, and so `swift test`,
/// keep every check, so an overlapping access is still caught by the tests.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

/// The log's CRC-32C uses the `crc32` instruction of SSE 4.2 on x86-64 (every x86-64 CPU since
/// 2008; the x86-64-v2 level that current server distributions require).
#if arch(x86_64)
let logSettings = hotPath + [.unsafeFlags(["-Xcc", "-msse4.2"])]
#else
let logSettings = hotPath
#endif

let package = Package(
    name: "Switchboard",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SwitchboardCore", targets: ["SwitchboardCore"]),
        .library(name: "SwitchboardProtocol", targets: ["SwitchboardProtocol"]),
        .library(name: "SwitchboardLog", targets: ["SwitchboardLog"]),
        .library(name: "SwitchboardClient", targets: ["SwitchboardClient"]),
        .library(name: "SwitchboardTransport", targets: ["SwitchboardTransport"]),
        .executable(name: "switchboard", targets: ["switchboard"]),
        .executable(name: "switchboard-bench", targets: ["switchboard-bench"]),
    ],
    targets: [
        // The routing engine: a pure, deterministic state machine. No I/O, no clock, no actors.
        .target(name: "SwitchboardCore", swiftSettings: hotPath),
        // The line codec: commands, replies, pushes; limits and protocol errors.
        .target(name: "SwitchboardProtocol", dependencies: ["SwitchboardCore"], swiftSettings: hotPath),
        // The append-only log: CRC-checked records in segments, group commit, recovery.
        .target(name: "SwitchboardLog", dependencies: ["SwitchboardProtocol"], exclude: ["LOG.md"], swiftSettings: logSettings),
        // TCP: an epoll event loop, listener, connections, line framing, backpressure. No dependencies.
        .target(name: "SwitchboardTransport", swiftSettings: hotPath),
        // The runtime: coordinator, sessions, configuration, auth.
        .target(
            name: "SwitchboardNode",
            dependencies: ["SwitchboardCore", "SwitchboardProtocol", "SwitchboardTransport", "SwitchboardLog"],
            swiftSettings: hotPath
        ),
        // An async client over one connection: used by the CLI, the benchmarks and the tests.
        .target(
            name: "SwitchboardClient",
            dependencies: ["SwitchboardCore", "SwitchboardProtocol", "SwitchboardTransport"]
        ),
        .executableTarget(
            name: "switchboard",
            dependencies: ["SwitchboardCore", "SwitchboardProtocol", "SwitchboardNode", "SwitchboardClient", "SwitchboardLog"]
        ),
        // The comparison's load generator (one driver, an adapter per system), the servers it
        // starts, and its report writers: a library so the tests can drive them.
        .target(
            name: "SwitchboardBenchKit",
            dependencies: ["SwitchboardTransport"],
            path: "Benchmarks/SwitchboardBenchKit"
        ),
        .executableTarget(
            name: "switchboard-bench",
            dependencies: ["SwitchboardCore", "SwitchboardProtocol", "SwitchboardClient", "SwitchboardNode", "SwitchboardLog",
                           "SwitchboardBenchKit"],
            path: "Benchmarks/switchboard-bench"
        ),
        .testTarget(
            name: "SwitchboardCoreTests",
            dependencies: ["SwitchboardCore"]
        ),
        .testTarget(
            name: "SwitchboardNodeTests",
            dependencies: ["SwitchboardNode", "SwitchboardClient", "SwitchboardProtocol", "SwitchboardCore", "SwitchboardTransport",
                           "SwitchboardLog"]
        ),
        .testTarget(
            name: "SwitchboardProtocolTests",
            dependencies: ["SwitchboardProtocol", "SwitchboardCore"]
        ),
        .testTarget(
            name: "SwitchboardLogTests",
            dependencies: ["SwitchboardLog", "SwitchboardProtocol"]
        ),
        .testTarget(
            name: "SwitchboardTransportTests",
            dependencies: ["SwitchboardTransport"]
        ),
        .testTarget(
            name: "SwitchboardBenchKitTests",
            dependencies: ["SwitchboardBenchKit", "SwitchboardNode", "SwitchboardTransport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
