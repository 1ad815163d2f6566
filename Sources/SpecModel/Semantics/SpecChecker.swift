/// Checks observed outcomes with both interpretations of the spec: the concrete one decides the
/// common case without a solver; the relation explains every violation (its unsat core names the
/// rules), decides what the concrete one cannot, and audits a sample of the rest.
public struct SpecChecker {
  public let configuration: MachineConfiguration
  public let executor: ConcreteExecutor

  public init(configuration: MachineConfiguration) {
    self.configuration = configuration
    self.executor = ConcreteExecutor(configuration: configuration)
  }

  /// How a verdict was reached.
  public enum Route: Sendable, Equatable {
    /// The concrete interpretation alone.
    case concrete
    /// The relation, because the concrete interpretation could not decide (`reason`).
    case solverFallback(reason: String)
    /// The concrete interpretation rejected the outcome; the relation named the rules.
    case explained
    /// Both interpretations, as an audit of the fast path.
    case crossChecked
    /// The concrete interpretation rejected the outcome the way earlier, explained programs were
    /// rejected (`signature`): the caller chose not to explain it again. The verdict is a
    /// violation whose rules are those programs'.
    case repeated(signature: String)
  }

  public struct Result: Sendable, Equatable {
    public let verdict: Verdict
    public let route: Route
    /// Set when the two interpretations disagree: an internal error of the checker, not a finding.
    public let disagreement: String?
  }

  /// Judges `observed`. `relation` gives a Z3 checker for audits and for what the concrete side
  /// cannot decide (a long-lived one may serve); `explain` gives the one that names a violation's
  /// rules, whose unsat core should not depend on earlier queries (a fresh context). With
  /// `crossCheck` an outcome the concrete interpretation allows is also put to the relation.
  /// `onlyOutcome` is a concrete run already made of `program` from `initial` (see `judge`).
  public func check(
    _ program: [Instruction], initial: ConcreteState, observed: ConcreteState, crossCheck: Bool = false,
    onlyOutcome: ConcreteExecutor.Run? = nil, relation: () -> ConformanceChecker, explain: () -> ConformanceChecker,
    explains: (_ signature: String) -> Bool = { _ in true }
  ) throws -> Result {
    switch executor.judge(program, initial: initial, observed: observed, onlyOutcome: onlyOutcome) {
    case .allowed:
      guard crossCheck else { return Result(verdict: .conforms, route: .concrete, disagreement: nil) }
      var verdict = try relation().check(program, initial: initial, observed: observed)
      if case .violation = verdict { verdict = try explain().check(program, initial: initial, observed: observed) }
      if case .violation(let rules, let parts) = verdict {
        // Both interpretations are the same semantics: one that allows what the other rejects is a bug.
        return Result(
          verdict: verdict, route: .crossChecked,
          disagreement:
            "the concrete interpretation allows the outcome, the relation rejects it (\(rules.joined(separator: ", ")); \(parts.joined(separator: ", ")))"
        )
      }
      return Result(verdict: verdict, route: .crossChecked, disagreement: nil)
    case .notAllowed(_, let differences):
      let signature = differences.joined(separator: "; ")
      guard explains(signature) else {
        return Result(
          verdict: .violation(rules: [], observed: differences), route: .repeated(signature: signature),
          disagreement: nil)
      }
      let verdict = try explain().check(program, initial: initial, observed: observed)
      if case .conforms = verdict {
        return Result(
          verdict: verdict, route: .explained,
          disagreement: "the relation allows the outcome, the concrete interpretation rejects it")
      }
      return Result(verdict: verdict, route: .explained, disagreement: nil)
    case .undecided(let reason):
      var verdict = try relation().check(program, initial: initial, observed: observed)
      if case .violation = verdict { verdict = try explain().check(program, initial: initial, observed: observed) }
      return Result(verdict: verdict, route: .solverFallback(reason: reason), disagreement: nil)
    }
  }
}

/// One Z3 context for a worker's solver queries, replaced after a number of uses so that a long
/// campaign's memory stays flat. Contexts are not thread-safe: one pool per worker.
public final class RelationPool {
  public let configuration: MachineConfiguration
  public var usesPerContext: Int
  private var context: Z3Context?
  private var uses = 0

  public init(configuration: MachineConfiguration, usesPerContext: Int = 256) {
    self.configuration = configuration
    self.usesPerContext = usesPerContext
  }

  /// A checker on the worker's context.
  public func shared() -> ConformanceChecker {
    uses += 1
    // Made on first use: most batches never need the solver.
    if uses > usesPerContext || context == nil {
      context = Z3Context()
      uses = 1
    }
    return ConformanceChecker(z3: context ?? Z3Context(), configuration: configuration, logic: "QF_BV")
  }

  /// A checker on a fresh context: its answers, unsat cores included, depend on the query alone.
  /// It is asked only to explain outcomes already rejected.
  public func fresh() -> ConformanceChecker {
    var checker = ConformanceChecker(z3: Z3Context(), configuration: configuration, logic: "QF_BV")
    checker.expectsViolation = true
    return checker
  }
}
