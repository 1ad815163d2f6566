import Foundation

/// Parses assembly text in the syntax `Instruction.assembly` prints, plus labels, comments
/// (`#` or `//`) and a few pseudo-instructions (`nop`, `mv`, `li`, `not`, `beqz`, `bnez`, `j`).
/// Branch and jump operands are byte offsets from the instruction, or labels.
public enum Assembler {
  private struct Token {
    let text: String
    let column: Int
  }

  private struct PendingLabel {
    let index: Int
    let label: Token
    let line: Int
  }

  public static func assemble(_ text: String, xlen: Int = 64) throws(AssemblyError) -> [Instruction] {
    var program: [Instruction] = []
    var labels: [String: Int] = [:]
    var pending: [PendingLabel] = []
    for (lineIndex, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let lineNumber = lineIndex + 1
      var line = String(rawLine)
      if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]) }
      if let slashes = line.range(of: "//") { line = String(line[..<slashes.lowerBound]) }
      var offset = 0
      // Labels: `name:` before the instruction.
      while let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].trimmingCharacters(in: .whitespaces)
        let column =
          offset + (line.distance(from: line.startIndex, to: line.firstIndex { !$0.isWhitespace } ?? line.startIndex))
          + 1
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) else {
          throw AssemblyError(line: lineNumber, column: column, message: "malformed label '\(name)'")
        }
        guard labels[name] == nil else {
          throw AssemblyError(line: lineNumber, column: column, message: "label '\(name)' defined twice")
        }
        labels[name] = program.count
        offset += line.distance(from: line.startIndex, to: colon) + 1
        line = String(line[line.index(after: colon)...])
      }
      guard let start = line.firstIndex(where: { !$0.isWhitespace }) else { continue }
      let mnemonicEnd = line[start...].firstIndex(where: { $0.isWhitespace }) ?? line.endIndex
      let mnemonic = Token(
        text: String(line[start..<mnemonicEnd]).lowercased(),
        column: offset + line.distance(from: line.startIndex, to: start) + 1)
      let operands = splitOperands(line, from: mnemonicEnd, offset: offset)
      let parsed = try parse(mnemonic, operands, line: lineNumber, xlen: xlen)
      if let label = parsed.label {
        pending.append(PendingLabel(index: program.count, label: label, line: lineNumber))
      }
      program.append(parsed.instruction)
    }
    for reference in pending {
      guard let target = labels[reference.label.text] else {
        throw AssemblyError(
          line: reference.line, column: reference.label.column,
          message: "undefined label '\(reference.label.text)'")
      }
      program[reference.index].immediate = Int64(target - reference.index) * 4
      do { _ = try program[reference.index].encoded() } catch {
        throw AssemblyError(line: reference.line, column: reference.label.column, message: error.message)
      }
    }
    return program
  }

  /// Assembles exactly one instruction.
  public static func instruction(_ text: String, xlen: Int = 64) throws(AssemblyError) -> Instruction {
    let program = try assemble(text, xlen: xlen)
    guard program.count == 1 else {
      throw AssemblyError(line: 1, column: 1, message: "expected one instruction, found \(program.count)")
    }
    return program[0]
  }

  private static func splitOperands(_ line: String, from start: String.Index, offset: Int) -> [Token] {
    var tokens: [Token] = []
    var current = ""
    var column = 0
    var index = start
    while index <= line.endIndex {
      let atEnd = index == line.endIndex
      let character: Character = atEnd ? "," : line[index]
      if character == "," {
        let trimmed = current.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty || !tokens.isEmpty || !atEnd {
          tokens.append(Token(text: trimmed, column: column))
        }
        current = ""
        column = 0
      } else {
        if column == 0 && !character.isWhitespace {
          column = offset + line.distance(from: line.startIndex, to: index) + 1
        }
        current.append(character)
      }
      if atEnd { break }
      index = line.index(after: index)
    }
    if tokens.count == 1 && tokens[0].text.isEmpty { return [] }
    return tokens.map { Token(text: $0.text, column: $0.column == 0 ? offset + line.count + 1 : $0.column) }
  }

  private static func parse(
    _ mnemonic: Token, _ operands: [Token], line: Int, xlen: Int
  ) throws(AssemblyError) -> (instruction: Instruction, label: Token?) {
    func fail(_ token: Token, _ message: String) -> AssemblyError {
      AssemblyError(line: line, column: token.column, message: message)
    }
    func expect(_ count: Int, _ syntax: String) throws(AssemblyError) {
      guard operands.count == count else {
        throw fail(
          mnemonic,
          "'\(mnemonic.text)' takes \(count) operand\(count == 1 ? "" : "s") (\(syntax)), found \(operands.count)")
      }
    }
    func register(_ token: Token) throws(AssemblyError) -> Int {
      guard let number = RegisterNames.number(token.text) else {
        throw fail(token, "expected a register, found '\(token.text)'")
      }
      return number
    }
    func number(_ token: Token) throws(AssemblyError) -> Int64 {
      guard let value = parseNumber(token.text) else {
        throw fail(token, "expected a number, found '\(token.text)'")
      }
      return value
    }
    func memory(_ token: Token, allowOffset: Bool) throws(AssemblyError) -> (Int64, Int) {
      guard let open = token.text.firstIndex(of: "("), token.text.hasSuffix(")") else {
        throw fail(token, "expected '\(allowOffset ? "offset(register)" : "(register)")', found '\(token.text)'")
      }
      let offsetText = token.text[..<open].trimmingCharacters(in: .whitespaces)
      let registerText = token.text[token.text.index(after: open)..<token.text.index(before: token.text.endIndex)]
      let base = try register(
        Token(text: registerText.trimmingCharacters(in: .whitespaces), column: token.column + offsetText.count + 1))
      // An explicit zero is what `(register)` means, as the GNU assembler accepts it.
      if offsetText.isEmpty || (!allowOffset && parseNumber(offsetText) == 0) { return (0, base) }
      guard allowOffset, let value = parseNumber(offsetText) else {
        throw fail(token, allowOffset ? "malformed offset '\(offsetText)'" : "this instruction takes no offset")
      }
      return (value, base)
    }
    func target(_ token: Token) -> (Int64, Token?) {
      if let value = parseNumber(token.text) { return (value, nil) }
      return (0, token)
    }

    var name = mnemonic.text
    var aq = false
    var rl = false
    // Pseudo-instructions expand to one table instruction.
    switch name {
    case "nop":
      try expect(0, "no operands")
      return (Instruction(InstructionTable.named("addi")), nil)
    case "mv", "not":
      try expect(2, "rd, rs")
      let form = InstructionTable.named(name == "mv" ? "addi" : "xori")
      return (
        Instruction(
          form, rd: try register(operands[0]), rs1: try register(operands[1]), immediate: name == "mv" ? 0 : -1), nil
      )
    case "li":
      try expect(2, "rd, imm")
      let value = try number(operands[1])
      guard (-2048...2047).contains(value) else { throw fail(operands[1], "li takes a 12-bit immediate here") }
      return (Instruction(InstructionTable.named("addi"), rd: try register(operands[0]), immediate: value), nil)
    case "beqz", "bnez":
      try expect(2, "rs, offset")
      let (offset, label) = target(operands[1])
      let instruction = Instruction(
        InstructionTable.named(name == "beqz" ? "beq" : "bne"), rs1: try register(operands[0]), immediate: offset)
      return (try checked(instruction, operands[1], line: line), label)
    case "j":
      try expect(1, "offset")
      let (offset, label) = target(operands[0])
      return (
        try checked(Instruction(InstructionTable.named("jal"), immediate: offset), operands[0], line: line), label
      )
    default: break
    }
    var form = InstructionTable.byMnemonic[name]
    if form == nil {
      for (suffix, ordering) in [(".aqrl", (true, true)), (".aq", (true, false)), (".rl", (false, true))]
      where name.hasSuffix(suffix) {
        let base = String(name.dropLast(suffix.count))
        if let candidate = InstructionTable.byMnemonic[base], candidate.format.hasOrdering {
          form = candidate
          name = base
          (aq, rl) = ordering
          break
        }
      }
    }
    guard let form else { throw fail(mnemonic, "unknown instruction '\(mnemonic.text)'") }
    guard form.xlens.contains(xlen) else {
      throw fail(mnemonic, "'\(form.mnemonic)' does not exist on RV\(xlen)")
    }
    var instruction = Instruction(form, aq: aq, rl: rl)
    var label: Token?
    switch form.format {
    case .register:
      try expect(3, "rd, rs1, rs2")
      instruction.rd = try register(operands[0])
      instruction.rs1 = try register(operands[1])
      instruction.rs2 = try register(operands[2])
    case .immediate, .shiftImmediate:
      try expect(3, "rd, rs1, imm")
      instruction.rd = try register(operands[0])
      instruction.rs1 = try register(operands[1])
      instruction.immediate = try number(operands[2])
      if case .shiftImmediate(false) = form.format, xlen == 32, instruction.immediate > 31 {
        throw fail(operands[2], "shift amount \(instruction.immediate) exceeds 31 on RV32")
      }
    case .load:
      try expect(2, "rd, offset(rs1)")
      instruction.rd = try register(operands[0])
      (instruction.immediate, instruction.rs1) = try memory(operands[1], allowOffset: true)
    case .store:
      try expect(2, "rs2, offset(rs1)")
      instruction.rs2 = try register(operands[0])
      (instruction.immediate, instruction.rs1) = try memory(operands[1], allowOffset: true)
    case .branch:
      try expect(3, "rs1, rs2, offset")
      instruction.rs1 = try register(operands[0])
      instruction.rs2 = try register(operands[1])
      (instruction.immediate, label) = target(operands[2])
    case .upper:
      try expect(2, "rd, imm")
      instruction.rd = try register(operands[0])
      instruction.immediate = try number(operands[1])
    case .jump:
      if operands.count == 1 {
        instruction.rd = 1
        (instruction.immediate, label) = target(operands[0])
      } else {
        try expect(2, "rd, offset")
        instruction.rd = try register(operands[0])
        (instruction.immediate, label) = target(operands[1])
      }
    case .atomic:
      try expect(3, "rd, rs2, (rs1)")
      instruction.rd = try register(operands[0])
      instruction.rs2 = try register(operands[1])
      (_, instruction.rs1) = try memory(operands[2], allowOffset: false)
    case .loadReserved:
      try expect(2, "rd, (rs1)")
      instruction.rd = try register(operands[0])
      (_, instruction.rs1) = try memory(operands[1], allowOffset: false)
    case .bare:
      try expect(0, "no operands")
    case .loadAcquire:
      try expect(2, "rd, (rs1)")
      instruction.rd = try register(operands[0])
      (_, instruction.rs1) = try memory(operands[1], allowOffset: false)
    case .storeRelease:
      try expect(2, "rs2, (rs1)")
      instruction.rs2 = try register(operands[0])
      (_, instruction.rs1) = try memory(operands[1], allowOffset: false)
    case .fence:
      if operands.isEmpty {
        (instruction.pred, instruction.succ) = (15, 15)
      } else {
        try expect(2, "pred, succ")
        guard let pred = FenceSet.parse(operands[0].text) else {
          throw fail(operands[0], "expected a fence set such as 'rw'")
        }
        guard let succ = FenceSet.parse(operands[1].text) else {
          throw fail(operands[1], "expected a fence set such as 'rw'")
        }
        (instruction.pred, instruction.succ) = (pred, succ)
      }
    }
    return (try checked(instruction, operands.last ?? mnemonic, line: line), label)
  }

  private static func checked(_ instruction: Instruction, _ token: Token, line: Int) throws(AssemblyError)
    -> Instruction
  {
    do {
      _ = try instruction.encoded()
    } catch {
      throw AssemblyError(line: line, column: token.column, message: error.message)
    }
    return instruction
  }

  static func parseNumber(_ text: String) -> Int64? {
    var body = Substring(text)
    var negative = false
    if body.hasPrefix("-") {
      negative = true
      body = body.dropFirst()
    } else if body.hasPrefix("+") {
      body = body.dropFirst()
    }
    let magnitude: UInt64?
    if body.hasPrefix("0x") || body.hasPrefix("0X") {
      magnitude = UInt64(body.dropFirst(2), radix: 16)
    } else {
      magnitude = UInt64(body)
    }
    guard let magnitude, magnitude <= UInt64(Int64.max) else { return nil }
    return negative ? -Int64(magnitude) : Int64(magnitude)
  }
}
