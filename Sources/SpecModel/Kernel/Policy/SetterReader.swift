/// Reads the ISA_EXT setter by data flow: each local holds what it was filled from, whatever it is
/// called. The id and the written value are the setter's parameters (or, before v6.6, what it
/// derives from `reg->id` and copies from user space); the host bit is whatever the table lookup or
/// the host check's out-parameter fills; a condition tested through a variable is the same test.
/// Kernel functions are known by name; local names and statement shapes are not assumed.
struct SetterReader {
  let file: String
  let enableFunctions: [String]
  let disableFunctions: [String]
  var choices = 0
  var unread: [SetterModel.UnreadCondition] = []

  struct Unreadable: Error {
    let location: SourceLocation
    let reason: String
  }

  /// What an expression or a local holds, as far as the guest bit of the named id goes.
  enum Value: Equatable {
    /// The extension id the call names.
    case id
    /// The value the VMM writes, taken as 0 or 1.
    case written
    /// The id's host bit: the index of its guest bit in `vcpu->arch.isa`.
    case hostBit
    case vcpu
    /// A path below the vCPU other than the tracked ones (`arch`, `arch.mvendorid`, …).
    case vcpuField(String)
    /// `vcpu->arch.isa`, or a word of it.
    case isaBits
    /// The `struct kvm_one_reg *` of v6.4's setter, and its `id`.
    case register, registerId
    /// Something the VMM decides per call (the register size, a faulting copy).
    case callerInput
    case condition(SetterModel.Condition)
    case number(Int)
    /// Anything else, with its text.
    case unknown(String)
  }

  typealias Environment = [String: Value]

  // MARK: The function

  /// Reads the definition whose parameter list opens at `parameters` and whose body opens at `body`.
  mutating func read(tokens: [CToken], parameters: Int, body: Int) throws(Unreadable) -> [SetterModel.Statement] {
    var environment = Self.parameterValues(tokens[(parameters + 1)..<(body - 1)])
    var parser = CParser(tokens: tokens, file: file, index: body)
    let statements: [CStatement]
    do {
      statements = try parser.block()
    } catch {
      throw Unreadable(location: error.location, reason: error.reason)
    }
    return try run(statements, &environment).statements
  }

  /// The parameters by type and position: the vCPU, the register (v6.4), then the id and the value
  /// in the order the callers pass them.
  static func parameterValues(_ tokens: ArraySlice<CToken>) -> Environment {
    var environment: Environment = [:]
    var integers: [Value] = [.id, .written]
    var parameter: [CToken] = []
    func finish() {
      defer { parameter = [] }
      guard let name = parameter.last(where: { $0.kind == .identifier }) else { return }
      let words = Set(parameter.map(\.text))
      if words.contains("kvm_vcpu") {
        environment[name.text] = .vcpu
      } else if words.contains("kvm_one_reg") {
        environment[name.text] = .register
      } else if !words.contains("*"), !integers.isEmpty {
        environment[name.text] = integers.removeFirst()
      }
    }
    for token in tokens {
      if token.text == "," { finish() } else { parameter.append(token) }
    }
    finish()
    return environment
  }

  // MARK: Statements

  /// The statements' effect, and whether every path through them returns.
  mutating func run(_ statements: [CStatement], _ environment: inout Environment) throws(Unreadable) -> (
    statements: [SetterModel.Statement], leaves: Bool
  ) {
    var result: [SetterModel.Statement] = []
    for statement in statements {
      switch statement {
      case .block(let inner):
        let (body, leaves) = try run(inner, &environment)
        result += body
        if leaves { return (result, true) }
      case .declaration(_, let names, let location):
        for (name, initial) in names {
          environment[name] =
            try initial.map { expression throws(Unreadable) in
              try evaluate(expression, &environment, at: location)
            } ?? .unknown(name)
        }
      case .expression(let expression, let location):
        if let effect = try bitEffect(expression, &environment, at: location) {
          result += effect
        } else {
          _ = try evaluate(expression, &environment, at: location)
        }
      case .branch(let test, let then, let otherwise, let location):
        let value = try evaluate(test, &environment, at: location)
        let condition = truth(value, of: test, at: location)
        var thenEnvironment = environment
        var elseEnvironment = environment
        let (thenBody, thenLeaves) = try run([then], &thenEnvironment)
        let (elseBody, elseLeaves) = try run(otherwise.map { [$0] } ?? [], &elseEnvironment)
        result.append(.branch(condition, thenBody, elseBody))
        switch (thenLeaves, elseLeaves) {
        case (true, true): return (result, true)
        case (true, false): environment = elseEnvironment
        case (false, true): environment = thenEnvironment
        case (false, false): environment = Self.join(thenEnvironment, elseEnvironment, on: condition)
        }
      case .returns(let value, let location):
        if let value { _ = try evaluate(value, &environment, at: location) }
        result.append(.leave)
        return (result, true)
      case .other(let keyword, let location):
        throw Unreadable(location: location, reason: "a '\(keyword)' statement, which rvcheck does not read")
      case .extended(let statement, let location):
        throw Unreadable(
          location: location, reason: "a '\(statement.keyword)' statement, which rvcheck does not read")
      }
    }
    return (result, false)
  }

  /// After an `if` whose branches both go on: a truth value that differs is chosen by the test;
  /// anything else that differs is no longer known.
  static func join(_ then: Environment, _ otherwise: Environment, on test: SetterModel.Condition) -> Environment {
    var joined: Environment = [:]
    for (name, value) in then {
      guard let other = otherwise[name] else {
        joined[name] = .unknown(name)
        continue
      }
      if value == other {
        joined[name] = value
      } else if case .condition(let left) = value, case .condition(let right) = other {
        joined[name] = .condition(.or(.and(test, left), .and(.not(test), right)))
      } else {
        joined[name] = .unknown(name)
      }
    }
    return joined
  }

  static let bitWriters: [String: SetterModel.Statement] = [
    "set_bit": .setBit, "__set_bit": .setBit, "clear_bit": .clearBit, "__clear_bit": .clearBit,
  ]

  /// `set_bit(b, vcpu->arch.isa)` and its kin: the id's host bit set or cleared. Any other bit of the
  /// guest ISA is a change the prover cannot state.
  mutating func bitEffect(_ expression: CExpression, _ environment: inout Environment, at location: SourceLocation)
    throws(Unreadable) -> [SetterModel.Statement]?
  {
    guard case .call(.name(let function), let arguments) = expression, let effect = Self.bitWriters[function],
      arguments.count == 2
    else { return nil }
    // A bit of some other bitmap leaves the guest's ISA alone.
    guard try evaluate(arguments[1], &environment, at: location) == .isaBits else { return [] }
    guard try evaluate(arguments[0], &environment, at: location) == .hostBit else {
      throw Unreadable(
        location: location, reason: "'\(expression.text.clipped)' changes a bit other than the id's host bit")
    }
    return [effect]
  }

  // MARK: Expressions

  /// The host check of 2026, whichever of its spellings a tree uses: `__kvm_riscv_isa_check_host`,
  /// without the underscores, or `kvm_riscv_vcpu_isa_check_host` as it was first named.
  static let hostCheckFunctions = [
    "__kvm_riscv_isa_check_host", "kvm_riscv_isa_check_host", "kvm_riscv_vcpu_isa_check_host",
  ]
  static func isHostCheck(_ name: String) -> Bool { hostCheckFunctions.contains(name) }

  /// `reg_num >= KVM_RISCV_ISA_EXT_MAX` or `>= ARRAY_SIZE(kvm_isa_ext_arr)`: the bounds of the table.
  static func isTableBound(_ expression: CExpression) -> Bool {
    switch expression {
    case .name("KVM_RISCV_ISA_EXT_MAX"): return true
    case .call(.name("ARRAY_SIZE"), let arguments): return arguments == [.name("kvm_isa_ext_arr")]
    default: return false
    }
  }

  mutating func evaluate(_ expression: CExpression, _ environment: inout Environment, at location: SourceLocation)
    throws(Unreadable) -> Value
  {
    switch expression {
    case .name(let name):
      if let value = environment[name] { return value }
      switch name {
      case "NULL", "false": return .number(0)
      case "true": return .number(1)
      default: return .unknown(name)
      }
    case .literal(let text):
      return KernelReader.number(text).map(Value.number) ?? .unknown(text)
    case .cast(_, let operand):
      return try evaluate(operand, &environment, at: location)
    case .sizeof(let text):
      return .unknown("sizeof(\(text))")
    case .statementExpression, .initializer:
      return .unknown(expression.text)
    case .member(let base, let field, _):
      switch try evaluate(base, &environment, at: location) {
      case .vcpu: return .vcpuField(field)
      case .vcpuField(let path):
        switch "\(path).\(field)" {
        case "arch.isa": return .isaBits
        case "arch.ran_atleast_once": return .condition(.fact(.ran))
        case let longer: return .vcpuField(longer)
        }
      case .register: return field == "id" ? .registerId : .callerInput
      default: return .unknown(expression.text)
      }
    case .index(let base, let position):
      let index = try evaluate(position, &environment, at: location)
      if base == .name("kvm_isa_ext_arr") && environment["kvm_isa_ext_arr"] == nil {
        return index == .id ? .hostBit : .unknown(expression.text)
      }
      let array = try evaluate(base, &environment, at: location)
      return array == .isaBits ? .isaBits : .unknown(expression.text)
    case .call(let callee, let arguments):
      return try call(callee, arguments, expression, &environment, at: location)
    case .prefix(let op, let operand):
      switch op {
      case "!":
        let value = try evaluate(operand, &environment, at: location)
        return .condition(.not(truth(value, of: operand, at: location)))
      case "++", "--":
        return try assign("\(op.first!)=", operand, .literal("1"), &environment, at: location)
      case "&":
        _ = try evaluate(operand, &environment, at: location)
        return .unknown(expression.text)
      default:
        let value = try evaluate(operand, &environment, at: location)
        if case .number(let number) = value {
          switch op {
          case "-": return .number(0 &- number)
          case "~": return .number(~number)
          case "+": return .number(number)
          default: break
          }
        }
        return .unknown(expression.text)
      }
    case .postfix(let op, let operand):
      let before = try evaluate(operand, &environment, at: location)
      _ = try assign("\(op.first!)=", operand, .literal("1"), &environment, at: location)
      return before
    case .binary(let op, let left, let right):
      return try binary(op, left, right, expression, &environment, at: location)
    case .assign(let op, let target, let source):
      return try assign(op, target, source, &environment, at: location)
    case .conditional(let test, let then, let otherwise):
      let condition = truth(try evaluate(test, &environment, at: location), of: test, at: location)
      let thenValue = try evaluate(then, &environment, at: location)
      let elseValue = try evaluate(otherwise, &environment, at: location)
      if thenValue == elseValue { return thenValue }
      if let a = Self.bit(thenValue), let b = Self.bit(elseValue) {
        return .condition(.or(.and(condition, a), .and(.not(condition), b)))
      }
      return .unknown(expression.text)
    }
  }

  mutating func call(
    _ callee: CExpression, _ arguments: [CExpression], _ whole: CExpression, _ environment: inout Environment,
    at location: SourceLocation
  ) throws(Unreadable) -> Value {
    let function: String
    if case .name(let name) = callee { function = name } else { function = callee.text }
    var values: [Value] = []
    for argument in arguments { values.append(try evaluate(argument, &environment, at: location)) }
    switch function {
    case "array_index_nospec" where values.count == 2:
      return values[0]
    case let check where Self.isHostCheck(check) && values.count == 2:
      guard values[0] == .id else { break }
      // The out-parameter receives the id's host bit; the result is nonzero when it is not offered.
      if case .prefix("&", .name(let variable)) = arguments[1] { environment[variable] = .hostBit }
      return .condition(.fact(.hostCheckFails))
    case "test_bit", "__test_bit", "variable_test_bit":
      if values == [.hostBit, .isaBits] { return .condition(.fact(.guestBit)) }
      return .unknown(whole.text)
    case "__riscv_isa_extension_available", "riscv_isa_extension_available":
      if values == [.number(0), .hostBit] { return .condition(.fact(.hostHas)) }
      if values == [.isaBits, .hostBit] { return .condition(.fact(.guestBit)) }
      return .unknown(whole.text)
    case let allowed where enableFunctions.contains(allowed) && values == [.id]:
      return .condition(.fact(.enableAllowed))
    case let allowed where disableFunctions.contains(allowed) && values == [.id]:
      return .condition(.fact(.disableAllowed))
    case "copy_from_user" where !arguments.isEmpty:
      if case .prefix("&", .name(let variable)) = arguments[0] { environment[variable] = .written }
      return .callerInput
    case "KVM_REG_SIZE":
      return .callerInput
    default:
      break
    }
    if values.contains(.isaBits) {
      throw Unreadable(
        location: location,
        reason: "'\(whole.text.clipped)' hands the guest's ISA bits to a function rvcheck does not read")
    }
    // A local passed by address may be written by the call.
    for argument in arguments {
      if case .prefix("&", .name(let variable)) = argument, environment[variable] != nil {
        environment[variable] = .unknown("\(variable) after \(function)()")
      }
    }
    return .unknown(whole.text)
  }

  mutating func binary(
    _ op: String, _ left: CExpression, _ right: CExpression, _ whole: CExpression, _ environment: inout Environment,
    at location: SourceLocation
  ) throws(Unreadable) -> Value {
    let leftValue = try evaluate(left, &environment, at: location)
    let rightValue = try evaluate(right, &environment, at: location)
    switch op {
    case ",":
      return rightValue
    case "&&", "||":
      let a = truth(leftValue, of: left, at: location)
      let b = truth(rightValue, of: right, at: location)
      return .condition(op == "&&" ? .and(a, b) : .or(a, b))
    case "==", "!=":
      if leftValue == .callerInput || rightValue == .callerInput { return .condition(callerChoice()) }
      guard let a = Self.bit(leftValue), let b = Self.bit(rightValue) else {
        return .condition(freeCondition(whole.text, at: location))
      }
      return .condition(op == "==" ? .same(a, b) : .not(.same(a, b)))
    case ">=", ">", "<", "<=":
      if leftValue == .id && Self.isTableBound(right) {
        let outside = SetterModel.Condition.fact(.idOutOfRange)
        return .condition(op.hasPrefix(">") ? outside : .not(outside))
      }
      if leftValue == .callerInput || rightValue == .callerInput { return .condition(callerChoice()) }
      return .condition(freeCondition(whole.text, at: location))
    case "&" where leftValue == .registerId || rightValue == .registerId:
      // The id field of a ONE_REG id: the type bits masked off.
      return .id
    default:
      if case .number(let a) = leftValue, case .number(let b) = rightValue, let folded = Self.fold(op, a, b) {
        return .number(folded)
      }
      return .unknown(whole.text)
    }
  }

  static func fold(_ op: String, _ a: Int, _ b: Int) -> Int? {
    switch op {
    case "+": return a &+ b
    case "-": return a &- b
    case "*": return a &* b
    case "&": return a & b
    case "|": return a | b
    case "^": return a ^ b
    default: return nil
    }
  }

  /// `x = y` and `x op= y`. A local takes the value; a write to the guest's ISA bits or to the ran
  /// flag other than through the setter's own statements is a change the prover cannot state.
  mutating func assign(
    _ op: String, _ target: CExpression, _ source: CExpression, _ environment: inout Environment,
    at location: SourceLocation
  ) throws(Unreadable) -> Value {
    let value = try evaluate(source, &environment, at: location)
    if case .name(let name) = target, environment[name] != nil || op == "=" {
      let before = environment[name]
      let after: Value
      switch op {
      case "=": after = value
      case "&=" where before == .registerId: after = .id
      default:
        if case .number(let a) = before, case .number(let b) = value,
          let folded = Self.fold(String(op.dropLast()), a, b)
        {
          after = .number(folded)
        } else {
          after = .unknown(name)
        }
      }
      environment[name] = after
      return after
    }
    let place = try evaluate(target, &environment, at: location)
    if place == .isaBits || place == .condition(.fact(.ran)) {
      throw Unreadable(
        location: location,
        reason:
          "'\(target.text.clipped) \(op) \(source.text.clipped)' changes state the prover tracks in a way rvcheck does not read"
      )
    }
    return value
  }

  // MARK: Truth values

  /// A 0-or-1 value as a condition: a test, the written value, or the constants 0 and 1.
  static func bit(_ value: Value) -> SetterModel.Condition? {
    switch value {
    case .condition(let condition): return condition
    case .written: return .fact(.valueIsOne)
    case .number(0): return .constant(false)
    case .number(1): return .constant(true)
    default: return nil
    }
  }

  /// A value tested for truth. One rvcheck cannot follow is a free choice of each call, reported.
  mutating func truth(_ value: Value, of expression: CExpression, at location: SourceLocation) -> SetterModel.Condition
  {
    switch value {
    case .condition(let condition): return condition
    case .written: return .fact(.valueIsOne)
    case .number(let number): return .constant(number != 0)
    case .callerInput: return callerChoice()
    default: return freeCondition(expression.text, at: location)
    }
  }

  mutating func callerChoice() -> SetterModel.Condition {
    choices += 1
    return .fact(.choice(choices - 1))
  }

  /// A condition rvcheck does not know: either way may happen, and the reader says so.
  mutating func freeCondition(_ text: String, at location: SourceLocation) -> SetterModel.Condition {
    unread.append(SetterModel.UnreadCondition(text: text.clipped, location: location))
    return callerChoice()
  }
}
