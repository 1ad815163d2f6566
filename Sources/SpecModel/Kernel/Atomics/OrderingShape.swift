/// A classic litmus shape with the primitive under proof in some of its places: one description
/// that becomes both the C test the LKMM decides and the RISC-V test it compiles to.
struct OrderingShape: Sendable {
  /// The shared locations, in the order their addresses are given registers.
  enum Location: String, CaseIterable, Sendable {
    case x, y, z
  }

  enum Operation: Sendable {
    case write(Location, Int)
    case read(Location)
    case acquireRead(Location)
    case releaseWrite(Location, Int)
    /// `smp_mb()`.
    case fullFence
    /// `smp_mb__after_atomic()`.
    case fenceAfterAtomic
    /// The primitive under proof on `location`: `cmpxchg` expects `expected`; both write `new`.
    case primitive(Location, expected: Int, new: Int)
  }

  /// A term of the condition: what one operation returned, or a location's final value.
  enum Term: Sendable {
    case result(thread: Int, operation: Int, Int)
    case memory(Location, Int)
  }

  let name: String
  var threads: [[Operation]]
  var condition: [Term]
  /// A shape where the primitive fails its compare: cmpxchg only (an xchg cannot fail).
  var failing = false
  /// The value every location starts at.
  var initial = 0

  /// The same shape for an operation that only clears bits (`fetch_and`): every value `v` it
  /// names becomes `7 >> v`, starting from 7, so that each step the primitive takes (0 → 1, 1 → 2)
  /// is an `and` (7 → 3, 3 → 1). The values stay distinct, and the conditions only compare them.
  var clearingBits: OrderingShape {
    func value(_ v: Int) -> Int {
      precondition((0...2).contains(v), "a shape value outside 0...2")
      return 7 >> v
    }
    func operation(_ operation: Operation) -> Operation {
      switch operation {
      case .write(let location, let v): .write(location, value(v))
      case .releaseWrite(let location, let v): .releaseWrite(location, value(v))
      case .primitive(let location, let expected, let new):
        .primitive(location, expected: value(expected), new: value(new))
      case .read, .acquireRead, .fullFence, .fenceAfterAtomic: operation
      }
    }
    var shape = self
    shape.threads = threads.map { $0.map(operation) }
    shape.condition = condition.map { term in
      switch term {
      case .result(let thread, let operation, let v): .result(thread: thread, operation: operation, value(v))
      case .memory(let location, let v): .memory(location, value(v))
      }
    }
    shape.initial = value(0)
    return shape
  }

  /// The shapes, each with the primitive where its ordering is the question.
  static let all: [OrderingShape] =
    [
      OrderingShape(
        name: "MP-writer",
        threads: [[.write(.x, 1), .primitive(.y, expected: 0, new: 1)], [.acquireRead(.y), .read(.x)]],
        condition: [.result(thread: 1, operation: 0, 1), .result(thread: 1, operation: 1, 0)]),
      OrderingShape(
        name: "MP-reader",
        threads: [[.write(.x, 1), .releaseWrite(.y, 1)], [.primitive(.y, expected: 1, new: 2), .read(.x)]],
        condition: [.result(thread: 1, operation: 0, 1), .result(thread: 1, operation: 1, 0)]),
      OrderingShape(
        name: "SB",
        threads: [
          [.primitive(.x, expected: 0, new: 1), .read(.y)], [.primitive(.y, expected: 0, new: 1), .read(.x)],
        ],
        condition: [.result(thread: 0, operation: 1, 0), .result(thread: 1, operation: 1, 0)]),
      OrderingShape(
        name: "LB",
        threads: [
          [.read(.x), .primitive(.y, expected: 0, new: 1)], [.read(.y), .primitive(.x, expected: 0, new: 1)],
        ],
        condition: [.result(thread: 0, operation: 0, 1), .result(thread: 1, operation: 0, 1)]),
      OrderingShape(
        name: "2+2W",
        threads: [
          [.write(.x, 2), .primitive(.y, expected: 0, new: 1)], [.write(.y, 2), .primitive(.x, expected: 0, new: 1)],
        ],
        // Both primitives succeed (read the initial 0), and each thread's plain write wins.
        condition: [
          .result(thread: 0, operation: 1, 0), .result(thread: 1, operation: 1, 0), .memory(.x, 2), .memory(.y, 2),
        ]),
      OrderingShape(
        name: "R",
        threads: [[.write(.x, 1), .primitive(.y, expected: 0, new: 1)], [.write(.y, 2), .fullFence, .read(.x)]],
        condition: [.result(thread: 0, operation: 1, 0), .memory(.y, 2), .result(thread: 1, operation: 2, 0)]),
      OrderingShape(
        name: "S",
        threads: [[.write(.x, 2), .primitive(.y, expected: 0, new: 1)], [.acquireRead(.y), .write(.x, 1)]],
        condition: [.result(thread: 1, operation: 0, 1), .memory(.x, 2)]),
      OrderingShape(
        name: "WRC",
        threads: [
          [.write(.x, 1)], [.read(.x), .primitive(.y, expected: 0, new: 1)], [.acquireRead(.y), .read(.x)],
        ],
        condition: [
          .result(thread: 1, operation: 0, 1), .result(thread: 2, operation: 0, 1), .result(thread: 2, operation: 1, 0),
        ]),
      OrderingShape(
        name: "ISA2",
        threads: [
          [.write(.x, 1), .primitive(.y, expected: 0, new: 1)], [.acquireRead(.y), .releaseWrite(.z, 1)],
          [.acquireRead(.z), .read(.x)],
        ],
        condition: [
          .result(thread: 1, operation: 0, 1), .result(thread: 2, operation: 0, 1), .result(thread: 2, operation: 1, 0),
        ]),
    ] + failing

  /// The kernel's `cmpxchg-fail-*` tests with the primitive in place of each `cmpxchg`: store
  /// buffering through two cmpxchg that fail (z never holds 1), and message passing whose reader
  /// fails (the writer's cmpxchg took y first).
  static let failing: [OrderingShape] = [true, false].flatMap { fenced -> [OrderingShape] in
    let after: [Operation] = fenced ? [.fenceAfterAtomic] : []
    let read = fenced ? 3 : 2
    let storeBuffering = OrderingShape(
      name: fenced ? "cmpxchg-fail-ordered-1" : "cmpxchg-fail-unordered-1",
      threads: [
        [.write(.x, 1), .primitive(.z, expected: 1, new: 0)] + after + [.read(.y)],
        [.write(.y, 1), .primitive(.z, expected: 1, new: 0)] + after + [.read(.x)],
      ],
      condition: [.result(thread: 0, operation: read, 0), .result(thread: 1, operation: read, 0)], failing: true)
    let messagePassing = OrderingShape(
      name: fenced ? "cmpxchg-fail-ordered-2" : "cmpxchg-fail-unordered-2",
      threads: [
        [.write(.x, 1), .primitive(.y, expected: 0, new: 1)],
        [.primitive(.y, expected: 0, new: 1)] + after + [.read(.x)],
      ],
      condition: [
        .result(thread: 0, operation: 1, 0), .result(thread: 1, operation: 0, 1),
        .result(thread: 1, operation: fenced ? 2 : 1, 0),
      ], failing: true)
    return [storeBuffering, messagePassing]
  }

  /// The C variable holding what operation `operation` of `thread` returned.
  static func variable(_ thread: Int, _ operation: Int) -> String { "r\(thread)_\(operation)" }

  /// The shape as a C litmus test in the kernel's dialect, with `primitive` in its places.
  func cTest(_ primitive: AtomicsPrimitive) -> String {
    let start = Location.allCases.map { "\tint \($0.rawValue) = \(initial);\n" }.joined()
    var text = "C \(name)+\(primitive.name)\n\n" + (initial == 0 ? "{}" : "{\n" + start + "}") + "\n\n"
    let parameters = Location.allCases.map { "int *\($0.rawValue)" }.joined(separator: ", ")
    for (number, operations) in threads.enumerated() {
      var lines: [String] = []
      for (index, operation) in operations.enumerated() {
        let result = Self.variable(number, index)
        switch operation {
        case .write(let location, let value): lines.append("WRITE_ONCE(*\(location.rawValue), \(value));")
        case .read(let location):
          lines += ["int \(result);", "\(result) = READ_ONCE(*\(location.rawValue));"]
        case .acquireRead(let location):
          lines += ["int \(result);", "\(result) = smp_load_acquire(\(location.rawValue));"]
        case .releaseWrite(let location, let value): lines.append("smp_store_release(\(location.rawValue), \(value));")
        case .fullFence: lines.append("smp_mb();")
        case .fenceAfterAtomic: lines.append("smp_mb__after_atomic();")
        case .primitive(let location, let expected, let new):
          let call = primitive.operation.litmusCall(primitive.name, location.rawValue, expected: expected, new: new)
          lines += ["int \(result);", "\(result) = \(call);"]
        }
      }
      text += "P\(number)(\(parameters))\n{\n" + lines.map { "\t" + $0 }.joined(separator: "\n") + "\n}\n\n"
    }
    let terms = condition.map { term in
      switch term {
      case .result(let thread, let operation, let value): "\(thread):\(Self.variable(thread, operation))=\(value)"
      case .memory(let location, let value): "\(location.rawValue)=\(value)"
      }
    }
    return text + "exists (" + terms.joined(separator: " /\\ ") + ")\n"
  }

  /// Thread columns as a RISC-V litmus test lays them out: a `P0 | P1 ;` header, then one row per
  /// instruction, shorter columns padded, every cell as wide as the widest.
  static func threadTable(_ columns: [[String]]) -> String {
    let rows = columns.map(\.count).max() ?? 0
    let padded = columns.map { $0 + Array(repeating: "", count: rows - $0.count) }
    let width = max(padded.flatMap { $0 }.map(\.count).max() ?? 0, 4)
    func cell(_ text: String) -> String { " " + text.padding(toLength: width, withPad: " ", startingAt: 0) + " " }
    var text = padded.indices.map { cell("P\($0)") }.joined(separator: "|") + ";\n"
    for row in 0..<rows { text += padded.map { cell($0[row]) }.joined(separator: "|") + ";\n" }
    return text
  }

  /// Registers of the compiled threads: the locations' addresses, then the values read and written.
  /// The primitive's code takes its registers from `InlineAssembly.allocatable`, which has none.
  static let addressRegisters = [18, 19, 20]  // s2, s3, s4
  static let scratchRegisters = [21, 22, 23, 24, 25, 26, 27]  // s5 … s11

  /// The shape compiled to a RISC-V litmus test: each primitive by `compile` (its lines and the
  /// register it returns in), the rest as the kernel's mapping does.
  func riscvTest(
    _ primitive: AtomicsPrimitive,
    compile: (_ address: Int, _ expected: Int, _ new: Int, _ thread: Int, _ scratch: [Int]) throws -> (
      lines: [String], result: String, used: Int
    ),
    barrier: (_ operation: Operation, _ address: Int, _ value: Int, _ scratch: [Int], _ thread: Int) throws -> (
      lines: [String], result: String?, used: Int
    )? = { _, _, _, _, _ in nil }
  ) throws -> String {
    // Plain accesses of the object's size; a byte or halfword is read zero-extended (unsigned).
    let (load, store) =
      switch primitive.bytes {
      case 1: ("lbu", "sb")
      case 2: ("lhu", "sh")
      case 8: ("ld", "sd")
      default: ("lw", "sw")
      }
    func address(_ location: Location) -> Int {
      Self.addressRegisters[Location.allCases.firstIndex(of: location) ?? 0]
    }
    var columns: [[String]] = []
    var results: [[Int: String]] = []
    for (number, operations) in threads.enumerated() {
      var lines: [String] = []
      var registers: [Int: String] = [:]
      var free = Self.scratchRegisters
      func next() -> String { RegisterNames.name(free.isEmpty ? 31 : free.removeFirst()) }
      for (index, operation) in operations.enumerated() {
        // The tree's own barrier code where it has it; the standard mapping below otherwise.
        let (target, value): (Int, Int) =
          switch operation {
          case .acquireRead(let location): (address(location), 0)
          case .releaseWrite(let location, let value): (address(location), value)
          default: (0, 0)
          }
        if let compiled = try barrier(operation, target, value, free, number) {
          lines += compiled.lines
          if let result = compiled.result { registers[index] = result }
          free.removeFirst(min(compiled.used, free.count))
          continue
        }
        switch operation {
        case .write(let location, let value), .releaseWrite(let location, let value):
          let register = next()
          if case .releaseWrite = operation { lines.append("fence rw,w") }
          lines += ["li \(register),\(value)", "\(store) \(register),0(\(RegisterNames.name(address(location))))"]
        case .read(let location), .acquireRead(let location):
          let register = next()
          lines.append("\(load) \(register),0(\(RegisterNames.name(address(location))))")
          if case .acquireRead = operation { lines.append("fence r,rw") }
          registers[index] = register
        case .fullFence, .fenceAfterAtomic: lines.append("fence rw,rw")
        case .primitive(let location, let expected, let new):
          let compiled = try compile(address(location), expected, new, number, free)
          lines += compiled.lines
          registers[index] = compiled.result
          free.removeFirst(min(compiled.used, free.count))
        }
      }
      columns.append(lines)
      results.append(registers)
    }
    var text = "RISCV \(name)+\(primitive.name)\n{\n"
    if initial != 0 { text += Location.allCases.map { "\($0.rawValue)=\(initial);" }.joined(separator: " ") + "\n" }
    for thread in columns.indices {
      text +=
        Location.allCases.map { "\(thread):\(RegisterNames.name(address($0)))=\($0.rawValue);" }.joined(separator: " ")
        + "\n"
    }
    text += "}\n" + Self.threadTable(columns)
    let terms = condition.map { term -> String in
      switch term {
      case .result(let thread, let operation, let value): "\(thread):\(results[thread][operation] ?? "x0")=\(value)"
      case .memory(let location, let value): "\(location.rawValue)=\(value)"
      }
    }
    return text + "exists (" + terms.joined(separator: " /\\ ") + ")\n"
  }
}
