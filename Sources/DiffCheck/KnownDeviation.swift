import Foundation
import SpecModel

/// A reviewed deviation of a real emulator from the spec: a `.rvt` reproducer (normally under
/// `corpus/known/`) with `known` lines saying which emulator releases show it and how to recognise it.
///
/// ```
/// known emulator qemu
/// known versions 10.0.0 10.0.13          (inclusive; omit for every release)
/// known key m.result | amocas.w,remuw     (a finding key it explains; repeatable)
/// known probe split-block-after-amocas-x0 (an experiment on the emulator that confirms it)
/// known command qemu-riscv64 -cpu … case.elf
/// known diagnosis one line on the cause
/// ```
///
/// A finding is this deviation when the emulator and release match and either its key is listed or
/// the probe confirms it: the probe's changed reproducer, run on the same emulator, conforms.
public struct KnownDeviation: Sendable {
  public let name: String
  public let file: String
  public var emulator = ""
  public var versions: (low: [Int], high: [Int])?
  public var keys: Set<String> = []
  public var probe: DeviationProbe?
  public var command = ""
  public var diagnosis = ""
  public let reproducer: CorpusCase

  public init(parsing text: String, file: String) throws(CorpusError) {
    self.file = file
    name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
    var emulator: String?
    var command: String?
    var diagnosis: String?
    var caseLines: [Substring] = []
    for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.trimmingCharacters(in: .whitespaces)
      guard line.hasPrefix("known ") || line == "known" else {
        caseLines.append(raw)
        continue
      }
      // Kept as a blank line, so the case's errors keep their line numbers.
      caseLines.append("")
      func fail(_ message: String) -> CorpusError { CorpusError(file: file, line: offset + 1, message: message) }
      let words = line.split(separator: " ", maxSplits: 2).map(String.init)
      guard words.count == 3 else { throw fail("expected 'known FIELD VALUE'") }
      let value = words[2].trimmingCharacters(in: .whitespaces)
      switch words[1] {
      case "emulator":
        guard emulator == nil else { throw fail("a second 'known emulator'") }
        emulator = value
      case "versions":
        let bounds = value.split(separator: " ").map { Self.version(String($0)) }
        guard bounds.count == 2, let low = bounds[0], let high = bounds[1], !Self.less(high, low) else {
          throw fail("expected 'known versions LOW HIGH' with dotted numbers, LOW no later than HIGH")
        }
        versions = (low, high)
      case "key":
        guard value.contains(" | ") else { throw fail("a finding key reads 'RULES | FORMS'") }
        keys.insert(value)
      case "probe":
        guard let named = DeviationProbe(rawValue: value) else {
          throw fail(
            "unknown probe '\(value)' (known: \(DeviationProbe.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        probe = named
      case "command": command = value
      case "diagnosis": diagnosis = value
      default:
        throw fail("unknown field 'known \(words[1])' (emulator, versions, key, probe, command, diagnosis)")
      }
    }
    let end = text.split(separator: "\n", omittingEmptySubsequences: false).count
    func missing(_ field: String) -> CorpusError {
      CorpusError(file: file, line: end, message: "a known deviation needs 'known \(field)'")
    }
    guard let emulator else { throw missing("emulator") }
    guard let command else { throw missing("command") }
    guard let diagnosis else { throw missing("diagnosis") }
    guard !keys.isEmpty || probe != nil else { throw missing("key' or 'known probe") }
    self.emulator = emulator
    self.command = command
    self.diagnosis = diagnosis
    reproducer = try CorpusCase(parsing: caseLines.joined(separator: "\n"), file: file)
    guard case .violation = reproducer.expectation else {
      throw CorpusError(file: file, line: end, message: "a known deviation's reproducer must 'expect violation'")
    }
  }

  /// Every `.rvt` file in `folder`, sorted by name.
  public static func load(folder: String) throws -> [KnownDeviation] {
    let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".rvt") }.sorted()
    return try names.map { name in
      let path = (folder as NSString).appendingPathComponent(name)
      let text: String
      do throws(SourceError) { text = try SourceText.read(path) } catch {
        throw CorpusError(file: path, line: error.line, column: error.column, message: error.message)
      }
      return try KnownDeviation(parsing: text, file: path)
    }
  }

  /// Whether the deviation is claimed for this emulator and release. A range needs a release to
  /// compare: an emulator that reports none matches only entries without one.
  public func applies(to emulatorName: String, version: String?) -> Bool {
    guard Self.kind(of: emulatorName) == emulator else { return false }
    guard let versions else { return true }
    guard let version, let parsed = Self.version(version) else { return false }
    return !Self.less(parsed, versions.low) && !Self.less(versions.high, parsed)
  }

  /// Whether the deviation is claimed for this emulator but not for this release: its probe may
  /// still confirm it there, which says the range needs review.
  public func outsideRange(of emulatorName: String, version: String?) -> Bool {
    Self.kind(of: emulatorName) == emulator && probe != nil && !applies(to: emulatorName, version: version)
  }

  /// The emulator an emulator's name is a release of: `qemu` for `qemu@11.1.3`.
  public static func kind(of emulatorName: String) -> String {
    String(emulatorName.prefix { $0 != "@" })
  }

  /// Whether `finding` is this deviation; `verdict` runs a case on the emulator that found it.
  public func explains(
    _ finding: Finding, verdict: ([Instruction], ConcreteState) throws -> Verdict?
  ) rethrows -> Bool {
    if keys.contains(FindingStore.key(finding)) { return true }
    let initial = finding.reproducer.initialState(finding.reproducer.configuration.memoryMap)
    return try confirmedByProbe(finding.reproducer.program, initial: initial, verdict: verdict)
  }

  /// Whether the probe's changed program conforms where `program` did not.
  public func confirmedByProbe(
    _ program: [Instruction], initial: ConcreteState, verdict: ([Instruction], ConcreteState) throws -> Verdict?
  ) rethrows -> Bool {
    guard let probe, let changed = probe.neutralised(program) else { return false }
    guard case .conforms? = try verdict(changed, initial) else { return false }
    return true
  }

  public static func version(_ text: String) -> [Int]? {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
    guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
    return parts.map { $0! }
  }

  /// Release order, a missing part counting as zero (10.0 = 10.0.0).
  public static func less(_ l: [Int], _ r: [Int]) -> Bool {
    for index in 0..<max(l.count, r.count) {
      let (a, b) = (index < l.count ? l[index] : 0, index < r.count ? r[index] : 0)
      if a != b { return a < b }
    }
    return false
  }
}

/// An experiment that tells whether a finding has a known cause. Most change the reproducer so the
/// cause cannot act, leaving the architectural result the same; one judges the same outcome under
/// the platform behaviour the emulator is known to have instead.
public enum DeviationProbe: String, CaseIterable, Sendable {
  /// A translator that keeps x0 as a shared constant, and lets an amocas with rd = x0 write into
  /// it, corrupts every later use of that constant in the same translation block. A `jal zero, 4`
  /// after each such amocas ends the block there and changes nothing else.
  case splitBlockAfterCasX0 = "split-block-after-amocas-x0"
  /// Linux user mode performs a misaligned plain load or store (the kernel emulates it), so
  /// QEMU's user mode does too: where the spec's run stops at a plain access with a misaligned
  /// trap (4 or 6), the outcome is the deviation when the profile, changed to let misaligned plain
  /// accesses execute (and nothing else), allows it.
  case plainMisalignedExecutes = "plain-misaligned-executes"
  /// QEMU's user mode aborts ("unhandled CPU exception 0x6") on a misaligned SC instead of raising
  /// SIGBUS: an emulator failure with that message, where the spec's run stops at an SC with a
  /// misaligned trap (6), is the deviation.
  case misalignedSCAborts = "misaligned-sc-aborts"
  /// QEMU implements SC by comparing memory with the value its LR loaded, so an SC fails when the
  /// hart itself changed the reserved bytes in between (with an amocas, an AMO or a store). The
  /// manual leaves such an unconstrained LR/SC sequence free to fail; the spike profile does not
  /// fail an SC with a valid reservation. Where the program has an SC after a write since its LR,
  /// the outcome is the deviation when the profile, changed to let an SC fail (and nothing else),
  /// allows it.
  case scFailsAfterOwnWrite = "sc-fails-after-own-write"

  /// Whether an emulator failure is this probe's deviation (only `misalignedSCAborts` explains
  /// failures this way).
  public func explainsFailure(_ reason: String, _ program: [Instruction], specTrap: ConcreteTrap?) -> Bool {
    guard self == .misalignedSCAborts, reason.contains("unhandled CPU exception 0x6"), let specTrap,
      specTrap.cause == 6, program.indices.contains(specTrap.index)
    else { return false }
    return program[specTrap.index].mnemonic.hasPrefix("sc.")
  }

  /// The profile under which the outcome is judged again, for a probe that reinterprets rather
  /// than changes the program; nil when the spec's own run is not the probe's case.
  public func reinterpretation(
    _ program: [Instruction], _ profile: Profile, specTrap: ConcreteTrap?
  ) -> Profile? {
    if self == .scFailsAfterOwnWrite {
      guard Self.writesBetweenLRAndSC(program) else { return nil }
      return profile.changing("+sc-may-fail", scMayFailSpuriously: true)
    }
    guard self == .plainMisalignedExecutes, let specTrap, specTrap.cause == 4 || specTrap.cause == 6,
      program.indices.contains(specTrap.index)
    else { return nil }
    switch program[specTrap.index].form.format {
    case .load, .store:
      return profile.changing("+plain-misaligned-executes", plainMisaligned: [.execute])
    default: return nil
    }
  }

  /// Whether some SC follows, in program order, an LR and then a write to memory (a store, an AMO,
  /// an amocas) before it: an unconstrained LR/SC sequence whose SC the manual lets fail.
  static func writesBetweenLRAndSC(_ program: [Instruction]) -> Bool {
    var reserved = false
    var written = false
    for instruction in program {
      let mnemonic = instruction.mnemonic
      if mnemonic.hasPrefix("lr.") {
        reserved = true
        written = false
      } else if mnemonic.hasPrefix("sc.") {
        if reserved && written { return true }
        reserved = false
      } else if instruction.form.format == .store || instruction.form.format == .atomic {
        written = written || reserved
      }
    }
    return false
  }

  /// The changed program, or nil when the probe does not apply (no trigger, or branches whose
  /// offsets the inserted instructions would move).
  public func neutralised(_ program: [Instruction]) -> [Instruction]? {
    switch self {
    case .plainMisalignedExecutes, .misalignedSCAborts, .scFailsAfterOwnWrite: return nil
    case .splitBlockAfterCasX0:
      let controlFlow: Set<String> = ["jal", "jalr", "beq", "bne", "blt", "bge", "bltu", "bgeu"]
      guard !program.contains(where: { controlFlow.contains($0.mnemonic) }) else { return nil }
      guard let jump = try? Assembler.assemble("jal zero, 4").first else { return nil }
      var changed: [Instruction] = []
      var triggered = false
      for (index, instruction) in program.enumerated() {
        changed.append(instruction)
        if instruction.mnemonic.hasPrefix("amocas") && instruction.rd == 0 && index < program.count - 1 {
          changed.append(jump)
          triggered = true
        }
      }
      return triggered ? changed : nil
    }
  }
}
