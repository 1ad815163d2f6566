import Testing

@testable import SpecModel

/// Every bit-vector operation computed in Swift (concrete operands) agrees with Z3's answer for the
/// same operands as numerals, at every width the spec uses and at odd ones, edge values included.
@Suite struct ConcreteTermTests {
  /// Z3's own value of a closed term: its rewriter folds it to a numeral.
  func evaluate(_ term: BitVec) throws -> UInt128 {
    try #require(term.context != nil, "expected a Z3 term")
    return try #require(term.simplified.concrete)
  }

  func evaluate(_ formula: Formula) throws -> Bool {
    try #require(formula.context != nil, "expected a Z3 term")
    return try #require(formula.simplified.concrete as Bool?)
  }

  static let widths = [1, 2, 7, 8, 16, 31, 32, 33, 63, 64, 65, 127, 128]

  func edgeValues(_ width: Int) -> [UInt128] {
    let mask = BitVec.mask(width)
    let sign = UInt128(1) << UInt128(width - 1)
    return [0, 1, mask, sign, sign &- 1 & mask, 2 & mask]
  }

  @Test(arguments: widths)
  func operationsAgreeWithZ3(width: Int) throws {
    let z3 = Z3Context()
    var random = TestRandom(state: UInt64(width) * 977)
    var pairs: [(UInt128, UInt128)] = []
    for a in edgeValues(width) { for b in edgeValues(width) { pairs.append((a, b)) } }
    for _ in 0..<20 {
      pairs.append(
        (UInt128(random.next()) << 64 | UInt128(random.next()), UInt128(random.next()) << 64 | UInt128(random.next())))
    }
    var binaries: [(String, (BitVec, BitVec) -> BitVec)] = [
      ("+", { $0 + $1 }), ("-", { $0 - $1 }), ("*", { $0 * $1 }), ("&", { $0 & $1 }), ("|", { $0 | $1 }),
      ("^", { $0 ^ $1 }), ("shl", { $0.shl($1) }), ("lshr", { $0.lshr($1) }), ("ashr", { $0.ashr($1) }),
      ("udiv", { $0.udiv($1) }), ("urem", { $0.urem($1) }), ("sdiv", { $0.sdiv($1) }), ("srem", { $0.srem($1) }),
    ]
    // Concrete values are at most 128 bits wide, as wide as the spec's register pairs.
    if width <= 64 { binaries.append(("concat", { $0.concat($1).extract($0.width + $1.width - 1, $1.width / 2) })) }
    let comparisons: [(String, (BitVec, BitVec) -> Formula)] = [
      ("==", { $0 == $1 }), ("ult", { $0.ult($1) }), ("ule", { $0.ule($1) }), ("ugt", { $0.ugt($1) }),
      ("uge", { $0.uge($1) }), ("slt", { $0.slt($1) }), ("sle", { $0.sle($1) }), ("sgt", { $0.sgt($1) }),
      ("sge", { $0.sge($1) }),
    ]
    for (a, b) in pairs {
      let (ca, cb) = (BitVec(wide: a, width: width), BitVec(wide: b, width: width))
      let (ta, tb) = (z3.bv(wide: a, width: width), z3.bv(wide: b, width: width))
      for (name, operation) in binaries {
        let concrete = try #require(operation(ca, cb).concrete, "\(name) left the concrete domain")
        #expect(concrete == (try evaluate(operation(ta, tb))), "\(name) of \(a), \(b) at width \(width)")
        // Mixed operands lift the concrete side into the term's context.
        #expect(concrete == (try evaluate(operation(ca, tb))), "\(name) mixed at width \(width)")
      }
      for (name, comparison) in comparisons {
        let concrete: Bool = try #require(comparison(ca, cb).concrete as Bool?)
        #expect(concrete == (try evaluate(comparison(ta, tb))), "\(name) of \(a), \(b) at width \(width)")
      }
      for (concrete, term) in [(~ca, ~ta), (-ca, -ta), (ca.signExtend(to: 128), ta.signExtend(to: 128))] {
        #expect(concrete.concrete == (try evaluate(term)), "unary at width \(width)")
      }
      #expect(ca.zeroExtend(to: 128).concrete == (try evaluate(ta.zeroExtend(to: 128))))
      let condition = ca.ult(cb)
      #expect(condition.ite(ca, cb).concrete == (try evaluate(ta.ult(tb).ite(ta, tb))))
    }
  }

  @Test func connectivesFoldConcreteParts() throws {
    let z3 = Z3Context()
    let free = z3.boolVariable("p")
    #expect((Formula(false) && free).concrete == false)
    #expect((Formula(true) || free).concrete == true)
    #expect((Formula(true) && free).concrete == nil)
    #expect(z3.all([]).concrete == true && z3.any([]).concrete == false)
    #expect(Formula(true).implies(Formula(false)).concrete == false)
    #expect(Formula(false).iff(Formula(false)).concrete == true)
  }
}
