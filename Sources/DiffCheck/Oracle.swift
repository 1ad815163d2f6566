import Foundation
import SpecModel

/// What a test aims an amocas at.
public enum CASTarget: String, CaseIterable, Sendable {
  case success, failure, misaligned
  case readOnly = "read-only"
  case unmapped
}

/// A coverage cell's outcome for one amocas.
public enum CASOutcome: String, CaseIterable, Sendable, Comparable {
  case success, failure
  case illegal = "trap-2"
  case misalignedTrap = "trap-6"
  case accessFault = "trap-7"
  case x0Pair = "x0-pair"
  case oddPair = "odd-pair"
  case overlap

  public static func < (l: CASOutcome, r: CASOutcome) -> Bool {
    (allCases.firstIndex(of: l) ?? 0) < (allCases.firstIndex(of: r) ?? 0)
  }
}

/// A program with the initial state the solver chose for it.
public struct PreparedCase: Sendable {
  public let program: [Instruction]
  public let initial: ConcreteState
  /// Coverage cells (form, outcome) the spec expects this program to reach, one entry per amocas.
  public let coverage: [CoverageCell]
  /// Targets the solver proved unreachable from any initial state.
  public let infeasibleTargets: Int
}

/// Drives the spec: picks initial states that steer each amocas down a chosen path, and checks
/// observed outcomes.
public struct Oracle {
  public let z3: Z3Context
  public let configuration: MachineConfiguration
  /// Wall-clock safety net; the deterministic budget below is what normally ends a hard query.
  public var timeoutMilliseconds: UInt32 = 60_000
  /// Z3 resource units per preparation query (about 3 s here); the same on every machine, so a
  /// seed prepares the same programs however loaded the machine is.
  public var resourceLimit: UInt32 = 100_000_000
  /// Print each preparation query's answer and time (RVCHECK_TRACE=1).
  public var tracing = ProcessInfo.processInfo.environment["RVCHECK_TRACE"] != nil

  public init(z3: Z3Context, configuration: MachineConfiguration) {
    self.z3 = z3
    self.configuration = configuration
  }

  var xlen: Int { configuration.isa.xlen }

  /// Chooses an initial state for `generated`. Everything starts as random concrete values, base
  /// registers holding valid addresses; only what a target needs (the compared memory words and
  /// compare registers of amocas aimed at success) is left to the solver, with random values as
  /// soft preferences that the unsat core drops when they conflict. Concrete addresses keep every
  /// query simple. Returns nil when the solver gives up.
  public func prepare(_ generated: GeneratedProgram, _ random: inout SeededRandom) throws -> PreparedCase? {
    // The same random draws both times, so a retry stays deterministic for the seed.
    var retry = random
    switch try attempt(generated, &random, freeRegistersAllowed: true) {
    case .prepared(let prepared): return prepared
    case .failed: return nil
    case .undecided:
      // A free register that reaches a multiply or divide can make the query too hard: try again
      // with only the compared memory words left to the solver.
      if tracing { print("prepare: retrying without free registers") }
      let second = try attempt(generated, &retry, freeRegistersAllowed: false)
      random = retry
      if case .prepared(let prepared) = second { return prepared }
      return nil
    }
  }

  private enum Attempt {
    case prepared(PreparedCase)
    case undecided
    case failed
  }

  private func attempt(
    _ generated: GeneratedProgram, _ random: inout SeededRandom, freeRegistersAllowed: Bool
  ) throws -> Attempt {
    let program = generated.instructions

    // Random concrete registers; base registers point into the data region, away from its edges.
    let map = configuration.memoryMap
    guard let data = map.regions.first(where: { $0.access == .readWrite }) else { return .failed }
    var registers = (0..<32).map { _ in randomRegisterValue(&random) }
    registers[0] = 0
    for base in generated.baseRegisters {
      let slots = max((data.size - 96) / 16, 1)
      registers[base] = data.base + 48 + 16 * random.below(slots)
    }
    var targets: [Int: CASTarget] = [:]
    for (index, instruction) in program.enumerated() where instruction.mnemonic.hasPrefix("amocas.") {
      targets[index] = random.chance(0.55) ? .success : .failure
    }
    if let candidate = generated.trapCandidate, random.chance(0.6) {
      let target = random.pick([CASTarget.misaligned, .misaligned, .readOnly, .unmapped])
      targets[candidate] = target
      let base = program[candidate].rs1
      let bytes = UInt64(program[candidate].form.accessBytes ?? 4)
      switch target {
      case .misaligned: registers[base] = registers[base] + 1 + random.below(max(bytes - 1, 1))
      case .readOnly:
        if let readOnly = map.regions.first(where: { $0.access == .readOnly }) {
          registers[base] = readOnly.base + bytes * random.below(max(readOnly.size / bytes, 1))
        }
      case .unmapped: registers[base] = (0x1000 + bytes * random.below(64)) & (xlen == 32 ? 0xFFFF_FFFF : .max)
      default: break
      }
    }

    // What the solver may choose: for each amocas aimed at success, the words it compares and its
    // compare registers, where no earlier instruction writes them (freeing those could not help).
    // Their random values stay as soft preferences. Everything else is a numeral.
    let trapIndex = targets.first { $0.value != .success && $0.value != .failure }?.key
    var freeRegisters: Set<Int> = []
    var freeWords: Set<UInt64> = []
    for (index, target) in targets where target == .success {
      let instruction = program[index]
      let address = registers[instruction.rs1]
      let bytes = UInt64(instruction.form.accessBytes ?? 4)
      var word = address & ~7
      while word < address + bytes {
        freeWords.insert(word)
        word += 8
      }
      let pairs = instruction.form.usesRegisterPairs(xlen: xlen)
      let written = Set(program[..<index].flatMap { writes($0) })
      for register in pairs ? [instruction.rd, instruction.rd + 1] : [instruction.rd]
      where freeRegistersAllowed && register > 0 && register < 32 && !generated.baseRegisters.contains(register)
        && !written.contains(register)
      {
        freeRegisters.insert(register)
      }
    }
    var memory: [UInt64: UInt8] = [:]
    for region in map.regions {
      for offset in stride(from: UInt64(0), to: region.size, by: 8) {
        let word = random.chance(0.2) ? random.below(4) : random.next()
        for byte in 0..<UInt64(8) {
          memory[region.base + offset + byte] = UInt8(truncatingIfNeeded: word >> (8 * byte))
        }
      }
    }
    let chosen = ConcreteState(registers: registers, memory: memory)
    let start = MachineState.concrete(
      chosen, prefix: "", xlen: xlen, in: z3, freeRegisters: freeRegisters, freeWords: freeWords)
    let executor = SymbolicExecutor(z3: z3, configuration: configuration)
    var state = start
    var steps: [(pre: MachineState, result: SymbolicExecutor.StepResult)] = []
    var relation: [Formula] = []
    for (index, instruction) in program.enumerated() {
      let result = executor.step(instruction, at: index, from: state, name: "s\(index).")
      relation += result.constraints.map(\.formula)
      steps.append((state, result))
      state = result.post
    }
    // A target reads "if the program still runs here, go this way", so an earlier trap (an odd
    // register pair, say) does not make every later target unreachable. Nothing runs after an
    // instruction aimed at a trap.
    var goals: [(name: String, formula: Formula)] = []
    for (index, instruction) in program.enumerated() where index <= trapIndex ?? program.count {
      let (pre, result) = steps[index]
      if let target = targets[index] {
        goals.append(("target@\(index)", pre.trap.trapped || casTarget(target, instruction, pre: pre, result: result)))
      } else if instruction.form.accessBytes != nil {
        goals.append(("target@\(index)", pre.trap.trapped || !result.post.trap.trapped))
      }
    }
    let registerPins = freeRegisters.sorted().map { number in
      ("pin.x\(number)", start.registers[number] == z3.bv(registers[number], width: xlen))
    }
    let memoryPins = freeWords.sorted().map { word in
      let value = (0..<UInt64(8)).reduce(UInt64(0)) { $0 | UInt64(memory[word + $1] ?? 0) << (8 * $1) }
      return ("pin.mem.\(word)", start.memory.load(z3.bv(word, width: xlen), bytes: 8) == z3.bv(value, width: 64))
    }
    func prepared(_ model: Model, infeasible: Int) -> PreparedCase {
      PreparedCase(
        program: program, initial: initialState(chosen, start, freeRegisters, freeWords, model),
        coverage: coverage(program, steps, model), infeasibleTargets: infeasible)
    }

    // Every goal and random value is tracked, and the unsat cores say what to give up.
    let solver = Solver(context: z3, logic: "QF_BV", timeoutMilliseconds: timeoutMilliseconds)
    solver.setResourceLimit(resourceLimit)
    for formula in relation { solver.assert(formula) }
    for (name, formula) in goals + registerPins + memoryPins { solver.assert(formula, named: name) }

    var infeasible = 0
    for _ in 0..<64 {
      let clock = ContinuousClock.now
      let answer = try solver.check()
      if tracing {
        var line =
          "prepare: \(answer.isSat ? "sat" : answer.isUnsat ? "unsat" : "unknown") in \(ContinuousClock.now - clock) rlimit \(solver.resourcesUsed)"
        if case .unsat(let core) = answer {
          line +=
            " core "
            + core.map { name in
              name.hasPrefix("target@")
                ? "\(name) \(program[targetIndex(name)].assembly) [\(targets[targetIndex(name)]?.rawValue ?? "runs")]"
                : name
            }.joined(separator: "; ")
        }
        print(line)
      }
      switch answer {
      case .sat(let model):
        return .prepared(prepared(model, infeasible: infeasible))
      case .unsat(let core):
        let pins = core.filter { $0.hasPrefix("pin.") }
        if pins.isEmpty {
          // Only targets conflict: the latest one named is unreachable from this start.
          guard let target = core.filter({ $0.hasPrefix("target@") }).max(by: { targetIndex($0) < targetIndex($1) })
          else {
            if tracing { print("prepare: gave up: the relation alone is unsat (core \(core))") }
            return .failed
          }
          solver.disable(target)
          infeasible += 1
        } else {
          for pin in pins { solver.disable(pin) }
        }
      case .unknown(let reason):
        if tracing { print("prepare: gave up: \(reason)") }
        return .undecided
      }
    }
    if tracing { print("prepare: gave up after 64 rounds") }
    return .failed
  }

  /// Registers an instruction may write.
  private func writes(_ instruction: Instruction) -> [Int] {
    switch instruction.form.format {
    case .store, .branch, .fence: return []
    default:
      guard instruction.rd != 0 else { return [] }
      return instruction.form.usesRegisterPairs(xlen: xlen)
        ? [instruction.rd, (instruction.rd + 1) % 32] : [instruction.rd]
    }
  }

  private func targetIndex(_ name: String) -> Int { Int(name.split(separator: "@").last ?? "") ?? 0 }

  private func randomRegisterValue(_ random: inout SeededRandom) -> UInt64 {
    let mask: UInt64 = xlen == 32 ? 0xFFFF_FFFF : .max
    switch random.int(0...3) {
    case 0: return random.below(16)
    case 1: return (UInt64.max - random.below(16)) & mask
    default: return random.next() & mask
    }
  }

  private func casTarget(
    _ target: CASTarget, _ instruction: Instruction, pre: MachineState, result: SymbolicExecutor.StepResult
  ) -> Formula {
    let address = pre.registers[instruction.rs1]
    let bytes = instruction.form.accessBytes ?? 4
    let aligned = (address & address.constant(UInt64(bytes - 1))) == address.constant(0)
    let map = configuration.memoryMap
    let executes = !result.post.trap.trapped
    let running = !pre.trap.trapped
    switch target {
    case .success: return executes && (result.notes["success"] ?? z3.falseFormula)
    case .failure: return executes && !(result.notes["success"] ?? z3.trueFormula)
    case .misaligned: return running && !aligned && map.allows(address, bytes: 1, write: true)
    case .readOnly:
      return running && aligned && map.allows(address, bytes: bytes, write: false)
        && !map.allows(address, bytes: bytes, write: true)
    case .unmapped: return running && aligned && !map.allows(address, bytes: bytes, write: false)
    }
  }

  private func initialState(
    _ chosen: ConcreteState, _ start: MachineState, _ freeRegisters: Set<Int>, _ freeWords: Set<UInt64>,
    _ model: Model
  ) -> ConcreteState {
    var state = chosen
    for number in freeRegisters { state.registers[number] = model.value64(start.registers[number]) ?? 0 }
    for word in freeWords {
      let value = model.value64(start.memory.load(z3.bv(word, width: xlen), bytes: 8)) ?? 0
      for byte in 0..<UInt64(8) where state.memory[word + byte] != nil {
        state.memory[word + byte] = UInt8(truncatingIfNeeded: value >> (8 * byte))
      }
    }
    return state
  }

  /// The outcome the spec expects for each amocas the program reaches.
  private func coverage(
    _ program: [Instruction], _ steps: [(pre: MachineState, result: SymbolicExecutor.StepResult)], _ model: Model
  ) -> [CoverageCell] {
    var cells: [CoverageCell] = []
    for (index, instruction) in program.enumerated() where instruction.mnemonic.hasPrefix("amocas.") {
      let (pre, result) = steps[index]
      guard model.value(pre.trap.trapped) == false else { break }
      var outcomes: Set<CASOutcome> = []
      if model.value(result.post.trap.trapped) == true {
        switch model.value64(result.post.trap.cause) {
        case 2: outcomes.insert(.illegal)
        case 6: outcomes.insert(.misalignedTrap)
        case 7: outcomes.insert(.accessFault)
        default: break
        }
      } else if let success = result.notes["success"] {
        outcomes.insert(model.value(success) == true ? .success : .failure)
      }
      let pairs = instruction.form.usesRegisterPairs(xlen: xlen)
      if pairs && (instruction.rd == 0 || instruction.rs2 == 0) { outcomes.insert(.x0Pair) }
      if pairs && (instruction.rd % 2 == 1 || instruction.rs2 % 2 == 1) { outcomes.insert(.oddPair) }
      if instruction.rd != 0
        && (instruction.rd == instruction.rs1 || (pairs && instruction.rd + 1 == instruction.rs1)
          || instruction.rd == instruction.rs2)
      {
        outcomes.insert(.overlap)
      }
      cells += outcomes.map { CoverageCell(form: instruction.mnemonic, outcome: $0) }
    }
    return cells
  }
}
