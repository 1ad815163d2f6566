import Foundation
import SpecModel

/// Runs cases under QEMU's Linux user-mode emulation (`qemu-riscv64`, `qemu-riscv32`), one process
/// per case, with `-cpu` switching on exactly the ISA string's extensions. Before the first case it
/// tries each amocas form once: a QEMU that predates Zacas (Debian 12 ships 7.2, which also lacks
/// the bare CPU models and so runs its default CPU) raises SIGILL, and every case using that form is
/// then reported as unsupported instead of as thousands of violations.
public final class QemuEmulator: Emulator, @unchecked Sendable {
  public let timeout: Duration
  private let explicit: String?
  private let lock = NSLock()
  private var supported: [Int: [String: Bool]] = [:]
  /// Per XLEN: whether this QEMU builds the bare CPU models that `-cpu` names.
  private var bareModels: [Int: Bool] = [:]
  private var versions: [Int: String?] = [:]

  /// `executable` is `--qemu`: a folder with both binaries or one of them (default: the locator's).
  public init(timeout: Duration = .seconds(30), executable: String? = nil) {
    self.timeout = timeout
    self.explicit = executable
  }

  public var name: String { "qemu" }

  public static func locate(xlen: Int) -> String? { try? QemuLocator.locate(xlen: xlen) }

  public func version(for isa: ISAString) -> String? {
    lock.lock()
    defer { lock.unlock() }
    if let known = versions[isa.xlen] { return known }
    let found = (try? QemuLocator.locate(xlen: isa.xlen, explicit: explicit)).flatMap(QemuLocator.version)
    versions[isa.xlen] = found
    return found
  }

  /// The command that runs `elf` for a case of `isa`, for reports.
  public func commandLine(_ isa: ISAString, elf: String) -> String {
    lock.lock()
    let bare = bareModels[isa.xlen] ?? true
    lock.unlock()
    let executable = (try? QemuLocator.locate(xlen: isa.xlen, explicit: explicit)) ?? "qemu-riscv\(isa.xlen)"
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

  public func run(_ cases: [EmulatorCase]) -> [EmulatorOutcome] {
    cases.map { testCase in
      let executable: String
      do throws(QemuLocator.NotFound) {
        executable = try QemuLocator.locate(xlen: testCase.isa.xlen, explicit: explicit)
      } catch {
        return .failed(error.description)
      }
      let (support, bare) = formSupport(executable, testCase)
      if let missing = testCase.words.compactMap(Self.casForm).first(where: { support[$0] == false }) {
        return .unsupported(form: missing)
      }
      return runOne(executable, testCase, bare: bare)
    }
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
      if case .finished(let state) = runOne(executable, probe, bare: bareModels[xlen] ?? true),
        state.trap?.cause == 2
      {
        result[form] = false
      } else {
        result[form] = true
      }
    }
    supported[xlen] = result
    return (result, bareModels[xlen] ?? true)
  }

  private func runOne(_ executable: String, _ testCase: EmulatorCase, bare: Bool) -> EmulatorOutcome {
    let image: QemuUserImage
    do { image = try QemuUserImage(testCase) } catch { return .failed(error.description) }
    let fileManager = FileManager.default
    let scratch = fileManager.temporaryDirectory.appendingPathComponent("rvcheck-qemu-\(UUID().uuidString)")
    let keep = ProcessInfo.processInfo.environment["RVCHECK_KEEP_FILES"] != nil
    defer { if !keep { try? fileManager.removeItem(at: scratch) } }
    let elf = scratch.appendingPathComponent("case.elf")
    do {
      try fileManager.createDirectory(at: scratch, withIntermediateDirectories: true)
      try Data(image.elf().encoded()).write(to: elf)
      // QEMU, like the kernel, runs only files marked executable.
      try fileManager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: elf.path)
    } catch {
      return .failed("cannot write the case ELF: \(error.localizedDescription)")
    }
    let cpu = bare ? ["-cpu", QemuLocator.cpu(for: testCase.isa)] : []
    let result = runProcess(executable, cpu + [elf.path], timeout: timeout, scratch: scratch)
    switch result.end {
    case .exited(0): break
    case .timedOut: return .failed("qemu hung: no answer within \(timeout)")
    case .couldNotStart(let reason): return .failed("qemu could not start: \(reason)")
    case .signalled(let signal): return .failed("qemu crashed with signal \(signal)")
    case .exited(let status):
      let line = result.errors.split(separator: "\n").first.map(String.init) ?? ""
      return .failed("qemu exited with status \(status)\(line.isEmpty ? "" : ": \(line)")")
    }
    let dump = (try? Data(contentsOf: scratch.appendingPathComponent("stdout"))).map { [UInt8]($0) } ?? []
    return image.outcome(dump)
  }
}
