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
}
