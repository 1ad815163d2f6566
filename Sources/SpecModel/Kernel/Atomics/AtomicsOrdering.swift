import Foundation

/// The ordering obligations: each primitive in a role of a classic shape, written as a C litmus
/// test that the LKMM decides, and compiled to RISC-V through the tree's own code for the
/// primitive. The compiled test may allow no outcome that the LKMM forbids for the C test.
///
/// The rest of each thread compiles as the kernel's RISC-V mapping does: `READ_ONCE` to a load,
/// `WRITE_ONCE` to a store, `smp_load_acquire` to a load and `fence r,rw`, `smp_store_release` to
/// `fence rw,w` and a store. Objects are 4 or 8 bytes, the values small constants.
extension AtomicsProver {
  /// Whether `primitive` gets ordering obligations: every size the XLEN holds, unsigned (the sign
  /// changes no ordering). A byte or halfword object sits at the start of its word, the rest of
  /// the word zero, so the litmus tests' one value per location is the object's value.
  /// `cmpxchg128` gets none: neither the LKMM nor the litmus tests' RISC-V model has a 128-bit
  /// access.
  func checksOrdering(_ primitive: AtomicsPrimitive, xlen: Int) -> Bool {
    guard primitive.ordering != .local, primitive.bytes < 8 || (primitive.bytes == 8 && xlen == 64) else {
      return false
    }
    // atomic_t's operations that read and write, on the counter: the sign is the type's.
    if primitive.operation.isAtomicType { return primitive.operation.orderingShapes }
    return !primitive.signed
  }

  /// The LKMM's verdict on each shape's C test: the same on every path and tree.
  final class LKMMVerdicts: @unchecked Sendable {
    static let shared = LKMMVerdicts()
    private let lock = NSLock()
    private var verdicts: [String: LitmusResult] = [:]

    func verdict(_ shape: OrderingShape, _ primitive: AtomicsPrimitive) throws -> LitmusResult {
      // Keyed by the test itself: a shape's variants (clearing bits) share its name.
      let text = shape.cTest(primitive)
      lock.lock()
      if let known = verdicts[text] {
        lock.unlock()
        return known
      }
      lock.unlock()
      let test = try KernelLitmusParser.parse(text, file: "\(shape.name)+\(primitive.name).litmus")
      let result = try LitmusChecker(model: .lkmm).check(test)
      lock.lock()
      verdicts[text] = result
      lock.unlock()
      return result
    }
  }

  /// RVWMO's verdicts on compiled tests, by their text: boot paths and XLENs that compile a shape to
  /// the same code (the LR/SC paths with and without the Kconfig options, say) share one.
  final class CompiledVerdicts: @unchecked Sendable {
    static let shared = CompiledVerdicts()
    private let lock = NSLock()
    private var verdicts: [String: LitmusResult] = [:]

    /// `conditionOnly`: whether the condition can hold is all the caller asks (a shape's
    /// forbidden outcome), not the whole set of final states (a C test's comparison).
    func verdict(_ text: String, file: String, conditionOnly: Bool = false) throws -> LitmusResult {
      // The test's name line differs by nothing that matters; the code and condition decide.
      let key = (conditionOnly ? "condition\u{0}" : "states\u{0}") + text
      lock.lock()
      if let known = verdicts[key] {
        lock.unlock()
        return known
      }
      lock.unlock()
      // The outcomes are compared, not counted: each final state is found once.
      var checker = LitmusChecker(model: .rvwmo)
      checker.enumeration = conditionOnly ? .conditionFirst : .finalStates
      let result = try checker.check(try LitmusParser.parse(text, file: file))
      lock.lock()
      verdicts[key] = result
      lock.unlock()
      return result
    }
  }

  func ordering(
    _ primitive: AtomicsPrimitive, body: [CStatement], unit: ExpandedUnit, path: AtomicsBootPath, xlen: Int
  ) throws -> [(Obligation, Verdict)] {
    var verdicts: [(Obligation, Verdict)] = []
    for base in OrderingShape.all where !base.failing || [.cmpxchg, .atomicCmpxchg].contains(primitive.operation) {
      let shape = primitive.operation == .atomicFetchAnd ? base.clearingBits : base
      guard let obligation = Obligation(rawValue: shape.name), shapes?.contains(obligation) ?? true else { continue }
      let lkmm = try lkmmVerdicts.verdict(shape, primitive)
      guard lkmm.decided else {
        verdicts.append((obligation, .unknown("the LKMM did not decide \(shape.name) for \(primitive.name)")))
        continue
      }
      guard lkmm.verdict == .never else {
        verdicts.append((obligation, .allowed))
        continue
      }
      // What the compiler cannot follow leaves this shape unknown, not the primitive's row: the
      // functional obligations stand on their own.
      let text: String
      do {
        text = try compiledShape(shape, primitive, body: body, unit: unit, path: path, xlen: xlen)
      } catch let unknown as AtomicsUnknown where !unknown.unavailable {
        verdicts.append((obligation, .unknown("\(unknown.location): \(unknown.reason)")))
        continue
      }
      let rvwmo = try compiledVerdicts.verdict(text, file: "\(shape.name) compiled", conditionOnly: true)
      if rvwmo.positive > 0 {
        verdicts.append(
          (
            obligation,
            .failed(
              "the LKMM forbids the outcome of \(shape.name) with \(primitive.name); RVWMO allows it in the compiled test "
                + "(\(rvwmo.positive) final state\(rvwmo.positive == 1 ? "" : "s") with it)\n"
                + "rf/co of one that reaches it: " + rvwmo.witness.joined(separator: ", ") + "\n" + text)
          ))
      } else if rvwmo.decided {
        verdicts.append((obligation, .proved))
      } else {
        verdicts.append(
          (obligation, .unknown("RVWMO did not decide the compiled \(shape.name): \(rvwmo.incomplete ?? "")")))
      }
    }
    return verdicts
  }

  /// `shape` with `primitive` compiled to a RISC-V litmus test through the tree's code.
  func compiledShape(
    _ shape: OrderingShape, _ primitive: AtomicsPrimitive, body: [CStatement], unit: ExpandedUnit,
    path: AtomicsBootPath, xlen: Int
  ) throws -> String {
    let file = unit.file
    return try shape.riscvTest(
      primitive,
      compile: { address, expected, new, thread, scratch in
        try compile(
          primitive, body: body, path: path, xlen: xlen, file: file, object: address, expected: expected, new: new,
          thread: thread, scratch: scratch, unit: unit)
      },
      barrier: { operation, address, value, scratch, thread in
        try compileBarrier(
          operation, primitive: primitive, barriers: unit.barriers, path: path, xlen: xlen, file: file, object: address,
          value: value, scratch: scratch, thread: thread)
      })
  }

  /// The tree's `__smp_mb()`, `__smp_load_acquire()` or `__smp_store_release()` for one litmus
  /// thread: its lines and the register a load lands in; nil where the tree defines none (the
  /// standard mapping stands in).
  func compileBarrier(
    _ operation: OrderingShape.Operation, primitive: AtomicsPrimitive, barriers: BarrierMapping,
    path: AtomicsBootPath, xlen: Int, file: String, object: Int, value: Int, valueRegister: Int? = nil,
    scratch: [Int], thread: Int
  ) throws -> (lines: [String], result: String?, used: Int)? {
    let size = "u\(8 * primitive.bytes)"
    let name: String
    switch operation {
    case .fullFence: name = "mb"
    // The kernel's generic smp_mb__after_atomic() is smp_mb() where the architecture has none.
    case .fenceAfterAtomic: name = barriers.bodies["mb_after_atomic"] != nil ? "mb_after_atomic" : "mb"
    case .acquireRead: name = "load_acquire_" + size
    case .releaseWrite: name = "store_release_" + size
    default: return nil
    }
    let location = SourceLocation(file: file, line: 1, column: 1)
    if let reason = barriers.unreadable[name] { throw AtomicsUnknown(location: location, reason: reason) }
    guard let body = barriers.bodies[name] else { return nil }
    // A stored value the thread holds in a register (an address, a loaded value) is that register.
    let compiled = try compileBody(
      body, type: .integer(bits: 8 * primitive.bytes, signed: false),
      constants: valueRegister == nil ? ["n": value] : [:], registerValues: valueRegister.map { ["n": $0] } ?? [:],
      path: path, xlen: xlen, file: file, object: object, scratch: scratch, prefix: "P\(thread)b",
      what: "the tree's \(name)")
    guard case .acquireRead = operation else { return (compiled.lines, nil, compiled.used) }
    guard let result = compiled.result else {
      throw AtomicsUnknown(location: location, reason: "the tree's smp_load_acquire returns no loaded value")
    }
    return (compiled.lines, result, compiled.used)
  }

  /// The primitive's code for one litmus thread, its object's address in register `object`, with
  /// the constants `expected` and `new`, or the values the thread holds in `registers` (by the
  /// wrapper's parameter, `o` or `n`); the register holding the value it returns, and how many of
  /// `scratch` the C after its asm took.
  func compile(
    _ primitive: AtomicsPrimitive, body: [CStatement], path: AtomicsBootPath, xlen: Int, file: String, object: Int,
    expected: Int, new: Int, registers: [String: Int] = [:], thread: Int, scratch: [Int], unit: ExpandedUnit
  ) throws -> (lines: [String], result: String, used: Int) {
    var constants = ["n": new]
    if primitive.operation.takesOld {
      constants["o"] = primitive.operation == .atomicFetchAddUnless ? AtomicsPrimitive.Operation.neverHeld : expected
    }
    // An add or sub takes the operand that turns the expected value into the new one.
    if registers.isEmpty, let operand = primitive.operation.operand(from: expected, to: new) {
      constants["n"] = operand
    }
    for name in registers.keys { constants[name] = nil }
    var objectType = primitive.type
    if primitive.operation.isAtomicType {
      guard let record = unit.records[primitive.typeName] else {
        throw AtomicsUnknown(
          location: SourceLocation(file: file, line: 1, column: 1), reason: "no definition of \(primitive.typeName)")
      }
      objectType = .record(record)
    }
    let compiled = try compileBody(
      body, type: primitive.type, constants: constants, registerValues: registers, path: path, xlen: xlen, file: file,
      object: object, scratch: scratch, prefix: "P\(thread)", what: "the primitive", objectType: objectType, unit: unit,
      primitiveFunction: primitive.operation.isAtomicType ? unit.atomicPrefix + primitive.name : nil)
    guard let result = compiled.result else {
      throw AtomicsUnknown(
        location: SourceLocation(file: file, line: 1, column: 1),
        reason: "the value returned is neither an asm output nor computed from one by bit operations")
    }
    return (compiled.lines, result, compiled.used)
  }

  /// One wrapper's body compiled for a litmus thread (`PrimitiveEvaluator.compiling`): `p` points to
  /// an object of `type` whose address is in register `object`, the other parameters are
  /// `constants`. Gives the lines, the register of the value returned (when an asm output or a
  /// load holds it), and how many of `scratch` it took.
  func compileBody(
    _ body: [CStatement], type: CType, constants: [String: Int], registerValues: [String: Int] = [:],
    path: AtomicsBootPath, xlen: Int, file: String, object: Int, scratch: [Int], prefix: String, what: String,
    objectType: CType? = nil, unit: ExpandedUnit? = nil, primitiveFunction: String? = nil, marks: ThreadMarks? = nil
  ) throws -> (lines: [String], result: String?, used: Int) {
    let z3 = Z3Context()
    let configuration = MachineConfiguration(isa: try ISAString(parsing: path.isa(xlen: xlen)), profile: .permissive)
    // Doubleword-aligned, so that the word of a byte or halfword at its start is its own address
    // and its shift folds to zero.
    let address = z3.bvVariable("object", width: xlen - 3).concat(BitVec(0, width: 3)).simplified
    var locals = ["p": CValue(type: .pointer(objectType ?? type), bits: address)]
    for (name, value) in constants {
      locals[name] = CValue(type: type, bits: BitVec(UInt64(truncatingIfNeeded: value), width: type.bits(xlen: xlen)))
    }
    var evaluator = PrimitiveEvaluator(z3: z3, configuration: configuration, extensions: path.extensions, file: file)
    evaluator.namePrefix = prefix
    evaluator.records = unit?.records ?? [:]
    evaluator.functions = unit?.functions ?? [:]
    evaluator.primitiveFunction = primitiveFunction
    var registers = [address.description: object]
    // A parameter whose value a register of the thread holds: a free value, compiled as that register.
    for (name, register) in registerValues {
      let bits = z3.bvVariable("\(prefix)value.\(name)", width: type.bits(xlen: xlen))
      locals[name] = CValue(type: type, bits: bits)
      registers[bits.description] = register
    }
    var compilation = PrimitiveEvaluator.Compilation(addresses: registers)
    compilation.scratch = scratch
    compilation.xlen = xlen
    compilation.unreached = marks?.reasons
    compilation.exitLabel = marks?.exitLabel ?? ""
    evaluator.compiling = compilation
    let start = PrimitiveEvaluator.World(
      locals: locals, memory: .constant(0, addressWidth: xlen, in: z3),
      reservation: Reservation(valid: z3.falseFormula, address: BitVec(0, width: xlen)), condition: z3.trueFormula,
      trapped: z3.falseFormula)
    let worlds = try evaluator.run(body, [start])
    guard worlds.count == 1, var compiled = evaluator.compiling else {
      throw AtomicsUnknown(
        location: SourceLocation(file: file, line: 1, column: 1),
        reason: "\(what) does not compile to one straight path")
    }
    let result = worlds[0].returned.flatMap { $0.type == .void ? nil : compiled.materialize($0.bits) }.map(
      RegisterNames.name)
    if let marks, let reasons = compiled.unreached { marks.reasons = reasons }
    return (compiled.lines, result, scratch.count - compiled.scratch.count)
  }
}
