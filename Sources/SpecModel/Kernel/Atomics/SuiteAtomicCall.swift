/// A call of the kernel's `atomic_t`, `atomic64_t` or `atomic_long_t` API in a C litmus test
/// (`atomic_inc(y)`, `atomic_add_unless(v, 1, 0)`, `atomic64_read(z)`), compiled through the tree's
/// own definition.
///
/// Each distinct call gets a wrapper in the translation unit, so the preprocessor expands the
/// tree's generic layer (`raw_atomic_inc`, or `arch_atomic_inc` in 5.13–6.4 layouts) exactly as a
/// kernel build would. The wrapper takes the location as `p` and has the test's constants written
/// in: the call the test makes, nothing more general.
struct SuiteAtomicCall {
  /// The function as the test calls it: `atomic_add_unless`.
  let function: String
  /// The arguments as written, the location's replaced by `p`.
  let arguments: [String]
  /// The location the call is on (a thread parameter).
  let location: String

  /// Functions of the `atomic_t`, `atomic64_t` and `atomic_long_t` APIs.
  static func isAtomicFunction(_ name: String) -> Bool {
    name.hasPrefix("atomic_") || name.hasPrefix("atomic64_")
  }

  /// The object's type, the counter's, and the counter's width (nil: a `long`, XLEN bits), as the
  /// kernel declares them.
  private var counter: (object: String, value: String, bits: Int?) {
    if function.hasPrefix("atomic64_") { return ("atomic64_t", "s64", 64) }
    if function.hasPrefix("atomic_long_") { return ("atomic_long_t", "long", nil) }
    return ("atomic_t", "int", 32)
  }
  var objectType: String { counter.object }
  func counterBits(xlen: Int) -> Int { counter.bits ?? xlen }

  /// The call `expression` makes, when it is an `atomic_t` function of one location (a thread
  /// parameter in `locations`) and integer constants; nil otherwise.
  init?(_ expression: CExpression, locations: Set<String>) {
    guard case .call(.name(let function), let arguments) = expression, Self.isAtomicFunction(function) else {
      return nil
    }
    var written: [String] = []
    var location: String?
    for argument in arguments {
      switch argument {
      case .name(let name) where locations.contains(name) && location == nil:
        written.append("p")
        location = name
      case .literal(let text) where Int64(text) != nil: written.append(text)
      case .prefix("-", .literal(let text)) where Int64(text) != nil: written.append("-" + text)
      default: return nil
      }
    }
    guard let location else { return nil }
    self.function = function
    self.arguments = written
    self.location = location
  }

  /// A C identifier for the wrapper: calls that differ only in their location share one.
  var wrapperName: String {
    let encoded = arguments.map { $0 == "p" ? "p" : $0.replacingOccurrences(of: "-", with: "m") }
    return "rvcheck_suite_\(function)_" + encoded.joined(separator: "_")
  }

  /// The name the tree gives the function in its generic layer.
  func treeName(prefix: String) -> String { prefix + function }

  /// The wrapper: a function of the location that returns the call's value as the counter's type
  /// (a call without one leaves the wrapper without a value, which the compiler reports if the
  /// test uses it).
  func wrapper(prefix: String) -> String {
    "\(counter.value) \(wrapperName)(\(objectType) *p) { return \(treeName(prefix: prefix))(\(arguments.joined(separator: ", "))); }\n\n"
  }

  /// Every such call in `tests`, one per wrapper, in the order met.
  static func calls(in tests: [KernelLitmusTest]) -> [SuiteAtomicCall] {
    var found: [SuiteAtomicCall] = []
    var wrapped: Set<String> = []
    for test in tests {
      for thread in test.threads {
        let locations = Set(thread.parameters)
        func visit(_ expression: CExpression) {
          if let call = SuiteAtomicCall(expression, locations: locations), wrapped.insert(call.wrapperName).inserted {
            found.append(call)
          }
          switch expression {
          case .call(_, let arguments): arguments.forEach(visit)
          case .prefix(_, let inner), .postfix(_, let inner), .cast(_, let inner), .member(let inner, _, _):
            visit(inner)
          case .binary(_, let left, let right), .assign(_, let left, let right), .index(let left, let right):
            visit(left)
            visit(right)
          case .conditional(let condition, let then, let otherwise):
            visit(condition)
            visit(then)
            visit(otherwise)
          default: break
          }
        }
        func visit(_ statement: CStatement) {
          switch statement {
          case .block(let inner): inner.forEach(visit)
          case .expression(let expression, _): visit(expression)
          case .declaration(_, let names, _): names.compactMap(\.initial).forEach(visit)
          case .branch(let condition, let then, let otherwise, _):
            visit(condition)
            visit(then)
            if let otherwise { visit(otherwise) }
          case .returns(let value, _): if let value { visit(value) }
          default: break
          }
        }
        thread.body.forEach(visit)
      }
    }
    return found
  }
}
