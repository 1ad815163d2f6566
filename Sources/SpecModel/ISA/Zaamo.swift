/// Zaamo: atomic read-modify-write, and Zabha's byte and halfword forms of it. rd receives the
/// loaded value sign-extended to XLEN; memory receives `operation(loaded, rs2)`, both at the access
/// width: rs2's bits above it are ignored, and min/max compare the two values at that width. The
/// store happens even when the value does not change, so it needs write permission.
extension InstructionTable {
  static let zaamo: [InstructionForm] = [
    (funct3: UInt32(0), bytes: 1, suffix: ".b", requires: [Extension.zaamo, .zabha]),
    (funct3: 1, bytes: 2, suffix: ".h", requires: [.zaamo, .zabha]),
    (funct3: 2, bytes: 4, suffix: ".w", requires: [.zaamo]),
    (funct3: 3, bytes: 8, suffix: ".d", requires: [.zaamo]),
  ].flatMap { width -> [InstructionForm] in
    let (funct3, bytes, suffix, requires) = width
    func form(_ name: String, funct5: UInt32, _ operation: @escaping @Sendable (BitVec, BitVec) -> BitVec)
      -> InstructionForm
    {
      amo(name + suffix, funct5: funct5, funct3: funct3, bytes: bytes, requires: requires, operation)
    }
    return [
      form("amoswap", funct5: 0b00001) { _, b in b },
      form("amoadd", funct5: 0b00000) { a, b in a + b },
      form("amoxor", funct5: 0b00100) { a, b in a ^ b },
      form("amoand", funct5: 0b01100) { a, b in a & b },
      form("amoor", funct5: 0b01000) { a, b in a | b },
      form("amomin", funct5: 0b10000) { a, b in a.slt(b).ite(a, b) },
      form("amomax", funct5: 0b10100) { a, b in a.sgt(b).ite(a, b) },
      form("amominu", funct5: 0b11000) { a, b in a.ult(b).ite(a, b) },
      form("amomaxu", funct5: 0b11100) { a, b in a.ugt(b).ite(a, b) },
    ]
  }

  private static func amo(
    _ name: String, funct5: UInt32, funct3: UInt32, bytes: Int, requires: [Extension],
    _ operation: @escaping @Sendable (BitVec, BitVec) -> BitVec
  ) -> InstructionForm {
    InstructionForm(
      name, .atomic, requires: requires, xlens: bytes == 8 ? [64] : [32, 64],
      fixed: [.opcode(0x2F), .funct3(funct3), .funct5(funct5)], accessBytes: bytes
    ) { step, i in
      let address = step.x(i.rs1)
      step.checkAtomicAccess(
        address, bytes: bytes, misalignedRule: .amoMisaligned, permissionRule: .amoNeedsWrite,
        granuleMayExecute: step.zama16bExecutes(address, bytes: bytes))
      let loaded = step.load(address, bytes: bytes)
      let operand = step.x(i.rs2).truncate(to: bytes * 8)
      step.write(i.rd, loaded.signExtend(to: step.xlen), .amoResult)
      step.store(address, operation(loaded, operand), .amoStore)
    }
  }
}
