precedencegroup RelationCompositionPrecedence {
  associativity: left
  higherThan: MultiplicationPrecedence
}

/// Sequential composition of relations, the `;` of the `.cat` models.
infix operator ⨾ : RelationCompositionPrecedence

/// A binary relation over a litmus execution's events, as one formula per pair: whether the edge is
/// present depends on the candidate execution the solver picks. The operators are those the `.cat`
/// models are written in; false entries stay constant so that sparse relations stay cheap.
struct Relation {
  var edges: [[Formula]]

  init(count: Int) {
    edges = [[Formula]](repeating: [Formula](repeating: Formula(false), count: count), count: count)
  }

  init(_ edges: [[Formula]]) { self.edges = edges }

  var count: Int { edges.count }

  subscript(from: Int, to: Int) -> Formula {
    get { edges[from][to] }
    set { edges[from][to] = newValue }
  }

  /// `[S]`: the identity on the events of a set.
  static func identity(_ member: [Formula]) -> Relation {
    var result = Relation(count: member.count)
    for i in 0..<member.count { result[i, i] = member[i] }
    return result
  }

  /// A relation from a rule on pairs.
  static func pairs(count: Int, _ rule: (Int, Int) -> Formula) -> Relation {
    var result = Relation(count: count)
    for i in 0..<count { for j in 0..<count { result[i, j] = rule(i, j) } }
    return result
  }

  static func | (left: Relation, right: Relation) -> Relation {
    var result = left
    for i in 0..<left.count {
      for j in 0..<left.count where !isFalse(right[i, j]) { result[i, j] = left[i, j] || right[i, j] }
    }
    return result
  }

  static func & (left: Relation, right: Relation) -> Relation {
    var result = left
    for i in 0..<left.count {
      for j in 0..<left.count where !isFalse(left[i, j]) { result[i, j] = left[i, j] && right[i, j] }
    }
    return result
  }

  /// Sequential composition `left ; right`.
  static func ⨾ (left: Relation, right: Relation) -> Relation {
    let count = left.count
    var result = Relation(count: count)
    // A build past its budget is discarded: it makes no more terms.
    if ModelBuildBudget.isSpent { return result }
    for i in 0..<count {
      var row = [[Formula]](repeating: [], count: count)
      for k in 0..<count where !isFalse(left[i, k]) {
        for j in 0..<count where !isFalse(right[k, j]) { row[j].append(left[i, k] && right[k, j]) }
      }
      for j in 0..<count where !row[j].isEmpty { result[i, j] = any(row[j]) }
    }
    return result
  }

  /// Only the edges whose source satisfies `source` and whose target satisfies `target`.
  func restricted(from source: [Formula]? = nil, to target: [Formula]? = nil) -> Relation {
    var result = self
    for i in 0..<count {
      for j in 0..<count where !Self.isFalse(self[i, j]) {
        var edge = self[i, j]
        if let source { edge = edge && source[i] }
        if let target { edge = edge && target[j] }
        result[i, j] = edge
      }
    }
    return result
  }

  /// Only the edges between events the rule accepts (a fixed property such as int or ext).
  func filtered(_ keep: (Int, Int) -> Bool) -> Relation {
    var result = self
    for i in 0..<count { for j in 0..<count where !keep(i, j) { result[i, j] = Formula(false) } }
    return result
  }

  /// `r?`: the relation or the identity on executed events.
  func optional(_ executed: [Formula]) -> Relation { self | .identity(executed) }

  /// `r+`, by Floyd–Warshall over the Boolean semiring.
  var plus: Relation {
    var result = self
    for k in 0..<count {
      if ModelBuildBudget.isSpent { return result }
      for i in 0..<count where !Self.isFalse(result[i, k]) {
        for j in 0..<count where !Self.isFalse(result[k, j]) {
          result[i, j] = result[i, j] || (result[i, k] && result[k, j])
        }
      }
    }
    return result
  }

  /// `r+` by repeated squaring, each round's relation named by fresh variables: the solver's
  /// rewriting flattens nested disjunctions, which would undo the sharing of Floyd–Warshall's
  /// terms on a dense relation.
  func plus(named name: String, _ solver: Solver, _ z3: Z3Context) -> Relation {
    var result = named("\(name).0", solver, z3)
    var length = 1
    var round = 1
    while length < count {
      result = (result | result ⨾ result).named("\(name).\(round)", solver, z3)
      length *= 2
      round += 1
    }
    return result
  }

  /// `r*`: the transitive closure or the identity on executed events.
  func star(_ executed: [Formula]) -> Relation { plus.optional(executed) }

  /// `r \ id`.
  var irreflexivePart: Relation {
    var result = self
    for i in 0..<count { result[i, i] = Formula(false) }
    return result
  }

  /// `r^-1`.
  var inverse: Relation { .pairs(count: count) { self[$1, $0] } }

  /// The relation as one fresh variable per edge that is not constant, implied by the edge's
  /// formula: later relations built from it refer to the variables, so that nested compositions
  /// and fixed points stay linear in size. Only for relations an axiom uses positively (inside a
  /// relation that must be acyclic or irreflexive): there the solver is free to make a variable
  /// true beyond its formula, but never gains by it, so the axiom means what it says. (Equations
  /// would let the solver substitute the formulas back, and grow them past memory.)
  func named(_ name: String, _ solver: Solver, _ z3: Z3Context) -> Relation {
    var result = self
    for i in 0..<count {
      for j in 0..<count where self[i, j].concrete == nil {
        let variable = z3.boolVariable("\(name).\(i).\(j)")
        solver.assert(self[i, j].implies(variable))
        result[i, j] = variable
      }
    }
    return result
  }

  static func isFalse(_ formula: Formula) -> Bool { formula.concrete == false }

  private static func any(_ parts: [Formula]) -> Formula { Formula.fold(parts, and: false) ?? Formula(false) }
}
