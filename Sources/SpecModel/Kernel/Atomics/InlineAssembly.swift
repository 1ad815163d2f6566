/// A GNU extended `asm` statement as the preprocessor leaves it: the template (its adjacent string
/// pieces joined and unescaped), the output and input operands with their constraints and C
/// expressions, the clobbers, and the labels of an `asm goto`.
public struct InlineAssembly: Sendable {
  public struct Operand: Sendable {
    /// `[name]` before the constraint, if given (`%[name]` refers to it).
    public let name: String?
    /// The constraint as written: `=&r`, `+A`, `rJ`, …
    public let constraint: String
    public let expression: CExpression
    public let location: SourceLocation

    /// `+`: read and written; `=`: written only.
    public var isReadWrite: Bool { constraint.hasPrefix("+") }
    /// `&`: written before every input is read, so it never shares an input's register.
    public var isEarlyClobber: Bool { constraint.contains("&") }
    /// The constraint letters without the modifiers (`=`, `+`, `&`).
    public var letters: String { String(constraint.filter { !"=+&".contains($0) }) }
  }

  public let template: String
  public let outputs: [Operand]
  public let inputs: [Operand]
  public let clobbers: [String]
  /// `asm goto`: the C labels the template may jump to (`%l[name]` or `%lN`).
  public let gotoLabels: [String]
  public let location: SourceLocation

  /// Operands in the numbering `%N` uses: outputs first, then inputs.
  public var operands: [Operand] { outputs + inputs }
}

extension CParser {
  static let asmKeywords: Set<String> = ["asm", "__asm__", "__asm"]
  static let asmQualifiers: Set<String> = ["volatile", "__volatile__", "__volatile", "inline", "__inline__", "goto"]

  /// Whether an `asm` statement starts here.
  public var atInlineAssembly: Bool { current.map { Self.asmKeywords.contains($0.text) } ?? false }

  /// An `asm [volatile] [goto] ( template : outputs : inputs : clobbers : labels );` statement,
  /// from its keyword to its semicolon.
  public mutating func inlineAssembly() throws(CSyntaxError) -> InlineAssembly {
    guard let keyword = current, Self.asmKeywords.contains(keyword.text) else {
      throw error("expected an asm statement")
    }
    let here = location(keyword)
    index += 1
    var isGoto = false
    while let qualifier = current, Self.asmQualifiers.contains(qualifier.text) {
      if qualifier.text == "goto" { isGoto = true }
      index += 1
    }
    try expect("(")
    let template = try stringPieces(what: "the asm template")
    var sections: [[InlineAssembly.Operand]] = []
    var clobbers: [String] = []
    var labels: [String] = []
    var section = 0
    while current?.text == ":" {
      index += 1
      section += 1
      switch section {
      case 1, 2: sections.append(try operandList())
      case 3: clobbers = try clobberList()
      case 4 where isGoto: labels = try labelList()
      default: throw error("an asm statement has at most \(isGoto ? 4 : 3) ':' sections")
      }
    }
    try expect(")")
    if current?.text == ";" { index += 1 }
    if isGoto && labels.isEmpty { throw error("'asm goto' names no label", at: keyword) }
    return InlineAssembly(
      template: template, outputs: sections.first ?? [], inputs: sections.count > 1 ? sections[1] : [],
      clobbers: clobbers, gotoLabels: labels, location: here)
  }

  /// Adjacent string literals, joined, with C escapes resolved.
  mutating func stringPieces(what: String) throws(CSyntaxError) -> String {
    guard current?.kind == .string else {
      throw error("\(what) is not a string literal (found '\(current?.text ?? "the end of the file")')")
    }
    var joined = ""
    while let token = current, token.kind == .string {
      guard let text = Self.unescaped(token.text) else { throw error("unknown escape in \(token.text)", at: token) }
      joined += text
      index += 1
    }
    return joined
  }

  /// The contents of a string literal token with `\n`, `\t`, `\"`, `\\` and octal escapes resolved;
  /// nil for an escape C does not have.
  static func unescaped(_ literal: String) -> String? {
    let scalars = Array(literal.unicodeScalars.dropFirst().dropLast())
    var result = ""
    var position = 0
    while position < scalars.count {
      let scalar = scalars[position]
      position += 1
      guard scalar == "\\", position < scalars.count else {
        result.unicodeScalars.append(scalar)
        continue
      }
      let escape = scalars[position]
      position += 1
      switch escape {
      case "n": result += "\n"
      case "t": result += "\t"
      case "\"", "\\", "'", "?": result.unicodeScalars.append(escape)
      case "0"..."7":
        var value = Int(escape.value - 48)
        while position < scalars.count, ("0"..."7").contains(scalars[position]), value < 32 {
          value = value * 8 + Int(scalars[position].value - 48)
          position += 1
        }
        guard let decoded = Unicode.Scalar(value) else { return nil }
        result.unicodeScalars.append(decoded)
      default: return nil
      }
    }
    return result
  }

  /// `"constraint" (expression)` entries, each optionally named `[name]`, up to the next `:` or `)`.
  mutating func operandList() throws(CSyntaxError) -> [InlineAssembly.Operand] {
    var operands: [InlineAssembly.Operand] = []
    while let token = current, token.text != ":" && token.text != ")" {
      let here = location(token)
      var name: String?
      if token.text == "[" {
        index += 1
        guard let identifier = current, identifier.kind == .identifier else {
          throw error("expected an operand name after '['")
        }
        name = identifier.text
        index += 1
        try expect("]")
      }
      let constraint = try stringPieces(what: "an operand constraint")
      try expect("(")
      let expression = try self.expression()
      try expect(")")
      operands.append(
        InlineAssembly.Operand(name: name, constraint: constraint, expression: expression, location: here))
      if current?.text == "," { index += 1 } else { break }
    }
    return operands
  }

  mutating func clobberList() throws(CSyntaxError) -> [String] {
    var clobbers: [String] = []
    while current?.kind == .string {
      clobbers.append(try stringPieces(what: "a clobber"))
      if current?.text == "," { index += 1 } else { break }
    }
    return clobbers
  }

  mutating func labelList() throws(CSyntaxError) -> [String] {
    var labels: [String] = []
    while let token = current, token.kind == .identifier {
      labels.append(token.text)
      index += 1
      if current?.text == "," { index += 1 } else { break }
    }
    return labels
  }
}

extension InlineAssembly {
  /// Every `asm` statement in preprocessed text, in order. Places are those of `file` (the
  /// expansion), since a macro's body has no line of its own there.
  public static func all(in text: String, file: String) throws -> [InlineAssembly] {
    let tokens = try CTokenizer.tokenize(text, file: file).filter { $0.kind != .preprocessor }
    var found: [InlineAssembly] = []
    var parser = CParser(tokens: tokens, file: file, index: 0)
    while parser.index < tokens.count {
      if parser.atInlineAssembly {
        found.append(try parser.inlineAssembly())
      } else {
        parser.index += 1
      }
    }
    return found
  }
}
