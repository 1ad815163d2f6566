/// The time a model may take to build its relations, for the checker's `--budget`.
///
/// Building the LKMM's relations over a large test makes millions of Z3 terms before the solver is
/// first asked anything, and no solver timeout covers that. Compositions look at the budget of the
/// build under way: once it has run out they make no more terms (they give the empty relation),
/// and the checker, seeing the budget spent, reports the test as unknown rather than solving a
/// model that was not built whole.
final class ModelBuildBudget: @unchecked Sendable {
  let deadline: ContinuousClock.Instant
  /// Set by the first composition made after the deadline.
  private(set) var ranOut = false

  init(deadline: ContinuousClock.Instant) { self.deadline = deadline }

  /// The budget of the build under way on this task, if any.
  @TaskLocal static var current: ModelBuildBudget?

  /// Whether the build should stop making terms.
  static var isSpent: Bool {
    guard let budget = current else { return false }
    if !budget.ranOut && ContinuousClock.now >= budget.deadline { budget.ranOut = true }
    return budget.ranOut
  }
}
