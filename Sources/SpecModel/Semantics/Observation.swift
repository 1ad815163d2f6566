import Foundation

/// A concrete machine state, as an emulator reports it or as a test states it.
public struct ConcreteState: Hashable, Sendable {
  /// x0…x31 (x0 should read zero), each XLEN bits.
  public var registers: [UInt64]
  /// Bytes of the memory window, by address.
  public var memory: ByteMap
  public var trap: ConcreteTrap?

  public init(registers: [UInt64], memory: ByteMap, trap: ConcreteTrap? = nil) {
    self.registers = registers
    self.memory = memory
    self.trap = trap
  }
}

/// A recorded trap: mcause, mtval, and the program index of the trapping instruction.
public struct ConcreteTrap: Hashable, Sendable, CustomStringConvertible {
  public var cause: UInt64
  public var tval: UInt64
  public var index: Int

  public init(cause: UInt64, tval: UInt64, index: Int) {
    self.cause = cause
    self.tval = tval
    self.index = index
  }

  public var description: String {
    let name = TrapCause(rawValue: cause)?.name ?? "cause \(cause)"
    return "\(name) (mcause=\(cause), mtval=0x\(String(tval, radix: 16))) at instruction \(index)"
  }
}

/// The verdict on an observed outcome.
public enum Verdict: Equatable, Sendable {
  /// The outcome is one the spec allows.
  case conforms
  /// No allowed outcome matches: the rules (with instruction indices) and observed parts that conflict.
  case violation(rules: [String], observed: [String])
  /// The solver could not decide.
  case unknown(reason: String)
}

/// Checks observed outcomes against the spec's relation.
public struct ConformanceChecker {
  public let z3: Z3Context
  public let configuration: MachineConfiguration
  public var timeoutMilliseconds: UInt32
  public var logic: String?
  /// Z3 resource units per query (0: none): a deterministic bound, so a verdict of unknown is the
  /// same on every machine.
  public var resourceLimit: UInt32 = 500_000_000
  /// Asked only about outcomes already rejected (an explanation): the quick untracked check, which
  /// answers "conforms" cheaply for the many outcomes that do, is skipped; the tracked check gives
  /// the same answer and the core besides.
  public var expectsViolation = false

  /// Where to write a query that took longer than half a second (`RVCHECK_DUMP`), read once: the
  /// environment is copied whole at every look.
  private static let dumpPath = ProcessInfo.processInfo.environment["RVCHECK_DUMP"]

  public init(
    z3: Z3Context, configuration: MachineConfiguration, timeoutMilliseconds: UInt32 = 10_000, logic: String? = nil
  ) {
    self.z3 = z3
    self.configuration = configuration
    self.timeoutMilliseconds = timeoutMilliseconds
    self.logic = logic
  }

  /// Pins `state` to the concrete `values`: registers, and memory at every address given.
  public func pin(_ state: MachineState, to values: ConcreteState) -> [(Formula, String)] {
    var parts: [(Formula, String)] = []
    let xlen = state.xlen
    for number in 1..<32 {
      parts.append((state.registers[number] == z3.bv(values.registers[number], width: xlen), "x\(number)"))
    }
    // Whole 8-byte words where all their bytes are given (fewer, larger terms), single bytes elsewhere.
    var words: [UInt64: UInt64] = [:]
    var singles: [UInt64: UInt8] = [:]
    for (address, byte) in values.memory {
      let word = address & ~7
      if (0..<UInt64(8)).allSatisfy({ values.memory[word + $0] != nil }) {
        words[word, default: 0] |= UInt64(byte) << (8 * (address - word))
      } else {
        singles[address] = byte
      }
    }
    for (address, word) in words.sorted(by: { $0.key < $1.key }) {
      parts.append(
        (
          state.memory.load(BitVec(address, width: xlen), bytes: 8) == BitVec(word, width: 64),
          "mem[0x\(String(address, radix: 16))]"
        ))
    }
    for (address, byte) in singles.sorted(by: { $0.key < $1.key }) {
      parts.append(
        (
          state.memory.loadByte(BitVec(address, width: xlen)) == BitVec(UInt64(byte), width: 8),
          "mem[0x\(String(address, radix: 16))]"
        ))
    }
    return parts
  }

  /// The observation of a final state: registers, memory window, and the trap record.
  func observe(_ final: MachineState, _ observed: ConcreteState) -> [(Formula, String)] {
    var parts = pin(final, to: observed)
    let xlen = final.xlen
    if let trap = observed.trap {
      let pc = configuration.codeBase &+ UInt64(trap.index) * 4
      parts.append((final.trap.trapped, "trap"))
      parts.append((final.trap.cause == z3.bv(trap.cause, width: xlen), "mcause"))
      parts.append((final.trap.tval == z3.bv(trap.tval, width: xlen), "mtval"))
      parts.append((final.trap.epc == z3.bv(pc, width: xlen), "mepc"))
    } else {
      parts.append((!final.trap.trapped, "no-trap"))
    }
    return parts
  }

  /// Whether running `program` from `initial` may end in `observed`.
  /// The longest program the relation is asked about (the fuzzer's default is 32).
  public static let maxProgramLength = 256

  public func check(_ program: [Instruction], initial: ConcreteState, observed: ConcreteState) throws -> Verdict {
    if observed.registers[0] != 0 {
      return .violation(rules: [Rule.x0IsZero.name], observed: ["x0"])
    }
    // Terms grow with every access through memory the program itself wrote: past this length,
    // building them can take minutes (500 chained amocas did). Unknown, never a pass.
    guard program.count <= Self.maxProgramLength else {
      return .unknown(
        reason:
          "the relation is built for programs of up to \(Self.maxProgramLength) instructions; this one has \(program.count)"
      )
    }
    let executor = SymbolicExecutor(z3: z3, configuration: configuration)
    let start = MachineState.concrete(initial, prefix: "", xlen: configuration.isa.xlen, in: z3)
    let paths = executor.run(program, from: start)
    var firstViolation: Verdict?
    var unknownReason: String?
    for path in paths {
      // A path cut short has no final state to compare: it can show neither conformance nor a fault.
      guard path.complete else {
        unknownReason =
          "a path was cut short (more than \(executor.maxSteps) steps, or more than \(SymbolicExecutor.maxSymbolicWriteBytes) bytes written at addresses loaded from memory)"
        continue
      }
      // Most outcomes conform: ask first without tracking, which lets Z3 fold the concrete values
      // away; only an unsat answer is asked again with every rule tracked, for the core.
      // Parts the rewriter proves (bytes no write can reach, say: most of a memory window) are
      // left out: they cannot contradict anything, and each tracked one costs an assumption.
      let observation = observe(path.final, observed).map { ($0.simplified, $1) }.filter { !$0.0.isTrue }
      if !expectsViolation {
        let quick = Solver(context: z3, logic: logic, timeoutMilliseconds: timeoutMilliseconds)
        if resourceLimit > 0 { quick.setResourceLimit(resourceLimit) }
        quick.assert(path.condition)
        for constraint in path.constraints { quick.assert(constraint.formula) }
        for (formula, _) in observation { quick.assert(formula) }
        switch try quick.check() {
        case .sat: return .conforms
        case .unknown(let reason):
          unknownReason = reason
          continue
        case .unsat: break
        }
      }
      // Only the first path that names a violation is explained; later ones can still show the
      // outcome allowed (or undecided), which the quick check alone tells.
      if firstViolation != nil { continue }
      let solver = Solver(context: z3, logic: logic, timeoutMilliseconds: timeoutMilliseconds)
      if resourceLimit > 0 { solver.setResourceLimit(resourceLimit) }
      solver.assert(path.condition)
      for constraint in path.constraints {
        solver.assert(constraint.formula, named: constraint.trackingName)
      }
      for (formula, label) in observation {
        solver.assert(formula, named: "observed.\(label)")
      }
      let solveStart = ContinuousClock.now
      let answer = try solver.check()
      if expectsViolation {
        switch answer {
        case .sat: return .conforms
        case .unknown(let reason):
          unknownReason = reason
          continue
        case .unsat: break
        }
      }
      if let dump = Self.dumpPath,
        ContinuousClock.now - solveStart > .milliseconds(500)
      {
        try?
          (program.enumerated().map { "; \($0.offset): \($0.element.assembly)" }.joined(separator: "\n") + "\n"
          + solver.smtText).write(toFile: dump, atomically: true, encoding: .utf8)
      }
      var rules: Set<String> = []
      var parts: Set<String> = []
      var result = answer
      // Each round names one set of rules; the observed parts it blamed are then set aside, so a
      // second independent fault is named too (a few rounds at most).
      for _ in 0..<3 {
        guard case .unsat(let core) = result else { break }
        let blamed = core.filter { $0.hasPrefix("observed.") }
        guard !blamed.isEmpty else { break }
        parts.formUnion(blamed.map { String($0.dropFirst("observed.".count)) })
        let named = core.filter { !$0.hasPrefix("observed.") }
        // Observed parts alone in a core changed although nothing may write them.
        rules.formUnion(named.isEmpty ? [Rule.unwrittenPreserved.name] : named)
        for name in blamed { solver.disable(name) }
        result = try solver.check()
      }
      if case .unknown(let reason) = answer { unknownReason = reason }
      // Without an observed part in the core, the initial state cannot take this path at all.
      if parts.isEmpty { continue }
      if firstViolation == nil {
        firstViolation = .violation(
          rules: rules.isEmpty ? [Rule.unwrittenPreserved.name] : rules.sorted(), observed: parts.sorted())
      }
    }
    if let unknownReason { return .unknown(reason: unknownReason) }
    return firstViolation ?? .unknown(reason: "no path")
  }
}

extension ConformanceChecker {
  /// One outcome the spec allows for `program` from `initial`, reporting memory at the addresses
  /// `initial.memory` names; nil when no complete path exists.
  public func allowedOutcome(_ program: [Instruction], initial: ConcreteState) throws -> ConcreteState? {
    let executor = SymbolicExecutor(z3: z3, configuration: configuration)
    let start = MachineState.concrete(initial, prefix: "", xlen: configuration.isa.xlen, in: z3)
    for path in executor.run(program, from: start) where path.complete {
      let solver = Solver(context: z3, logic: logic, timeoutMilliseconds: timeoutMilliseconds)
      if resourceLimit > 0 { solver.setResourceLimit(resourceLimit) }
      solver.assert(path.condition)
      for constraint in path.constraints { solver.assert(constraint.formula) }
      guard case .sat(let model) = try solver.check() else { continue }
      return concrete(path.final, in: model, addresses: Array(initial.memory.keys), trace: path.trace)
    }
    return nil
  }

  /// Reads a symbolic state out of a model.
  public func concrete(_ state: MachineState, in model: Model, addresses: [UInt64], trace: [Int]) -> ConcreteState {
    let xlen = state.xlen
    var registers: [UInt64] = [0]
    for number in 1..<32 { registers.append(model.value64(state.registers[number]) ?? 0) }
    var memory = ByteMap()
    for address in addresses {
      memory[address] = UInt8(
        truncatingIfNeeded: model.value64(state.memory.loadByte(z3.bv(address, width: xlen))) ?? 0)
    }
    var trap: ConcreteTrap?
    if model.value(state.trap.trapped) == true {
      let epc = model.value64(state.trap.epc) ?? 0
      trap = ConcreteTrap(
        cause: model.value64(state.trap.cause) ?? 0, tval: model.value64(state.trap.tval) ?? 0,
        index: Int((epc &- configuration.codeBase) / 4))
    }
    return ConcreteState(registers: registers, memory: memory, trap: trap)
  }
}
