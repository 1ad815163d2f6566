import ArgumentParser

/// Exit statuses shared by every subcommand.
enum Status {
  static let conforming: Int32 = 0
  static let violation: Int32 = 1
  static let inputError: Int32 = 2
  static let unknown: Int32 = 3
}

@main
struct RVCheck: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rvcheck",
    abstract: "Formal-style conformance checking for RISC-V Zacas/Zabha.",
    discussion: "Exit status: 0 conforming, 1 violation, 2 usage or input error, 3 unknown (solver gave up).",
    subcommands: [Prove.self, Assemble.self, Bench.self])
}
