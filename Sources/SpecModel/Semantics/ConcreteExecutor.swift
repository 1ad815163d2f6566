/// Runs a program under the spec's concrete interpretation: the final states the manual allows from
/// a concrete initial state, one per path through the profile's choice points.
public struct ConcreteExecutor {
  public let configuration: MachineConfiguration
  /// Steps before a run is cut short (branches may loop); a cut run is left to the relation.
  public var maxSteps = 256
  /// Runs (choice paths) before a program is left to the relation.
  public var maxRuns = 64

  let context: StepBuilder.Context

  public init(configuration: MachineConfiguration) {
    self.configuration = configuration
    self.context = StepBuilder.Context(configuration)
  }

  /// What one amocas (or any step that names a success event) did in a run.
  public struct StepEvent: Sendable, Equatable {
    public let index: Int
    /// Whether the compare succeeded (nil: the step trapped or names no such event).
    public let success: Bool?
    /// mcause when the step trapped.
    public let trapCause: UInt64?
  }

  /// One run along one choice path.
  public struct Run: Sendable {
    /// The registers and trap at the end of the run (or where it stopped).
    public let registers: [UInt64]
    public let trap: ConcreteTrap?
    public let events: [StepEvent]
    /// Provenance at the end: the instruction that last wrote each register (-1: initial).
    public let registerWriter: [Int]
    /// The memory at the end, with the writer of each byte.
    public let memory: ConcreteMemory
    /// The run broke a rule of the relation (a requirement or a profile constraint): not allowed.
    public let prunedBy: Rule?
    /// The run met an outcome the concrete interpretation cannot enumerate (a reserved encoding
    /// that may do anything) or was cut short.
    public let undecided: String?
    /// How many choice points the run met.
    public let choicePoints: Int
    /// How many of them had more than one allowed option (the others lead nowhere else).
    public let openChoices: Int
    /// How many runs `firstRun` made to reach this one (the others were pruned).
    public var attempts = 1

    /// The state at the end of the run, memory included.
    public var final: ConcreteState { ConcreteState(registers: registers, memory: memory.bytes, trap: trap) }

    /// Whether this run is the program's only allowed outcome: every choice point it met had one
    /// allowed option, it kept every rule and it finished. Judging the program again would repeat
    /// it step for step.
    public var isOnlyOutcome: Bool { openChoices == 0 && isAllowed }

    /// Whether the run is one of the program's allowed outcomes: it kept every rule and finished.
    public var isAllowed: Bool { prunedBy == nil && undecided == nil }
  }

  /// The state just before a step, for a test generator that aims at what the step will see.
  ///
  /// What it reads counts as read by the run from this step on. It may change an initial value
  /// that no step has read or written yet: the run then goes on exactly as a run from the changed
  /// initial state would, so the caller makes the same change to the initial state it keeps.
  public struct PreStep {
    /// Unretained: a pre-step view lives only while its run calls the observer, and the machine
    /// outlives the run; a counted reference cost two atomic operations at every copy.
    private let reference: Unmanaged<ConcreteMachine>

    init(machine: ConcreteMachine) { reference = .passUnretained(machine) }

    /// The machine, for a caller that keeps what it reads (a counted reference).
    var machine: ConcreteMachine { reference.takeUnretainedValue() }

    /// `body` on the machine, without counting a reference to it.
    @inline(__always) private func on<Result>(_ body: (ConcreteMachine) -> Result) -> Result {
      reference._withUnsafeGuaranteedRef(body)
    }

    /// Register `number` before the step.
    public func register(_ number: Int) -> UInt64 {
      on { machine in
        machine.noteObserved(register: number)
        return machine.registerFile[number]
      }
    }

    /// The instruction that last wrote register `number` (-1: initial).
    public func registerWriter(_ number: Int) -> Int { on { machine in machine.writerFile[number] } }

    /// The `count` bytes from `address` (wrapping at XLEN), little-endian, with the instruction
    /// that last wrote each (-1: initial).
    public func bytes(at address: UInt64, count: Int) -> (value: UInt128, writers: SIMD16<Int32>) {
      on { machine in
        machine.noteObserved(address: address & machine.xlenMask, bytes: count)
        return peekBytes(at: address, count: count)
      }
    }

    /// Register `number` before the step, not noted as read. Only for what the step itself is
    /// about to read (its operands), which the step notes when it runs: a caller that acts on
    /// anything else must use `register`.
    public func peek(register number: Int) -> UInt64 { on { machine in machine.registerFile[number] } }

    /// `bytes(at:count:)`, not noted as read: only for the bytes the step itself is about to load.
    public func peekBytes(at address: UInt64, count: Int) -> (value: UInt128, writers: SIMD16<Int32>) {
      on { machine in
        if let (value, writers) = machine.memory.bytesAndWriters(at: address & machine.xlenMask, count: count) {
          return (value, writers)
        }
        var value: UInt128 = 0
        var writers = SIMD16<Int32>(repeating: -1)
        let mask = machine.xlenMask
        for byte in 0..<count {
          let at = (address &+ UInt64(byte)) & mask
          let (piece, writer) = machine.memory.byteAndWriter(at: at)
          value |= UInt128(piece) << UInt128(8 * byte)
          writers[byte] = Int32(writer)
        }
        return (value, writers)
      }
    }

    /// Whether the step about to run reads exactly what it read in an earlier run of the program
    /// (with the same cache), so that it will do again what it did then; false when no earlier
    /// run reached it with its semantics, or the cache is not kept.
    public var replaysEarlierRun: Bool { on { machine in machine.observedStepReplays } }

    /// Whether register `number` (not x0) still holds its initial value, unread by every step so far.
    public func isUntouched(register number: Int) -> Bool { on { machine in machine.isUntouched(register: number) } }

    /// Whether the byte at `address` still holds its initial value, unread by every step so far.
    public func isUntouched(address: UInt64) -> Bool { on { machine in machine.isUntouched(address: address) } }

    /// Whether the `count` bytes from `address` all still hold their initial values, unread by
    /// every step so far.
    public func isUntouched(address: UInt64, bytes count: Int) -> Bool {
      on { machine in machine.isUntouched(address: address & machine.xlenMask, bytes: count) }
    }

    /// Changes the initial value of an untouched register.
    public func setInitial(register number: Int, to value: UInt64) {
      on { machine in
        machine.initialChanges &+= 1
        precondition(isUntouched(register: number), "x\(number) was read or written before this step")
        machine.registerFile[number] = value & machine.xlenMask
      }
    }

    /// Changes the initial value of an untouched byte.
    public func setInitial(address: UInt64, to byte: UInt8) {
      on { machine in
        machine.initialChanges &+= 1
        precondition(isUntouched(address: address), "the byte at \(address) was read or written before this step")
        machine.memory.set(address, byte)
      }
    }

    /// Changes the initial values of `count` untouched bytes from `address` (wrapping at XLEN) to
    /// `value`, little-endian: a patch sets the bytes of one access, and byte by byte each was
    /// looked up and checked again.
    public func setInitial(address: UInt64, bytes value: UInt128, count: Int) {
      on { machine in
        machine.initialChanges &+= 1
        let mask = machine.xlenMask
        precondition(
          machine.isUntouched(address: address & mask, bytes: count),
          "a byte from \(address) was read or written before this step")
        machine.memory.set(address & mask, bytes: value, count: count, mask: mask)
      }
    }

    /// Ends the run before this step: the observer has changed what it wants of the initial
    /// state in a way the run under way cannot follow, and will run the program again. The run
    /// returned holds the steps before this one.
    public func endRun() { on { machine in machine.endedByObserver = true } }

    // An initial value that steps have read can still change when the only step that read it
    // copied it to memory unchanged and did nothing else with it, and no step has read since
    // what it wrote: changing the value and those bytes together is the same as running again
    // from the changed initial state. Which steps only copy a register is the caller's to know.

    /// The program index of the step that read register `number`, when exactly one has (nil:
    /// none or several did, or the run went back to a step it ran before).
    public func soleReader(ofRegister number: Int) -> Int? {
      on { machine in
        machine.revisited ? nil : machine.soleReader(of: number)
      }
    }

    /// Whether no step after the one at program `index` has read any of the `bytes` bytes from
    /// `address`.
    public func isUnread(address: UInt64, bytes: Int = 1, after index: Int) -> Bool {
      on { machine in
        machine.isUnread(address: address & machine.xlenMask, bytes: bytes, after: index)
      }
    }

    /// Changes the initial value of register `number`, which no step has written and only a step
    /// that copied it to memory has read. The caller rewrites (`rewrite(copiedByte:to:)`) the bytes
    /// that step wrote from it.
    public func setInitial(copiedRegister number: Int, to value: UInt64) {
      on { machine in
        machine.initialChanges &+= 1
        precondition(number != 0 && machine.writerFile[number] == -1, "x\(number) was written before this step")
        precondition(
          soleReader(ofRegister: number) != nil || isUntouched(register: number), "x\(number) was read by several steps"
        )
        machine.registerFile[number] = value & machine.xlenMask
      }
    }

    /// Changes a byte that an earlier step copied from a register whose initial value changes
    /// (`setInitial(copiedRegister:to:)`), keeping its writer.
    public func rewrite(copiedByte address: UInt64, to byte: UInt8) {
      on { machine in
        machine.initialChanges &+= 1
        let address = address & machine.xlenMask
        let writer = machine.memory.writer(at: address)
        precondition(
          writer >= 0 && machine.isUnread(address: address, bytes: 1, after: writer),
          "the byte at \(address) was read since it was copied")
        machine.memory.set(address, byte)
      }
    }
  }

  /// Runs `program` from `initial` along `cursor`'s path, stopping before instruction `stopBefore`
  /// when it is reached. `beforeStep` sees the state before each step (of those `observing` marks).
  public func run(
    _ program: [Instruction], initial: ConcreteState, memory: ConcreteMemory, cursor: ChoiceCursor,
    stopBefore: Int? = nil, beforeStep: ((Int, PreStep) -> Void)? = nil, supported: [Bool]? = nil,
    observing: [Bool]? = nil, cache: StepCache? = nil
  ) -> (run: Run, cursor: ChoiceCursor) {
    run(
      program, initial: initial, memory: memory, cursor: cursor, stopBefore: stopBefore,
      supported: supported ?? self.supported(program), observes: beforeStep != nil, observing: observing, cache: cache,
      entries: nil, everyPath: true
    ) { index, step in beforeStep?(index, step) }
  }

  /// `run`, with an observer that does not outlive the call: what it changes of its caller's state
  /// is changed in place rather than through boxes on the heap. It sees the steps `observing`
  /// marks (every step when nil). The cursor handed back serves to take the next path; without
  /// `everyPath` it is handed back only after a run a rule pruned (the caller stops at the first
  /// allowed run), and is empty otherwise.
  func run(
    _ program: [Instruction], initial: ConcreteState, memory: ConcreteMemory, cursor: ChoiceCursor,
    stopBefore: Int?, supported: [Bool], observes: Bool, observing: [Bool]?, cache: StepCache?,
    entries: StepEntries?, everyPath: Bool, beforeStep: (Int, PreStep) -> Void
  ) -> (run: Run, cursor: ChoiceCursor) {
    let xlen = configuration.isa.xlen
    let machine =
      cache?.machine(xlen: xlen, registers: initial.registers, memory: memory, cursor: cursor)
      ?? ConcreteMachine(xlen: xlen, registers: initial.registers, memory: memory, cursor: cursor)
    machine.events.reserveCapacity(program.count)
    var index = 0
    var steps = 0
    var undecided: String?
    // One builder and one pre-step view serve every step of the run: each made anew held the
    // machine and the context once more per step.
    var builder = StepBuilder(
      context: context, instruction: program.first ?? Self.placeholder, pc: configuration.codeBase,
      backend: .concrete(machine))
    let preStep = PreStep(machine: machine)
    // The cache lives as long as the caller's call: looked at unretained at every step.
    let memoCache = cache.map { Unmanaged.passUnretained($0) }
    let entryLog = entries.map { Unmanaged.passUnretained($0) }
    while index >= 0 && index < program.count {
      if index == stopBefore { break }
      if steps >= maxSteps {
        undecided = "the run passed \(maxSteps) steps"
        break
      }
      steps += 1
      machine.enter(index)
      let observed = observes && observing?[index] ?? true
      let memo = memoCache.flatMap { cache in cache._withUnsafeGuaranteedRef { $0.memo(index) } }
      // Whether the step reads what its memo holds: worked out before the observer, which may
      // rely on it, and again after only if the observer changed an initial value.
      var matched: Bool?
      if observed {
        matched = memo.map { machine.matches($0) }
        machine.observedStepReplays = matched ?? false
        let changes = machine.initialChanges
        beforeStep(index, preStep)
        machine.commitObserved()
        if machine.endedByObserver { break }
        if machine.initialChanges != changes { matched = nil }
      }
      let instruction = program[index]
      let pc = configuration.codeBase &+ UInt64(index) &* 4
      entryLog?._withUnsafeGuaranteedRef {
        $0.record(index, base: machine.registerFile[instruction.rs1], unwritten: machine.unwrittenRegisters)
      }
      let executed: Bool
      if let memoCache, let memo, matched ?? machine.matches(memo) {
        // `begin` is left to the steps that run their semantics: only their effects and what
        // their memos hold are gathered, and a replay sets everything read after a step.
        executed = machine.replayAndFinish(memo, index: index)
        memoCache._withUnsafeGuaranteedRef { $0.replayed += 1 }
      } else {
        machine.begin()
        builder.instruction = instruction
        builder.pc = pc
        if supported[index] {
          instruction.execute(on: &builder)
        } else {
          builder.illegalInstruction(when: Formula(true), .illegalInstruction)
        }
        if let memoCache {
          memoCache._withUnsafeGuaranteedRef { cache in
            cache.remember(index, from: machine)
            cache.executed += 1
          }
        }
        executed = machine.finish(index: index, pc: pc)
      }
      if machine.unconstrained {
        undecided = "instruction \(index) (\(instruction.assembly)) is reserved and may do anything"
        break
      }
      // Every amocas and trap gets an event, and every step the caller observes. A step that did
      // not execute trapped (an unconstrained one has ended the run above), and a trap ends it.
      if observed || !executed || machine.success != nil {
        machine.events.append(
          StepEvent(index: index, success: executed ? machine.success : nil, trapCause: machine.trap?.cause))
      }
      if !executed { break }
      if let offset = machine.branchOffset {
        index += Int(offset / 4)
      } else {
        index += 1
      }
    }
    let (registers, writers) = machine.record()
    let run = Run(
      registers: registers, trap: machine.trap, events: machine.events, registerWriter: writers,
      memory: machine.memory,
      prunedBy: machine.prunedBy, undecided: undecided, choicePoints: machine.cursor.depth,
      openChoices: machine.cursor.openPoints)
    cache?.keep(machine)
    // A copy of the cursor shares its arrays with the machine's, counted once more each.
    return (run, everyPath || machine.prunedBy != nil ? machine.cursor : ChoiceCursor())
  }

  /// The first allowed run (every choice point at its first allowed option).
  public func firstRun(
    _ program: [Instruction], initial: ConcreteState, memory: ConcreteMemory? = nil, stopBefore: Int? = nil,
    supported: [Bool]? = nil, observing: [Bool]? = nil, cache: StepCache? = nil,
    beforeStep: ((Int, PreStep) -> Void)? = nil
  ) -> Run {
    firstRun(
      program, initial: initial, memory: memory, stopBefore: stopBefore, supported: supported,
      observes: beforeStep != nil, observing: observing, cache: cache, entries: nil
    ) { index, step in beforeStep?(index, step) }
  }

  /// `firstRun` with an observer that does not outlive the call (see `run`).
  public func firstRun(
    _ program: [Instruction], initial: ConcreteState, memory: ConcreteMemory? = nil, supported: [Bool]? = nil,
    observing: [Bool]? = nil, cache: StepCache? = nil, entries: StepEntries? = nil,
    watching beforeStep: (Int, PreStep) -> Void
  ) -> Run {
    firstRun(
      program, initial: initial, memory: memory, stopBefore: nil, supported: supported, observes: true,
      observing: observing, cache: cache, entries: entries, beforeStep)
  }

  private func firstRun(
    _ program: [Instruction], initial: ConcreteState, memory: ConcreteMemory?, stopBefore: Int?,
    supported: [Bool]?, observes: Bool, observing: [Bool]?, cache: StepCache?, entries: StepEntries?,
    _ beforeStep: (Int, PreStep) -> Void
  ) -> Run {
    // Given memory and ISA answers are borrowed as they are: the values `??` makes are copies,
    // each of their arrays counted once more at every run.
    if let memory, let supported {
      return firstRun(
        program, initial: initial, given: memory, stopBefore: stopBefore, supported: supported, observes: observes,
        observing: observing, cache: cache, entries: entries, beforeStep)
    }
    return firstRun(
      program, initial: initial, given: memory ?? ConcreteMemory(map: configuration.memoryMap, initial: initial.memory),
      stopBefore: stopBefore, supported: supported ?? self.supported(program), observes: observes,
      observing: observing, cache: cache, entries: entries, beforeStep)
  }

  private func firstRun(
    _ program: [Instruction], initial: ConcreteState, given memory: ConcreteMemory, stopBefore: Int?,
    supported: [Bool], observes: Bool, observing: [Bool]?, cache: StepCache?, entries: StepEntries?,
    _ beforeStep: (Int, PreStep) -> Void
  ) -> Run {
    var cursor = ChoiceCursor()
    var runs = 0
    while true {
      var (run, after) = self.run(
        program, initial: initial, memory: memory, cursor: cursor, stopBefore: stopBefore, supported: supported,
        observes: observes, observing: observing, cache: cache, entries: entries, everyPath: false,
        beforeStep: beforeStep)
      runs += 1
      run.attempts = runs
      // The cursor is taken only to move on: an allowed run hands back an empty one.
      if run.prunedBy == nil || runs >= maxRuns { return run }
      cursor = after
      if !cursor.advance() { return run }
    }
  }

  /// The outcome of every prefix of `program` from `initial` (element `L`: the first `L`
  /// instructions), all from one run: a triage that looks for the first instruction after which an
  /// emulator departs judges each prefix against these rather than running each again. Nil when a
  /// prefix's outcome is not simply a point of that run: the program branches, or the run is not
  /// its only allowed outcome.
  public func prefixOutcomes(_ program: [Instruction], initial: ConcreteState) -> [Run]? {
    guard !program.contains(where: { $0.form.format == .branch || $0.form.format == .jump }) else { return nil }
    var outcomes: [Run] = []
    outcomes.reserveCapacity(program.count + 1)
    let run = firstRun(program, initial: initial) { _, step in
      let machine = step.machine
      outcomes.append(
        Run(
          registers: machine.registers, trap: nil, events: [], registerWriter: machine.registerWriter,
          memory: machine.memory, prunedBy: nil, undecided: nil, choicePoints: 0, openChoices: 0))
    }
    guard run.isOnlyOutcome, run.attempts == 1 else { return nil }
    // Every prefix that reaches the end of the run (or its trap) ends as the run does.
    while outcomes.count <= program.count { outcomes.append(run) }
    return outcomes
  }

  /// Whether the ISA has each instruction's form (an instruction outside it is illegal). A caller
  /// that runs one program many times works this out once.
  public func supported(_ program: [Instruction]) -> [Bool] {
    let isa = configuration.isa
    return program.map { instruction in instruction.withForm { isa.contains($0) } }
  }

  /// Stands in for the instruction of a builder made before the first step of an empty program.
  private static let placeholder = Instruction(InstructionTable.named("addi"))

  /// The concrete verdict on an observed final state.
  public enum Judgement: Equatable {
    /// One allowed outcome is the observed one.
    case allowed
    /// No allowed outcome matches; `expected` is the first allowed one (for reports), and
    /// `differences` says where the observed state departs from it (a triage signature).
    case notAllowed(expected: ConcreteState?, differences: [String])
    /// The concrete interpretation cannot decide: the relation must.
    case undecided(reason: String)
  }

  /// Whether running `program` from `initial` may end in `observed`, by enumerating the allowed
  /// outcomes until one matches. `onlyOutcome` is the run a caller already made of this program
  /// from this state (a test generator does, to aim it): when it is allowed and ends in the
  /// observed state, or is the only allowed outcome (`isOnlyOutcome`), it is compared instead of
  /// running the program again.
  public func judge(
    _ program: [Instruction], initial: ConcreteState, observed: ConcreteState, onlyOutcome: Run? = nil
  ) -> Judgement {
    let xlen = configuration.isa.xlen
    let mask: UInt64 = xlen == 64 ? .max : (1 << UInt64(xlen)) - 1
    if observed.registers.count != 32 || observed.registers[0] != 0 {
      return .notAllowed(expected: nil, differences: ["malformed observation"])
    }
    if let run = onlyOutcome, run.isAllowed {
      // An allowed run that ends in the observed state settles it, whatever other runs there are.
      if Self.matches(run, observed, mask: mask) { return .allowed }
      if run.isOnlyOutcome {
        return .notAllowed(
          expected: run.final, differences: Self.differences(run, observed, program: program, mask: mask))
      }
    }
    let memory = ConcreteMemory(map: configuration.memoryMap, initial: initial.memory)
    let supported = self.supported(program)
    var cursor = ChoiceCursor()
    var firstAllowed: Run?
    var undecided: String?
    for _ in 0..<maxRuns {
      let (run, after) = self.run(program, initial: initial, memory: memory, cursor: cursor, supported: supported)
      cursor = after
      if let reason = run.undecided {
        undecided = undecided ?? reason
      } else if run.prunedBy == nil {
        if firstAllowed == nil { firstAllowed = run }
        if Self.matches(run, observed, mask: mask) { return .allowed }
      }
      if !cursor.advance() {
        if let undecided { return .undecided(reason: undecided) }
        guard let firstAllowed else { return .notAllowed(expected: nil, differences: ["no allowed outcome"]) }
        return .notAllowed(
          expected: firstAllowed.final,
          differences: Self.differences(firstAllowed, observed, program: program, mask: mask))
      }
    }
    return .undecided(reason: "more than \(maxRuns) choice paths")
  }

  /// Where `observed` first departs from an allowed run: the differing registers and bytes whose
  /// expected value the earliest instruction wrote ("initial" when none did), described by kind
  /// and that instruction's form, and any difference in the trap. Later differences are left out:
  /// they are mostly what the first one spread to. Programs that meet one emulator bug share the
  /// description however their registers and addresses differ.
  public static func differences(_ run: Run, _ observed: ConcreteState, program: [Instruction], mask: UInt64)
    -> [String]
  {
    func form(_ index: Int) -> String {
      program.indices.contains(index) ? program[index].form.mnemonic : "initial"
    }
    var earliest = Int.max
    var parts: Set<String> = []
    func differs(_ kind: String, writtenBy writer: Int) {
      if writer < earliest {
        earliest = writer
        parts = []
      }
      if writer == earliest { parts.insert("\(kind) from \(form(writer))") }
    }
    for number in 1..<32 where run.registers[number] != observed.registers[number] & mask {
      differs("register", writtenBy: run.registerWriter[number])
    }
    for address in run.memory.differingAddresses(observed.memory) {
      differs("memory", writtenBy: run.memory.writer(at: address))
    }
    let observedTrap = observed.trap.map { ConcreteTrap(cause: $0.cause & mask, tval: $0.tval & mask, index: $0.index) }
    if run.trap != observedTrap {
      func describe(_ trap: ConcreteTrap?) -> String {
        guard let trap else { return "none" }
        return "cause \(trap.cause) at \(form(trap.index))"
      }
      if run.trap?.cause == observedTrap?.cause && run.trap?.index == observedTrap?.index {
        parts.insert("trap value at \(form(run.trap?.index ?? -1))")
      } else {
        parts.insert("trap \(describe(run.trap)), observed \(describe(observedTrap))")
      }
    }
    return parts.sorted()
  }

  static func matches(_ run: Run, _ observed: ConcreteState, mask: UInt64) -> Bool {
    for number in 1..<32 where run.registers[number] != observed.registers[number] & mask { return false }
    guard run.trap == observed.trap.map({ ConcreteTrap(cause: $0.cause & mask, tval: $0.tval & mask, index: $0.index) })
    else { return false }
    return run.memory.agrees(with: observed.memory)
  }
}
