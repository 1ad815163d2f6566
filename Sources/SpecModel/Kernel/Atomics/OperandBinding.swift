/// Where the compiler put one operand of an `asm` statement.
public enum OperandPlace: Hashable, Sendable, CustomStringConvertible {
  /// A general register (by number).
  case register(Int)
  /// The constant 0 given to a `J` constraint: `%z` prints it as `zero`.
  case zero
  /// A memory operand (`A`): the object at the address held by this register.
  case memory(base: Int)

  public var description: String {
    switch self {
    case .register(let number): RegisterNames.name(number)
    case .zero: "zero"
    case .memory(let base): "0(\(RegisterNames.name(base)))"
    }
  }
}

/// An operand the reader cannot place or a template it cannot expand, at its place in the source.
public struct AsmBindingError: Error, Sendable, CustomStringConvertible {
  public let location: SourceLocation
  public let reason: String
  public var description: String { "\(location): \(reason)" }
}

/// An `asm` statement with its operands placed: the assembly text it expands to, and that text
/// assembled by the project's assembler.
public struct BoundAssembly: Sendable {
  public let places: [OperandPlace]
  public let text: String
  public let program: [Instruction]
  /// Program index of each `asm goto` label's exit (the end of the program).
  public let exits: [String: Int]
}

extension InlineAssembly {
  /// Registers the placements draw from: argument and temporary registers, never `zero`, `ra`,
  /// `sp`, `gp` or `tp`.
  public static let allocatable: [Int] = Array(10...17) + [5, 6, 7] + Array(28...31)

  /// Every placement of the operands the constraints allow, up to register renaming: each operand
  /// in a register of its own; an input known to be 0 in `zero` where its constraint has `J`; and,
  /// for each written-only output that is not early-clobber, also each input register it may share
  /// (the compiler may reuse an input's register for such an output).
  /// `constantZero` holds the operand numbers whose C value is the constant 0.
  public func placements(constantZero: Set<Int> = [], fixed: [Int: Int] = [:]) throws(AsmBindingError)
    -> [[OperandPlace]]
  {
    let all = operands
    var base: [OperandPlace] = []
    // The registers of register variables are theirs: the compiler places nothing else there.
    let free = Self.allocatable.filter { !fixed.values.contains($0) }
    var next = 0
    func register() throws(AsmBindingError) -> Int {
      guard next < free.count else {
        throw AsmBindingError(location: location, reason: "more operands than registers to place them in")
      }
      defer { next += 1 }
      return free[next]
    }
    for (number, operand) in all.enumerated() {
      let letters = operand.letters
      guard !letters.isEmpty, letters.allSatisfy({ "rJA".contains($0) }) else {
        throw AsmBindingError(
          location: operand.location,
          reason: "constraint \"\(operand.constraint)\" is not one rvcheck places (r, J, A and their combinations)")
      }
      // A register variable's operand is its register, never x0: the operand is the register
      // itself, whatever value it holds.
      if let register = fixed[number] {
        guard letters.contains("r") else {
          throw AsmBindingError(
            location: operand.location,
            reason: "a register variable under constraint \"\(operand.constraint)\", which allows no register")
        }
        base.append(.register(register))
        continue
      }
      if letters.contains("A") {
        guard letters == "A" else {
          throw AsmBindingError(
            location: operand.location, reason: "constraint \"\(operand.constraint)\" mixes memory and registers")
        }
        base.append(.memory(base: try register()))
      } else if letters.contains("J") && constantZero.contains(number) && number >= outputs.count {
        base.append(.zero)
      } else if letters.contains("r") {
        base.append(.register(try register()))
      } else {
        throw AsmBindingError(
          location: operand.location,
          reason: "constraint \"\(operand.constraint)\" allows only the constant 0, and the value is not known to be 0")
      }
    }
    var variants: [[OperandPlace]] = [base]
    let inputRegisters = (outputs.count..<all.count).compactMap { number -> Int? in
      if case .register(let register) = base[number] { return register }
      return nil
    }
    for (number, output) in outputs.enumerated()
    where !output.isReadWrite && !output.isEarlyClobber && !output.letters.contains("A") && fixed[number] == nil {
      variants = variants.flatMap { variant in
        [variant]
          + inputRegisters.map { shared in
            var changed = variant
            changed[number] = .register(shared)
            return changed
          }
      }
    }
    return variants
  }

  /// The template with `places` substituted, numeric local labels (`0:`, `0b`, `1f`) renamed, and
  /// the result assembled. `asm goto` labels become exits at the end of the program.
  public func bind(_ places: [OperandPlace], xlen: Int) throws(AsmBindingError) -> BoundAssembly {
    // `.option push/pop/arch` only tell the assembler which extensions to accept.
    let text = try expand(places).split(separator: "\n", omittingEmptySubsequences: false).filter {
      !$0.trimmingCharacters(in: .whitespaces).hasPrefix(".option")
    }.joined(separator: "\n")
    let (renamed, exits) = try localLabelsRenamed(text)
    let program: [Instruction]
    do {
      program = try Assembler.assemble(renamed, xlen: xlen)
    } catch {
      throw AsmBindingError(
        location: location,
        reason: "the expanded template does not assemble (line \(error.line): \(error.message)):\n\(renamed)")
    }
    return BoundAssembly(
      places: places, text: renamed, program: program,
      exits: Dictionary(uniqueKeysWithValues: exits.map { ($0, program.count) }))
  }

  /// `%N`, `%zN`, `%[name]`, `%z[name]`, `%lN`, `%l[name]` and `%%` replaced.
  func expand(_ places: [OperandPlace]) throws(AsmBindingError) -> String {
    let all = operands
    guard places.count == all.count else {
      throw AsmBindingError(location: location, reason: "\(places.count) places for \(all.count) operands")
    }
    var result = ""
    var characters = Array(template)[...]
    while let character = characters.popFirst() {
      guard character == "%" else {
        result.append(character)
        continue
      }
      guard let following = characters.first else {
        throw AsmBindingError(location: location, reason: "the template ends in '%'")
      }
      if following == "%" {
        characters.removeFirst()
        result.append("%")
        continue
      }
      var modifier: Character?
      if following == "z" || following == "l" {
        modifier = following
        characters.removeFirst()
      }
      let reference: String
      if characters.first == "[" {
        characters.removeFirst()
        guard let close = characters.firstIndex(of: "]") else {
          throw AsmBindingError(location: location, reason: "an operand name in the template is not closed")
        }
        reference = String(characters[..<close])
        characters = characters[characters.index(after: close)...]
      } else {
        let digits = characters.prefix { $0.isNumber }
        guard !digits.isEmpty else {
          throw AsmBindingError(location: location, reason: "'%\(modifier.map(String.init) ?? "")' names no operand")
        }
        reference = String(digits)
        characters = characters.dropFirst(digits.count)
      }
      if modifier == "l" {
        result += exitLabel(try gotoLabel(reference))
        continue
      }
      let number = try operandNumber(reference)
      switch (places[number], modifier) {
      case (.memory, "z"):
        throw AsmBindingError(location: location, reason: "'%z' applied to memory operand \(number)")
      default: result += places[number].description
      }
    }
    return result
  }

  private func operandNumber(_ reference: String) throws(AsmBindingError) -> Int {
    if let number = Int(reference) {
      guard number < operands.count else {
        throw AsmBindingError(location: location, reason: "the template names operand \(number) of \(operands.count)")
      }
      return number
    }
    guard let number = operands.firstIndex(where: { $0.name == reference }) else {
      throw AsmBindingError(location: location, reason: "the template names no operand '\(reference)'")
    }
    return number
  }

  /// A goto label by name, or by number (counted after the operands).
  private func gotoLabel(_ reference: String) throws(AsmBindingError) -> String {
    if let number = Int(reference) {
      let position = number - operands.count
      guard gotoLabels.indices.contains(position) else {
        throw AsmBindingError(location: location, reason: "'%l\(number)' names no goto label")
      }
      return gotoLabels[position]
    }
    guard gotoLabels.contains(reference) else {
      throw AsmBindingError(location: location, reason: "'%l[\(reference)]' names no goto label")
    }
    return reference
  }

  private func exitLabel(_ name: String) -> String { "exit_\(name)" }

  /// Numeric labels may be defined many times: `Nb` is the nearest definition before, `Nf` the
  /// nearest after. Each definition gets a name of its own; exits of `asm goto` are defined last.
  func localLabelsRenamed(_ text: String) throws(AsmBindingError) -> (String, [String]) {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    // Definitions first: (line, digit label) in order.
    var definitions: [(line: Int, label: String)] = []
    var bodies: [String] = []
    for (number, line) in lines.enumerated() {
      var rest = Substring(line)
      while true {
        let trimmed = rest.drop { $0 == " " || $0 == "\t" }
        let digits = trimmed.prefix { $0.isNumber }
        guard !digits.isEmpty, trimmed.dropFirst(digits.count).first == ":" else { break }
        definitions.append((number, String(digits)))
        rest = trimmed.dropFirst(digits.count + 1)
      }
      bodies.append(String(rest))
    }
    func name(_ index: Int) -> String { "L\(definitions[index].label)_\(index)" }
    var output: [String] = []
    for (number, body) in bodies.enumerated() {
      let defined = definitions.indices.filter { definitions[$0].line == number }.map { name($0) + ":" }
      var words = body.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      for (position, word) in words.enumerated() {
        let trimmed = word.trimmingCharacters(in: .whitespaces)
        // A reference is an operand of the form Nb or Nf (the mnemonic is never all digits).
        guard let direction = trimmed.last, direction == "b" || direction == "f",
          trimmed.dropLast().allSatisfy(\.isNumber), trimmed.count > 1
        else { continue }
        let digit = String(trimmed.dropLast())
        let candidates = definitions.indices.filter { definitions[$0].label == digit }
        let target =
          direction == "b"
          ? candidates.last { definitions[$0].line <= number }
          : candidates.first { definitions[$0].line > number }
        guard let target else {
          throw AsmBindingError(location: location, reason: "local label '\(trimmed)' has no definition")
        }
        words[position] = word.replacingOccurrences(of: trimmed, with: name(target))
      }
      output.append((defined + [words.joined(separator: ",")]).joined(separator: " "))
    }
    // Exits are labels after the last instruction: a jump there leaves the asm.
    let exits = gotoLabels.map(exitLabel)
    if !exits.isEmpty { output.append(exits.map { $0 + ":" }.joined(separator: " ")) }
    return (output.joined(separator: "\n"), gotoLabels)
  }
}
