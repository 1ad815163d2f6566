/// The ISA_EXT SINGLE setter (`riscv_vcpu_set_isa_ext_single`, or `kvm_riscv_vcpu_set_reg_isa_ext`
/// before v6.6), read as what one call does to the guest bit of the id it names. The prover runs
/// this body instead of assuming the kernel's checks, so a check deleted from the source is a check
/// missing from the proof.
public struct SetterModel: Sendable {
  /// A condition the setter tests, in the terms of the transition system.
  public enum Fact: Hashable, Sendable {
    /// `reg_num >= KVM_RISCV_ISA_EXT_MAX` or `reg_num >= ARRAY_SIZE(kvm_isa_ext_arr)`.
    case idOutOfRange
    /// `__riscv_isa_extension_available(NULL, host_isa_ext)`.
    case hostHas
    /// `__kvm_riscv_isa_check_host(reg_num, &host_isa_ext)`: nonzero when the id is not offered.
    case hostCheckFails
    /// `reg_val`, taken as 0 or 1.
    case valueIsOne
    /// `test_bit(host_isa_ext, vcpu->arch.isa)`: the guest bit as it is at that point.
    case guestBit
    /// `vcpu->arch.ran_atleast_once`.
    case ran
    case enableAllowed, disableAllowed
    /// A condition the caller decides per call (the register size, a faulting copy), or one
    /// rvcheck does not read: a free boolean of each call, numbered.
    case choice(Int)
  }

  public indirect enum Condition: Sendable {
    case fact(Fact)
    case constant(Bool)
    case not(Condition)
    case and(Condition, Condition)
    case or(Condition, Condition)
    case same(Condition, Condition)
  }

  public indirect enum Statement: Sendable {
    case branch(Condition, [Statement], [Statement])
    case leave
    case setBit
    case clearBit
  }

  /// A condition read as a free choice because rvcheck does not know what it tests.
  public struct UnreadCondition: Sendable {
    public let text: String
    public let location: SourceLocation
  }

  public let function: String
  public let location: SourceLocation
  public let body: [Statement]
  /// How many free per-call booleans the body needs.
  public let choices: Int
  public let unread: [UnreadCondition]

  /// What the conditions read for one call: truth values (to tabulate the body) or Z3 terms.
  struct Facts {
    var hostHas: Formula
    var hostCheckFails: Formula
    var valueIsOne: Formula
    var ran: Formula
    var enableAllowed: Formula
    var disableAllowed: Formula
    var choices: [Formula]
  }

  /// The guest bit after the body runs from `bit`. Each path carries whether it is still running
  /// and the bit as it stands; a `return` stops the path. On truth values every term folds.
  func finalBit(_ facts: Facts, bit start: Formula) -> Formula {
    func holds(_ condition: Condition, bit: Formula) -> Formula {
      switch condition {
      case .constant(let value): return Formula(value)
      case .not(let inner): return !holds(inner, bit: bit)
      case .and(let left, let right): return holds(left, bit: bit) && holds(right, bit: bit)
      case .or(let left, let right): return holds(left, bit: bit) || holds(right, bit: bit)
      case .same(let left, let right): return holds(left, bit: bit).iff(holds(right, bit: bit))
      case .fact(let fact):
        switch fact {
        // A step names an id the table reaches, so the range checks pass.
        case .idOutOfRange: return Formula(false)
        case .hostHas: return facts.hostHas
        case .hostCheckFails: return facts.hostCheckFails
        case .valueIsOne: return facts.valueIsOne
        case .guestBit: return bit
        case .ran: return facts.ran
        case .enableAllowed: return facts.enableAllowed
        case .disableAllowed: return facts.disableAllowed
        case .choice(let number): return facts.choices[number]
        }
      }
    }
    func run(_ statements: [Statement], running: Formula, bit: Formula) -> (Formula, Formula) {
      var running = running
      var bit = bit
      for statement in statements {
        switch statement {
        case .leave: running = Formula(false)
        case .setBit: bit = running.ite(Formula(true), bit)
        case .clearBit: bit = running.ite(Formula(false), bit)
        case .branch(let condition, let then, let otherwise):
          let taken = holds(condition, bit: bit)
          let (thenRunning, thenBit) = run(then, running: running && taken, bit: bit)
          let (elseRunning, elseBit) = run(otherwise, running: running && !taken, bit: bit)
          bit = (running && taken).ite(thenBit, (running && !taken).ite(elseBit, bit))
          running = thenRunning || elseRunning
        }
      }
      return (running, bit)
    }
    return run(body, running: Formula(true), bit: start).1
  }

  /// Whether any path tests `ran_atleast_once` (the -EBUSY guard).
  public var testsRan: Bool { body.contains { Self.mentions(.ran, $0) } }

  static func mentions(_ fact: Fact, _ statement: Statement) -> Bool {
    switch statement {
    case .branch(let condition, let then, let otherwise):
      return mentions(fact, condition) || then.contains { mentions(fact, $0) }
        || otherwise.contains { mentions(fact, $0) }
    default: return false
    }
  }

  static func mentions(_ fact: Fact, _ condition: Condition) -> Bool {
    switch condition {
    case .fact(let found): return found == fact
    case .constant: return false
    case .not(let inner): return mentions(fact, inner)
    case .and(let left, let right), .or(let left, let right), .same(let left, let right):
      return mentions(fact, left) || mentions(fact, right)
    }
  }
}

/// What became of looking for the setter.
public enum SetterReading: Sendable {
  case read(SetterModel)
  /// Found, with a statement whose effect rvcheck cannot state.
  case unreadable(function: String, at: SourceLocation, reason: String)
  /// No definition in any of these files.
  case missing(searched: [String])

  public var model: SetterModel? {
    if case .read(let model) = self { return model }
    return nil
  }

  /// Why the setter's effect is not known, for an obligation that needs it; nil when it is.
  public var problem: (message: String, location: SourceLocation?)? {
    switch self {
    case .read: return nil
    case .unreadable(let function, let location, let reason):
      return ("\(function): \(reason); what KVM_SET_ONE_REG does is not known", location)
    case .missing(let searched):
      let names = KernelReader.setterFunctions.joined(separator: " or ")
      let files = searched.isEmpty ? "the policy file" : searched.joined(separator: ", ")
      return ("no ISA_EXT setter (\(names)) in \(files): what KVM_SET_ONE_REG does is not known", nil)
    }
  }
}

/// Reads a setter body from its tokens. The statements it knows are the ones every era uses:
/// `if`/`else`, blocks, `return`, `set_bit`/`clear_bit` of the table's host bit on `vcpu->arch.isa`,
/// binding the host bit from `kvm_isa_ext_arr[reg_num]`, and calls that leave the ISA bits alone.
struct SetterReader {
  let tokens: [CToken]
  let file: String
  let enableFunctions: [String]
  let disableFunctions: [String]
  var index: Int
  /// Variables holding the id's host bit.
  var hostVariables: Set<String> = []
  var choices = 0
  var unread: [SetterModel.UnreadCondition] = []
  /// How deep statements and conditions nest here; past `maxDepth` the body is not read, so that
  /// a mangled file cannot exhaust the stack.
  var depth = 0
  static let maxDepth = 64

  struct Unreadable: Error {
    let location: SourceLocation
    let reason: String
  }

  static let statementsNotRead: Set<String> = [
    "for", "while", "do", "switch", "goto", "break", "continue", "case", "default", "asm", "__asm__",
  ]

  var current: CToken? { index < tokens.count ? tokens[index] : nil }

  func location(_ token: CToken?) -> SourceLocation {
    let token = token ?? tokens.last
    return SourceLocation(file: file, line: token?.line ?? 1, column: token?.column ?? 1)
  }

  func unreadable(_ reason: String, at token: CToken? = nil) -> Unreadable {
    Unreadable(location: location(token ?? current), reason: reason)
  }

  mutating func expect(_ text: String) throws(Unreadable) {
    guard current?.text == text else {
      throw unreadable("expected '\(text)', found '\(current?.text ?? "the end of the file")'")
    }
    index += 1
  }

  /// The body from its opening brace.
  mutating func block() throws(Unreadable) -> [SetterModel.Statement] {
    try expect("{")
    var statements: [SetterModel.Statement] = []
    while current?.text != "}" {
      guard current != nil else { throw unreadable("the body is not closed") }
      statements += try statement()
    }
    index += 1
    return statements
  }

  mutating func statement() throws(Unreadable) -> [SetterModel.Statement] {
    guard let token = current else { throw unreadable("expected a statement") }
    depth += 1
    defer { depth -= 1 }
    if depth > Self.maxDepth { throw unreadable("statements nest deeper than \(Self.maxDepth) levels") }
    switch token.text {
    case "{": return try block()
    case ";":
      index += 1
      return []
    case "if":
      index += 1
      try expect("(")
      let condition = try expression(closing: ")")
      try expect(")")
      let then = try statement()
      var otherwise: [SetterModel.Statement] = []
      if current?.text == "else" {
        index += 1
        otherwise = try statement()
      }
      return [.branch(condition, then, otherwise)]
    case "return":
      _ = try statementTokens()
      return [.leave]
    case let keyword where Self.statementsNotRead.contains(keyword):
      throw unreadable("a '\(keyword)' statement, which rvcheck does not read", at: token)
    default:
      return try simpleStatement()
    }
  }

  /// The tokens of a statement up to its ';', which is consumed.
  mutating func statementTokens() throws(Unreadable) -> [CToken] {
    var collected: [CToken] = []
    var depth = 0
    while let token = current {
      if token.text == "(" || token.text == "[" || token.text == "{" { depth += 1 }
      if token.text == ")" || token.text == "]" || token.text == "}" {
        if depth == 0 { throw unreadable("expected ';' ending the statement") }
        depth -= 1
      }
      index += 1
      if token.text == ";" && depth == 0 { return collected }
      collected.append(token)
    }
    throw unreadable("expected ';' ending the statement")
  }

  static func joined(_ tokens: some Collection<CToken>) -> String { tokens.map(\.text).joined() }

  /// A declaration, an assignment or a call.
  mutating func simpleStatement() throws(Unreadable) -> [SetterModel.Statement] {
    let first = current
    let parts = try statementTokens()
    let text = Self.joined(parts)
    for (name, effect) in [("set_bit", SetterModel.Statement.setBit), ("clear_bit", .clearBit)] {
      for spelling in [name, "__" + name] where text.hasPrefix(spelling + "(") {
        guard let variable = hostVariables.first(where: { text == "\(spelling)(\($0),vcpu->arch.isa)" }) else {
          throw unreadable("'\(text)' changes a bit other than the id's host bit", at: first)
        }
        _ = variable
        return [effect]
      }
    }
    // `host_isa_ext = kvm_isa_ext_arr[reg_num]`, in a declaration or an assignment.
    let names = parts.map(\.text)
    // The index may be `reg_num` itself or a speculation-safe form of it (`array_index_nospec`).
    for start in names.indices where names[start...].starts(with: ["=", "kvm_isa_ext_arr", "["]) {
      guard start > 0, parts[start - 1].kind == .identifier else { continue }
      let index = names[(start + 3)...].prefix { $0 != "]" }
      if index.contains("reg_num") { hostVariables.insert(names[start - 1]) }
    }
    // The 2026 host check also fills the host bit; called for that alone, its answer is dropped.
    if parts.count == 7, Self.isHostCheck(names[0]), names.dropFirst().starts(with: ["(", "reg_num", ",", "&"]),
      parts[5].kind == .identifier, names[6] == ")"
    {
      hostVariables.insert(names[5])
      return []
    }
    if text.hasPrefix("reg_num=array_index_nospec(reg_num,") { return [] }
    if text.contains("arch.isa") || text.contains("ran_atleast_once") || text.hasPrefix("reg_num=")
      || text.hasPrefix("reg_val=")
      || hostVariables.contains(where: { text.hasPrefix("\($0)=") && !names.contains("kvm_isa_ext_arr") })
    {
      throw unreadable("'\(text.clipped)' changes state the prover tracks in a way rvcheck does not read", at: first)
    }
    return []
  }

  // MARK: Conditions

  /// `a || b`, `a && b`, `!a`, `(a)` and comparisons, up to `closing` at depth zero.
  mutating func expression(closing: String) throws(Unreadable) -> SetterModel.Condition {
    var result = try conjunction(closing: closing)
    while current?.text == "||" {
      index += 1
      result = .or(result, try conjunction(closing: closing))
    }
    return result
  }

  mutating func conjunction(closing: String) throws(Unreadable) -> SetterModel.Condition {
    var result = try unary(closing: closing)
    while current?.text == "&&" {
      index += 1
      result = .and(result, try unary(closing: closing))
    }
    return result
  }

  mutating func unary(closing: String) throws(Unreadable) -> SetterModel.Condition {
    depth += 1
    defer { depth -= 1 }
    if depth > Self.maxDepth { throw unreadable("the condition nests deeper than \(Self.maxDepth) levels") }
    if current?.text == "!" {
      index += 1
      return .not(try unary(closing: closing))
    }
    if current?.text == "(" && !isCallOrComparisonAhead() {
      index += 1
      let inner = try expression(closing: ")")
      try expect(")")
      return inner
    }
    return try comparison()
  }

  /// Whether the parenthesised group at the cursor is compared with something (`(a) == b`).
  func isCallOrComparisonAhead() -> Bool {
    var depth = 0
    var position = index
    while position < tokens.count {
      if tokens[position].text == "(" { depth += 1 }
      if tokens[position].text == ")" {
        depth -= 1
        if depth == 0 { break }
      }
      position += 1
    }
    let after = position + 1 < tokens.count ? tokens[position + 1].text : ""
    return Self.comparisons.contains(after)
  }

  static let comparisons: Set<String> = ["==", "!=", ">=", ">", "<=", "<"]

  /// 2026's host check, whichever of its spellings (`__kvm_riscv_isa_check_host`, without the
  /// underscores) a tree uses.
  static func isHostCheck(_ name: String) -> Bool { name.hasSuffix("kvm_riscv_isa_check_host") }
  static let stops: Set<String> = ["&&", "||", ")", ";", "{", "}"]

  /// An operand: tokens up to a comparison, `&&`, `||` or the closing parenthesis, at depth zero.
  mutating func operand() throws(Unreadable) -> [CToken] {
    var collected: [CToken] = []
    var depth = 0
    while let token = current {
      if depth == 0 && (Self.stops.contains(token.text) || Self.comparisons.contains(token.text)) { break }
      if token.text == "(" || token.text == "[" { depth += 1 }
      if token.text == ")" || token.text == "]" { depth -= 1 }
      if token.text == "{" || token.text == "}" || token.text == ";" { throw unreadable("expected ')'") }
      collected.append(token)
      index += 1
    }
    guard !collected.isEmpty else { throw unreadable("expected a condition") }
    return collected
  }

  mutating func comparison() throws(Unreadable) -> SetterModel.Condition {
    let left = try operand()
    guard let comparator = current?.text, Self.comparisons.contains(comparator) else {
      return condition(Self.joined(left), at: left[0])
    }
    index += 1
    let right = try operand()
    let leftText = Self.joined(left)
    let rightText = Self.joined(right)
    let whole = "\(leftText)\(comparator)\(rightText)"
    if comparator == ">=" || comparator == ">" {
      if leftText == "reg_num" && (rightText == "KVM_RISCV_ISA_EXT_MAX" || rightText == "ARRAY_SIZE(kvm_isa_ext_arr)") {
        return .fact(.idOutOfRange)
      }
      return freeCondition(whole, at: left[0])
    }
    if leftText.hasPrefix("KVM_REG_SIZE(") { return callerChoice() }
    guard comparator == "==" || comparator == "!=", let leftValue = value(leftText),
      let rightValue = value(rightText)
    else { return freeCondition(whole, at: left[0]) }
    let same = SetterModel.Condition.same(leftValue, rightValue)
    return comparator == "==" ? same : .not(same)
  }

  /// A 0-or-1 operand of `==`: `reg_val`, the guest bit, or a constant.
  func value(_ text: String) -> SetterModel.Condition? {
    switch text {
    case "0", "false": return .constant(false)
    case "1", "true": return .constant(true)
    case "reg_val": return .fact(.valueIsOne)
    default:
      return hostVariables.contains { text == "test_bit(\($0),vcpu->arch.isa)" } ? .fact(.guestBit) : nil
    }
  }

  mutating func condition(_ text: String, at token: CToken) -> SetterModel.Condition {
    if text == "vcpu->arch.ran_atleast_once" { return .fact(.ran) }
    if let known = value(text) { return known }
    if enableFunctions.contains(where: { text == "\($0)(reg_num)" }) { return .fact(.enableAllowed) }
    if disableFunctions.contains(where: { text == "\($0)(reg_num)" }) { return .fact(.disableAllowed) }
    if hostVariables.contains(where: { text == "__riscv_isa_extension_available(NULL,\($0))" }) {
      return .fact(.hostHas)
    }
    for variable in ["host_isa_ext"] + hostVariables
    where text.hasSuffix("(reg_num,&\(variable))") && Self.isHostCheck(String(text.prefix { $0 != "(" })) {
      hostVariables.insert(variable)
      return .fact(.hostCheckFails)
    }
    if text.hasPrefix("copy_from_user(") || text.hasPrefix("KVM_REG_SIZE(") { return callerChoice() }
    return freeCondition(text, at: token)
  }

  mutating func callerChoice() -> SetterModel.Condition {
    choices += 1
    return .fact(.choice(choices - 1))
  }

  /// A condition rvcheck does not know: either way may happen, and the reader says so.
  mutating func freeCondition(_ text: String, at token: CToken) -> SetterModel.Condition {
    unread.append(SetterModel.UnreadCondition(text: text.clipped, location: location(token)))
    return callerChoice()
  }
}

/// The setter's effect on the guest bit as a decision diagram over its facts, found by running the
/// body on every assignment of them. Stating that for each host bit takes a handful of `ite`s,
/// where stating the body itself takes a term per statement and path.
struct SetterDecision: Sendable, Equatable {
  /// The facts in the order the diagram tests them.
  enum Variable: Int, CaseIterable {
    case guestBit, valueIsOne, ran, hostHas, hostCheckFails, enableAllowed, disableAllowed
  }

  indirect enum Node: Sendable, Equatable {
    case leaf(Bool)
    /// `variable` false, then true.
    case test(Int, Node, Node)
  }

  let root: Node
  /// Variables: the facts, then the setter's free choices.
  let variables: Int

  /// Beyond this many variables the diagram is not built (and the body is stated as it is).
  static let maxVariables = 14

  init?(_ setter: SetterModel) {
    let count = Variable.allCases.count + setter.choices
    guard count <= Self.maxVariables else { return nil }
    variables = count
    var values = [Bool](repeating: false, count: count)
    func build(_ level: Int) -> Node {
      if level == count { return .leaf(SetterDecision.run(setter, values)) }
      values[level] = false
      let low = build(level + 1)
      values[level] = true
      let high = build(level + 1)
      return low == high ? low : .test(level, low, high)
    }
    root = build(0)
  }

  /// The final guest bit, with the facts and choices as truth values.
  static func run(_ setter: SetterModel, _ values: [Bool]) -> Bool {
    let value = { (variable: Variable) in Formula(values[variable.rawValue]) }
    let facts = SetterModel.Facts(
      hostHas: value(.hostHas), hostCheckFails: value(.hostCheckFails), valueIsOne: value(.valueIsOne),
      ran: value(.ran), enableAllowed: value(.enableAllowed), disableAllowed: value(.disableAllowed),
      choices: values.dropFirst(Variable.allCases.count).map { Formula($0) })
    return setter.finalBit(facts, bit: value(.guestBit)).concrete ?? false
  }
}
