/// Values of a compiled litmus thread: which register holds a value already, and the code that
/// computes one from registers and constants.
///
/// A masked byte or halfword primitive returns what C computes from its asm's output after the asm
/// (`(retx & mask) >> shift`, cast to the object's type). With the object at the start of its word
/// the shift folds to zero, and the solver's simplifier leaves bit operations on the output; those
/// become `andi`, `and`, `or`, `xor` and `add` on scratch registers.
extension PrimitiveEvaluator.Compilation {
  /// The register holding `bits` as it is: an object's address or an asm output (or a load).
  func register(holding bits: BitVec) -> Int? {
    if let register = addresses[bits.description] ?? outputs[bits.description] { return register }
    let simplified = bits.simplified.description
    return addresses[simplified] ?? outputs[simplified]
  }

  /// A register holding `bits`, zero-extended, with the code that computes it appended; nil when
  /// the value needs an operation the litmus tests have no instruction for, or the scratch
  /// registers run out.
  mutating func materialize(_ bits: BitVec) -> Int? {
    if let register = register(holding: bits) { return register }
    let term = bits.simplified
    switch term.shape {
    case .numeral(let value):
      guard value <= UInt128(Int64.max), let register = take() else { return nil }
      lines.append("li \(RegisterNames.name(register)),\(value)")
      return register
    case .and(let operands): return fold(operands, "and")
    case .or(let operands): return fold(operands, "or")
    case .xor(let operands): return fold(operands, "xor")
    case .add(let operands):
      // A sum of narrow values may carry past their width.
      guard let sum = fold(operands, "add") else { return nil }
      return masked(sum, bits: term.width)
    case .extract(let high, 0, let operand):
      guard let source = materialize(operand) else { return nil }
      return masked(source, bits: high + 1)
    case .extract(let high, let low, let operand):
      // A field above bit 0: shifted down, then the bits above it cleared.
      guard let source = materialize(operand), let shifted = take() else { return nil }
      lines.append("srli \(RegisterNames.name(shifted)),\(RegisterNames.name(source)),\(low)")
      return masked(shifted, bits: high - low + 1)
    case .zeroExtend(_, let operand):
      guard let source = materialize(operand) else { return nil }
      return masked(source, bits: operand.width)
    case .concat(let parts) where parts.count == 2 && parts[0].simplified.numeral == 0:
      guard let source = materialize(parts[1]) else { return nil }
      return masked(source, bits: parts[1].width)
    case .concat(let parts) where parts.count >= 2 && term.width <= xlen && Self.signBits(parts):
      // A value sign-extended, as the simplifier writes it (copies of its top bit, then the
      // value): shifted to the register's top and back arithmetically.
      guard let value = parts.last, let source = materialize(value), let extended = take() else { return nil }
      let shift = xlen - value.width
      let name = RegisterNames.name(extended)
      lines += ["slli \(name),\(RegisterNames.name(source)),\(shift)", "srai \(name),\(name),\(shift)"]
      return term.width < xlen ? masked(extended, bits: term.width) : extended
    case .concat(let parts) where parts.count == 2 && parts[1].simplified.numeral == 0 && term.width <= 64:
      // Bits above zeros (`val & ~0xff` as the simplifier writes it): the high part shifted up.
      guard let source = materialize(parts[0]), let shifted = take() else { return nil }
      lines.append("slli \(RegisterNames.name(shifted)),\(RegisterNames.name(source)),\(parts[1].width)")
      return shifted
    case .choice(let left, let right, let ifEqual, let otherwise):
      // 1 or 0 by whether the operands' bits agree: their difference at their width, then
      // `sltiu` (is zero) or `sltu` from x0 (is not), with no branch.
      let outcome = (ifEqual.simplified.numeral, otherwise.simplified.numeral)
      guard outcome == (1, 0) || outcome == (0, 1) else { return nil }
      // A 0-or-1 value compared with zero (C's `!` of a comparison): that value's own register,
      // tested in place.
      let zero = right.simplified.numeral == 0 ? left : left.simplified.numeral == 0 ? right : nil
      if let zero, case .choice = zero.simplified.shape, register(holding: zero) == nil {
        guard let value = materialize(zero) else { return nil }
        let name = RegisterNames.name(value)
        lines.append(Self.zeroTest(name, of: name, isZero: outcome == (1, 0)))
        return value
      }
      guard let difference = fold([left, right], "xor"),
        let low = masked(difference, bits: left.width)
      else { return nil }
      // The masked difference is this value's own register: tested in place.
      lines.append(Self.zeroTest(RegisterNames.name(low), of: RegisterNames.name(low), isZero: outcome == (1, 0)))
      return low
    default: return nil
    }
  }

  private mutating func take() -> Int? { scratch.isEmpty ? nil : scratch.removeFirst() }

  /// Whether `parts` are copies of the last part's top bit, then the last part.
  private static func signBits(_ parts: [BitVec]) -> Bool {
    guard let value = parts.last else { return false }
    let text = value.simplified.description
    return parts.dropLast().allSatisfy { part in
      guard case .extract(let high, let low, let operand) = part.simplified.shape else { return false }
      return high == value.width - 1 && low == high && operand.simplified.description == text
    }
  }

  /// `operands` combined by `operation`, left to right; a constant that fits an immediate uses the
  /// instruction's immediate form.
  private mutating func fold(_ operands: [BitVec], _ operation: String) -> Int? {
    guard let first = operands.first, var accumulated = materialize(first) else { return nil }
    for operand in operands.dropFirst() {
      guard let result = take() else { return nil }
      if let value = operand.simplified.numeral, let immediate = Self.immediate(value, width: operand.width) {
        lines.append(
          "\(operation)i \(RegisterNames.name(result)),\(RegisterNames.name(accumulated)),\(immediate)")
      } else {
        guard let other = materialize(operand) else { return nil }
        lines.append(
          "\(operation) \(RegisterNames.name(result)),\(RegisterNames.name(accumulated)),\(RegisterNames.name(other))")
      }
      accumulated = result
    }
    return accumulated
  }

  /// The low `bits` bits of `source`, the rest zero.
  private mutating func masked(_ source: Int, bits: Int) -> Int? {
    guard bits < 64 else { return source }
    let mask = (UInt64(1) << UInt64(bits)) - 1
    guard let result = take() else { return nil }
    if mask <= 2047 {
      lines.append("andi \(RegisterNames.name(result)),\(RegisterNames.name(source)),\(mask)")
    } else {
      // The mask goes in the result's register first: one register, not two.
      lines.append("li \(RegisterNames.name(result)),\(mask)")
      lines.append("and \(RegisterNames.name(result)),\(RegisterNames.name(source)),\(RegisterNames.name(result))")
    }
    return result
  }

  /// `value` (of `width` bits, zero-extended) as a 12-bit signed immediate, when it is one: a
  /// narrower value must stay positive, as the instruction sign-extends its immediate.
  private static func immediate(_ value: UInt64, width: Int) -> Int64? {
    let signed = width < 64 ? Int64(value) : Int64(bitPattern: value)
    return (-2048...2047).contains(signed) ? signed : nil
  }

  /// `rd` = whether `source` is zero (`seqz`), or whether it is not (`snez`), with no branch: a
  /// comparison's value after the difference of its operands.
  static func zeroTest(_ rd: String, of source: String, isZero: Bool) -> String {
    isZero ? "sltiu \(rd),\(source),1" : "sltu \(rd),x0,\(source)"
  }
}
