/// Builds the relation between the state before and after one instruction.
///
/// An instruction's semantics declares what it reads, which registers and memory it writes, when it
/// traps, and the rules its results obey. `finish` turns those declarations into constraints on fresh
/// post-state variables, each tracked under its rule, guarded so that a trapping or halted instruction
/// changes nothing.
public struct StepBuilder {
  public let z3: Z3Context
  public let isa: ISAString
  public let profile: Profile
  public let memoryMap: MemoryMap
  public let instruction: Instruction
  public let pc: UInt64
  /// The encoded instruction, for mtval on illegal instruction.
  public let bits: UInt32
  let pre: MachineState
  let name: String

  private var postRegisters: [Int: BitVec] = [:]
  /// Registers the semantics writes (or pins) itself; others it holds only when unconstrained.
  private var declaredRegisters: Set<Int> = []
  /// The value each written register holds when the instruction executes.
  private var computed: [Int: BitVec] = [:]
  /// The store this instruction makes: where, and the fresh variable holding what it writes.
  private var memoryWrite: (address: BitVec, stored: BitVec, old: BitVec, declared: Bool)?
  private var requirements: [(Formula, Rule)] = []
  private var choiceConstraints: [(Formula, Rule)] = []
  private var traps: [(condition: Formula, cause: BitVec, tval: BitVec, rule: Rule)] = []
  private var newReservation: Reservation?
  private var unconstrainedWhen: Formula?
  private(set) var branch: (taken: Formula, offset: Int64)?
  /// Events the semantics names for test generation and coverage (e.g. "success").
  private(set) var notes: [String: Formula] = [:]

  init(
    z3: Z3Context, isa: ISAString, profile: Profile, memoryMap: MemoryMap,
    instruction: Instruction, pc: UInt64, pre: MachineState, name: String
  ) {
    self.z3 = z3
    self.isa = isa
    self.profile = profile
    self.memoryMap = memoryMap
    self.instruction = instruction
    self.pc = pc
    self.bits = (try? instruction.encoded()) ?? 0
    self.pre = pre
    self.name = name
  }

  public var xlen: Int { isa.xlen }

  /// Register `number` before the instruction (x0 reads zero).
  public func x(_ number: Int) -> BitVec { pre.values[number] }

  /// A numeral of XLEN bits.
  public func xlenConstant(_ value: UInt64) -> BitVec { z3.bv(value, width: xlen) }

  /// The value of register `number` after the instruction, as a fresh variable to constrain.
  public mutating func destination(_ number: Int) -> BitVec {
    declaredRegisters.insert(number)
    return postVariable(number)
  }

  private mutating func postVariable(_ number: Int) -> BitVec {
    if let existing = postRegisters[number] { return existing }
    let fresh = z3.bvVariable("\(name)x\(number)", width: xlen)
    postRegisters[number] = fresh
    return fresh
  }

  /// Writes `value` to `rd` under `rule`; writes to x0 are discarded.
  public mutating func write(_ rd: Int, _ value: BitVec, _ rule: Rule) {
    guard rd != 0 else { return }
    let target = destination(rd)
    let folded = value.simplified
    require(target == folded, rule)
    computed[rd] = folded
  }

  /// Records the value `rd` holds when the instruction executes, for later instructions to read,
  /// where the semantics constrains `rd` piece by piece.
  public mutating func computes(_ rd: Int, _ value: BitVec) {
    if rd != 0 { computed[rd] = value.simplified }
  }

  /// A constraint that holds when the instruction executes (does not trap, is not halted).
  public mutating func require(_ formula: Formula, _ rule: Rule) {
    requirements.append((formula, rule))
  }

  /// `bytes` bytes of memory before the instruction.
  public func load(_ address: BitVec, bytes: Int) -> BitVec {
    pre.memory.load(address, bytes: bytes)
  }

  /// Stores `value` at `address` when `condition` holds (`rule`); otherwise the bytes keep their
  /// value (`otherwise`). What is written is a fresh variable, so a wrong memory outcome is pinned
  /// on the rule that fixes it.
  public mutating func store(
    _ address: BitVec, _ value: BitVec, when condition: Formula? = nil, _ rule: Rule,
    otherwise: Rule? = nil
  ) {
    precondition(memoryWrite?.declared != true, "one memory write per instruction")
    let old = pre.memory.load(address, bytes: value.width / 8)
    let stored = z3.bvVariable("\(name)stored", width: value.width)
    memoryWrite = (address, stored, old, true)
    if let condition {
      require(condition.implies(stored == value), rule)
      require((!condition).implies(stored == old), otherwise ?? rule)
    } else {
      require(stored == value, rule)
    }
  }

  /// Declares a trap. Traps declared earlier take priority over later ones.
  public mutating func trap(when condition: Formula, cause: BitVec, tval: BitVec, _ rule: Rule) {
    traps.append((condition, cause.truncate(to: min(cause.width, xlen)).zeroExtend(to: xlen), tval, rule))
  }

  public mutating func trap(when condition: Formula, cause: UInt64, tval: BitVec, _ rule: Rule) {
    trap(when: condition, cause: xlenConstant(cause), tval: tval, rule)
  }

  /// A fresh implementation choice, constrained by the profile through `constrainChoice`.
  public mutating func choice(_ label: String, width: Int) -> BitVec {
    z3.bvVariable("\(name)choice.\(label)", width: width)
  }

  public mutating func choice(_ label: String) -> Formula {
    z3.boolVariable("\(name)choice.\(label)")
  }

  /// A profile constraint on a choice: holds whether or not the instruction executes.
  public mutating func constrainChoice(_ formula: Formula, _ rule: Rule) {
    choiceConstraints.append((formula, rule))
  }

  /// The program continues at `pc + offset` when `condition` holds.
  public mutating func branch(when condition: Formula, offset: Int64) {
    branch = (condition, offset)
  }

  /// Names an internal event so a test generator can aim for it and count it.
  public mutating func note(_ label: String, _ formula: Formula) {
    notes[label] = formula
  }

  public mutating func setReservation(valid: Formula, address: BitVec) {
    newReservation = Reservation(valid: valid, address: address)
  }

  public var reservation: Reservation { pre.reservation }

  /// Under `condition` the outcome is unconstrained (a reserved encoding that does not trap):
  /// every register, and the `bytes` bytes at `address`, may take any value.
  public mutating func unconstrained(when condition: Formula, address: BitVec, bytes: Int) {
    unconstrainedWhen = condition
    for number in 1..<32 { _ = postVariable(number) }
    if memoryWrite == nil {
      let old = pre.memory.load(address, bytes: bytes)
      memoryWrite = (address, z3.bvVariable("\(name)stored", width: bytes * 8), old, false)
    }
  }

  /// The post-state and every constraint, each with its rule.
  func finish() -> (post: MachineState, constraints: [(Formula, Rule)]) {
    let active = !pre.trap.trapped
    var constraints = choiceConstraints
    var effective: [Formula] = []
    var earlier: [Formula] = []
    for trap in traps {
      effective.append(trap.condition && !z3.any(earlier))
      earlier.append(trap.condition)
    }
    let anyTrap = z3.any(earlier)
    let free = unconstrainedWhen ?? z3.falseFormula
    let executes = active && !anyTrap && !free
    for (formula, rule) in requirements {
      constraints.append((executes.implies(formula), rule))
    }
    var post = pre
    for (number, value) in postRegisters.sorted(by: { $0.key < $1.key }) {
      let before = pre.registers[number]
      constraints.append(((!active).implies(value == before), .haltsAtFirstTrap))
      constraints.append(((active && anyTrap).implies(value == pre.registers[number]), .trapHasNoEffect))
      if !declaredRegisters.contains(number) {
        constraints.append((executes.implies(value == before), .unwrittenPreserved))
      }
      post.registers[number] = value
      post.values[number] = computed[number] ?? value
    }
    if let write = memoryWrite {
      constraints.append(((!active).implies(write.stored == write.old), .haltsAtFirstTrap))
      constraints.append(((active && anyTrap).implies(write.stored == write.old), .trapHasNoEffect))
      if !write.declared {
        constraints.append((executes.implies(write.stored == write.old), .unwrittenPreserved))
      }
      post.memory = pre.memory.store(write.address, write.stored)
    }
    if !traps.isEmpty {
      let trapped = z3.boolVariable("\(name)trapped")
      let cause = z3.bvVariable("\(name)cause", width: xlen)
      let tval = z3.bvVariable("\(name)tval", width: xlen)
      let epc = z3.bvVariable("\(name)epc", width: xlen)
      let kept =
        trapped.iff(pre.trap.trapped) && cause == pre.trap.cause && tval == pre.trap.tval
        && epc == pre.trap.epc
      constraints.append(((!active).implies(kept), .haltsAtFirstTrap))
      for (trap, condition) in zip(traps, effective) {
        let record = trapped && cause == trap.cause && tval == trap.tval && epc == xlenConstant(pc)
        constraints.append(((active && condition).implies(record), trap.rule))
      }
      constraints.append(((active && !anyTrap).implies(kept), .noTrapWithoutCause))
      post.trap = TrapRecord(trapped: trapped, cause: cause, tval: tval, epc: epc)
    }
    if let newReservation {
      post.reservation = Reservation(
        valid: executes.ite(newReservation.valid, pre.reservation.valid),
        address: executes.ite(newReservation.address, pre.reservation.address))
    }
    return (post, constraints)
  }
}
