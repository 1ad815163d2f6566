/// The ONE_REG policy as a transition system over Z3: guest bits indexed by host extension (as the
/// kernel stores them), the "ran" flag, and free booleans for host extensions and host predicates.
/// One step is SET SINGLE (any id, 0 or 1), a write of the CONFIG `isa` register, or KVM_RUN.
/// MULTI_EN/MULTI_DIS are sequences of SINGLE calls whose results are ignored, so their reachable
/// states are those of SINGLE sequences.
struct TransitionSystem {
  let prover: PolicyProver
  let z3: Z3Context
  /// Every host bit an id reaches.
  let hosts: [String]
  /// Ids with the host bit they reach (holes reach `a`; ids past the table reach nothing).
  let reachable: [(id: EnumEntry, host: String)]
  let hostPresent: [String: Formula]
  let predicates: [String: Formula]
  /// One step from a free state, built once and shared by every induction query.
  private var inductionStep: (before: State, after: State, solver: Solver)

  struct State {
    var guest: [String: Formula]
    var ran: Formula
  }

  struct Step {
    let kind: BitVec
    let selector: BitVec
    let value: Formula
    let requests: [String: Formula]
  }

  init(prover: PolicyProver, z3: Z3Context) {
    self.prover = prover
    self.z3 = z3
    var reachable: [(EnumEntry, String)] = []
    for id in prover.policy.ids {
      if let host = prover.host(of: id) { reachable.append((id, host)) }
    }
    self.reachable = reachable
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
    let placeholder = Solver(context: z3)
    inductionStep = (State(guest: [:], ran: z3.falseFormula), State(guest: [:], ran: z3.falseFormula), placeholder)
    let before = freeState("s")
    let (after, wellFormed) = next(before, freeStep("t"))
    let solver = Solver(context: z3)
    solver.assert(wellFormed)
    inductionStep = (before, after, solver)
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
    let marked = prover.policy.table.first { $0.id == id.name }?.nested ?? false
    return checked && (!nested || z3.formula(marked))
  }

  /// vCPU creation: a bit is set when the host has it and some id reaching it may be enabled.
  func initial() -> State {
    var guest: [String: Formula] = [:]
    for host in hosts {
      guest[host] = z3.any(reachable.filter { $0.host == host }.map { offered($0.id, host: host) && enable($0.id) })
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
      value: z3.boolVariable("\(prefix).value"), requests: requests)
  }

  /// The -EBUSY check after the first KVM_RUN, where the kernel's setter has it.
  func notBusy(_ state: State) -> Formula {
    prover.policy.runGuard == false ? z3.trueFormula : !state.ran
  }

  /// The state after `step`, and the constraint that the step is well formed.
  func next(_ state: State, _ step: Step) -> (State, Formula) {
    let single = step.kind == z3.bv(0, width: 2)
    let config = step.kind == z3.bv(1, width: 2)
    let run = step.kind == z3.bv(2, width: 2)
    var guest: [String: Formula] = [:]
    for host in hosts {
      let current = state.guest[host] ?? z3.falseFormula
      // SINGLE: unknown id, absent host, unchanged value, ran, or a refused change leave the bit.
      let changes = reachable.filter { $0.host == host }.map { entry -> Formula in
        let allowed = step.value.ite(enable(entry.id), disable(entry.id))
        return step.selector == z3.bv(UInt64(entry.id.value), width: 16) && offered(entry.id, host: host)
          && !current.iff(step.value) && notBusy(state) && allowed
      }
      let singleChange = single && z3.any(changes)
      var value = singleChange.ite(step.value, current)
      // CONFIG isa: single-letter bits only, each under the same host and enable/disable rules.
      if host.count == 1, let request = step.requests[host], let letter = prover.enumByName[host.uppercased()] {
        let allowed = request.ite(enable(letter), disable(letter))
        let configChange = config && notBusy(state) && offered(letter, host: host) && allowed && !current.iff(request)
        value = configChange.ite(request, value)
      }
      guest[host] = value
    }
    let wellFormed = step.kind.ule(z3.bv(2, width: 2))
    return (State(guest: guest, ran: state.ran || run), wellFormed)
  }

  /// Induction step: from any state with `host` set, no single step clears it.
  func stepPreserves(host: String) throws -> Bool {
    let (state, after, solver) = inductionStep
    let assumptions = [state.guest[host] ?? z3.falseFormula, !(after.guest[host] ?? z3.falseFormula)]
    switch try solver.check(assuming: assumptions) {
    case .unsat: return true
    case .sat: return false
    case .unknown(let reason): throw LemmaError(message: "induction step: solver gave up (\(reason))")
    }
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
    let (state, after, solver) = inductionStep
    let invariant = z3.all(hosts.map { (!present($0)).implies(!(state.guest[$0] ?? z3.falseFormula)) })
    var found: [String] = []
    for host in hosts {
      let atCreation = !present(host) && (start.guest[host] ?? z3.falseFormula)
      let afterStep = invariant && !present(host) && (after.guest[host] ?? z3.falseFormula)
      if try solver.check(assuming: [atCreation]).isSat || solver.check(assuming: [afterStep]).isSat {
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
