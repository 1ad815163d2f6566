/// What each step of a program did in an earlier run, keyed by what it read.
///
/// A step's semantics is a function of the instruction, its address and the values it reads: the
/// registers, the bytes it loads, the reservation. A test generator runs one program many times
/// with a few initial values changed; most steps then read exactly what they read before, and
/// doing again what they did then is the same as running their semantics. A step that met a choice
/// point, broke a rule, or read or wrote more than the memo holds always runs its semantics.
public final class StepCache {
  /// One memo per instruction, valid where `present` says: read and written in place, since a
  /// memo is a few hundred bytes and a step looks at one every time it runs.
  private let memos: UnsafeMutablePointer<StepMemo>
  private let present: UnsafeMutablePointer<Bool>

  /// A cache for one program of `count` instructions (one memo per instruction).
  public init(count: Int) {
    capacity = max(count, 1)
    memos = .allocate(capacity: capacity)
    present = .allocate(capacity: capacity)
    present.initialize(repeating: false, count: capacity)
  }

  deinit {
    // Memos and flags are plain values: there is nothing to deinitialise.
    memos.deallocate()
    present.deallocate()
  }

  /// How many instructions the cache has room for.
  public let capacity: Int

  /// Empties the cache for another program of at most `capacity` instructions, keeping its
  /// storage and its machine: a test generator prepares program after program.
  public func forget() {
    present.update(repeating: false, count: capacity)
    replayed = 0
    executed = 0
  }

  /// The memo of instruction `index`, if it has one.
  @inline(__always) func memo(_ index: Int) -> UnsafePointer<StepMemo>? {
    present[index] ? UnsafePointer(memos + index) : nil
  }

  /// Keeps the step under way in `machine` as instruction `index`'s memo, or forgets the memo
  /// when the step cannot be replayed from one.
  @inline(__always) func remember(_ index: Int, from machine: ConcreteMachine) {
    present[index] = machine.memo(into: memos + index)
  }

  /// How many steps were done again from a memo, and how many ran their semantics.
  public internal(set) var replayed = 0
  public internal(set) var executed = 0

  /// The machine of the last run, kept for the next run of the program to reset and use.
  private var spare: ConcreteMachine?

  /// A machine set up for a new run: the last run's, reset, when it has the same XLEN.
  func machine(xlen: Int, registers: [UInt64], memory: ConcreteMemory, cursor: ChoiceCursor) -> ConcreteMachine {
    if let machine = spare, machine.xlen == xlen {
      spare = nil
      machine.reset(registers: registers, memory: memory, cursor: cursor)
      return machine
    }
    return ConcreteMachine(xlen: xlen, registers: registers, memory: memory, cursor: cursor)
  }

  /// Keeps `machine`, whose run is over, for the next run.
  func keep(_ machine: ConcreteMachine) { spare = machine }

  /// Gives the kept machine the storage of `run`, a run of any program the caller is done with
  /// and holds nowhere else: its memory and its arrays of registers, writers and events. A run
  /// sets all of them anew, so between runs the machine holds only storage; but while the last
  /// run is kept elsewhere (for checking), the machine shares that run's arrays and would copy
  /// them at the next run's first write. The storage the machine had is let go.
  public func reuseStorage(of run: ConcreteExecutor.Run) {
    spare?.reuseStorage(of: run)
  }
}

/// One step's inputs and effects.
struct StepMemo {
  struct Load {
    let address: UInt64
    let bytes: Int
    let value: UInt128

    static let none = Load(address: 0, bytes: 0, value: 0)
  }

  // Inputs.
  let registers: UInt32
  /// The values of the registers read, lowest number first (at most eight).
  let values: SIMD8<UInt64>
  let loads: (Load, Load)
  let loadCount: Int
  let reservation: (valid: Bool, address: UInt64)?

  // Effects.
  let writes: (first: (register: Int, value: UInt64)?, second: (register: Int, value: UInt64)?)
  let store: (address: UInt64, value: UInt128, bytes: Int)?
  let trap: (cause: UInt64, tval: UInt64)?
  let newReservation: (valid: Bool, address: UInt64)?
  let branchOffset: Int64?
  let success: Bool?
}

extension ConcreteMachine {
  /// Writes the step under way as a memo to `destination`; false (and nothing written) when it cannot be
  /// replayed from one. Called before `finish` applies the step.
  func memo(into destination: UnsafeMutablePointer<StepMemo>) -> Bool {
    guard stepChoices == 0, loadCount <= 2, brokenRequirement == nil, prunedBy == nil, !unconstrained,
      writeCount <= 2, stepRegisters.nonzeroBitCount <= 8
    else { return false }
    var values = SIMD8<UInt64>(repeating: 0)
    var slot = 0
    var mask = stepRegisters
    while mask != 0 {
      values[slot] = registerFile[mask.trailingZeroBitCount]
      slot += 1
      mask &= mask - 1
    }
    destination.initialize(
      to: StepMemo(
        registers: stepRegisters, values: values, loads: stepLoads, loadCount: loadCount,
        reservation: stepReadsReservation ? (reservationValid, reservationAddress) : nil,
        writes: (writeCount > 0 ? writes[0] : nil, writeCount > 1 ? writes[1] : nil),
        store: pendingStore, trap: pendingTrap, newReservation: pendingReservation, branchOffset: branchOffset,
        success: success))
    return true
  }

  /// Whether the step would read now exactly what it read when `memo` was made.
  @inline(__always) func matches(_ memo: UnsafePointer<StepMemo>) -> Bool {
    var slot = 0
    var mask = memo.pointee.registers
    while mask != 0 {
      if registerFile[mask.trailingZeroBitCount] != memo.pointee.values[slot] { return false }
      slot += 1
      mask &= mask - 1
    }
    if let reservation = memo.pointee.reservation,
      reservation.valid != reservationValid || reservation.address != reservationAddress
    {
      return false
    }
    if memo.pointee.loadCount > 0 && !holds(memo.pointee.loads.0) { return false }
    if memo.pointee.loadCount > 1 && !holds(memo.pointee.loads.1) { return false }
    return true
  }

  private func holds(_ load: StepMemo.Load) -> Bool {
    // Within one region (every load that does not trap): one block read.
    if let value = memory.value(at: load.address, count: load.bytes) { return value == load.value }
    var value: UInt128 = 0
    for index in 0..<load.bytes {
      value |= UInt128(memory.byte(at: (load.address &+ UInt64(index)) & xlenMask)) << UInt128(8 * index)
    }
    return value == load.value
  }

  /// Does the step at program `index` again as `memo` recorded it and applies it as `finish`
  /// would: one pass, with none of the step's effects gathered first. Its reads are noted for
  /// the run (who read what); what a memo of it would hold is not gathered, since a step done
  /// again from a memo makes none. Returns whether the instruction executed (a memo holds no
  /// broken rule, so only a trap stops it).
  func replayAndFinish(_ memo: UnsafePointer<StepMemo>, index: Int) -> Bool {
    // Read in place: a memo is a few hundred bytes.
    noteRead(memo.pointee.registers)
    if memo.pointee.loadCount > 0 { noteReplayedLoad(memo.pointee.loads.0) }
    if memo.pointee.loadCount > 1 { noteReplayedLoad(memo.pointee.loads.1) }
    success = memo.pointee.success
    if let pendingTrap = memo.pointee.trap {
      trap = ConcreteTrap(cause: pendingTrap.cause, tval: pendingTrap.tval, index: index)
      branchOffset = nil
      return false
    }
    if let write = memo.pointee.writes.first { land(write, by: index) }
    if let write = memo.pointee.writes.second { land(write, by: index) }
    if let store = memo.pointee.store {
      memory.write(store.address, value: store.value, bytes: store.bytes, by: index, mask: xlenMask)
    }
    if let reservation = memo.pointee.newReservation {
      reservationValid = reservation.valid
      reservationAddress = reservation.address
    }
    branchOffset = memo.pointee.branchOffset
    return true
  }
}
