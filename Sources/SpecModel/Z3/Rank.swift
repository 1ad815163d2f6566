import CZ3

/// An integer position in an order the solver chooses: a relation is acyclic when every edge goes
/// from a lower rank to a higher one. Integer ranks reach Z3's difference-logic reasoning, which
/// finds a topological order directly where bit-vector ranks would be searched bit by bit.
public struct Rank {
  let ast: Z3Ast

  /// Whether this rank comes before `other`.
  public func precedes(_ other: Rank) -> Formula {
    let z3 = ast.context
    return Formula(z3.wrap(Z3_mk_lt(z3.raw, ast.raw, other.ast.raw)))
  }
}

extension Z3Context {
  public func rankVariable(_ name: String) -> Rank {
    Rank(ast: wrap(Z3_mk_const(raw, symbol(name), Z3_mk_int_sort(raw))))
  }
}
