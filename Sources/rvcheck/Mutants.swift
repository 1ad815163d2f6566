import ArgumentParser
import DiffCheck
import Foundation
import SpecModel

/// Runs the mutant catalogue: how fast does the checker catch each injected bug?
struct Mutants: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fuzz the built-in emulator with each injected bug; report whether and when it was caught.")

  @Option(name: .long, parsing: .unconditional, help: "Campaign seed.")
  var seed: String = "1"

  @Option(name: .long, parsing: .unconditional, help: "Give up on a mutant after this many programs.")
  var budget = 500

  @Option(name: .long, parsing: .unconditional, help: "Instructions per program.")
  var length = 16

  @OptionGroup var target: TargetOptions

  @Flag(name: .long, help: "List the mutants and what each bug is.")
  var list = false

  func validate() throws {
    _ = try parseSeed(seed)
    guard (1...10_000_000).contains(budget) else { throw ValidationError("--budget must be 1...10000000") }
    guard (1...4096).contains(length) else { throw ValidationError("--length must be 1...4096") }
  }

  func run() throws {
    if list {
      // The longest name sets the column, so that no name is cut and each is one word.
      let column = (Mutant.allCases.map(\.rawValue.count).max() ?? 0) + 2
      for mutant in Mutant.allCases {
        print("\(mutant.rawValue.padding(toLength: column, withPad: " ", startingAt: 0))\(mutant.summary)")
      }
      return
    }
    var missed = 0
    for mutant in Mutant.allCases {
      var options = CampaignOptions(
        seed: try parseSeed(seed), count: budget, length: length, isa: try isa(for: mutant),
        profile: try target.parsedProfile())
      options.stopAfterViolations = 1
      let summary = try Campaign(options: options, emulator: BuiltinEmulator(mutant: mutant)).run()
      if let finding = summary.findings.first {
        print(
          "caught   \(mutant.rawValue) after \(summary.programs) programs: \(finding.rules.joined(separator: ", ")); reproducer has \(finding.reproducer.program.count) instruction(s)"
        )
      } else {
        missed += 1
        print("MISSED   \(mutant.rawValue) in \(summary.programs) programs")
      }
    }
    if missed > 0 { throw ExitCode(Status.violation) }
  }

  /// Pair bugs need register pairs: RV64 `.q` covers them unless --isa says otherwise.
  private func isa(for mutant: Mutant) throws -> ISAString { try target.parsedISA() }
}
