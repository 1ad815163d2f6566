/// Zaamo: atomic read-modify-write. rd receives the loaded value (sign-extended); memory receives
/// `operation(loaded, rs2)`.
extension InstructionTable {
  static let zaamo: [InstructionForm] = [(UInt32(2), 4), (UInt32(3), 8)].flatMap {
    (funct3: UInt32, bytes: Int) -> [InstructionForm] in
    let suffix = bytes == 4 ? ".w" : ".d"
    return [
      amo("amoswap" + suffix, funct5: 0b00001, funct3: funct3, bytes: bytes) { _, b in b },
      amo("amoadd" + suffix, funct5: 0b00000, funct3: funct3, bytes: bytes) { a, b in a + b },
      amo("amoxor" + suffix, funct5: 0b00100, funct3: funct3, bytes: bytes) { a, b in a ^ b },
      amo("amoand" + suffix, funct5: 0b01100, funct3: funct3, bytes: bytes) { a, b in a & b },
      amo("amoor" + suffix, funct5: 0b01000, funct3: funct3, bytes: bytes) { a, b in a | b },
      amo("amomin" + suffix, funct5: 0b10000, funct3: funct3, bytes: bytes) { a, b in a.slt(b).ite(a, b) },
      amo("amomax" + suffix, funct5: 0b10100, funct3: funct3, bytes: bytes) { a, b in a.sgt(b).ite(a, b) },
      amo("amominu" + suffix, funct5: 0b11000, funct3: funct3, bytes: bytes) { a, b in a.ult(b).ite(a, b) },
      amo("amomaxu" + suffix, funct5: 0b11100, funct3: funct3, bytes: bytes) { a, b in a.ugt(b).ite(a, b) },
    ]
  }

  private static func amo(
    _ name: String, funct5: UInt32, funct3: UInt32, bytes: Int,
    _ operation: @escaping @Sendable (BitVec, BitVec) -> BitVec
  ) -> InstructionForm {
    InstructionForm(
      name, .atomic, requires: [.zaamo], xlens: bytes == 8 ? [64] : [32, 64],
      fixed: [.opcode(0x2F), .funct3(funct3), .funct5(funct5)], accessBytes: bytes
    ) { step, i in
      let address = step.x(i.rs1)
      step.checkAtomicAccess(address, bytes: bytes, misalignedRule: .amoMisaligned, permissionRule: .amoNeedsWrite)
      let loaded = step.load(address, bytes: bytes)
      let operand = step.x(i.rs2).truncate(to: bytes * 8)
      step.write(i.rd, loaded.signExtend(to: step.xlen), .amoResult)
      step.store(address, operation(loaded, operand), .amoStore)
    }
  }
}
