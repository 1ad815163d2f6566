/// Reads herd's C litmus tests in the kernel's dialect. The header and the clauses after the
/// threads are read as for RISC-V tests (`(* … *)` comments, `locations`, `filter`, the
/// condition); the initial state and the threads are C, with `//` and `/* … */` comments.
public struct KernelLitmusParser {
  let file: String
  let characters: [Character]
  private var position = 0
  private var line = 1
  private var column = 1

  public static func parse(_ text: String, file: String) throws(LitmusError) -> KernelLitmusTest {
    var parser = KernelLitmusParser(file: file, characters: Array(text))
    return try parser.test(lines: text.components(separatedBy: "\n"))
  }

  /// Whether a file holds a C test: its first word is `C`.
  public static func isKernelTest(_ text: String) -> Bool {
    text.split(whereSeparator: \.isWhitespace).first == "C"
  }

  private init(file: String, characters: [Character]) {
    self.file = file
    self.characters = characters
  }

  /// A place in the file (1-based).
  struct SourcePosition {
    var line: Int
    var column: Int
  }

  private func error(_ at: SourcePosition, _ message: String) -> LitmusError {
    LitmusError(file: file, line: at.line, column: at.column, message: message)
  }

  private var here: SourcePosition { SourcePosition(line: line, column: column) }

  // MARK: Characters

  private func peek(_ offset: Int = 0) -> Character? {
    position + offset < characters.count ? characters[position + offset] : nil
  }

  private mutating func advance() {
    if characters[position] == "\n" {
      line += 1
      column = 1
    } else {
      column += 1
    }
    position += 1
  }

  /// Skips blanks and comments; `(* … *)` counts as a comment only outside C code.
  private mutating func skipBlanks(herdComments: Bool) throws(LitmusError) {
    while let character = peek() {
      if character.isWhitespace {
        advance()
      } else if character == "/" && peek(1) == "/" {
        while let next = peek(), next != "\n" { advance() }
      } else if character == "/" && peek(1) == "*" {
        let start = here
        advance()
        advance()
        while peek() != nil && !(peek() == "*" && peek(1) == "/") { advance() }
        guard peek() != nil else { throw error(start, "'/*' comment without its '*/'") }
        advance()
        advance()
      } else if herdComments && character == "(" && peek(1) == "*" {
        let start = here
        var depth = 0
        repeat {
          if peek() == "(" && peek(1) == "*" {
            depth += 1
            advance()
          } else if peek() == "*" && peek(1) == ")" {
            depth -= 1
            advance()
          }
          advance()
        } while depth > 0 && peek() != nil
        guard depth == 0 else { throw error(start, "'(*' comment without its '*)'") }
      } else {
        return
      }
    }
  }

  // MARK: The test

  private mutating func test(lines: [String]) throws(LitmusError) -> KernelLitmusTest {
    try skipBlanks(herdComments: false)
    let start = here
    let headerWords = readLine().split(whereSeparator: \.isWhitespace)
    guard headerWords.count >= 2, headerWords[0] == "C" else {
      throw error(start, "expected 'C NAME' on the first line")
    }
    var header = LitmusTest(
      architecture: "C", name: headerWords[1...].joined(separator: " "),
      condition: .init(quantifier: .exists, expression: .constant(true)))
    // herd reads the lines before the initial state as free text.
    try skipBlanks(herdComments: true)
    while let character = peek(), character == "\"" || character.isLetter {
      _ = readLine()
      try skipBlanks(herdComments: true)
    }
    guard peek() == "{" else { throw error(here, "expected the '{' initial state") }
    header.initial = try initialState()
    var threads: [KernelThread] = []
    while true {
      try skipBlanks(herdComments: true)
      let save = (position, line, column)
      guard let word = try? identifier(), word.first == "P", let number = Int(word.dropFirst()),
        word.dropFirst().allSatisfy(\.isNumber)
      else {
        (position, line, column) = save
        break
      }
      guard number == threads.count else {
        throw error(SourcePosition(line: save.1, column: save.2), "expected thread P\(threads.count), found \(word)")
      }
      threads.append(try thread(number))
    }
    guard !threads.isEmpty else { throw error(here, "expected thread P0") }
    // The clauses: the file from here, with what came before blanked so that lines keep their numbers.
    var tail = lines
    for index in 0..<(line - 1) where index < tail.count { tail[index] = "" }
    if line - 1 < tail.count {
      let text = Array(tail[line - 1])
      tail[line - 1] = String(repeating: " ", count: min(column - 1, text.count)) + String(text.dropFirst(column - 1))
    }
    let clauses = try LitmusParser.clauses(lines: tail, file: file, threads: threads.count)
    header.observed = clauses.observed
    header.filter = clauses.filter
    header.condition = clauses.condition
    // Every thread parameter names a shared location.
    for thread in threads {
      for name in thread.parameters where !header.initial.contains(where: { $0.location == .memory(name) }) {
        header.initial.append(.init(location: .memory(name), value: nil, type: nil))
      }
    }
    try checkVariables(header, threads, lines)
    return KernelLitmusTest(header: header, threads: threads)
  }

  /// Every `N:name` of the clauses is a variable thread N declares, assigns or is given in the
  /// initial state: a typo would read as 0 and quietly change the verdict.
  private func checkVariables(_ header: LitmusTest, _ threads: [KernelThread], _ lines: [String]) throws(LitmusError) {
    var locations = Array(header.condition.expression.locations) + header.observed
    if let filter = header.filter { locations += filter.locations }
    for case .variable(let thread, let name) in locations {
      let variables = threads[thread].declaredNames.union(threads[thread].implicitRegisters)
        .union(threads[thread].parameters)
      let initialised = header.initial.contains { $0.location == .variable(thread: thread, name: name) }
      guard !variables.contains(name) && !initialised else { continue }
      let text = "\(thread):\(name)"
      let row = lines.lastIndex { $0.contains(text) } ?? 0
      let column =
        lines.isEmpty
        ? 1
        : (lines[row].range(of: text).map { lines[row].distance(from: lines[row].startIndex, to: $0.lowerBound) } ?? 0)
          + 1
      throw LitmusError(
        file: file, line: row + 1, column: column, message: "thread \(thread) declares no variable '\(name)'")
    }
  }

  private mutating func readLine() -> String {
    var text = ""
    while let character = peek(), character != "\n" {
      text.append(character)
      advance()
    }
    return text
  }

  // MARK: Initial state

  /// `{ int x; atomic_t v = ATOMIC_INIT(1); int *p = y; x = 1; 0:r1 = 2; }`.
  private mutating func initialState() throws(LitmusError) -> [LitmusTest.Initialiser] {
    advance()
    var result: [LitmusTest.Initialiser] = []
    while true {
      try skipBlanks(herdComments: true)
      guard let character = peek() else { throw error(here, "the initial state has no closing '}'") }
      if character == "}" {
        advance()
        return result
      }
      if character == ";" {
        advance()
        continue
      }
      let start = here
      var words: [String] = []
      var pointer = false
      while let next = peek(), next != "=" && next != ";" && next != "}" {
        if next == "*" {
          pointer = true
          advance()
        } else if next.isWhitespace {
          advance()
        } else {
          var word = try identifier()
          if peek() == ":", let thread = Int(word) {
            advance()
            word = "\(thread):" + (try identifier())
          }
          words.append(word)
        }
      }
      guard let name = words.last else { throw error(start, "expected a declaration or LOCATION=VALUE") }
      let location: LitmusTest.Location
      if let colon = name.firstIndex(of: ":") {
        location = .variable(thread: Int(name[..<colon])!, name: String(name[name.index(after: colon)...]))
      } else {
        location = .memory(name)
      }
      var value: LitmusTest.Value?
      if peek() == "=" {
        advance()
        try skipBlanks(herdComments: true)
        value = try initialValue()
      }
      let type = words.dropLast().joined(separator: " ") + (pointer ? "*" : "")
      if value == nil && type.isEmpty { throw error(start, "expected a declaration or LOCATION=VALUE") }
      result.append(.init(location: location, value: value, type: type.isEmpty ? nil : type))
    }
  }

  /// A number, a location's name or address, or `ATOMIC_INIT(n)`.
  private mutating func initialValue() throws(LitmusError) -> LitmusTest.Value {
    let start = here
    if peek() == "&" { advance() }
    if peek() == "-" || peek()?.isNumber == true {
      return .number(try number())
    }
    let word = try identifier()
    if word == "ATOMIC_INIT" || word == "ATOMIC64_INIT" {
      try expect("(")
      try skipBlanks(herdComments: false)
      let value = try number()
      try skipBlanks(herdComments: false)
      try expect(")")
      return .number(value)
    }
    guard !word.isEmpty else { throw error(start, "expected a value") }
    return .address(word)
  }

  private mutating func number() throws(LitmusError) -> Int64 {
    let start = here
    var text = ""
    if peek() == "-" {
      text.append("-")
      advance()
    }
    while let character = peek(), character.isLetter || character.isNumber {
      text.append(character)
      advance()
    }
    let negative = text.hasPrefix("-")
    var digits = negative ? String(text.dropFirst()) : text
    while let last = digits.last, "uUlL".contains(last), digits.count > 1 { digits.removeLast() }
    let magnitude =
      digits.lowercased().hasPrefix("0x") ? UInt64(digits.dropFirst(2), radix: 16) : UInt64(digits, radix: 10)
    guard let magnitude else { throw error(start, "'\(text)' is not a number") }
    let value = Int64(bitPattern: magnitude)
    return negative ? 0 &- value : value
  }

  private mutating func identifier() throws(LitmusError) -> String {
    let start = here
    var text = ""
    while let character = peek(), character.isLetter || character.isNumber || character == "_" {
      text.append(character)
      advance()
    }
    guard !text.isEmpty else { throw error(start, "expected a name, found '\(peek().map(String.init) ?? "the end")'") }
    return text
  }

  private mutating func expect(_ text: Character) throws(LitmusError) {
    guard peek() == text else {
      throw error(here, "expected '\(text)', found '\(peek().map(String.init) ?? "the end")'")
    }
    advance()
  }

  // MARK: Threads

  /// Integer types as wide as a pointer.
  static let wordTypes: Set<String> = ["long", "intptr_t", "uintptr_t", "size_t", "ssize_t"]

  /// `Pn(params) { body }` from its `(`: the extent is found here, the C is read by the kernel
  /// readers' tokenizer and parser, at the same lines and columns.
  private mutating func thread(_ number: Int) throws(LitmusError) -> KernelThread {
    let begin = position
    let location = SourceLocation(file: file, line: line, column: column)
    var depth = 0
    var opened = false
    while !(opened && depth == 0) {
      try skipBlanks(herdComments: false)
      guard let character = peek() else { throw error(here, "thread P\(number) ends before its closing '}'") }
      if character == "{" {
        depth += 1
        opened = true
      } else if character == "}" {
        depth -= 1
      } else if !opened && character == ";" {
        throw error(here, "expected '{' to open thread P\(number)")
      }
      advance()
    }
    // Everything before the thread blanked, so that tokens keep their places.
    let prefix = characters[..<begin].map { $0 == "\n" ? "\n" : " " as Character }
    let text = String(prefix) + String(characters[begin..<position])
    let tokens: [CToken]
    do throws(SourceError) { tokens = try CTokenizer.tokenize(text, file: file) } catch {
      throw LitmusError(file: file, line: error.line, column: error.column, message: error.message)
    }
    var parser = CParser(tokens: tokens, file: file, index: 0)
    do throws(CSyntaxError) {
      try parser.expect("(")
      var parameters: [String] = []
      var words: Set<String> = []
      var last: String?
      var stars = 0
      var wordType = false
      // A location of a pointer (`int **p`) or of a pointer-sized integer (`intptr_t *p`,
      // `long *p`) holds a machine word.
      func close(_ name: String) {
        parameters.append(name)
        if stars > 1 || (stars == 1 && wordType) { words.insert(name) }
      }
      while let token = parser.current, token.text != ")" {
        if token.kind == .identifier {
          if let previous = last { wordType = wordType || Self.wordTypes.contains(previous) }
          last = token.text
        }
        if token.text == "*" { stars += 1 }
        if token.text == "," {
          guard let name = last else { throw parser.error("expected a parameter name", at: token) }
          close(name)
          last = nil
          stars = 0
          wordType = false
        }
        parser.index += 1
      }
      if let last { close(last) }
      try parser.expect(")")
      let body = try parser.block()
      var thread = KernelThread(number: number, parameters: parameters, body: body, location: location)
      thread.wordParameters = words
      return thread
    } catch {
      throw LitmusError(
        file: file, line: error.location.line, column: error.location.column, message: error.reason)
    }
  }
}
