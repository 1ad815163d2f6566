import CZ3

/// A bit-vector term of a fixed width.
public struct BitVec: CustomStringConvertible {
  public let ast: Z3Ast
  public let width: Int

  init(_ ast: Z3Ast, width: Int) {
    self.ast = ast
    self.width = width
  }

  public var context: Z3Context { ast.context }
  var raw: Z3_ast { ast.raw }
  public var description: String { ast.smtText }
}

/// A boolean term.
public struct Formula: CustomStringConvertible {
  public let ast: Z3Ast

  init(_ ast: Z3Ast) { self.ast = ast }

  public var context: Z3Context { ast.context }
  var raw: Z3_ast { ast.raw }
  public var description: String { ast.smtText }
}

extension Z3Context {
  /// A bit-vector numeral; values wider than 64 bits come from `UInt128`.
  public func bv(_ value: UInt64, width: Int) -> BitVec {
    precondition(width > 0, "bit-vector width must be positive")
    if width <= 64 {
      let masked = width == 64 ? value : value & ((1 << UInt64(width)) - 1)
      return BitVec(wrap(Z3_mk_unsigned_int64(raw, masked, bitVectorSort(width))), width: width)
    }
    return bv(wide: UInt128(value), width: width)
  }

  public func bv(wide value: UInt128, width: Int) -> BitVec {
    precondition(width > 0 && width <= 128, "numeral width must be 1...128")
    let masked = width == 128 ? value : value & ((UInt128(1) << UInt128(width)) - 1)
    return BitVec(wrap(Z3_mk_numeral(raw, String(masked), bitVectorSort(width))), width: width)
  }

  /// A signed numeral, two's complement at `width`.
  public func bv(signed value: Int64, width: Int) -> BitVec {
    bv(wide: UInt128(truncatingIfNeeded: value), width: width)
  }

  /// A free bit-vector variable.
  public func bvVariable(_ name: String, width: Int) -> BitVec {
    BitVec(wrap(Z3_mk_const(raw, symbol(name), bitVectorSort(width))), width: width)
  }

  /// A free boolean variable.
  public func boolVariable(_ name: String) -> Formula {
    Formula(wrap(Z3_mk_const(raw, symbol(name), Z3_mk_bool_sort(raw))))
  }

  public var trueFormula: Formula { Formula(wrap(Z3_mk_true(raw))) }
  public var falseFormula: Formula { Formula(wrap(Z3_mk_false(raw))) }

  public func formula(_ value: Bool) -> Formula { value ? trueFormula : falseFormula }

  /// Conjunction of any number of formulas (true when empty).
  public func all(_ parts: [Formula]) -> Formula {
    guard !parts.isEmpty else { return trueFormula }
    if parts.count == 1 { return parts[0] }
    let raws: [Z3_ast?] = parts.map { $0.raw }
    return Formula(wrap(raws.withUnsafeBufferPointer { Z3_mk_and(raw, UInt32($0.count), $0.baseAddress) }))
  }

  /// Disjunction of any number of formulas (false when empty).
  public func any(_ parts: [Formula]) -> Formula {
    guard !parts.isEmpty else { return falseFormula }
    if parts.count == 1 { return parts[0] }
    let raws: [Z3_ast?] = parts.map { $0.raw }
    return Formula(wrap(raws.withUnsafeBufferPointer { Z3_mk_or(raw, UInt32($0.count), $0.baseAddress) }))
  }
}
