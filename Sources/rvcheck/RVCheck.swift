import ArgumentParser
import Foundation

/// Exit statuses shared by every subcommand.
enum Status {
  static let conforming: Int32 = 0
  static let violation: Int32 = 1
  static let inputError: Int32 = 2
  static let unknown: Int32 = 3
}

@main
struct RVCheck: ParsableCommand {
  /// The release, printed by --version and written into every fuzz summary.
  static let version = "0.4.0"

  /// Runs the command; usage and validation errors exit with 2, as every rvcheck input error does.
  static func main() {
    // `help NAME` for a command that does not exist is a usage error, not help.
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.first == "help", arguments.count > 1,
      !configuration.subcommands.contains(where: { $0._commandName == arguments[1] })
    {
      FileHandle.standardError.write(Data("rvcheck help: no command '\(arguments[1].prefix(80))'\n".utf8))
      Foundation.exit(Status.inputError)
    }
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      if exitCode(for: error) == .validationFailure {
        FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
        Foundation.exit(Status.inputError)
      }
      exit(withError: error)
    }
  }

  static let configuration = CommandConfiguration(
    commandName: "rvcheck",
    abstract: "Formal-style conformance checking for RISC-V Zacas/Zabha.",
    discussion: "Exit status: 0 conforming, 1 violation, 2 usage or input error, 3 unknown (solver gave up).",
    version: RVCheck.version,
    subcommands: [
      Fuzz.self, Replay.self, Mutants.self, Prove.self, Policy.self, Atomics.self, Litmus.self, Report.self, Assemble.self,
      Bench.self,
    ],
    defaultSubcommand: Fuzz.self)
}
