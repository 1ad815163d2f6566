import Foundation
import Testing

@testable import DiffCheck
@testable import SpecModel

@Suite(.enabled(if: SpikeSupport.available, "spike not installed"))
struct SpikeBackendTests {
  @Test(arguments: SpikeSupport.corpusFiles)
  func corpusCaseAgreesOnSpike(name: String) throws {
    let testCase = try SpikeSupport.corpusCase("regressions/\(name)")
    let report = try Replayer(emulator: SpikeSupport.emulator).replay(testCase)
    #expect(report.problems.isEmpty, "\(name): \(report.problems)")
  }

  @Test(arguments: ["rv64ima_zacas_zabha", "rv32ima_zacas_zabha"])
  func shortCampaignConformsOnSpike(isa: String) throws {
    var options = CampaignOptions(
      seed: 11, count: 24, length: 10, isa: try ISAString(parsing: isa), profile: .spike)
    options.batchSize = 256
    let summary = try Campaign(options: options, emulator: SpikeSupport.emulator).run()
    #expect(summary.programs == 24)
    #expect(summary.emulatorFailures.isEmpty, "\(summary.emulatorFailures)")
    #expect(summary.findings.isEmpty, "\(summary.findings.map(\.rules))")
    #expect(summary.unknowns == 0)
  }

  /// The comparison is live: a profile that expects access faults for misaligned amocas
  /// disagrees with Spike, and the violation names that profile's rule.
  @Test func aProfileThatDisagreesWithSpikeIsCaught() throws {
    var testCase = try SpikeSupport.corpusCase("regressions/zacas-w-misaligned.rvt")
    testCase.profile = .accessFault
    testCase.expected = []
    testCase.rejections = []
    testCase.expectation = .conforms
    let report = try Replayer(emulator: SpikeSupport.emulator).replay(testCase)
    guard case .violation(let rules, _) = report.verdict else {
      Issue.record("expected a violation, got \(report.verdict)")
      return
    }
    #expect(rules.contains { $0.hasPrefix("profile.access-fault.misaligned") }, "\(rules)")
  }

  /// A case that never ends uses up the batch's instruction cap; the batch is split until that case
  /// is alone, and every other case still gets its outcome.
  @Test func aRunawayCaseIsIsolated() throws {
    let isa = try ISAString(parsing: "rv64ima_zacas")
    let addOne: UInt32 = 0x0010_8093  // addi x1, x1, 1
    let selfLoop: UInt32 = 0x0000_006F  // jal x0, 0
    let cases = (0..<6).map { index in
      EmulatorCase(
        isa: isa, words: index == 3 ? [selfLoop] : [addOne, addOne], initial: SpikeSupport.state([1: UInt64(index)]),
        memoryMap: .standard(xlen: 64))
    }
    let outcomes = SpikeSupport.emulator.run(cases)
    for (index, outcome) in outcomes.enumerated() {
      if index == 3 {
        #expect(outcome == .failed(SpikeBatch.unfinished))
      } else if case .finished(let state) = outcome {
        #expect(state.registers[1] == UInt64(index) + 2)
      } else {
        Issue.record("case \(index): \(outcome)")
      }
    }
  }

  @Test func casesOutsideTheHarnessLayoutAreRefused() throws {
    let isa = try ISAString(parsing: "rv64ima")
    let odd = MemoryMap(regions: [.init(base: 0x9000_0000, size: 64, access: .readWrite)])
    let outcome = SpikeSupport.emulator.run([
      EmulatorCase(isa: isa, words: [0x13], initial: SpikeSupport.state(map: odd), memoryMap: odd)
    ])[0]
    guard case .failed(let reason) = outcome else {
      Issue.record("expected a failure, got \(outcome)")
      return
    }
    #expect(reason.contains("does not fit the Spike harness"))
  }

  /// The reproducer ELF runs under plain Spike with the printed command line, and its signature
  /// shows what the backend observed.
  @Test func aReproducerRunsStandalone() throws {
    let testCase = try SpikeSupport.corpusCase("regressions/zacas-d-failure.rvt").emulatorCase()
    let folder = try SpikeSupport.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let elf = folder.appendingPathComponent("finding.elf").path
    let (bytes, command) = try SpikeEmulator.reproducer(testCase, elfName: elf)
    try Data(bytes).write(to: URL(fileURLWithPath: elf))
    #expect(command.hasPrefix("spike --isa=rv64ima_zacas_zifencei -m0x80000000:"))
    let arguments = Array(command.split(separator: " ").dropFirst().map(String.init))
    let result = runProcess(SpikeSupport.path!, arguments, timeout: .seconds(60), scratch: folder)
    #expect(result.end == .exited(0), "\(result.errors)")
    let signature = try String(contentsOfFile: folder.appendingPathComponent("finding.sig").path, encoding: .utf8)
    let batch = try SpikeBatch([testCase])
    let standalone = batch.outcomes(try batch.signatureBytes(signature))[0]
    let backend = SpikeSupport.emulator.run([testCase])[0]
    #expect(standalone == backend)
    guard case .finished = standalone else {
      Issue.record("standalone run gave \(standalone)")
      return
    }
  }
}
