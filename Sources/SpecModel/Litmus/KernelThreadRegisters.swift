/// The variables of a thread as herd's C reads them: a name the thread uses without declaring it
/// (and that is neither a parameter nor a shared location) is a register of the thread that starts
/// at 0, as older tests write `r1 = READ_ONCE(*x);` with no `int r1;`.
extension KernelThread {
  /// Names declared anywhere in the body (`int r1;`, `int r2 = 0;`).
  public var declaredNames: Set<String> {
    var names: Set<String> = []
    visit { statement in
      if case .declaration(_, let declared, _) = statement { names.formUnion(declared.map(\.name)) }
    } expressions: { _ in
    }
    return names
  }

  /// Names assigned in the body but neither declared nor parameters.
  public var implicitRegisters: Set<String> {
    var assigned: Set<String> = []
    visit { _ in
    } expressions: { expression in
      if case .assign(_, .name(let name), _) = expression { assigned.insert(name) }
    }
    return assigned.subtracting(declaredNames).subtracting(parameters)
  }

  /// Every name the body uses as a value (not as a function it calls): a caller tells apart the
  /// shared locations, the thread's variables, and herd's undeclared registers among them.
  public var usedNames: Set<String> {
    var names: Set<String> = []
    visit { _ in
    } expressions: { expression in
      if case .name(let name) = expression { names.insert(name) }
    }
    return names
  }

  /// Every statement of the body, nested ones included, and every expression in them.
  private func visit(_ statementVisitor: (CStatement) -> Void, expressions: (CExpression) -> Void) {
    var pending = body
    while let statement = pending.popLast() {
      statementVisitor(statement)
      switch statement {
      case .block(let inner): pending += inner
      case .expression(let expression, _): expression.visit(expressions)
      case .declaration(_, let names, _): for case let initial? in names.map(\.initial) { initial.visit(expressions) }
      case .branch(let condition, let then, let otherwise, _):
        condition.visit(expressions)
        pending.append(then)
        if let otherwise { pending.append(otherwise) }
      case .returns(let value, _): value?.visit(expressions)
      case .other, .extended: break
      }
    }
  }
}

extension CExpression {
  /// This expression and every expression inside it.
  func visit(_ visitor: (CExpression) -> Void) {
    visitor(self)
    switch self {
    case .name, .literal, .sizeof, .statementExpression, .initializer: break
    case .call(let function, let arguments):
      // A called name is a function, not a value.
      if case .name = function {} else { function.visit(visitor) }
      for argument in arguments { argument.visit(visitor) }
    case .index(let base, let offset):
      base.visit(visitor)
      offset.visit(visitor)
    case .member(let base, _, _), .prefix(_, let base), .postfix(_, let base), .cast(_, let base): base.visit(visitor)
    case .binary(_, let left, let right), .assign(_, let left, let right):
      left.visit(visitor)
      right.visit(visitor)
    case .conditional(let test, let then, let otherwise):
      test.visit(visitor)
      then.visit(visitor)
      otherwise.visit(visitor)
    }
  }
}
