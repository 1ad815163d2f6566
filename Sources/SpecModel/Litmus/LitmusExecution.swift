/// The candidate executions of a litmus test as Z3 constraints: each hart's instructions become
/// events under path conditions, and the solver chooses which write each read reads from (rf),
/// the coherence order of writes (co), and whether each SC succeeds. `LitmusChecker` adds a
/// memory model's axioms and enumerates the allowed final states.
/// What a memory model decides over: a test's events under path conditions, the constraints that
/// make a candidate execution, and the final value of each thread-local location.
protocol CandidateExecutions {
  var events: [MemoryEvent] { get }
  /// The read and write of one atomic operation, with the condition under which they pair.
  var rmw: [(read: Int, write: Int, when: Formula)] { get }
  /// Every memory location by name, with its address.
  var addresses: [String: UInt64] { get }
  var constraints: [Formula] { get }
  var hasLoops: Bool { get }
  var beyondBound: [Formula] { get }
  /// A register's or local variable's value at the end of its thread.
  func finalValue(_ location: LitmusTest.Location) -> BitVec?
  func constant(_ value: LitmusTest.Value) -> BitVec
  /// The size and signedness of each location a test declares a type for, by address.
  var declaredLocations: [UInt64: (bytes: Int, signed: Bool)] { get }
}

extension CandidateExecutions {
  var declaredLocations: [UInt64: (bytes: Int, signed: Bool)] { [:] }
}

/// A test's memory locations at their model addresses and their initial writes (thread -1): the
/// same for RISC-V and C tests.
struct LitmusLocations {
  let z3: Z3Context
  let addresses: [String: UInt64]

  init(z3: Z3Context, test: LitmusTest) {
    self.z3 = z3
    addresses = Dictionary(
      uniqueKeysWithValues: test.memoryLocations.enumerated().map { ($1, LitmusTest.modelAddress(ofLocation: $0)) })
  }

  func constant(_ value: LitmusTest.Value) -> BitVec {
    switch value {
    case .number(let number): z3.bv(signed: number, width: LitmusExecution.width)
    case .address(let name): z3.bv(addresses[name] ?? 0, width: LitmusExecution.width)
    }
  }

  /// One write per location, in address order, of its initial value (0 unless the test gives one).
  /// The locations the test declares a type for, by address.
  func declared(_ test: LitmusTest) -> [UInt64: (bytes: Int, signed: Bool)] {
    var result: [UInt64: (bytes: Int, signed: Bool)] = [:]
    for (name, address) in addresses { result[address] = test.declaredType(ofLocation: name) }
    return result
  }

  func initialWrites(_ initial: [LitmusTest.Initialiser]) -> [MemoryEvent] {
    addresses.sorted { $0.value < $1.value }.enumerated().map { id, location in
      let value =
        initial.first { $0.location == .memory(location.key) }?.value.map(constant)
        ?? z3.bv(0, width: LitmusExecution.width)
      return MemoryEvent(
        id: id, thread: -1, order: 0, kind: .write, address: z3.bv(location.value, width: LitmusExecution.width),
        value: value, executed: z3.trueFormula)
    }
  }
}

struct LitmusExecution: CandidateExecutions {
  let z3: Z3Context
  let test: LitmusTest
  var failedCAS = FailedCASWrite.noWrite
  private(set) var events: [MemoryEvent] = []
  /// The read and write of one atomic instruction (an LR with its successful SC, or an AMO's
  /// single update event paired with itself), with the condition under which they pair.
  private(set) var rmw: [(read: Int, write: Int, when: Formula)] = []
  private(set) var finalRegisters: [Int: [BitVec]] = [:]
  /// Every memory location by name, with its address.
  private(set) var addresses: [String: UInt64] = [:]
  let declaredLocations: [UInt64: (bytes: Int, signed: Bool)]
  private let locations: LitmusLocations
  private(set) var constraints: [Formula] = []
  /// How many times backward branches are unrolled.
  var loopBound = LoopUnroller.defaultBound
  /// Whether some hart loops, and the conditions under which a path would need another iteration
  /// (those executions are not candidates).
  private(set) var hasLoops = false
  private(set) var beyondBound: [Formula] = []

  static let width = 64

  init(
    z3: Z3Context, test: LitmusTest, failedCAS: FailedCASWrite = .noWrite, loopBound: Int = LoopUnroller.defaultBound
  ) throws(LitmusModelError) {
    self.z3 = z3
    self.test = test
    self.failedCAS = failedCAS
    self.loopBound = loopBound
    locations = LitmusLocations(z3: z3, test: test)
    addresses = locations.addresses
    declaredLocations = locations.declared(test)
    events = locations.initialWrites(test.initial)
    for (thread, instructions) in test.threads.enumerated() { try run(thread, instructions) }
  }

  // MARK: Locations

  private mutating func assignAddresses() {
    for (index, name) in test.memoryLocations.enumerated() {
      addresses[name] = LitmusTest.modelAddress(ofLocation: index)
    }
  }

  func finalValue(_ location: LitmusTest.Location) -> BitVec? {
    guard case .register(let thread, let number) = location else { return nil }
    return finalRegisters[thread]?[number]
  }

  func constant(_ value: LitmusTest.Value) -> BitVec { locations.constant(value) }

  // MARK: Running one hart

  /// A register's value and the reads it depends on.
  private struct Register {
    var value: BitVec
    var dependencies: RegisterDependencies
  }

  private mutating func run(_ thread: Int, _ written: [LitmusInstruction]) throws(LitmusModelError) {
    if LoopUnroller.hasLoop(written) { hasLoops = true }
    let instructions = try LoopUnroller.unrolled(written, bound: loopBound)
    var registers = (0..<32).map { _ in Register(value: z3.bv(0, width: Self.width), dependencies: .none) }
    for initialiser in test.initial {
      if case .register(thread, let number) = initialiser.location, let value = initialiser.value {
        registers[number].value = constant(value)
      }
    }
    var guardFormula = z3.trueFormula
    var control: Set<Int> = []
    var pending: [(label: String, taken: Formula, registers: [Register])] = []
    var reservation: (address: BitVec, event: Int)?
    var order = 0

    func operandError(_ instruction: LitmusInstruction, _ message: String) -> LitmusModelError {
      LitmusModelError(line: instruction.line, column: instruction.column, message: message)
    }
    func register(_ instruction: LitmusInstruction, _ index: Int) throws(LitmusModelError) -> Int {
      guard index < instruction.operands.count, let number = RegisterNames.number(instruction.operands[index]) else {
        throw operandError(instruction, "operand \(index + 1) of \(instruction.mnemonic ?? "") is not a register")
      }
      return number
    }
    func immediate(_ instruction: LitmusInstruction, _ index: Int) throws(LitmusModelError) -> Int64 {
      guard index < instruction.operands.count else { throw operandError(instruction, "missing operand") }
      let text = instruction.operands[index]
      let negative = text.hasPrefix("-")
      let digits = negative ? String(text.dropFirst()) : text
      guard let magnitude = digits.hasPrefix("0x") ? Int64(digits.dropFirst(2), radix: 16) : Int64(digits) else {
        throw operandError(instruction, "'\(text)' is not a number")
      }
      return negative ? -magnitude : magnitude
    }
    /// `off(reg)` or `(reg)`.
    func memoryOperand(_ instruction: LitmusInstruction, _ index: Int) throws(LitmusModelError) -> (Int64, Int) {
      guard index < instruction.operands.count else { throw operandError(instruction, "missing address operand") }
      let text = instruction.operands[index]
      guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else {
        throw operandError(instruction, "'\(text)' is not an address like 0(x5)")
      }
      let offsetText = String(text[..<open])
      // A load or store's offset is a 12-bit signed immediate, as the assembler would require.
      guard let offset = offsetText.isEmpty ? 0 : Int64(offsetText), (-2048...2047).contains(offset) else {
        throw operandError(
          instruction, "offset '\(offsetText.clipped)' is not a 12-bit signed immediate (-2048 to 2047)")
      }
      guard let number = RegisterNames.number(String(text[text.index(after: open)..<text.index(before: text.endIndex)]))
      else { throw operandError(instruction, "'\(text)' does not name a register") }
      return (offset, number)
    }

    /// A conditional branch's condition on registers `first` and `first + 1` of its operands, and
    /// the reads it depends on.
    func branch(_ kind: String, _ instruction: LitmusInstruction, _ first: Int) throws(LitmusModelError) -> (
      Formula, RegisterDependencies
    ) {
      let left = registers[try register(instruction, first)]
      let right = registers[try register(instruction, first + 1)]
      let condition: Formula
      switch kind {
      case "beq": condition = left.value == right.value
      case "bne": condition = !(left.value == right.value)
      case "blt": condition = left.value.slt(right.value)
      case "bge": condition = !left.value.slt(right.value)
      case "bltu": condition = left.value.ult(right.value)
      default: condition = !left.value.ult(right.value)
      }
      return (condition, left.dependencies.union(right.dependencies))
    }

    func write(_ destination: Int, _ value: BitVec, _ dependencies: RegisterDependencies) {
      guard destination != 0 else { return }
      // Written on this path only: elsewhere the register keeps its value and what that depends on.
      registers[destination] = Register(
        value: guardFormula.ite(value, registers[destination].value),
        dependencies: dependencies.when(guardFormula, otherwise: registers[destination].dependencies))
    }
    func dependingOn(_ id: Int) -> RegisterDependencies { RegisterDependencies(id, z3: z3) }
    /// An access's dependencies through the registers it reads: the reads, and the condition on
    /// each that is not always true.
    func dependents(_ dependencies: RegisterDependencies) -> (Set<Int>, [Int: Formula]) {
      (dependencies.reads, dependencies.partial)
    }

    for instruction in instructions {
      if let label = instruction.label {
        for branch in pending where branch.label == label {
          // Merge the path that jumped here.
          for number in 1..<32 {
            registers[number].value = branch.taken.ite(branch.registers[number].value, registers[number].value)
            registers[number].dependencies = branch.registers[number].dependencies.when(
              branch.taken, otherwise: registers[number].dependencies)
          }
          guardFormula = guardFormula || branch.taken
        }
        pending.removeAll { $0.label == label }
      }
      guard let mnemonic = instruction.mnemonic else { continue }
      order += 1
      let parts = mnemonic.split(separator: ".").map(String.init)
      let base = parts[0]
      let suffixes = Set(parts.dropFirst())
      let width = suffixes.contains("d") ? 64 : suffixes.contains("w") ? 32 : suffixes.contains("h") ? 16 : 8

      func event(_ kind: MemoryEvent.Kind, address: BitVec, value: BitVec, executed: Formula) -> Int {
        var new = MemoryEvent(
          id: events.count, thread: thread, order: order, kind: kind, address: address, value: value, executed: executed
        )
        new.controlDependencies = control
        events.append(new)
        return new.id
      }
      func loaded(_ id: Int, bits: Int) -> BitVec {
        bits == 64 ? events[id].value : events[id].value.extract(bits - 1, 0).signExtend(to: Self.width)
      }
      func fresh(_ name: String) -> BitVec { z3.bvVariable("t\(thread).\(order).\(name)", width: Self.width) }

      switch base {
      case "li":
        write(try register(instruction, 0), z3.bv(signed: try immediate(instruction, 1), width: Self.width), .none)
      case "mv":
        let source = registers[try register(instruction, 1)]
        write(try register(instruction, 0), source.value, source.dependencies)
      case "addi", "ori", "andi", "xori":
        let source = registers[try register(instruction, 1)]
        let operand = z3.bv(signed: try immediate(instruction, 2), width: Self.width)
        let value: BitVec
        switch base {
        case "addi": value = source.value + operand
        case "ori": value = source.value | operand
        case "andi": value = source.value & operand
        default: value = source.value ^ operand
        }
        write(try register(instruction, 0), value, source.dependencies)
      case "slli", "srli", "srai":
        // The shift amount is the immediate's low six bits (the model's registers are 64 bits).
        let source = registers[try register(instruction, 1)]
        let amount = z3.bv(UInt64(try immediate(instruction, 2) & 63), width: Self.width)
        let value =
          base == "slli"
          ? source.value.shl(amount) : base == "srli" ? source.value.lshr(amount) : source.value.ashr(amount)
        write(try register(instruction, 0), value, source.dependencies)
      case "add", "sub", "or", "and", "xor":
        let left = registers[try register(instruction, 1)]
        let right = registers[try register(instruction, 2)]
        let value: BitVec
        switch base {
        case "add": value = left.value + right.value
        case "sub": value = left.value - right.value
        case "or": value = left.value | right.value
        case "and": value = left.value & right.value
        default: value = left.value ^ right.value
        }
        write(try register(instruction, 0), value, left.dependencies.union(right.dependencies))
      case "slt", "sltu", "slti", "sltiu":
        // 1 when the first operand is below the second (signed or not), else 0: `seqz` is
        // `sltiu rd,rs,1`, `snez` is `sltu rd,x0,rs`.
        let left = registers[try register(instruction, 1)]
        let takesImmediate = base == "slti" || base == "sltiu"
        let right =
          takesImmediate
          ? Register(value: z3.bv(signed: try immediate(instruction, 2), width: Self.width), dependencies: .none)
          : registers[try register(instruction, 2)]
        let below = base.hasSuffix("u") ? left.value.ult(right.value) : left.value.slt(right.value)
        write(
          try register(instruction, 0), below.ite(z3.bv(1, width: Self.width), z3.bv(0, width: Self.width)),
          left.dependencies.union(right.dependencies))
      case "lb", "lh", "lw", "ld", "lbu", "lhu", "lwu":
        let bits = ["lb": 8, "lh": 16, "lw": 32, "ld": 64, "lbu": 8, "lhu": 16, "lwu": 32][base]!
        let (offset, baseRegister) = try memoryOperand(instruction, 1)
        let address = registers[baseRegister].value + z3.bv(signed: offset, width: Self.width)
        let id = event(.read, address: address, value: fresh("load"), executed: guardFormula)
        (events[id].addressDependencies, events[id].addressWhen) = dependents(registers[baseRegister].dependencies)
        events[id].bytes = bits / 8
        // Zalasr: `lw.aq` and `lw.aqrl` (RCsc, like every annotated atomic).
        if suffixes.contains("aq") || suffixes.contains("aqrl") {
          events[id].acquire = true
          events[id].release = suffixes.contains("aqrl")
          events[id].atomic = true
        }
        let value =
          base.hasSuffix("u")
          ? events[id].value.extract(bits - 1, 0).zeroExtend(to: Self.width) : loaded(id, bits: bits)
        write(try register(instruction, 0), value, dependingOn(id))
      case "sb", "sh", "sw", "sd":
        let bits = ["sb": 8, "sh": 16, "sw": 32, "sd": 64][base]!
        let source = registers[try register(instruction, 0)]
        let (offset, baseRegister) = try memoryOperand(instruction, 1)
        let address = registers[baseRegister].value + z3.bv(signed: offset, width: Self.width)
        let value = bits == 64 ? source.value : source.value.extract(bits - 1, 0).signExtend(to: Self.width)
        let id = event(.write, address: address, value: value, executed: guardFormula)
        (events[id].addressDependencies, events[id].addressWhen) = dependents(registers[baseRegister].dependencies)
        (events[id].dataDependencies, events[id].dataWhen) = dependents(source.dependencies)
        events[id].bytes = bits / 8
        if suffixes.contains("rl") || suffixes.contains("aqrl") {
          events[id].release = true
          events[id].acquire = suffixes.contains("aqrl")
          events[id].atomic = true
        }
      case "fence":
        if mnemonic == "fence.i" {
          // Instruction-fetch ordering only: RVWMO orders no data access by it (herd agrees), so
          // under a control dependency it adds nothing a branch does not.
          break
        }
        if mnemonic == "fence.tso" {
          let id = event(
            .fence, address: z3.bv(0, width: Self.width), value: z3.bv(0, width: Self.width), executed: guardFormula)
          events[id].fence = (["r", "w"], ["r", "w"], true)
        } else {
          guard instruction.operands.count == 2 else { throw operandError(instruction, "fence takes PRED,SUCC") }
          let id = event(
            .fence, address: z3.bv(0, width: Self.width), value: z3.bv(0, width: Self.width), executed: guardFormula)
          events[id].fence = (Set(instruction.operands[0]), Set(instruction.operands[1]), false)
        }
      case "lr":
        let (_, baseRegister) = try memoryOperand(instruction, 1)
        let address = registers[baseRegister].value
        let id = event(.read, address: address, value: fresh("lr"), executed: guardFormula)
        events[id].bytes = width / 8
        (events[id].addressDependencies, events[id].addressWhen) = dependents(registers[baseRegister].dependencies)
        events[id].exclusive = true
        events[id].atomic = true
        events[id].acquire = suffixes.contains("aq") || suffixes.contains("aqrl")
        events[id].release = suffixes.contains("rl") || suffixes.contains("aqrl")
        reservation = (address, id)
        write(try register(instruction, 0), loaded(id, bits: width), dependingOn(id))
      case "sc":
        let source = registers[try register(instruction, 1)]
        let (_, baseRegister) = try memoryOperand(instruction, 2)
        let address = registers[baseRegister].value
        let succeeds = z3.boolVariable("t\(thread).\(order).sc")
        var possible = z3.falseFormula
        if let reservation { possible = reservation.address == address }
        constraints.append(succeeds.implies(possible && guardFormula))
        let value = width == 64 ? source.value : source.value.extract(31, 0).signExtend(to: Self.width)
        let id = event(.write, address: address, value: value, executed: guardFormula && succeeds)
        events[id].bytes = width / 8
        (events[id].addressDependencies, events[id].addressWhen) = dependents(registers[baseRegister].dependencies)
        (events[id].dataDependencies, events[id].dataWhen) = dependents(source.dependencies)
        events[id].exclusive = true
        events[id].atomic = true
        events[id].acquire = suffixes.contains("aq") || suffixes.contains("aqrl")
        events[id].release = suffixes.contains("rl") || suffixes.contains("aqrl")
        if let reservation { rmw.append((reservation.event, id, guardFormula && succeeds)) }
        // A successful SC's result depends on its write (a "success dependency"); a failed one
        // has no write, so nothing depends on it.
        reservation = nil
        write(
          try register(instruction, 0), succeeds.ite(z3.bv(0, width: Self.width), z3.bv(1, width: Self.width)),
          dependingOn(id))
      case let amo where amo.hasPrefix("amo"):
        guard !suffixes.contains("q") else {
          throw operandError(instruction, "\(mnemonic): 128-bit register pairs are not modelled in litmus tests")
        }
        let destination = try register(instruction, 0)
        let source = registers[try register(instruction, 1)]
        let (_, baseRegister) = try memoryOperand(instruction, 2)
        let address = registers[baseRegister].value
        let acquire = suffixes.contains("aq") || suffixes.contains("aqrl")
        let release = suffixes.contains("rl") || suffixes.contains("aqrl")
        let update = event(.update, address: address, value: fresh("amo"), executed: guardFormula)
        events[update].bytes = width / 8
        (events[update].addressDependencies, events[update].addressWhen) = dependents(
          registers[baseRegister].dependencies)
        let old = loaded(update, bits: width)
        var writes = guardFormula
        var succeeds = guardFormula
        var stored: BitVec
        var storedDependencies = source.dependencies
        switch amo {
        case "amoswap": stored = source.value
        case "amoadd": stored = old + source.value
        case "amoand": stored = old & source.value
        case "amoor": stored = old | source.value
        case "amoxor": stored = old ^ source.value
        case "amomin", "amomax", "amominu", "amomaxu":
          // Compared at the access width, signed or unsigned: the register's upper bits take no part.
          let (mine, theirs) = (old.extract(width - 1, 0), source.value.extract(width - 1, 0))
          let keepsOld: Formula
          switch amo {
          case "amomin": keepsOld = mine.slt(theirs)
          case "amomax": keepsOld = mine.sgt(theirs)
          case "amominu": keepsOld = mine.ult(theirs)
          default: keepsOld = mine.ugt(theirs)
          }
          stored = keepsOld.ite(old, source.value)
        case "amocas":
          let compare = registers[destination]
          let equal =
            width == 64 ? old == compare.value : old.extract(width - 1, 0) == compare.value.extract(width - 1, 0)
          storedDependencies = storedDependencies.union(compare.dependencies)
          succeeds = guardFormula && equal
          switch failedCAS {
          case .noWrite:
            writes = guardFormula && equal
            stored = source.value
          case .writeBack:
            stored = equal.ite(source.value, old)
          case .either:
            let writesBack = z3.boolVariable("t\(thread).\(order).writeback")
            writes = guardFormula && (equal || writesBack)
            stored = equal.ite(source.value, old)
          }
        default: throw operandError(instruction, "unsupported atomic '\(mnemonic)'")
        }
        events[update].stored = width == 64 ? stored : stored.extract(width - 1, 0).signExtend(to: Self.width)
        events[update].writes = writes
        // What the write takes from registers; what it takes from its own read is inside the event.
        (events[update].dataDependencies, events[update].dataWhen) = dependents(storedDependencies)
        events[update].atomic = true
        events[update].amo = true
        events[update].acquire = acquire
        if amo == "amocas" {
          // A failed amocas never releases, even when it writes the old value back.
          if release { events[update].releaseWhen = succeeds }
        } else {
          events[update].release = release
        }
        rmw.append((update, update, writes))
        write(destination, old, dependingOn(update))
      case "beq", "bne", "blt", "bge", "bltu", "bgeu":
        guard instruction.operands.count == 3 else { throw operandError(instruction, "a branch needs a label") }
        let (condition, dependencies) = try branch(base, instruction, 0)
        control.formUnion(dependencies.reads)
        pending.append((instruction.operands[2], guardFormula && condition, registers))
        guardFormula = guardFormula && !condition
      case "j":
        guard instruction.operands.count == 1 else { throw operandError(instruction, "j takes a label") }
        pending.append((instruction.operands[0], guardFormula, registers))
        guardFormula = z3.falseFormula
      case LoopUnroller.assumeNotTaken:
        // The unrolled loop's last copy: a path taking the branch again is not a candidate.
        var taken = guardFormula
        if let kind = instruction.operands.first {
          let (condition, dependencies) = try branch(kind, instruction, 1)
          control.formUnion(dependencies.reads)
          taken = guardFormula && condition
        }
        beyondBound.append(taken)
        guardFormula = guardFormula && !taken
      case "nop":
        break
      default:
        throw operandError(instruction, "unsupported instruction '\(mnemonic)'")
      }
    }
    // Branches to a label at the very end (or past it) rejoin here.
    for branch in pending {
      for number in 1..<32 {
        registers[number].value = branch.taken.ite(branch.registers[number].value, registers[number].value)
      }
      guardFormula = guardFormula || branch.taken
    }
    finalRegisters[thread] = registers.map(\.value)
  }
}
