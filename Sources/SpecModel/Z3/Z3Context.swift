import CZ3

/// An error reported by Z3, turned into a Swift error instead of aborting the process.
public struct Z3Error: Error, CustomStringConvertible, Equatable {
  public let code: Int
  public let message: String
  public var description: String { "Z3 error \(code): \(message)" }
}

/// Owns one Z3 context. Every term made in it keeps the context alive.
///
/// A context is not thread-safe: give each worker its own.
public final class Z3Context {
  let raw: Z3_context
  /// The first Z3 error seen while building terms; the next solver check throws it.
  private(set) var pendingError: Z3Error?

  public init() {
    let config = Z3_mk_config()
    Z3_set_param_value(config, "model", "true")
    raw = Z3_mk_context_rc(config)
    Z3_del_config(config)
    // Without a handler Z3 records the error code instead of exiting the process.
    Z3_set_error_handler(raw, nil)
  }

  deinit { Z3_del_context(raw) }

  /// Reads Z3's error code after a call; records the first error for the next check.
  @discardableResult
  func noteError() -> Z3Error? {
    let code = Z3_get_error_code(raw)
    guard code != Z3_OK else { return nil }
    let message = Z3_get_error_msg(raw, code).map { String(cString: $0) } ?? "unknown error"
    let error = Z3Error(code: Int(code.rawValue), message: message)
    if pendingError == nil { pendingError = error }
    return error
  }

  /// Throws (and clears) an error recorded while terms were built.
  func throwPendingError() throws {
    if let error = pendingError {
      pendingError = nil
      throw error
    }
  }

  func symbol(_ name: String) -> Z3_symbol {
    Z3_mk_string_symbol(raw, name)
  }

  func bitVectorSort(_ width: Int) -> Z3_sort {
    Z3_mk_bv_sort(raw, UInt32(width))
  }

  /// Wraps a freshly returned AST, taking a reference before any other Z3 call can reclaim it.
  func wrap(_ ast: Z3_ast?) -> Z3Ast {
    guard let ast else {
      noteError()
      // A null AST only follows an error; a false constant keeps the caller well-typed.
      return Z3Ast(context: self, raw: Z3_mk_false(raw))
    }
    let wrapped = Z3Ast(context: self, raw: ast)
    noteError()
    return wrapped
  }
}

/// A reference-counted Z3 AST: the reference is taken when it is wrapped and dropped in `deinit`.
public final class Z3Ast {
  let context: Z3Context
  let raw: Z3_ast

  init(context: Z3Context, raw: Z3_ast) {
    self.context = context
    self.raw = raw
    Z3_inc_ref(context.raw, raw)
  }

  deinit { Z3_dec_ref(context.raw, raw) }

  /// The term in SMT-LIB syntax.
  public var smtText: String {
    String(cString: Z3_ast_to_string(context.raw, raw))
  }
}

extension Z3Context {
  /// Parses SMT-LIB assertions (declarations included) into one formula.
  /// A syntax error is recorded and thrown by the next check, like every Z3 error.
  public func parse(smtlib text: String) -> Formula {
    let vector = Z3_parse_smtlib2_string(raw, text, 0, nil, nil, 0, nil, nil)
    guard let vector, noteError() == nil else { return falseFormula }
    return all(elements(of: vector).map(Formula.init))
  }

  /// The elements of an AST vector Z3 returned, each referenced; the vector itself is released.
  func elements(of vector: Z3_ast_vector) -> [Z3Ast] {
    Z3_ast_vector_inc_ref(raw, vector)
    defer { Z3_ast_vector_dec_ref(raw, vector) }
    return (0..<Z3_ast_vector_size(raw, vector)).map { wrap(Z3_ast_vector_get(raw, vector, $0)) }
  }
}
