@testable import SpecModel

/// Runs small programs against the spec for tests.
struct SpecHarness {
  let z3 = Z3Context()
  let checker: ConformanceChecker
  static let data: UInt64 = 0x8001_0000
  static let readOnly: UInt64 = 0x8001_1000

  init(_ isa: String = "rv64ima_zacas_zabha", profile: Profile = .spike) {
    let parsed = (try? ISAString(parsing: isa)) ?? ISAString(xlen: 64, extensions: [.i])
    checker = ConformanceChecker(z3: z3, configuration: MachineConfiguration(isa: parsed, profile: profile))
  }

  /// An initial state: the given registers (others zero) and 32 bytes at each memory base (zeros
  /// unless given, little-endian 64-bit words from `words`).
  func initial(_ registers: [Int: UInt64], words: [UInt64: UInt64] = [:]) -> ConcreteState {
    var values = [UInt64](repeating: 0, count: 32)
    for (number, value) in registers { values[number] = value }
    var memory = ByteMap()
    for base in [Self.data, Self.readOnly] {
      for offset in 0..<UInt64(32) { memory[base + offset] = 0 }
    }
    for (address, word) in words {
      for byte in 0..<UInt64(8) { memory[address + byte] = UInt8(truncatingIfNeeded: word >> (8 * byte)) }
    }
    return ConcreteState(registers: values, memory: memory)
  }

  func program(_ text: String) throws -> [Instruction] {
    try Assembler.assemble(text, xlen: checker.configuration.isa.xlen)
  }

  func outcome(_ text: String, _ initial: ConcreteState) throws -> ConcreteState? {
    try checker.allowedOutcome(program(text), initial: initial)
  }

  func check(_ text: String, _ initial: ConcreteState, _ observed: ConcreteState) throws -> Verdict {
    try checker.check(program(text), initial: initial, observed: observed)
  }
}

extension ConcreteState {
  func word(at address: UInt64) -> UInt64 {
    (0..<UInt64(8)).reduce(0) { $0 | UInt64(memory[address + $1] ?? 0) << (8 * $1) }
  }

  func with(register number: Int, _ value: UInt64) -> ConcreteState {
    var copy = self
    copy.registers[number] = value
    return copy
  }

  func with(word: UInt64, at address: UInt64) -> ConcreteState {
    var copy = self
    for byte in 0..<UInt64(8) { copy.memory[address + byte] = UInt8(truncatingIfNeeded: word >> (8 * byte)) }
    return copy
  }

  func with(trap: ConcreteTrap?) -> ConcreteState {
    var copy = self
    copy.trap = trap
    return copy
  }
}

extension Verdict {
  var rules: [String] {
    if case .violation(let rules, _) = self { return rules }
    return []
  }

  /// Whether a violated rule has this name (at any instruction).
  func names(_ rule: Rule) -> Bool { rules.contains { $0.hasPrefix(rule.name + "@") || $0 == rule.name } }
  func names(_ ruleName: String) -> Bool { rules.contains { $0.hasPrefix(ruleName) } }
}
