/// Runs the expansion of one kernel primitive on one hart: its C with symbolic values (Z3 terms),
/// its `asm` statements on the spec's symbolic executor, forking where the spec's paths fork.
///
/// What it cannot follow — a call it does not know, a condition on a symbolic value, a loop — is
/// an `AtomicsUnknown` at the place it stands, never a guess.
struct PrimitiveEvaluator {
  let z3: Z3Context
  let configuration: MachineConfiguration
  /// Extensions the boot path found (`ZACAS`, `ZABHA`): what `riscv_has_extension_*` answers.
  let extensions: Set<String>
  /// Steps one `asm` statement may take on one path (an LR/SC loop that keeps retrying is cut).
  var maxSteps = 20
  var file: String
  /// Prefixes every variable this run makes, so that runs can share one Z3 context.
  var namePrefix = ""
  /// Set to compile rather than run: the asm statements are laid down as a litmus thread's code,
  /// their inputs loaded by `li` (or `mv` from the register holding an address), their outputs
  /// left as variables named after their registers.
  var compiling: Compilation?

  struct Compilation {
    /// Values with a register of their own in the litmus thread (the objects' addresses).
    var addresses: [String: Int]
    /// Registers for what plain accesses load and store, taken in order.
    var scratch: [Int] = []
    /// The code so far, one instruction or label a line, in the litmus tests' syntax.
    var lines: [String] = []
    /// The output variables' registers, by the variable's SMT text.
    var outputs: [String: Int] = [:]
    /// The registers' width.
    var xlen = 64
    /// Why each branch arm laid down as a mark was not compiled, by the mark's number less one;
    /// nil where arms may not be marked (see `CompiledBranch`).
    var unreached: [String]?
    /// Where a marked arm jumps once it has set the flag: the end of the litmus thread.
    var exitLabel = ""
  }
  private var asmCount = 0
  /// Locals whose address was taken, numbered so that their cells' names differ.
  var cellCount = 0
  /// Locals declared with a type this reader does not know, and why: used, they are unknown.
  var untyped: [String: String] = [:]
  /// The structs and unions the expansion defines at file scope, by name (`union x`, or a
  /// typedef's name).
  var records: [String: CRecord] = [:]
  /// The functions the expansion defines, by name: a call runs the body.
  var functions: [String: CFunction] = [:]
  /// A function the primitive's wrapper calls that the tree may not define: the primitive is then
  /// not provided, rather than unknown.
  var primitiveFunction: String?
  /// Calls being followed, innermost last (a function that calls itself is not followed).
  private var callStack: [String] = []
  /// What a `break` leaves, innermost last, while compiling: a loop being laid down (its labels,
  /// and the worlds that leave it by a `break`), or a `switch` or `do … while (0)`, which a
  /// conditional `break` may not leave.
  var breakTargets: [LoopLabels?] = []
  /// The label a conditional `return;` of each function being laid down jumps to, innermost last,
  /// and whether one did.
  var returnLabels: [ReturnTarget] = []

  /// Where a `return` inside a function being laid down goes: its label, whether a jump names
  /// it, and, once an arm returns a value early, the register every return puts its value in
  /// (see `CompiledBranch`), with the caller's locals behind pointers as each early return left
  /// them.
  struct ReturnTarget {
    let label: String
    var used = false
    var register: Int?
    var earlyCells: [[String: CValue]] = []
  }
  var labelCount = 0

  struct LoopLabels {
    let head: String
    /// Where `continue` goes: the loop's one jump back, so that the litmus test's unrolling
    /// copies each loop once per pass rather than once per way back.
    let latch: String
    let end: String
    var exits: [World] = []
  }

  /// A statement that only jumps: what `if (condition) …` may hold for the compiler to lay it down
  /// as one conditional branch.
  enum Jump { case breakOut, continueLoop, returnVoid }

  var xlen: Int { configuration.isa.xlen }

  init(z3: Z3Context, configuration: MachineConfiguration, extensions: Set<String>, file: String) {
    self.z3 = z3
    self.configuration = configuration
    self.extensions = extensions
    self.file = file
  }

  /// One way the code may have run so far.
  struct World {
    var locals: [String: CValue]
    var memory: ByteMemory
    var reservation: Reservation
    var condition: Formula
    /// The spec's constraints of every instruction run, and how operands were placed.
    var constraints: [Formula] = []
    /// Whether some instruction trapped.
    var trapped: Formula
    /// The instructions run, in order, as assembly, with the placement each asm took.
    var trace: [String] = []
    var returned: CValue?
    var breaking = false
    /// Paths of an asm cut short at the step bound (an LR/SC loop that kept retrying).
    var cutPaths = 0
    /// Register variables (`register … asm("t1")`): the register each is bound to.
    var registerVariables: [String: Int] = [:]
    /// Locals whose address was taken (`&old`), by their cell's name: what a pointer to one reads
    /// and writes, whichever function it was passed to.
    var cells: [String: CValue] = [:]
    /// The cell each local of the function being run lives in, once its address is taken.
    var cellOf: [String: String] = [:]
    /// Whether the boot code run disabled the static key it is asked about (`BootLockChoice`).
    var keyDisabled = false

    /// The value of local `name`, from its cell once its address was taken.
    func local(_ name: String) -> CValue? { cellOf[name].flatMap { cells[$0] } ?? locals[name] }

    /// Sets local `name`, in its cell once its address was taken.
    mutating func setLocal(_ name: String, _ value: CValue) {
      locals[name] = value
      if let cell = cellOf[name] { cells[cell] = value }
    }
  }

  // MARK: Statements

  mutating func run(_ statements: [CStatement], _ worlds: [World]) throws(AtomicsUnknown) -> [World] {
    var worlds = worlds
    for statement in statements {
      var next: [World] = []
      for world in worlds {
        if world.returned != nil || world.breaking {
          next.append(world)
          continue
        }
        next += try run(statement, world)
      }
      worlds = next
    }
    return worlds
  }

  mutating func run(_ statement: CStatement, _ world: World) throws(AtomicsUnknown) -> [World] {
    switch statement {
    case .block(let inner):
      let outer = world.locals
      return try run(inner, [world]).map { inner in
        var restored = inner
        restored.locals = restored.locals.filter { outer[$0.key] != nil }.merging(
          outer.filter { restored.locals[$0.key] == nil }, uniquingKeysWith: { a, _ in a })
        restored.cellOf = restored.cellOf.filter { outer[$0.key] != nil }
        return restored
      }
    case .expression(let expression, let location):
      return try evaluate(expression, world, at: location).map(\.world)
    case .declaration(let typeText, let names, let location):
      let type: CType
      do { type = try resolveType(typeText, world, at: location) } catch {
        // Declared but never used on the code followed (a queue node on a path not taken): it is
        // unknown only where it is used.
        guard names.allSatisfy({ $0.initial == nil }) else { throw error }
        for (name, _) in names { untyped[name] = "\(error.location): \(error.reason)" }
        return [world]
      }
      var worlds = [world]
      for (name, initial) in names {
        var next: [World] = []
        for current in worlds {
          guard let initial else {
            var declared = current
            declared.cellOf[name] = nil
            // An uninitialised local: any value (the asm writes it before it is read).
            declared.locals[name] = CValue(
              type: type, bits: z3.bvVariable("\(namePrefix)\(name).\(asmCount)", width: max(type.bits(xlen: xlen), 1)))
            next.append(declared)
            continue
          }
          if case .initializer(let items) = initial {
            next += try initialized(type, items, current, at: location).map { evaluated, value in
              var declared = evaluated
              declared.cellOf[name] = nil
              declared.locals[name] = value
              return declared
            }
            continue
          }
          for (evaluated, value) in try evaluate(initial, current, at: location) {
            var declared = evaluated
            declared.cellOf[name] = nil
            declared.locals[name] = value.converted(to: type, xlen: xlen)
            next.append(declared)
          }
        }
        worlds = next
      }
      return worlds
    case .branch(let test, let then, let otherwise, let location):
      var worlds: [World] = []
      for (evaluated, value) in try evaluate(test, world, at: location) {
        guard let truth = (value.bits != value.bits.constant(0)).simplified.concrete else {
          // Compiled, `if (condition) break;` (or `continue;`, or `return;`) is one branch.
          if compiling != nil, otherwise == nil, let jump = Self.jump(then) {
            worlds.append(try layDown(jump, when: value, evaluated, at: location))
            continue
          }
          if compiling != nil {
            worlds += try layDownBranch(value, then, otherwise, evaluated, at: location)
            continue
          }
          throw AtomicsUnknown(location: location, reason: "a condition on a run-time value: \(test.text)")
        }
        if truth {
          worlds += try run(then, evaluated)
        } else if let otherwise {
          worlds += try run(otherwise, evaluated)
        } else {
          worlds.append(evaluated)
        }
      }
      return worlds
    case .returns(let value, let location):
      guard let value else {
        // What follows `return;` does not run.
        var returned = world
        returned.returned = CValue(type: .void, bits: BitVec(0, width: 1))
        return [returned]
      }
      return try evaluate(value, world, at: location).map { evaluated, result in
        var returned = evaluated
        returned.returned = result
        return returned
      }
    case .other(let keyword, let location):
      throw AtomicsUnknown(location: location, reason: "a '\(keyword)' statement")
    case .extended(let extended, let location):
      return try run(extended, world, at: location)
    }
  }

  mutating func run(_ statement: CExtendedStatement, _ world: World, at location: SourceLocation)
    throws(AtomicsUnknown) -> [World]
  {
    switch statement {
    case .asm(let asm): return compiling != nil ? [try compile(asm, world)] : try execute(asm, world)
    case .switchOn(let value, let body):
      var worlds: [World] = []
      for (evaluated, selector) in try evaluate(value, world, at: location) {
        guard let chosen = selector.bits.simplified.numeral else {
          throw AtomicsUnknown(location: location, reason: "a switch on a run-time value")
        }
        var start: Int?
        var fallback: Int?
        for (position, statement) in body.enumerated() {
          guard case .extended(.caseLabel(let label), let at) = statement else { continue }
          guard let label else {
            fallback = position
            continue
          }
          let labelValue = try evaluate(label, evaluated, at: at)
          guard labelValue.count == 1, let number = labelValue[0].value.bits.simplified.numeral else {
            throw AtomicsUnknown(location: at, reason: "a case label that is not a constant")
          }
          if number == chosen && start == nil { start = position }
        }
        guard let from = start ?? fallback else {
          worlds.append(evaluated)
          continue
        }
        breakTargets.append(nil)
        defer { breakTargets.removeLast() }
        worlds += try run(Array(body[from...]), [evaluated]).map {
          var after = $0
          after.breaking = false
          return after
        }
      }
      return worlds
    case .caseLabel, .localLabels, .label: return [world]
    case .breakStatement:
      // Compiled, a `break` out of a loop being laid down jumps to its end.
      if compiling != nil, let innermost = breakTargets.last, var loop = innermost {
        compiling?.lines.append("j \(loop.end)")
        loop.exits.append(world)
        breakTargets[breakTargets.count - 1] = loop
      }
      var broken = world
      broken.breaking = true
      return [broken]
    case .continueStatement:
      throw AtomicsUnknown(location: location, reason: "a 'continue' that is not the branch of an 'if'")
    case .loop(let initial, let condition, _, let body):
      return try layDownLoop(statement.keyword, initial, condition, body, world, at: location)
    case .doWhile(let body, let condition):
      // `do { … } while (0)`: once.
      breakTargets.append(nil)
      defer { breakTargets.removeLast() }
      let after = try run(body, world)
      for world in after {
        for (_, value) in try evaluate(condition, world, at: location) where value.bits.simplified.numeral != 0 {
          throw AtomicsUnknown(location: location, reason: "a do-while loop that repeats")
        }
      }
      return after
    case .goto(let label):
      throw AtomicsUnknown(location: location, reason: "'goto \(label)'")
    case .registerVariable(let type, let name, let register, let initial):
      guard let number = RegisterNames.number(register), number != 0 else {
        throw AtomicsUnknown(location: location, reason: "a register variable in '\(register)'")
      }
      let declaration = CStatement.declaration(type: type, [(name, initial)], location)
      return try run(declaration, world).map { declared in
        var bound = declared
        bound.registerVariables[name] = number
        return bound
      }
    }
  }

  // MARK: Control flow, compiled

  /// The jump `statement` is, alone or as the one statement of a block.
  static func jump(_ statement: CStatement) -> Jump? {
    switch statement {
    case .extended(.breakStatement, _): .breakOut
    case .extended(.continueStatement, _): .continueLoop
    case .returns(nil, _): .returnVoid
    case .block(let inner) where inner.count == 1: jump(inner[0])
    default: nil
    }
  }

  /// Lays down `if (value) jump` as a branch on the register that holds `value`; the world goes on
  /// as the condition's false side. A `break` leaves its world as the loop's exit.
  mutating func layDown(_ jump: Jump, when value: CValue, _ world: World, at location: SourceLocation)
    throws(AtomicsUnknown) -> World
  {
    let free = compiling?.scratch ?? []
    var (compilation, test) = try conditionLaidDown(value, at: location)
    let target: String
    switch jump {
    case .breakOut, .continueLoop:
      guard let innermost = breakTargets.last, var loop = innermost else {
        throw AtomicsUnknown(location: location, reason: "a conditional jump out of a 'switch' or 'do … while'")
      }
      target = jump == .breakOut ? loop.end : loop.latch
      if jump == .breakOut {
        loop.exits.append(world)
        breakTargets[breakTargets.count - 1] = loop
      }
    case .returnVoid:
      guard !returnLabels.isEmpty else {
        throw AtomicsUnknown(location: location, reason: "a conditional 'return' outside a function")
      }
      target = returnLabels[returnLabels.count - 1].label
      returnLabels[returnLabels.count - 1].used = true
    }
    compilation.lines.append("\(test.branch) \(RegisterNames.name(test.register)),x0,\(target)")
    // What the condition computed is dead once branched on (a value is computed again where it is
    // needed again): its registers are free for what follows.
    compilation.scratch = free
    compiling = compilation
    return world
  }

  /// The compilation with the code that computes `value` appended, and how to branch on it;
  /// unknown, saying why, where it cannot be laid down (out of registers, or an operation the
  /// litmus tests have no instruction for).
  func conditionLaidDown(_ value: CValue, at location: SourceLocation) throws(AtomicsUnknown) -> (
    Compilation, (branch: String, register: Int)
  ) {
    guard var compilation = compiling else {
      throw AtomicsUnknown(location: location, reason: "a branch on a run-time value outside compiling")
    }
    guard let test = Self.branchTest(value.bits, &compilation) else {
      throw AtomicsUnknown(
        location: location,
        reason: compilation.scratch.isEmpty
          ? "more values than registers to hold them, at a condition"
          : "a condition rvcheck cannot lay down as code: \(value.bits.simplified.description)")
    }
    return (compilation, test)
  }

  /// How to branch when `condition` is not zero: a comparison with zero (`x != 0`, `!x`) branches on
  /// `x` itself (`bne`, `beq`), equal to zero at any width whatever the register's upper bits; any
  /// other value is computed, then tested (`bne`).
  static func branchTest(_ condition: BitVec, _ compilation: inout Compilation) -> (branch: String, register: Int)? {
    if case .choice(let left, let right, let ifEqual, let otherwise) = condition.simplified.shape,
      let equal = ifEqual.simplified.numeral, let other = otherwise.simplified.numeral, (equal == 0) != (other == 0)
    {
      let operand = right.simplified.numeral == 0 ? left : left.simplified.numeral == 0 ? right : nil
      if let operand, let register = compilation.materialize(operand) {
        return (equal != 0 ? "beq" : "bne", register)
      }
    }
    return compilation.materialize(condition).map { ("bne", $0) }
  }

  /// Lays down a loop that runs until a `break` (`while (1)`, `for (;;)`): its body once, then a
  /// jump back. The litmus test unrolls it as herd does. A loop with a start, a step or
  /// a run-time condition, or one whose body changes a variable from outside it (a value one pass
  /// hands the next, which one laying-down cannot follow), is unknown; so is any loop when running
  /// rather than compiling.
  mutating func layDownLoop(
    _ keyword: String, _ initial: CStatement?, _ condition: CExpression?, _ body: CStatement, _ world: World,
    at location: SourceLocation
  ) throws(AtomicsUnknown) -> [World] {
    guard compiling != nil else { throw AtomicsUnknown(location: location, reason: "a '\(keyword)' loop") }
    var plain = true
    if case .block(let start)? = initial { plain = start.isEmpty } else if initial != nil { plain = false }
    if let condition {
      let values = try evaluate(condition, world, at: location)
      plain = plain && values.count == 1 && values[0].value.bits.simplified.numeral.map { $0 != 0 } == true
    }
    guard plain else {
      throw AtomicsUnknown(
        location: location, reason: "a '\(keyword)' loop with a start, a step or a run-time condition")
    }
    labelCount += 1
    let loop = LoopLabels(
      head: "\(namePrefix)l\(labelCount)", latch: "\(namePrefix)l\(labelCount)c", end: "\(namePrefix)l\(labelCount)x")
    compiling?.lines.append(loop.head + ":")
    breakTargets.append(loop)
    let after = try run(body, world)
    let exits = breakTargets.removeLast()?.exits ?? []
    guard after.count == 1, after[0].returned == nil, exits.count == 1 else {
      throw AtomicsUnknown(
        location: location, reason: "a '\(keyword)' loop that does not leave by one break")
    }
    // The world at the body's end goes round again, unless the body left by a `break` there. A
    // variable each pass sets before it reads it hands nothing on: it leaves with the value of
    // the pass that breaks (the register the one laying-down keeps it in).
    let passes = after[0].breaking ? [exits[0]] : [after[0], exits[0]]
    let setFirst = Self.setBeforeRead(in: body)
    for name in world.locals.keys
    where !setFirst.contains(name)
      && passes.contains(where: { $0.local(name)?.bits.description != world.local(name)?.bits.description })
    {
      throw AtomicsUnknown(
        location: location, reason: "a '\(keyword)' loop that changes '\(name)' from one pass to the next")
    }
    // So may no local of a caller, through a pointer to it.
    for (cell, before) in world.cells
    where passes.contains(where: { $0.cells[cell]?.bits.description != before.bits.description }) {
      throw AtomicsUnknown(
        location: location,
        reason: "a '\(keyword)' loop that changes a caller's local (\(cell)) from one pass to the next")
    }
    compiling?.lines += [loop.latch + ":", "j \(loop.head)", loop.end + ":"]
    // The loop leaves its other outer variables as they were (checked above); what its body
    // declared ends with it.
    var exit = exits[0]
    let leaving = exit.locals
    exit.locals = world.locals
    for name in setFirst where world.locals[name] != nil { exit.locals[name] = leaving[name] }
    exit.registerVariables = world.registerVariables
    return [exit]
  }

  /// The variables a loop body sets before anything reads them: its leading assignments
  /// `name = value`, each of a name no earlier one of them mentioned and its value does not.
  static func setBeforeRead(in body: CStatement) -> Set<String> {
    let statements: [CStatement]
    if case .block(let inner) = body { statements = inner } else { statements = [body] }
    var set: Set<String> = []
    var mentioned: Set<String> = []
    for statement in statements {
      guard case .expression(.assign("=", .name(let name), let value), _) = statement else { break }
      var parts: [CExpression] = []
      value.collect(into: &parts)
      // What the walk does not look inside (a statement expression) may read anything.
      guard !parts.contains(where: { if case .statementExpression = $0 { true } else { false } }) else { break }
      let read = Set(parts.compactMap { if case .name(let used) = $0 { used } else { nil } })
      if !mentioned.contains(name) && !read.contains(name) { set.insert(name) }
      mentioned.formUnion(read)
      mentioned.insert(name)
    }
    return set
  }

  /// A record (or an integer) made from an initialiser list: each element to its field, the first
  /// fields in order where none is named; bits no element sets are zero.
  func initialized(_ type: CType, _ items: [CDesignator], _ world: World, at location: SourceLocation)
    throws(AtomicsUnknown) -> Result
  {
    guard case .record(let record) = type else {
      guard items.count == 1, items[0].field == nil else {
        throw AtomicsUnknown(location: location, reason: "an initialiser list for a \(type)")
      }
      var scratch = self
      return try scratch.evaluate(items[0].value, world, at: location).map { ($0, $1.converted(to: type, xlen: xlen)) }
    }
    var results: Result = [(world, CValue(type: type, bits: z3.bv(0, width: record.bits)))]
    for (position, item) in items.enumerated() {
      guard let field = item.field.map(record.field) ?? (position < record.fields.count ? record.fields[position] : nil)
      else {
        throw AtomicsUnknown(
          location: location, reason: "\(record.name) has no field \(item.field ?? "at \(position)")")
      }
      var next: Result = []
      for (current, whole) in results {
        var scratch = self
        for (evaluated, value) in try scratch.evaluate(item.value, current, at: location) {
          let bits = value.converted(to: field.type, xlen: xlen).bits
          next.append((evaluated, CValue(type: type, bits: Self.replacing(whole.bits, bits, at: field.offset))))
        }
      }
      results = next
    }
    return results
  }

  /// `whole` with `part` in place of its bits from `offset` up.
  static func replacing(_ whole: BitVec, _ part: BitVec, at offset: Int) -> BitVec {
    var result = part
    if offset > 0 { result = result.concat(whole.extract(offset - 1, 0)) }
    let top = offset + part.width
    if top < whole.width { result = whole.extract(whole.width - 1, top).concat(result) }
    return result
  }

  // MARK: asm

  /// Runs an asm statement under every placement its constraints allow, and every path the spec
  /// takes through it; each complete path continues as a world of its own.
  mutating func execute(_ asm: InlineAssembly, _ world: World) throws(AtomicsUnknown) -> [World] {
    let location = asm.location
    var inputWorlds: [(World, [CValue])] = [(world, [])]
    for operand in asm.inputs {
      var next: [(World, [CValue])] = []
      for (current, values) in inputWorlds {
        for (evaluated, value) in try evaluate(operand.expression, current, at: location) {
          next.append((evaluated, values + [value]))
        }
      }
      inputWorlds = next
    }
    var results: [World] = []
    for (current, inputs) in inputWorlds {
      // Outputs: their types, and what a read-write output holds before.
      var outputTypes: [CType] = []
      var outputValues: [CValue?] = []
      for operand in asm.outputs {
        if operand.letters == "A" {
          outputTypes.append(try pointeeType(operand.expression, current, at: location))
          outputValues.append(nil)
        } else {
          guard case .name(let name) = operand.expression, let value = current.local(name) else {
            throw AtomicsUnknown(
              location: location, reason: "an asm output that is not a local: \(operand.expression.text)")
          }
          outputTypes.append(value.type)
          outputValues.append(operand.isReadWrite ? value : nil)
        }
      }
      // A register operand wider than XLEN: the tree cannot mean this size on this XLEN.
      for (number, operand) in asm.operands.enumerated() where operand.letters != "A" {
        let bits =
          number < asm.outputs.count
          ? outputTypes[number].bits(xlen: xlen) : inputs[number - asm.outputs.count].bits.width
        if bits > xlen {
          throw AtomicsUnknown(
            location: location, reason: "a \(bits)-bit operand in one \(xlen)-bit register", unavailable: true)
        }
      }
      let zero = Set(
        inputs.enumerated().compactMap { $0.element.bits.simplified.numeral == 0 ? asm.outputs.count + $0.offset : nil }
      )
      let placements: [[OperandPlace]]
      do { placements = try asm.placements(constantZero: zero, fixed: fixedRegisters(asm, current)) } catch {
        throw AtomicsUnknown(location: location, reason: error.reason)
      }
      for places in placements {
        let bound: BoundAssembly
        do { bound = try asm.bind(places, xlen: xlen) } catch {
          throw AtomicsUnknown(location: location, reason: error.reason)
        }
        asmCount += 1
        let prefix = "\(namePrefix)asm\(asmCount)."
        var state = MachineState.initial(prefix: prefix, xlen: xlen, in: z3)
        state.memory = current.memory
        state.reservation = current.reservation
        var placed: [Formula] = []
        func put(_ value: CValue, in register: Int) throws(AtomicsUnknown) {
          let width = value.bits.width
          // The tree cannot mean it: the primitive does not exist at this size on this XLEN.
          guard width <= xlen else {
            throw AtomicsUnknown(
              location: location, reason: "a \(width)-bit value in one \(xlen)-bit register", unavailable: true)
          }
          guard width < xlen else {
            state.set(register, value.bits)
            return
          }
          // A value narrower than the register fills its low bits; the compiler leaves the rest.
          placed.append(state.registers[register].truncate(to: width) == value.bits)
        }
        for (number, place) in places.enumerated() {
          let isOutput = number < asm.outputs.count
          let operand = asm.operands[number]
          switch place {
          case .zero: break
          case .register(let register):
            if isOutput {
              if let before = outputValues[number] { try put(before, in: register) }
            } else {
              try put(inputs[number - asm.outputs.count], in: register)
            }
          case .memory(let base):
            state.set(base, try addressOf(operand.expression, current, at: location).bits)
          }
        }
        let executor = SymbolicExecutor(z3: z3, configuration: configuration, maxSteps: maxSteps)
        let paths = executor.run(bound.program, from: state, prefix: prefix)
        let before = results.count
        var cut = 0
        for path in paths {
          guard path.complete else {
            cut += 1
            continue
          }
          var after = current
          after.cutPaths += cut
          after.memory = path.final.memory
          after.reservation = path.final.reservation
          after.condition = current.condition && path.condition
          after.constraints += placed + path.constraints.map(\.formula)
          after.trapped = current.trapped || path.final.trap.trapped
          after.trace.append(
            "asm at \(location) placed as " + places.map(\.description).joined(separator: ", ") + ":")
          after.trace += path.trace.map { "  " + bound.program[$0].assembly }
          for (number, place) in places.enumerated() where number < asm.outputs.count {
            guard case .register(let register) = place, case .name(let name) = asm.outputs[number].expression else {
              continue
            }
            let type = outputTypes[number]
            let bits = path.final.registers[register]
            let width = type.bits(xlen: xlen)
            after.setLocal(name, CValue(type: type, bits: width <= xlen ? bits.truncate(to: width) : bits))
          }
          results.append(after)
        }
        // This placement reached no exit: nothing about it is shown, so nothing is proved.
        if results.count == before {
          throw AtomicsUnknown(
            location: location, reason: "every path of the asm was still running after \(maxSteps) steps")
        }
      }
    }
    return results
  }

  /// The operands that are register variables, with their registers.
  func fixedRegisters(_ asm: InlineAssembly, _ world: World) -> [Int: Int] {
    var fixed: [Int: Int] = [:]
    for (number, operand) in asm.operands.enumerated() {
      if case .name(let name) = operand.expression, let register = world.registerVariables[name] {
        fixed[number] = register
      }
    }
    return fixed
  }

  /// Lays an asm statement down as code (see `compiling`): the first placement its constraints
  /// allow, after an `li` or `mv` for each input.
  mutating func compile(_ asm: InlineAssembly, _ world: World) throws(AtomicsUnknown) -> World {
    guard var compilation = compiling else { return world }
    let location = asm.location
    var values: [CValue?] = []
    for operand in asm.outputs {
      guard operand.isReadWrite, case .name(let name) = operand.expression else {
        values.append(nil)
        continue
      }
      values.append(world.local(name))
    }
    for operand in asm.inputs {
      var scratch = self
      let results = try scratch.evaluate(operand.expression, world, at: location)
      guard results.count == 1 else {
        throw AtomicsUnknown(location: location, reason: "an asm input that forks: \(operand.expression.text)")
      }
      values.append(results[0].value)
    }
    let zero = Set(
      values.enumerated().compactMap {
        $0.offset >= asm.outputs.count && $0.element?.bits.simplified.numeral == 0 ? $0.offset : nil
      })
    let places: [OperandPlace]
    let bound: BoundAssembly
    do {
      places = try asm.placements(constantZero: zero, fixed: fixedRegisters(asm, world))[0]
      bound = try asm.bind(places, xlen: xlen)
    } catch {
      throw AtomicsUnknown(location: location, reason: error.reason)
    }
    func load(_ value: CValue, into register: Int) throws(AtomicsUnknown) {
      let name = RegisterNames.name(register)
      if let number = value.bits.simplified.numeral {
        let signed =
          value.bits.width < 64
          ? Int64(truncatingIfNeeded: number << (64 - UInt64(value.bits.width))) >> (64 - Int64(value.bits.width))
          : Int64(bitPattern: number)
        compilation.lines.append(
          "li \(name),\(value.type.isSigned || value.bits.width >= xlen ? signed : Int64(number))")
        return
      }
      // A value the thread holds, or computes from what it holds (`seen + (1 << 16)`).
      guard let source = compilation.register(holding: value.bits) ?? compilation.materialize(value.bits) else {
        throw AtomicsUnknown(
          location: location,
          reason: "an asm input rvcheck cannot lay down as code: \(value.bits.simplified.description)")
      }
      compilation.lines.append("mv \(name),\(RegisterNames.name(source))")
    }
    for (number, place) in places.enumerated() {
      switch place {
      case .zero: break
      case .register(let register): if let value = values[number] { try load(value, into: register) }
      case .memory(let base):
        try load(try addressOf(asm.operands[number].expression, world, at: location), into: base)
      }
    }
    compilation.lines += Self.litmusLines(bound.program, labelPrefix: "\(namePrefix)a\(compilation.lines.count)_")
    var after = world
    for (number, place) in places.enumerated() where number < asm.outputs.count {
      guard case .register(let register) = place, case .name(let name) = asm.outputs[number].expression,
        let type = world.local(name)?.type
      else { continue }
      let variable = z3.bvVariable(
        "\(namePrefix)out.\(register).\(compilation.lines.count)", width: max(type.bits(xlen: xlen), 1))
      compilation.outputs[variable.description] = register
      after.setLocal(name, CValue(type: type, bits: variable))
    }
    compiling = compilation
    return after
  }

  /// `READ_ONCE`/`WRITE_ONCE` while compiling: one load or store of the pointee's width, at the
  /// register holding the object's address; what is loaded lands in a scratch register.
  mutating func plainAccess(_ isWrite: Bool, _ arguments: [CExpression], _ world: World, at location: SourceLocation)
    throws(AtomicsUnknown) -> (world: World, value: CValue)
  {
    guard let pointerExpression = arguments.first else {
      throw AtomicsUnknown(location: location, reason: "READ_ONCE or WRITE_ONCE without an object")
    }
    guard var compilation = compiling else {
      // Run, not compiled: one load or store of the object's width.
      var scratch = self
      let pointers = try scratch.evaluate(pointerExpression, world, at: location)
      guard pointers.count == 1, let target = pointers[0].value.type.pointee else {
        throw AtomicsUnknown(location: location, reason: "a plain access through '\(pointerExpression.text)'")
      }
      let (current, pointer) = pointers[0]
      let bytes = target.bits(xlen: xlen) / 8
      guard isWrite else {
        return (current, CValue(type: target, bits: current.memory.load(pointer.bits, bytes: bytes)))
      }
      guard arguments.count == 2 else { throw AtomicsUnknown(location: location, reason: "WRITE_ONCE without a value") }
      let values = try scratch.evaluate(arguments[1], current, at: location)
      guard values.count == 1 else { throw AtomicsUnknown(location: location, reason: "a WRITE_ONCE value that forks") }
      var written = values[0].world
      let value = values[0].value.converted(to: target, xlen: xlen)
      written.memory = written.memory.store(pointer.bits, value.bits)
      return (written, value)
    }
    var scratch = self
    let pointer = try scratch.evaluate(pointerExpression, world, at: location)
    guard pointer.count == 1, let target = pointer[0].value.type.pointee,
      let base = compilation.register(holding: pointer[0].value.bits)
    else {
      throw AtomicsUnknown(location: location, reason: "a plain access to an object that is not the test's")
    }
    let width = target.bits(xlen: xlen)
    guard [8, 16, 32, 64].contains(width), !compilation.scratch.isEmpty else {
      throw AtomicsUnknown(location: location, reason: "a plain access of \(width) bits")
    }
    let register = compilation.scratch.removeFirst()
    let name = RegisterNames.name(register)
    let suffix = ["b", "h", "w", "d"][width.trailingZeroBitCount - 3]
    if isWrite {
      guard arguments.count == 2 else { throw AtomicsUnknown(location: location, reason: "WRITE_ONCE without a value") }
      let values = try scratch.evaluate(arguments[1], world, at: location)
      guard values.count == 1 else {
        throw AtomicsUnknown(location: location, reason: "a WRITE_ONCE value that forks")
      }
      if let number = values[0].value.bits.simplified.numeral {
        compilation.lines += [
          "li \(name),\(Int64(bitPattern: number))", "s\(suffix) \(name),0(\(RegisterNames.name(base)))",
        ]
      } else {
        // A value the litmus thread holds in a register (an address, a value it loaded) is stored
        // from there; the store takes its low bits.
        compilation.scratch.insert(register, at: 0)
        guard let held = compilation.materialize(values[0].value.bits) else {
          throw AtomicsUnknown(
            location: location, reason: "WRITE_ONCE of a value that is neither a constant nor in a register")
        }
        compilation.lines.append("s\(suffix) \(RegisterNames.name(held)),0(\(RegisterNames.name(base)))")
      }
      compiling = compilation
      return (world, values[0].value)
    }
    // A byte or halfword is loaded zero-extended, as the unsigned objects of the shapes are.
    compilation.lines.append("l\(suffix)\(width < 32 ? "u" : "") \(name),0(\(RegisterNames.name(base)))")
    let variable = z3.bvVariable("\(namePrefix)load.\(register).\(compilation.lines.count)", width: width)
    compilation.outputs[variable.description] = register
    compiling = compilation
    return (world, CValue(type: target, bits: variable))
  }

  /// A program as litmus-test lines: branches name labels (placed on lines of their own) rather
  /// than offsets, and `x0` is written `x0`.
  static func litmusLines(_ program: [Instruction], labelPrefix: String) -> [String] {
    var targets: [Int: String] = [:]
    for (index, instruction) in program.enumerated() where instruction.form.format == .branch {
      let target = index + Int(instruction.immediate / 4)
      targets[target] = targets[target] ?? "\(labelPrefix)\(target)"
    }
    var lines: [String] = []
    for (index, instruction) in program.enumerated() {
      if let label = targets[index] { lines.append(label + ":") }
      if instruction.form.format == .branch, let label = targets[index + Int(instruction.immediate / 4)] {
        lines.append(
          "\(instruction.mnemonic) \(RegisterNames.name(instruction.rs1)),\(RegisterNames.name(instruction.rs2)),\(label)"
        )
      } else {
        lines.append(instruction.assembly.replacingOccurrences(of: ", ", with: ","))
      }
    }
    if let label = targets[program.count] { lines.append(label + ":") }
    return lines
  }

  /// The address of a memory operand's object: `*(p)` is the value of `p`.
  func addressOf(_ expression: CExpression, _ world: World, at location: SourceLocation) throws(AtomicsUnknown)
    -> CValue
  {
    if case .member(let base, let name, arrow: true) = expression {
      var scratch = self
      let addresses = try scratch.fieldAddress(base, name, world, at: location)
      guard addresses.count == 1 else {
        throw AtomicsUnknown(location: location, reason: "a memory operand whose address forks: \(expression.text)")
      }
      return addresses[0].value
    }
    guard case .prefix("*", let pointer) = expression else {
      throw AtomicsUnknown(location: location, reason: "a memory operand that is not '*pointer': \(expression.text)")
    }
    var scratch = self
    let values = try scratch.evaluate(pointer, world, at: location)
    guard values.count == 1 else {
      throw AtomicsUnknown(location: location, reason: "a memory operand whose address forks: \(expression.text)")
    }
    return values[0].value
  }

  /// The address of `base->name`: the pointer plus the field's offset, typed as a pointer to it.
  mutating func fieldAddress(_ base: CExpression, _ name: String, _ world: World, at location: SourceLocation)
    throws(AtomicsUnknown) -> Result
  {
    var results: Result = []
    for (evaluated, pointer) in try evaluate(base, world, at: location) {
      guard case .record(let record)? = pointer.type.pointee, let field = record.field(name) else {
        throw AtomicsUnknown(location: location, reason: "'\(base.text)->\(name)' is not a field rvcheck knows")
      }
      let address = pointer.bits + pointer.bits.constant(UInt64(field.offset / 8))
      results.append((evaluated, CValue(type: .pointer(field.type), bits: address)))
    }
    return results
  }

  /// A call of a function the expansion defines: its body run with the arguments bound to its
  /// parameters (converted to their types), in a scope of its own; the value it returns.
  mutating func inline(_ name: String, _ arguments: [CExpression], _ world: World, at location: SourceLocation)
    throws(AtomicsUnknown) -> Result
  {
    guard let function = functions[name] else {
      throw AtomicsUnknown(location: location, reason: "a call rvcheck does not follow: \(name)()")
    }
    guard let body = function.body else {
      throw AtomicsUnknown(location: location, reason: "\(name)() cannot be read: \(function.unreadable ?? "")")
    }
    guard function.parameters.count == arguments.count, !callStack.contains(name), callStack.count < 16 else {
      throw AtomicsUnknown(location: location, reason: "a call of \(name)() rvcheck does not follow")
    }
    var bound: [(World, [CValue])] = [(world, [])]
    for argument in arguments {
      var next: [(World, [CValue])] = []
      for (current, values) in bound {
        for (evaluated, value) in try evaluate(argument, current, at: location) {
          next.append((evaluated, values + [value]))
        }
      }
      bound = next
    }
    var results: Result = []
    let returnType = try resolveType(function.returnType, world, at: location)
    for (current, values) in bound {
      var inner = current
      inner.locals = [:]
      inner.cellOf = [:]
      inner.registerVariables = [:]
      for (parameter, value) in zip(function.parameters, values) {
        inner.locals[parameter.name] = value.converted(
          to: try resolveType(parameter.type, current, at: location), xlen: xlen)
      }
      callStack.append(name)
      labelCount += 1
      returnLabels.append(ReturnTarget(label: "\(namePrefix)r\(labelCount)"))
      var finished = try run(body, [inner])
      let returning = returnLabels.removeLast()
      if let register = returning.register {
        finished = try joinReturns(finished, in: register, returning, at: location)
      }
      if returning.used { compiling?.lines.append(returning.label + ":") }
      callStack.removeLast()
      for done in finished {
        var back = done
        back.locals = current.locals
        back.cellOf = current.cellOf
        back.registerVariables = current.registerVariables
        back.returned = nil
        back.breaking = false
        let value = done.returned ?? CValue(type: .void, bits: BitVec(0, width: 1))
        results.append((back, returnType == .void ? value : value.converted(to: returnType, xlen: xlen)))
      }
    }
    return results
  }

  func pointeeType(_ expression: CExpression, _ world: World, at location: SourceLocation) throws(AtomicsUnknown)
    -> CType
  {
    if case .member = expression { return try typeOf(expression, world, at: location) }
    guard case .prefix("*", let pointer) = expression, let target = try typeOf(pointer, world, at: location).pointee
    else {
      throw AtomicsUnknown(location: location, reason: "a memory operand that is not '*pointer': \(expression.text)")
    }
    return target
  }

  // MARK: Types

  /// The type written in a declaration or cast (`__typeof__(…)` resolved in `world`).
  func resolveType(_ text: String, _ world: World, at location: SourceLocation) throws(AtomicsUnknown) -> CType {
    // Read as tokens, however the type was spaced: `__typeof__(*(p))`, `typeof ( * ( p ) ) *`.
    let tokens: [CToken]
    do { tokens = try CTokenizer.tokenize(text, file: file) } catch {
      throw AtomicsUnknown(location: location, reason: "cannot read the type '\(text)'")
    }
    var words: [String] = []
    var typeofType: CType?
    var index = 0
    while index < tokens.count {
      let token = tokens[index]
      index += 1
      guard token.text == "__typeof__" || token.text == "typeof", index < tokens.count, tokens[index].text == "("
      else {
        words.append(token.text)
        continue
      }
      // The expression runs to the parenthesis that closes this one.
      var depth = 0
      var close = index
      repeat {
        if tokens[close].text == "(" { depth += 1 }
        if tokens[close].text == ")" { depth -= 1 }
        close += 1
      } while depth > 0 && close < tokens.count
      guard depth == 0 else { throw AtomicsUnknown(location: location, reason: "an unclosed typeof in '\(text)'") }
      var parser = CParser(tokens: Array(tokens[(index + 1)..<(close - 1)]), file: file, index: 0)
      parser.gnuExtensions = true
      let expression: CExpression
      do { expression = try parser.expression() } catch {
        throw AtomicsUnknown(location: location, reason: "cannot read the typeof in '\(text)'")
      }
      typeofType = try typeOf(expression, world, at: location)
      index = close
    }
    if let typeofType {
      guard words.allSatisfy({ $0 == "*" || Self.qualifiers.contains($0) }) else {
        throw AtomicsUnknown(location: location, reason: "a type rvcheck does not know: '\(text)'")
      }
      var type = typeofType
      for word in words where word == "*" { type = .pointer(type) }
      return type
    }
    let unqualified = words.filter { !Self.qualifiers.contains($0) }
    // `union x` by its tag, or `atomic_t` by its typedef's name.
    let tagged = unqualified.count >= 2 ? records[unqualified[0] + " " + unqualified[1]] : nil
    if let record = tagged ?? unqualified.first.flatMap({ records[$0] }) {
      var type = CType.record(record)
      for word in unqualified.dropFirst(tagged == nil ? 1 : 2) {
        guard word.allSatisfy({ $0 == "*" }) else {
          throw AtomicsUnknown(location: location, reason: "a type rvcheck does not know: '\(text)'")
        }
        for _ in word { type = .pointer(type) }
      }
      return type
    }
    guard let type = CType.named(words, xlen: xlen) else {
      throw AtomicsUnknown(location: location, reason: "a type rvcheck does not know: '\(text)'")
    }
    return type
  }

  /// Words of a type that change nothing the prover follows.
  static let qualifiers: Set<String> = ["const", "volatile", "register", "static", "__user"]

  func parseExpression(_ text: String, at location: SourceLocation) throws(AtomicsUnknown) -> CExpression {
    do {
      var parser = CParser(tokens: try CTokenizer.tokenize(text, file: file), file: file, index: 0)
      parser.gnuExtensions = true
      return try parser.expression()
    } catch {
      throw AtomicsUnknown(location: location, reason: "cannot read '\(text)'")
    }
  }

  /// The type of an expression, without evaluating it.
  func typeOf(_ expression: CExpression, _ world: World, at location: SourceLocation) throws(AtomicsUnknown) -> CType {
    switch expression {
    case .name(let name):
      guard let value = world.local(name) else { throw unknownLocal(name, at: location) }
      return value.type
    case .literal(let text): return try literal(text, at: location).type
    case .prefix("*", let pointer):
      guard let target = try typeOf(pointer, world, at: location).pointee else {
        throw AtomicsUnknown(location: location, reason: "'\(expression.text)' dereferences a non-pointer")
      }
      return target
    case .prefix("!", _): return .integer(bits: 32, signed: true)
    case .prefix("&", let inner): return .pointer(try typeOf(inner, world, at: location))
    case .prefix(_, let operand): return try typeOf(operand, world, at: location).promoted
    case .cast(let type, _): return try resolveType(type, world, at: location)
    case .binary(let op, let left, let right):
      if ["==", "!=", "<", ">", "<=", ">=", "&&", "||"].contains(op) { return .integer(bits: 32, signed: true) }
      if op == "<<" || op == ">>" { return try typeOf(left, world, at: location).promoted }
      if op == "," { return try typeOf(right, world, at: location) }
      return CType.common(try typeOf(left, world, at: location), try typeOf(right, world, at: location))
    case .assign(_, let left, _): return try typeOf(left, world, at: location)
    case .conditional(_, let then, let otherwise):
      return CType.common(try typeOf(then, world, at: location), try typeOf(otherwise, world, at: location))
    case .sizeof: return .integer(bits: xlen, signed: false)
    case .member(let base, let name, arrow: true):
      guard case .record(let record)? = try typeOf(base, world, at: location).pointee, let field = record.field(name)
      else {
        throw AtomicsUnknown(location: location, reason: "'\(expression.text)' is not a field rvcheck knows")
      }
      return field.type
    case .call(.name(let function), _) where functions[function] != nil:
      return try resolveType(functions[function]?.returnType ?? "void", world, at: location)
    case .member(let base, let name, arrow: false):
      guard case .record(let record) = try typeOf(base, world, at: location), let field = record.field(name) else {
        throw AtomicsUnknown(location: location, reason: "'\(expression.text)' is not a field rvcheck knows")
      }
      return field.type
    default:
      throw AtomicsUnknown(location: location, reason: "the type of '\(expression.text)'")
    }
  }

  /// An integer literal with C's type rules for its suffix and size.
  func literal(_ text: String, at location: SourceLocation) throws(AtomicsUnknown) -> CValue {
    var digits = Substring(text.lowercased())
    var unsigned = false
    var longs = 0
    while let last = digits.last, last == "u" || last == "l" {
      if last == "u" { unsigned = true } else { longs += 1 }
      digits.removeLast()
    }
    let value: UInt64?
    if digits.hasPrefix("0x") {
      value = UInt64(digits.dropFirst(2), radix: 16)
    } else if digits.hasPrefix("0") && digits.count > 1 {
      value = UInt64(digits.dropFirst(), radix: 8)
    } else {
      value = UInt64(digits)
    }
    guard let value else {
      throw AtomicsUnknown(location: location, reason: "a literal rvcheck does not read: \(text)")
    }
    let isHex = digits.hasPrefix("0")
    // int, then (for hex/octal) unsigned int, then long, unsigned long, long long.
    var candidates: [CType] = []
    if longs == 0 {
      candidates += unsigned ? [.integer(bits: 32, signed: false)] : [.integer(bits: 32, signed: true)]
      if !unsigned && isHex { candidates.append(.integer(bits: 32, signed: false)) }
    }
    if longs <= 1 {
      candidates += unsigned ? [.integer(bits: xlen, signed: false)] : [.integer(bits: xlen, signed: true)]
      if !unsigned && isHex { candidates.append(.integer(bits: xlen, signed: false)) }
    }
    candidates +=
      unsigned
      ? [.integer(bits: 64, signed: false)] : [.integer(bits: 64, signed: true), .integer(bits: 64, signed: false)]
    for candidate in candidates {
      guard case .integer(let bits, let signed) = candidate else { continue }
      let limit: UInt64 = bits == 64 ? (signed ? UInt64(Int64.max) : .max) : (1 << UInt64(signed ? bits - 1 : bits)) - 1
      if value <= limit { return CValue(type: candidate, bits: BitVec(value, width: bits)) }
    }
    throw AtomicsUnknown(location: location, reason: "a literal too large: \(text)")
  }

  // MARK: Expressions

  typealias Result = [(world: World, value: CValue)]

  mutating func evaluate(_ expression: CExpression, _ world: World, at location: SourceLocation)
    throws(AtomicsUnknown) -> Result
  {
    switch expression {
    case .name(let name):
      guard let value = world.local(name) else { throw unknownLocal(name, at: location) }
      return [(world, value)]
    case .literal(let text) where text.hasPrefix("\""):
      // A string: the address of an object that is not null.
      return [(world, CValue(type: .pointer(.integer(bits: 8, signed: true)), bits: BitVec(1, width: xlen)))]
    case .literal(let text):
      return [(world, try literal(text, at: location))]
    case .call(.name(let function), let arguments)
    where arguments.isEmpty && (function == "__rvcheck_key_disabled" || function == "__rvcheck_key_enabled"):
      var switched = world
      switched.keyDisabled = function == "__rvcheck_key_disabled"
      return [(switched, CValue(type: .void, bits: BitVec(0, width: 1)))]
    case .prefix("&", .name(let name)):
      return [try addressOfLocal(name, world, at: location)]
    case .prefix("*", let pointer):
      // Only a local's cell is read this way; memory is read by READ_ONCE and asm.
      var results: Result = []
      for (evaluated, address) in try evaluate(pointer, world, at: location) {
        guard let value = evaluated.cells[address.bits.description] else {
          throw AtomicsUnknown(location: location, reason: "an expression rvcheck does not follow: \(expression.text)")
        }
        results.append((evaluated, value))
      }
      return results
    case .assign(let op, .prefix("*", let pointer), let right):
      var results: Result = []
      for (evaluated, address) in try evaluate(pointer, world, at: location) {
        let cell = address.bits.description
        guard let target = evaluated.cells[cell] else {
          throw AtomicsUnknown(location: location, reason: "a store rvcheck does not follow: \(expression.text)")
        }
        let source: CExpression = op == "=" ? right : .binary(String(op.dropLast()), .prefix("*", pointer), right)
        for (assigned, value) in try evaluate(source, evaluated, at: location) {
          var stored = assigned
          let converted = value.converted(to: target.type, xlen: xlen)
          stored.cells[cell] = converted
          results.append((stored, converted))
        }
      }
      return results
    case .sizeof(let text):
      let words = text.split(separator: " ").map(String.init)
      let type: CType
      if let named = CType.named(words, xlen: xlen) {
        type = named
      } else if let record = try? resolveType(text, world, at: location) {
        // A record or typedef's name (`sizeof(atomic_t)`).
        type = record
      } else {
        type = try typeOf(try parseExpression(text, at: location), world, at: location)
      }
      return [
        (
          world,
          CValue(
            type: .integer(bits: xlen, signed: false), bits: BitVec(UInt64(type.bits(xlen: xlen) / 8), width: xlen))
        )
      ]
    case .cast(let typeText, let operand):
      let type = try resolveType(typeText, world, at: location)
      return try evaluate(operand, world, at: location).map { evaluated, value in
        (evaluated, type == .void ? value : value.converted(to: type, xlen: xlen))
      }
    case .statementExpression(let block):
      // The value is that of the last statement, when it is an expression.
      guard case .expression(let last, let lastLocation)? = block.statements.last else {
        return try run(block.statements, [world]).map { ($0, CValue(type: .void, bits: BitVec(0, width: 1))) }
      }
      var results: Result = []
      for inner in try run(Array(block.statements.dropLast()), [world]) {
        results += try evaluate(last, inner, at: lastLocation)
      }
      return results.map { inner, value in
        var outer = inner
        outer.locals = outer.locals.filter { world.locals[$0.key] != nil }
        outer.cellOf = outer.cellOf.filter { world.locals[$0.key] != nil }
        return (outer, value)
      }
    case .assign(let op, .name(let name), let right):
      guard let target = world.local(name) else { throw unknownLocal(name, at: location) }
      let source: CExpression = op == "=" ? right : .binary(String(op.dropLast()), .name(name), right)
      return try evaluate(source, world, at: location).map { evaluated, value in
        var assigned = evaluated
        let converted = value.converted(to: target.type, xlen: xlen)
        assigned.setLocal(name, converted)
        return (assigned, converted)
      }
    case .prefix(let op, let operand) where ["~", "-", "!", "+"].contains(op):
      return try evaluate(operand, world, at: location).map { evaluated, value in
        let promoted = value.converted(to: value.type.promoted, xlen: xlen)
        switch op {
        case "~":
          return (evaluated, CValue(type: promoted.type, bits: promoted.bits ^ promoted.bits.constant(UInt64.max)))
        case "-": return (evaluated, CValue(type: promoted.type, bits: promoted.bits.constant(0) - promoted.bits))
        case "!": return (evaluated, truth(promoted.bits == promoted.bits.constant(0)))
        default: return (evaluated, promoted)
        }
      }
    case .binary(let op, let left, let right):
      var results: Result = []
      for (afterLeft, a) in try evaluate(left, world, at: location) {
        for (afterRight, b) in try evaluate(right, afterLeft, at: location) {
          results.append((afterRight, try combine(op, a, b, at: location)))
        }
      }
      return results
    case .conditional(let test, let then, let otherwise):
      var results: Result = []
      for (evaluated, value) in try evaluate(test, world, at: location) {
        guard let truth = (value.bits != value.bits.constant(0)).simplified.concrete else {
          throw AtomicsUnknown(location: location, reason: "a condition on a run-time value: \(test.text)")
        }
        results += try evaluate(truth ? then : otherwise, evaluated, at: location)
      }
      return results
    case .call(.name(let function), let arguments)
    where function == "__rvcheck_read_once" || function == "__rvcheck_write_once":
      return [try plainAccess(function == "__rvcheck_write_once", arguments, world, at: location)]
    case .call(.name(let function), let arguments) where functions[function] != nil:
      return try inline(function, arguments, world, at: location)
    case .call(.name(let function), let arguments):
      return [(world, try call(function, arguments, world, at: location))]
    case .prefix("&", .prefix("*", let pointer)):
      return try evaluate(pointer, world, at: location)
    case .prefix("&", .member(let base, let name, arrow: true)):
      return try fieldAddress(base, name, world, at: location)
    case .member(let base, let name, arrow: true):
      // A field read through a pointer: what memory holds there (never while compiling).
      guard compiling == nil else {
        throw AtomicsUnknown(location: location, reason: "a field read in a compiled litmus thread: \(expression.text)")
      }
      return try fieldAddress(base, name, world, at: location).map { evaluated, pointer in
        let type = pointer.type.pointee ?? .void
        return (
          evaluated, CValue(type: type, bits: evaluated.memory.load(pointer.bits, bytes: type.bits(xlen: xlen) / 8))
        )
      }

    case .member(let base, let name, arrow: false):
      var results: Result = []
      for (evaluated, value) in try evaluate(base, world, at: location) {
        guard case .record(let record) = value.type, let field = record.field(name) else {
          throw AtomicsUnknown(location: location, reason: "'\(expression.text)' is not a field rvcheck knows")
        }
        let width = field.type.bits(xlen: xlen)
        results.append(
          (evaluated, CValue(type: field.type, bits: value.bits.extract(field.offset + width - 1, field.offset))))
      }
      return results
    default:
      throw AtomicsUnknown(location: location, reason: "an expression rvcheck does not follow: \(expression.text)")
    }
  }

  /// Why `name` cannot be read: it is not a local, or its type was not known where it was declared.
  func unknownLocal(_ name: String, at location: SourceLocation) -> AtomicsUnknown {
    if let reason = untyped[name] {
      return AtomicsUnknown(
        location: location, reason: "'\(name)' is declared with a type rvcheck does not know (\(reason))")
    }
    return AtomicsUnknown(location: location, reason: "'\(name)' is not a local this reader knows")
  }

  /// `&name` of a local: a pointer to the cell it lives in from now on, which the callee it is
  /// passed to reads and writes (`try_cmpxchg(v, &old, new)` updates `old` on failure).
  mutating func addressOfLocal(_ name: String, _ world: World, at location: SourceLocation) throws(AtomicsUnknown)
    -> (world: World, value: CValue)
  {
    guard let value = world.local(name) else { throw unknownLocal(name, at: location) }
    var taken = world
    let cell: String
    if let existing = world.cellOf[name] {
      cell = existing
    } else {
      cellCount += 1
      // The cell is named by its pointer's text, which is how a dereference finds it.
      cell = z3.bvVariable("\(namePrefix)cell\(cellCount).\(name)", width: xlen).description
      taken.cellOf[name] = cell
      taken.cells[cell] = value
    }
    return (taken, CValue(type: .pointer(value.type), bits: z3.bvVariable(cell, width: xlen)))
  }

  func truth(_ formula: Formula) -> CValue {
    CValue(type: .integer(bits: 32, signed: true), bits: formula.ite(BitVec(1, width: 32), BitVec(0, width: 32)))
  }

  func combine(_ op: String, _ a: CValue, _ b: CValue, at location: SourceLocation) throws(AtomicsUnknown) -> CValue {
    switch op {
    case "<<", ">>":
      let left = a.converted(to: a.type.promoted, xlen: xlen)
      let amount = b.converted(to: left.type, xlen: xlen).bits
      if op == "<<" { return CValue(type: left.type, bits: left.bits.shl(amount)) }
      return CValue(type: left.type, bits: left.type.isSigned ? left.bits.ashr(amount) : left.bits.lshr(amount))
    case "&&", "||":
      let (x, y) = (a.bits != a.bits.constant(0), b.bits != b.bits.constant(0))
      return truth(op == "&&" ? x && y : x || y)
    case ",": return b
    default: break
    }
    let type = CType.common(a.type, b.type)
    let (x, y) = (a.converted(to: type, xlen: xlen).bits, b.converted(to: type, xlen: xlen).bits)
    switch op {
    case "+": return CValue(type: type, bits: x + y)
    case "-": return CValue(type: type, bits: x - y)
    case "*": return CValue(type: type, bits: x * y)
    case "&": return CValue(type: type, bits: x & y)
    case "|": return CValue(type: type, bits: x | y)
    case "^": return CValue(type: type, bits: x ^ y)
    case "==": return truth(x == y)
    case "!=": return truth(x != y)
    case "<": return truth(type.isSigned ? x.slt(y) : x.ult(y))
    case ">": return truth(type.isSigned ? x.sgt(y) : x.ugt(y))
    case "<=": return truth(type.isSigned ? x.sle(y) : x.ule(y))
    case ">=": return truth(type.isSigned ? x.sge(y) : x.uge(y))
    default: throw AtomicsUnknown(location: location, reason: "the operator '\(op)'")
    }
  }

  /// The calls the stub headers leave: boot-path questions and build-time checks.
  func call(_ function: String, _ arguments: [CExpression], _ world: World, at location: SourceLocation)
    throws(AtomicsUnknown) -> CValue
  {
    switch function {
    case "__rvcheck_has":
      guard arguments.count == 1, case .name(let name) = arguments[0] else {
        throw AtomicsUnknown(location: location, reason: "an extension test rvcheck does not read")
      }
      return truth(Formula(extensions.contains(name)))
    case "__rvcheck_enabled":
      // IS_ENABLED(CONFIG_X): the option expands to 1 when the configuration sets it.
      guard arguments.count == 1 else {
        throw AtomicsUnknown(location: location, reason: "IS_ENABLED without one option")
      }
      if case .literal("1") = arguments[0] { return truth(Formula(true)) }
      return truth(Formula(false))
    case "__rvcheck_build_bug":
      throw AtomicsUnknown(location: location, reason: "BUILD_BUG", unavailable: true)
    case "__rvcheck_generic_atomic64":
      throw AtomicsUnknown(
        location: location, reason: "the generic 64-bit atomics (a spinlock around C) are not read",
        unavailable: true)
    case "__rvcheck_not_on_this_path":
      throw AtomicsUnknown(
        location: location, reason: "system_has_cmpxchg128() is false on this boot path", unavailable: true)
    case "__rvcheck_build_bug_on":
      var scratch = self
      for (_, value) in try scratch.evaluate(arguments.first ?? .literal("1"), world, at: location)
      where value.bits.simplified.numeral != 0 {
        throw AtomicsUnknown(location: location, reason: "BUILD_BUG_ON", unavailable: true)
      }
      return truth(Formula(true))
    case let name where name == primitiveFunction:
      throw AtomicsUnknown(location: location, reason: "the tree defines no \(name)", unavailable: true)
    default:
      throw AtomicsUnknown(location: location, reason: "a call rvcheck does not follow: \(function)()")
    }
  }
}

/// Where and why the atomics reader stopped following a primitive. `unavailable` marks the tree's
/// own refusal (`BUILD_BUG`): the primitive does not exist at that size, which is not an error.
public struct AtomicsUnknown: Error, Sendable, CustomStringConvertible {
  public let location: SourceLocation
  public let reason: String
  public var unavailable = false

  public init(location: SourceLocation, reason: String, unavailable: Bool = false) {
    self.location = location
    self.reason = reason
    self.unavailable = unavailable
  }

  public var description: String { "\(location): \(reason)" }
}
