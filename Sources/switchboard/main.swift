import Foundation

// The `switchboard` command: subcommands for the support floor. Exit status: 0 success,
// 1 the floor refused, 2 usage error.
let arguments = Array(CommandLine.arguments.dropFirst())
exit(await CommandLineInterface.run(arguments))
