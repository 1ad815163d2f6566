/// The symbolic interpretation of one step: declarations become constraints on fresh post-state
/// variables, each tracked under its rule, guarded so that a trapping or halted instruction changes
/// nothing.
final class SymbolicStep {
  let z3: Z3Context
  let pre: MachineState
  let name: String
  let pc: UInt64
  let xlen: Int

  private var postRegisters: [Int: BitVec] = [:]
  /// Registers the semantics writes (or pins) itself; others it holds only when unconstrained.
  private var declaredRegisters: Set<Int> = []
  /// The value each written register holds when the instruction executes.
  private var computed: [Int: BitVec] = [:]
  /// The store this instruction makes: where, and the fresh variable holding what it writes.
  private var memoryWrite: (address: BitVec, stored: BitVec, old: BitVec, declared: Bool)?
  var requirements: [(Formula, Rule)] = []
  var choiceConstraints: [(Formula, Rule)] = []
  var traps: [(condition: Formula, cause: BitVec, tval: BitVec, rule: Rule)] = []
  var newReservation: Reservation?
  private var unconstrainedWhen: Formula?
  var branch: (taken: Formula, offset: Int64)?
  /// Events the semantics names for test generation and coverage (e.g. "success").
  var notes: [String: Formula] = [:]

  init(z3: Z3Context, pre: MachineState, name: String, pc: UInt64) {
    self.z3 = z3
    self.pre = pre
    self.name = name
    self.pc = pc
    self.xlen = pre.xlen
  }

  /// The value of register `number` after the instruction, as a fresh variable to constrain.
  func destination(_ number: Int) -> BitVec {
    declaredRegisters.insert(number)
    return postVariable(number)
  }

  private func postVariable(_ number: Int) -> BitVec {
    if let existing = postRegisters[number] { return existing }
    let fresh = z3.bvVariable("\(name)x\(number)", width: xlen)
    postRegisters[number] = fresh
    return fresh
  }

  func write(_ rd: Int, _ value: BitVec, _ rule: Rule) {
    let target = destination(rd)
    let folded = value.simplified
    requirements.append((target == folded, rule))
    computed[rd] = folded
  }

  func write(_ rd: Int, pieces: [(value: BitVec, rule: Rule)], whole: BitVec) {
    let target = destination(rd)
    var high = xlen - 1
    for piece in pieces {
      requirements.append((target.extract(high, high - piece.value.width + 1) == piece.value, piece.rule))
      high -= piece.value.width
    }
    computed[rd] = whole.simplified
  }

  func keep(_ number: Int, _ rule: Rule) {
    requirements.append((destination(number) == pre.registers[number], rule))
  }

  func define(_ label: String, _ value: BitVec, _ rule: Rule) -> BitVec {
    let fresh = z3.bvVariable("\(name)\(label)", width: value.width)
    requirements.append((fresh == value, rule))
    return fresh
  }

  func define(_ label: String, _ value: Formula, _ rule: Rule) -> Formula {
    let fresh = z3.boolVariable("\(name)\(label)")
    requirements.append((fresh.iff(value), rule))
    return fresh
  }

  /// What is written is a fresh variable, so a wrong memory outcome is pinned on the rule that
  /// fixes it.
  func store(_ address: BitVec, _ value: BitVec, when condition: Formula?, _ rule: Rule, otherwise: Rule?) {
    precondition(memoryWrite?.declared != true, "one memory write per instruction")
    let old = pre.memory.load(address, bytes: value.width / 8)
    let stored = z3.bvVariable("\(name)stored", width: value.width)
    memoryWrite = (address, stored, old, true)
    if let condition {
      requirements.append((condition.implies(stored == value), rule))
      requirements.append(((!condition).implies(stored == old), otherwise ?? rule))
    } else {
      requirements.append((stored == value, rule))
    }
  }

  func unconstrained(when condition: Formula, address: BitVec, bytes: Int) {
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
    let free = unconstrainedWhen ?? Formula(false)
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
        let record = trapped && cause == trap.cause && tval == trap.tval && epc == BitVec(pc, width: xlen)
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
