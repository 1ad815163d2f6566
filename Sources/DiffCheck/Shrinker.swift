import SpecModel

/// Reduces a violating case (fewer instructions, then registers and memory words set to zero)
/// while it still shows the same failure.
public struct Shrinker {
  /// Runs a candidate on the emulator and tells whether it still shows the failure being shrunk.
  public let keeps: ([Instruction], ConcreteState) throws -> Bool
  public var maxAttempts = 400
  /// Checked before each attempt; true ends shrinking with the smallest case so far.
  public var shouldStop: () -> Bool = { false }
  /// The state after the program's first `k` instructions, per the spec (nil when one traps): lets
  /// the shrinker fold leading instructions into the initial state when plainly dropping them would
  /// change what the rest computes (a store that sets up a later compare, say).
  public var afterPrefix: (([Instruction], ConcreteState, Int) -> ConcreteState?)?

  public init(keeps: @escaping ([Instruction], ConcreteState) throws -> Bool) {
    self.keeps = keeps
  }

  /// A shrinker that keeps a candidate while the spec's verdict on it (nil if the emulator failed)
  /// names one of `rules`.
  public init(rules: [String], verdict: @escaping ([Instruction], ConcreteState) throws -> Verdict?) {
    let wanted = ruleNames(rules)
    self.keeps = { candidate, state in
      guard case .violation(let found, _)? = try verdict(candidate, state) else { return false }
      return !ruleNames(found).isDisjoint(with: wanted)
    }
  }

  public func shrink(
    _ program: [Instruction], _ initial: ConcreteState
  ) throws -> (program: [Instruction], initial: ConcreteState) {
    var program = program
    var initial = initial
    var attempts = 0
    func stillViolates(_ candidate: [Instruction], _ state: ConcreteState) throws -> Bool {
      attempts += 1
      if shouldStop() {
        attempts = maxAttempts
        return false
      }
      return try keeps(candidate, state)
    }
    var changed = true
    while changed && attempts < maxAttempts {
      changed = false
      // The longest foldable prefix first: the state just before the faulty instruction is the
      // smallest reproducer there is.
      if let afterPrefix {
        for count in stride(from: program.count - 1, through: 1, by: -1) where attempts < maxAttempts {
          guard let folded = afterPrefix(program, initial, count) else { continue }
          let candidate = Array(program.dropFirst(count))
          if try stillViolates(candidate, folded) {
            program = candidate
            initial = folded
            changed = true
            break
          }
        }
      }
      var index = program.count - 1
      while index >= 0 && attempts < maxAttempts {
        var candidate = program
        candidate.remove(at: index)
        if !candidate.isEmpty, try stillViolates(candidate, initial) {
          program = candidate
          changed = true
        }
        index -= 1
      }
      for number in 1..<32 where initial.registers[number] != 0 && attempts < maxAttempts {
        var candidate = initial
        candidate.registers[number] = 0
        if try stillViolates(program, candidate) {
          initial = candidate
          changed = true
        }
      }
      // Memory words in ever smaller groups: a window of random bytes holds a thousand words, of
      // which a violation usually needs one or two.
      var pending = Set(initial.memory.keys.map { $0 & ~7 }).sorted().filter { address in
        (0..<UInt64(8)).contains { initial.memory[address + $0] ?? 0 != 0 }
      }
      var groups = 1
      while !pending.isEmpty && attempts < maxAttempts {
        let size = (pending.count + groups - 1) / groups
        var kept: [UInt64] = []
        var dropped = false
        for start in stride(from: 0, to: pending.count, by: size) {
          let group = pending[start..<min(start + size, pending.count)]
          guard attempts < maxAttempts else {
            kept += group
            continue
          }
          var candidate = initial
          for address in group {
            for byte in (0..<UInt64(8)).map({ address + $0 }) where candidate.memory[byte] != nil {
              candidate.memory[byte] = 0
            }
          }
          if try stillViolates(program, candidate) {
            initial = candidate
            changed = true
            dropped = true
          } else {
            kept += group
          }
        }
        pending = kept
        if !dropped {
          if size == 1 { break }
          groups = min(groups * 2, pending.count)
        }
      }
    }
    return (program, initial)
  }
}
