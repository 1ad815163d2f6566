import Foundation

/// The kernel's own C litmus tests compiled to RISC-V through a tree: each marked access, barrier
/// and atomic as the tree's headers make it, the rest as the kernel's RISC-V mapping does (a plain
/// `int` access is one load or store). The compiled test may reach no final state that the LKMM
/// forbids for the C test.
extension AtomicsProver {
  /// One C test on one boot path and XLEN.
  public struct SuiteRow: Sendable {
    public let test: String
    public let file: String
    public let path: AtomicsBootPath
    public let xlen: Int
    /// Nil when the test uses what the compiler does not translate (`skipped` says what).
    public let verdict: Verdict?
    public let skipped: String?
  }

  /// Why a test is not compiled: a construct the kernel's mapping covers but this compiler does not.
  struct NotCompiled: Error {
    let reason: String
  }

  /// The LKMM's final states of each test, computed once.
  final class SuiteStates: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [String: Result<LitmusResult, NotCompiled>] = [:]
    /// Executions the LKMM's enumeration of one test may count (the checker's own limit).
    var executionLimit = LitmusChecker().executionLimit

    func states(_ file: String, _ test: KernelLitmusTest) -> Result<LitmusResult, NotCompiled> {
      lock.lock()
      if let known = results[file] {
        lock.unlock()
        return known
      }
      lock.unlock()
      let result: Result<LitmusResult, NotCompiled>
      do {
        var checker = LitmusChecker(model: .lkmm)
        checker.executionLimit = executionLimit
        result = .success(try checker.check(test))
      } catch {
        result = .failure(NotCompiled(reason: "the LKMM does not decide it: \(error)"))
      }
      lock.lock()
      results[file] = result
      lock.unlock()
      return result
    }
  }

  /// `compiled` with its condition made "the final state is none of `allowed`" (states of the C
  /// test, as `location=value` texts), in the compiled test's names (`names` maps them back).
  static func outsideStates(
    _ compiled: String, allowed: [[String]], _ names: [String: String], flags: [String] = [],
    ints: [String: Bool] = [:]
  ) -> String {
    var compiledName: [String: String] = [:]
    for (compiledLocation, cLocation) in names { compiledName[cLocation] = compiledLocation }
    let states = allowed.map { state in
      "("
        + state.map { item -> String in
          let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
          guard parts.count == 2 else { return item }
          let location = compiledName[parts[0]] ?? parts[0]
          // An int is its low 32 bits, however the register holds the bits above.
          guard ints[location] != nil, let value = Int64(parts[1]) else { return location + "=" + parts[1] }
          let forms = Set([Int64(Int32(truncatingIfNeeded: value)), Int64(UInt32(truncatingIfNeeded: value))])
          return "(" + forms.sorted().map { "\(location)=\($0)" }.joined(separator: " \\/ ") + ")"
        }.joined(separator: " /\\ ") + ")"
    }
    var lines = compiled.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    while lines.last == "" { lines.removeLast() }
    // The condition is the last line (`exists (...)`, `forall (...)` or `~exists (...)`).
    if !lines.isEmpty { lines.removeLast() }
    // Or a thread that reached a mark.
    let marked = flags.map { " \\/ ~(\($0)=0)" }.joined()
    return (lines + ["exists (~(" + states.joined(separator: " \\/ ") + ")" + marked + ")"]).joined(separator: "\n")
      + "\n"
  }

  /// Every test of the suite on one boot path and XLEN.
  func proveSuite(
    unit: ExpandedUnit, path: AtomicsBootPath, xlen: Int, lockChoice: Result<Bool, AtomicsUnknown> = .success(false)
  ) -> [SuiteRow] {
    // The tests call xchg and cmpxchg on int: their wrappers are read once for all of them.
    var bodies: [AtomicsPrimitive: [CStatement]] = [:]
    for operation in AtomicsPrimitive.Operation.exchanges {
      for ordering in AtomicsPrimitive.Ordering.allCases where ordering != .local {
        let primitive = AtomicsPrimitive(operation, ordering, bytes: 4, signed: true)
        if !unit.isAbsent(primitive), let body = try? unit.body(of: primitive) { bodies[primitive] = body }
      }
    }
    let wrappers = bodies
    // Each test on its own: the compiled tests have Z3 contexts of their own.
    let rows = ConcurrentResults<SuiteRow>(count: litmusTests.count)
    DispatchQueue.concurrentPerform(iterations: litmusTests.count) { index in
      rows.set(
        index,
        proveSuite(litmusTests[index], unit: unit, bodies: wrappers, path: path, xlen: xlen, lockChoice: lockChoice))
    }
    return rows.values
  }

  private func proveSuite(
    _ entry: (file: String, test: KernelLitmusTest), unit: ExpandedUnit, bodies: [AtomicsPrimitive: [CStatement]],
    path: AtomicsBootPath, xlen: Int, lockChoice: Result<Bool, AtomicsUnknown>
  ) -> SuiteRow {
    func row(_ verdict: Verdict?, skipped: String? = nil) -> SuiteRow {
      SuiteRow(test: entry.test.name, file: entry.file, path: path, xlen: xlen, verdict: verdict, skipped: skipped)
    }
    let lkmm: LitmusResult
    switch suiteStates.states(entry.file, entry.test) {
    case .failure(let reason): return row(nil, skipped: reason.reason)
    case .success(let result): lkmm = result
    }
    guard lkmm.decided else { return row(.unknown("the LKMM did not decide \(entry.test.name)")) }
    // The comparison needs every state the LKMM allows, not only its verdict.
    if let incomplete = lkmm.incomplete {
      return row(.unknown("the LKMM's final states of \(entry.test.name) are not all known: \(incomplete)"))
    }
    var compiler = SuiteCompiler(test: entry.test, prover: self, unit: unit, bodies: bodies, path: path)
    compiler.lockChoice = lockChoice
    compiler.xlen = xlen
    let compiled:
      (text: String, names: [String: String], pointers: Set<String>, marks: [Int: [String]], ints: [String: Bool])
    do {
      compiled = try compiler.compiled()
    } catch let reason as NotCompiled {
      return row(nil, skipped: reason.reason)
    } catch let unknown as AtomicsUnknown {
      return row(.unknown("\(unknown.location): \(unknown.reason)"))
    } catch {
      return row(.unknown("\(error)"))
    }
    do {
      // Whether the compiled test reaches a state outside the LKMM's is one question: its
      // condition made "none of the allowed states" (the C test's own condition decides nothing
      // here). With no allowed state every state is outside, and the test is enumerated whole.
      let flags = compiled.marks.keys.sorted().map(SuiteCompiler.flag)
      let outside =
        lkmm.states.isEmpty
        ? nil
        : Self.outsideStates(compiled.text, allowed: lkmm.states, compiled.names, flags: flags, ints: compiled.ints)
      let rvwmo = try compiledVerdicts.verdict(
        outside ?? compiled.text, file: "\(entry.test.name) compiled", conditionOnly: outside != nil)
      guard rvwmo.incomplete == nil, rvwmo.positive + rvwmo.negative > 0 else {
        // Every execution filtered out, on both sides (`RM-broken`'s critical section that sees a
        // location change): no state is reached, so none is forbidden, provided the compiled test
        // does run without its filter (a miscompiled one may have no execution at all).
        if rvwmo.incomplete == nil, entry.test.header.filter != nil, lkmm.states.isEmpty {
          let unfiltered = compiled.text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("filter (") }.joined(separator: "\n")
          let runs = try compiledVerdicts.verdict(unfiltered, file: "\(entry.test.name) compiled, unfiltered")
          if runs.incomplete == nil && runs.positive + runs.negative > 0 { return row(.proved) }
        }
        let none =
          rvwmo.beyondBound
          ? "no execution within the unrolling bound (every one spins longer, as when each lock waits for another)"
          : "no execution"
        return row(.unknown("RVWMO did not decide the compiled test: \(rvwmo.incomplete ?? none)"))
      }
      // Marks reached: the test runs code the compiler did not lay down. Each is named, in the
      // threads' order and the code's, with a final state of an execution that reaches it.
      func named(_ state: [String]) -> [String] {
        state.filter { item in !flags.contains { item.hasPrefix($0 + "=") } }.map { item -> String in
          let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
          var value = parts.count > 1 ? parts[1] : ""
          // An int variable reads as C reads it: its low 32 bits, signed or unsigned as declared.
          if let signed = compiled.ints[parts[0]], let bits = Int64(value) ?? UInt64(value).map(Int64.init(bitPattern:))
          {
            value = signed ? "\(Int32(truncatingIfNeeded: bits))" : "\(UInt32(truncatingIfNeeded: bits))"
          }
          return (compiled.names[parts[0]] ?? parts[0]) + "=" + value
        }.sorted()
      }
      var reachedMarks: [[Int]: [String]] = [:]
      for state in rvwmo.states {
        for (thread, reasons) in compiled.marks {
          let flag = SuiteCompiler.flag(thread) + "="
          guard let item = state.first(where: { $0.hasPrefix(flag) }), let mark = Int(item.dropFirst(flag.count)),
            mark > 0, mark <= reasons.count
          else { continue }
          let shown = named(state)
          if let known = reachedMarks[[thread, mark]], known.joined(separator: " ") <= shown.joined(separator: " ") {
            continue
          }
          reachedMarks[[thread, mark]] = shown
        }
      }
      if !reachedMarks.isEmpty {
        let lines = reachedMarks.keys.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }.map { key in
          "P\(key[0]) reaches code rvcheck does not compile (\(compiled.marks[key[0]]?[key[1] - 1] ?? "")), in an execution that ends with "
            + (reachedMarks[key] ?? []).joined(separator: " ")
        }
        return row(nil, skipped: lines.joined(separator: "; "))
      }
      // The compiled test's registers named as the C test names them.
      let allowed = Set(lkmm.states.map { $0.sorted() })
      let reached = rvwmo.states.map(named)
      let forbidden = reached.filter { !allowed.contains($0) }
      guard forbidden.isEmpty else {
        // An address is shown as the location it is the address of.
        let locations = entry.test.header.memoryLocations
        func shown(_ item: String) -> String {
          let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
          guard parts.count == 2, compiled.pointers.contains(parts[0]), let value = UInt64(parts[1]),
            let index = locations.indices.first(where: { LitmusTest.modelAddress(ofLocation: $0) == value })
          else { return item }
          return parts[0] + "=" + locations[index]
        }
        return row(
          .failed(
            "the compiled test reaches final states the LKMM forbids for \(entry.test.name):\n"
              + forbidden.map { "  " + $0.map(shown).joined(separator: " ") }.joined(separator: "\n") + "\n"
              + compiled.text))
      }
      return row(.proved)
    } catch {
      return row(.unknown("the compiled test: \(error)"))
    }
  }
}

/// Compiles one C litmus test, thread by thread, into a RISC-V litmus test's text. Locations get
/// registers s2, s3, …; C variables the registers after them; the tree's primitives take theirs
/// from the asm registers (a0–a7, t0–t6), so nothing they use is shared.
struct SuiteCompiler {
  let test: KernelLitmusTest
  let prover: AtomicsProver
  let unit: ExpandedUnit
  /// The tree's xchg and cmpxchg on int, by primitive (absent where the tree has none).
  let bodies: [AtomicsPrimitive: [CStatement]]
  let path: AtomicsBootPath
  var xlen = 64
  /// Whether the path's boot takes the queued lock (`AtomicsProver.takesQueuedLock`).
  var lockChoice: Result<Bool, AtomicsUnknown> = .success(false)

  var file: String { unit.file }
  var barriers: BarrierMapping { unit.barriers }

  /// Registers the compiled threads hold their locations and values in: s2–s11, s0, s1, then ra,
  /// sp and tp, which a litmus thread uses as any other (nothing it runs calls or keeps a stack).
  static let pool = Array(18...27) + [8, 9, 1, 2, 4]

  /// One thread's code and where its values live.
  private struct Thread {
    var lines: [String] = []
    var variables: [String: Int] = [:]
    /// The variables that may hold an address, with the bytes an access through one reads: an
    /// int for `int *r0`, a machine word for a pointer-sized integer (`intptr_t r1`), whose
    /// tests point it at locations of their own type.
    var pointers: [String: Int] = [:]
    /// The variables declared `unsigned int`.
    var unsignedInts: Set<String> = []
    /// The registers holding the grace-period handshake locations the thread waits on, and those
    /// it answers as a reader.
    var waitsOn: [String] = []
    var answers: [String] = []
    var free: [Int]
    var labels = 0
    /// The arms of its calls laid down as marks (see `CompiledBranch`).
    var marks: ThreadMarks
  }

  /// The flag register of `thread` as the compiled test's final state names it.
  static func flag(_ thread: Int) -> String { "\(thread):x\(PrimitiveEvaluator.flagRegister)" }

  /// The locations that hold a machine word (`int *p=y;` or `intptr_t x;` in the initial state,
  /// or an `int **p` or `intptr_t *p` parameter): read and written whole, at XLEN.
  var pointerLocations: Set<String> {
    var names = Set(test.threads.flatMap(\.wordParameters))
    for item in test.header.initial {
      guard case .memory(let name) = item.location, let type = item.type else { continue }
      if type.contains("*") || Self.isWordType(type) { names.insert(name) }
    }
    return names
  }

  /// A pointer-sized integer type (`intptr_t`, `unsigned long`).
  static func isWordType(_ type: String) -> Bool {
    type.split(separator: " ").contains { KernelLitmusParser.wordTypes.contains(String($0)) }
  }

  /// The test's text; for each register of its final state (`0:x21`), the C name (`0:r0`); and
  /// the C names whose values are addresses (pointer variables and locations).
  func compiled() throws -> (
    text: String, names: [String: String], pointers: Set<String>, marks: [Int: [String]], ints: [String: Bool]
  ) {
    var locations: [String] = []
    for thread in test.threads {
      for name in thread.parameters where !locations.contains(name) { locations.append(name) }
    }
    // The grace periods' handshake locations come after the test's own, which keep their places.
    let grace = try gracePeriods()
    locations += grace.locations
    guard locations.count + 2 <= Self.pool.count else {
      throw AtomicsProver.NotCompiled(reason: "more locations than registers to hold them")
    }
    let addressOf = Dictionary(uniqueKeysWithValues: locations.enumerated().map { ($1, Self.pool[$0]) })
    var columns: [[String]] = []
    var names: [String: String] = [:]
    var ints: [String: Bool] = [:]
    var variableRegisters: [[String: Int]] = []
    var pointers = pointerLocations
    var marks: [Int: [String]] = [:]
    for thread in test.threads {
      var state = Thread(
        free: Array(Self.pool.dropFirst(locations.count)), marks: ThreadMarks(exitLabel: "P\(thread.number)end"))
      // A variable the initial state gives a value (`0:r3=x2;`) holds it from the start; given an
      // address, it may be read through, at the width of the location it points to.
      for item in test.header.initial {
        guard case .variable(thread.number, let name) = item.location else { continue }
        _ = try variable(name, &state)
        if case .address(let target)? = item.value {
          state.pointers[name] = pointerLocations.contains(target) ? xlen / 8 : 4
        }
      }
      // The addresses of the handshakes the thread waits on, and of those it answers.
      state.waitsOn = grace.waited(by: thread.number).compactMap { addressOf[$0.location] }.map(RegisterNames.name)
      state.answers = grace.answered(by: thread.number).compactMap { addressOf[$0.location] }.map(RegisterNames.name)
      if state.answers.isEmpty {
        try compile(thread.body, thread: thread.number, addressOf, &state)
      } else {
        try compileReader(thread.body, thread: thread.number, addressOf, &state)
      }
      if !state.marks.reasons.isEmpty {
        state.lines.append(state.marks.exitLabel + ":")
        marks[thread.number] = state.marks.reasons
      }
      // After the exit label a mark jumps to: a thread that stops early still says it has finished.
      for flag in state.answers {
        guard let scratch = state.free.first else {
          throw AtomicsProver.NotCompiled(reason: "more values than registers")
        }
        state.lines += GracePeriods.end(flag: flag, scratch: RegisterNames.name(scratch))
      }
      columns.append(state.lines)
      variableRegisters.append(state.variables)
      for (variable, register) in state.variables {
        names["\(thread.number):x\(register)"] = "\(thread.number):\(variable)"
        // An int (not a pointer or pointer-sized integer), signed unless declared unsigned.
        if state.pointers[variable] == nil {
          ints["\(thread.number):x\(register)"] = !state.unsignedInts.contains(variable)
        }
      }
      pointers.formUnion(state.pointers.keys.map { "\(thread.number):\($0)" })
    }
    // The initial state: the memory values the C test gives, in its order (every location then
    // has the model address it has in the C test, so that an address compares alike in both),
    // then each thread's location registers.
    var initial: [String] = []
    for item in test.header.initial {
      let value = item.value?.description ?? "0"
      switch item.location {
      case .memory(let name): initial.append("\(name)=\(value);")
      case .variable(let thread, let name):
        guard let register = variableRegisters[thread][name] else { continue }
        initial.append("\(thread):\(RegisterNames.name(register))=\(value);")
      case .register: throw AtomicsProver.NotCompiled(reason: "an initial value of a register")
      }
    }
    for thread in test.threads {
      initial.append(
        locations.map { "\(thread.number):\(RegisterNames.name(addressOf[$0] ?? 0))=\($0);" }.joined(separator: " "))
    }
    // A thread with marks starts with its flag clear; the final state shows it.
    for thread in marks.keys.sorted() { initial.append("\(Self.flag(thread))=0;") }
    let flags = marks.keys.sorted().map { Self.flag($0) + ";" }
    func register(_ location: LitmusTest.Location) -> LitmusTest.Location {
      guard case .variable(let thread, let name) = location else { return location }
      let number = thread < variableRegisters.count ? variableRegisters[thread][name] ?? 0 : 0
      return .register(thread: thread, number: number)
    }
    func translated(_ expression: LitmusTest.Expression) -> LitmusTest.Expression {
      switch expression {
      case .constant: expression
      case .equals(let location, let value): .equals(register(location), value)
      case .same(let left, let right): .same(register(left), register(right))
      case .not(let inner): .not(translated(inner))
      case .and(let left, let right): .and(translated(left), translated(right))
      case .or(let left, let right): .or(translated(left), translated(right))
      }
    }
    var text = "RISCV \(test.name)\n{\n" + initial.joined(separator: "\n") + "\n}\n"
    text += OrderingShape.threadTable(columns)
    if !test.header.observed.isEmpty || !flags.isEmpty {
      text += "locations [" + (test.header.observed.map { "\(register($0));" } + flags).joined(separator: " ") + "]\n"
    }
    // The same executions are left out of both: the filter names the C test's variables.
    if let filter = test.header.filter { text += "filter (\(translated(filter)))\n" }
    text += "\(test.header.condition.quantifier.rawValue) (\(translated(test.header.condition.expression)))\n"
    try Self.checkPlacement(text, of: test, file: file, extra: grace.locations)
    return (text, names, pointers, marks, ints)
  }

  /// The handshakes of the test's grace periods.
  private func gracePeriods() throws -> GracePeriods {
    var taken = Set(test.header.memoryLocations)
    for thread in test.threads { taken.formUnion(thread.parameters) }
    return try GracePeriods(test, taken: taken)
  }

  /// A reader thread's statements, with a quiescent state before each one outside its sections.
  private func compileReader(
    _ statements: [CStatement], thread: Int, _ addressOf: [String: Int], _ state: inout Thread
  ) throws {
    func flattened(_ statements: [CStatement]) -> [CStatement] {
      statements.flatMap { statement -> [CStatement] in
        if case .block(let inner) = statement { return flattened(inner) }
        return [statement]
      }
    }
    var depth = 0
    for statement in flattened(statements) {
      if depth == 0, !statement.isDeclaration {
        for flag in state.answers {
          guard let scratch = state.free.first else {
            throw AtomicsProver.NotCompiled(reason: "more values than registers")
          }
          state.labels += 1
          state.lines += GracePeriods.quiescentState(
            flag: flag, scratch: RegisterNames.name(scratch), label: "P\(thread)Q\(state.labels)")
        }
      }
      if depth > 0, GracePeriods.calls(in: [statement]).contains(where: GracePeriods.waits.contains) {
        throw AtomicsProver.NotCompiled(reason: "a grace period inside a read-side section")
      }
      try compile(statement, thread: thread, addressOf, &state)
      depth += GracePeriods.depthChange(statement)
      guard depth >= 0 else { throw AtomicsProver.NotCompiled(reason: "rcu_read_unlock() outside a section") }
    }
    guard depth == 0 else { throw AtomicsProver.NotCompiled(reason: "an RCU read-side section left open") }
  }

  /// Whether the compiled test `text` gives every location the model address the C test gives it
  /// (so that an address a register or location holds compares alike in both); unknown otherwise.
  static func checkPlacement(_ text: String, of test: KernelLitmusTest, file: String, extra: [String] = []) throws {
    let placed = try LitmusParser.parse(text, file: "\(test.name) compiled").memoryLocations
    // The symbols a condition only compares with come last on both sides; their addresses only
    // need to differ from every other.
    let symbols = test.header.comparedSymbols
    let expected = test.header.memoryLocations.filter { !symbols.contains($0) } + extra + symbols
    guard placed == expected else {
      throw AtomicsUnknown(
        location: test.threads.first?.location ?? SourceLocation(file: file, line: 1, column: 1),
        reason: "the compiled test places its locations as \(placed), the C test as \(expected)")
    }
  }

  private func compile(
    _ statements: [CStatement], thread: Int, _ addressOf: [String: Int], _ state: inout Thread
  ) throws {
    for statement in statements { try compile(statement, thread: thread, addressOf, &state) }
  }

  private func compile(_ statement: CStatement, thread: Int, _ addressOf: [String: Int], _ state: inout Thread)
    throws
  {
    // A call's scratch registers are dead once its statement has used its value (moved it to a
    // variable, or branched on it): later statements take them again.
    let scratch = state.free
    func releaseScratch() { state.free = scratch.filter { !state.variables.values.contains($0) } }
    switch statement {
    case .block(let inner): try compile(inner, thread: thread, addressOf, &state)
    case .declaration(let type, let names, _):
      defer { releaseScratch() }
      let pointer = type.hasSuffix("*") && !type.dropLast().contains("*")
      let word = Self.isWordType(type) && !type.contains("*")
      guard ["int", "unsigned int"].contains(type) || word || pointer else {
        throw AtomicsProver.NotCompiled(reason: "a local of type '\(type)'")
      }
      for (name, initial) in names {
        let register = try variable(name, &state)
        if type == "unsigned int" { state.unsignedInts.insert(name) }
        if pointer { state.pointers[name] = 4 }
        if word { state.pointers[name] = xlen / 8 }
        if let initial { try assign(initial, to: register, thread: thread, addressOf, &state) }
      }
    case .expression(.assign("=", .prefix("*", let target), let value), _):
      // A plain store: one store of the value, as the compiler emits for an int.
      defer { releaseScratch() }
      _ = try evaluate(.call(.name("WRITE_ONCE"), [.prefix("*", target), value]), thread: thread, addressOf, &state)
    case .expression(.assign("=", .name(let name), let value), _):
      defer { releaseScratch() }
      let register = try variable(name, &state)
      try assign(value, to: register, thread: thread, addressOf, &state)
    case .expression(.cast("void", let call), _), .expression(let call, _):
      defer { releaseScratch() }
      _ = try evaluate(call, thread: thread, addressOf, &state)
    case .branch(let condition, let then, let otherwise, _):
      // A control dependency: the branch reads the registers the condition names.
      state.labels += 1
      let skip = "P\(thread)L\(state.labels)"
      try branch(around: condition, to: skip, thread: thread, addressOf, &state)
      releaseScratch()
      try compile(then, thread: thread, addressOf, &state)
      if let otherwise {
        let end = skip + "e"
        state.lines.append("j \(end)")
        state.lines.append("\(skip):")
        try compile(otherwise, thread: thread, addressOf, &state)
        state.lines.append("\(end):")
      } else {
        state.lines.append("\(skip):")
      }
    case .returns: throw AtomicsProver.NotCompiled(reason: "'return'")
    case .other(let keyword, _): throw AtomicsProver.NotCompiled(reason: "a '\(keyword)' statement")
    case .extended(let extended, _): throw AtomicsProver.NotCompiled(reason: "a '\(extended.keyword)' statement")
    }
  }

  /// Appends one call's code to the thread, its labels renamed apart (each call is laid down by an
  /// evaluator of its own, whose labels would repeat a second call's), and takes the scratch
  /// registers it used until its statement ends.
  private func append(_ compiled: (lines: [String], result: String?, used: Int), to state: inout Thread) {
    let lines = compiled.lines
    state.free.removeFirst(min(compiled.used, state.free.count))
    state.labels += 1
    let suffix = "_c\(state.labels)"
    let defined = Set(lines.filter { $0.hasSuffix(":") }.map { String($0.dropLast()) })
    state.lines += lines.map { line in
      if line.hasSuffix(":") { return line.dropLast() + suffix + ":" }
      // A branch or `j` names its target last.
      guard let comma = line.lastIndex(where: { $0 == "," || $0 == " " }),
        defined.contains(String(line[line.index(after: comma)...]))
      else { return line }
      return line + suffix
    }
  }

  /// The register of C variable `name`, given one at first use.
  private func variable(_ name: String, _ state: inout Thread) throws -> Int {
    if let register = state.variables[name] { return register }
    guard !state.free.isEmpty else { throw AtomicsProver.NotCompiled(reason: "more values than registers") }
    let register = state.free.removeFirst()
    state.variables[name] = register
    return register
  }

  /// Code that jumps to `label` when `condition` is false.
  private func branch(
    around condition: CExpression, to label: String, thread: Int, _ addressOf: [String: Int], _ state: inout Thread
  ) throws {
    func operand(_ expression: CExpression) throws -> String {
      do {
        return try valueRegister(expression, "a condition", thread: thread, addressOf, &state)
      } catch is AtomicsProver.NotCompiled {
        throw AtomicsProver.NotCompiled(reason: "a condition on '\(expression.text)'")
      }
    }
    switch condition {
    case .binary("==", let left, let right):
      let (a, b) = (try operand(left), try operand(right))
      state.lines.append("bne \(a),\(b),\(label)")
    case .binary("!=", let left, let right):
      let (a, b) = (try operand(left), try operand(right))
      state.lines.append("beq \(a),\(b),\(label)")
    case .prefix("!", let inner): state.lines.append("bne \(try operand(inner)),x0,\(label)")
    default: state.lines.append("beq \(try operand(condition)),x0,\(label)")
    }
  }

  private func assign(
    _ value: CExpression, to register: Int, thread: Int, _ addressOf: [String: Int], _ state: inout Thread
  ) throws {
    let name = RegisterNames.name(register)
    if case .literal(let text) = value, let number = Int64(text) {
      state.lines.append("li \(name),\(number)")
      return
    }
    if case .name(let other) = value, let source = state.variables[other] {
      state.lines.append("mv \(name),\(RegisterNames.name(source))")
      return
    }
    // A plain load: one load, as the compiler emits for an int.
    if case .prefix("*", let pointer) = value {
      try assign(.call(.name("READ_ONCE"), [.prefix("*", pointer)]), to: register, thread: thread, addressOf, &state)
      return
    }
    // A comparison's value, without a branch (a branch would order later stores, and a compiler
    // emits none): the difference, then whether it is zero.
    if case .binary(let op, let left, let right) = value, op == "==" || op == "!=" {
      let a = try valueRegister(left, "a comparison", thread: thread, addressOf, &state)
      let b = try valueRegister(right, "a comparison", thread: thread, addressOf, &state)
      state.lines.append("xor \(name),\(a),\(b)")
      state.lines.append(PrimitiveEvaluator.Compilation.zeroTest(name, of: name, isZero: op == "=="))
      return
    }
    // Anything else with a value: a call, arithmetic, a negative constant.
    let result = try valueRegister(value, "an assignment", thread: thread, addressOf, &state)
    if result != name { state.lines.append("mv \(name),\(result)") }
  }

  /// A call's code; the register holding its value, if it has one.
  private func evaluate(_ expression: CExpression, thread: Int, _ addressOf: [String: Int], _ state: inout Thread)
    throws -> String?
  {
    guard case .call(.name(let function), let arguments) = expression else {
      throw AtomicsProver.NotCompiled(reason: "'\(expression.text)'")
    }
    /// The register holding the address an access names, and how many bytes the access takes:
    /// XLEN for a location that holds an address, a word otherwise.
    func access(_ argument: CExpression?, lvalue: Bool) throws -> (base: Int, bytes: Int) {
      var target = argument
      if lvalue {
        guard case .prefix("*", let inner)? = argument else {
          throw AtomicsProver.NotCompiled(reason: "\(function) of '\(argument?.text ?? "")'")
        }
        target = inner
      }
      guard case .name(let name)? = target else {
        throw AtomicsProver.NotCompiled(reason: "\(function) through a pointer value ('\(argument?.text ?? "")')")
      }
      if let register = addressOf[name] { return (register, pointerLocations.contains(name) ? xlen / 8 : 4) }
      // Through a pointer the thread loaded (`*r0` after `r0 = rcu_dereference(*p)`).
      guard let bytes = state.pointers[name], let register = state.variables[name] else {
        throw AtomicsProver.NotCompiled(reason: "\(function) through a pointer value ('\(argument?.text ?? "")')")
      }
      return (register, bytes)
    }
    func load(_ bytes: Int) -> String { bytes == 8 ? "ld" : "lw" }
    func store(_ bytes: Int) -> String { bytes == 8 ? "sd" : "sw" }
    // The smp_* barriers and accesses through the tree's barrier.h where it has them.
    let word = AtomicsPrimitive(.cmpxchg, .full, bytes: 4, signed: true)
    /// The tree's code for a barrier or acquire/release access: nil where the tree has none.
    func barrier(
      _ operation: OrderingShape.Operation, object: Int = 0, value: Int = 0, valueRegister: Int? = nil, bytes: Int = 4
    ) throws -> String?? {
      let primitive = bytes == 4 ? word : AtomicsPrimitive(.cmpxchg, .full, bytes: bytes, signed: false)
      guard
        let compiled = try prover.compileBarrier(
          operation, primitive: primitive, barriers: barriers, path: path, xlen: xlen, file: file, object: object,
          value: value, valueRegister: valueRegister, scratch: state.free, thread: thread)
      else { return nil }
      append(compiled, to: &state)
      return .some(compiled.result)
    }
    switch function {
    case "READ_ONCE", "rcu_dereference":
      let (address, bytes) = try access(arguments.first, lvalue: true)
      guard !state.free.isEmpty else { throw AtomicsProver.NotCompiled(reason: "more values than registers") }
      let register = RegisterNames.name(state.free.removeFirst())
      state.lines.append("\(load(bytes)) \(register),0(\(RegisterNames.name(address)))")
      return register
    case "WRITE_ONCE":
      let (address, bytes) = try access(arguments.first, lvalue: true)
      let source = try valueRegister(
        arguments.count > 1 ? arguments[1] : nil, function, thread: thread, addressOf, &state)
      state.lines.append("\(store(bytes)) \(source),0(\(RegisterNames.name(address)))")
      return nil
    case "barrier":
      // A compiler barrier: it orders the compiler, and the compiled test is already in order.
      return nil
    case "rcu_read_lock", "rcu_read_unlock":
      // A read-side critical section orders nothing by instructions: in a non-preemptible build
      // it is a compiler barrier. A grace period's order comes from the reader's quiescent
      // states, which `compileReader` lays down around the sections.
      return nil
    case "synchronize_rcu", "synchronize_rcu_expedited":
      guard state.free.count >= 2 else { throw AtomicsProver.NotCompiled(reason: "more values than registers") }
      state.labels += 1
      state.lines += GracePeriods.wait(
        flags: state.waitsOn, one: RegisterNames.name(state.free[0]), seen: RegisterNames.name(state.free[1]),
        label: "P\(thread)G\(state.labels)", answering: state.answers)
      return nil
    case "smp_load_acquire":
      let (address, bytes) = try access(arguments.first, lvalue: false)
      if let compiled = try barrier(.acquireRead(.x), object: address, bytes: bytes) { return compiled }
      guard !state.free.isEmpty else { throw AtomicsProver.NotCompiled(reason: "more values than registers") }
      let register = RegisterNames.name(state.free.removeFirst())
      state.lines += ["\(load(bytes)) \(register),0(\(RegisterNames.name(address)))", "fence r,rw"]
      return register
    case "smp_store_release", "rcu_assign_pointer":
      let lvalue = function == "rcu_assign_pointer"
      let (address, bytes) = try access(arguments.first, lvalue: lvalue)
      let argument = arguments.count > 1 ? arguments[1] : nil
      if case .literal(let text)? = argument, let value = Int(text) {
        if try barrier(.releaseWrite(.x, value), object: address, value: value, bytes: bytes) != nil { return nil }
        let source = try valueRegister(.literal("\(value)"), function, thread: thread, addressOf, &state)
        state.lines += ["fence rw,w", "\(store(bytes)) \(source),0(\(RegisterNames.name(address)))"]
        return nil
      }
      // A value the thread holds in a register: a variable, or a location's address.
      let source = try valueRegister(argument, function, thread: thread, addressOf, &state)
      guard let held = RegisterNames.number(source) else {
        throw AtomicsProver.NotCompiled(reason: "\(function) of '\(argument?.text ?? "")'")
      }
      if try barrier(.releaseWrite(.x, 0), object: address, valueRegister: held, bytes: bytes) != nil { return nil }
      state.lines += ["fence rw,w", "\(store(bytes)) \(source),0(\(RegisterNames.name(address)))"]
      return nil
    case "smp_mb":
      if try barrier(.fullFence) == nil { state.lines.append("fence rw,rw") }
      return nil
    case "smp_store_mb":
      // asm-generic/barrier.h's form, which stands where the port defines none: the store, then
      // the tree's smp_mb(). A port's own `__smp_store_mb` would be other code.
      guard barriers.bodies["store_mb_u32"] == nil, barriers.unreadable["store_mb_u32"] == nil else {
        throw AtomicsProver.NotCompiled(reason: "the tree's own __smp_store_mb")
      }
      _ = try evaluate(.call(.name("WRITE_ONCE"), arguments), thread: thread, addressOf, &state)
      if try barrier(.fullFence) == nil { state.lines.append("fence rw,rw") }
      return nil
    case "smp_mb__after_atomic", "smp_mb__before_atomic":
      if try barrier(.fenceAfterAtomic) == nil { state.lines.append("fence rw,rw") }
      return nil
    case "smp_rmb":
      state.lines.append("fence r,r")
      return nil
    case "smp_wmb":
      state.lines.append("fence w,w")
      return nil
    default:
      break
    }
    // xchg and cmpxchg in their orderings, through the tree's own code.
    let orderings: [(String, AtomicsPrimitive.Ordering)] = [
      ("_relaxed", .relaxed), ("_acquire", .acquire), ("_release", .release), ("", .full),
    ]
    for operation in [AtomicsPrimitive.Operation.cmpxchg, .xchg] {
      for (suffix, ordering) in orderings where function == operation.rawValue + suffix {
        let primitive = AtomicsPrimitive(operation, ordering, bytes: 4, signed: true)
        let address = try access(arguments.first, lvalue: false).base
        guard let body = bodies[primitive] else {
          throw AtomicsProver.NotCompiled(reason: "the tree provides no \(function) for an int")
        }
        // Each value a constant, or what the thread holds in a register (a variable, a sum).
        var values: [String: Int] = [:]
        var registers: [String: Int] = [:]
        let named = operation == .cmpxchg ? ["o", "n"] : ["n"]
        for (name, argument) in zip(named, arguments.dropFirst()) {
          if case .literal(let text) = argument, let value = Int(text) {
            values[name] = value
            continue
          }
          let held = try valueRegister(argument, function, thread: thread, addressOf, &state)
          guard let register = RegisterNames.number(held) else {
            throw AtomicsProver.NotCompiled(reason: "\(function) of '\(argument.text)'")
          }
          registers[name] = register
        }
        guard values.count + registers.count == named.count else {
          throw AtomicsProver.NotCompiled(reason: "\(function) without its values")
        }
        let compiled = try prover.compile(
          primitive, body: body, path: path, xlen: xlen, file: file, object: address, expected: values["o"] ?? 0,
          new: values["n"] ?? 0, registers: registers, thread: thread, scratch: state.free, unit: unit)
        append(compiled, to: &state)
        return compiled.result
      }
    }
    if SuiteAtomicCall.isAtomicFunction(function) {
      return try evaluateAtomic(expression, function, addressOf, thread: thread, &state)
    }
    if function == "smp_mb__after_spinlock" {
      return try evaluateLock(function, wrapper: TreeSpinlocks.afterSpinlock, object: 0, thread: thread, &state)
    }
    if let wrapper = TreeSpinlocks.wrappers[function] {
      return try evaluateLock(
        function, wrapper: wrapper, object: try access(arguments.first, lvalue: false).base, thread: thread, &state)
    }
    throw AtomicsProver.NotCompiled(reason: "'\(function)'")
  }

  /// `spin_lock()` or `spin_unlock()`, compiled from the tree's `arch_spin_lock()` or
  /// `arch_spin_unlock()`: the generic layers around them add only compiler barriers
  /// (`preempt_disable()`) in a build without lock debugging.
  private func evaluateLock(
    _ function: String, wrapper: String, object: Int, thread: Int, _ state: inout Thread
  ) throws -> String? {
    let queued: Bool
    switch lockChoice {
    case .success(let taken): queued = taken
    case .failure(let unknown): throw AtomicsProver.NotCompiled(reason: "\(function): \(unknown)")
    }
    if let reason = prover.spinlocks.notCompiled(takingQueued: queued) {
      throw AtomicsProver.NotCompiled(reason: "\(function): \(reason)")
    }
    guard let record = unit.records["arch_spinlock_t"] else {
      throw AtomicsProver.NotCompiled(reason: "\(function): the tree defines no arch_spinlock_t")
    }
    guard let body = try wrapperBody(wrapper) else {
      // The wrapper is there only where the port defines the barrier.
      throw AtomicsProver.NotCompiled(
        reason: wrapper == TreeSpinlocks.afterSpinlock
          ? "the tree's asm/barrier.h defines no \(function)()" : "the expansion has no \(wrapper)")
    }
    let compiled = try prover.compileBody(
      body, type: .integer(bits: 32, signed: false), constants: [:], path: path, xlen: xlen, file: file, object: object,
      scratch: state.free, prefix: "P\(thread)", what: function, objectType: .record(record), unit: unit,
      marks: state.marks)
    append(compiled, to: &state)
    return compiled.result
  }

  /// The body of a wrapper the unit defines (nil: none); one it cannot read is unknown.
  private func wrapperBody(_ name: String) throws -> [CStatement]? {
    do {
      return try unit.body(ofFunction: name)
    } catch {
      throw AtomicsUnknown(location: error.location, reason: error.reason)
    }
  }

  /// A call of the atomic_t API, compiled from the tree's definition through the call's wrapper.
  private func evaluateAtomic(
    _ expression: CExpression, _ function: String, _ addressOf: [String: Int], thread: Int, _ state: inout Thread
  ) throws -> String? {
    guard let call = SuiteAtomicCall(expression, locations: Set(addressOf.keys)), let object = addressOf[call.location]
    else {
      throw AtomicsProver.NotCompiled(reason: "\(function) of other than one location and constants")
    }
    // A tree without the type (no atomic-long.h in older layouts) does not provide the call.
    guard let record = unit.records[call.objectType] else {
      throw AtomicsProver.NotCompiled(reason: "\(function): the tree defines no \(call.objectType)")
    }
    guard let body = try wrapperBody(call.wrapperName) else {
      throw AtomicsProver.NotCompiled(reason: "the expansion has no \(call.wrapperName)")
    }
    let compiled: (lines: [String], result: String?, used: Int)
    do {
      compiled = try prover.compileBody(
        body, type: .integer(bits: call.counterBits(xlen: xlen), signed: true), constants: [:], path: path, xlen: xlen,
        file: file,
        object: object, scratch: state.free, prefix: "P\(thread)", what: function, objectType: .record(record),
        unit: unit, primitiveFunction: call.treeName(prefix: unit.atomicPrefix), marks: state.marks)
    } catch let unknown as AtomicsUnknown where unknown.unavailable {
      throw AtomicsProver.NotCompiled(reason: "\(function): \(unknown.reason)")
    }
    append(compiled, to: &state)
    return compiled.result
  }

  /// The register holding a stored value: a variable's, a location's (its address, as in
  /// `rcu_assign_pointer(*p, x)`), one loaded for `*x`, or a constant put in a free one.
  private func valueRegister(
    _ argument: CExpression?, _ function: String, thread: Int, _ addressOf: [String: Int], _ state: inout Thread
  ) throws -> String {
    if case .name(let name)? = argument, let register = state.variables[name] ?? addressOf[name] {
      return RegisterNames.name(register)
    }
    if case .prefix("&", .name(let name))? = argument, let register = addressOf[name] {
      return RegisterNames.name(register)
    }
    if case .prefix("*", _)? = argument, let argument {
      // A plain load: one load, as the compiler emits for an int.
      guard let loaded = try evaluate(.call(.name("READ_ONCE"), [argument]), thread: thread, addressOf, &state) else {
        throw AtomicsProver.NotCompiled(reason: "\(function) of '\(argument.text)'")
      }
      return loaded
    }
    // A call with a value (`READ_ONCE(*x)`, `atomic_dec_and_test(v)`): its code, then its register.
    if case .call? = argument, let argument {
      guard let result = try evaluate(argument, thread: thread, addressOf, &state) else {
        throw AtomicsProver.NotCompiled(reason: "\(function) of '\(argument.text)', which has no value")
      }
      return result
    }
    // Arithmetic on what the thread holds (`tmp + 1`, `p ^ 1`): one instruction, with an
    // immediate where the right operand is a small constant. An int's sum is taken at the
    // register's width, as the compiler does for values that do not overflow.
    if case .binary(let op, let left, let right)? = argument, let instruction = Self.arithmetic[op] {
      let a = try valueRegister(left, function, thread: thread, addressOf, &state)
      var immediate: Int64?
      if case .literal(let text) = right, let value = Int64(text) { immediate = op == "-" ? -value : value }
      if let value = immediate, (-2048...2047).contains(value) {
        guard !state.free.isEmpty else { throw AtomicsProver.NotCompiled(reason: "more values than registers") }
        let register = RegisterNames.name(state.free.removeFirst())
        state.lines.append("\(op == "-" ? "addi" : instruction + "i") \(register),\(a),\(value)")
        return register
      }
      let b = try valueRegister(right, function, thread: thread, addressOf, &state)
      guard !state.free.isEmpty else { throw AtomicsProver.NotCompiled(reason: "more values than registers") }
      let register = RegisterNames.name(state.free.removeFirst())
      state.lines.append("\(instruction) \(register),\(a),\(b)")
      return register
    }
    var constant: Int64?
    if case .literal(let text)? = argument { constant = Int64(text) }
    if case .prefix("-", .literal(let text))? = argument { constant = Int64(text).map { -$0 } }
    guard let value = constant else {
      throw AtomicsProver.NotCompiled(reason: "\(function) of '\(argument?.text ?? "")'")
    }
    guard !state.free.isEmpty else { throw AtomicsProver.NotCompiled(reason: "more values than registers") }
    let register = RegisterNames.name(state.free.removeFirst())
    state.lines.append("li \(register),\(value)")
    return register
  }

  /// C's arithmetic and bitwise operators, by the instruction that computes each.
  static let arithmetic = ["+": "add", "-": "sub", "^": "xor", "&": "and", "|": "or"]
}
