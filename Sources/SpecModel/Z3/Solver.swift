import CZ3

/// The answer to a satisfiability check.
public enum CheckResult {
  /// Satisfiable, with a model to evaluate terms in.
  case sat(Model)
  /// Unsatisfiable; `core` names the tracked assertions that together cannot hold.
  case unsat(core: [String])
  /// Z3 gave up (timeout, resource limit); `reason` is Z3's own words.
  case unknown(reason: String)

  public var isSat: Bool { if case .sat = self { true } else { false } }
  public var isUnsat: Bool { if case .unsat = self { true } else { false } }
}

/// A Z3 solver with a per-query timeout and named (tracked) assertions.
///
/// Make one per query or per program: with Z3 4.8 a long-lived solver that is pushed and popped
/// keeps a few kilobytes per query.
public final class Solver {
  public let context: Z3Context
  let raw: Z3_solver
  /// Tracking literal → the name it stands for, per push level.
  private var tracked: [(literal: Formula, name: String)] = []
  /// Tracked assertions left out of the next checks.
  private var disabled: Set<String> = []
  private var trackedMarks: [Int] = []

  /// - Parameters:
  ///   - logic: an SMT-LIB logic name such as `QF_BV` or `QF_ABV`, or nil for Z3's default solver.
  ///   - simple: Z3's plain SMT core without its preprocessing tactics, which rewrite large shared
  ///     Boolean terms (the memory models' relations) into trees far larger than the terms.
  ///   - timeoutMilliseconds: per `check`; 0 means no limit.
  public init(context: Z3Context, logic: String? = nil, simple: Bool = false, timeoutMilliseconds: UInt32 = 10_000) {
    self.context = context
    if let logic {
      raw = Z3_mk_solver_for_logic(context.raw, context.symbol(logic))
    } else if simple {
      raw = Z3_mk_simple_solver(context.raw)
    } else {
      raw = Z3_mk_solver(context.raw)
    }
    Z3_solver_inc_ref(context.raw, raw)
    setTimeout(milliseconds: timeoutMilliseconds)
  }

  deinit { Z3_solver_dec_ref(context.raw, raw) }

  /// Caps the work of each check in Z3's deterministic resource units: unlike a timeout, the same
  /// query gives the same answer on any machine, however loaded.
  public func setResourceLimit(_ units: UInt32) {
    let params = Z3_mk_params(context.raw)
    Z3_params_inc_ref(context.raw, params)
    Z3_params_set_uint(context.raw, params, context.symbol("rlimit"), units)
    Z3_solver_set_params(context.raw, raw, params)
    Z3_params_dec_ref(context.raw, params)
    context.noteError()
  }

  /// Z3's count of resource units spent by this solver so far.
  public var resourcesUsed: UInt64 {
    guard let statistics = Z3_solver_get_statistics(context.raw, raw) else { return 0 }
    Z3_stats_inc_ref(context.raw, statistics)
    defer { Z3_stats_dec_ref(context.raw, statistics) }
    for index in 0..<Z3_stats_size(context.raw, statistics) {
      guard let key = Z3_stats_get_key(context.raw, statistics, index), String(cString: key) == "rlimit count" else {
        continue
      }
      if Z3_stats_is_uint(context.raw, statistics, index) {
        return UInt64(Z3_stats_get_uint_value(context.raw, statistics, index))
      }
      return UInt64(Z3_stats_get_double_value(context.raw, statistics, index))
    }
    return 0
  }

  /// The assertions in SMT-LIB form (for inspecting a slow query).
  public var smtText: String { String(cString: Z3_solver_to_string(context.raw, raw)) }

  public func setTimeout(milliseconds: UInt32) {
    let params = Z3_mk_params(context.raw)
    Z3_params_inc_ref(context.raw, params)
    Z3_params_set_uint(context.raw, params, context.symbol("timeout"), milliseconds)
    // Minimal unsat cores name only the rules that must break together.
    Z3_params_set_bool(context.raw, params, context.symbol("core.minimize"), true)
    Z3_solver_set_params(context.raw, raw, params)
    Z3_params_dec_ref(context.raw, params)
    context.noteError()
  }

  /// Asserts `formula` unconditionally.
  public func assert(_ formula: Formula) {
    let term = formula.ast(in: context)
    withExtendedLifetime(term) { Z3_solver_assert(context.raw, raw, term.raw) }
    context.noteError()
  }

  /// Asserts `formula` under `name`: if the assertions cannot all hold, the core names it.
  public func assert(_ formula: Formula, named name: String) {
    let literal = context.boolVariable("track!\(tracked.count)!\(name)")
    assert(literal.implies(formula))
    tracked.append((literal, name))
  }

  /// Leaves the tracked assertion `name` out of later checks (for relaxing soft constraints).
  public func disable(_ name: String) {
    disabled.insert(name)
  }

  public func push() {
    Z3_solver_push(context.raw, raw)
    trackedMarks.append(tracked.count)
  }

  public func pop() {
    guard let mark = trackedMarks.popLast() else { return }
    Z3_solver_pop(context.raw, raw, 1)
    tracked.removeSubrange(mark...)
  }

  /// Checks all assertions; tracked ones are assumed, so an unsat core names them.
  public func check(assuming extra: [Formula] = []) throws -> CheckResult {
    try context.throwPendingError()
    let active = tracked.filter { !disabled.contains($0.name) }
    let terms = active.map { $0.literal.ast(in: context) } + extra.map { $0.ast(in: context) }
    let answer = withExtendedLifetime(terms) {
      let assumptions: [Z3_ast?] = terms.map { $0.raw }
      return assumptions.withUnsafeBufferPointer {
        Z3_solver_check_assumptions(context.raw, raw, UInt32($0.count), $0.baseAddress)
      }
    }
    if let error = context.noteError() {
      try context.throwPendingError()
      throw error
    }
    switch answer {
    case Z3_L_TRUE:
      guard let model = Z3_solver_get_model(context.raw, raw) else {
        try context.throwPendingError()
        return .unknown(reason: "no model")
      }
      return .sat(Model(context: context, raw: model))
    case Z3_L_FALSE:
      return .unsat(core: unsatCoreNames())
    default:
      let reason = Z3_solver_get_reason_unknown(context.raw, raw).map { String(cString: $0) }
      return .unknown(reason: reason ?? "unknown")
    }
  }

  private func unsatCoreNames() -> [String] {
    guard let core = Z3_solver_get_unsat_core(context.raw, raw) else { return [] }
    // Z3 shares structurally equal terms, so a core element is the very literal that was assumed.
    let byLiteral = Dictionary(
      tracked.map { ($0.literal.ast(in: context).raw, $0.name) }, uniquingKeysWith: { first, _ in first })
    return context.elements(of: core).compactMap { byLiteral[$0.raw] }
  }
}

/// A satisfying assignment.
public final class Model {
  let context: Z3Context
  let raw: Z3_model

  init(context: Z3Context, raw: Z3_model) {
    self.context = context
    self.raw = raw
    Z3_model_inc_ref(context.raw, raw)
  }

  deinit { Z3_model_dec_ref(context.raw, raw) }

  private func evaluate(_ ast: Z3Ast) -> Z3Ast? {
    var result: Z3_ast?
    guard Z3_model_eval(context.raw, raw, ast.raw, true, &result), let result else {
      context.noteError()
      return nil
    }
    return context.wrap(result)
  }

  /// The value of `term` (unconstrained parts completed with zero); nil if Z3 cannot say.
  public func value(_ term: BitVec) -> UInt128? {
    if let value = term.concrete { return value }
    guard let evaluated = evaluate(term.ast(in: context)),
      let text = Z3_get_numeral_string(context.raw, evaluated.raw)
    else { return nil }
    return UInt128(String(cString: text))
  }

  /// The value of a term of at most 64 bits.
  public func value64(_ term: BitVec) -> UInt64? {
    precondition(term.width <= 64, "value64 of a \(term.width)-bit term")
    return value(term).map { UInt64(truncatingIfNeeded: $0) }
  }

  public func value(_ formula: Formula) -> Bool? {
    if let value = formula.concrete { return value }
    guard let evaluated = evaluate(formula.ast(in: context)) else { return nil }
    switch Z3_get_bool_value(context.raw, evaluated.raw) {
    case Z3_L_TRUE: return true
    case Z3_L_FALSE: return false
    default: return nil
    }
  }

  /// The model as Z3 prints it.
  public var text: String { String(cString: Z3_model_to_string(context.raw, raw)) }
}
