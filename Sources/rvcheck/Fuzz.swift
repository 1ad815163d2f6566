import ArgumentParser
import DiffCheck
import Foundation
import SpecModel

/// A fuzz campaign: random programs, solver-chosen initial states, an emulator, the spec's verdict.
struct Fuzz: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Generate programs, run them on an emulator and check every outcome against the spec.")

  @Option(name: .long, help: "Campaign seed (decimal or 0x-hex); the same seed gives the same programs.")
  var seed: String = "1"

  @Option(name: .long, help: "Programs to check.")
  var count = 1_000

  @Option(name: .long, help: "Index of the first program (program i of a seed is the same in every run).")
  var start = 0

  @Option(name: .long, help: "Instructions per program.")
  var length = 32

  @OptionGroup var target: TargetOptions

  @Option(
    name: .long,
    help: "Worker threads, each with its own solver contexts (results do not depend on it). Default: one per core.")
  var jobs = min(ProcessInfo.processInfo.activeProcessorCount, 64)

  @OptionGroup var emulator: EmulatorOptions

  @Option(name: .long, help: "Inject a bug into the built-in emulator (see 'rvcheck mutants --list').")
  var mutant: String?

  @Option(name: .long, help: "Generator weights, e.g. amocas=30,alu=20,load=10,store=10,lrsc=5,amo=10.")
  var weights: String?

  @Option(name: .long, help: "Write each finding's shrunk reproducer into this folder.")
  var findings: String?

  @Flag(name: .long, help: "Do not shrink findings.")
  var noShrink = false

  @Option(name: .long, help: "Output format: text or json.")
  var format: OutputFormat = .text

  @Flag(name: .long, help: "Add wall-clock times (which differ from run to run) to the report.")
  var timing = false

  func validate() throws {
    _ = try parseSeed(seed)
    guard count > 0 else { throw ValidationError("--count must be positive") }
    guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be 1...64") }
    guard start >= 0 else { throw ValidationError("--start must not be negative") }
    guard (1...4096).contains(length) else { throw ValidationError("--length must be 1...4096") }
    if mutant != nil && emulator.emulator != "builtin" { throw ValidationError("--mutant needs --emulator builtin") }
    if let mutant, Mutant(rawValue: mutant) == nil {
      throw ValidationError("unknown mutant '\(mutant)'; 'rvcheck mutants --list' lists them")
    }
    if let weights { do { _ = try GeneratorWeights(parsing: weights) } catch { throw ValidationError(error.message) } }
  }

  func run() throws {
    var options = CampaignOptions(
      seed: try parseSeed(seed), count: count, length: length, isa: try target.parsedISA(),
      profile: try target.parsedProfile())
    if let weights { options.weights = try GeneratorWeights(parsing: weights) }
    options.shrink = !noShrink
    options.start = start
    let injected = mutant.flatMap(Mutant.init(rawValue:))
    let start = Date()
    let makeEmulator = try emulator.factory(mutant: injected)
    if emulator.emulator != "builtin" { options.batchSize = 256 }
    if emulator.emulator == "qemu" { options.map = .userMode }
    var summary = try ParallelCampaign(options: options, jobs: jobs, makeEmulator: makeEmulator).run()
    let seconds = Date().timeIntervalSince(start)
    if emulator.emulator == "spike" { try attachSpikeCommands(&summary) }
    if let findings { try write(summary.findings, to: findings) }
    switch format {
    case .text: print(SummaryReport.text(summary, seconds: timing ? seconds : nil))
    case .json: print(try SummaryReport.json(summary, seconds: timing ? seconds : nil))
    }
    if !summary.findings.isEmpty { throw ExitCode(1) }
    if summary.unknowns > 0 || !summary.emulatorFailures.isEmpty || !summary.unsupportedForms.isEmpty {
      throw ExitCode(3)
    }
  }

  private func baseName(_ finding: Finding) -> String { "seed\(seed)-program\(finding.programIndex)" }

  /// Each Spike finding's reproducer names the standalone ELF and the Spike command that runs it.
  private func attachSpikeCommands(_ summary: inout CampaignSummary) throws {
    summary.findings = try summary.findings.map { finding in
      var finding = finding
      let (_, command) = try SpikeEmulator.reproducer(
        try finding.reproducer.emulatorCase(), elfName: baseName(finding) + ".elf")
      finding.reproducer.comments.append("standalone on Spike: \(command)")
      return finding
    }
  }

  private func write(_ findings: [Finding], to folder: String) throws {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for finding in findings {
      let path = (folder as NSString).appendingPathComponent(baseName(finding))
      try Data(finding.reproducer.text.utf8).write(to: URL(fileURLWithPath: path + ".rvt"), options: .atomic)
      if emulator.emulator == "spike" {
        let (elf, _) = try SpikeEmulator.reproducer(
          try finding.reproducer.emulatorCase(), elfName: baseName(finding) + ".elf")
        try Data(elf).write(to: URL(fileURLWithPath: path + ".elf"), options: .atomic)
      }
    }
  }
}
