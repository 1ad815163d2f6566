/// A function the expansion defines (`static inline int arch_atomic_read(const atomic_t *v) { … }`):
/// its parameters and return type as written, and its body. A call to it is followed by running the
/// body with the arguments bound, as the compiler inlines it.
struct CFunction: Sendable {
  let name: String
  let returnType: String
  let parameters: [(type: String, name: String)]
  /// Nil when the body could not be read: a call is unknown, with this reason.
  let body: [CStatement]?
  let unreadable: String?

  /// Words of a definition's head that say nothing about the type it returns.
  static let specifiers: Set<String> = [
    "static", "inline", "__inline", "__inline__", "__always_inline", "extern", "__attribute__",
  ]

  /// Every function defined at file scope in `tokens`, by name.
  static func definitions(in tokens: [CToken], file: String) -> [String: CFunction] {
    var functions: [String: CFunction] = [:]
    var depth = 0
    var headStart = 0
    var index = 0
    while index < tokens.count {
      let token = tokens[index]
      switch token.text {
      case "{", "(", "[":
        // `name ( … ) {` at file scope: a definition.
        if token.text == "(", depth == 0, index > 0, tokens[index - 1].kind == .identifier,
          let close = matching(tokens, from: index), close + 1 < tokens.count, tokens[close + 1].text == "{"
        {
          let name = tokens[index - 1].text
          let head = tokens[headStart..<(index - 1)].map(\.text).filter { !specifiers.contains($0) }
          let parameters = parameterList(Array(tokens[(index + 1)..<close]))
          var parser = CParser(tokens: tokens, file: file, index: close + 1)
          parser.gnuExtensions = true
          var body: [CStatement]?
          var reason: String?
          do { body = try parser.block() } catch { reason = "\(error.location): \(error.reason)" }
          if let parameters {
            functions[name] = CFunction(
              name: name, returnType: head.joined(separator: " "), parameters: parameters, body: body,
              unreadable: reason)
          }
          // Past the body: its braces are the function's.
          index = max(parser.index, close + 1)
          headStart = index
          continue
        }
        depth += 1
      case "}", ")", "]":
        depth -= 1
        if depth == 0 && token.text == "}" { headStart = index + 1 }
      case ";":
        if depth == 0 { headStart = index + 1 }
      default: break
      }
      index += 1
    }
    return functions
  }

  /// The index of the bracket that closes the one at `start`.
  private static func matching(_ tokens: [CToken], from start: Int) -> Int? {
    var depth = 0
    for index in start..<tokens.count {
      if tokens[index].text == "(" { depth += 1 }
      if tokens[index].text == ")" {
        depth -= 1
        if depth == 0 { return index }
      }
    }
    return nil
  }

  /// `const atomic_t *v, int i`: each parameter's type words and name; `void` is none. Nil for a
  /// list this reader does not take (an unnamed parameter, `...`).
  private static func parameterList(_ tokens: [CToken]) -> [(type: String, name: String)]? {
    if tokens.isEmpty || tokens.map(\.text) == ["void"] { return [] }
    var parameters: [(type: String, name: String)] = []
    for piece in tokens.split(whereSeparator: { $0.text == "," }) {
      guard let last = piece.last, last.kind == .identifier, piece.count >= 2 else { return nil }
      parameters.append((piece.dropLast().map(\.text).joined(separator: " "), last.text))
    }
    return parameters
  }
}
