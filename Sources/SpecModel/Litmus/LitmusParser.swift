import Foundation

/// A problem in a litmus file, at its line and column.
public struct LitmusError: Error, CustomStringConvertible, Equatable {
  public let file: String
  public let line: Int
  public let column: Int
  public let message: String
  public var description: String { "\(file):\(line):\(column): error: \(message)" }
}

/// Reads the herd/diy litmus format: `RISCV NAME`, an optional quoted summary and `Key=Value`
/// lines, the `{ … }` initial state, the thread table (`P0 | P1 ;` then one row per step),
/// optional `locations [ … ]`, and an `exists` / `~exists` / `forall` condition. `(* … *)` are
/// comments.
public struct LitmusParser {
  let file: String
  let lines: [String]
  private var index = 0

  public static func parse(_ text: String, file: String) throws(LitmusError) -> LitmusTest {
    // herd reads the lines before the initial state as free text, so a comment left open there
    // ends with them; after that, comments are blanked out everywhere.
    let all = text.components(separatedBy: "\n")
    let start = all.firstIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix("{") } ?? all.count
    let header = Self.withoutComments(all[..<start].joined(separator: "\n"))
    let body = Self.withoutComments(all[start...].joined(separator: "\n"))
    let lines =
      (start > 0 ? header.components(separatedBy: "\n") : [])
      + (start < all.count ? body.components(separatedBy: "\n") : [])
    var parser = LitmusParser(file: file, lines: lines)
    return try parser.test()
  }

  private init(file: String, lines: [String], variables: Bool = false) {
    self.file = file
    self.lines = lines
    self.variables = variables
  }

  /// Whether `N:name` names a C thread's local variable rather than a hart's register.
  private var variables = false

  /// The clauses after a C test's threads: `locations`, `filter` and the condition. `lines` is the
  /// whole file with everything before the clauses blanked, so that lines keep their numbers.
  static func clauses(lines: [String], file: String, threads: Int) throws(LitmusError) -> (
    observed: [LitmusTest.Location], filter: LitmusTest.Expression?, condition: LitmusTest.Condition
  ) {
    var parser = LitmusParser(
      file: file, lines: withoutComments(lines.joined(separator: "\n")).components(separatedBy: "\n"), variables: true)
    var observed: [LitmusTest.Location] = []
    var next = parser.nextLine()
    if let (line, text) = next, text.trimmingCharacters(in: .whitespaces).hasPrefix("locations") {
      observed = try parser.locations(line, text)
      next = parser.nextLine()
    }
    var filter: LitmusTest.Expression?
    if let (line, text) = next, text.trimmingCharacters(in: .whitespaces).hasPrefix("filter") {
      filter = try parser.filter(startingAt: line)
      next = parser.nextLine()
    }
    guard let (line, text) = next else {
      throw parser.error(lines.count, 1, "missing the final condition (exists, ~exists or forall)")
    }
    let condition = try parser.condition(startingAt: line, text)
    try parser.checkThreads(
      initial: [], observed: observed, condition: filter.map { .and($0, condition.expression) } ?? condition.expression,
      count: threads)
    return (observed, filter, condition)
  }

  /// Blanks out `(* … *)` comments, keeping every other character where it was.
  static func withoutComments(_ text: String) -> String {
    var result: [Character] = []
    var depth = 0
    let characters = Array(text)
    var position = 0
    while position < characters.count {
      let character = characters[position]
      let next = position + 1 < characters.count ? characters[position + 1] : nil
      if character == "(" && next == "*" {
        depth += 1
        result += [" ", " "]
        position += 2
      } else if depth > 0 && character == "*" && next == ")" {
        depth -= 1
        result += [" ", " "]
        position += 2
      } else {
        result.append(depth > 0 && character != "\n" ? " " : character)
        position += 1
      }
    }
    return String(result)
  }

  private func error(_ line: Int, _ column: Int, _ message: String) -> LitmusError {
    LitmusError(file: file, line: line, column: column, message: message)
  }

  private func column(of text: Substring, in line: String) -> Int {
    line.distance(from: line.startIndex, to: text.startIndex) + 1
  }

  /// The next line that is not blank, with its 1-based number.
  private mutating func nextLine() -> (number: Int, text: String)? {
    while index < lines.count {
      defer { index += 1 }
      if !lines[index].trimmingCharacters(in: .whitespaces).isEmpty { return (index + 1, lines[index]) }
    }
    return nil
  }

  private mutating func test() throws(LitmusError) -> LitmusTest {
    guard let (headerLine, header) = nextLine() else { throw error(1, 1, "empty file: expected 'RISCV NAME'") }
    let words = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
    guard words.count == 2 else { throw error(headerLine, 1, "expected 'RISCV NAME' on the first line") }
    guard words[0] == "RISCV" else {
      throw error(headerLine, 1, "architecture '\(words[0])' is not RISCV")
    }
    var summary: String?
    var metadata: [String: String] = [:]
    var initial: [LitmusTest.Initialiser] = []
    while true {
      guard let (number, text) = nextLine() else { throw error(lines.count, 1, "missing the '{' initial state") }
      let trimmed = text.trimmingCharacters(in: .whitespaces)
      if trimmed.hasPrefix("{") {
        index -= 1
        initial = try initialState()
        break
      } else if trimmed.hasPrefix("\"") {
        guard trimmed.count >= 2, trimmed.hasSuffix("\"") else { throw error(number, 1, "unterminated quoted line") }
        summary = String(trimmed.dropFirst().dropLast())
      } else if let equals = trimmed.firstIndex(of: "=") {
        metadata[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
      } else {
        throw error(number, 1, "expected a quoted line, Key=Value or '{', found '\(trimmed.prefix(30))'")
      }
    }
    let threads = try threadTable()
    var observed: [LitmusTest.Location] = []
    var next = nextLine()
    if let (line, text) = next, text.trimmingCharacters(in: .whitespaces).hasPrefix("locations") {
      observed = try locations(line, text)
      next = nextLine()
    }
    var filter: LitmusTest.Expression?
    if let (line, text) = next, text.trimmingCharacters(in: .whitespaces).hasPrefix("filter") {
      filter = try self.filter(startingAt: line)
      next = nextLine()
    }
    // Without a condition herd asks whether every final state is allowed: `forall true`.
    var condition = LitmusTest.Condition(quantifier: .forall, expression: .constant(true))
    if let (line, text) = next { condition = try self.condition(startingAt: line, text) }
    try checkThreads(
      initial: initial, observed: observed,
      condition: filter.map { .and($0, condition.expression) } ?? condition.expression, count: threads.count)
    var result = LitmusTest(
      architecture: "RISCV", name: String(words[1]).trimmingCharacters(in: .whitespaces), condition: condition)
    result.summary = summary
    result.metadata = metadata
    result.initial = initial
    result.threads = threads
    result.observed = observed
    result.filter = filter
    return result
  }

  /// Every `N:reg` names a thread of the table: a register of a thread that does not exist is a
  /// typo, and left alone would read as 0 and quietly change the verdict.
  private func checkThreads(
    initial: [LitmusTest.Initialiser], observed: [LitmusTest.Location], condition: LitmusTest.Expression, count: Int
  ) throws(LitmusError) {
    var locations = initial.map(\.location) + observed
    var pending = [condition]
    while let expression = pending.popLast() {
      switch expression {
      case .constant: break
      case .equals(let location, _): locations.append(location)
      case .same(let left, let right): locations += [left, right]
      case .not(let inner): pending.append(inner)
      case .and(let left, let right), .or(let left, let right): pending += [left, right]
      }
    }
    for location in locations {
      let thread: Int
      switch location {
      case .register(let number, _), .variable(let number, _): thread = number
      case .memory: continue
      }
      guard thread >= count else { continue }
      let line = lines.firstIndex { $0.contains("\(thread):") }.map { $0 + 1 } ?? 1
      let column =
        lines[line - 1].range(of: "\(thread):").map {
          lines[line - 1].distance(from: lines[line - 1].startIndex, to: $0.lowerBound) + 1
        } ?? 1
      throw error(
        line, column,
        "thread \(thread.description.clipped) does not exist: the table has \(count) thread\(count == 1 ? "" : "s")")
    }
  }

  // MARK: Initial state

  /// The `{ … }` block: items separated by `;`, possibly over several lines.
  private mutating func initialState() throws(LitmusError) -> [LitmusTest.Initialiser] {
    var items: [(text: Substring, line: Int, column: Int)] = []
    var closed = false
    var opened = false
    while !closed, let (number, text) = nextLine() {
      var rest = Substring(text)
      if !opened {
        guard let brace = rest.firstIndex(of: "{") else { throw error(number, 1, "expected '{'") }
        rest = rest[rest.index(after: brace)...]
        opened = true
      }
      if let brace = rest.firstIndex(of: "}") {
        let after = rest[rest.index(after: brace)...].trimmingCharacters(in: .whitespaces)
        guard after.isEmpty else { throw error(number, column(of: rest[brace...], in: text), "text after '}'") }
        rest = rest[..<brace]
        closed = true
      }
      for item in rest.split(separator: ";", omittingEmptySubsequences: true)
      where !item.trimmingCharacters(in: .whitespaces).isEmpty {
        let start = item.firstIndex { !$0.isWhitespace } ?? item.startIndex
        items.append((item, number, column(of: item[start...], in: text)))
      }
    }
    guard closed else { throw error(lines.count, 1, "the initial state has no closing '}'") }
    return try items.map { item throws(LitmusError) in try initialiser(item.text, item.line, item.column) }
  }

  static let types: Set<String> = [
    "int", "uint8_t", "uint16_t", "uint32_t", "uint64_t", "int8_t", "int16_t", "int32_t", "int64_t", "long",
  ]

  private func initialiser(_ text: Substring, _ line: Int, _ column: Int) throws(LitmusError)
    -> LitmusTest.Initialiser
  {
    var body = text.trimmingCharacters(in: .whitespaces)
    var type: String?
    if let space = body.firstIndex(of: " "), Self.types.contains(String(body[..<space])) {
      type = String(body[..<space])
      body = body[space...].trimmingCharacters(in: .whitespaces)
      if body.hasPrefix("*") {
        type! += "*"
        body = String(body.dropFirst()).trimmingCharacters(in: .whitespaces)
      }
    }
    let parts = body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    let location = try self.location(parts[0], line, column)
    guard parts.count == 2 else {
      guard type != nil else { throw error(line, column, "expected LOCATION=VALUE or a typed declaration") }
      return LitmusTest.Initialiser(location: location, value: nil, type: type)
    }
    return LitmusTest.Initialiser(location: location, value: try value(parts[1], line, column), type: type)
  }

  /// `N:reg` (a hart's register, by x-number or ABI name) or a memory location's name.
  private func location(_ text: String, _ line: Int, _ column: Int) throws(LitmusError) -> LitmusTest.Location {
    var name = text
    if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
    if let colon = name.firstIndex(of: ":") {
      guard let thread = Int(name[..<colon]), thread >= 0 else {
        throw error(line, column, "'\(text)': expected THREAD:REGISTER")
      }
      let register = String(name[name.index(after: colon)...])
      if variables {
        guard let first = register.first, first.isLetter || first == "_",
          register.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
        else { throw error(line, column, "'\(register)' is not a variable name") }
        return .variable(thread: thread, name: register)
      }
      guard let number = RegisterNames.number(register) else {
        throw error(line, column, "'\(register)' is not a register")
      }
      return .register(thread: thread, number: number)
    }
    guard let first = name.first, first.isLetter || first == "_",
      name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
    else {
      throw error(line, column, "'\(text)' is not a location name")
    }
    return .memory(name)
  }

  private func value(_ text: String, _ line: Int, _ column: Int) throws(LitmusError) -> LitmusTest.Value {
    let body = text.hasPrefix("&") ? String(text.dropFirst()) : text
    let negative = body.hasPrefix("-")
    let digits = negative ? String(body.dropFirst()) : body
    let magnitude = digits.lowercased().hasPrefix("0x") ? UInt64(digits.dropFirst(2), radix: 16) : UInt64(digits)
    if let magnitude {
      let value = Int64(bitPattern: magnitude)
      return .number(negative ? 0 &- value : value)
    }
    guard case .memory(let name) = try location(body, line, column) else {
      throw error(line, column, "'\(text)' is not a number or a location")
    }
    return .address(name)
  }

  // MARK: Threads

  private mutating func threadTable() throws(LitmusError) -> [[LitmusInstruction]] {
    guard let (headerLine, header) = nextLine() else { throw error(lines.count, 1, "missing the thread table") }
    let names = cells(header).map { $0.text.trimmingCharacters(in: .whitespaces) }
    for (number, name) in names.enumerated() where name != "P\(number)" {
      throw error(headerLine, 1, "thread \(number) is named '\(name)', expected P\(number)")
    }
    var threads = Array(repeating: [LitmusInstruction](), count: names.count)
    while index < lines.count {
      var text = lines[index]
      let trimmed = text.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty {
        index += 1
        continue
      }
      if ["exists", "~exists", "forall", "locations", "filter"].contains(where: { trimmed.hasPrefix($0) }) { break }
      index += 1
      // A row ends at its ';': one whose comment runs onto the next lines goes on there.
      while !text.contains(";") && index < lines.count && !lines[index].trimmingCharacters(in: .whitespaces).isEmpty {
        text += " " + lines[index]
        index += 1
      }
      let row = cells(text)
      guard row.count == names.count else {
        throw error(index, 1, "a row has \(row.count) columns, the table \(names.count)")
      }
      for (thread, cell) in row.enumerated() {
        if let instruction = try instruction(cell.text, line: index, column: column(of: cell.text, in: text)) {
          threads[thread].append(instruction)
        }
      }
    }
    return threads
  }

  /// The `|`-separated cells of a table row, without the closing `;`.
  private func cells(_ text: String) -> [(text: Substring, Void)] {
    var body = Substring(text)
    if let semicolon = body.lastIndex(of: ";") { body = body[..<semicolon] }
    return body.split(separator: "|", omittingEmptySubsequences: false).map { ($0, ()) }
  }

  private func instruction(_ cell: Substring, line: Int, column: Int) throws(LitmusError) -> LitmusInstruction? {
    var text = cell.trimmingCharacters(in: .whitespaces)
    guard !text.isEmpty else { return nil }
    var label: String?
    if let colon = text.firstIndex(of: ":") {
      let name = String(text[..<colon])
      guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
        throw error(line, column, "'\(name)' is not a label")
      }
      label = name
      text = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    guard !text.isEmpty else {
      return LitmusInstruction(label: label, mnemonic: nil, operands: [], line: line, column: column)
    }
    let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
    let mnemonic = String(parts[0]).lowercased()
    guard mnemonic.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." }) else {
      throw error(line, column, "'\(parts[0])' is not an instruction")
    }
    let operands =
      parts.count > 1
      ? parts[1].split(separator: ",", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
      } : []
    if operands.contains(where: \.isEmpty) { throw error(line, column, "an empty operand in '\(text)'") }
    if operands.contains(where: { $0.contains("=") }) {
      throw error(line, column, "expected an instruction, found '\(text)'")
    }
    return LitmusInstruction(label: label, mnemonic: mnemonic, operands: operands, line: line, column: column)
  }

  private mutating func locations(_ line: Int, _ text: String) throws(LitmusError) -> [LitmusTest.Location] {
    guard let open = text.firstIndex(of: "["), let close = text.lastIndex(of: "]"), open < close else {
      throw error(line, 1, "expected 'locations [LOCATION; …]'")
    }
    return try text[text.index(after: open)..<close].split(separator: ";").map {
      $0.trimmingCharacters(in: .whitespaces)
    }.filter { !$0.isEmpty }.map { item throws(LitmusError) in try location(item, line, 1) }
  }

  // MARK: Condition

  private struct Token {
    let text: String
    let line: Int
    let column: Int
  }

  private mutating func condition(startingAt line: Int, _ text: String) throws(LitmusError) -> LitmusTest.Condition {
    var tokens: [Token] = []
    for number in (line - 1)..<lines.count {
      tokens += try tokenize(lines[number], line: number + 1)
    }
    index = lines.count
    guard let first = tokens.first else { throw error(line, 1, "missing the final condition") }
    let quantifier: LitmusTest.Quantifier
    switch first.text {
    case "exists": quantifier = .exists
    case "forall": quantifier = .forall
    case "~":
      guard tokens.count > 1, tokens[1].text == "exists" else {
        throw error(first.line, first.column, "expected exists, ~exists or forall")
      }
      tokens.removeFirst()
      quantifier = .notExists
    default: throw error(first.line, first.column, "expected exists, ~exists or forall, found '\(first.text)'")
    }
    let expression = try expression(tokens, after: first, what: "condition")
    return LitmusTest.Condition(quantifier: quantifier, expression: expression)
  }

  /// `filter EXPRESSION`, over as many lines as come before the quantifier; the cursor is left on
  /// the quantifier's line.
  private mutating func filter(startingAt line: Int) throws(LitmusError) -> LitmusTest.Expression {
    var tokens: [Token] = []
    var number = line - 1
    while number < lines.count {
      let trimmed = lines[number].trimmingCharacters(in: .whitespaces)
      if number > line - 1, ["exists", "~exists", "forall"].contains(where: { trimmed.hasPrefix($0) }) { break }
      tokens += try tokenize(lines[number], line: number + 1)
      number += 1
    }
    index = number
    guard let first = tokens.first, first.text == "filter" else { throw error(line, 1, "expected 'filter'") }
    return try expression(tokens, after: first, what: "filter")
  }

  /// The whole expression after the keyword `tokens[0]`. Bounds that no real test comes near keep a
  /// hostile one an error, not a stack overflow in the recursive parser, checker or printer.
  private func expression(_ tokens: [Token], after keyword: Token, what: String) throws(LitmusError)
    -> LitmusTest.Expression
  {
    let terms = tokens.filter { $0.text == "=" || $0.text == "!=" }.count
    if terms > Self.maxTerms {
      throw error(keyword.line, keyword.column, "the \(what) has \(terms) terms; at most \(Self.maxTerms) are read")
    }
    var position = 1
    let expression = try disjunction(tokens, &position, depth: 0)
    // herd takes a condition ended by a semicolon (`exists (x=1);`).
    if position == tokens.count - 1 && tokens[position].text == ";" { position += 1 }
    if position < tokens.count {
      throw error(tokens[position].line, tokens[position].column, "unexpected '\(tokens[position].text)'")
    }
    return expression
  }

  private func tokenize(_ text: String, line: Int) throws(LitmusError) -> [Token] {
    var tokens: [Token] = []
    let characters = Array(text)
    var position = 0
    while position < characters.count {
      let character = characters[position]
      let next = position + 1 < characters.count ? characters[position + 1] : nil
      if character.isWhitespace {
        position += 1
      } else if character == "/" && next == "\\" || character == "\\" && next == "/" {
        tokens.append(Token(text: String([character, next!]), line: line, column: position + 1))
        position += 2
      } else if character == "=" && next == "=" || character == "!" && next == "=" {
        // herd reads `x==1` as `x=1`, and `x!=1` as `~x=1`.
        tokens.append(Token(text: character == "!" ? "!=" : "=", line: line, column: position + 1))
        position += 2
      } else if "()~=;".contains(character) {
        tokens.append(Token(text: String(character), line: line, column: position + 1))
        position += 1
      } else if character.isLetter || character.isNumber || "_:[]&-".contains(character) {
        let start = position
        while position < characters.count,
          characters[position].isLetter || characters[position].isNumber || "_:[]&-".contains(characters[position])
        {
          position += 1
        }
        tokens.append(Token(text: String(characters[start..<position]), line: line, column: start + 1))
      } else {
        throw error(line, position + 1, "unexpected character '\(character)' in the condition")
      }
    }
    return tokens
  }

  static let maxDepth = 200
  static let maxTerms = 2_000

  private func disjunction(_ tokens: [Token], _ position: inout Int, depth: Int) throws(LitmusError)
    -> LitmusTest.Expression
  {
    var result = try conjunction(tokens, &position, depth: depth)
    while position < tokens.count && tokens[position].text == "\\/" {
      position += 1
      result = .or(result, try conjunction(tokens, &position, depth: depth))
    }
    return result
  }

  private func conjunction(_ tokens: [Token], _ position: inout Int, depth: Int) throws(LitmusError)
    -> LitmusTest.Expression
  {
    var result = try unary(tokens, &position, depth: depth)
    while position < tokens.count && tokens[position].text == "/\\" {
      position += 1
      result = .and(result, try unary(tokens, &position, depth: depth))
    }
    return result
  }

  private func unary(_ tokens: [Token], _ position: inout Int, depth: Int) throws(LitmusError)
    -> LitmusTest.Expression
  {
    if depth > Self.maxDepth, position < tokens.count {
      throw error(
        tokens[position].line, tokens[position].column,
        "the condition nests deeper than \(Self.maxDepth) levels of '(' and '~'")
    }
    guard position < tokens.count else {
      let last = tokens.last
      throw error(last?.line ?? 1, (last?.column ?? 0) + (last?.text.count ?? 1), "the condition ends too early")
    }
    let token = tokens[position]
    position += 1
    switch token.text {
    case "~", "not": return .not(try unary(tokens, &position, depth: depth + 1))
    case "true": return .constant(true)
    case "false": return .constant(false)
    case "(":
      let inner = try disjunction(tokens, &position, depth: depth + 1)
      guard position < tokens.count, tokens[position].text == ")" else {
        throw error(token.line, token.column, "'(' without its ')'")
      }
      position += 1
      return inner
    default:
      guard position + 1 < tokens.count, ["=", "!="].contains(tokens[position].text) else {
        throw error(token.line, token.column, "expected LOCATION=VALUE, found '\(token.text)'")
      }
      let differs = tokens[position].text == "!="
      let valueToken = tokens[position + 1]
      position += 2
      let atom: LitmusTest.Expression
      // `0:r1=1:r1` compares two threads' variables; a bare name on the right is an address.
      if let colon = valueToken.text.firstIndex(of: ":"), Int(valueToken.text[..<colon]) != nil {
        atom = .same(
          try location(token.text, token.line, token.column),
          try location(valueToken.text, valueToken.line, valueToken.column))
      } else {
        atom = .equals(
          try location(token.text, token.line, token.column),
          try value(valueToken.text, valueToken.line, valueToken.column))
      }
      return differs ? .not(atom) : atom
    }
  }
}
