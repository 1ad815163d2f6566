/// The variables of a thread as herd's C reads them: a name the thread uses without declaring it
/// (and that is neither a parameter nor a shared location) is a register of the thread that starts
/// at 0, as older tests write `r1 = READ_ONCE(*x);` with no `int r1;`.
extension KernelThread {
  /// Names declared anywhere in the body (`int r1;`, `int r2 = 0;`).
  public var declaredNames: Set<String> {
    var names: Set<String> = []
    for case .declaration(_, let declared, _) in statements { names.formUnion(declared.map(\.name)) }
    return names
  }

  /// Names assigned in the body but neither declared nor parameters.
  public var implicitRegisters: Set<String> {
    var assigned: Set<String> = []
    for case .assign(_, .name(let name), _) in expressions { assigned.insert(name) }
    return assigned.subtracting(declaredNames).subtracting(parameters)
  }

  /// Every name the body uses as a value (not as a function it calls): a caller tells apart the
  /// shared locations, the thread's variables, and herd's undeclared registers among them.
  public var usedNames: Set<String> {
    var names: Set<String> = []
    for case .name(let name) in expressions { names.insert(name) }
    return names
  }

  /// The functions the body calls by name.
  public var calledFunctions: Set<String> {
    var names: Set<String> = []
    for case .call(.name(let name), _) in expressions { names.insert(name) }
    return names
  }

  /// Every statement of the body, nested ones included.
  private var statements: [CStatement] {
    var found: [CStatement] = []
    var pending = body
    while let statement = pending.popLast() {
      found.append(statement)
      switch statement {
      case .block(let inner): pending += inner
      case .branch(_, let then, let otherwise, _): pending += [then] + (otherwise.map { [$0] } ?? [])
      case .expression, .declaration, .returns, .other, .extended: break
      }
    }
    return found
  }

  /// Every expression in the body's statements, nested ones included.
  private var expressions: [CExpression] {
    var found: [CExpression] = []
    for statement in statements {
      switch statement {
      case .expression(let expression, _): expression.collect(into: &found)
      case .declaration(_, let names, _):
        for case let initial? in names.map(\.initial) { initial.collect(into: &found) }
      case .branch(let condition, _, _, _): condition.collect(into: &found)
      case .returns(let value, _): value?.collect(into: &found)
      case .block, .other, .extended: break
      }
    }
    return found
  }
}

extension CExpression {
  /// Appends this expression and every expression inside it; a called name is a function, not a
  /// value, and is left out.
  func collect(into found: inout [CExpression]) {
    found.append(self)
    switch self {
    case .name, .literal, .sizeof, .statementExpression, .initializer: break
    case .call(let function, let arguments):
      if case .name = function {} else { function.collect(into: &found) }
      for argument in arguments { argument.collect(into: &found) }
    case .index(let base, let offset):
      base.collect(into: &found)
      offset.collect(into: &found)
    case .member(let base, _, _), .prefix(_, let base), .postfix(_, let base), .cast(_, let base):
      base.collect(into: &found)
    case .binary(_, let left, let right), .assign(_, let left, let right):
      left.collect(into: &found)
      right.collect(into: &found)
    case .conditional(let test, let then, let otherwise):
      test.collect(into: &found)
      then.collect(into: &found)
      otherwise.collect(into: &found)
    }
  }
}
