/// C expressions and statements of a function body, as the kernel readers see them: enough C to
/// follow values through a function (declarations, assignments, calls, conditions), with every
/// construct the parser does not take reported where it stands.
public indirect enum CExpression: Sendable, Equatable {
  case name(String)
  /// An integer, character or string literal, as written.
  case literal(String)
  case call(CExpression, [CExpression])
  case index(CExpression, CExpression)
  /// `base.field` or `base->field`.
  case member(CExpression, String, arrow: Bool)
  /// `!x`, `~x`, `-x`, `+x`, `&x`, `*x`, and `++x`/`--x`.
  case prefix(String, CExpression)
  /// `x++`, `x--`.
  case postfix(String, CExpression)
  case binary(String, CExpression, CExpression)
  /// `=` and the compound assignments (`&=`, `+=`, …).
  case assign(String, CExpression, CExpression)
  case conditional(CExpression, CExpression, CExpression)
  /// `(type) x`: the type as written.
  case cast(String, CExpression)
  /// `sizeof(…)` of a type or an expression, as written.
  case sizeof(String)
  /// GNU `({ … })`: the value of its last expression statement.
  case statementExpression(CBlock)
  /// `{ .field = value, … }` or `{ value, … }`: an initialiser list (a declaration's only).
  case initializer([CDesignator])

  /// The expression as source text without spaces, for messages.
  public var text: String {
    switch self {
    case .name(let name): return name
    case .literal(let text): return text
    case .call(let function, let arguments):
      return "\(function.text)(\(arguments.map(\.text).joined(separator: ",")))"
    case .index(let base, let index): return "\(base.text)[\(index.text)]"
    case .member(let base, let field, let arrow): return "\(base.text)\(arrow ? "->" : ".")\(field)"
    case .prefix(let op, let operand): return op + operand.text
    case .postfix(let op, let operand): return operand.text + op
    case .binary(let op, let left, let right): return "\(left.text)\(op)\(right.text)"
    case .assign(let op, let left, let right): return "\(left.text)\(op)\(right.text)"
    case .conditional(let test, let then, let otherwise): return "\(test.text)?\(then.text):\(otherwise.text)"
    case .cast(let type, let operand): return "(\(type))\(operand.text)"
    case .sizeof(let operand): return "sizeof(\(operand))"
    case .statementExpression: return "({…})"
    case .initializer(let items):
      return "{" + items.map { ($0.field.map { ".\($0)=" } ?? "") + $0.value.text }.joined(separator: ",") + "}"
    }
  }
}

/// One element of an initialiser list: the field it names (`.low = …`), if any, and its value.
public struct CDesignator: Sendable, Equatable {
  public let field: String?
  public let value: CExpression
}

/// The statements of a GNU statement expression. Two are equal when they are the same parse.
public final class CBlock: Sendable, Equatable {
  public let statements: [CStatement]
  public init(_ statements: [CStatement]) { self.statements = statements }
  public static func == (l: CBlock, r: CBlock) -> Bool { l === r }
}

/// Statements only the GNU-extended reading takes apart (kernel macro expansions): the policy and
/// litmus readers never see them.
public indirect enum CExtendedStatement: Sendable {
  case asm(InlineAssembly)
  case switchOn(CExpression, [CStatement])
  /// `case value:`, or `default:` when nil.
  case caseLabel(CExpression?)
  case breakStatement
  case continueStatement
  /// `do body while (condition);`
  case doWhile(CStatement, CExpression)
  /// `while (condition) body`, or `for (initial; condition; step) body` (no condition: forever).
  case loop(initial: CStatement?, condition: CExpression?, step: CExpression?, body: CStatement)
  /// `__label__ a, b;`
  case localLabels([String])
  case label(String)
  case goto(String)
  /// `register TYPE name asm("reg") = value;`: a local the compiler keeps in that register for
  /// the asm statements that use it.
  case registerVariable(type: String, name: String, register: String, initial: CExpression?)

  /// The keyword a reader that does not take this statement names.
  public var keyword: String {
    switch self {
    case .asm: "asm"
    case .switchOn: "switch"
    case .caseLabel(let value): value == nil ? "default" : "case"
    case .breakStatement: "break"
    case .continueStatement: "continue"
    case .doWhile: "do"
    case .loop(let initial, _, _, _): initial == nil ? "while" : "for"
    case .localLabels: "__label__"
    case .label: "label"
    case .goto: "goto"
    case .registerVariable: "register"
    }
  }
}

/// A statement of a function body, with where it starts.
public indirect enum CStatement: Sendable {
  case block([CStatement])
  case expression(CExpression, SourceLocation)
  /// Declared names with their initialisers, in order; `type` as written.
  case declaration(type: String, [(name: String, initial: CExpression?)], SourceLocation)
  case branch(CExpression, CStatement, CStatement?, SourceLocation)
  case returns(CExpression?, SourceLocation)
  /// A statement kind the parser keeps but does not take apart (a loop, a `switch`, `goto`, …).
  case other(keyword: String, SourceLocation)
  /// A statement of the GNU-extended reading (`CParser.gnuExtensions`).
  case extended(CExtendedStatement, SourceLocation)
}

/// Why a body could not be parsed, located.
public struct CSyntaxError: Error, Sendable {
  public let location: SourceLocation
  public let reason: String
}

/// A recursive-descent parser over the tokens of one function body.
public struct CParser {
  let tokens: [CToken]
  let file: String
  var index: Int
  /// Nesting of statements and expressions; past `maxDepth` the parser gives up, so that a mangled
  /// file cannot exhaust the stack.
  var depth = 0
  public static let maxDepth = 64
  /// Takes apart what kernel macro expansions hold: `asm`, `switch`/`case`/`break`, `do … while`,
  /// labels, statement expressions and `__typeof__` types. Off, these are `other` statements.
  public var gnuExtensions = false

  public init(tokens: [CToken], file: String, index: Int) {
    self.tokens = tokens
    self.file = file
    self.index = index
  }

  var current: CToken? { index < tokens.count ? tokens[index] : nil }
  func peek(_ offset: Int) -> CToken? { index + offset < tokens.count ? tokens[index + offset] : nil }

  public func location(_ token: CToken? = nil) -> SourceLocation {
    let token = token ?? current ?? tokens.last
    return SourceLocation(file: token?.file ?? file, line: token?.line ?? 1, column: token?.column ?? 1)
  }

  func error(_ reason: String, at token: CToken? = nil) -> CSyntaxError {
    CSyntaxError(location: location(token), reason: reason)
  }

  mutating func expect(_ text: String) throws(CSyntaxError) {
    guard current?.text == text else {
      throw error("expected '\(text)', found '\(current?.text ?? "the end of the file")'")
    }
    index += 1
  }

  mutating func nest() throws(CSyntaxError) {
    depth += 1
    if depth > Self.maxDepth { throw error("the code nests deeper than \(Self.maxDepth) levels") }
  }

  // MARK: Statements

  /// A `{ … }` block from its opening brace.
  public mutating func block() throws(CSyntaxError) -> [CStatement] {
    try expect("{")
    var statements: [CStatement] = []
    while current?.text != "}" {
      guard current != nil else { throw error("the block is not closed") }
      statements.append(try statement())
    }
    index += 1
    return statements
  }

  static let loopsAndJumps: Set<String> = [
    "for", "while", "do", "switch", "goto", "break", "continue", "case", "default", "asm", "__asm__",
  ]

  public mutating func statement() throws(CSyntaxError) -> CStatement {
    guard let token = current else { throw error("expected a statement") }
    try nest()
    defer { depth -= 1 }
    let here = location(token)
    switch token.text {
    case "{": return .block(try block())
    case ";":
      index += 1
      return .block([])
    case "if":
      index += 1
      try expect("(")
      let condition = try expression()
      try expect(")")
      let then = try statement()
      var otherwise: CStatement?
      if current?.text == "else" {
        index += 1
        otherwise = try statement()
      }
      return .branch(condition, then, otherwise, here)
    case "return":
      index += 1
      if current?.text == ";" {
        index += 1
        return .returns(nil, here)
      }
      let value = try expression()
      try expect(";")
      return .returns(value, here)
    case let keyword where gnuExtensions && Self.extendedKeywords.contains(keyword):
      return .extended(try extendedStatement(), here)
    case _ where gnuExtensions && token.kind == .identifier && peek(1)?.text == ":" && peek(2)?.text != ":":
      index += 2
      return .extended(.label(token.text), here)
    case let keyword where Self.loopsAndJumps.contains(keyword):
      try skipStatement()
      return .other(keyword: keyword, here)
    default:
      if isDeclarationAhead() { return try declaration() }
      let value = try expression()
      try expect(";")
      return .expression(value, here)
    }
  }

  static let extendedKeywords: Set<String> = [
    "asm", "__asm__", "__asm", "switch", "case", "default", "break", "continue", "do", "while", "for", "__label__",
    "goto",
  ]

  mutating func extendedStatement() throws(CSyntaxError) -> CExtendedStatement {
    guard let token = current else { throw error("expected a statement") }
    if atInlineAssembly { return .asm(try inlineAssembly()) }
    index += 1
    switch token.text {
    case "switch":
      try expect("(")
      let value = try expression()
      try expect(")")
      guard current?.text == "{" else { throw error("expected '{' after switch") }
      return .switchOn(value, try block())
    case "case":
      let value = try conditional()
      try expect(":")
      return .caseLabel(value)
    case "default":
      try expect(":")
      return .caseLabel(nil)
    case "break":
      try expect(";")
      return .breakStatement
    case "continue":
      try expect(";")
      return .continueStatement
    case "while":
      try expect("(")
      let condition = try expression()
      try expect(")")
      return .loop(initial: nil, condition: condition, step: nil, body: try statement())
    case "for":
      try expect("(")
      // An empty initial statement is kept as an empty block, so that a `for` is told from a `while`.
      let initial: CStatement
      if current?.text == ";" {
        index += 1
        initial = .block([])
      } else {
        initial = try statement()
      }
      let condition = current?.text == ";" ? nil : try expression()
      try expect(";")
      let step = current?.text == ")" ? nil : try expression()
      try expect(")")
      return .loop(initial: initial, condition: condition, step: step, body: try statement())
    case "do":
      let body = try statement()
      try expect("while")
      try expect("(")
      let condition = try expression()
      try expect(")")
      try expect(";")
      return .doWhile(body, condition)
    case "__label__":
      var names: [String] = []
      while let name = current, name.kind == .identifier {
        names.append(name.text)
        index += 1
        if current?.text == "," { index += 1 }
      }
      try expect(";")
      return .localLabels(names)
    default:
      guard let name = current, name.kind == .identifier else { throw error("expected a label after goto") }
      index += 1
      try expect(";")
      return .goto(name.text)
    }
  }

  /// Skips an unparsed statement: to its `;` at depth zero, or past its braced body.
  mutating func skipStatement() throws(CSyntaxError) {
    var depth = 0
    while let token = current {
      index += 1
      switch token.text {
      case "(", "[", "{": depth += 1
      case ")", "]":
        depth -= 1
      case "}":
        depth -= 1
        // A braced body ends the statement unless `while (…);` of a do loop or an else follows.
        if depth == 0 && current?.text != "while" && current?.text != "else" { return }
      case ";":
        if depth == 0 { return }
      default: break
      }
      if depth < 0 { throw error("unbalanced brackets") }
    }
    throw error("the statement is not closed")
  }

  /// Type words that start a declaration.
  static let typeWords: Set<String> = [
    "unsigned", "signed", "long", "int", "short", "char", "bool", "_Bool", "void", "const", "volatile",
    "static", "struct", "union", "enum", "register", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64",
    "size_t", "ssize_t", "uintptr_t", "__user", "auto", "__typeof__", "typeof", "ulong", "u128", "s128",
    "__int128",
  ]

  /// `TYPE name …`: a type word, or two identifiers in a row (`foo_t x`).
  func isDeclarationAhead() -> Bool {
    guard let first = current, first.kind == .identifier else { return false }
    if Self.typeWords.contains(first.text) { return true }
    guard let second = peek(1) else { return false }
    return second.kind == .identifier || (second.text == "*" && peek(2)?.kind == .identifier && peek(3)?.text == "=")
  }

  /// `TYPE a, *b = x, c;`: the names and initialisers; pointer stars and array bounds belong to the type.
  mutating func declaration() throws(CSyntaxError) -> CStatement {
    let here = location()
    var typeWords: [String] = []
    // The type: words up to the first declarator, which is an identifier followed by `=`, `,`, `;` or `[`.
    while let token = current {
      if token.kind == .identifier, !Self.typeWords.contains(token.text) || token.text == "__user",
        let next = peek(1)?.text,
        ["=", ",", ";", "["].contains(next) || (gnuExtensions && ["asm", "__asm__", "__asm"].contains(next)),
        !typeWords.isEmpty,
        typeWords.last != "struct" && typeWords.last != "enum" && typeWords.last != "union"
      {
        break
      }
      if token.text == "__typeof__" || token.text == "typeof" {
        index += 1
        typeWords.append("__typeof__(" + (try bracketed(open: "(", close: ")")) + ")")
        continue
      }
      if token.text == ";" || token.text == "{" || token.text == "}" || token.text == "(" {
        throw error("expected a declared name", at: token)
      }
      typeWords.append(token.text)
      index += 1
    }
    var names: [(name: String, initial: CExpression?)] = []
    var stars: Int?
    // The first declarator's stars, read with the type above (`struct s *a, *b;`).
    var leading = 0
    while gnuExtensions && typeWords.last == "*" {
      typeWords.removeLast()
      leading += 1
    }
    while true {
      var count = stars == nil ? leading : 0
      while current?.text == "*" {
        index += 1
        count += 1
      }
      // The GNU reading keeps the first declarator's pointer level in the type, so all must agree.
      if gnuExtensions {
        if let stars, stars != count { throw error("declarators of different pointer levels are not read") }
        if stars == nil && count > 0 { typeWords.append(String(repeating: "*", count: count)) }
        stars = count
      }
      guard let name = current, name.kind == .identifier else { throw error("expected a declared name") }
      index += 1
      while current?.text == "[" {
        _ = try bracketed(open: "[", close: "]")
      }
      // GNU: `asm("t1")` binds a register variable to its register.
      var register: String?
      if gnuExtensions, let word = current?.text, ["asm", "__asm__", "__asm"].contains(word) {
        index += 1
        try expect("(")
        guard let text = current, text.kind == .string else { throw error("expected a register name") }
        index += 1
        try expect(")")
        register = String(text.text.dropFirst().dropLast())
      }
      var initial: CExpression?
      if current?.text == "=" {
        index += 1
        initial = gnuExtensions && current?.text == "{" ? try initializerList() : try assignment()
      }
      if let register {
        guard names.isEmpty, current?.text == ";" else {
          throw error("a register variable declared beside others is not read")
        }
        index += 1
        return .extended(
          .registerVariable(
            type: typeWords.filter { $0 != "register" }.joined(separator: " "), name: name.text, register: register,
            initial: initial), here)
      }
      names.append((name.text, initial))
      if current?.text == "," {
        index += 1
        continue
      }
      try expect(";")
      return .declaration(type: typeWords.joined(separator: " "), names, here)
    }
  }

  /// `{ .field = value, value, … }`.
  mutating func initializerList() throws(CSyntaxError) -> CExpression {
    try expect("{")
    var items: [CDesignator] = []
    while current?.text != "}" {
      var field: String?
      if current?.text == ".", let name = peek(1), name.kind == .identifier, peek(2)?.text == "=" {
        field = name.text
        index += 3
      }
      items.append(CDesignator(field: field, value: try assignment()))
      guard current?.text == "," else { break }
      index += 1
    }
    try expect("}")
    return .initializer(items)
  }

  /// The tokens between a bracket and its match, both consumed, as text.
  mutating func bracketed(open: String, close: String) throws(CSyntaxError) -> String {
    try expect(open)
    var depth = 1
    var parts: [String] = []
    while let token = current {
      index += 1
      if token.text == open { depth += 1 }
      if token.text == close {
        depth -= 1
        if depth == 0 { return parts.joined(separator: " ") }
      }
      if token.text == ";" || token.text == "{" || token.text == "}" { throw error("expected '\(close)'", at: token) }
      parts.append(token.text)
    }
    throw error("expected '\(close)'")
  }

  // MARK: Expressions

  /// A full expression, commas included.
  public mutating func expression() throws(CSyntaxError) -> CExpression {
    var result = try assignment()
    while current?.text == "," {
      index += 1
      result = .binary(",", result, try assignment())
    }
    return result
  }

  static let assignments: Set<String> = ["=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="]

  mutating func assignment() throws(CSyntaxError) -> CExpression {
    try nest()
    defer { depth -= 1 }
    let left = try conditional()
    if let op = current?.text, Self.assignments.contains(op) {
      index += 1
      return .assign(op, left, try assignment())
    }
    return left
  }

  mutating func conditional() throws(CSyntaxError) -> CExpression {
    let test = try binary(0)
    guard current?.text == "?" else { return test }
    index += 1
    let then = try expression()
    try expect(":")
    return .conditional(test, then, try conditional())
  }

  /// Binary operators from the loosest to the tightest.
  static let precedence: [Set<String>] = [
    ["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<", ">", "<=", ">="], ["<<", ">>"], ["+", "-"],
    ["*", "/", "%"],
  ]

  mutating func binary(_ level: Int) throws(CSyntaxError) -> CExpression {
    guard level < Self.precedence.count else { return try unary() }
    var result = try binary(level + 1)
    while let op = current?.text, current?.kind == .punctuation, Self.precedence[level].contains(op) {
      index += 1
      result = .binary(op, result, try binary(level + 1))
    }
    return result
  }

  mutating func unary() throws(CSyntaxError) -> CExpression {
    try nest()
    defer { depth -= 1 }
    guard let token = current else { throw error("expected an expression") }
    switch token.text {
    case "!", "~", "-", "+", "&", "*", "++", "--":
      index += 1
      return .prefix(token.text, try unary())
    case "sizeof":
      index += 1
      if current?.text == "(" { return .sizeof(try bracketed(open: "(", close: ")")) }
      return .sizeof(try unary().text)
    case "(" where isCastAhead():
      let type = try bracketed(open: "(", close: ")")
      return .cast(type, try unary())
    default:
      return try postfix()
    }
  }

  /// `(` starting a type: a type word, or an identifier and `*` before the `)`.
  func isCastAhead() -> Bool {
    guard let first = peek(1), first.kind == .identifier else { return false }
    if Self.typeWords.contains(first.text) { return true }
    var offset = 2
    while peek(offset)?.text == "*" { offset += 1 }
    return offset > 2 && peek(offset)?.text == ")"
  }

  mutating func postfix() throws(CSyntaxError) -> CExpression {
    var result = try primary()
    while let token = current {
      switch token.text {
      case "(":
        index += 1
        var arguments: [CExpression] = []
        while current?.text != ")" {
          arguments.append(try assignment())
          if current?.text == "," { index += 1 } else if current?.text != ")" { throw error("expected ',' or ')'") }
        }
        index += 1
        result = .call(result, arguments)
      case "[":
        index += 1
        let position = try expression()
        try expect("]")
        result = .index(result, position)
      case ".", "->":
        index += 1
        guard let field = current, field.kind == .identifier else { throw error("expected a field name") }
        index += 1
        result = .member(result, field.text, arrow: token.text == "->")
      case "++", "--":
        index += 1
        result = .postfix(token.text, result)
      default:
        return result
      }
    }
    return result
  }

  mutating func primary() throws(CSyntaxError) -> CExpression {
    guard let token = current else { throw error("expected an expression") }
    switch token.kind {
    case .identifier:
      index += 1
      return .name(token.text)
    case .number, .character:
      index += 1
      return .literal(token.text)
    case .string:
      index += 1
      // Adjacent string literals are one.
      var text = token.text
      while current?.kind == .string {
        text += current!.text
        index += 1
      }
      return .literal(text)
    case .punctuation where token.text == "(" && gnuExtensions && peek(1)?.text == "{":
      index += 1
      let statements = try block()
      try expect(")")
      return .statementExpression(CBlock(statements))
    case .punctuation where token.text == "(":
      index += 1
      let inner = try expression()
      try expect(")")
      return inner
    default:
      throw error("expected an expression, found '\(token.text)'", at: token)
    }
  }
}
