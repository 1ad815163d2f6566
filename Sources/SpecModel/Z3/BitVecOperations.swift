import CZ3

/// Bit-vector operations. Unsigned and signed forms have distinct names, as in z3++.
extension BitVec {
  private func sameShape(_ other: BitVec, _ operation: String) {
    precondition(context === other.context, "\(operation): operands from different Z3 contexts")
    precondition(width == other.width, "\(operation): widths \(width) and \(other.width) differ")
  }

  private func binary(
    _ other: BitVec, _ operation: String,
    _ make: (Z3_context, Z3_ast, Z3_ast) -> Z3_ast?
  ) -> BitVec {
    sameShape(other, operation)
    return BitVec(context.wrap(make(context.raw, raw, other.raw)), width: width)
  }

  private func comparison(
    _ other: BitVec, _ operation: String,
    _ make: (Z3_context, Z3_ast, Z3_ast) -> Z3_ast?
  ) -> Formula {
    sameShape(other, operation)
    return Formula(context.wrap(make(context.raw, raw, other.raw)))
  }

  public static func + (l: BitVec, r: BitVec) -> BitVec { l.binary(r, "add", Z3_mk_bvadd) }
  public static func - (l: BitVec, r: BitVec) -> BitVec { l.binary(r, "sub", Z3_mk_bvsub) }
  public static func * (l: BitVec, r: BitVec) -> BitVec { l.binary(r, "mul", Z3_mk_bvmul) }
  public static func & (l: BitVec, r: BitVec) -> BitVec { l.binary(r, "and", Z3_mk_bvand) }
  public static func | (l: BitVec, r: BitVec) -> BitVec { l.binary(r, "or", Z3_mk_bvor) }
  public static func ^ (l: BitVec, r: BitVec) -> BitVec { l.binary(r, "xor", Z3_mk_bvxor) }
  public static prefix func ~ (v: BitVec) -> BitVec {
    BitVec(v.context.wrap(Z3_mk_bvnot(v.context.raw, v.raw)), width: v.width)
  }
  public static prefix func - (v: BitVec) -> BitVec {
    BitVec(v.context.wrap(Z3_mk_bvneg(v.context.raw, v.raw)), width: v.width)
  }

  /// Shift left; the amount is the whole of `amount` (same width), as in SMT-LIB.
  public func shl(_ amount: BitVec) -> BitVec { binary(amount, "shl", Z3_mk_bvshl) }
  public func lshr(_ amount: BitVec) -> BitVec { binary(amount, "lshr", Z3_mk_bvlshr) }
  public func ashr(_ amount: BitVec) -> BitVec { binary(amount, "ashr", Z3_mk_bvashr) }
  /// SMT-LIB division: `udiv` by zero is all ones, `urem` by zero is the dividend.
  public func udiv(_ other: BitVec) -> BitVec { binary(other, "udiv", Z3_mk_bvudiv) }
  public func urem(_ other: BitVec) -> BitVec { binary(other, "urem", Z3_mk_bvurem) }
  public func sdiv(_ other: BitVec) -> BitVec { binary(other, "sdiv", Z3_mk_bvsdiv) }
  public func srem(_ other: BitVec) -> BitVec { binary(other, "srem", Z3_mk_bvsrem) }

  public static func == (l: BitVec, r: BitVec) -> Formula { l.comparison(r, "eq", Z3_mk_eq) }
  public static func != (l: BitVec, r: BitVec) -> Formula { !(l == r) }
  public func ult(_ other: BitVec) -> Formula { comparison(other, "ult", Z3_mk_bvult) }
  public func ule(_ other: BitVec) -> Formula { comparison(other, "ule", Z3_mk_bvule) }
  public func ugt(_ other: BitVec) -> Formula { comparison(other, "ugt", Z3_mk_bvugt) }
  public func uge(_ other: BitVec) -> Formula { comparison(other, "uge", Z3_mk_bvuge) }
  public func slt(_ other: BitVec) -> Formula { comparison(other, "slt", Z3_mk_bvslt) }
  public func sle(_ other: BitVec) -> Formula { comparison(other, "sle", Z3_mk_bvsle) }
  public func sgt(_ other: BitVec) -> Formula { comparison(other, "sgt", Z3_mk_bvsgt) }
  public func sge(_ other: BitVec) -> Formula { comparison(other, "sge", Z3_mk_bvsge) }

  /// Bits `high` down to `low`, inclusive.
  public func extract(_ high: Int, _ low: Int) -> BitVec {
    precondition(high < width && low >= 0 && high >= low, "extract \(high):\(low) of width \(width)")
    return BitVec(
      context.wrap(Z3_mk_extract(context.raw, UInt32(high), UInt32(low), raw)),
      width: high - low + 1)
  }

  /// `self` becomes the high part, `low` the low part.
  public func concat(_ low: BitVec) -> BitVec {
    precondition(context === low.context, "concat: operands from different Z3 contexts")
    return BitVec(context.wrap(Z3_mk_concat(context.raw, raw, low.raw)), width: width + low.width)
  }

  public func zeroExtend(to newWidth: Int) -> BitVec {
    precondition(newWidth >= width, "zero-extend from \(width) to \(newWidth)")
    if newWidth == width { return self }
    return BitVec(
      context.wrap(Z3_mk_zero_ext(context.raw, UInt32(newWidth - width), raw)), width: newWidth)
  }

  public func signExtend(to newWidth: Int) -> BitVec {
    precondition(newWidth >= width, "sign-extend from \(width) to \(newWidth)")
    if newWidth == width { return self }
    return BitVec(
      context.wrap(Z3_mk_sign_ext(context.raw, UInt32(newWidth - width), raw)), width: newWidth)
  }

  /// The low `newWidth` bits.
  public func truncate(to newWidth: Int) -> BitVec {
    newWidth == width ? self : extract(newWidth - 1, 0)
  }

  /// A numeral of the same width and context.
  public func constant(_ value: UInt64) -> BitVec { context.bv(value, width: width) }
}

/// Boolean connectives.
extension Formula {
  private func binary(
    _ other: Formula, _ make: (Z3_context, Z3_ast, Z3_ast) -> Z3_ast?
  ) -> Formula {
    precondition(context === other.context, "operands from different Z3 contexts")
    return Formula(context.wrap(make(context.raw, raw, other.raw)))
  }

  public static func && (l: Formula, r: Formula) -> Formula { l.context.all([l, r]) }
  public static func || (l: Formula, r: Formula) -> Formula { l.context.any([l, r]) }
  public static prefix func ! (f: Formula) -> Formula {
    Formula(f.context.wrap(Z3_mk_not(f.context.raw, f.raw)))
  }
  public func implies(_ other: Formula) -> Formula { binary(other, Z3_mk_implies) }
  public func iff(_ other: Formula) -> Formula { binary(other, Z3_mk_iff) }

  /// `if self then a else b` over bit-vectors.
  public func ite(_ then: BitVec, _ otherwise: BitVec) -> BitVec {
    precondition(then.width == otherwise.width, "ite: widths \(then.width) and \(otherwise.width)")
    return BitVec(
      context.wrap(Z3_mk_ite(context.raw, raw, then.raw, otherwise.raw)), width: then.width)
  }

  /// `if self then a else b` over formulas.
  public func ite(_ then: Formula, _ otherwise: Formula) -> Formula {
    Formula(context.wrap(Z3_mk_ite(context.raw, raw, then.raw, otherwise.raw)))
  }
}
