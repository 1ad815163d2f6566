import Foundation
import SpecModel

/// Runs cases under QEMU's Linux user-mode emulation (`qemu-riscv64`, `qemu-riscv32`), hundreds per
/// process (`QemuBatch`), with `-cpu` switching on exactly the ISA string's extensions. Before the first case it
/// tries each amocas form, and each byte and halfword AMO (Zabha), once: a QEMU that predates Zacas (Debian 12 ships 7.2, which also lacks
/// the bare CPU models and so runs its default CPU) raises SIGILL, and every case using that form is
/// then reported as unsupported instead of as thousands of violations.
public final class QemuEmulator: Emulator, @unchecked Sendable {
  public let timeout: Duration
  /// Cases per QEMU process.
  public let batchLimit: Int
  private let explicit: String?
  /// The `.tools/qemu` folder asked for with `qemu@RELEASE`; nil for the default QEMU.
  public let release: String?
  private let lock = NSLock()
  private var supported: [Int: [String: Bool]] = [:]
  /// Per XLEN: whether this QEMU builds the bare CPU models that `-cpu` names.
  private var bareModels: [Int: Bool] = [:]
  private var versions: [Int: String?] = [:]

  /// `executable` is `--qemu`: a folder with both binaries or one of them (default: the locator's);
  /// `release` a folder of `.tools/qemu` (a release or a suite), which names the emulator
  /// `qemu@RELEASE` so that several QEMUs can run side by side.
  public init(
    timeout: Duration = .seconds(30), executable: String? = nil, release: String? = nil, batchLimit: Int = 256
  ) {
    self.timeout = timeout
    self.batchLimit = max(batchLimit, 1)
    self.explicit = executable
    self.release = release
    self.name = release.map { "qemu@\(QemuLocator.resolvedRelease($0))" } ?? "qemu"
  }

  /// `qemu`, or `qemu@RELEASE` with the release a suite's link names (`qemu@stable` shows as
  /// `qemu@10.0.13`).
  public let name: String

  public static func locate(xlen: Int) -> String? { try? QemuLocator.locate(xlen: xlen) }

  public func version(for isa: ISAString) -> String? {
    lock.lock()
    defer { lock.unlock() }
    if let known = versions[isa.xlen] { return known }
    let found = (try? QemuLocator.locate(xlen: isa.xlen, explicit: explicit, release: release)).flatMap(
      QemuLocator.version)
    versions[isa.xlen] = found
    return found
  }

  /// The command that runs `elf` for a case of `isa`, for reports.
  public func commandLine(_ isa: ISAString, elf: String) -> String {
    lock.lock()
    let bare = bareModels[isa.xlen] ?? true
    lock.unlock()
    let executable =
      (try? QemuLocator.locate(xlen: isa.xlen, explicit: explicit, release: release)) ?? "qemu-riscv\(isa.xlen)"
    return ([executable] + (bare ? ["-cpu", QemuLocator.cpu(for: isa)] : []) + [elf]).joined(separator: " ")
  }

  /// A standalone ELF for `testCase` and the command that runs it; the state dump (signal, fault
  /// address, pc, x1…x31, windows) goes to standard output.
  public static func reproducer(_ testCase: EmulatorCase, elfName: String) throws -> (elf: [UInt8], command: String) {
    let image = try QemuUserImage(testCase)
    let command = "qemu-riscv\(testCase.isa.xlen) -cpu \(QemuLocator.cpu(for: testCase.isa)) \(elfName) > state.bin"
    return (image.elf().encoded(), command)
  }

  /// The amocas form a word encodes, if any (AMO opcode, funct5 00101, width in funct3).
  static func casForm(_ word: UInt32) -> String? {
    guard word & 0x7F == 0x2F, word >> 27 == 0b00101 else { return nil }
    let widths = ["b", "h", "w", "d", "q"]
    let width = Int(word >> 12 & 7)
    return width < widths.count ? "amocas.\(widths[width])" : nil
  }

  /// Zabha's byte and halfword AMOs by funct5 (amocas aside).
  static let narrowAMONames: [UInt32: String] = [
    0b00001: "amoswap", 0b00000: "amoadd", 0b00100: "amoxor", 0b01100: "amoand", 0b01000: "amoor",
    0b10000: "amomin", 0b10100: "amomax", 0b11000: "amominu", 0b11100: "amomaxu",
  ]

  /// The form a word encodes when it is one whose support is probed: an amocas, or a byte or
  /// halfword AMO (AMO opcode, funct3 0 or 1).
  static func probedForm(_ word: UInt32) -> String? {
    if let form = casForm(word) { return form }
    guard word & 0x7F == 0x2F, word >> 12 & 7 <= 1, let name = narrowAMONames[word >> 27] else { return nil }
    return name + (word >> 12 & 7 == 0 ? ".b" : ".h")
  }

  public func run(_ cases: [EmulatorCase]) -> [EmulatorOutcome] {
    var outcomes = [EmulatorOutcome?](repeating: nil, count: cases.count)
    var runnable: [(index: Int, executable: String, bare: Bool)] = []
    for (index, testCase) in cases.enumerated() {
      let executable: String
      do throws(QemuLocator.NotFound) {
        executable = try QemuLocator.locate(xlen: testCase.isa.xlen, explicit: explicit, release: release)
      } catch {
        outcomes[index] = .failed(error.description)
        continue
      }
      let (support, bare) = formSupport(executable, testCase)
      if let missing = testCase.words.compactMap(Self.probedForm).first(where: { support[$0] == false }) {
        outcomes[index] = .unsupported(form: missing)
        continue
      }
      runnable.append((index, executable, bare))
    }
    // Cases sharing an ISA and memory map go into one process.
    var start = 0
    while start < runnable.count {
      let first = cases[runnable[start].index]
      var end = start + 1
      while end < runnable.count && end - start < batchLimit && cases[runnable[end].index].isa == first.isa
        && cases[runnable[end].index].memoryMap == first.memoryMap
      {
        end += 1
      }
      let group = runnable[start..<end]
      let results = isolate(group.map { cases[$0.index] }, runnable[start].executable, bare: runnable[start].bare)
      for (entry, outcome) in zip(group, results) { outcomes[entry.index] = outcome }
      start = end
    }
    return outcomes.map { $0 ?? .failed("internal error: case not run") }
  }

  /// Runs a batch. When QEMU crashes or hangs, the cases it finished keep their outcomes, the case
  /// under way fails with the reason, and a new process takes the rest. Any other failure (QEMU
  /// cannot start, refuses its CPU) would fail every case alike, so it does.
  private func isolate(_ cases: [EmulatorCase], _ executable: String, bare: Bool) -> [EmulatorOutcome] {
    var outcomes: [EmulatorOutcome] = []
    var rest = cases[...]
    while !rest.isEmpty {
      let (finished, failure) = runBatch(executable, Array(rest), bare: bare)
      outcomes += finished
      rest = rest.dropFirst(finished.count)
      guard let failure else { continue }
      if failure.blamesCaseUnderWay, !rest.isEmpty {
        outcomes.append(.failed(failure.description))
        rest = rest.dropFirst()
      } else {
        outcomes += rest.map { _ in .failed(failure.description) }
        rest = []
      }
    }
    return outcomes
  }

  /// Why a QEMU process stopped short.
  struct BatchFailure: Error, CustomStringConvertible {
    let description: String
    /// A crash or a hang: the case running at the time caused it.
    var blamesCaseUnderWay = false
  }

  /// Which amocas forms this QEMU executes, probed once per XLEN.
  private func formSupport(_ executable: String, _ template: EmulatorCase) -> (forms: [String: Bool], bare: Bool) {
    lock.lock()
    defer { lock.unlock() }
    let xlen = template.isa.xlen
    if let known = supported[xlen] { return (known, bareModels[xlen] ?? true) }
    var result: [String: Bool] = [:]
    if bareModels[xlen] == nil {
      bareModels[xlen] = QemuLocator.buildsBareModel(executable, template.isa)
    }
    let map = MemoryMap.userMode(xlen: xlen)
    for (width, form) in ["b", "h", "w", "d", "q"].enumerated().map({ ($0.offset, "amocas.\($0.element)") }) {
      if width == 4 && xlen == 32 { continue }
      // amocas.<width> x10, x12, (x5) with x5 at the read-write window.
      let word: UInt32 = 0x2800_002F | 12 << 20 | 5 << 15 | UInt32(width) << 12 | 10 << 7
      var initial = ConcreteState.zeroed(map)
      initial.registers[5] = map.regions[0].base
      let probe = EmulatorCase(isa: template.isa, words: [word], initial: initial, memoryMap: map)
      if case .finished(let state)? = runBatch(executable, [probe], bare: bareModels[xlen] ?? true).0.first,
        state.trap?.cause == 2
      {
        result[form] = false
      } else {
        result[form] = true
      }
    }
    // The byte and halfword AMOs, one probe each, all in one process: <op>.<b|h> x10, x12, (x5).
    var probes: [(form: String, word: UInt32)] = []
    for (funct5, name) in Self.narrowAMONames.sorted(by: { $0.key < $1.key }) {
      for (funct3, suffix) in [(UInt32(0), "b"), (1, "h")] {
        probes.append(("\(name).\(suffix)", funct5 << 27 | 12 << 20 | 5 << 15 | funct3 << 12 | 10 << 7 | 0x2F))
      }
    }
    var initial = ConcreteState.zeroed(map)
    initial.registers[5] = map.regions[0].base
    let cases = probes.map { EmulatorCase(isa: template.isa, words: [$0.word], initial: initial, memoryMap: map) }
    let outcomes = runBatch(executable, cases, bare: bareModels[xlen] ?? true).0
    for (index, probe) in probes.enumerated() {
      guard index < outcomes.count, case .finished(let state) = outcomes[index], state.trap?.cause == 2 else {
        result[probe.form] = true
        continue
      }
      result[probe.form] = false
    }
    supported[xlen] = result
    return (result, bareModels[xlen] ?? true)
  }

  /// The outcomes of the cases QEMU finished, and why it stopped before the others.
  private func runBatch(_ executable: String, _ cases: [EmulatorCase], bare: Bool) -> (
    [EmulatorOutcome], BatchFailure?
  ) {
    let batch: QemuBatch
    do { batch = try QemuBatch(cases) } catch { return (cases.map { _ in .failed(error.description) }, nil) }
    let fileManager = FileManager.default
    let scratch = fileManager.temporaryDirectory.appendingPathComponent("rvcheck-qemu-\(UUID().uuidString)")
    // RVCHECK_KEEP_FILES keeps every batch's folder (ELF and output) for inspection.
    let keep = ProcessInfo.processInfo.environment["RVCHECK_KEEP_FILES"] != nil
    defer { if !keep { try? fileManager.removeItem(at: scratch) } }
    let elf = scratch.appendingPathComponent("batch.elf")
    do {
      try fileManager.createDirectory(at: scratch, withIntermediateDirectories: true)
      try Data(batch.elf().encoded()).write(to: elf)
      // QEMU, like the kernel, runs only files marked executable.
      try fileManager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: elf.path)
    } catch {
      return ([], BatchFailure(description: "cannot write the batch ELF: \(error.localizedDescription)"))
    }
    let cpu = bare ? ["-cpu", QemuLocator.cpu(for: cases[0].isa)] : []
    let result = runProcess(executable, cpu + [elf.path], timeout: timeout, scratch: scratch)
    let output = (try? Data(contentsOf: scratch.appendingPathComponent("stdout"))).map { [UInt8]($0) } ?? []
    let outcomes = batch.outcomes(output)
    let failure: BatchFailure?
    switch result.end {
    case .exited(0):
      failure =
        outcomes.count == cases.count
        ? nil
        : BatchFailure(
          description: "qemu wrote \(output.count) bytes of state, expected \(batch.outputStride * cases.count)")
    case .timedOut:
      failure = BatchFailure(description: "qemu hung: no answer within \(timeout)", blamesCaseUnderWay: true)
    case .signalled(let signal):
      failure = BatchFailure(description: "qemu crashed with signal \(signal)", blamesCaseUnderWay: true)
    case .couldNotStart(let reason): failure = BatchFailure(description: "qemu could not start: \(reason)")
    case .exited(let status):
      // QEMU prints some complaints (a CPU it cannot build) on standard output, before any state.
      let text = result.errors + String(decoding: output.prefix(while: { $0 != 0 }), as: UTF8.self)
      let line = text.split(separator: "\n").first.map { String($0.prefix(160)) } ?? ""
      // QEMU aborts on a guest exception it cannot map to a signal: that case is to blame, as it is
      // for any exit after cases finished; an exit before any (a CPU it cannot build) fails all.
      failure = BatchFailure(
        description: "qemu exited with status \(status)\(line.isEmpty ? "" : ": \(line)")",
        blamesCaseUnderWay: !outcomes.isEmpty || text.contains("unhandled CPU exception"))
    }
    return (outcomes, failure)
  }
}
