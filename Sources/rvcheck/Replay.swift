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

  func validate() throws {
    if writeElf != nil && !["spike", "qemu"].contains(emulator.emulator) {
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
      emulator.emulator == "qemu"
      ? try QemuEmulator.reproducer(run, elfName: path) : try SpikeEmulator.reproducer(run, elfName: path)
    try FileManager.default.createDirectory(atPath: writeElf, withIntermediateDirectories: true)
    try FindingStore.writeAtomically(elf, to: URL(fileURLWithPath: path))
    // Emulators run only files marked executable.
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    print("    standalone: \(command)")
  }

  func run() throws {
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
}
