import Foundation
import Testing

@testable import DiffCheck
@testable import SpecModel

@Suite(.enabled(if: QemuEmulator.locate(xlen: 64) != nil, "qemu-user not installed"))
struct QemuBackendTests {
  static let map = MemoryMap.userMode(xlen: 64)

  func run(_ words: [UInt32], _ registers: [Int: UInt64] = [:], isa: String = "rv64ima") throws -> EmulatorOutcome {
    let parsed = try ISAString(parsing: isa)
    let map = MemoryMap.userMode(xlen: parsed.xlen)
    var initial = ConcreteState.zeroed(map)
    for (number, value) in registers { initial.registers[number] = value }
    initial.memory[0x8001_0000] = 0x5A
    return QemuEmulator().run([EmulatorCase(isa: parsed, words: words, initial: initial, memoryMap: map)])[0]
  }

  @Test func runsAProgramAndReportsRegistersAndMemory() throws {
    // addi x1, x1, 5; lb x6, 0(x5); sb x1, 1(x5)
    let outcome = try run([0x0050_8093, 0x0002_8303, 0x0012_80A3], [1: 10, 5: 0x8001_0000, 31: 0x1234])
    guard case .finished(let state) = outcome else {
      Issue.record("\(outcome)")
      return
    }
    #expect(state.trap == nil)
    #expect(state.registers[1] == 15)
    #expect(state.registers[6] == 0x5A)
    #expect(state.registers[31] == 0x1234)
    #expect(state.memory[0x8001_0001] == 15)
  }

  @Test func faultsBecomeTraps() throws {
    // sw x1, 0(x5) into the read-only window: a store access fault at instruction 1.
    let outcome = try run([0x0010_8093, 0x0012_A023], [5: 0x8001_2000])
    guard case .finished(let state) = outcome else {
      Issue.record("\(outcome)")
      return
    }
    #expect(state.trap == ConcreteTrap(cause: 7, tval: 0x8001_2000, index: 1))
    #expect(state.registers[1] == 1)
  }

  @Test func anIllegalInstructionIsCauseTwo() throws {
    let outcome = try run([0x0010_8093, 0xFFFF_FFFF])
    guard case .finished(let state) = outcome else {
      Issue.record("\(outcome)")
      return
    }
    #expect(state.trap?.cause == 2 && state.trap?.index == 1)
  }

  @Test(arguments: ["rv64ima_zacas_zabha", "rv32ima_zacas_zabha"])
  func amocasSupportIsProbedAndReportedPerForm(isa: String) throws {
    // amocas.w x10, x12, (x5)
    let outcome = try run([0x28C2_A52F], [5: 0x8001_0000], isa: isa)
    switch outcome {
    case .unsupported(let form):
      #expect(form == "amocas.w")
      #expect(!QemuSupport.withZacas, "a QEMU with Zacas reported amocas.w unsupported")
    case .finished(let state): #expect(state.trap == nil, "a QEMU with Zacas should run amocas.w")
    case .failed(let reason): Issue.record(Comment(rawValue: reason))
    }
  }

  @Test func theStandardMapIsRefusedWithAReason() throws {
    let isa = try ISAString(parsing: "rv64ima")
    let map = MemoryMap.standard(xlen: 64)
    let outcome = QemuEmulator().run([
      EmulatorCase(isa: isa, words: [0x13], initial: .zeroed(map), memoryMap: map)
    ])[0]
    guard case .failed(let reason) = outcome else {
      Issue.record("\(outcome)")
      return
    }
    #expect(reason.contains("not whole pages"))
  }
}

/// Debian 12's QEMU 7.2, when it is installed: it predates Zacas.
let systemQemuWithoutZacas: Bool = {
  guard FileManager.default.isExecutableFile(atPath: "/usr/bin/qemu-riscv64") else { return false }
  return !QemuLocator.buildsBareModel("/usr/bin/qemu-riscv64", try! ISAString(parsing: "rv64ima_zacas_zabha"))
}()

@Suite(.enabled(if: systemQemuWithoutZacas, "no QEMU without Zacas in /usr/bin"))
struct QemuWithoutZacasTests {
  /// A QEMU without Zacas leaves programs using amocas unchecked and says so per form; the others
  /// are still checked, and nothing counts as a violation.
  @Test func unsupportedFormsAreCountedNotBlamed() throws {
    var options = CampaignOptions(
      seed: 2, count: 4, length: 6, isa: try ISAString(parsing: "rv64ima_zacas_zabha"), profile: .spike)
    options.map = .userMode
    let summary = try Campaign(options: options, emulator: QemuEmulator(executable: "/usr/bin")).run()
    #expect(summary.programs == 4)
    #expect(summary.findings.isEmpty, "\(summary.findings.map(\.rules))")
    #expect(summary.emulatorFailures.isEmpty, "\(summary.emulatorFailures)")
    #expect(summary.checkedPrograms + summary.unsupportedForms.values.reduce(0, +) == 4)
    // amocas forms, and Zabha's byte and halfword AMOs, which the same probe covers.
    let probed = Set(InstructionTable.forms.filter(Oracle.isNarrowAMO).map(\.mnemonic))
    #expect(
      !summary.unsupportedForms.isEmpty
        && summary.unsupportedForms.keys.allSatisfy { name in name.hasPrefix("amocas.") || probed.contains(name) })
  }
}

@Suite(.enabled(if: QemuSupport.withZacas, "no QEMU with Zacas"))
struct QemuCampaignTests {
  static let known = SpikeSupport.corpus.appendingPathComponent("known").path

  /// Every amocas form of the ISA is run and checked on both XLENs; what QEMU gets wrong is the
  /// reviewed x0 deviation, counted as known, and nothing else.
  @Test(arguments: ["rv64ima_zacas_zabha", "rv32ima_zacas_zabha"])
  func everyFormIsCheckedAndOnlyKnownDeviationsAppear(isa: String) throws {
    var options = CampaignOptions(seed: 3, count: 300, length: 8, isa: try ISAString(parsing: isa), profile: .spike)
    options.map = .userMode
    options.known = try KnownDeviation.load(folder: Self.known)
    let summary = try Campaign(options: options, emulator: QemuEmulator()).run()
    #expect(summary.unsupportedForms.isEmpty, "\(summary.unsupportedForms)")
    #expect(summary.findings.isEmpty, "\(summary.findings.map(\.reproducer.text))")
    for form in InstructionTable.forms
    where (form.mnemonic.hasPrefix("amocas") || Oracle.isNarrowAMO(form)) && options.isa.contains(form) {
      let runs = CASOutcome.allCases.reduce(0) { $0 + summary.coverage.count(form.mnemonic, $1) }
      #expect(runs > 0, "\(form.mnemonic) never ran")
    }
  }

  /// The reviewed deviation's reproducer still shows it on this QEMU, and the probe confirms it.
  @Test func theKnownDeviationStillReproduces() throws {
    var replayed = 0
    let emulator = QemuEmulator()
    let version = emulator.version(for: try ISAString(parsing: "rv64ima"))
    for entry in try KnownDeviation.load(folder: Self.known) where entry.emulator == "qemu" {
      guard entry.applies(to: "qemu", version: emulator.version(for: entry.reproducer.isa)) else { continue }
      let report = try Replayer(emulator: emulator).replay(entry.reproducer)
      if entry.probe == .misalignedSCAborts {
        // This deviation is QEMU giving up on the case altogether.
        #expect(report.problems.contains { $0.contains("unhandled CPU exception 0x6") }, "\(report.problems)")
      } else {
        #expect(report.passed, "\(entry.name): \(report.problems)")
      }
      replayed += 1
    }
    // The entries were reviewed on QEMU 10.0; a later release may have fixed them.
    #expect(replayed > 0 || !(version ?? "").hasPrefix("10.0."), "QEMU \(version ?? "?"): no entry replayed")
  }
}

@Suite(.enabled(if: QemuEmulator.locate(xlen: 64) != nil, "qemu-user not installed"))
struct QemuReplayTests {
  static var files: [String] {
    let folder = SpikeSupport.corpus.appendingPathComponent("user-mode")
    return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".rvt") }
      .sorted()
  }

  /// The user-mode corpus agrees on QEMU, except for forms this QEMU lacks, which must be named.
  @Test(arguments: files)
  func userModeCaseReplaysOnQemu(name: String) throws {
    let testCase = try SpikeSupport.corpusCase("user-mode/\(name)")
    let report = try Replayer(emulator: QemuEmulator()).replay(testCase)
    let unsupported = report.problems.allSatisfy { $0.contains("unsupported by this emulator") }
    let usesCAS = testCase.program.contains { $0.mnemonic.hasPrefix("amocas") }
    #expect(report.passed || (usesCAS && unsupported), "\(name): \(report.problems)")
  }
}

@Suite(.enabled(if: QemuSupport.withZacas, "no QEMU with Zacas"))
struct QemuBatchTests {
  static let isa = try! ISAString(parsing: "rv64ima_zacas_zabha")
  static let map = MemoryMap.userMode(xlen: 64)

  func makeCase(_ assembly: String, _ registers: [Int: UInt64], _ words: [UInt64: UInt64] = [:]) throws -> EmulatorCase
  {
    var initial = ConcreteState.zeroed(Self.map)
    for (number, value) in registers { initial.registers[number] = value }
    for (address, word) in words {
      for byte in 0..<UInt64(8) { initial.memory[address + byte] = UInt8(truncatingIfNeeded: word >> (8 * byte)) }
    }
    let words = try Assembler.assemble(assembly).map { try $0.encoded() }
    return EmulatorCase(isa: Self.isa, words: words, initial: initial, memoryMap: Self.map)
  }

  /// One process runs the batch: a fault in the middle is recovered by the harness's handler and
  /// the next case runs; a case that crashes QEMU itself fails alone and a new process takes the rest.
  @Test func aTrapOrACrashInTheMiddleLeavesTheOtherCasesIntact() throws {
    let window: UInt64 = 0x8001_0100
    let cases = [
      try makeCase("addi ra, ra, 5", [1: 10]),
      try makeCase("addi t1, zero, 7\nlw a1, 16(a0)\naddi t2, zero, 9", [10: 0x8001_1000]),
      // QEMU 10.0's x0 deviation: the divide-by-zero guard compares with the clobbered zero.
      try makeCase(
        "amocas.w zero, s9, (a5)\ndivu a0, a1, a2", [15: window, 11: 0x77], [window: 0x1234_5678_8765_4321]),
      try makeCase("amocas.w t0, t1, (a0)", [10: window, 5: 3, 6: 0x55], [window: 3]),
      try makeCase("sw t1, 0(a0)", [10: 0x8001_2000, 6: 1]),
      try makeCase("addi ra, ra, 1", [1: 41]),
    ]
    let emulator = QemuEmulator()
    let outcomes = emulator.run(cases)
    try #require(outcomes.count == cases.count)
    guard case .finished(let first) = outcomes[0], case .finished(let second) = outcomes[1],
      case .finished(let fourth) = outcomes[3], case .finished(let fifth) = outcomes[4],
      case .finished(let last) = outcomes[5]
    else {
      Issue.record("\(outcomes)")
      return
    }
    #expect(first.registers[1] == 15 && first.trap == nil)
    #expect(second.trap == ConcreteTrap(cause: 5, tval: 0x8001_1010, index: 1))
    #expect(second.registers[6] == 7 && second.registers[7] == 0)
    #expect(fourth.trap == nil && fourth.registers[5] == 3 && Replayer.word(fourth, window) == 0x55)
    #expect(fifth.trap == ConcreteTrap(cause: 7, tval: 0x8001_2000, index: 0))
    #expect(last.registers[1] == 42)
    let version = emulator.version(for: Self.isa) ?? ""
    if version.hasPrefix("10.0.") {
      guard case .failed(let reason) = outcomes[2] else {
        Issue.record("QEMU \(version) should crash on the x0 deviation: \(outcomes[2])")
        return
      }
      #expect(reason == "qemu crashed with signal 8")
    }
  }

  /// Batches larger than the batch limit are split, and every case comes back in order.
  @Test func manyCasesComeBackInOrder() throws {
    let cases = try (0..<300).map { try makeCase("addi ra, ra, \($0 % 2000)", [1: UInt64($0)]) }
    let outcomes = QemuEmulator(batchLimit: 128).run(cases)
    for (index, outcome) in outcomes.enumerated() {
      guard case .finished(let state) = outcome else {
        Issue.record("case \(index): \(outcome)")
        continue
      }
      #expect(state.registers[1] == UInt64(index + index % 2000), "case \(index)")
    }
  }
}
