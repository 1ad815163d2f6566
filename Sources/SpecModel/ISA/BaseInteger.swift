/// RV32I and RV64I: integer computation, upper immediates, loads, stores, branches, JAL and FENCE.
extension InstructionTable {
  static let baseInteger: [InstructionForm] =
    registerALU + wordRegisterALU + immediateALU + shifts + upperImmediates + loads + stores + branches
    + [jal, fence, fenceTSO]

  // MARK: Register-register (OP, OP-32)

  private static func op(
    _ name: String, funct3: UInt32, funct7: UInt32, _ compute: @escaping @Sendable (BitVec, BitVec, Int) -> BitVec
  ) -> InstructionForm {
    InstructionForm(name, .register, requires: [.i], fixed: [.opcode(0x33), .funct3(funct3), .funct7(funct7)]) {
      step, i in
      step.write(i.rd, compute(step.x(i.rs1), step.x(i.rs2), step.xlen), .aluResult)
    }
  }

  /// `*W` forms compute on the low 32 bits and sign-extend the result (RV64 only).
  private static func opWord(
    _ name: String, funct3: UInt32, funct7: UInt32, _ compute: @escaping @Sendable (BitVec, BitVec) -> BitVec
  ) -> InstructionForm {
    InstructionForm(
      name, .register, requires: [.i], xlens: [64], fixed: [.opcode(0x3B), .funct3(funct3), .funct7(funct7)]
    ) { step, i in
      let result = compute(step.x(i.rs1).truncate(to: 32), step.x(i.rs2).truncate(to: 32))
      step.write(i.rd, result.signExtend(to: 64), .aluResult)
    }
  }

  /// The shift amount: the low log2(width) bits of `amount`.
  static func shiftAmount(_ amount: BitVec, width: Int) -> BitVec {
    amount.truncate(to: width) & amount.truncate(to: width).constant(UInt64(width - 1))
  }

  private static func setIf(_ condition: Formula, width: Int) -> BitVec {
    condition.ite(BitVec(1, width: width), BitVec(0, width: width))
  }

  static let registerALU: [InstructionForm] = [
    op("add", funct3: 0, funct7: 0x00) { a, b, _ in a + b },
    op("sub", funct3: 0, funct7: 0x20) { a, b, _ in a - b },
    op("sll", funct3: 1, funct7: 0x00) { a, b, w in a.shl(shiftAmount(b, width: w)) },
    op("slt", funct3: 2, funct7: 0x00) { a, b, w in setIf(a.slt(b), width: w) },
    op("sltu", funct3: 3, funct7: 0x00) { a, b, w in setIf(a.ult(b), width: w) },
    op("xor", funct3: 4, funct7: 0x00) { a, b, _ in a ^ b },
    op("srl", funct3: 5, funct7: 0x00) { a, b, w in a.lshr(shiftAmount(b, width: w)) },
    op("sra", funct3: 5, funct7: 0x20) { a, b, w in a.ashr(shiftAmount(b, width: w)) },
    op("or", funct3: 6, funct7: 0x00) { a, b, _ in a | b },
    op("and", funct3: 7, funct7: 0x00) { a, b, _ in a & b },
  ]

  static let wordRegisterALU: [InstructionForm] = [
    opWord("addw", funct3: 0, funct7: 0x00) { a, b in a + b },
    opWord("subw", funct3: 0, funct7: 0x20) { a, b in a - b },
    opWord("sllw", funct3: 1, funct7: 0x00) { a, b in a.shl(shiftAmount(b, width: 32)) },
    opWord("srlw", funct3: 5, funct7: 0x00) { a, b in a.lshr(shiftAmount(b, width: 32)) },
    opWord("sraw", funct3: 5, funct7: 0x20) { a, b in a.ashr(shiftAmount(b, width: 32)) },
  ]

  // MARK: Register-immediate (OP-IMM, OP-IMM-32)

  private static func opImmediate(
    _ name: String, funct3: UInt32, _ compute: @escaping @Sendable (BitVec, BitVec, Int) -> BitVec
  ) -> InstructionForm {
    InstructionForm(name, .immediate, requires: [.i], fixed: [.opcode(0x13), .funct3(funct3)]) { step, i in
      step.write(i.rd, compute(step.x(i.rs1), step.immediate(i.immediate), step.xlen), .aluResult)
    }
  }

  static let immediateALU: [InstructionForm] = [
    opImmediate("addi", funct3: 0) { a, b, _ in a + b },
    opImmediate("slti", funct3: 2) { a, b, w in setIf(a.slt(b), width: w) },
    opImmediate("sltiu", funct3: 3) { a, b, w in setIf(a.ult(b), width: w) },
    opImmediate("xori", funct3: 4) { a, b, _ in a ^ b },
    opImmediate("ori", funct3: 6) { a, b, _ in a | b },
    opImmediate("andi", funct3: 7) { a, b, _ in a & b },
    InstructionForm("addiw", .immediate, requires: [.i], xlens: [64], fixed: [.opcode(0x1B), .funct3(0)]) { step, i in
      let sum = step.x(i.rs1).truncate(to: 32) + step.immediate(i.immediate).truncate(to: 32)
      step.write(i.rd, sum.signExtend(to: 64), .aluResult)
    },
  ]

  private static func shift(
    _ name: String, funct3: UInt32, arithmetic: Bool, word: Bool,
    _ compute: @escaping @Sendable (BitVec, BitVec) -> BitVec
  ) -> InstructionForm {
    let high: FixedField = word ? .funct7(arithmetic ? 0x20 : 0) : .funct6(arithmetic ? 0x10 : 0)
    return InstructionForm(
      name, .shiftImmediate(wordSized: word), requires: [.i], xlens: word ? [64] : [32, 64],
      fixed: [.opcode(word ? 0x1B : 0x13), .funct3(funct3), high]
    ) { step, i in
      if word {
        let result = compute(step.x(i.rs1).truncate(to: 32), BitVec(UInt64(i.immediate), width: 32))
        step.write(i.rd, result.signExtend(to: 64), .aluResult)
      } else {
        step.write(i.rd, compute(step.x(i.rs1), step.xlenConstant(UInt64(i.immediate))), .aluResult)
      }
    }
  }

  static let shifts: [InstructionForm] = [
    shift("slli", funct3: 1, arithmetic: false, word: false) { a, s in a.shl(s) },
    shift("srli", funct3: 5, arithmetic: false, word: false) { a, s in a.lshr(s) },
    shift("srai", funct3: 5, arithmetic: true, word: false) { a, s in a.ashr(s) },
    shift("slliw", funct3: 1, arithmetic: false, word: true) { a, s in a.shl(s) },
    shift("srliw", funct3: 5, arithmetic: false, word: true) { a, s in a.lshr(s) },
    shift("sraiw", funct3: 5, arithmetic: true, word: true) { a, s in a.ashr(s) },
  ]

  // MARK: LUI, AUIPC

  /// The 20-bit immediate shifted left 12, sign-extended from bit 31 on RV64.
  static func upperValue(_ step: StepBuilder, _ immediate: Int64) -> BitVec {
    BitVec(UInt64(immediate) << 12, width: 32).signExtend(to: step.xlen)
  }

  static let upperImmediates: [InstructionForm] = [
    InstructionForm("lui", .upper, requires: [.i], fixed: [.opcode(0x37)]) { step, i in
      step.write(i.rd, upperValue(step, i.immediate), .upperImmediate)
    },
    InstructionForm("auipc", .upper, requires: [.i], fixed: [.opcode(0x17)]) { step, i in
      step.write(i.rd, step.xlenConstant(step.pc) + upperValue(step, i.immediate), .upperImmediate)
    },
  ]

  // MARK: Loads and stores

  private static func load(_ name: String, funct3: UInt32, bytes: Int, signed: Bool, xlens: Set<Int> = [32, 64])
    -> InstructionForm
  {
    InstructionForm(
      name, .load, requires: [.i], xlens: xlens, fixed: [.opcode(0x03), .funct3(funct3)], accessBytes: bytes
    ) { step, i in
      let address = step.x(i.rs1) + step.immediate(i.immediate)
      step.checkPlainAccess(address, bytes: bytes, write: false)
      let loaded = step.load(address, bytes: bytes)
      let value = signed ? loaded.signExtend(to: step.xlen) : loaded.zeroExtend(to: step.xlen)
      step.write(i.rd, value, .loadResult)
    }
  }

  static let loads: [InstructionForm] = [
    load("lb", funct3: 0, bytes: 1, signed: true),
    load("lh", funct3: 1, bytes: 2, signed: true),
    load("lw", funct3: 2, bytes: 4, signed: true),
    load("ld", funct3: 3, bytes: 8, signed: true, xlens: [64]),
    load("lbu", funct3: 4, bytes: 1, signed: false),
    load("lhu", funct3: 5, bytes: 2, signed: false),
    load("lwu", funct3: 6, bytes: 4, signed: false, xlens: [64]),
  ]

  private static func store(_ name: String, funct3: UInt32, bytes: Int, xlens: Set<Int> = [32, 64]) -> InstructionForm {
    InstructionForm(
      name, .store, requires: [.i], xlens: xlens, fixed: [.opcode(0x23), .funct3(funct3)], accessBytes: bytes
    ) { step, i in
      let address = step.x(i.rs1) + step.immediate(i.immediate)
      step.checkPlainAccess(address, bytes: bytes, write: true)
      step.store(address, step.x(i.rs2).truncate(to: bytes * 8), .storeWritesMemory)
    }
  }

  static let stores: [InstructionForm] = [
    store("sb", funct3: 0, bytes: 1),
    store("sh", funct3: 1, bytes: 2),
    store("sw", funct3: 2, bytes: 4),
    store("sd", funct3: 3, bytes: 8, xlens: [64]),
  ]

  // MARK: Control transfer

  private static func branch(_ name: String, funct3: UInt32, _ taken: @escaping @Sendable (BitVec, BitVec) -> Formula)
    -> InstructionForm
  {
    InstructionForm(name, .branch, requires: [.i], fixed: [.opcode(0x63), .funct3(funct3)]) { step, i in
      step.branch(when: taken(step.x(i.rs1), step.x(i.rs2)), offset: i.immediate)
    }
  }

  static let branches: [InstructionForm] = [
    branch("beq", funct3: 0) { a, b in a == b },
    branch("bne", funct3: 1) { a, b in a != b },
    branch("blt", funct3: 4) { a, b in a.slt(b) },
    branch("bge", funct3: 5) { a, b in a.sge(b) },
    branch("bltu", funct3: 6) { a, b in a.ult(b) },
    branch("bgeu", funct3: 7) { a, b in a.uge(b) },
  ]

  static let jal = InstructionForm("jal", .jump, requires: [.i], fixed: [.opcode(0x6F)]) { step, i in
    step.write(i.rd, step.xlenConstant(step.pc &+ 4), .jumpLink)
    step.branch(when: Formula(true), offset: i.immediate)
  }

  /// FENCE.TSO: FENCE RW,RW with fm = 1000, which drops the write-to-read order; no state on one hart.
  static let fenceTSO = InstructionForm(
    "fence.tso", .bare, requires: [.i],
    fixed: [.opcode(0x0F), .funct3(0), .rdField(0), .rs1Field(0), .fenceMode(0b1000), .fenceSets(0x33)]
  ) { _, _ in }

  /// FENCE orders memory between harts; on one hart it changes no state.
  static let fence = InstructionForm(
    "fence", .fence, requires: [.i], fixed: [.opcode(0x0F), .funct3(0), .rdField(0), .rs1Field(0), .fenceMode(0)]
  ) { _, _ in }
}
