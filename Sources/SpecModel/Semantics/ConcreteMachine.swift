/// The concrete interpretation of the spec's steps: one hart's state as machine words, changed by
/// the same semantics closures that build the Z3 relation.
///
/// A step's effects are gathered while its semantics runs and applied by `finish`, so every read
/// sees the state before the instruction (rd may be rs1). Where the profile leaves a choice, the
/// step asks `choose`, which follows the current path of a `ChoiceCursor`.
final class ConcreteMachine {
  let xlen: Int
  let xlenMask: UInt64
  var registers: [UInt64]
  var memory: ConcreteMemory
  var reservationValid = false
  var reservationAddress: UInt64 = 0
  var trap: ConcreteTrap?
  /// The program index of the instruction that last wrote each register (-1: the initial state).
  var registerWriter: [Int]
  var cursor: ChoiceCursor

  // What the step under way does; reset by `begin`.
  /// The register writes of the step under way: the first `writeCount` entries (the storage is
  /// kept from step to step rather than emptied).
  private var writes: [(register: Int, value: UInt64)] = []
  private var writeCount = 0
  private var pendingStore: (address: UInt64, value: UInt128, bytes: Int)?
  private var pendingTrap: (cause: UInt64, tval: UInt64)?
  private var pendingReservation: (valid: Bool, address: UInt64)?
  private(set) var branchOffset: Int64?
  /// The rule of a requirement or profile constraint this run broke: it is not an allowed outcome.
  private(set) var prunedBy: Rule?
  /// The run met a reserved encoding whose outcome is anything: only the relation can judge it.
  var unconstrained = false
  /// The "success" event of the step under way, if it names one.
  private(set) var success: Bool?
  private var brokenRequirement: Rule?

  init(xlen: Int, registers: [UInt64], memory: ConcreteMemory, cursor: ChoiceCursor) {
    self.xlen = xlen
    self.xlenMask = xlen == 64 ? .max : (1 << UInt64(xlen)) - 1
    self.registers = registers.map { $0 & (xlen == 64 ? .max : (1 << UInt64(xlen)) - 1) }
    self.registers[0] = 0
    self.memory = memory
    self.registerWriter = Array(repeating: -1, count: 32)
    self.cursor = cursor
  }

  @inline(__always) private func value(_ term: BitVec) -> UInt128 {
    guard let value = term.concrete else { preconditionFailure("a Z3 term reached the concrete interpretation") }
    return value
  }

  @inline(__always) private func truth(_ formula: Formula) -> Bool {
    guard let value = formula.concrete else { preconditionFailure("a Z3 term reached the concrete interpretation") }
    return value
  }

  func begin() {
    writeCount = 0
    pendingStore = nil
    pendingTrap = nil
    pendingReservation = nil
    branchOffset = nil
    success = nil
    brokenRequirement = nil
  }

  func write(_ rd: Int, _ value: BitVec) {
    let write = (rd, UInt64(truncatingIfNeeded: self.value(value)) & xlenMask)
    if writeCount < writes.count { writes[writeCount] = write } else { writes.append(write) }
    writeCount += 1
  }

  /// Checked in `finish`: a requirement binds only when the instruction executes.
  func require(_ formula: Formula, _ rule: Rule) {
    if !truth(formula) && brokenRequirement == nil { brokenRequirement = rule }
  }

  func load(_ address: BitVec, bytes: Int) -> BitVec {
    let start = UInt64(truncatingIfNeeded: value(address))
    var loaded: UInt128 = 0
    for index in 0..<bytes {
      let byte = memory.byte(at: (start &+ UInt64(index)) & xlenMask)
      loaded |= UInt128(byte) << UInt128(8 * index)
    }
    return BitVec(wide: loaded, width: 8 * bytes)
  }

  func store(_ address: BitVec, _ stored: BitVec, when condition: Formula) {
    guard truth(condition) else { return }
    pendingStore = (UInt64(truncatingIfNeeded: value(address)) & xlenMask, value(stored), stored.width / 8)
  }

  func trap(when condition: Formula, cause: BitVec, tval: BitVec) {
    guard pendingTrap == nil, truth(condition) else { return }
    pendingTrap = (UInt64(truncatingIfNeeded: value(cause)), UInt64(truncatingIfNeeded: value(tval)) & xlenMask)
  }

  func branch(when condition: Formula, offset: Int64) {
    if truth(condition) { branchOffset = offset }
  }

  func note(_ label: String, _ formula: Formula) {
    if label == "success" { success = truth(formula) }
  }

  func setReservation(valid: Formula, address: BitVec) {
    pendingReservation = (truth(valid), UInt64(truncatingIfNeeded: value(address)) & xlenMask)
  }

  /// Takes the next option of a choice point.
  func choose(among options: Int) -> Int { cursor.next(among: options) }

  func prune(_ rule: Rule) {
    if prunedBy == nil { prunedBy = rule }
  }

  /// Applies the step at program `index` (address `pc`): a trap records itself and changes nothing
  /// else; otherwise the writes land. Returns whether the instruction executed.
  func finish(index: Int, pc: UInt64) -> Bool {
    if let pendingTrap {
      trap = ConcreteTrap(cause: pendingTrap.cause, tval: pendingTrap.tval, index: index)
      branchOffset = nil
      return false
    }
    if unconstrained { return false }
    if let brokenRequirement { prune(brokenRequirement) }
    for (register, value) in writes.prefix(writeCount) where register != 0 {
      registers[register] = value
      registerWriter[register] = index
    }
    if let pendingStore {
      memory.write(
        pendingStore.address, value: pendingStore.value, bytes: pendingStore.bytes, by: index, mask: xlenMask)
    }
    if let pendingReservation {
      reservationValid = pendingReservation.valid
      reservationAddress = pendingReservation.address
    }
    return true
  }

  /// The concrete state the machine holds now.
  var state: ConcreteState {
    ConcreteState(registers: registers, memory: memory.bytes, trap: trap)
  }
}

/// The path through a program's choice points: which option each point took, and how many it had.
/// Runs go through the paths depth first, the first option of every point first.
public struct ChoiceCursor: Sendable {
  private var taken: [Int] = []
  private var counts: [Int] = []
  private var position = 0

  public init() {}

  /// How many choice points the last run met.
  public var depth: Int { counts.count }

  /// How many of them had more than one option.
  public var openPoints: Int { counts.reduce(0) { $0 + ($1 > 1 ? 1 : 0) } }

  mutating func next(among options: Int) -> Int {
    defer { position += 1 }
    if position < taken.count { return taken[position] }
    taken.append(0)
    counts.append(options)
    return 0
  }

  /// Moves to the next path for a new run; false when every path has been taken.
  mutating func advance() -> Bool {
    // Points past where the last run stopped were not met: forget them.
    taken.removeSubrange(min(position, taken.count)...)
    counts.removeSubrange(min(position, counts.count)...)
    position = 0
    while let last = taken.last {
      if last + 1 < counts[counts.count - 1] {
        taken[taken.count - 1] = last + 1
        return true
      }
      taken.removeLast()
      counts.removeLast()
    }
    return false
  }
}
