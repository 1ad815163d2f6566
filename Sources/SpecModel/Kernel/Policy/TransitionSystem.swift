/// The ONE_REG policy as a transition system over Z3: guest bits indexed by host extension (as the
/// kernel stores them), the "ran" flag, and free booleans for host extensions and host predicates.
/// One step is SET SINGLE (any id, 0 or 1), a write of the CONFIG `isa` register, or KVM_RUN.
/// MULTI_EN/MULTI_DIS are sequences of SINGLE calls whose results are ignored, so their reachable
/// states are those of SINGLE sequences.
struct TransitionSystem {
  let prover: PolicyProver
  let z3: Z3Context
  /// What one SINGLE call does, as read from the kernel's setter, and as a decision diagram.
  let setter: SetterModel
  let decision: SetterDecision?
  /// Every host bit an id reaches.
  let hosts: [String]
  /// Ids with the host bit they reach (holes reach `a`; ids past the table reach nothing).
  let reachable: [(id: EnumEntry, host: String)]
  /// The ids reaching each host bit.
  let idsByHost: [String: [EnumEntry]]
  let hostPresent: [String: Formula]
  let predicates: [String: Formula]
  /// One step from a free state, built once and shared by every induction query.
  private var inductionStep: (before: State, after: State, wellFormed: Formula)
  /// The solver for the per-host queries, each in its own push/pop scope.
  private let queries: QuerySolver

  /// A solver replaced every few hundred queries: Z3 keeps what it learned across scopes, and a
  /// long-lived solver slows down with it, which would make the whole run grow faster than linearly.
  final class QuerySolver {
    let z3: Z3Context
    private var current: Solver?
    private var used = 0

    init(_ z3: Z3Context) { self.z3 = z3 }

    func solver() -> Solver {
      used += 1
      if current == nil || used % 256 == 0 { current = Solver(context: z3, logic: "QF_BV") }
      return current!
    }
  }

  struct State {
    var guest: [String: Formula]
    var ran: Formula
  }

  struct Step {
    let kind: BitVec
    let selector: BitVec
    let value: Formula
    let requests: [String: Formula]
    /// The setter's free conditions for this call.
    let choices: [Formula]
  }

  init(prover: PolicyProver, setter: SetterModel, z3: Z3Context) {
    self.prover = prover
    self.setter = setter
    self.decision = SetterDecision(setter)
    self.z3 = z3
    var reachable: [(EnumEntry, String)] = []
    for id in prover.policy.ids {
      if let host = prover.host(of: id) { reachable.append((id, host)) }
    }
    self.reachable = reachable
    idsByHost = Dictionary(grouping: reachable, by: \.1).mapValues { $0.map(\.0) }
    hosts = Array(Set(reachable.map(\.1))).sorted()
    var present: [String: Formula] = [:]
    for host in Set(hosts).union(prover.policy.hostCheckRemap.values) {
      present[host] = z3.boolVariable("host.\(host)")
    }
    hostPresent = present
    var predicates: [String: Formula] = [:]
    for answer in Array(prover.policy.enable.answers.values) + Array(prover.policy.disable.answers.values)
      + [prover.policy.enable.fallback, prover.policy.disable.fallback]
    {
      if case .predicate(let text, _) = answer { predicates[text] = z3.boolVariable("predicate.\(text)") }
    }
    self.predicates = predicates
    // Built after every stored property above is set, since `next` reads them.
    queries = QuerySolver(z3)
    inductionStep = (State(guest: [:], ran: z3.falseFormula), State(guest: [:], ran: z3.falseFormula), z3.trueFormula)
    let before = freeState("s")
    let (after, wellFormed) = next(before, freeStep("t"))
    inductionStep = (before, after, wellFormed)
  }

  /// Decides `formulas` together in a scope of the shared query solver. A host bit's next value
  /// depends only on that bit, the step and the host, so each query is small; popping the scope
  /// keeps the work per query independent of how many came before.
  func satisfiable(_ formulas: [Formula], _ what: String) throws -> Bool {
    // Most per-host queries fold to a constant under Z3's rewriter; only the rest need a search.
    let folded = z3.all(formulas).simplified
    if folded.isTrue { return true }
    if folded.isFalse { return false }
    let querySolver = queries.solver()
    querySolver.push()
    defer { querySolver.pop() }
    for formula in formulas { querySolver.assert(formula) }
    switch try querySolver.check() {
    case .sat: return true
    case .unsat: return false
    case .unknown(let reason): throw LemmaError(message: "\(what): solver gave up (\(reason))")
    }
  }

  func formula(_ answer: PolicyAnswer) -> Formula {
    switch answer {
    case .always: return z3.trueFormula
    case .never: return z3.falseFormula
    case .predicate(let text, let negated):
      let variable = predicates[text] ?? z3.boolVariable("predicate.\(text)")
      return negated ? !variable : variable
    }
  }

  func enable(_ id: EnumEntry) -> Formula { formula(prover.policy.enable.answer(id.name)) }
  func disable(_ id: EnumEntry) -> Formula { formula(prover.policy.disable.answer(id.name)) }

  func present(_ host: String) -> Formula { hostPresent[host] ?? z3.falseFormula }

  /// Whether the kernel offers `id` on this host: its host extension (or the one its check is
  /// remapped to) is present, and, when KVM runs nested, its entry is marked nested.
  func offered(_ id: EnumEntry, host: String) -> Formula {
    let checked = present(prover.policy.hostCheckRemap[host] ?? host)
    guard prover.policy.nestedFilter else { return checked }
    let nested =
      predicates[KernelPolicy.nestedPredicate] ?? z3.boolVariable("predicate.\(KernelPolicy.nestedPredicate)")
    let marked = prover.tableByID[id.name]?.nested ?? false
    return checked && (!nested || z3.formula(marked))
  }

  /// vCPU creation: a bit is set when the host has it and some id reaching it may be enabled.
  func initial() -> State {
    var guest: [String: Formula] = [:]
    for host in hosts {
      guest[host] = z3.any((idsByHost[host] ?? []).map { offered($0, host: host) && enable($0) })
    }
    return State(guest: guest, ran: z3.falseFormula)
  }

  func freeState(_ prefix: String) -> State {
    var guest: [String: Formula] = [:]
    for host in hosts { guest[host] = z3.boolVariable("\(prefix).guest.\(host)") }
    return State(guest: guest, ran: z3.boolVariable("\(prefix).ran"))
  }

  func freeStep(_ prefix: String) -> Step {
    var requests: [String: Formula] = [:]
    for host in hosts where host.count == 1 { requests[host] = z3.boolVariable("\(prefix).isa.\(host)") }
    return Step(
      kind: z3.bvVariable("\(prefix).kind", width: 2), selector: z3.bvVariable("\(prefix).id", width: 16),
      value: z3.boolVariable("\(prefix).value"), requests: requests,
      choices: (0..<setter.choices).map { z3.boolVariable("\(prefix).choice.\($0)") })
  }

  /// What the setter's per-id tests answer for the id a step names, among the ids reaching one bit.
  struct Named {
    let enable: Formula
    let disable: Formula
    let offered: Formula
  }

  /// The per-id answers for whichever of `ids` the step names: one formula per answer, so that the
  /// setter's body is stated once per bit however many ids reach it (holes can make hundreds).
  func named(_ ids: [EnumEntry], host: String, step: Step) -> Named {
    func selected(_ answer: (EnumEntry) -> Formula) -> Formula {
      z3.any(ids.map { step.selector == z3.bv(UInt64($0.value), width: 16) && answer($0) })
    }
    return Named(
      enable: selected(enable), disable: selected(disable), offered: selected { offered($0, host: host) })
  }

  /// The guest bit after the setter runs for the named id with the bit at `current`.
  func single(_ id: Named, host: String, state: State, step: Step, current: Formula) -> Formula {
    if let decision {
      let facts: [Formula] =
        [current, step.value, state.ran, present(host), !id.offered, id.enable, id.disable] + step.choices
      func formula(_ node: SetterDecision.Node) -> Formula {
        switch node {
        case .leaf(let value): return z3.formula(value)
        case .test(let variable, let low, let high): return facts[variable].ite(formula(high), formula(low))
        }
      }
      return formula(decision.root)
    }
    // Too many free conditions to tabulate: the body itself, stated as terms.
    let facts = SetterModel.Facts(
      hostHas: present(host), hostCheckFails: !id.offered, valueIsOne: step.value, ran: state.ran,
      enableAllowed: id.enable, disableAllowed: id.disable, choices: step.choices)
    return setter.finalBit(facts, bit: current)
  }

  /// The state after `step`, and the constraint that the step is well formed.
  func next(_ state: State, _ step: Step) -> (State, Formula) {
    let single = step.kind == z3.bv(0, width: 2)
    let config = step.kind == z3.bv(1, width: 2)
    let run = step.kind == z3.bv(2, width: 2)
    var guest: [String: Formula] = [:]
    for host in hosts {
      let current = state.guest[host] ?? z3.falseFormula
      // SINGLE: the setter's body for the id named, when that id reaches this bit.
      let ids = idsByHost[host] ?? []
      let selected = single && z3.any(ids.map { step.selector == z3.bv(UInt64($0.value), width: 16) })
      let named = self.named(ids, host: host, step: step)
      var value = selected.ite(self.single(named, host: host, state: state, step: step, current: current), current)
      // CONFIG isa: single-letter bits only, each under the same host and enable/disable rules.
      if host.count == 1, let request = step.requests[host], let letter = prover.enumByName[host.uppercased()] {
        let allowed = request.ite(enable(letter), disable(letter))
        // The CONFIG setter is not read: it is taken to have the same -EBUSY guard.
        let configChange = config && !state.ran && offered(letter, host: host) && allowed && !current.iff(request)
        value = configChange.ite(request, value)
      }
      guest[host] = value
    }
    let wellFormed = step.kind.ule(z3.bv(2, width: 2))
    return (State(guest: guest, ran: state.ran || run), wellFormed)
  }

  /// Induction step: from any state with `host` set, no single step clears it.
  func stepPreserves(host: String) throws -> Bool {
    let (state, after, wellFormed) = inductionStep
    return try !satisfiable(
      [wellFormed, state.guest[host] ?? z3.falseFormula, !(after.guest[host] ?? z3.falseFormula)], "induction step")
  }

  /// Bounded model checking from vCPU creation: the shortest sequence of calls that clears `host`
  /// after it started set.
  func clearingTrace(host: String, depth: Int) throws -> [PolicyOperation]? {
    for length in 1...max(depth, 1) {
      var state = initial()
      let start = state
      var steps: [Step] = []
      let solver = Solver(context: z3)
      for index in 0..<length {
        let step = freeStep("b\(index)")
        let (after, wellFormed) = next(state, step)
        solver.assert(wellFormed)
        steps.append(step)
        state = after
      }
      solver.assert(start.guest[host] ?? z3.falseFormula)
      solver.assert(!(state.guest[host] ?? z3.falseFormula))
      switch try solver.check() {
      case .sat(let model): return steps.map { decode($0, model) }
      case .unsat: continue
      case .unknown(let reason): throw LemmaError(message: "bounded check: solver gave up (\(reason))")
      }
    }
    return nil
  }

  func decode(_ step: Step, _ model: Model) -> PolicyOperation {
    switch model.value64(step.kind) {
    case 0:
      let number = Int(model.value64(step.selector) ?? 0)
      let name = reachable.first { $0.id.value == number }?.id.name ?? "id \(number)"
      return .setSingle(id: name, number: number, value: model.value(step.value) ?? false)
    case 1: return .setConfigISA
    default: return .run
    }
  }

  /// Host bits that some reachable state sets while the host lacks that very extension: vCPU
  /// creation, and every step from a state where no absent extension is set (induction).
  func enabledWithoutHost() throws -> [String] {
    let start = initial()
    let (state, after, wellFormed) = inductionStep
    var found: [String] = []
    for host in hosts {
      // The invariant "no absent extension is set" restricted to this host: the other hosts' bits
      // do not occur in this host's next value, so their parts of the invariant cannot matter.
      let invariant = (!present(host)).implies(!(state.guest[host] ?? z3.falseFormula))
      let atCreation = !present(host) && (start.guest[host] ?? z3.falseFormula)
      let afterStep = invariant && !present(host) && (after.guest[host] ?? z3.falseFormula)
      if try satisfiable([atCreation], "enable without host")
        || satisfiable([wellFormed, afterStep], "enable without host")
      {
        found.append(host)
      }
    }
    return found
  }

  /// A call that changes a guest bit after KVM_RUN, from vCPU creation: KVM_RUN, then that call.
  func changeAfterRun() throws -> [PolicyOperation]? {
    let start = initial()
    let run = freeStep("r0")
    let (afterRun, runFormed) = next(start, run)
    let change = freeStep("r1")
    let (afterChange, changeFormed) = next(afterRun, change)
    let solver = Solver(context: z3)
    solver.assert(runFormed && changeFormed && run.kind == z3.bv(2, width: 2))
    solver.assert(
      z3.any(hosts.map { !(afterRun.guest[$0] ?? z3.falseFormula).iff(afterChange.guest[$0] ?? z3.falseFormula) }))
    switch try solver.check() {
    case .sat(let model): return [decode(run, model), decode(change, model)]
    case .unsat: return nil
    case .unknown(let reason): throw LemmaError(message: "after-run check: solver gave up (\(reason))")
    }
  }
}
