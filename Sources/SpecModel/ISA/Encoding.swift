/// An instruction whose operands do not fit its format.
public struct EncodingError: Error, CustomStringConvertible, Equatable {
  public let message: String
  public var description: String { message }
}

private func bits(_ value: Int64, _ high: Int, _ low: Int) -> UInt32 {
  UInt32(truncatingIfNeeded: (UInt64(bitPattern: value) >> UInt64(low)) & ((1 << UInt64(high - low + 1)) - 1))
}

private func signExtend(_ value: UInt32, bits count: Int) -> Int64 {
  let shift = 64 - count
  return (Int64(value) << Int64(shift)) >> Int64(shift)
}

extension Instruction {
  /// The 32-bit encoding: the form's fixed fields plus the operands placed by its format.
  public func encoded() throws(EncodingError) -> UInt32 {
    // Checked one by one: this runs for every instruction of every program.
    if !(0..<32).contains(rd) { throw registerError("rd", rd) }
    if !(0..<32).contains(rs1) { throw registerError("rs1", rs1) }
    if !(0..<32).contains(rs2) { throw registerError("rs2", rs2) }
    // The message is only formatted when the check fails.
    func require(_ ok: Bool, _ what: @autoclosure () -> String) throws(EncodingError) {
      if !ok { throw EncodingError(message: "\(mnemonic): \(what())") }
    }
    let rdBits = UInt32(rd) << 7
    let rs1Bits = UInt32(rs1) << 15
    let rs2Bits = UInt32(rs2) << 20
    let ordering = (aq ? UInt32(1) << 26 : 0) | (rl ? UInt32(1) << 25 : 0)
    let operands: UInt32
    switch form.format {
    case .register:
      operands = rdBits | rs1Bits | rs2Bits
    case .immediate, .load:
      try require((-2048...2047).contains(immediate), "immediate \(immediate) outside -2048...2047")
      operands = rdBits | rs1Bits | bits(immediate, 11, 0) << 20
    case .shiftImmediate(let word):
      let limit: Int64 = word ? 31 : 63
      try require((0...limit).contains(immediate), "shift amount \(immediate) outside 0...\(limit)")
      operands = rdBits | rs1Bits | UInt32(immediate) << 20
    case .store:
      try require((-2048...2047).contains(immediate), "offset \(immediate) outside -2048...2047")
      operands = rs1Bits | rs2Bits | bits(immediate, 11, 5) << 25 | bits(immediate, 4, 0) << 7
    case .branch:
      try require(
        (-4096...4094).contains(immediate) && immediate % 2 == 0,
        "branch offset \(immediate) must be even and within -4096...4094")
      operands =
        rs1Bits | rs2Bits | bits(immediate, 12, 12) << 31 | bits(immediate, 10, 5) << 25
        | bits(immediate, 4, 1) << 8 | bits(immediate, 11, 11) << 7
    case .upper:
      try require((0...0xFFFFF).contains(immediate), "upper immediate \(immediate) outside 0...0xfffff")
      operands = rdBits | UInt32(immediate) << 12
    case .jump:
      try require(
        (-(1 << 20)...((1 << 20) - 2)).contains(immediate) && immediate % 2 == 0,
        "jump offset \(immediate) must be even and within ±1 MiB")
      operands =
        rdBits | bits(immediate, 20, 20) << 31 | bits(immediate, 10, 1) << 21
        | bits(immediate, 11, 11) << 20 | bits(immediate, 19, 12) << 12
    case .atomic:
      operands = rdBits | rs1Bits | rs2Bits | ordering
    case .loadReserved:
      try require(rs2 == 0, "has no rs2")
      operands = rdBits | rs1Bits | ordering
    case .fence:
      try require(pred < 16 && succ < 16, "fence sets are 4 bits")
      operands = UInt32(pred) << 24 | UInt32(succ) << 20
    case .bare:
      operands = 0
    case .loadAcquire:
      operands = rdBits | rs1Bits
    case .storeRelease:
      operands = rs1Bits | rs2Bits
    }
    return form.match | operands
  }

  /// The encodings of `program`, in order: written in place, where a map passed each word
  /// through a closure and an append, for every program a campaign runs.
  public static func encoded(_ program: [Instruction]) throws(EncodingError) -> [UInt32] {
    var failure: EncodingError?
    let words = [UInt32](unsafeUninitializedCapacity: program.count) { words, count in
      for index in program.indices {
        do throws(EncodingError) { words[index] = try program[index].encoded() } catch {
          failure = error
          return
        }
        count = index + 1
      }
    }
    if let failure { throw failure }
    return words
  }

  private func registerError(_ name: String, _ value: Int) -> EncodingError {
    EncodingError(message: "\(mnemonic): \(name) = \(value) is not a register number")
  }
}

extension InstructionTable {
  /// Decodes `word` for `xlen`, or nil when no row matches (an illegal instruction).
  public static func decode(_ word: UInt32, xlen: Int) -> Instruction? {
    guard let form = forms.first(where: { word & $0.mask == $0.match && $0.xlens.contains(xlen) })
    else { return nil }
    let rd = Int(word >> 7 & 31)
    let rs1 = Int(word >> 15 & 31)
    let rs2 = Int(word >> 20 & 31)
    var instruction = Instruction(form)
    switch form.format {
    case .register:
      instruction = Instruction(form, rd: rd, rs1: rs1, rs2: rs2)
    case .immediate, .load:
      instruction = Instruction(form, rd: rd, rs1: rs1, immediate: signExtend(word >> 20, bits: 12))
    case .shiftImmediate(let wordSized):
      let amount = word >> 20 & (wordSized ? 31 : 63)
      if xlen == 32 && amount >= 32 { return nil }  // shamt[5] is reserved on RV32
      instruction = Instruction(form, rd: rd, rs1: rs1, immediate: Int64(amount))
    case .store:
      let raw = (word >> 25) << 5 | (word >> 7 & 31)
      instruction = Instruction(form, rs1: rs1, rs2: rs2, immediate: signExtend(raw, bits: 12))
    case .branch:
      let raw = (word >> 31) << 12 | (word >> 7 & 1) << 11 | (word >> 25 & 63) << 5 | (word >> 8 & 15) << 1
      instruction = Instruction(form, rs1: rs1, rs2: rs2, immediate: signExtend(raw, bits: 13))
    case .upper:
      instruction = Instruction(form, rd: rd, immediate: Int64(word >> 12))
    case .jump:
      let raw = (word >> 31) << 20 | (word >> 12 & 255) << 12 | (word >> 20 & 1) << 11 | (word >> 21 & 1023) << 1
      instruction = Instruction(form, rd: rd, immediate: signExtend(raw, bits: 21))
    case .atomic, .loadReserved:
      instruction = Instruction(
        form, rd: rd, rs1: rs1, rs2: form.format == .atomic ? rs2 : 0,
        aq: word >> 26 & 1 == 1, rl: word >> 25 & 1 == 1)
    case .fence:
      instruction = Instruction(form, pred: UInt8(word >> 24 & 15), succ: UInt8(word >> 20 & 15))
    case .bare:
      instruction = Instruction(form)
    case .loadAcquire:
      instruction = Instruction(form, rd: rd, rs1: rs1)
    case .storeRelease:
      instruction = Instruction(form, rs1: rs1, rs2: rs2)
    }
    return instruction
  }
}
