import Foundation
import Testing

@testable import DiffCheck
@testable import SpecModel

@Suite struct KnownDeviationTests {
  static let knownFolder = CorpusReplayTests.corpus.appendingPathComponent("known")

  /// A deviation of the built-in emulator's x0-clobber mutant, recognised by the probe only.
  static func entry(emulator: String = "builtin+amocas-x0-clobbers-zero", extra: String = "") -> String {
    """
    # test entry
    known emulator \(emulator)
    known probe split-block-after-amocas-x0
    known command rvcheck replay this.rvt
    known diagnosis x0 keeps an amocas result until the block ends
    \(extra)
    isa rv64ima_zacas_zabha
    map user-mode
    reg a5 0x80010180
    mem 0x80010180 0x1234567887654321
    program
      amocas.w zero, s9, (a5)
      addi a1, zero, 5
    end
    expect violation rv.alu-result
    """
  }

  @Test func parsesFieldsAndKeepsTheCaseLineNumbers() throws {
    let deviation = try KnownDeviation(
      parsing: Self.entry(extra: "known versions 10.0 10.0.13\nknown key m.result | amocas.w,remuw"),
      file: "corpus/known/x.rvt")
    #expect(deviation.name == "x")
    #expect(deviation.emulator == "builtin+amocas-x0-clobbers-zero")
    #expect(deviation.probe == .splitBlockAfterCasX0)
    #expect(deviation.keys == ["m.result | amocas.w,remuw"])
    #expect(deviation.reproducer.program.count == 2)
    // A case error after the known lines still names its own line.
    let broken = Self.entry().replacingOccurrences(of: "reg a5 0x80010180", with: "reg a5 nonsense")
    #expect(throws: CorpusError(file: "k.rvt", line: 9, message: "expected 'reg REGISTER VALUE'")) {
      try KnownDeviation(parsing: broken, file: "k.rvt")
    }
  }

  @Test(arguments: [
    ("known probe no-such-probe", "unknown probe 'no-such-probe'"),
    ("known versions 10.1 9.0", "LOW no later than HIGH"),
    ("known versions ten", "expected 'known versions LOW HIGH'"),
    ("known key m.result", "a finding key reads 'RULES | FORMS'"),
    ("known colour red", "unknown field 'known colour'"),
    ("known emulator spike", "a second 'known emulator'"),
  ])
  func badFieldsAreErrorsWithALine(line: String, message: String) {
    do {
      _ = try KnownDeviation(parsing: Self.entry(extra: line), file: "k.rvt")
      Issue.record("accepted '\(line)'")
    } catch {
      #expect(error.description.hasPrefix("k.rvt:6:"), "\(error.description)")
      #expect(error.description.contains(message), "\(error.description)")
    }
  }

  @Test func missingFieldsAreNamed() {
    for field in ["emulator", "command", "diagnosis"] {
      let text = Self.entry().split(separator: "\n").filter { !$0.hasPrefix("known \(field)") }.joined(separator: "\n")
      #expect(throws: CorpusError.self) { try KnownDeviation(parsing: text, file: "k.rvt") }
      do { _ = try KnownDeviation(parsing: text, file: "k.rvt") } catch {
        #expect(error.message.contains("known \(field)"), "\(error)")
      }
    }
    let conforming = Self.entry().replacingOccurrences(of: "expect violation rv.alu-result", with: "expect conforms")
    #expect(throws: CorpusError.self) { try KnownDeviation(parsing: conforming, file: "k.rvt") }
  }

  @Test func releasesOutsideTheRangeAreNotClaimed() throws {
    let deviation = try KnownDeviation(
      parsing: Self.entry(emulator: "qemu", extra: "known versions 10.0 10.0.13"), file: "k.rvt")
    #expect(deviation.applies(to: "qemu", version: "10.0.0"))
    #expect(deviation.applies(to: "qemu", version: "10.0.13"))
    #expect(!deviation.applies(to: "qemu", version: "10.0.14"))
    #expect(!deviation.applies(to: "qemu", version: "9.2.1"))
    #expect(!deviation.applies(to: "qemu", version: nil))
    #expect(!deviation.applies(to: "spike", version: "10.0.1"))
    let anyRelease = try KnownDeviation(parsing: Self.entry(emulator: "qemu"), file: "k.rvt")
    #expect(anyRelease.applies(to: "qemu", version: nil))
  }

  @Test func theProbeEndsTheBlockAfterEachTriggerAndDeclinesOtherwise() throws {
    let program = try Assembler.assemble("amocas.w zero, s9, (a5)\naddi a1, zero, 5\namocas.d zero, a2, (a5)")
    let changed = try #require(DeviationProbe.splitBlockAfterCasX0.neutralised(program))
    #expect(
      changed.map(\.assembly) == [
        "amocas.w zero, s9, (a5)", "jal zero, 4", "addi a1, zero, 5", "amocas.d zero, a2, (a5)",
      ])
    #expect(
      DeviationProbe.splitBlockAfterCasX0.neutralised(try Assembler.assemble("amocas.w t0, s9, (a5)\naddi a1, zero, 5"))
        == nil)
    #expect(
      DeviationProbe.splitBlockAfterCasX0.neutralised(
        try Assembler.assemble("amocas.w zero, s9, (a5)\nbeq a1, zero, 8\naddi a1, zero, 5")) == nil)
  }

  func campaign(
    _ mutant: Mutant, known: [KnownDeviation], count: Int = 100, stopAfter: Int? = nil
  ) throws -> CampaignSummary {
    var options = CampaignOptions(
      seed: 1, count: count, length: 16, isa: try ISAString(parsing: "rv64ima_zacas_zabha"), profile: .spike)
    options.known = known
    options.stopAfterViolations = stopAfter
    return try Campaign(options: options, emulator: BuiltinEmulator(mutant: mutant)).run()
  }

  /// The deviation's findings are counted as known; without the entry they are violations.
  @Test func aKnownDeviationIsReportedAsKnown() throws {
    let deviation = try KnownDeviation(parsing: Self.entry(), file: "corpus/known/x0.rvt")
    let without = try campaign(.casX0ClobbersZero, known: [])
    #expect(!without.findings.isEmpty, "the mutant should be caught")
    let with = try campaign(.casX0ClobbersZero, known: [deviation])
    #expect(with.findings.isEmpty, "\(with.findings.map { FindingStore.key($0) })")
    // Every violating program: each finding, each repeat counted under one, and the known ones.
    #expect(with.knownCounts["x0"] == without.findings.count + without.repeats.count + without.knownTotal)
    #expect(with.knownExamples.allSatisfy { $0.known == "x0" })
    #expect(with.knownExamples.count <= CampaignSummary.knownExamplesKept)
  }

  /// Another bug on the same emulator is not hidden by the entry, nor is the same bug on an
  /// emulator the entry does not name.
  @Test func anUnknownDeviationStillFails() throws {
    let deviation = try KnownDeviation(parsing: Self.entry(), file: "x0.rvt")
    let other = try campaign(.wordNotSignExtended, known: [deviation], stopAfter: 1)
    #expect(!other.findings.isEmpty)
    #expect(other.knownTotal == 0)
    let elsewhere = try KnownDeviation(parsing: Self.entry(emulator: "qemu"), file: "x0.rvt")
    let unclaimed = try campaign(.casX0ClobbersZero, known: [elsewhere])
    #expect(!unclaimed.findings.isEmpty && unclaimed.knownTotal == 0)
  }

  /// A listed key is enough, without a probe.
  @Test func aListedKeyIsKnown() throws {
    let found = try campaign(.casX0ClobbersZero, known: [])
    let first = try #require(found.findings.first)
    let text = Self.entry().replacingOccurrences(
      of: "known probe split-block-after-amocas-x0", with: "known key \(FindingStore.key(first))")
    let summary = try campaign(.casX0ClobbersZero, known: [try KnownDeviation(parsing: text, file: "k.rvt")])
    // The programs with the listed key: its findings and the repeats counted under them.
    let listed = found.findings.filter { FindingStore.key($0) == FindingStore.key(first) }
    let repeatsOfListed = found.repeats.filter { one in listed.contains { $0.programIndex == one.sameAs } }
    #expect(summary.knownCounts["k"] == listed.count + repeatsOfListed.count)
    #expect(
      summary.findings.count + summary.repeats.count
        == found.findings.count + found.repeats.count - (summary.knownCounts["k"] ?? 0))
  }

  /// The project's reviewed entries parse, and each reproducer conforms on the built-in emulator:
  /// the deviation is the other emulator's, not an artefact of the spec.
  @Test func theCorpusEntriesAreWellFormedAndTheSpecAgreesWithTheBuiltIn() throws {
    let entries = try KnownDeviation.load(folder: Self.knownFolder.path)
    #expect(!entries.isEmpty)
    for entry in entries {
      #expect(!entry.command.isEmpty && !entry.diagnosis.isEmpty)
      let report = try Replayer(emulator: BuiltinEmulator()).replay(entry.reproducer)
      guard case .conforms = report.verdict else {
        Issue.record("\(entry.name): the built-in emulator violates the spec too: \(report.verdict)")
        continue
      }
    }
  }

  /// The platform probe applies only where the spec's run stops at a misaligned plain access,
  /// and lets exactly plain misaligned accesses execute.
  @Test func thePlainMisalignedProbeReinterpretsOnlyPlainAccesses() throws {
    let probe = DeviationProbe.plainMisalignedExecutes
    let program = try Assembler.assemble("sd t2, 0(a0)\namocas.w t0, t1, (a1)")
    let atStore = probe.reinterpretation(program, .spike, specTrap: ConcreteTrap(cause: 6, tval: 3, index: 0))
    let profile = try #require(atStore)
    #expect(profile.plainMisaligned == [.execute])
    #expect(profile.amoMisaligned == Profile.spike.amoMisaligned)
    #expect(probe.reinterpretation(program, .spike, specTrap: ConcreteTrap(cause: 6, tval: 3, index: 1)) == nil)
    #expect(probe.reinterpretation(program, .spike, specTrap: ConcreteTrap(cause: 7, tval: 3, index: 0)) == nil)
    #expect(probe.reinterpretation(program, .spike, specTrap: nil) == nil)
    #expect(DeviationProbe.splitBlockAfterCasX0.reinterpretation(program, .spike, specTrap: nil) == nil)
  }

  /// The SC-abort probe explains only QEMU's abort, where the spec stops at a misaligned SC.
  @Test func theSCAbortProbeExplainsOnlyThatAbort() throws {
    let probe = DeviationProbe.misalignedSCAborts
    let program = try Assembler.assemble("sc.w a4, a2, (a1)\namoadd.w a4, a2, (a1)")
    let abort = "qemu exited with status 1: qemu: unhandled CPU exception 0x6 - aborting"
    #expect(probe.explainsFailure(abort, program, specTrap: ConcreteTrap(cause: 6, tval: 2, index: 0)))
    #expect(!probe.explainsFailure(abort, program, specTrap: ConcreteTrap(cause: 6, tval: 2, index: 1)))
    #expect(!probe.explainsFailure(abort, program, specTrap: ConcreteTrap(cause: 7, tval: 2, index: 0)))
    #expect(!probe.explainsFailure(abort, program, specTrap: nil))
    #expect(
      !probe.explainsFailure("qemu crashed with signal 8", program, specTrap: ConcreteTrap(cause: 6, tval: 2, index: 0))
    )
    #expect(
      !DeviationProbe.splitBlockAfterCasX0.explainsFailure(
        abort, program, specTrap: ConcreteTrap(cause: 6, tval: 2, index: 0)))
  }

  /// Known examples without rules survive the campaign state's round trip (they are saved as
  /// `expect violation` with no rule).
  @Test func knownExamplesSurviveTheSavedState() throws {
    let deviation = try KnownDeviation(parsing: Self.entry(), file: "x0.rvt")
    var options = CampaignOptions(
      seed: 1, count: 100, length: 16, isa: try ISAString(parsing: "rv64ima_zacas_zabha"), profile: .spike)
    options.known = [deviation]
    let (summary, done) = try Campaign(options: options, emulator: BuiltinEmulator(mutant: .casX0ClobbersZero))
      .run(indices: Array(0..<100))
    #expect(summary.knownTotal > 0)
    var state = CampaignState(options: options, emulator: "builtin+amocas-x0-clobbers-zero", shard: .whole, weights: "")
    state.add(done, summary)
    let restored = try state.summary(options: options)
    #expect(restored.knownCounts == summary.knownCounts)
    #expect(restored.knownExamples.map(\.reproducer.text) == summary.knownExamples.map(\.reproducer.text))
  }
}

@Suite struct SeveralEmulatorsTests {
  /// Every program runs on each emulator; each has its own column, and a finding names the
  /// emulators that show it.
  @Test func eachEmulatorHasAColumnAndFindingsNameTheirEmulators() throws {
    var options = CampaignOptions(
      seed: 1, count: 40, length: 16, isa: try ISAString(parsing: "rv64ima_zacas_zabha"), profile: .spike)
    options.shrink = false
    let buggy = BuiltinEmulator(mutant: .swapStoredOnFailure)
    let summary = try Campaign(
      options: options, emulators: [BuiltinEmulator(), buggy, BuiltinEmulator(mutant: .swapStoredOnFailure)]
    ).run()
    #expect(summary.emulator == "builtin,builtin+swap-stored-on-failure,builtin+swap-stored-on-failure")
    #expect(summary.columns.map(\.name) == ["builtin", buggy.name, buggy.name])
    #expect(summary.columns.allSatisfy { $0.checked == 40 })
    #expect(summary.columns[0].violations == 0)
    #expect(summary.columns[1].violations > 0 && summary.columns[1].violations == summary.columns[2].violations)
    #expect(!summary.findings.isEmpty)
    // Both buggy columns show each finding; the correct one shows none.
    #expect(
      summary.findings.allSatisfy { $0.emulators == [buggy.name, buggy.name] }, "\(summary.findings.map(\.emulators))")
    let single = try Campaign(options: options, emulator: buggy).run()
    #expect(single.findings.map(\.programIndex) == summary.findings.map(\.programIndex))
    #expect(single.findings.allSatisfy { $0.emulators.isEmpty })
    // The coverage of a column counts the programs that emulator checked.
    #expect(summary.columns[0].coverage == summary.coverage.counts)
  }

  /// Columns merge by emulator name, so shards and workers add up.
  @Test func columnsMergeByName() {
    var left = [EmulatorColumn(name: "spike"), EmulatorColumn(name: "qemu")]
    left[0].checked = 3
    var right = [EmulatorColumn(name: "qemu"), EmulatorColumn(name: "builtin")]
    right[0].known = 2
    right[1].checked = 5
    left.merge(right)
    #expect(left.map(\.name) == ["spike", "qemu", "builtin"])
    #expect(left[1].known == 2 && left[2].checked == 5 && left[0].checked == 3)
  }
}

/// The SC probe reinterprets only an unconstrained sequence: a write between the LR and its SC.
@Suite struct SCProbeTests {
  @Test func onlyAWriteBetweenLRAndSCLetsTheSCFail() throws {
    let probe = DeviationProbe.scFailsAfterOwnWrite
    let unconstrained = try Assembler.assemble("lr.w t1, (s8)\namocas.b s3, a1, (t2)\nsc.w zero, a4, (s8)")
    let constrained = try Assembler.assemble("lr.w t1, (s8)\naddi a4, a4, 1\nsc.w zero, a4, (s8)")
    let afterSC = try Assembler.assemble("lr.w t1, (s8)\nsc.w zero, a4, (s8)\nsw a4, 0(s8)")
    let relaxed = try #require(probe.reinterpretation(unconstrained, .spike, specTrap: nil))
    #expect(relaxed.scMayFailSpuriously && !Profile.spike.scMayFailSpuriously)
    #expect(relaxed.amoMisaligned == Profile.spike.amoMisaligned)
    #expect(probe.reinterpretation(constrained, .spike, specTrap: nil) == nil)
    #expect(probe.reinterpretation(afterSC, .spike, specTrap: nil) == nil)
  }
}
