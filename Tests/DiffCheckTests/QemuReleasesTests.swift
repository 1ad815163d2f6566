import Foundation
import Testing

@testable import DiffCheck
@testable import SpecModel

/// A stand-in for one QEMU release, installing nothing: the built-in emulator, with or without
/// the x0 bug, named and numbered as `--emulator qemu@RELEASE` names a real one.
struct FakeQemuRelease: Emulator {
  let release: String
  let mutant: Mutant?
  var name: String { "qemu@\(release)" }
  func version(for isa: ISAString) -> String? { release }
  func run(_ cases: [EmulatorCase]) -> [EmulatorOutcome] { BuiltinEmulator(mutant: mutant).run(cases) }
}

/// Several releases of one emulator in one campaign: a column each, and known deviations matched
/// per release, with a probe-confirmed deviation outside its range reported for review.
@Suite struct QemuReleasesTests {
  /// The project's x0 deviation, its range narrowed to 10.0.x as it was before 11.1.3 was reviewed.
  static func x0Deviation(range: String = "10.0.0 10.0.13") throws -> KnownDeviation {
    let file = KnownDeviationTests.knownFolder.appendingPathComponent("qemu-amocas-x0-clobbers-zero.rvt").path
    let text = try String(contentsOfFile: file, encoding: .utf8)
      .split(separator: "\n", omittingEmptySubsequences: false)
      .map { $0.hasPrefix("known versions ") ? "known versions \(range)" : String($0) }
      .joined(separator: "\n")
    return try KnownDeviation(parsing: text, file: file)
  }

  func campaign(_ releases: [FakeQemuRelease], known: [KnownDeviation]) throws -> CampaignSummary {
    var options = CampaignOptions(
      seed: 3, count: 120, length: 16, isa: try ISAString(parsing: "rv64ima_zacas_zabha"), profile: .spike)
    options.map = .userMode
    options.known = known
    return try Campaign(options: options, emulators: releases).run()
  }

  @Test func eachReleaseHasItsColumnAndItsOwnKnownDeviations() throws {
    let summary = try campaign(
      [
        FakeQemuRelease(release: "10.0.13", mutant: .casX0ClobbersZero),
        FakeQemuRelease(release: "11.1.3", mutant: .casX0ClobbersZero),
        FakeQemuRelease(release: "12.0.0", mutant: nil),
      ], known: [try Self.x0Deviation()])
    #expect(summary.columns.map(\.name) == ["qemu@10.0.13", "qemu@11.1.3", "qemu@12.0.0"])
    let (listed, newer, fixed) = (summary.columns[0], summary.columns[1], summary.columns[2])
    // In range: known. Outside it, but the probe confirms the cause: known, and flagged for review.
    #expect(listed.known > 0 && listed.violations == 0)
    #expect(newer.known == listed.known && newer.violations == 0)
    #expect(summary.outsideRange == ["qemu-amocas-x0-clobbers-zero": ["11.1.3"]])
    // A release without the bug shows nothing, and every column checked every program.
    #expect(fixed.known == 0 && fixed.violations == 0)
    #expect(summary.columns.allSatisfy { $0.checked == summary.programs })
    #expect(summary.findings.isEmpty)
  }

  /// The probe must confirm the cause: another bug on a release outside the range stays new.
  @Test func anotherBugOutsideTheRangeIsNew() throws {
    let summary = try campaign(
      [
        FakeQemuRelease(release: "10.0.13", mutant: .casX0ClobbersZero),
        FakeQemuRelease(release: "11.1.3", mutant: .wordNotSignExtended),
      ], known: [try Self.x0Deviation()])
    #expect(summary.columns[0].known > 0 && summary.columns[0].violations == 0)
    #expect(summary.columns[1].known == 0 && summary.columns[1].violations > 0)
    #expect(summary.outsideRange.isEmpty)
  }

  /// A range that lists the release claims it outright: nothing to review.
  @Test func aWidenedRangeNeedsNoReview() throws {
    let summary = try campaign(
      [FakeQemuRelease(release: "11.1.3", mutant: .casX0ClobbersZero)],
      known: [try Self.x0Deviation(range: "10.0.0 11.1.3")])
    #expect(summary.columns[0].known > 0 && summary.columns[0].violations == 0)
    #expect(summary.outsideRange.isEmpty)
  }

  /// Replayed on a release, a deviation either still shows, or no longer does (fixed?).
  @Test func aFixedReleaseIsNoticed() throws {
    let deviation = try Self.x0Deviation()
    #expect(
      try KnownDeviationStatus.of(deviation, on: FakeQemuRelease(release: "11.1.3", mutant: .casX0ClobbersZero))
        == .reproduces)
    #expect(
      try KnownDeviationStatus.of(deviation, on: FakeQemuRelease(release: "12.0.0", mutant: nil)) == .noLongerReproduces
    )
    // Still wrong, but not the way the probe confirms: reported as changed, not as the deviation.
    guard
      case .changed = try KnownDeviationStatus.of(
        deviation, on: FakeQemuRelease(release: "12.0.0", mutant: .swapStoredOnFailure))
    else {
      Issue.record("a different bug was taken for the known deviation")
      return
    }
  }

  @Test func releasesAreReadFromVersionFoldersOnly() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-releases-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    for name in ["11.1.3", "10.0.13", "9.2", "notes"] {
      try FileManager.default.createDirectory(
        at: folder.appendingPathComponent(name), withIntermediateDirectories: true)
    }
    try FileManager.default.createSymbolicLink(
      atPath: folder.appendingPathComponent("stable").path, withDestinationPath: "10.0.13")
    #expect(QemuLocator.releases(in: folder.path) == ["9.2", "10.0.13", "11.1.3"])
  }
}
