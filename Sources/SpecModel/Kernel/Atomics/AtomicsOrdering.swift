import Foundation

/// The ordering obligations: each primitive in a role of a classic shape, written as a C litmus
/// test that the LKMM decides, and compiled to RISC-V through the tree's own code for the
/// primitive. The compiled test may allow no outcome that the LKMM forbids for the C test.
///
/// The rest of each thread compiles as the kernel's RISC-V mapping does: `READ_ONCE` to a load,
/// `WRITE_ONCE` to a store, `smp_load_acquire` to a load and `fence r,rw`, `smp_store_release` to
/// `fence rw,w` and a store. Objects are 4 or 8 bytes, the values small constants.
extension AtomicsProver {
  /// Whether `primitive` gets ordering obligations: the word and doubleword forms, unsigned (the
  /// sign changes no ordering), where the XLEN holds them.
  func checksOrdering(_ primitive: AtomicsPrimitive, xlen: Int) -> Bool {
    !primitive.signed && (primitive.bytes == 4 || (primitive.bytes == 8 && xlen == 64))
  }

  static let shapes: [Obligation] = [.messagePassingWriter, .messagePassingReader, .storeBuffering]

  func ordering(_ primitive: AtomicsPrimitive, body: [CStatement], path: AtomicsBootPath, xlen: Int, file: String)
    throws -> [(Obligation, Verdict)]
  {
    var verdicts: [(Obligation, Verdict)] = []
    for shape in Self.shapes {
      let kernel = try KernelLitmusParser.parse(Self.cTest(shape, primitive), file: "\(shape.rawValue).litmus")
      let lkmm = try LitmusChecker(model: .lkmm).check(kernel)
      guard lkmm.decided else {
        verdicts.append((shape, .unknown("the LKMM did not decide \(shape.rawValue) for \(primitive.name)")))
        continue
      }
      guard lkmm.verdict == .never else {
        verdicts.append((shape, .allowed))
        continue
      }
      let text = try riscvTest(shape, primitive, body: body, path: path, xlen: xlen, file: file)
      let test = try LitmusParser.parse(text, file: "\(shape.rawValue) compiled")
      let rvwmo = try LitmusChecker(model: .rvwmo).check(test)
      if rvwmo.positive > 0 {
        verdicts.append(
          (
            shape,
            .failed(
              "the LKMM forbids the outcome of \(shape.rawValue) with \(primitive.name); RVWMO allows it in the compiled test "
                + "(\(rvwmo.positive) execution\(rvwmo.positive == 1 ? "" : "s"))\n"
                + "rf/co of one that reaches it: " + rvwmo.witness.joined(separator: ", ") + "\n" + text)
          ))
      } else if rvwmo.decided {
        verdicts.append((shape, .proved))
      } else {
        verdicts.append(
          (shape, .unknown("RVWMO did not decide the compiled \(shape.rawValue): \(rvwmo.incomplete ?? "")")))
      }
    }
    return verdicts
  }

  /// The call of the primitive in C, on `object`, with the values the shape needs.
  static func call(_ primitive: AtomicsPrimitive, _ object: String, expected: Int, new: Int) -> String {
    primitive.operation == .cmpxchg
      ? "\(primitive.name)(\(object), \(expected), \(new))" : "\(primitive.name)(\(object), \(new))"
  }

  /// The shape as a C litmus test in the kernel's dialect.
  static func cTest(_ shape: Obligation, _ primitive: AtomicsPrimitive) -> String {
    let threads: [String]
    let condition: String
    switch shape {
    case .messagePassingWriter:
      threads = [
        "int r0;\n\tWRITE_ONCE(*x, 1);\n\tr0 = \(call(primitive, "y", expected: 0, new: 1));",
        "int r1;\n\tint r2;\n\tr1 = smp_load_acquire(y);\n\tr2 = READ_ONCE(*x);",
      ]
      condition = "1:r1=1 /\\ 1:r2=0"
    case .messagePassingReader:
      threads = [
        "WRITE_ONCE(*x, 1);\n\tsmp_store_release(y, 1);",
        "int r1;\n\tint r2;\n\tr1 = \(call(primitive, "y", expected: 1, new: 2));\n\tr2 = READ_ONCE(*x);",
      ]
      condition = "1:r1=1 /\\ 1:r2=0"
    default:
      threads = [
        "int r0;\n\tint r1;\n\tr0 = \(call(primitive, "x", expected: 0, new: 1));\n\tr1 = READ_ONCE(*y);",
        "int r2;\n\tint r3;\n\tr2 = \(call(primitive, "y", expected: 0, new: 1));\n\tr3 = READ_ONCE(*x);",
      ]
      condition = "0:r1=0 /\\ 1:r3=0"
    }
    var text = "C \(shape.rawValue)+\(primitive.name)\n\n{}\n\n"
    for (number, body) in threads.enumerated() {
      text += "P\(number)(int *x, int *y)\n{\n\t\(body)\n}\n\n"
    }
    return text + "exists (\(condition))\n"
  }

  /// Registers of the compiled threads: the two objects' addresses and the shape's own values.
  /// The primitive's code takes its registers from `InlineAssembly.allocatable`, which has none
  /// of these.
  static let (xRegister, yRegister, valueRegister, loadedRegister) = (18, 19, 20, 21)

  /// The shape compiled to a RISC-V litmus test, the primitive through the tree's code.
  func riscvTest(
    _ shape: Obligation, _ primitive: AtomicsPrimitive, body: [CStatement], path: AtomicsBootPath, xlen: Int,
    file: String
  ) throws -> String {
    let (load, store) = primitive.bytes == 8 ? ("ld", "sd") : ("lw", "sw")
    let (x, y) = (RegisterNames.name(Self.xRegister), RegisterNames.name(Self.yRegister))
    let (value, loaded) = (RegisterNames.name(Self.valueRegister), RegisterNames.name(Self.loadedRegister))
    func compiled(on object: Int, expected: Int, new: Int, thread: Int) throws -> (lines: [String], result: String) {
      try compile(
        primitive, body: body, path: path, xlen: xlen, file: file, object: object, expected: expected, new: new,
        thread: thread)
    }
    var threads: [[String]]
    let condition: String
    switch shape {
    case .messagePassingWriter:
      let writer = try compiled(on: Self.yRegister, expected: 0, new: 1, thread: 0)
      threads = [
        ["li \(value),1", "\(store) \(value),0(\(x))"] + writer.lines,
        ["\(load) \(value),0(\(y))", "fence r,rw", "\(load) \(loaded),0(\(x))"],
      ]
      condition = "1:\(value)=1 /\\ 1:\(loaded)=0"
    case .messagePassingReader:
      let reader = try compiled(on: Self.yRegister, expected: 1, new: 2, thread: 1)
      threads = [
        ["li \(value),1", "\(store) \(value),0(\(x))", "fence rw,w", "\(store) \(value),0(\(y))"],
        reader.lines + ["\(load) \(loaded),0(\(x))"],
      ]
      condition = "1:\(reader.result)=1 /\\ 1:\(loaded)=0"
    default:
      let left = try compiled(on: Self.xRegister, expected: 0, new: 1, thread: 0)
      let right = try compiled(on: Self.yRegister, expected: 0, new: 1, thread: 1)
      threads = [left.lines + ["\(load) \(loaded),0(\(y))"], right.lines + ["\(load) \(loaded),0(\(x))"]]
      condition = "0:\(loaded)=0 /\\ 1:\(loaded)=0"
    }
    let rows = threads.map(\.count).max() ?? 0
    threads = threads.map { $0 + Array(repeating: "", count: rows - $0.count) }
    let width = max(threads.flatMap { $0 }.map(\.count).max() ?? 0, 4)
    func cell(_ text: String) -> String { " " + text.padding(toLength: width, withPad: " ", startingAt: 0) + " " }
    var text = "RISCV \(shape.rawValue)+\(primitive.name)\n{\n"
    for thread in threads.indices { text += "\(thread):\(x)=x; \(thread):\(y)=y;\n" }
    text += "}\n"
    text += threads.indices.map { cell("P\($0)") }.joined(separator: "|") + ";\n"
    for row in 0..<rows { text += threads.map { cell($0[row]) }.joined(separator: "|") + ";\n" }
    return text + "exists (\(condition))\n"
  }

  /// The primitive's code for one litmus thread, its object's address in register `object`, with
  /// the constants `expected` and `new`; and the register holding the value it returns.
  func compile(
    _ primitive: AtomicsPrimitive, body: [CStatement], path: AtomicsBootPath, xlen: Int, file: String, object: Int,
    expected: Int, new: Int, thread: Int
  ) throws -> (lines: [String], result: String) {
    let z3 = Z3Context()
    let configuration = MachineConfiguration(isa: try ISAString(parsing: path.isa(xlen: xlen)), profile: .permissive)
    let type = primitive.type
    let address = z3.bvVariable("object", width: xlen)
    var locals = [
      "p": CValue(type: .pointer(type), bits: address),
      "n": CValue(type: type, bits: BitVec(UInt64(new), width: 8 * primitive.bytes)),
    ]
    if primitive.operation == .cmpxchg {
      locals["o"] = CValue(type: type, bits: BitVec(UInt64(expected), width: 8 * primitive.bytes))
    }
    var evaluator = PrimitiveEvaluator(z3: z3, configuration: configuration, extensions: path.extensions, file: file)
    evaluator.namePrefix = "P\(thread)"
    evaluator.compiling = PrimitiveEvaluator.Compilation(addresses: [address.description: object])
    let start = PrimitiveEvaluator.World(
      locals: locals, memory: .constant(0, addressWidth: xlen, in: z3),
      reservation: Reservation(valid: z3.falseFormula, address: BitVec(0, width: xlen)), condition: z3.trueFormula,
      trapped: z3.falseFormula)
    let worlds = try evaluator.run(body, [start])
    let location = SourceLocation(file: file, line: 1, column: 1)
    guard worlds.count == 1, let returned = worlds[0].returned, let compilation = evaluator.compiling else {
      throw AtomicsUnknown(location: location, reason: "the primitive does not compile to one straight path")
    }
    guard let register = compilation.outputs[returned.bits.description] else {
      throw AtomicsUnknown(location: location, reason: "the value returned is not what an asm output holds")
    }
    return (compilation.lines, RegisterNames.name(register))
  }
}
