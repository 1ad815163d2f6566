/// The concrete interpretation of the spec's steps: one hart's state as machine words, changed by
/// the same semantics closures that build the Z3 relation.
///
/// A step's effects are gathered while its semantics runs and applied by `finish`, so every read
/// sees the state before the instruction (rd may be rs1). Where the profile leaves a choice, the
/// step asks `choose`, which follows the current path of a `ChoiceCursor`.
final class ConcreteMachine {
  let xlen: Int
  let xlenMask: UInt64
  /// The registers and the program index of the instruction that last wrote each (-1: the
  /// initial state), 32 of each, held in place: they are read and written at every step, and an
  /// array's uniqueness test at each write cost more than the write.
  let registerFile: UnsafeMutablePointer<UInt64>
  let writerFile: UnsafeMutablePointer<Int>
  var registers: [UInt64] { Array(UnsafeBufferPointer(start: registerFile, count: 32)) }
  var registerWriter: [Int] { Array(UnsafeBufferPointer(start: writerFile, count: 32)) }
  /// The registers, their writers and the events as a run's record hands them out: kept from run
  /// to run, and filled in place when nothing holds the last run's record any more.
  private var recordedRegisters: [UInt64] = []
  private var recordedWriters: [Int] = []
  var events: [ConcreteExecutor.StepEvent] = []

  /// The registers no step has written yet (bits): `writerFile` is -1 for exactly these.
  private(set) var unwrittenRegisters: UInt32 = ~0
  var memory: ConcreteMemory
  var reservationValid = false
  var reservationAddress: UInt64 = 0
  var trap: ConcreteTrap?
  var cursor: ChoiceCursor

  // What the step under way does; reset by `begin`.
  /// The register writes of the step under way: the first `writeCount` entries, held in place
  /// (room for one per register) like the register file, written at nearly every step.
  let writes: UnsafeMutablePointer<(register: Int, value: UInt64)>
  var writeCount = 0
  var pendingStore: (address: UInt64, value: UInt128, bytes: Int)?
  var pendingTrap: (cause: UInt64, tval: UInt64)?
  var pendingReservation: (valid: Bool, address: UInt64)?
  var branchOffset: Int64?
  /// The rule of a requirement or profile constraint this run broke: it is not an allowed outcome.
  private(set) var prunedBy: Rule?
  /// The run met a reserved encoding whose outcome is anything: only the relation can judge it.
  var unconstrained = false
  /// The observer ended the run before the step under way (`PreStep.endRun`).
  var endedByObserver = false
  /// Whether the step the observer is shown reads what it read when its memo was made, so that
  /// it will be done again as then (`PreStep.replaysEarlierRun`).
  var observedStepReplays = false
  /// How many initial values observers have changed: a step whose reads were matched against its
  /// memo before the observer ran is matched again only if this moved.
  var initialChanges = 0
  /// The "success" event of the step under way, if it names one.
  var success: Bool?
  var brokenRequirement: Rule?
  /// Every register any step of the run has read so far (bits), and every span of memory loaded
  /// with the program index of the step that loaded it: an initial value nothing has read or
  /// written yet can still change without changing the past.
  private(set) var registersRead: UInt32 = 0
  /// Held in place, the first `memoryReadCount` entries (room for `memoryReadCapacity`): a load
  /// appends one at nearly every step, and an array's uniqueness test cost more than the append.
  private var memoryRead: UnsafeMutablePointer<(start: UInt64, end: UInt64, step: Int)>
  private var memoryReadCount = 0
  private var memoryReadCapacity = 64
  /// Who read each register: the program index of the one step that did (where `registersRead`
  /// has the register's bit and `sharedReads` does not), and the registers several steps read.
  /// A test generator may still change an initial value that only a step copying it to memory
  /// has read, together with the bytes that step wrote.
  let soleReaderFile: UnsafeMutablePointer<Int>
  private(set) var sharedReads: UInt32 = 0
  /// The program index of the step under way (-1 before the first).
  var step = -1
  /// Whether the run has gone back to a step it ran before (a branch backwards): a step's index
  /// then no longer names one step of the run.
  private(set) var revisited = false
  /// What the step under way read, for a `StepCache`: registers (bits), up to two loads with the
  /// values they returned (`loadCount` beyond two: too many to remember), and the reservation.
  var stepRegisters: UInt32 = 0
  private(set) var stepLoads: (StepMemo.Load, StepMemo.Load) = (.none, .none)
  private(set) var loadCount = 0
  var stepReadsReservation = false
  private(set) var stepChoices = 0

  init(xlen: Int, registers: [UInt64], memory: ConcreteMemory, cursor: ChoiceCursor) {
    self.xlen = xlen
    self.xlenMask = xlen == 64 ? .max : (1 << UInt64(xlen)) - 1
    registerFile = .allocate(capacity: 32)
    registerFile.initialize(repeating: 0, count: 32)
    writerFile = .allocate(capacity: 32)
    writerFile.initialize(repeating: -1, count: 32)
    soleReaderFile = .allocate(capacity: 32)
    soleReaderFile.initialize(repeating: -1, count: 32)
    writes = .allocate(capacity: 32)
    writes.initialize(repeating: (0, 0), count: 32)
    memoryRead = .allocate(capacity: memoryReadCapacity)
    self.memory = memory
    self.cursor = cursor
    restart(registers: registers, cursor: cursor)
  }

  deinit {
    registerFile.deallocate()
    writerFile.deallocate()
    soleReaderFile.deallocate()
    writes.deallocate()
    memoryRead.deallocate()
  }

  /// Takes `run`'s arrays as storage for the next run's record and memory (`StepCache.reuseStorage`):
  /// a run fills each in place before reading it.
  func reuseStorage(of run: ConcreteExecutor.Run) {
    memory = run.memory
    if run.registers.count == 32 && run.registerWriter.count == 32 {
      recordedRegisters = run.registers
      recordedWriters = run.registerWriter
    }
    events = run.events
  }

  /// Sets the machine up for a new run, keeping its storage: a test generator runs one program
  /// several times, and a machine made anew for each run cost its allocations each time.
  func reset(registers: [UInt64], memory: ConcreteMemory, cursor: ChoiceCursor) {
    self.memory.assign(memory)
    restart(registers: registers, cursor: cursor)
  }

  /// Everything of `reset` but the memory (`init` ends here too, having taken its memory whole).
  private func restart(registers: [UInt64], cursor: ChoiceCursor) {
    for number in 0..<32 { registerFile[number] = number < registers.count ? registers[number] & xlenMask : 0 }
    registerFile[0] = 0
    writerFile.update(repeating: -1, count: 32)
    unwrittenRegisters = ~0
    endedByObserver = false
    events.removeAll(keepingCapacity: true)
    reservationValid = false
    reservationAddress = 0
    trap = nil
    // A first path (a fresh cursor) reuses the storage of the last run's: made anew, the cursor
    // allocated its arrays again at the first choice point of every run.
    if cursor.isFresh { self.cursor.restartKeepingStorage() } else { self.cursor = cursor }
    begin()
    prunedBy = nil
    unconstrained = false
    registersRead = 0
    sharedReads = 0
    step = -1
    revisited = false
    memoryReadCount = 0
    stepLoads = (.none, .none)
    observedRegisters = 0
    observedCount = 0
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
    stepRegisters = 0
    loadCount = 0
    stepReadsReservation = false
    stepChoices = 0
  }

  func write(_ rd: Int, _ value: BitVec) {
    record(write: (rd, UInt64(truncatingIfNeeded: self.value(value)) & xlenMask))
  }

  func record(write: (register: Int, value: UInt64)) {
    precondition(writeCount < 32, "a step wrote more registers than the machine has")
    writes[writeCount] = write
    writeCount += 1
  }

  /// Checked in `finish`: a requirement binds only when the instruction executes.
  func require(_ formula: Formula, _ rule: Rule) {
    if !truth(formula) && brokenRequirement == nil { brokenRequirement = rule }
  }

  /// Register `number`'s bit in a mask of registers. A register number is below 32, so a plain
  /// shift serves: the checked shift tested the amount at every read and write of a register.
  @inline(__always) static func bit(_ number: Int) -> UInt32 { 1 &<< UInt32(truncatingIfNeeded: number) }

  /// Register `number` before the step, noted as read.
  @inline(__always) func read(_ number: Int) -> UInt64 {
    let bit = Self.bit(number)
    if registersRead & bit == 0 {
      soleReaderFile[number] = step
      registersRead |= bit
    } else if soleReaderFile[number] != step {
      sharedReads |= bit
    }
    stepRegisters |= bit
    return registerFile[number]
  }

  @inline(__always) private func note(_ load: StepMemo.Load) {
    if loadCount == 0 { stepLoads.0 = load } else if loadCount == 1 { stepLoads.1 = load }
    loadCount += 1
  }

  /// A load a replayed step made, noted as read by the run (a replayed step makes no memo, so
  /// the step's own record of its loads is not kept).
  func noteReplayedLoad(_ load: StepMemo.Load) {
    noteLoad(load.address, bytes: load.bytes)
  }

  /// The reservation before the step, noted as read.
  func readReservation() -> (valid: Bool, address: UInt64) {
    stepReadsReservation = true
    return (reservationValid, reservationAddress)
  }

  /// What a caller observing the step under way looked at; it counts as read once the step runs
  /// (so the caller may still change it for this step).
  private var observedRegisters: UInt32 = 0
  /// The spans observed before the step under way: the first `observedCount` entries (the storage
  /// is kept from step to step, like `writes`).
  private var observedMemory: [(start: UInt64, bytes: Int)] = []
  private var observedCount = 0

  func noteObserved(register number: Int) { observedRegisters |= Self.bit(number) }

  func noteObserved(address: UInt64, bytes: Int) {
    if observedCount < observedMemory.count {
      observedMemory[observedCount] = (address, bytes)
    } else {
      observedMemory.append((address, bytes))
    }
    observedCount += 1
  }

  /// Moves on to the step at program `index`: what is read from now on is read by it.
  @inline(__always) func enter(_ index: Int) {
    if index <= step { revisited = true }
    step = index
  }

  /// Notes the registers in `mask` as read by the step under way.
  @inline(__always) func noteRead(_ mask: UInt32) {
    var fresh = mask & ~registersRead
    var again = mask & registersRead
    while fresh != 0 {
      soleReaderFile[fresh.trailingZeroBitCount] = step
      fresh &= fresh - 1
    }
    while again != 0 {
      let number = again.trailingZeroBitCount
      if soleReaderFile[number] != step { sharedReads |= Self.bit(number) }
      again &= again - 1
    }
    registersRead |= mask
  }

  /// The step that read register `number`, when exactly one has (nil: none, or several).
  func soleReader(of number: Int) -> Int? {
    let bit = Self.bit(number)
    return registersRead & bit != 0 && sharedReads & bit == 0 ? soleReaderFile[number] : nil
  }

  /// Whether no step after the one at program `index` has loaded any of the `bytes` bytes from
  /// `address` (a span that wraps the address space counts as every address).
  func isUnread(address: UInt64, bytes: Int, after index: Int) -> Bool {
    let end = address &+ UInt64(bytes)
    let (start, last) = end > address && (end - 1) & xlenMask == end - 1 ? (address, end) : (0, UInt64.max)
    for position in 0..<memoryReadCount {
      let span = memoryRead[position]
      if span.step > index && span.start < last && start < span.end { return false }
    }
    return true
  }

  /// What the caller observed before this step now counts as read.
  @inline(__always) func commitObserved() {
    noteRead(observedRegisters)
    observedRegisters = 0
    for position in 0..<observedCount {
      let span = observedMemory[position]
      noteLoad(span.start, bytes: span.bytes)
    }
    observedCount = 0
  }

  @inline(__always) private func noteLoad(_ start: UInt64, bytes: Int) {
    let end = start &+ UInt64(bytes)
    // A span that wraps the address space counts as every address.
    if memoryReadCount == memoryReadCapacity {
      let larger = UnsafeMutablePointer<(start: UInt64, end: UInt64, step: Int)>.allocate(
        capacity: 2 * memoryReadCapacity)
      larger.moveInitialize(from: memoryRead, count: memoryReadCount)
      memoryRead.deallocate()
      memoryRead = larger
      memoryReadCapacity *= 2
    }
    (memoryRead + memoryReadCount).initialize(
      to: end > start && (end - 1) & xlenMask == end - 1 ? (start, end, step) : (0, .max, step))
    memoryReadCount += 1
  }

  /// Whether the byte at `address` still holds its initial value and no step has read it.
  func isUntouched(address: UInt64) -> Bool {
    guard memory.writer(at: address) == -1 else { return false }
    for position in 0..<memoryReadCount
    where address >= memoryRead[position].start && address < memoryRead[position].end {
      return false
    }
    return true
  }

  /// Whether the `count` bytes from `address` (wrapping at XLEN) all still hold their initial
  /// values and no step has read any of them.
  func isUntouched(address: UInt64, bytes count: Int) -> Bool {
    if let (_, writers) = memory.bytesAndWriters(at: address, count: count) {
      guard ConcreteMemory.noneWritten(writers) else { return false }
    } else {
      for byte in 0..<UInt64(count) where memory.writer(at: (address &+ byte) & xlenMask) != -1 { return false }
    }
    return isUnread(address: address, bytes: count, after: -1)
  }

  /// Whether register `number` still holds its initial value and no step has read it.
  func isUntouched(register number: Int) -> Bool {
    number != 0 && writerFile[number] == -1 && registersRead & Self.bit(number) == 0
  }

  @inline(__always) func load(_ address: BitVec, bytes: Int) -> BitVec {
    let start = UInt64(truncatingIfNeeded: value(address))
    noteLoad(start & xlenMask, bytes: bytes)
    var loaded: UInt128 = 0
    if let value = memory.value(at: start & xlenMask, count: bytes) {
      // Within one region (every load that does not trap): one block read.
      loaded = value
    } else {
      for index in 0..<bytes {
        let byte = memory.byte(at: (start &+ UInt64(index)) & xlenMask)
        loaded |= UInt128(byte) << UInt128(8 * index)
      }
    }
    note(StepMemo.Load(address: start & xlenMask, bytes: bytes, value: loaded))
    return BitVec(within: loaded, width: 8 * bytes)
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
  func choose(among options: Int) -> Int {
    stepChoices += 1
    return cursor.next(among: options)
  }

  func prune(_ rule: Rule) {
    if prunedBy == nil { prunedBy = rule }
  }

  /// Applies the step at program `index` (address `pc`): a trap records itself and changes nothing
  /// else; otherwise the writes land. Returns whether the instruction executed.
  @inline(__always) func finish(index: Int, pc: UInt64) -> Bool {
    if let pendingTrap {
      trap = ConcreteTrap(cause: pendingTrap.cause, tval: pendingTrap.tval, index: index)
      branchOffset = nil
      return false
    }
    if unconstrained { return false }
    if let brokenRequirement { prune(brokenRequirement) }
    for position in 0..<writeCount { land(writes[position], by: index) }
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

  /// Puts a register write of instruction `index` in place; writes to x0 are discarded.
  @inline(__always) func land(_ write: (register: Int, value: UInt64), by index: Int) {
    guard write.register != 0 else { return }
    registerFile[write.register] = write.value
    writerFile[write.register] = index
    unwrittenRegisters &= ~Self.bit(write.register)
  }

  /// The registers and their writers now, as arrays for a run's record.
  func record() -> (registers: [UInt64], writers: [Int]) {
    Self.fill(&recordedRegisters, from: registerFile)
    Self.fill(&recordedWriters, from: writerFile)
    return (recordedRegisters, recordedWriters)
  }

  private static func fill<T>(_ array: inout [T], from file: UnsafeMutablePointer<T>) {
    guard array.count == 32 else {
      array = Array(UnsafeBufferPointer(start: file, count: 32))
      return
    }
    array.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: UnsafeBufferPointer(start: file, count: 32)) }
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

  /// Whether the cursor is at the first path, having met no choice point yet.
  var isFresh: Bool { taken.isEmpty && position == 0 }

  /// Back to the first path, keeping the storage.
  mutating func restartKeepingStorage() {
    // Most runs meet no choice point: their arrays are empty already.
    if !taken.isEmpty { taken.removeAll(keepingCapacity: true) }
    if !counts.isEmpty { counts.removeAll(keepingCapacity: true) }
    position = 0
  }

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
