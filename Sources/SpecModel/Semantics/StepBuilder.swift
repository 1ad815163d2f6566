/// The interface every instruction's semantics is written against, with two interpretations.
///
/// Symbolic: the step becomes the Z3 relation between the state before and after the instruction,
/// each constraint tracked under its rule (`SymbolicStep`). Concrete: the same calls compute the next
/// state of a `ConcreteMachine` directly, with implementation choices as choice points that the run
/// enumerates. The semantics closures in the instruction table never know which one they drive.
public struct StepBuilder {
  /// The machine's configuration, shared by every step of a run: one reference to copy per step.
  final class Context: @unchecked Sendable {
    let isa: ISAString
    let profile: Profile
    let memoryMap: MemoryMap
    /// The map's regions again, outside its array: the concrete semantics ask at every access
    /// whether the map allows it, and asked through the map, the array was retained for each call.
    /// Written once here and only read after, so the context may be shared.
    private let regions: UnsafeMutableBufferPointer<MemoryMap.Region>

    init(_ configuration: MachineConfiguration) {
      isa = configuration.isa
      profile = configuration.profile
      memoryMap = configuration.memoryMap
      regions = .allocate(capacity: configuration.memoryMap.regions.count)
      _ = regions.initialize(from: configuration.memoryMap.regions)
    }

    deinit { regions.deallocate() }

    /// `memoryMap.allows` for a concrete address.
    @inline(__always) func allows(_ address: UInt64, bytes: Int, write: Bool) -> Bool {
      for region in regions where region.allows(address, bytes: bytes, write: write) { return true }
      return false
    }
  }

  let context: Context
  // Lent, not copied: the semantics ask these at every step, and a copy holds their arrays.
  public var isa: ISAString { _read { yield context.isa } }
  public var profile: Profile { _read { yield context.profile } }
  public var memoryMap: MemoryMap { _read { yield context.memoryMap } }
  public internal(set) var instruction: Instruction
  public internal(set) var pc: UInt64
  /// The encoded instruction, for mtval on illegal instruction.
  public var bits: UInt32 { (try? instruction.encoded()) ?? 0 }
  let backend: Backend

  enum Backend {
    case symbolic(SymbolicStep)
    /// Unretained: the run that makes the builder holds its machine for as long as the builder
    /// lives, and a retained payload cost a reference count at every call of the semantics.
    case concrete(Unmanaged<ConcreteMachine>)

    static func concrete(_ machine: ConcreteMachine) -> Backend { .concrete(.passUnretained(machine)) }
  }

  init(context: Context, instruction: Instruction, pc: UInt64, backend: Backend) {
    self.context = context
    self.instruction = instruction
    self.pc = pc
    self.backend = backend
  }

  public var xlen: Int { isa.xlen }

  /// Whether all of `[address, address + bytes)` lies in one region of the memory map that allows
  /// the access (`MemoryMap.allows`).
  public func memoryAllows(_ address: BitVec, bytes: Int, write: Bool) -> Formula {
    if address.width <= 64, let value = address.concrete {
      return Formula(context.allows(UInt64(truncatingIfNeeded: value), bytes: bytes, write: write))
    }
    return memoryMap.allows(address, bytes: bytes, write: write)
  }

  /// Register `number` before the instruction (x0 reads zero).
  @inline(__always) public func x(_ number: Int) -> BitVec {
    switch backend {
    case .symbolic(let step): step.pre.values[number]
    case .concrete(let machine):
      machine._withUnsafeGuaranteedRef { machine in BitVec(within: UInt128(machine.read(number)), width: xlen) }
    }
  }

  /// A value of XLEN bits.
  public func xlenConstant(_ value: UInt64) -> BitVec { BitVec(value, width: xlen) }

  /// A signed immediate as an XLEN-bit value.
  public func immediate(_ value: Int64) -> BitVec { BitVec(wide: UInt128(truncatingIfNeeded: value), width: xlen) }

  /// Writes `value` to `rd` under `rule`; writes to x0 are discarded.
  @inline(__always) public mutating func write(_ rd: Int, _ value: BitVec, _ rule: Rule) {
    guard rd != 0 else { return }
    switch backend {
    case .symbolic(let step): step.write(rd, value, rule)
    case .concrete(let machine): machine._withUnsafeGuaranteedRef { machine in machine.write(rd, value) }
    }
  }

  /// Writes `rd` in two pieces, each under its own rule (so a wrong sign extension is named apart
  /// from a wrong loaded value). Writes to x0 are discarded.
  public mutating func write(_ rd: Int, upper: BitVec, _ upperRule: Rule, lower: BitVec, _ lowerRule: Rule) {
    guard rd != 0 else { return }
    let whole = upper.concat(lower)
    switch backend {
    case .symbolic(let step): step.write(rd, pieces: [(upper, upperRule), (lower, lowerRule)], whole: whole)
    case .concrete(let machine): machine._withUnsafeGuaranteedRef { machine in machine.write(rd, whole) }
    }
  }

  /// Register `number` keeps its value, under `rule` (a destination the manual says is not written).
  public mutating func keep(_ number: Int, _ rule: Rule) {
    if case .symbolic(let step) = backend { step.keep(number, rule) }
  }

  /// A named intermediate value defined by `value` under `rule`. Symbolically a fresh variable with a
  /// tracked equality, so a core can blame the definition; concretely just the value.
  @inline(__always) public mutating func define(_ label: String, _ value: BitVec, _ rule: Rule) -> BitVec {
    switch backend {
    case .symbolic(let step): step.define(label, value, rule)
    case .concrete: value
    }
  }

  public mutating func define(_ label: String, _ value: Formula, _ rule: Rule) -> Formula {
    switch backend {
    case .symbolic(let step): step.define(label, value, rule)
    case .concrete: value
    }
  }

  /// A constraint that holds when the instruction executes (does not trap, is not halted).
  /// Concretely, an outcome that breaks it is not allowed.
  public mutating func require(_ formula: Formula, _ rule: Rule) {
    switch backend {
    case .symbolic(let step): step.requirements.append((formula, rule))
    case .concrete(let machine): machine._withUnsafeGuaranteedRef { machine in machine.require(formula, rule) }
    }
  }

  /// `bytes` bytes of memory before the instruction.
  public func load(_ address: BitVec, bytes: Int) -> BitVec {
    switch backend {
    case .symbolic(let step): step.pre.memory.load(address, bytes: bytes)
    case .concrete(let machine): machine._withUnsafeGuaranteedRef { machine in machine.load(address, bytes: bytes) }
    }
  }

  /// Stores `value` at `address` when `condition` holds (`rule`); otherwise the bytes keep their
  /// value (`otherwise`).
  public mutating func store(
    _ address: BitVec, _ value: BitVec, when condition: Formula? = nil, _ rule: Rule, otherwise: Rule? = nil
  ) {
    switch backend {
    case .symbolic(let step): step.store(address, value, when: condition, rule, otherwise: otherwise)
    case .concrete(let machine):
      machine._withUnsafeGuaranteedRef { machine in machine.store(address, value, when: condition ?? Formula(true)) }
    }
  }

  /// Declares a trap. Traps declared earlier take priority over later ones.
  public mutating func trap(when condition: Formula, cause: BitVec, tval: BitVec, _ rule: Rule) {
    if isConcreteAndFalse(condition) { return }
    let cause = cause.truncate(to: min(cause.width, xlen)).zeroExtend(to: xlen)
    switch backend {
    case .symbolic(let step): step.traps.append((condition, cause, tval, rule))
    case .concrete(let machine):
      machine._withUnsafeGuaranteedRef { machine in machine.trap(when: condition, cause: cause, tval: tval) }
    }
  }

  public mutating func trap(when condition: Formula, cause: UInt64, tval: BitVec, _ rule: Rule) {
    if isConcreteAndFalse(condition) { return }
    trap(when: condition, cause: xlenConstant(cause), tval: tval, rule)
  }

  /// Whether this is the concrete interpretation and `condition` is false there: a trap behind it
  /// is never taken, and its operands need not be built. (The relation keeps every trap.)
  @inline(__always) private func isConcreteAndFalse(_ condition: Formula) -> Bool {
    if case .concrete = backend, condition.concrete == false { return true }
    return false
  }

  /// A free yes/no implementation choice. Concretely a choice point: yes first, then no.
  public mutating func choice(_ label: String) -> Formula {
    switch backend {
    case .symbolic(let step): step.z3.boolVariable("\(step.name)choice.\(label)")
    case .concrete(let machine): machine._withUnsafeGuaranteedRef { machine in Formula(machine.choose(among: 2) == 0) }
    }
  }

  /// A choice among `options`, limited to those the profile allows: each option with the condition
  /// under which it is taken.
  mutating func pick<Option: Hashable>(
    _ label: String, among options: [Option], allowed: Set<Option>
  ) -> [(Option, Formula)] {
    switch backend {
    case .symbolic(let step):
      let index = step.z3.bvVariable("\(step.name)choice.\(label)", width: 2)
      let cases = options.enumerated().map { (number, option) in
        (option, index == BitVec(UInt64(number), width: 2))
      }
      step.choiceConstraints.append(
        (step.z3.any(cases.filter { allowed.contains($0.0) }.map { $0.1 }), profileRule(label)))
      return cases
    case .concrete(let machine):
      let permitted = options.filter { allowed.contains($0) }
      let chosen =
        permitted.isEmpty ? nil : permitted[machine._withUnsafeGuaranteedRef { $0.choose(among: permitted.count) }]
      if chosen == nil { machine._withUnsafeGuaranteedRef { $0.prune(profileRule(label)) } }
      return options.map { ($0, Formula($0 == chosen)) }
    }
  }

  /// A profile constraint on a choice: holds whether or not the instruction executes.
  /// (The rule is made only where it is needed: concretely, when the choice breaks it.)
  public mutating func constrainChoice(_ formula: Formula, _ rule: @autoclosure () -> Rule) {
    switch backend {
    case .symbolic(let step): step.choiceConstraints.append((formula, rule()))
    case .concrete(let machine):
      machine._withUnsafeGuaranteedRef { machine in if formula.concrete == false { machine.prune(rule()) } }
    }
  }

  /// The program continues at `pc + offset` when `condition` holds.
  public mutating func branch(when condition: Formula, offset: Int64) {
    switch backend {
    case .symbolic(let step): step.branch = (condition, offset)
    case .concrete(let machine):
      machine._withUnsafeGuaranteedRef { machine in machine.branch(when: condition, offset: offset) }
    }
  }

  /// Names an internal event so a test generator can aim for it and count it.
  @inline(__always) public mutating func note(_ label: String, _ formula: Formula) {
    switch backend {
    case .symbolic(let step): step.notes[label] = formula
    case .concrete(let machine): machine._withUnsafeGuaranteedRef { machine in machine.note(label, formula) }
    }
  }

  public mutating func setReservation(valid: Formula, address: BitVec) {
    switch backend {
    case .symbolic(let step): step.newReservation = Reservation(valid: valid, address: address)
    case .concrete(let machine):
      machine._withUnsafeGuaranteedRef { machine in machine.setReservation(valid: valid, address: address) }
    }
  }

  public var reservation: Reservation {
    switch backend {
    case .symbolic(let step): return step.pre.reservation
    case .concrete(let machine):
      let (valid, address) = machine._withUnsafeGuaranteedRef { $0.readReservation() }
      return Reservation(valid: Formula(valid), address: BitVec(address, width: xlen))
    }
  }

  /// Under `condition` the outcome is unconstrained (a reserved encoding that does not trap):
  /// every register, and the `bytes` bytes at `address`, may take any value.
  public mutating func unconstrained(when condition: Formula, address: BitVec, bytes: Int) {
    switch backend {
    case .symbolic(let step): step.unconstrained(when: condition, address: address, bytes: bytes)
    case .concrete(let machine):
      machine._withUnsafeGuaranteedRef { machine in if condition.concrete != false { machine.unconstrained = true } }
    }
  }
}

extension Formula {
  /// False only when the formula is the concrete `false`: whether a branch of the semantics can
  /// matter at all (a choice behind a condition that cannot hold is never met).
  public var mayHold: Bool { concrete != false }
}
