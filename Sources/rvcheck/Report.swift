import ArgumentParser
import DiffCheck
import Foundation

/// Builds the nightly report page.
struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Build one self-contained HTML page from fuzz JSON summaries, findings folders, policy, atomics and litmus JSON.",
    discussion:
      "Inputs are fuzz --report-json (or --format json) files of one or many nights, findings folders, policy, atomics and litmus --format json files; the kind of each is read from its content."
  )

  @Argument(help: "Fuzz summaries, findings folders, policy, atomics and litmus reports.")
  var inputs: [String]

  @Option(name: .shortAndLong, help: "The page to write.")
  var out = "report.html"

  func run() throws {
    let report: NightlyReport
    do { report = try NightlyReport(paths: inputs) } catch {
      FileHandle.standardError.write(Data("rvcheck report: \(error.description)\n".utf8))
      throw ExitCode(Status.inputError)
    }
    do {
      try FindingStore.writeAtomically(Array(report.html().utf8), to: URL(fileURLWithPath: out))
    } catch {
      FileHandle.standardError.write(Data("rvcheck report: \(error)\n".utf8))
      throw ExitCode(Status.inputError)
    }
    print(
      "wrote \(out): \(report.runs.count) fuzz run(s), \(report.findings.count) finding file(s), \(report.policies.count) policy report(s), \(report.atomics.count) atomics report(s), \(report.litmus.count) litmus test(s)"
    )
  }
}
