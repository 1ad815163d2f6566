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

  public indirect enum Condition: Sendable, Equatable {
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
