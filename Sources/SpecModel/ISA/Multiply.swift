/// M: multiplication and division, with the manual's results for division by zero and overflow.
extension InstructionTable {
  static let multiply: [InstructionForm] = [
    mulDiv("mul", funct3: 0) { a, b in a * b },
    mulDiv("mulh", funct3: 1) { a, b in highHalf(a.signExtend(to: 2 * a.width) * b.signExtend(to: 2 * a.width), a.width)
    },
    mulDiv("mulhsu", funct3: 2) { a, b in
      highHalf(a.signExtend(to: 2 * a.width) * b.zeroExtend(to: 2 * a.width), a.width)
    },
    mulDiv("mulhu", funct3: 3) { a, b in
      highHalf(a.zeroExtend(to: 2 * a.width) * b.zeroExtend(to: 2 * a.width), a.width)
    },
    mulDiv("div", funct3: 4, signedDivide),
    mulDiv("divu", funct3: 5) { a, b in a.udiv(b) },
    mulDiv("rem", funct3: 6) { a, b in a.srem(b) },
    mulDiv("remu", funct3: 7) { a, b in a.urem(b) },
    mulDivWord("mulw", funct3: 0) { a, b in a * b },
    mulDivWord("divw", funct3: 4, signedDivide),
    mulDivWord("divuw", funct3: 5) { a, b in a.udiv(b) },
    mulDivWord("remw", funct3: 6) { a, b in a.srem(b) },
    mulDivWord("remuw", funct3: 7) { a, b in a.urem(b) },
  ]

  private static func highHalf(_ product: BitVec, _ width: Int) -> BitVec {
    product.extract(2 * width - 1, width)
  }

  /// Division by zero gives all ones; SMT-LIB's bvsdiv differs for a negative dividend, so it is
  /// spelled out. Overflow (most negative ÷ −1) agrees with SMT-LIB.
  @Sendable static func signedDivide(_ a: BitVec, _ b: BitVec) -> BitVec {
    (b == b.constant(0)).ite(~b.constant(0), a.sdiv(b))
  }

  private static func mulDiv(_ name: String, funct3: UInt32, _ compute: @escaping @Sendable (BitVec, BitVec) -> BitVec)
    -> InstructionForm
  {
    InstructionForm(name, .register, requires: [.m], fixed: [.opcode(0x33), .funct3(funct3), .funct7(1)]) { step, i in
      step.write(i.rd, compute(step.x(i.rs1), step.x(i.rs2)), .multiplyDivideResult)
    }
  }

  private static func mulDivWord(
    _ name: String, funct3: UInt32, _ compute: @escaping @Sendable (BitVec, BitVec) -> BitVec
  ) -> InstructionForm {
    InstructionForm(name, .register, requires: [.m], xlens: [64], fixed: [.opcode(0x3B), .funct3(funct3), .funct7(1)]) {
      step, i in
      let result = compute(step.x(i.rs1).truncate(to: 32), step.x(i.rs2).truncate(to: 32))
      step.write(i.rd, result.signExtend(to: 64), .multiplyDivideResult)
    }
  }
}
