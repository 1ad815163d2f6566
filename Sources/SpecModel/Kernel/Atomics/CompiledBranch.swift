/// `if (condition) … else …` on a run-time value, laid down as code while compiling: a branch
/// around each arm, and a register for each local the arms leave different (a phi, set at the end
/// of each arm).
///
/// An arm the compiler cannot lay down (a `goto` to the queued lock's queue, a construct it does
/// not read) may become a mark, where the caller allows it: the arm sets the thread's flag
/// register to the mark's number and jumps to the thread's end. The compiled test then proves
/// only if no execution sets a flag; one that does shows the arm is reached, and the test is not
/// compiled. Code before the mark is the code the C runs there, so an execution that reaches
/// the arm in the real code reaches the mark in the compiled test.
extension PrimitiveEvaluator {
  /// The register a marked arm sets: `gp`, which nothing compiled uses.
  static let flagRegister = 3

  mutating func layDownBranch(
    _ value: CValue, _ then: CStatement, _ otherwise: CStatement?, _ world: World, at location: SourceLocation
  ) throws(AtomicsUnknown) -> [World] {
    let free = compiling?.scratch ?? []
    let start = compiling?.lines.count ?? 0
    var (compilation, test) = try conditionLaidDown(value, at: location)
    labelCount += 1
    let elseLabel = "\(namePrefix)l\(labelCount)e"
    let joinLabel = "\(namePrefix)l\(labelCount)j"
    // To the else arm when the condition is false.
    let skip = test.branch == "bne" ? "beq" : "bne"
    compilation.lines.append("\(skip) \(RegisterNames.name(test.register)),x0,\(elseLabel)")
    // What the condition computed is dead once branched on.
    compilation.scratch = free
    compiling = compilation

    let branchEnd = compiling?.lines.count ?? 0
    let thenWorld = try arm(then, world, at: location)
    let thenEnd = compiling?.lines.count ?? 0
    let freeAfterThen = compiling?.scratch ?? []
    compiling?.scratch = free
    compiling?.lines.append(elseLabel + ":")
    let elseStart = compiling?.lines.count ?? 0
    let elseWorld =
      try otherwise.map { statement throws(AtomicsUnknown) in try arm(statement, world, at: location) } ?? world
    let freeAfterElse = compiling?.scratch ?? []
    // A register either arm took may still hold a value the other side's locals name.
    compiling?.scratch = free.filter { freeAfterThen.contains($0) && freeAfterElse.contains($0) }

    guard let thenWorld, let elseWorld else {
      compiling?.lines.append(joinLabel + ":")
      if let thenWorld {
        compiling?.lines.insert("j \(joinLabel)", at: thenEnd)
        return [thenWorld]
      }
      return elseWorld.map { [$0] } ?? []
    }
    // Each local (and each caller's local behind a pointer) the arms leave different is moved to
    // one register at the end of each.
    var joined = thenWorld
    var thenMoves: [String] = []
    var elseMoves: [String] = []
    let taken = value.bits != value.bits.constant(0)
    // Values the code before the branch holds, which both paths still hold after it.
    let held = Set(world.locals.values.map(\.bits.description) + world.cells.values.map(\.bits.description))
    func phi(_ a: CValue, _ b: CValue) throws(AtomicsUnknown) -> CValue {
      // The arms agree wherever it matters (`if (r != o) old = r;` leaves `old` equal to `r`):
      // the value the code before the branch holds is the joined one, and needs no register.
      for (candidate, otherSide) in [(a, !taken), (b, taken)] where held.contains(candidate.bits.description) {
        let other = candidate.bits.description == a.bits.description ? b : a
        if Self.alwaysEqual(candidate.bits, other.bits, when: otherSide, z3) { return candidate }
      }
      guard var compilation = compiling, !compilation.scratch.isEmpty else {
        throw AtomicsUnknown(location: location, reason: "more values after a branch than registers to hold them")
      }
      let register = compilation.scratch.removeFirst()
      let name = RegisterNames.name(register)
      for (value, scratch, moves) in [(a, freeAfterThen, 0), (b, freeAfterElse, 1)] {
        var side = compilation
        side.lines = []
        side.scratch = scratch.filter { $0 != register && compilation.scratch.contains($0) }
        if let number = value.bits.simplified.numeral, number <= UInt128(Int64.max) {
          side.lines.append("li \(name),\(number)")
        } else if let source = side.materialize(value.bits) {
          side.lines.append("mv \(name),\(RegisterNames.name(source))")
        } else {
          throw AtomicsUnknown(
            location: location,
            reason: "a value after a branch rvcheck cannot lay down: \(value.bits.simplified.description)")
        }
        if moves == 0 { thenMoves += side.lines } else { elseMoves += side.lines }
      }
      let width = max(a.bits.width, 1)
      let variable = z3.bvVariable("\(namePrefix)phi.\(register).\(compilation.lines.count)", width: width)
      compilation.outputs[variable.description] = register
      compiling = compilation
      return CValue(type: a.type, bits: variable)
    }
    // In name order, so that a test compiles to the same text in every run.
    for name in thenWorld.locals.keys.sorted() where thenWorld.cellOf[name] == nil {
      guard let value = thenWorld.locals[name], let other = elseWorld.locals[name],
        other.bits.description != value.bits.description
      else { continue }
      joined.locals[name] = try phi(value, other)
    }
    for cell in thenWorld.cells.keys.sorted() {
      guard let value = thenWorld.cells[cell], let other = elseWorld.cells[cell],
        other.bits.description != value.bits.description
      else { continue }
      joined.cells[cell] = try phi(value, other)
    }
    // A local one arm declared ends with it; a cell one arm made is the other's too.
    joined.locals = joined.locals.filter { elseWorld.locals[$0.key] != nil }
    for (cell, value) in elseWorld.cells where joined.cells[cell] == nil { joined.cells[cell] = value }
    // Arms that lay down nothing and leave nothing to move: no branch at all.
    if thenEnd == branchEnd, compiling?.lines.count == elseStart, thenMoves.isEmpty, elseMoves.isEmpty {
      compiling?.lines.removeSubrange(start...)
      compiling?.scratch = free
      return [joined]
    }
    compiling?.lines.insert(contentsOf: thenMoves + ["j \(joinLabel)"], at: thenEnd)
    compiling?.lines += elseMoves + [joinLabel + ":"]
    return [joined]
  }

  /// A `return` inside an arm: its value (if any) moved to the function's return register, and a
  /// jump to the function's end.
  mutating func layDownReturn(_ world: World, at location: SourceLocation) throws(AtomicsUnknown) {
    guard var target = returnLabels.last, var compilation = compiling else {
      throw AtomicsUnknown(location: location, reason: "a 'return' inside a branch outside a function")
    }
    if let value = world.returned, value.type != .void {
      if target.register == nil {
        guard !compilation.scratch.isEmpty else {
          throw AtomicsUnknown(location: location, reason: "no register left for a value returned early")
        }
        target.register = compilation.scratch.removeFirst()
      }
      guard let register = target.register, Self.move(value.bits, into: register, &compilation) else {
        throw AtomicsUnknown(
          location: location,
          reason: "a value returned early rvcheck cannot lay down: \(value.bits.simplified.description)")
      }
    }
    compilation.lines.append("j \(target.label)")
    target.used = true
    target.earlyCells.append(world.cells)
    returnLabels[returnLabels.count - 1] = target
    compiling = compilation
  }

  /// The function's fall-through returns, joined with the early ones in `register`: each moves
  /// its value there before the function's end, and the value returned is that register.
  mutating func joinReturns(
    _ finished: [World], in register: Int, _ target: ReturnTarget, at location: SourceLocation
  ) throws(AtomicsUnknown) -> [World] {
    guard var compilation = compiling else { return finished }
    var joined: [World] = []
    for world in finished {
      guard let value = world.returned, value.type != .void else {
        throw AtomicsUnknown(location: location, reason: "a function that returns a value on some paths only")
      }
      // A caller's local behind a pointer must be as every early return left it.
      for cells in target.earlyCells
      where cells.contains(where: { world.cells[$0.key]?.bits.description != $0.value.bits.description }) {
        throw AtomicsUnknown(location: location, reason: "an early return that leaves a caller's local different")
      }
      guard Self.move(value.bits, into: register, &compilation) else {
        throw AtomicsUnknown(
          location: location, reason: "a returned value rvcheck cannot lay down: \(value.bits.simplified.description)")
      }
      let variable = z3.bvVariable("\(namePrefix)ret.\(register).\(compilation.lines.count)", width: value.bits.width)
      compilation.outputs[variable.description] = register
      var back = world
      back.returned = CValue(type: value.type, bits: variable)
      joined.append(back)
    }
    compiling = compilation
    return joined
  }

  /// Appends code that puts `bits` in `register`: `li` for a constant, else `mv` from a register
  /// holding it, computed if need be.
  static func move(_ bits: BitVec, into register: Int, _ compilation: inout Compilation) -> Bool {
    let name = RegisterNames.name(register)
    if let number = bits.simplified.numeral, number <= UInt128(Int64.max) {
      compilation.lines.append("li \(name),\(number)")
      return true
    }
    let saved = compilation.scratch
    compilation.scratch.removeAll { $0 == register }
    defer { compilation.scratch = saved }
    guard let source = compilation.materialize(bits) else { return false }
    if source != register { compilation.lines.append("mv \(name),\(RegisterNames.name(source))") }
    return true
  }

  /// Whether `a` and `b` are equal for every value of their variables where `condition` holds.
  static func alwaysEqual(_ a: BitVec, _ b: BitVec, when condition: Formula, _ z3: Z3Context) -> Bool {
    guard a.width == b.width else { return false }
    let solver = Solver(context: z3, logic: "QF_BV", timeoutMilliseconds: 2_000)
    solver.assert(condition)
    solver.assert(a != b)
    if case .unsat = try? solver.check() { return true }
    return false
  }

  /// One arm, laid down: the world that reaches its end (nil: it leaves by a `break`, or it is a
  /// mark). An arm that cannot be laid down is a mark where the caller allows marks.
  private mutating func arm(_ statement: CStatement, _ world: World, at location: SourceLocation)
    throws(AtomicsUnknown) -> World?
  {
    let before = self
    do throws(AtomicsUnknown) {
      let worlds = try run(statement, world)
      var going: [World] = []
      for world in worlds where !world.breaking {
        if world.returned != nil {
          try layDownReturn(world, at: location)
        } else {
          going.append(world)
        }
      }
      guard going.count <= 1 else {
        throw AtomicsUnknown(location: location, reason: "a branch whose arm forks")
      }
      return going.first
    } catch {
      guard !error.unavailable, var marks = before.compiling?.unreached else { throw error }
      self = before
      marks.append("\(error.location): \(error.reason)")
      let exit = compiling?.exitLabel ?? ""
      compiling?.unreached = marks
      compiling?.lines += ["li \(RegisterNames.name(Self.flagRegister)),\(marks.count)", "j \(exit)"]
      return nil
    }
  }
}

/// The marks of one litmus thread, numbered across every call compiled into it, and the label
/// its marked arms jump to.
final class ThreadMarks {
  let exitLabel: String
  /// Why each mark's arm was not compiled, by the mark's number less one.
  var reasons: [String] = []

  init(exitLabel: String) { self.exitLabel = exitLabel }
}
