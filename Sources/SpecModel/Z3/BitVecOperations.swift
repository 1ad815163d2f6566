import CZ3

/// Bit-vector operations. Unsigned and signed forms have distinct names, as in z3++. Each one has
/// its concrete meaning (SMT-LIB's, computed in Swift) beside the Z3 function that builds the term.
extension BitVec {
  private func sameWidth(_ other: BitVec, _ operation: String) {
    precondition(width == other.width, "\(operation): widths \(width) and \(other.width) differ")
  }

  /// The context shared by the term operands (nil when both are concrete).
  private static func context(_ l: BitVec, _ r: BitVec) -> Z3Context? {
    let context = l.context ?? r.context
    if let lc = l.context, let rc = r.context {
      precondition(lc === rc, "operands from different Z3 contexts")
    }
    return context
  }

  // Each operation computes two concrete operands of one width in line (the concrete
  // interpretation does so at every step); anything else goes through the general function.

  @inline(__always) private func binary(
    _ other: BitVec, _ operation: String, _ concrete: (UInt128, UInt128) -> UInt128,
    _ make: (Z3_context, Z3_ast, Z3_ast) -> Z3_ast?
  ) -> BitVec {
    if case .value(let a) = storage, case .value(let b) = other.storage, width == other.width {
      return BitVec(wide: concrete(a, b), width: width)
    }
    return binaryInGeneral(other, operation, concrete, make)
  }

  @inline(never) private func binaryInGeneral(
    _ other: BitVec, _ operation: String, _ concrete: (UInt128, UInt128) -> UInt128,
    _ make: (Z3_context, Z3_ast, Z3_ast) -> Z3_ast?
  ) -> BitVec {
    sameWidth(other, operation)
    guard let z3 = BitVec.context(self, other) else {
      if case .value(let a) = storage, case .value(let b) = other.storage {
        return BitVec(wide: concrete(a, b), width: width)
      }
      preconditionFailure("unreachable: a term without a context")
    }
    let (l, r) = (ast(in: z3), other.ast(in: z3))
    return withExtendedLifetime((l, r)) { BitVec(z3.wrap(make(z3.raw, l.raw, r.raw)), width: width) }
  }

  @inline(__always) private func unary(
    _ concrete: (UInt128) -> UInt128, _ make: (Z3_context, Z3_ast) -> Z3_ast?
  ) -> BitVec {
    switch storage {
    case .value(let a): return BitVec(wide: concrete(a), width: width)
    case .term(let ast): return BitVec(ast.context.wrap(make(ast.context.raw, ast.raw)), width: width)
    }
  }

  @inline(__always) private func comparison(
    _ other: BitVec, _ operation: String, _ concrete: (UInt128, UInt128) -> Bool,
    _ make: (Z3_context, Z3_ast, Z3_ast) -> Z3_ast?
  ) -> Formula {
    if case .value(let a) = storage, case .value(let b) = other.storage, width == other.width {
      return Formula(concrete(a, b))
    }
    return comparisonInGeneral(other, operation, concrete, make)
  }

  @inline(never) private func comparisonInGeneral(
    _ other: BitVec, _ operation: String, _ concrete: (UInt128, UInt128) -> Bool,
    _ make: (Z3_context, Z3_ast, Z3_ast) -> Z3_ast?
  ) -> Formula {
    sameWidth(other, operation)
    guard let z3 = BitVec.context(self, other) else {
      if case .value(let a) = storage, case .value(let b) = other.storage { return Formula(concrete(a, b)) }
      preconditionFailure("unreachable: a term without a context")
    }
    let (l, r) = (ast(in: z3), other.ast(in: z3))
    return withExtendedLifetime((l, r)) { Formula(z3.wrap(make(z3.raw, l.raw, r.raw))) }
  }

  // MARK: Concrete helpers

  @inline(__always) private var mask: UInt128 { BitVec.mask(width) }
  // Shifts by amounts known to be below 128 are masking shifts: the checked ones test the amount
  // first, a branchy sequence at 128 bits.
  @inline(__always) private var signBit: UInt128 { UInt128(1) &<< UInt128(truncatingIfNeeded: width - 1) }
  /// The value read as two's complement at `width`, widened to 128 bits.
  private func signed(_ value: UInt128) -> Int128 {
    Int128(bitPattern: value & signBit != 0 ? value | ~mask : value)
  }
  private func negate(_ value: UInt128) -> UInt128 { (0 &- value) & mask }

  // MARK: Arithmetic and logic

  public static func + (l: BitVec, r: BitVec) -> BitVec { l.binary(r, "add", { $0 &+ $1 }, Z3_mk_bvadd) }
  public static func - (l: BitVec, r: BitVec) -> BitVec { l.binary(r, "sub", { $0 &- $1 }, Z3_mk_bvsub) }
  public static func * (l: BitVec, r: BitVec) -> BitVec { l.binary(r, "mul", { $0 &* $1 }, Z3_mk_bvmul) }
  public static func & (l: BitVec, r: BitVec) -> BitVec { l.binary(r, "and", { $0 & $1 }, Z3_mk_bvand) }
  public static func | (l: BitVec, r: BitVec) -> BitVec { l.binary(r, "or", { $0 | $1 }, Z3_mk_bvor) }
  public static func ^ (l: BitVec, r: BitVec) -> BitVec { l.binary(r, "xor", { $0 ^ $1 }, Z3_mk_bvxor) }
  public static prefix func ~ (v: BitVec) -> BitVec { v.unary({ ~$0 }, Z3_mk_bvnot) }
  public static prefix func - (v: BitVec) -> BitVec { v.unary({ 0 &- $0 }, Z3_mk_bvneg) }

  /// Shift left; the amount is the whole of `amount` (same width), as in SMT-LIB.
  public func shl(_ amount: BitVec) -> BitVec {
    binary(amount, "shl", { a, s in s >= UInt128(width) ? 0 : a << s }, Z3_mk_bvshl)
  }
  public func lshr(_ amount: BitVec) -> BitVec {
    binary(amount, "lshr", { a, s in s >= UInt128(width) ? 0 : a >> s }, Z3_mk_bvlshr)
  }
  public func ashr(_ amount: BitVec) -> BitVec {
    binary(amount, "ashr", { a, s in UInt128(bitPattern: signed(a) >> Int128(min(s, 127))) }, Z3_mk_bvashr)
  }

  /// SMT-LIB division: `udiv` by zero is all ones, `urem` by zero is the dividend.
  public func udiv(_ other: BitVec) -> BitVec {
    binary(other, "udiv", { a, b in b == 0 ? .max : a / b }, Z3_mk_bvudiv)
  }
  public func urem(_ other: BitVec) -> BitVec {
    binary(other, "urem", { a, b in b == 0 ? a : a % b }, Z3_mk_bvurem)
  }
  /// Sign and magnitude of two operands, as SMT-LIB's signed division and remainder see them.
  private func magnitudes(_ a: UInt128, _ b: UInt128) -> (negativeA: Bool, negativeB: Bool, a: UInt128, b: UInt128) {
    let (na, nb) = (a & signBit != 0, b & signBit != 0)
    return (na, nb, na ? negate(a) : a, nb ? negate(b) : b)
  }

  /// SMT-LIB signed division: the quotient of the magnitudes, negated when the signs differ.
  public func sdiv(_ other: BitVec) -> BitVec {
    binary(
      other, "sdiv",
      { a, b in
        let m = magnitudes(a, b)
        let quotient = m.b == 0 ? mask : m.a / m.b
        return m.negativeA != m.negativeB ? negate(quotient) : quotient
      }, Z3_mk_bvsdiv)
  }
  /// SMT-LIB signed remainder: the sign follows the dividend.
  public func srem(_ other: BitVec) -> BitVec {
    binary(
      other, "srem",
      { a, b in
        let m = magnitudes(a, b)
        let remainder = m.b == 0 ? m.a : m.a % m.b
        return m.negativeA ? negate(remainder) : remainder
      }, Z3_mk_bvsrem)
  }

  // MARK: Comparisons

  public static func == (l: BitVec, r: BitVec) -> Formula { l.comparison(r, "eq", { $0 == $1 }, Z3_mk_eq) }
  public static func != (l: BitVec, r: BitVec) -> Formula { !(l == r) }
  public func ult(_ other: BitVec) -> Formula { comparison(other, "ult", { $0 < $1 }, Z3_mk_bvult) }
  public func ule(_ other: BitVec) -> Formula { comparison(other, "ule", { $0 <= $1 }, Z3_mk_bvule) }
  public func ugt(_ other: BitVec) -> Formula { comparison(other, "ugt", { $0 > $1 }, Z3_mk_bvugt) }
  public func uge(_ other: BitVec) -> Formula { comparison(other, "uge", { $0 >= $1 }, Z3_mk_bvuge) }
  public func slt(_ other: BitVec) -> Formula {
    comparison(other, "slt", { signed($0) < signed($1) }, Z3_mk_bvslt)
  }
  public func sle(_ other: BitVec) -> Formula {
    comparison(other, "sle", { signed($0) <= signed($1) }, Z3_mk_bvsle)
  }
  public func sgt(_ other: BitVec) -> Formula {
    comparison(other, "sgt", { signed($0) > signed($1) }, Z3_mk_bvsgt)
  }
  public func sge(_ other: BitVec) -> Formula {
    comparison(other, "sge", { signed($0) >= signed($1) }, Z3_mk_bvsge)
  }

  // MARK: Width changes

  /// Bits `high` down to `low`, inclusive.
  @inline(__always) public func extract(_ high: Int, _ low: Int) -> BitVec {
    if case .value(let a) = storage, high < width && low >= 0 && high >= low {
      return BitVec(wide: a &>> UInt128(truncatingIfNeeded: low), width: high - low + 1)
    }
    return extractInGeneral(high, low)
  }

  @inline(never) private func extractInGeneral(_ high: Int, _ low: Int) -> BitVec {
    precondition(high < width && low >= 0 && high >= low, "extract \(high):\(low) of width \(width)")
    switch storage {
    case .value(let a): return BitVec(wide: a >> UInt128(low), width: high - low + 1)
    case .term(let ast):
      return BitVec(
        ast.context.wrap(Z3_mk_extract(ast.context.raw, UInt32(high), UInt32(low), ast.raw)), width: high - low + 1)
    }
  }

  /// `self` becomes the high part, `low` the low part.
  @inline(__always) public func concat(_ low: BitVec) -> BitVec {
    if case .value(let h) = storage, case .value(let l) = low.storage, width + low.width <= 128 {
      return BitVec(wide: h &<< UInt128(truncatingIfNeeded: low.width) | l, width: width + low.width)
    }
    return concatInGeneral(low)
  }

  @inline(never) private func concatInGeneral(_ low: BitVec) -> BitVec {
    let total = width + low.width
    guard let z3 = BitVec.context(self, low) else {
      if case .value(let h) = storage, case .value(let l) = low.storage {
        return BitVec(wide: h << UInt128(low.width) | l, width: total)
      }
      preconditionFailure("unreachable: a term without a context")
    }
    let (h, l) = (ast(in: z3), low.ast(in: z3))
    return withExtendedLifetime((h, l)) { BitVec(z3.wrap(Z3_mk_concat(z3.raw, h.raw, l.raw)), width: total) }
  }

  @inline(__always) public func zeroExtend(to newWidth: Int) -> BitVec {
    if case .value(let a) = storage, newWidth >= width, newWidth <= 128 { return BitVec(wide: a, width: newWidth) }
    return zeroExtendInGeneral(to: newWidth)
  }

  @inline(never) private func zeroExtendInGeneral(to newWidth: Int) -> BitVec {
    precondition(newWidth >= width, "zero-extend from \(width) to \(newWidth)")
    if newWidth == width { return self }
    switch storage {
    case .value(let a): return BitVec(wide: a, width: newWidth)
    case .term(let ast):
      return BitVec(
        ast.context.wrap(Z3_mk_zero_ext(ast.context.raw, UInt32(newWidth - width), ast.raw)), width: newWidth)
    }
  }

  @inline(__always) public func signExtend(to newWidth: Int) -> BitVec {
    if case .value(let a) = storage, newWidth >= width, newWidth <= 128 {
      return BitVec(wide: a & signBit != 0 ? a | ~mask : a, width: newWidth)
    }
    return signExtendInGeneral(to: newWidth)
  }

  @inline(never) private func signExtendInGeneral(to newWidth: Int) -> BitVec {
    precondition(newWidth >= width, "sign-extend from \(width) to \(newWidth)")
    if newWidth == width { return self }
    switch storage {
    case .value(let a): return BitVec(wide: a & signBit != 0 ? a | ~mask : a, width: newWidth)
    case .term(let ast):
      return BitVec(
        ast.context.wrap(Z3_mk_sign_ext(ast.context.raw, UInt32(newWidth - width), ast.raw)), width: newWidth)
    }
  }

  /// The low `newWidth` bits.
  @inline(__always) public func truncate(to newWidth: Int) -> BitVec {
    newWidth == width ? self : extract(newWidth - 1, 0)
  }

  /// A value of the same width, concrete: it lifts into a term's context where it meets one.
  public func constant(_ value: UInt64) -> BitVec { BitVec(value, width: width) }
}

/// Boolean connectives.
extension Formula {
  private func binary(
    _ other: Formula, _ concrete: (Bool, Bool) -> Bool, _ make: (Z3_context, Z3_ast, Z3_ast) -> Z3_ast?
  ) -> Formula {
    guard let z3 = context ?? other.context else {
      if case .truth(let a) = storage, case .truth(let b) = other.storage { return Formula(concrete(a, b)) }
      preconditionFailure("unreachable: a term without a context")
    }
    if let lc = context, let rc = other.context { precondition(lc === rc, "operands from different Z3 contexts") }
    let (l, r) = (ast(in: z3), other.ast(in: z3))
    return withExtendedLifetime((l, r)) { Formula(z3.wrap(make(z3.raw, l.raw, r.raw))) }
  }

  public static func && (l: Formula, r: Formula) -> Formula {
    if case .truth(let a) = l.storage, case .truth(let b) = r.storage { return Formula(a && b) }
    return Formula.fold([l, r], and: true) ?? Formula(true)
  }
  public static func || (l: Formula, r: Formula) -> Formula {
    if case .truth(let a) = l.storage, case .truth(let b) = r.storage { return Formula(a || b) }
    return Formula.fold([l, r], and: false) ?? Formula(false)
  }
  public static prefix func ! (f: Formula) -> Formula {
    switch f.storage {
    case .truth(let value): return Formula(!value)
    case .term(let ast): return Formula(ast.context.wrap(Z3_mk_not(ast.context.raw, ast.raw)))
    }
  }
  public func implies(_ other: Formula) -> Formula { binary(other, { !$0 || $1 }, Z3_mk_implies) }
  public func iff(_ other: Formula) -> Formula { binary(other, { $0 == $1 }, Z3_mk_iff) }

  /// `if self then a else b` over bit-vectors.
  public func ite(_ then: BitVec, _ otherwise: BitVec) -> BitVec {
    precondition(then.width == otherwise.width, "ite: widths \(then.width) and \(otherwise.width)")
    switch storage {
    case .truth(let value): return value ? then : otherwise
    case .term(let condition):
      let z3 = condition.context
      let (a, b) = (then.ast(in: z3), otherwise.ast(in: z3))
      // Arms that are one term (Z3 shares equal terms) need no choice: a value that both sides of
      // a branch leave alike stays a numeral, and a location stays one.
      if a.raw == b.raw { return then }
      return withExtendedLifetime((a, b)) {
        BitVec(z3.wrap(Z3_mk_ite(z3.raw, condition.raw, a.raw, b.raw)), width: then.width)
      }
    }
  }

  /// `if self then a else b` over formulas.
  public func ite(_ then: Formula, _ otherwise: Formula) -> Formula {
    switch storage {
    case .truth(let value): return value ? then : otherwise
    case .term(let condition):
      let z3 = condition.context
      let (a, b) = (then.ast(in: z3), otherwise.ast(in: z3))
      if a.raw == b.raw { return then }
      return withExtendedLifetime((a, b)) { Formula(z3.wrap(Z3_mk_ite(z3.raw, condition.raw, a.raw, b.raw))) }
    }
  }
}
