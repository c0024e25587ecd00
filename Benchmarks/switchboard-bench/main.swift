import Foundation

// switchboard-bench: Switchboard's benchmarks. Exit status: 0 done (targets missed or not),
// 1 the benchmark failed, 2 usage error.
exit(BenchCommandLine.run(Array(CommandLine.arguments.dropFirst())))
