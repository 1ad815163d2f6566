import CZ3

/// The outermost operation of a bit-vector term and its operands: for code that turns a term the
/// solver simplified back into instructions.
public enum TermShape {
  case numeral(UInt128)
  /// A variable (an uninterpreted constant), by its SMT name.
  case variable(String)
  case and([BitVec])
  case or([BitVec])
  case xor([BitVec])
  case add([BitVec])
  /// Bits `high` down to `low` of the operand.
  case extract(high: Int, low: Int, BitVec)
  /// The operand with `bits` zero bits above it.
  case zeroExtend(bits: Int, BitVec)
  /// The operands side by side, the first the most significant.
  case concat([BitVec])
  /// `ifEqual` when the two bit-vectors are equal, else `otherwise` (C's `a == b` or `a != b`
  /// as a value).
  case choice(left: BitVec, right: BitVec, ifEqual: BitVec, otherwise: BitVec)
  /// Anything else, by its SMT text.
  case other(String)
}

extension BitVec {
  /// The term's outermost operation (after no simplification: simplify first where wanted).
  public var shape: TermShape {
    guard case .term(let ast) = storage else { return .numeral(concrete ?? 0) }
    let raw = ast.context.raw
    if let number = numeral { return .numeral(UInt128(number)) }
    guard Z3_get_ast_kind(raw, ast.raw) == Z3_APP_AST, let application = Z3_to_app(raw, ast.raw),
      let declaration = Z3_get_app_decl(raw, application)
    else { return .other(description) }
    let count = Int(Z3_get_app_num_args(raw, application))
    // An if-then-else's first operand is a condition, not a bit-vector: taken apart on its own.
    if Z3_get_decl_kind(raw, declaration) == Z3_OP_ITE { return choiceShape(raw, application) ?? .other(description) }
    let operands = (0..<count).map { index -> BitVec in
      let argument = Z3_get_app_arg(raw, application, UInt32(index))
      let width = Int(Z3_get_bv_sort_size(raw, Z3_get_sort(raw, argument)))
      return BitVec(ast.context.wrap(argument), width: width)
    }
    switch Z3_get_decl_kind(raw, declaration) {
    case Z3_OP_UNINTERPRETED where count == 0:
      return .variable(String(cString: Z3_get_symbol_string(raw, Z3_get_decl_name(raw, declaration))))
    case Z3_OP_BAND: return .and(operands)
    case Z3_OP_BOR: return .or(operands)
    case Z3_OP_BXOR: return .xor(operands)
    case Z3_OP_BADD: return .add(operands)
    case Z3_OP_CONCAT: return .concat(operands)
    case Z3_OP_EXTRACT where count == 1:
      return .extract(
        high: Int(Z3_get_decl_int_parameter(raw, declaration, 0)),
        low: Int(Z3_get_decl_int_parameter(raw, declaration, 1)), operands[0])
    case Z3_OP_ZERO_EXT where count == 1:
      return .zeroExtend(bits: Int(Z3_get_decl_int_parameter(raw, declaration, 0)), operands[0])
    default: return .other(description)
    }
  }

  /// `ite (= a b) t e` over bit-vectors; nil for any other condition.
  private func choiceShape(_ raw: Z3_context, _ application: Z3_app) -> TermShape? {
    guard case .term(let ast) = storage, Z3_get_app_num_args(raw, application) == 3 else { return nil }
    func bitVector(_ argument: Z3_ast?) -> BitVec? {
      guard let argument, let sort = Z3_get_sort(raw, argument), Z3_get_sort_kind(raw, sort) == Z3_BV_SORT else {
        return nil
      }
      return BitVec(ast.context.wrap(argument), width: Int(Z3_get_bv_sort_size(raw, sort)))
    }
    let condition = Z3_get_app_arg(raw, application, 0)
    guard Z3_get_ast_kind(raw, condition) == Z3_APP_AST, let test = Z3_to_app(raw, condition),
      let equality = Z3_get_app_decl(raw, test), Z3_get_decl_kind(raw, equality) == Z3_OP_EQ,
      Z3_get_app_num_args(raw, test) == 2,
      let left = bitVector(Z3_get_app_arg(raw, test, 0)), let right = bitVector(Z3_get_app_arg(raw, test, 1)),
      let ifEqual = bitVector(Z3_get_app_arg(raw, application, 1)),
      let otherwise = bitVector(Z3_get_app_arg(raw, application, 2))
    else { return nil }
    return .choice(left: left, right: right, ifEqual: ifEqual, otherwise: otherwise)
  }
}
