/// The verdict on a litmus test under a memory model.
public struct LitmusResult: Sendable {
  public enum Verdict: String, Sendable {
    case never = "Never"
    case sometimes = "Sometimes"
    case always = "Always"
  }

  public let verdict: Verdict
  /// Allowed executions (distinct events, rf and co) whose final state satisfies the condition,
  /// and those whose final state does not: herd's "Positive" and "Negative" witnesses.
  public let positive: Int
  public let negative: Int
  /// The distinct allowed final states, as `location=value` texts.
  public let states: [[String]]
  /// For a satisfiable condition: one execution's rf and co edges that reach it.
  public let witness: [String]
  /// The unrolling bound, when some hart has a backward branch.
  public var loopBound: Int? = nil
  /// Whether the memory model allows executions that need more loop iterations than the bound;
  /// like herd's, the verdict and counts cover those within it.
  public var beyondBound = false
  /// Why the enumeration stopped before the last execution (the budget, the execution limit, the
  /// solver giving up); nil when every execution was seen.
  public var incomplete: String? = nil

  /// Whether the verdict stands: every execution was seen, or both outcomes were, and more
  /// executions cannot turn Sometimes into anything else. Zero executions decide nothing.
  public var decided: Bool { positive + negative > 0 && (incomplete == nil || verdict == .sometimes) }
}

/// Decides which final states of a litmus test a memory model allows: RVWMO's axioms (coherence,
/// the main model axiom over the 13 preserved-program-order rules, atomicity), or sequential
/// consistency, over candidate executions the solver chooses.
public struct LitmusChecker {
  public var model = MemoryModelKind.rvwmo
  public var failedCAS = FailedCASWrite.noWrite
  /// Preserved-program-order rules (1–13) left out, to weaken the model deliberately.
  public var droppedRules: Set<Int> = []
  /// Stop enumerating after this many executions: the verdict is then undecided unless it is
  /// already Sometimes.
  public var executionLimit = 4096
  /// Wall-clock time for one test; past it the enumeration stops the same way.
  public var budget: Duration? = nil
  /// How many times backward branches are unrolled (herd's `-unroll`).
  public var loopBound = LoopUnroller.defaultBound

  public init(model: MemoryModelKind = .rvwmo) { self.model = model }

  /// The suite's largest tests have about twenty accesses.
  public static let maxAccesses = 96

  public func check(_ test: LitmusTest) throws -> LitmusResult {
    let started = ContinuousClock.now
    let z3 = Z3Context()
    let execution = try LitmusExecution(z3: z3, test: test, failedCAS: failedCAS, loopBound: loopBound)
    let events = execution.events
    let count = events.count
    // The relations are built over every pair (and some triples) of events: a test far larger than
    // any of the suite's is not decided rather than left to run for hours.
    let accesses = events.filter { $0.thread >= 0 && $0.isMemory }.count
    if accesses > Self.maxAccesses {
      return LitmusResult(
        verdict: .never, positive: 0, negative: 0, states: [], witness: [],
        incomplete: "\(accesses) memory accesses; the model decides tests of up to \(Self.maxAccesses)")
    }
    let solver = Solver(context: z3, timeoutMilliseconds: 60_000)
    for constraint in execution.constraints { solver.assert(constraint) }

    func isRead(_ i: Int) -> Bool { events[i].reads }
    func isWrite(_ i: Int) -> Bool { events[i].isWrite }
    func isMemory(_ i: Int) -> Bool { events[i].isMemory }
    func both(_ i: Int, _ j: Int) -> Formula { events[i].executed && events[j].executed }
    func programOrder(_ i: Int, _ j: Int) -> Bool {
      events[i].thread >= 0 && events[i].thread == events[j].thread && events[i].order < events[j].order
    }
    func external(_ i: Int, _ j: Int) -> Bool { events[i].thread != events[j].thread }
    let falseFormula = z3.falseFormula
    func sameAddress(_ i: Int, _ j: Int) -> Formula {
      isMemory(i) && isMemory(j) ? events[i].address == events[j].address : falseFormula
    }

    // rf: each executed read reads exactly one executed write to its address, and its value.
    var rf = [[Formula]](repeating: [Formula](repeating: falseFormula, count: count), count: count)
    for r in 0..<count where isRead(r) {
      var sources: [Formula] = []
      for w in 0..<count where isWrite(w) && w != r {
        let chosen = z3.boolVariable("rf.\(w).\(r)")
        solver.assert(
          chosen.implies(
            events[w].writeExecuted && events[r].executed && sameAddress(w, r) && events[r].value == events[w].written))
        rf[w][r] = chosen
        sources.append(chosen)
      }
      solver.assert(events[r].executed.implies(z3.any(sources)))
      for a in 0..<sources.count {
        for b in (a + 1)..<sources.count { solver.assert(!(sources[a] && sources[b])) }
      }
    }
    // co: a timestamp per write; initial writes come first.
    var stamp: [Int: BitVec] = [:]
    for w in 0..<count where isWrite(w) {
      if events[w].thread < 0 {
        stamp[w] = z3.bv(0, width: 8)
      } else {
        let variable = z3.bvVariable("co.\(w)", width: 8)
        solver.assert(z3.bv(0, width: 8).ult(variable))
        stamp[w] = variable
      }
    }
    var co = [[Formula]](repeating: [Formula](repeating: falseFormula, count: count), count: count)
    for a in 0..<count where isWrite(a) {
      for b in 0..<count where isWrite(b) && a != b {
        let bothWrite = events[a].writeExecuted && events[b].writeExecuted
        co[a][b] = bothWrite && sameAddress(a, b) && stamp[a]!.ult(stamp[b]!)
        if a < b { solver.assert((bothWrite && sameAddress(a, b)).implies(!(stamp[a]! == stamp[b]!))) }
      }
    }
    var fr = [[Formula]](repeating: [Formula](repeating: falseFormula, count: count), count: count)
    for r in 0..<count where isRead(r) {
      // An update never reads from before itself in the sense of fr: it is its own write.
      for w in 0..<count where isWrite(w) && w != r {
        fr[r][w] = z3.any((0..<count).filter { isWrite($0) && $0 != w }.map { rf[$0][r] && co[$0][w] })
      }
    }
    var rmw = [[Formula]](repeating: [Formula](repeating: falseFormula, count: count), count: count)
    // An AMO's update event pairs with itself: it takes part in atomicity, not as an edge.
    for pair in execution.rmw where pair.read != pair.write { rmw[pair.read][pair.write] = pair.when }

    var po = [[Formula]](repeating: [Formula](repeating: falseFormula, count: count), count: count)
    var poLocation = po
    for i in 0..<count {
      for j in 0..<count where programOrder(i, j) {
        po[i][j] = both(i, j)
        if isMemory(i) && isMemory(j) { poLocation[i][j] = both(i, j) && sameAddress(i, j) }
      }
    }

    // Allowed executions.
    switch model {
    case .sc:
      var order = po
      for i in 0..<count {
        // An atomic instruction's read comes right before its write.
        for j in 0..<count { order[i][j] = order[i][j] || rmw[i][j] || rf[i][j] || co[i][j] || fr[i][j] }
      }
      acyclic(order, "sc", solver, z3)
    case .rvwmo:
      var coherence = poLocation
      var main = ppo(events, po, poLocation, rf, rmw, z3)
      for i in 0..<count {
        for j in 0..<count {
          coherence[i][j] = coherence[i][j] || rf[i][j] || co[i][j] || fr[i][j]
          main[i][j] = main[i][j] || co[i][j] || fr[i][j] || (external(i, j) ? rf[i][j] : falseFormula)
        }
      }
      acyclic(coherence, "coherence", solver, z3)
      acyclic(main, "model", solver, z3)
    }
    // Atomicity: nothing from another hart comes between an atomic read and its write in co.
    for pair in execution.rmw {
      for other in 0..<count where isWrite(other) && external(pair.read, other) && external(other, pair.write) {
        solver.assert(pair.when.implies(!(fr[pair.read][other] && co[other][pair.write])))
      }
    }

    // Final values: registers at the end of each hart, memory from the co-last write.
    var finalMemory: [String: BitVec] = [:]
    for (name, address) in execution.addresses {
      let value = z3.bvVariable("final.\(name)", width: LitmusExecution.width)
      for w in 0..<count where isWrite(w) {
        let last = z3.all((0..<count).filter { isWrite($0) && $0 != w }.map { !co[w][$0] })
        solver.assert(
          (events[w].writeExecuted && events[w].address == z3.bv(address, width: LitmusExecution.width) && last)
            .implies(value == events[w].written))
      }
      finalMemory[name] = value
    }
    func term(_ location: LitmusTest.Location) -> BitVec {
      switch location {
      case .register(let thread, let number):
        execution.finalRegisters[thread]?[number] ?? z3.bv(0, width: LitmusExecution.width)
      case .memory(let name): finalMemory[name] ?? z3.bv(0, width: LitmusExecution.width)
      }
    }
    func formula(_ expression: LitmusTest.Expression) -> Formula {
      switch expression {
      case .constant(let value): z3.formula(value)
      case .equals(let location, let value): term(location) == execution.constant(value)
      case .not(let inner): !formula(inner)
      case .and(let left, let right): formula(left) && formula(right)
      case .or(let left, let right): formula(left) || formula(right)
      }
    }
    let condition = formula(test.condition.expression)
    if let filter = test.filter { solver.assert(formula(filter)) }
    // Executions that would loop past the bound: does the model allow any? Then they are left out.
    var beyondBound = false
    if !execution.beyondBound.isEmpty {
      solver.push()
      solver.assert(z3.any(execution.beyondBound))
      if case .sat = try solver.check() { beyondBound = true }
      solver.pop()
      solver.assert(!z3.any(execution.beyondBound))
    }

    // An execution is its events (which SCs succeed, which paths run), rf and co.
    var projection: [Formula] = events.map(\.executed) + events.compactMap(\.writes)
    for a in 0..<count {
      for b in 0..<count where isWrite(a) && (isRead(b) || isWrite(b)) && a != b {
        projection.append(rf[a][b])
        projection.append(co[a][b])
      }
    }
    var positive = 0
    var negative = 0
    var states: [[String]] = []
    var witness: [String] = []
    var incomplete: String?
    while true {
      if positive + negative >= executionLimit {
        incomplete = "stopped after \(executionLimit) executions"
        break
      }
      if let budget, ContinuousClock.now - started >= budget {
        incomplete = "the budget of \(budget) ran out after \(positive + negative) executions"
        break
      }
      if let budget {
        let left = budget - (ContinuousClock.now - started)
        let milliseconds = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
        solver.setTimeout(milliseconds: UInt32(clamping: max(1, milliseconds)))
      }
      let answer = try solver.check()
      if case .unknown(let reason) = answer {
        incomplete = "the solver gave up after \(positive + negative) executions (\(reason))"
        break
      }
      guard case .sat(let found) = answer else { break }
      let holds = found.value(condition) ?? false
      if holds { positive += 1 } else { negative += 1 }
      if holds && witness.isEmpty { witness = edges(found, events, rf, co) }
      let state = test.finalState { Int64(bitPattern: found.value64(term($0)) ?? 0) }
      if !states.contains(state) { states.append(state) }
      let chosen = projection.map { found.value($0) ?? false }
      solver.assert(z3.any(zip(projection, chosen).map { $0.1 ? !$0.0 : $0.0 }))
    }
    let verdict: LitmusResult.Verdict = positive == 0 ? .never : negative == 0 ? .always : .sometimes
    return LitmusResult(
      verdict: verdict, positive: positive, negative: negative, states: states, witness: witness,
      loopBound: execution.hasLoops ? loopBound : nil, beyondBound: beyondBound, incomplete: incomplete)
  }

  /// Preserved program order: the 13 rules of the manual's RVWMO chapter.
  private func ppo(
    _ events: [MemoryEvent], _ po: [[Formula]], _ poLocation: [[Formula]], _ rf: [[Formula]], _ rmw: [[Formula]],
    _ z3: Z3Context
  ) -> [[Formula]] {
    let count = events.count
    let falseFormula = z3.falseFormula
    var result = [[Formula]](repeating: [Formula](repeating: falseFormula, count: count), count: count)
    func read(_ i: Int) -> Bool { events[i].reads }
    func write(_ i: Int) -> Bool { events[i].isWrite }
    /// When a write (or an update) writes: always for a write, on success for some amocas.
    func writing(_ i: Int) -> Formula { events[i].writes ?? z3.trueFormula }
    func memory(_ i: Int) -> Bool { events[i].isMemory }
    func releases(_ i: Int) -> Formula {
      events[i].release ? z3.trueFormula : events[i].releaseWhen ?? falseFormula
    }
    func rcsc(_ i: Int) -> Formula {
      events[i].atomic ? z3.formula(events[i].acquire) || releases(i) : falseFormula
    }
    func internalRF(_ w: Int, _ r: Int) -> Formula {
      events[w].thread == events[r].thread ? rf[w][r] : falseFormula
    }
    func executed(_ i: Int, _ j: Int) -> Formula { events[i].executed && events[j].executed }
    // Dependencies start at reads, or at a successful SC's write (through its result register).
    func address(_ i: Int, _ j: Int) -> Formula {
      memory(i) && memory(j) && events[j].addressDependencies.contains(i) ? executed(i, j) : falseFormula
    }
    func data(_ i: Int, _ j: Int) -> Formula {
      memory(i) && write(j) && events[j].dataDependencies.contains(i) ? executed(i, j) && writing(j) : falseFormula
    }
    for i in 0..<count {
      for j in 0..<count where i != j {
        var rules: [(Int, Formula)] = []
        if memory(i) && write(j) { rules.append((1, poLocation[i][j] && writing(j))) }
        if read(i) && read(j) {
          let writeBetween = z3.any(
            (0..<count).filter(write).map { poLocation[i][$0] && writing($0) && poLocation[$0][j] })
          let sameSource = z3.any((0..<count).filter(write).map { rf[$0][i] && rf[$0][j] })
          rules.append((2, poLocation[i][j] && !writeBetween && !sameSource))
        }
        if (events[i].amo || events[i].exclusive) && write(i) && read(j) { rules.append((3, internalRF(i, j))) }
        if memory(i) && memory(j) {
          // An update takes part as a read always and as a write when it writes.
          func asRead(_ k: Int) -> Formula { z3.formula(read(k)) }
          func asWrite(_ k: Int) -> Formula { write(k) ? writing(k) : falseFormula }
          let fences = (0..<count).filter { events[$0].fence != nil }.map { f -> Formula in
            guard let fence = events[f].fence else { return falseFormula }
            let orders: Formula
            if fence.tso {
              // fence.tso: [W];f;[W] | [R];f;[M].
              orders = (asWrite(i) && asWrite(j)) || asRead(i)
            } else {
              let before =
                (fence.predecessor.contains("r") ? asRead(i) : falseFormula)
                || (fence.predecessor.contains("w") ? asWrite(i) : falseFormula)
              let after =
                (fence.successor.contains("r") ? asRead(j) : falseFormula)
                || (fence.successor.contains("w") ? asWrite(j) : falseFormula)
              orders = before && after
            }
            return orders && po[i][f] && po[f][j]
          }
          rules.append((4, z3.any(fences)))
        }
        if events[i].acquire && memory(j) { rules.append((5, po[i][j])) }
        if memory(i) && memory(j) { rules.append((6, po[i][j] && releases(j))) }
        rules.append((7, po[i][j] && rcsc(i) && rcsc(j)))
        rules.append((8, rmw[i][j]))
        rules.append((9, address(i, j)))
        rules.append((10, data(i, j)))
        if memory(i) && write(j) && events[j].controlDependencies.contains(i) {
          rules.append((11, executed(i, j) && writing(j)))
        }
        // Rules 12 and 13 start at any memory operation (a successful SC's write has dependents).
        if memory(i) && read(j) {
          let forwarded = (0..<count).filter(write).map { w in (address(i, w) || data(i, w)) && internalRF(w, j) }
          rules.append((12, z3.any(forwarded)))
        }
        if memory(i) && write(j) {
          let through = (0..<count).filter(memory).map { m in address(i, m) && po[m][j] && writing(j) }
          rules.append((13, z3.any(through)))
        }
        result[i][j] = z3.any(rules.filter { !droppedRules.contains($0.0) }.map(\.1))
      }
    }
    return result
  }

  /// A rank per event that every present edge increases: the relation has no cycle.
  private func acyclic(_ relation: [[Formula]], _ name: String, _ solver: Solver, _ z3: Z3Context) {
    let ranks = (0..<relation.count).map { z3.bvVariable("rank.\(name).\($0)", width: 8) }
    for i in 0..<relation.count {
      for j in 0..<relation.count where i != j {
        solver.assert(relation[i][j].implies(ranks[i].ult(ranks[j])))
      }
      solver.assert(!relation[i][i])
    }
  }

  private func edges(_ model: Model, _ events: [MemoryEvent], _ rf: [[Formula]], _ co: [[Formula]]) -> [String] {
    func name(_ i: Int) -> String {
      events[i].thread < 0
        ? "init\(i)"
        : "P\(events[i].thread).\(events[i].order)\(events[i].kind == .read ? "R" : events[i].kind == .update ? "RW" : "W")"
    }
    var lines: [String] = []
    for w in 0..<events.count {
      for r in 0..<events.count where model.value(rf[w][r]) == true { lines.append("rf \(name(w)) -> \(name(r))") }
    }
    for a in 0..<events.count {
      for b in 0..<events.count where model.value(co[a][b]) == true && events[a].thread >= 0 {
        lines.append("co \(name(a)) -> \(name(b))")
      }
    }
    return lines
  }
}
