/// The candidate executions of a C litmus test as Z3 constraints: each thread's statements run
/// symbolically into events under path conditions, with the reads each value depends on (for
/// addr, data and ctrl). The solver then chooses rf and co exactly as for a RISC-V test.
struct KernelExecution: CandidateExecutions {
  let z3: Z3Context
  let test: KernelLitmusTest
  private(set) var events: [MemoryEvent] = []
  private(set) var rmw: [(read: Int, write: Int, when: Formula)] = []
  private(set) var addresses: [String: UInt64] = [:]
  private let locations: LitmusLocations
  private(set) var constraints: [Formula] = []
  let hasLoops = false
  let beyondBound: [Formula] = []
  private var finalLocals: [Int: [String: BitVec]] = [:]

  /// A value and the reads it was computed from.
  private struct Value {
    var bits: BitVec
    var dependencies: Set<Int> = []
  }

  // The thread being run.
  private var thread = 0
  private var order = 0
  private var pathCondition = Formula(true)
  private var control: Set<Int> = []
  private var locals: [String: Value] = [:]
  /// The thread's `rcu_read_lock()`s not yet closed, innermost last.
  private var openSections: [Int] = []
  /// The thread's `srcu_read_lock()`s not yet closed, innermost last, with their `srcu_struct`.
  private var openSRCUSections: [(structure: UInt64, lock: Int)] = []
  private var location = SourceLocation(file: "", line: 1, column: 1)

  private static let width = LitmusExecution.width

  init(z3: Z3Context, test: KernelLitmusTest) throws(LitmusModelError) {
    self.z3 = z3
    self.test = test
    locations = LitmusLocations(z3: z3, test: test.header)
    addresses = locations.addresses
    events = locations.initialWrites(test.header.initial)
    for kernelThread in test.threads { try run(kernelThread) }
  }

  func finalValue(_ location: LitmusTest.Location) -> BitVec? {
    guard case .variable(let thread, let name) = location else { return nil }
    return finalLocals[thread]?[name]
  }

  func constant(_ value: LitmusTest.Value) -> BitVec { locations.constant(value) }

  private var zero: BitVec { z3.bv(0, width: Self.width) }
  private func number(_ value: Int64) -> BitVec { z3.bv(signed: value, width: Self.width) }
  private func truth(_ formula: Formula) -> BitVec { formula.ite(number(1), zero) }

  private func error(_ message: String) -> LitmusModelError {
    LitmusModelError(line: location.line, column: location.column, message: message)
  }

  // MARK: Statements

  private mutating func run(_ kernelThread: KernelThread) throws(LitmusModelError) {
    thread = kernelThread.number
    order = 0
    pathCondition = Formula(true)
    control = []
    location = kernelThread.location
    locals = [:]
    openSections = []
    openSRCUSections = []
    for parameter in kernelThread.parameters {
      locals[parameter] = Value(bits: z3.bv(addresses[parameter] ?? 0, width: Self.width))
    }
    // A thread's variables are herd's registers: they live for the whole thread, from 0, wherever
    // they are declared (`int r2 = READ_ONCE(*y);` inside an `if` is still 2:r2 after it), and
    // so do the names it uses without declaring them, other than shared locations.
    let variables = kernelThread.usedNames.union(kernelThread.declaredNames).subtracting(kernelThread.parameters)
    for name in variables where addresses[name] == nil { locals[name] = Value(bits: zero) }
    for initialiser in test.header.initial {
      if case .variable(thread, let name) = initialiser.location, let value = initialiser.value {
        locals[name] = Value(bits: constant(value))
      }
    }
    for statement in kernelThread.body { try run(statement) }
    finalLocals[thread] = locals.mapValues(\.bits)
  }

  private mutating func run(_ statement: CStatement) throws(LitmusModelError) {
    switch statement {
    case .block(let inner):
      let outer = Set(locals.keys)
      for statement in inner { try run(statement) }
      locals = locals.filter { outer.contains($0.key) }
    case .expression(let expression, let at):
      location = at
      _ = try evaluate(expression)
    case .declaration(_, let names, let at):
      location = at
      for (name, initial) in names {
        locals[name] =
          try initial.map { expression throws(LitmusModelError) in try evaluate(expression) }
          ?? Value(bits: zero)
      }
    case .branch(let condition, let then, let otherwise, let at):
      location = at
      let tested = try evaluate(condition)
      let taken = tested.bits != zero
      let (outerPath, outerControl, before) = (pathCondition, control, locals)
      // Events in either branch depend on the condition's reads (ctrl).
      control.formUnion(tested.dependencies)
      pathCondition = outerPath && taken
      try run(.block([then]))
      let thenLocals = locals
      locals = before
      pathCondition = outerPath && !taken
      if let otherwise { try run(.block([otherwise])) }
      let elseLocals = locals
      (pathCondition, control) = (outerPath, outerControl)
      for name in before.keys {
        let (a, b) = (thenLocals[name]!, elseLocals[name]!)
        locals[name] = Value(bits: taken.ite(a.bits, b.bits), dependencies: a.dependencies.union(b.dependencies))
      }
    case .returns(_, let at):
      location = at
      throw error("'return' is not supported in a litmus thread")
    case .other(let keyword, let at):
      location = at
      throw error("'\(keyword)' is not supported: a thread is straight-line code with if/else")
    case .extended(let statement, let at):
      location = at
      throw error("'\(statement.keyword)' is not supported: a thread is straight-line code with if/else")
    }
  }

  // MARK: Expressions

  private mutating func evaluate(_ expression: CExpression) throws(LitmusModelError) -> Value {
    switch expression {
    case .name(let name):
      if let value = locals[name] { return value }
      if let address = addresses[name] { return Value(bits: z3.bv(address, width: Self.width)) }
      throw error("unknown name '\(name)'")
    case .literal(let text):
      return Value(bits: number(try literal(text)))
    case .cast(_, let inner):
      return try evaluate(inner)
    case .prefix("*", let pointer):
      return try read(at: try evaluate(pointer), .plain)
    case .prefix("&", let inner):
      switch inner {
      case .prefix("*", let pointer): return try evaluate(pointer)
      case .name(let name) where locals[name] == nil && addresses[name] != nil:
        return Value(bits: z3.bv(addresses[name]!, width: Self.width))
      default: throw error("'&\(inner.text)': only a shared location's address can be taken here")
      }
    case .prefix(let op, let inner) where ["!", "~", "-", "+"].contains(op):
      let value = try evaluate(inner)
      let bits: BitVec =
        switch op {
        case "!": truth(value.bits == zero)
        case "~": value.bits ^ number(-1)
        case "-": zero - value.bits
        default: value.bits
        }
      return Value(bits: bits, dependencies: value.dependencies)
    case .binary(let op, let left, let right) where op == "&&" || op == "||":
      // The right side runs only when the left does not decide.
      let first = try evaluate(left)
      let firstTrue = first.bits != zero
      let outer = pathCondition
      let and = op == "&&"
      pathCondition = outer && (and ? firstTrue : !firstTrue)
      let second = try evaluate(right)
      pathCondition = outer
      let result = and ? firstTrue && second.bits != zero : firstTrue || second.bits != zero
      return Value(bits: truth(result), dependencies: first.dependencies.union(second.dependencies))
    case .binary(",", let left, let right):
      _ = try evaluate(left)
      return try evaluate(right)
    case .binary(let op, let left, let right):
      let (a, b) = (try evaluate(left), try evaluate(right))
      return Value(bits: try arithmetic(op, a.bits, b.bits), dependencies: a.dependencies.union(b.dependencies))
    case .conditional(let test, let then, let otherwise):
      let tested = try evaluate(test)
      let taken = tested.bits != zero
      let outer = pathCondition
      pathCondition = outer && taken
      let a = try evaluate(then)
      pathCondition = outer && !taken
      let b = try evaluate(otherwise)
      pathCondition = outer
      return Value(
        bits: taken.ite(a.bits, b.bits), dependencies: tested.dependencies.union(a.dependencies).union(b.dependencies))
    case .assign(let op, let target, let source):
      var value = try evaluate(source)
      if op != "=" {
        let current = try evaluate(target)
        value = Value(
          bits: try arithmetic(String(op.dropLast()), current.bits, value.bits),
          dependencies: current.dependencies.union(value.dependencies))
      }
      switch target {
      case .name(let name) where locals[name] != nil:
        locals[name] = value
      case .prefix("*", let pointer):
        write(at: try evaluate(pointer), value, .plain)
      default:
        throw error("cannot assign to '\(target.text)': assign a local variable or '*pointer'")
      }
      return value
    case .call(.name(let name), let arguments):
      return try call(name, arguments)
    default:
      throw error("'\(expression.text)' is not supported in a litmus thread")
    }
  }

  private func literal(_ text: String) throws(LitmusModelError) -> Int64 {
    var digits = text.lowercased()
    while let last = digits.last, last == "u" || last == "l" { digits.removeLast() }
    let magnitude = digits.hasPrefix("0x") ? UInt64(digits.dropFirst(2), radix: 16) : UInt64(digits)
    guard let magnitude else { throw error("'\(text)' is not an integer") }
    return Int64(bitPattern: magnitude)
  }

  private func arithmetic(_ op: String, _ a: BitVec, _ b: BitVec) throws(LitmusModelError) -> BitVec {
    switch op {
    case "+": a + b
    case "-": a - b
    case "*": a * b
    case "/": a.sdiv(b)
    case "%": a.srem(b)
    case "&": a & b
    case "|": a | b
    case "^": a ^ b
    case "<<": a.shl(b)
    case ">>": a.ashr(b)
    case "==": truth(a == b)
    case "!=": truth(a != b)
    case "<": truth(a.slt(b))
    case ">": truth(a.sgt(b))
    case "<=": truth(a.sle(b))
    case ">=": truth(a.sge(b))
    default: throw error("operator '\(op)' is not supported")
    }
  }

  // MARK: Events

  private mutating func event(
    _ kind: MemoryEvent.Kind, address: Value?, value: BitVec, executed: Formula, tag: KernelEventTag
  ) -> Int {
    var new = MemoryEvent(
      id: events.count, thread: thread, order: order, kind: kind, address: address?.bits ?? zero, value: value,
      executed: executed)
    new.kernel = tag
    new.addressDependencies = address?.dependencies ?? []
    new.controlDependencies = control
    order += 1
    events.append(new)
    return new.id
  }

  private mutating func freshValue(_ what: String) -> BitVec {
    z3.bvVariable("k\(thread).\(order).\(what)", width: Self.width)
  }

  private mutating func read(at address: Value, _ access: KernelEventTag.Access) throws(LitmusModelError) -> Value {
    var tag = KernelEventTag()
    tag.access = access
    let value = freshValue("read")
    let id = event(.read, address: address, value: value, executed: pathCondition, tag: tag)
    return Value(bits: value, dependencies: [id])
  }

  @discardableResult
  private mutating func write(at address: Value, _ value: Value, _ access: KernelEventTag.Access) -> Int {
    var tag = KernelEventTag()
    tag.access = access
    let id = event(.write, address: address, value: value.bits, executed: pathCondition, tag: tag)
    events[id].dataDependencies = value.dependencies
    return id
  }

  private mutating func fence(_ kind: KernelEventTag.Fence, when: Formula? = nil) {
    var tag = KernelEventTag()
    tag.fence = kind
    _ = event(.fence, address: nil, value: zero, executed: when ?? pathCondition, tag: tag)
  }

  // MARK: Primitives

  private mutating func call(_ name: String, _ arguments: [CExpression]) throws(LitmusModelError) -> Value {
    guard let primitive = KernelPrimitive.named(name) else {
      throw error("'\(name)' is not a primitive the LKMM model knows")
    }
    func count(_ expected: Int) throws(LitmusModelError) {
      guard arguments.count == expected else {
        throw error("'\(name)' takes \(expected) argument\(expected == 1 ? "" : "s"), not \(arguments.count)")
      }
    }
    /// The location a primitive acts on: `*p` for an lvalue argument, else the pointer's target.
    func target(_ argument: CExpression, lvalue: Bool) throws(LitmusModelError) -> Value {
      guard lvalue else { return try evaluate(argument) }
      guard case .prefix("*", let pointer) = argument else {
        throw error("'\(name)' takes '*pointer', not '\(argument.text)'")
      }
      return try evaluate(pointer)
    }
    switch primitive {
    case .unsupported(let reason):
      throw error(reason)
    case .load(let access, let lvalue):
      try count(1)
      return try read(at: try target(arguments[0], lvalue: lvalue), access)
    case .store(let access, let lvalue, let fenceAfter):
      try count(2)
      let address = try target(arguments[0], lvalue: lvalue)
      write(at: address, try evaluate(arguments[1]), access)
      if let fenceAfter { fence(fenceAfter) }
      return Value(bits: zero)
    case .fence(let kind):
      try count(0)
      if kind == .rcuLock || kind == .rcuUnlock {
        // Sections are matched by program order, as the bell nests them; under a condition the
        // matching would depend on the path.
        guard pathCondition.concrete == true else {
          throw error("'\(name)' under a condition is not modelled yet: RCU read-side sections must be unconditional")
        }
      }
      fence(kind)
      if kind == .rcuLock { openSections.append(events.count - 1) }
      if kind == .rcuUnlock, let lock = openSections.popLast() { events[events.count - 1].kernel?.openingLock = lock }
      return Value(bits: zero)
    case .lock, .unlock, .tryLock, .isLocked:
      try count(1)
      return try lock(primitive, at: try evaluate(arguments[0]))
    case .srcu(let kind):
      try count(kind == .unlock ? 2 : 1)
      return try srcu(kind, name, arguments)
    case .atomic(let atomic):
      try count(atomic.operands.filter { if case .argument = $0 { true } else { false } }.count + 1)
      return try perform(atomic, arguments)
    }
  }

  /// An SRCU event on the `srcu_struct` the first argument points to. A section is closed by the
  /// innermost open `srcu_read_lock()` of the same structure, as the bell nests them per location.
  /// Each lock returns an index of its own (herd's `__srcu` gives each a fresh value), and an
  /// unlock carries the index it is given: the bell flags a section whose two differ
  /// (`srcu-bad-value-match`).
  private mutating func srcu(_ kind: KernelEventTag.SRCU, _ name: String, _ arguments: [CExpression])
    throws(LitmusModelError) -> Value
  {
    let structure = try evaluate(arguments[0])
    var carried = zero
    if kind == .unlock { carried = try evaluate(arguments[1]).bits }
    if kind == .lock { carried = z3.bv(Self.srcuIndexBase + UInt64(events.count), width: Self.width) }
    guard let address = structure.bits.numeral else {
      throw error("'\(name)': the srcu_struct must be a location the test names, not a computed pointer")
    }
    if kind != .synchronize && pathCondition.concrete != true {
      throw error("'\(name)' under a condition is not modelled yet: SRCU read-side sections must be unconditional")
    }
    var tag = KernelEventTag()
    tag.srcu = kind
    let id = event(.fence, address: Value(bits: structure.bits), value: carried, executed: pathCondition, tag: tag)
    switch kind {
    case .lock: openSRCUSections.append((address, id))
    case .unlock:
      // An unlock that closes nothing belongs to no section, as in the bell (which flags it).
      if let open = openSRCUSections.lastIndex(where: { $0.structure == address }) {
        events[id].kernel?.openingLock = openSRCUSections.remove(at: open).lock
      }
    case .synchronize: break
    }
    return Value(bits: kind == .lock ? carried : zero)
  }

  /// Where the indices `srcu_read_lock()` returns start: far from the small values and the
  /// location addresses (multiples of `LitmusTest.locationSpacing`) that tests compare.
  static let srcuIndexBase: UInt64 = 0x7A5_0001

  /// Whether the unlock `unlock` closes a critical section of its thread: `critical` =
  /// `([LKW] ; po-loc ; [UL]) \ (po-loc ; [LKW | UL] ; po-loc)`.
  private func closesSection(_ unlock: Int) -> Formula {
    let earlier = events[..<unlock].filter { $0.thread == thread && $0.kernel?.lock != nil }
    let takes = earlier.filter { $0.kernel?.lock == .lockWrite }
    let between = earlier.filter { $0.kernel?.lock == .lockWrite || $0.kernel?.lock == .unlock }
    func sameLock(_ event: MemoryEvent) -> Formula { event.address == events[unlock].address }
    let opened = takes.map { take -> Formula in
      let closedBefore = between.filter { $0.order > take.order }.map { other in
        (other.kernel?.lock == .lockWrite ? other.writeExecuted : other.executed) && sameLock(other)
      }
      return take.writeExecuted && sameLock(take) && !(Formula.fold(closedBefore, and: false) ?? Formula(false))
    }
    return Formula.fold(opened, and: false) ?? Formula(false)
  }

  /// `lock.cat`'s events: a lock is an RMW whose read finds the lock free (0) and whose write takes
  /// it (1); an unlock is a release write of 0.
  private mutating func lock(_ primitive: KernelPrimitive, at address: Value) throws(LitmusModelError) -> Value {
    var tag = KernelEventTag()
    switch primitive {
    case .unlock:
      tag.lock = .unlock
      let id = event(.write, address: address, value: zero, executed: pathCondition, tag: tag)
      // lock.cat orders an unlock in co only through the critical section it closes (`critical`):
      // one that closes none is in no co or rf edge, so it writes nothing another access sees.
      events[id].writes = closesSection(id)
      return Value(bits: zero)
    case .isLocked:
      tag.lock = .isLocked
      let value = freshValue("locked")
      let id = event(.read, address: address, value: value, executed: pathCondition, tag: tag)
      return Value(bits: truth(value != zero), dependencies: [id])
    default:
      let value = freshValue("lock")
      let free = value == zero
      let taking: Formula
      if case .lock = primitive {
        tag.lock = .lockRead
        // herd generates only executions where every spin_lock() gets the lock.
        constraints.append(pathCondition.implies(free))
        taking = pathCondition
      } else {
        tag.lock = .tryRead
        tag.onlyWhen = free
        taking = pathCondition && free
      }
      let read = event(.read, address: address, value: value, executed: pathCondition, tag: tag)
      var writeTag = KernelEventTag()
      writeTag.lock = .lockWrite
      let write = event(.write, address: address, value: number(1), executed: taking, tag: writeTag)
      rmw.append((read, write, taking))
      return Value(bits: truth(free), dependencies: [read])
    }
  }

  private mutating func perform(_ atomic: AtomicPrimitive, _ arguments: [CExpression]) throws(LitmusModelError)
    -> Value
  {
    let address = try evaluate(arguments[atomic.location])
    var operands: [Value] = []
    var expectedLocal: String?
    for (position, operand) in atomic.operands.enumerated() {
      switch operand {
      case .constant(let value): operands.append(Value(bits: number(value)))
      case .argument(let index):
        if atomic.operation == .tryCompareExchange && position == 0 {
          // `try_cmpxchg(p, &old, new)`: the expected value lives in a local, updated on failure.
          guard case .prefix("&", .name(let local)) = arguments[index], let value = locals[local] else {
            throw error("'\(arguments[index].text)': try_cmpxchg takes the address of a local variable")
          }
          expectedLocal = local
          operands.append(value)
        } else {
          operands.append(try evaluate(arguments[index]))
        }
      }
    }
    let old = freshValue("old")
    let succeeds: Formula =
      switch atomic.operation {
      case .compareExchange, .tryCompareExchange: old == operands[0].bits
      case .addUnless: old != operands[1].bits
      default: z3.trueFormula
      }
    let new: BitVec =
      switch atomic.operation {
      case .add, .addUnless: old + operands[0].bits
      case .sub: old - operands[0].bits
      case .and: old & operands[0].bits
      case .or: old | operands[0].bits
      case .xor: old ^ operands[0].bits
      case .andNot: old & (operands[0].bits ^ number(-1))
      case .exchange: operands[0].bits
      case .compareExchange, .tryCompareExchange: operands[1].bits
      }
    let writes = pathCondition && succeeds
    // A fully ordered RMW is an smp_mb() on each side, only when it writes: a failed one orders
    // nothing.
    if atomic.ordering == .full { fence(.mb, when: writes) }
    var readTag = KernelEventTag()
    readTag.atomicOperation = true
    readTag.access = atomic.result == .nothing ? .noreturn : .once
    if atomic.ordering == .acquire {
      readTag.access = .acquire
      if atomic.conditional { readTag.onlyWhen = succeeds }
    }
    let read = event(.read, address: address, value: old, executed: pathCondition, tag: readTag)
    var writeTag = KernelEventTag()
    writeTag.atomicOperation = true
    writeTag.access = atomic.ordering == .release ? .release : .once
    let write = event(.write, address: address, value: new, executed: writes, tag: writeTag)
    events[write].dataDependencies = operands.reduce(into: Set<Int>()) { $0.formUnion($1.dependencies) }
    rmw.append((read, write, writes))
    if atomic.ordering == .full { fence(.mb, when: writes) }
    if let expectedLocal, let before = locals[expectedLocal] {
      locals[expectedLocal] = Value(
        bits: succeeds.ite(before.bits, old), dependencies: before.dependencies.union([read]))
    }
    let operandDependencies = operands.reduce(into: Set<Int>([read])) { $0.formUnion($1.dependencies) }
    switch atomic.result {
    case .nothing: return Value(bits: zero)
    case .old: return Value(bits: old, dependencies: [read])
    case .new: return Value(bits: new, dependencies: operandDependencies)
    case .newIsZero: return Value(bits: truth(new == zero), dependencies: operandDependencies)
    case .newIsNegative: return Value(bits: truth(new.slt(zero)), dependencies: operandDependencies)
    case .succeeded: return Value(bits: truth(succeeds), dependencies: [read])
    }
  }
}
