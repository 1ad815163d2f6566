import ArgumentParser
import DiffCheck
import Foundation
import SpecModel

/// Replays corpus cases.
struct Replay: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Replay .rvt cases (files or folders) on an emulator and check them against the spec.")

  @OptionGroup var emulator: EmulatorOptions

  @Argument(help: "Case files or folders of them.")
  var paths: [String]

  @Option(
    name: .long,
    help:
      "Also write each case as a standalone ELF for the emulator (spike or qemu) into this folder, with its command.")
  var writeElf: String?

  @Flag(
    name: .long,
    help:
      "Read the files as known deviations (corpus/known) and say, for each one of this emulator, whether its reproducer still deviates on this release, or no longer does (fixed?)."
  )
  var known = false

  func validate() throws {
    if known && writeElf != nil { throw ValidationError("--known and --write-elf do not go together") }
    if writeElf != nil && !["spike", "qemu"].contains(KnownDeviation.kind(of: emulator.emulator)) {
      throw ValidationError("--write-elf needs --emulator spike or qemu")
    }
  }

  /// Writes `testCase` as a standalone ELF named after `file` and prints how to run it.
  func writeStandalone(_ testCase: CorpusCase, file: String) throws {
    guard let writeElf else { return }
    let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension + ".elf"
    let path = (writeElf as NSString).appendingPathComponent(name)
    let run = try testCase.emulatorCase()
    let (elf, command) =
      KnownDeviation.kind(of: emulator.emulator) == "qemu"
      ? try QemuEmulator.reproducer(run, elfName: path) : try SpikeEmulator.reproducer(run, elfName: path)
    try FileManager.default.createDirectory(atPath: writeElf, withIntermediateDirectories: true)
    try FindingStore.writeAtomically(elf, to: URL(fileURLWithPath: path))
    // Emulators run only files marked executable.
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    print("    standalone: \(command)")
  }

  func run() throws {
    if known { return try knownStatus() }
    let files = try inputFiles(paths, suffix: ".rvt", kind: "cases", command: "replay")
    let replayer = Replayer(emulator: try emulator.factory(mutant: nil)())
    var failed = 0
    var inputErrors = 0
    var unknown = 0
    for file in files {
      do {
        let text = try SourceText.read(file)
        let testCase = try CorpusCase(parsing: text, file: file)
        let result = try replayer.replay(testCase)
        if result.passed {
          print("ok       \(file)")
        } else {
          if case .unknown = result.verdict { unknown += 1 } else { failed += 1 }
          print("FAILED   \(file)")
          for problem in result.problems { print("    \(problem)") }
        }
        try writeStandalone(testCase, file: file)
      } catch let error as CorpusError {
        inputErrors += 1
        report(error.description)
      } catch let error as SourceError {
        inputErrors += 1
        report(error.description)
      } catch {
        inputErrors += 1
        report("\(file): error: \(error)")
      }
    }
    var closing = "\(files.count - failed - inputErrors - unknown) passed, \(failed) failed"
    if inputErrors > 0 { closing += ", \(inputErrors) unreadable" }
    if unknown > 0 { closing += ", \(unknown) unknown" }
    print(closing)
    if failed > 0 { throw ExitCode(Status.violation) }
    if inputErrors > 0 { throw ExitCode(Status.inputError) }
    if unknown > 0 { throw ExitCode(Status.unknown) }
  }

  /// For each known deviation of this emulator: does its reproducer still deviate on the release
  /// under test? A release where one no longer does is reported plainly, as news about the fix.
  func knownStatus() throws {
    let files = try inputFiles(paths, suffix: ".rvt", kind: "known deviations", command: "replay --known")
    let tested = try emulator.factory(mutant: nil)()
    var inputErrors = 0
    var undecided = 0
    var fixed: [String] = []
    for file in files {
      let deviation: KnownDeviation
      do {
        deviation = try KnownDeviation(parsing: try SourceText.read(file), file: file)
      } catch let error as CorpusError {
        inputErrors += 1
        report(error.description)
        continue
      } catch let error as SourceError {
        inputErrors += 1
        report(error.description)
        continue
      }
      guard deviation.emulator == KnownDeviation.kind(of: tested.name) else { continue }
      let release = tested.version(for: deviation.reproducer.isa)
      let claim: String
      if let range = deviation.versions {
        let listed =
          "\(range.low.map(String.init).joined(separator: "."))–\(range.high.map(String.init).joined(separator: "."))"
        claim =
          deviation.applies(to: tested.name, version: release)
          ? "listed for \(listed)" : "listed for \(listed) only: outside the range"
      } else {
        claim = "listed for every release"
      }
      let on = tested.name.contains("@") ? tested.name : "\(tested.name)\(release.map { " \($0)" } ?? "")"
      switch try KnownDeviationStatus.of(deviation, on: tested) {
      case .reproduces:
        print("reproduces          \(deviation.name) on \(on) (\(claim))")
      case .noLongerReproduces:
        fixed.append(deviation.name)
        print("no longer reproduces \(deviation.name) on \(on) (\(claim)): fixed in \(release ?? "this release")?")
      case .changed(let differences):
        undecided += 1
        print(
          "changed             \(deviation.name) on \(on): still deviates (\(differences.joined(separator: "; "))), but its probe no longer confirms the cause"
        )
      case .undecided(let reason):
        undecided += 1
        print("undecided           \(deviation.name) on \(on): \(reason)")
      }
    }
    print("\(files.count - inputErrors) known deviation file(s) read; \(fixed.count) no longer reproduce")
    if inputErrors > 0 { throw ExitCode(Status.inputError) }
    if undecided > 0 { throw ExitCode(Status.unknown) }
  }
}
