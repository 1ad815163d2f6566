/// The reads a register's value depends on, each under the condition (of the path the hart took)
/// on which it does: a register written on one side of a branch depends on that side's reads only
/// when that side ran, and a register written again depends on its old reads no more.
struct RegisterDependencies {
  /// The condition for each read; a read not here is not depended on.
  private(set) var conditions: [Int: Formula] = [:]

  static var none: RegisterDependencies { RegisterDependencies() }

  init() {}

  /// Depending on `read` always.
  init(_ read: Int, z3: Z3Context) { conditions = [read: z3.trueFormula] }

  var reads: Set<Int> { Set(conditions.keys) }

  /// Both sets: a read either depends on, under either condition.
  func union(_ other: RegisterDependencies) -> RegisterDependencies {
    var result = self
    for (read, condition) in other.conditions {
      result.conditions[read] = result.conditions[read].map { $0 || condition } ?? condition
    }
    return result
  }

  /// These dependencies where `taken` holds, `other` where it does not.
  func when(_ taken: Formula, otherwise other: RegisterDependencies) -> RegisterDependencies {
    if taken.concrete == true { return self }
    if taken.concrete == false { return other }
    var result = RegisterDependencies()
    for (read, condition) in conditions { result.conditions[read] = taken && condition }
    for (read, condition) in other.conditions {
      let otherwise = !taken && condition
      result.conditions[read] = result.conditions[read].map { $0 || otherwise } ?? otherwise
    }
    return result
  }

  /// The conditions that are not always true, for an event's dependencies.
  var partial: [Int: Formula] { conditions.filter { $0.value.concrete != true } }
}
