import CZ3

/// A bit-vector of a fixed width, in one of two interpretations: a concrete value, or a Z3 term.
///
/// The spec's semantics is written once against this type. Run over concrete values it computes in
/// Swift and never touches the solver; given a term it builds the Z3 relation. An operation on two
/// concrete values stays concrete; one with a term operand lifts the concrete side to a numeral in
/// that term's context.
public struct BitVec: CustomStringConvertible {
  public let width: Int
  let storage: Storage

  enum Storage {
    case value(UInt128)
    case term(Z3Ast)
  }

  init(_ ast: Z3Ast, width: Int) {
    self.width = width
    self.storage = .term(ast)
  }

  /// A concrete bit-vector (masked to `width`, at most 128 bits).
  @inline(__always) public init(wide value: UInt128, width: Int) {
    precondition(width > 0 && width <= 128, "concrete width must be 1...128")
    self.width = width
    self.storage = .value(value & BitVec.mask(width))
  }

  public init(_ value: UInt64, width: Int) { self.init(wide: UInt128(value), width: width) }

  /// A concrete bit-vector whose value already fits in `width` bits (a register of the machine's
  /// width, bytes just loaded): the concrete interpretation makes one at every read, and the mask
  /// would change nothing.
  @inline(__always) init(within value: UInt128, width: Int) {
    self.width = width
    self.storage = .value(value)
  }

  /// All ones in the low `width` bits.
  @inline(__always) public static func mask(_ width: Int) -> UInt128 {
    // Built from 64-bit halves: a 128-bit shift by a variable amount is a branchy sequence.
    if width >= 128 { return .max }
    if width >= 64 { return UInt128(_low: .max, _high: width == 64 ? 0 : .max >> UInt64(128 - width)) }
    return UInt128(_low: width <= 0 ? 0 : .max >> UInt64(64 - width), _high: 0)
  }

  /// The value, when this is a concrete bit-vector.
  public var concrete: UInt128? {
    if case .value(let value) = storage { return value }
    return nil
  }

  /// The Z3 context of a term; nil for a concrete value.
  public var context: Z3Context? {
    if case .term(let ast) = storage { return ast.context }
    return nil
  }

  /// The term in `context`: a numeral for a concrete value.
  func ast(in context: Z3Context) -> Z3Ast {
    switch storage {
    case .term(let ast):
      precondition(ast.context === context, "term from a different Z3 context")
      return ast
    case .value(let value):
      return context.bv(wide: value, width: width).ast(in: context)
    }
  }

  public var description: String {
    switch storage {
    case .term(let ast): ast.smtText
    case .value(let value): "#x" + String(value, radix: 16) + "[\(width)]"
    }
  }
}

/// A boolean: a concrete truth value, or a Z3 term.
public struct Formula: CustomStringConvertible {
  let storage: Storage

  enum Storage {
    case truth(Bool)
    case term(Z3Ast)
  }

  init(_ ast: Z3Ast) { storage = .term(ast) }

  /// A concrete truth value.
  public init(_ value: Bool) { storage = .truth(value) }

  public var concrete: Bool? {
    if case .truth(let value) = storage { return value }
    return nil
  }

  public var context: Z3Context? {
    if case .term(let ast) = storage { return ast.context }
    return nil
  }

  func ast(in context: Z3Context) -> Z3Ast {
    switch storage {
    case .term(let ast):
      precondition(ast.context === context, "formula from a different Z3 context")
      return ast
    case .truth(let value):
      return context.wrap(value ? Z3_mk_true(context.raw) : Z3_mk_false(context.raw))
    }
  }

  public var description: String {
    switch storage {
    case .term(let ast): ast.smtText
    case .truth(let value): value ? "true" : "false"
    }
  }
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
    if width <= 64 {
      return BitVec(
        wrap(Z3_mk_unsigned_int64(raw, UInt64(truncatingIfNeeded: masked), bitVectorSort(width))), width: width)
    }
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

  /// Conjunction of any number of formulas (true when empty). Concrete parts fold away.
  public func all(_ parts: [Formula]) -> Formula {
    Formula.fold(parts, and: true) ?? Formula(true)
  }

  /// Disjunction of any number of formulas (false when empty). Concrete parts fold away.
  public func any(_ parts: [Formula]) -> Formula {
    Formula.fold(parts, and: false) ?? Formula(false)
  }
}

extension Formula {
  /// Conjunction (`and`) or disjunction of `parts`: a concrete answer when the concrete parts decide
  /// or no term is left, otherwise the term over what is left; nil when `parts` is empty.
  static func fold(_ parts: [Formula], and: Bool) -> Formula? {
    var terms: [Z3Ast] = []
    for part in parts {
      switch part.storage {
      case .truth(let value):
        // false decides a conjunction, true a disjunction; the other value is neutral.
        if value != and { return Formula(value) }
      case .term(let ast): terms.append(ast)
      }
    }
    guard let first = terms.first else { return parts.isEmpty ? nil : Formula(and) }
    if terms.count == 1 { return Formula(first) }
    let context = first.context
    return withExtendedLifetime(terms) {
      let raws: [Z3_ast?] = terms.map { $0.raw }
      let made = raws.withUnsafeBufferPointer {
        and
          ? Z3_mk_and(context.raw, UInt32($0.count), $0.baseAddress)
          : Z3_mk_or(context.raw, UInt32($0.count), $0.baseAddress)
      }
      return Formula(context.wrap(made))
    }
  }
}
