import Foundation
import SpecModel
import Testing

@testable import DiffCheck

/// A QEMU campaign long enough to meet the x0 clobber's host crash (SIGFPE): the crash is counted
/// as the known deviation, and its reproducer round-trips through the state file, `--resume`, the
/// findings folder and the report page.
@Suite(
  .enabled(
    if: (try? QemuLocator.locate(xlen: 64)).map {
      QemuLocator.buildsBareModel($0, try! ISAString(parsing: "rv64ima_zacas_zabha"))
    } ?? false, "no QEMU with Zacas"))
struct QemuKnownCrashTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// Seed 1 meets a host crash of QEMU 10.0 (signal 8 after an amocas with rd = x0) within its first
  /// 60 programs of 12 instructions.
  @Test func aKnownCrashIsCountedAndSurvivesTheStateFile() throws {
    let version = QemuEmulator().version(for: try ISAString(parsing: "rv64ima_zacas_zabha")) ?? ""
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qemu-crash-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let state = folder.appendingPathComponent("state.json").path
    let findings = folder.appendingPathComponent("findings").path
    let summary = folder.appendingPathComponent("summary.json").path
    let known = Self.root.appendingPathComponent("corpus/known").path
    let campaign = [
      "fuzz", "--emulator", "qemu", "--seed", "1", "--count", "60", "--length", "12", "--quiet", "--known", known,
      "--state", state, "--findings", findings, "--report-json", summary,
    ]
    let first = try BinaryRunner.run(campaign, in: folder)
    #expect(first.status == 0, "\(first.output)\(first.error)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: summary))) as? [String: Any]
    let examples = (json?["knownExamples"] as? [[String: Any]]) ?? []
    let crashes = examples.filter { ($0["reproducer"] as? String)?.contains("the emulator failed") == true }
    if version.hasPrefix("10.0.") {
      #expect(!crashes.isEmpty, "no known crash met on QEMU \(version): \(examples.count) known examples")
    }
    for crash in crashes {
      // The reproducer is a case the reader takes: the spec expects the program to run.
      let text = try #require(crash["reproducer"] as? String)
      let parsed = try CorpusCase(parsing: text, file: "known crash")
      #expect(parsed.expectation == .conforms)
    }
    // The state file written after the crash is read again, whole.
    let resumed = try BinaryRunner.run(campaign + ["--resume"], in: folder)
    #expect(resumed.status == 0, "\(resumed.output)\(resumed.error)")
    #expect(!resumed.error.contains("unknown rule"), "\(resumed.error)")
    // --strict fails on the known deviations, the crash among them.
    if !crashes.isEmpty {
      let strict = try BinaryRunner.run(
        campaign.filter { $0 != "--quiet" } + ["--strict", "--state", folder.appendingPathComponent("s2.json").path],
        in: folder)
      #expect(strict.status == 1, "\(strict.output)\(strict.error)")
    }
    let page = folder.appendingPathComponent("report.html").path
    let report = try BinaryRunner.run(["report", summary, findings, "-o", page], in: folder)
    #expect(report.status == 0, "\(report.output)\(report.error)")
  }
}
