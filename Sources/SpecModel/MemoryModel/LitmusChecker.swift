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
  /// One execution drawn: the first that satisfies the condition, else the first allowed one.
  public var graph: ExecutionGraph? = nil
  /// The unrolling bound, when some hart has a backward branch.
  public var loopBound: Int? = nil
  /// Whether the memory model allows executions that need more loop iterations than the bound;
  /// like herd's, the verdict and counts cover those within it.
  public var beyondBound = false
  /// Why the enumeration stopped before the last execution (the budget, the execution limit, the
  /// solver giving up); nil when every execution was seen.
  public var incomplete: String? = nil

  /// herd's flags that some allowed execution raises (the LKMM's `data-race`, `mixed-accesses`,
  /// and its flags on read-side sections and locks), whatever the condition says.
  public var flags: [String] = []
  /// Why the flags could not be decided, when they could not.
  public var flagsUndecided: String? = nil

  /// Solver calls the enumeration made (flags and the loop bound aside): what
  /// `Enumeration.conditionFirst` saves.
  public var enumerationCalls = 0

  /// For C tests, as herd does: no allowed execution at all (every one filtered out, or every lock
  /// deadlocked) is the verdict Never with no witnesses.
  public var noExecutionIsNever = false

  /// Whether the verdict stands: every execution was seen, or both outcomes were, and more
  /// executions cannot turn Sometimes into anything else. Zero executions decide nothing for a
  /// RISC-V test.
  public var decided: Bool {
    (positive + negative > 0 || (noExecutionIsNever && !beyondBound))
      && (incomplete == nil || verdict == .sometimes || verdictSettled)
  }

  /// Whether the verdict was settled by asking the solver directly, after counting stopped short:
  /// the counts are then lower bounds, except a side shown empty (Never's positive, Always's
  /// negative), and `states` holds only the final states seen.
  public var verdictSettled = false
}

/// Decides which final states of a litmus test a memory model allows: RVWMO's axioms (coherence,
/// the main model axiom over the 13 preserved-program-order rules, atomicity) for RISC-V tests,
/// the Linux-kernel memory model's for C tests, or sequential consistency for either, over
/// candidate executions the solver chooses.
public struct LitmusChecker {
  public var model = MemoryModelKind.rvwmo
  public var failedCAS = FailedCASWrite.noWrite
  /// Preserved-program-order rules (1–13) left out, to weaken the model deliberately.
  public var droppedRules: Set<Int> = []
  /// LKMM axioms left out (`coherence`, `happens-before`, `propagation`, `rcu`,
  /// `plain-coherence`), likewise.
  public var droppedKernelAxioms: Set<String> = []
  /// Whether the granules of one mixed-size access share its place in the global order; false
  /// lets an access tear, to weaken the model deliberately.
  var granulesTogether = true
  /// Stop enumerating after this many executions: the verdict is then undecided unless it is
  /// already Sometimes.
  public var executionLimit = 4096
  /// Wall-clock time for one test; past it the enumeration stops the same way.
  public var budget: Duration? = nil
  /// What the enumeration counts: every allowed execution (herd's counts), or each distinct final
  /// state once. The states are all a comparison of two models' outcomes needs, and far fewer
  /// solver calls where many executions reach one state (a spin loop unrolled).
  ///
  /// `conditionFirst` asks only whether the condition can hold: the final states that satisfy
  /// it, each once, and then one execution that does not, if there is one (`positive` counts
  /// states, `negative` is 0 or 1). A condition nothing satisfies costs one query and one more
  /// to see that the test runs at all, rather than one per final state. The verdict is the same.
  public enum Enumeration: Sendable { case executions, finalStates, conditionFirst }
  public var enumeration = Enumeration.executions
  /// How many times backward branches are unrolled (herd's `-unroll`).
  public var loopBound = LoopUnroller.defaultBound

  public init(model: MemoryModelKind = .rvwmo) { self.model = model }

  /// The suite's largest tests have about twenty accesses.
  public static let maxAccesses = 96
  /// The kernel's largest litmus tests have about thirty events (fences and initial writes
  /// included).
  public static let maxKernelEvents = 48

  public func check(_ test: LitmusTest) throws -> LitmusResult {
    guard model != .lkmm else {
      throw LitmusModelError(line: 1, column: 1, message: "the LKMM judges C tests; a RISC-V test takes rvwmo or sc")
    }
    let started = ContinuousClock.now
    let z3 = Z3Context()
    let execution = try LitmusExecution(z3: z3, test: test, failedCAS: failedCAS, loopBound: loopBound)
    return try decide(execution, test, z3, started: started)
  }

  /// Decides a C test in the kernel's dialect under the LKMM (or sequential consistency).
  public func check(_ test: KernelLitmusTest) throws -> LitmusResult {
    guard model != .rvwmo else {
      throw LitmusModelError(line: 1, column: 1, message: "RVWMO judges RISC-V tests; a C test takes lkmm or sc")
    }
    let started = ContinuousClock.now
    let z3 = Z3Context()
    let execution = try KernelExecution(z3: z3, test: test)
    var result = try decide(execution, test.header, z3, started: started)
    // herd reports a test whose every candidate is filtered out (or deadlocks) as Never 0 0.
    result.noExecutionIsNever = true
    return result
  }

  /// The engine both kinds of test share: rf and co chosen by the solver, the model's axioms, the
  /// filter and the condition, and the enumeration of allowed executions.
  private func decide(
    _ execution: some CandidateExecutions, _ test: LitmusTest, _ z3: Z3Context, started: ContinuousClock.Instant
  ) throws -> LitmusResult {
    // Accesses of different sizes to one location are decided over their granules.
    let sized = MixedSizeAccesses(execution, z3: z3)
    let events = sized.events
    let count = events.count
    // The relations are built over every pair (and some triples) of events: a test far larger than
    // any of the suite's is not decided rather than left to run for hours.
    let accesses = events.filter { $0.thread >= 0 && $0.isMemory }.count
    if accesses > Self.maxAccesses {
      return LitmusResult(
        verdict: .never, positive: 0, negative: 0, states: [], witness: [],
        incomplete: "\(accesses) memory accesses; the model decides tests of up to \(Self.maxAccesses)")
    }
    // The LKMM's relations compose over every event, fences included, and its closures grow as
    // the cube of the count: past the bound the work before the first solver call outgrows any
    // budget.
    if model == .lkmm && count > Self.maxKernelEvents {
      return LitmusResult(
        verdict: .never, positive: 0, negative: 0, states: [], witness: [],
        incomplete: "\(count) events; the LKMM model decides tests of up to \(Self.maxKernelEvents)")
    }
    let solver = Solver(context: z3, simple: true, timeoutMilliseconds: 60_000)
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
    // co: a timestamp per write; initial writes come first. Stamps are integers, as ranks are
    // (`Rank`): the solver orders them by difference logic rather than bit by bit.
    // The granules of one write share its stamp: it is one memory operation.
    var stamp: [Int: Rank] = [:]
    var instructionStamp: [Int: Rank] = [:]
    let initialStamp = z3.rankVariable("co.initial")
    for w in 0..<count where isWrite(w) {
      if events[w].thread < 0 {
        stamp[w] = initialStamp
      } else if let whole = events[w].instruction, let shared = instructionStamp[whole] {
        stamp[w] = shared
      } else {
        let variable = z3.rankVariable("co.\(w)")
        solver.assert(initialStamp.precedes(variable))
        stamp[w] = variable
        if let whole = events[w].instruction { instructionStamp[whole] = variable }
      }
    }
    var co = [[Formula]](repeating: [Formula](repeating: falseFormula, count: count), count: count)
    for a in 0..<count where isWrite(a) {
      for b in 0..<count where isWrite(b) && a != b {
        let bothWrite = events[a].writeExecuted && events[b].writeExecuted
        co[a][b] = bothWrite && sameAddress(a, b) && stamp[a]!.precedes(stamp[b]!)
        if a < b {
          solver.assert(
            (bothWrite && sameAddress(a, b)).implies(stamp[a]!.precedes(stamp[b]!) || stamp[b]!.precedes(stamp[a]!)))
        }
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
    for pair in sized.rmw where pair.read != pair.write { rmw[pair.read][pair.write] = pair.when }

    var po = [[Formula]](repeating: [Formula](repeating: falseFormula, count: count), count: count)
    var poLocation = po
    for i in 0..<count {
      for j in 0..<count where programOrder(i, j) {
        po[i][j] = both(i, j)
        if isMemory(i) && isMemory(j) { poLocation[i][j] = both(i, j) && sameAddress(i, j) }
      }
    }

    // Allowed executions.
    var modelFlags: [(name: String, raised: Formula)] = []
    switch model {
    case .sc:
      var order = po
      for i in 0..<count {
        // An atomic instruction's read comes right before its write.
        for j in 0..<count { order[i][j] = order[i][j] || rmw[i][j] || rf[i][j] || co[i][j] || fr[i][j] }
      }
      acyclic(order, "sc", solver, z3, together: granulesTogether ? events.map(\.instruction) : [])
    case .lkmm:
      let build = budget.map { ModelBuildBudget(deadline: started + $0) }
      modelFlags = ModelBuildBudget.$current.withValue(build) {
        LinuxKernelModel(events: events, z3: z3, dropped: droppedKernelAxioms).assertAxioms(
          po: po, poLocation: poLocation, rf: rf, co: co, fr: fr, rmw: rmw, solver: solver)
      }
      if let build, build.ranOut, let budget {
        return LitmusResult(
          verdict: .never, positive: 0, negative: 0, states: [], witness: [],
          incomplete: "the budget of \(budget) ran out while the model's relations were built")
      }
    case .rvwmo:
      var coherence = poLocation
      var main = RVWMOModel(events: events, z3: z3, droppedRules: droppedRules).preservedProgramOrder(
        po: po, poLocation: poLocation, rf: rf, rmw: rmw)
      for i in 0..<count {
        for j in 0..<count {
          coherence[i][j] = coherence[i][j] || rf[i][j] || co[i][j] || fr[i][j]
          main[i][j] = main[i][j] || co[i][j] || fr[i][j] || (external(i, j) ? rf[i][j] : falseFormula)
        }
      }
      acyclic(coherence, "coherence", solver, z3)
      acyclic(main, "model", solver, z3, together: granulesTogether ? events.map(\.instruction) : [])
    }
    // Atomicity: nothing from another hart comes between an atomic read and its write in co.
    for pair in sized.rmw {
      for other in 0..<count where isWrite(other) && external(pair.read, other) && external(other, pair.write) {
        solver.assert(pair.when.implies(!(fr[pair.read][other] && co[other][pair.write])))
      }
    }

    // Final values: registers at the end of each hart, memory from the co-last write.
    var finalMemory: [String: BitVec] = [:]
    for (name, address) in execution.addresses {
      finalMemory[name] = sized.finalValue(at: address, z3: z3, solver: solver, name: name) { w in
        z3.all((0..<count).filter { isWrite($0) && $0 != w }.map { !co[w][$0] })
      }
    }
    func term(_ location: LitmusTest.Location) -> BitVec {
      switch location {
      case .register, .variable: execution.finalValue(location) ?? z3.bv(0, width: LitmusExecution.width)
      case .memory(let name): finalMemory[name] ?? z3.bv(0, width: LitmusExecution.width)
      }
    }
    func formula(_ expression: LitmusTest.Expression) -> Formula {
      switch expression {
      case .constant(let value): z3.formula(value)
      case .equals(let location, let value): term(location) == execution.constant(value)
      case .same(let left, let right): term(left) == term(right)
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

    // herd's flags are raised by any allowed execution, whatever the condition says.
    var flags: [String] = []
    var flagsUndecided: String?
    for flag in modelFlags where flag.raised.concrete != false {
      limitTime(solver, started)
      solver.push()
      solver.assert(flag.raised)
      switch try solver.check() {
      case .sat: flags.append(flag.name)
      case .unknown(let reason): flagsUndecided = "whether \(flag.name) is raised: the solver gave up (\(reason))"
      case .unsat: break
      }
      solver.pop()
    }

    // An execution is its events (which SCs succeed, which paths run), rf and co.
    var projection: [Formula] = events.map(\.executed) + events.compactMap(\.writes)
    for a in 0..<count {
      for b in 0..<count where isWrite(a) && (isRead(b) || isWrite(b)) && a != b {
        projection.append(rf[a][b])
        projection.append(co[a][b])
      }
    }
    /// The final state an execution the solver found ends in.
    func finalState(_ found: Model) -> [String] { test.finalState { Int64(bitPattern: found.value64(term($0)) ?? 0) } }
    // The reads whose values are not constants.
    let values = (0..<count).filter { isRead($0) && events[$0].value.concrete == nil }
    var positive = 0
    var negative = 0
    var states: [[String]] = []
    var witness: [String] = []
    var graph: ExecutionGraph?
    var incomplete: String?
    var calls = 0
    // Counting every execution can take far longer than the verdict: a quarter of the budget is
    // kept back so that the verdict can still be settled when the count stops short.
    let countingDeadline = budget.map { started + $0 * 3 / 4 }
    if enumeration == .conditionFirst {
      solver.push()
      solver.assert(condition)
    }
    while true {
      if positive + negative >= executionLimit {
        incomplete = "stopped after \(executionLimit) executions"
        break
      }
      if let budget, let countingDeadline, ContinuousClock.now >= countingDeadline {
        incomplete = "the budget of \(budget) ran out after \(positive + negative) executions"
        break
      }
      limitTime(solver, until: countingDeadline)
      let answer = try solver.check()
      calls += 1
      if case .unknown(let reason) = answer {
        // A call cut off by the deadline is the budget running out, not the solver failing (Z3's
        // timer can fire a little before this clock reaches the deadline).
        if let budget, countingDeadline != nil, ["canceled", "timeout"].contains(reason) {
          incomplete = "the budget of \(budget) ran out after \(positive + negative) executions"
        } else {
          incomplete = "the solver gave up after \(positive + negative) executions (\(reason))"
        }
        break
      }
      guard case .sat(let found) = answer else { break }
      let holds = found.value(condition) ?? false
      if holds { positive += 1 } else { negative += 1 }
      if holds && witness.isEmpty { witness = edges(found, events, rf, co) }
      if graph == nil || (holds && graph?.satisfiesCondition == false) {
        graph = self.graph(found, events, execution.addresses, po, rf, co, fr, satisfies: holds)
      }
      let state = finalState(found)
      if !states.contains(state) { states.append(state) }
      switch enumeration {
      case .executions:
        let chosen = projection.map { found.value($0) ?? false }
        var differs = zip(projection, chosen).map { $0.1 ? !$0.0 : $0.0 }
        // rf fixes what each read sees, except where values justify themselves through a cycle
        // that carries no dependency: herd counts each consistent choice of values as an
        // execution of its own, so a read's value is part of what makes an execution.
        for read in values where found.value(events[read].executed) == true {
          if let seen = found.value(events[read].value) {
            differs.append(!(events[read].value == z3.bv(wide: seen, width: events[read].value.width)))
          }
        }
        solver.assert(z3.any(differs))
      case .finalStates, .conditionFirst:
        let reached = test.finalStateLocations.map { location in
          term(location) == z3.bv(found.value64(term(location)) ?? 0, width: LitmusExecution.width)
        }
        solver.assert(!z3.all(reached))
      }
    }
    if enumeration == .conditionFirst {
      // The condition and the states found are set aside: one execution that misses the
      // condition, if any, tells Sometimes from Always (and that the test runs at all).
      solver.pop()
      if incomplete == nil {
        solver.assert(!condition)
        limitTime(solver, started)
        calls += 1
        switch try solver.check() {
        case .sat(let found):
          negative = 1
          if graph == nil { graph = self.graph(found, events, execution.addresses, po, rf, co, fr, satisfies: false) }
          states.append(finalState(found))
        case .unknown(let reason):
          incomplete = "the solver gave up on an execution that misses the condition (\(reason))"
        case .unsat: break
        }
      }
    }
    // Counting stopped short: ask for the sides not seen yet. The executions counted are blocked,
    // so each question is about the others, and one that is found is counted too.
    var verdictSettled = false
    let budgetLeft = budget.map { ContinuousClock.now - started < $0 } ?? true
    if incomplete != nil, budgetLeft, enumeration != .conditionFirst, positive == 0 || negative == 0 {
      verdictSettled = true
      for (side, seen) in [(condition, positive > 0), (!condition, negative > 0)] where !seen {
        solver.push()
        solver.assert(side)
        limitTime(solver, started)
        calls += 1
        switch try solver.check() {
        case .sat(let found):
          if found.value(condition) ?? false { positive += 1 } else { negative += 1 }
          let state = finalState(found)
          if !states.contains(state) { states.append(state) }
        case .unknown: verdictSettled = false
        case .unsat: break
        }
        solver.pop()
      }
    }
    let verdict: LitmusResult.Verdict = positive == 0 ? .never : negative == 0 ? .always : .sometimes
    var result = LitmusResult(
      verdict: verdict, positive: positive, negative: negative, states: states, witness: witness,
      loopBound: execution.hasLoops ? loopBound : nil, beyondBound: beyondBound, incomplete: incomplete)
    result.graph = graph
    result.verdictSettled = verdictSettled
    result.enumerationCalls = calls
    result.flags = flags
    result.flagsUndecided = flagsUndecided
    return result
  }

  /// Gives the solver's next call what is left of the budget.
  private func limitTime(_ solver: Solver, _ started: ContinuousClock.Instant) {
    limitTime(solver, until: budget.map { started + $0 })
  }

  /// Gives the solver's next call the time left until `deadline`, if there is one.
  private func limitTime(_ solver: Solver, until deadline: ContinuousClock.Instant?) {
    guard let deadline else { return }
    let left = deadline - ContinuousClock.now
    let milliseconds = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
    solver.setTimeout(milliseconds: UInt32(clamping: max(1, milliseconds)))
  }

  /// The chosen execution's executed events and its po (immediate), rf, co (immediate) and fr
  /// edges.
  private func graph(
    _ model: Model, _ events: [MemoryEvent], _ addresses: [String: UInt64], _ po: [[Formula]], _ rf: [[Formula]],
    _ co: [[Formula]], _ fr: [[Formula]], satisfies: Bool
  ) -> ExecutionGraph {
    let names = Dictionary(addresses.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
    let present = events.indices.filter { model.value(events[$0].executed) == true }
    // A granule past a location's first byte is named from the location (`x+2`).
    func located(_ address: UInt64) -> String {
      if let name = names[address] { return name }
      guard let base = names.keys.filter({ $0 < address && address - $0 < 8 }).max(), let name = names[base] else {
        return "\(address)"
      }
      return "\(name)+\(address - base)"
    }
    func holds(_ relation: [[Formula]], _ i: Int, _ j: Int) -> Bool { model.value(relation[i][j]) == true }
    let nodes = present.map { i -> ExecutionGraph.Node in
      let event = events[i]
      let address = model.value64(event.address) ?? 0
      let value = Int64(
        bitPattern: model.value64(event.isWrite && event.kind != .update ? event.written : event.value) ?? 0)
      return .init(
        id: i, thread: event.thread, label: event.graphLabel(location: located(address), value: value))
    }
    var edges: [ExecutionGraph.Edge] = []
    for i in present {
      for j in present where i != j {
        let between = present.contains { holds(po, i, $0) && holds(po, $0, j) }
        if holds(po, i, j) && !between { edges.append(.init(kind: "po", from: i, to: j)) }
        if holds(rf, i, j) { edges.append(.init(kind: "rf", from: i, to: j)) }
        let coBetween = present.contains { holds(co, i, $0) && holds(co, $0, j) }
        if holds(co, i, j) && !coBetween { edges.append(.init(kind: "co", from: i, to: j)) }
        if holds(fr, i, j) && !present.contains(where: { holds(fr, i, $0) && holds(co, $0, j) }) {
          edges.append(.init(kind: "fr", from: i, to: j))
        }
      }
    }
    return ExecutionGraph(nodes: nodes, edges: edges, satisfiesCondition: satisfies)
  }

  /// A rank per event that every present edge increases: the relation has no cycle. Events that
  /// `together` gives one instruction (granules of one access) share a rank: one place in the order.
  private func acyclic(
    _ relation: [[Formula]], _ name: String, _ solver: Solver, _ z3: Z3Context, together: [Int?] = []
  ) {
    let ranks = (0..<relation.count).map { i in
      z3.rankVariable("rank.\(name).\(i < together.count ? together[i] ?? i : i)")
    }
    for i in 0..<relation.count {
      for j in 0..<relation.count where i != j {
        solver.assert(relation[i][j].implies(ranks[i].precedes(ranks[j])))
      }
      solver.assert(!relation[i][i])
    }
  }

  private func edges(_ model: Model, _ events: [MemoryEvent], _ rf: [[Formula]], _ co: [[Formula]]) -> [String] {
    // An access split into granules is named once, as the instruction it is.
    func name(_ i: Int) -> String {
      events[i].thread < 0
        ? "init\(events[i].instruction ?? i)"
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
    var seen: Set<String> = []
    return lines.filter { seen.insert($0).inserted }
  }
}
