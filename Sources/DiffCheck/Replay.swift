import SpecModel

/// The result of replaying one corpus case.
public struct ReplayReport: Sendable {
  public let verdict: Verdict
  public let observed: ConcreteState?
  /// Empty when the case passes.
  public let problems: [String]
  public var passed: Bool { problems.isEmpty }
}

/// Rule names without their `@index`.
public func ruleNames(_ rules: [String]) -> Set<String> {
  Set(rules.map { $0.split(separator: "@").first.map(String.init) ?? $0 })
}

/// Replays corpus cases on an emulator and checks them against the spec.
public struct Replayer {
  public let emulator: any Emulator

  public init(emulator: any Emulator) { self.emulator = emulator }

  public func replay(_ testCase: CorpusCase) throws -> ReplayReport {
    let configuration = testCase.configuration
    // The concrete interpretation first, the relation where it must: to name a violation's rules,
    // or to decide what the concrete side cannot. A 500-instruction case stays quick.
    let spec = SpecChecker(configuration: configuration)
    let relations = RelationPool(configuration: configuration)
    var disagreements: [String] = []
    func check(_ observed: ConcreteState) throws -> Verdict {
      let result = try spec.check(
        testCase.program, initial: initial, observed: observed, relation: relations.shared,
        explain: relations.fresh)
      if let disagreement = result.disagreement { disagreements.append("internal error: \(disagreement)") }
      return result.verdict
    }
    let run = try testCase.emulatorCase()
    let initial = run.initial
    let target: any Emulator = testCase.mutant.map { BuiltinEmulator(mutant: $0) } ?? emulator
    let outcome = target.run([run])[0]
    guard case .finished(let observed) = outcome else {
      let message: String
      switch outcome {
      case .failed(let reason): message = reason
      case .unsupported(let form): message = "\(form) unsupported by this emulator"
      case .finished: message = "no outcome"
      }
      return ReplayReport(verdict: .unknown(reason: message), observed: nil, problems: ["emulator failed: \(message)"])
    }
    var problems: [String] = []
    let verdict = try check(observed)
    switch (testCase.expectation, verdict) {
    case (.conforms, .conforms): break
    case (.conforms, .violation(let rules, let parts)):
      problems.append(
        "expected conforming, got violation of \(rules.joined(separator: ", ")) (observed \(parts.map { Self.describe(part: $0, observed) }.joined(separator: ", ")))"
      )
    case (.violation(let wanted), .violation(let rules, _)):
      // A minimal core need not be unique: any one of the rules the case lists will do.
      if !wanted.isEmpty && ruleNames(rules).isDisjoint(with: wanted) {
        problems.append("violation names \(rules.joined(separator: ", ")), none of \(wanted.joined(separator: ", "))")
      }
    case (.violation(let wanted), .conforms):
      problems.append("expected a violation of \(wanted.joined(separator: ", ")), but the outcome conforms")
    case (_, .unknown(let reason)):
      problems.append("solver gave up: \(reason)")
    }
    for component in testCase.expected where !Self.matches(component, observed) {
      problems.append("expected \(CorpusCase.text(component)), observed \(Self.describe(component, observed))")
    }
    for (component, rule) in testCase.rejections {
      let altered = Self.apply(component, to: observed)
      if altered == observed {
        problems.append("reject \(CorpusCase.text(component)): that is the observed outcome, nothing to reject")
        continue
      }
      let rejected = try check(altered)
      guard case .violation(let rules, _) = rejected, ruleNames(rules).contains(rule) else {
        problems.append("reject \(CorpusCase.text(component)) should break \(rule); the spec says \(rejected)")
        continue
      }
    }
    return ReplayReport(verdict: verdict, observed: observed, problems: problems + disagreements)
  }

  static func word(_ state: ConcreteState, _ address: UInt64) -> UInt64 {
    (0..<UInt64(8)).reduce(0) { $0 | UInt64(state.memory[address &+ $1] ?? 0) << (8 * $1) }
  }

  static func matches(_ component: CorpusCase.Component, _ state: ConcreteState) -> Bool {
    switch component {
    case .register(let number, let value): state.registers[number] == value
    case .memory(let address, let word): Self.word(state, address) == word
    case .trap(let trap): state.trap == trap
    }
  }

  /// A part the spec named (`x10`, `mem[0x…]`, `mcause`) with its observed value.
  static func describe(part: String, _ state: ConcreteState) -> String {
    if part.hasPrefix("x"), let number = Int(part.dropFirst()), (0..<32).contains(number) {
      return "\(part) = \(hex(state.registers[number]))"
    }
    if part.hasPrefix("mem[0x"), part.hasSuffix("]"), let address = UInt64(part.dropFirst(6).dropLast(), radix: 16) {
      return "\(part) = \(hex(word(state, address)))"
    }
    switch part {
    case "mcause", "mtval", "mepc", "trap", "no-trap": return "\(part): \(state.trap.map(\.description) ?? "no trap")"
    default: return part
    }
  }

  static func describe(_ component: CorpusCase.Component, _ state: ConcreteState) -> String {
    switch component {
    case .register(let number, _): hex(state.registers[number])
    case .memory(let address, _): hex(word(state, address))
    case .trap: state.trap.map(\.description) ?? "no trap"
    }
  }

  static func apply(_ component: CorpusCase.Component, to state: ConcreteState) -> ConcreteState {
    var copy = state
    switch component {
    case .register(let number, let value): copy.registers[number] = value
    case .memory(let address, let word):
      for byte in 0..<UInt64(8) { copy.memory[address + byte] = UInt8(truncatingIfNeeded: word >> (8 * byte)) }
    case .trap(let trap): copy.trap = trap
    }
    return copy
  }
}
