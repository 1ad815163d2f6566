/// Zalasr: loads with acquire and stores with release ordering, in the AMO opcode; and Zifencei's
/// FENCE.I. On one hart a load-acquire is a load and a store-release a store: like LR and SC, they
/// must be naturally aligned.
extension InstructionTable {
  static let zalasr: [InstructionForm] = [(UInt32(0), 1, "b"), (1, 2, "h"), (2, 4, "w"), (3, 8, "d")].flatMap {
    (funct3: UInt32, bytes: Int, suffix: String) -> [InstructionForm] in
    [
      loadAcquire("l\(suffix).aq", funct3: funct3, bytes: bytes, rl: 0),
      loadAcquire("l\(suffix).aqrl", funct3: funct3, bytes: bytes, rl: 1),
      storeRelease("s\(suffix).rl", funct3: funct3, bytes: bytes, aq: 0),
      storeRelease("s\(suffix).aqrl", funct3: funct3, bytes: bytes, aq: 1),
    ]
  }

  private static func loadAcquire(_ name: String, funct3: UInt32, bytes: Int, rl: UInt32) -> InstructionForm {
    InstructionForm(
      name, .loadAcquire, requires: [.zalasr], xlens: bytes == 8 ? [64] : [32, 64],
      fixed: [.opcode(0x2F), .funct3(funct3), .funct5(0b00110), .aqField(1), .rlField(rl), .rs2Field(0)],
      accessBytes: bytes
    ) { step, i in
      let address = step.x(i.rs1)
      step.checkAtomicAccess(
        address, bytes: bytes, load: true, misalignedRule: .lrMisaligned, permissionRule: .loadAccessFault)
      step.write(i.rd, step.load(address, bytes: bytes).signExtend(to: step.xlen), .loadResult)
    }
  }

  private static func storeRelease(_ name: String, funct3: UInt32, bytes: Int, aq: UInt32) -> InstructionForm {
    InstructionForm(
      name, .storeRelease, requires: [.zalasr], xlens: bytes == 8 ? [64] : [32, 64],
      fixed: [.opcode(0x2F), .funct3(funct3), .funct5(0b00111), .aqField(aq), .rlField(1), .rdField(0)],
      accessBytes: bytes
    ) { step, i in
      let address = step.x(i.rs1)
      step.checkAtomicAccess(address, bytes: bytes, misalignedRule: .scMisaligned, permissionRule: .scNeedsWrite)
      step.store(address, step.x(i.rs2).truncate(to: bytes * 8), .storeWritesMemory)
    }
  }

  /// FENCE.I orders instruction fetch after earlier stores of the same hart; no data state changes.
  static let fenceI = InstructionForm(
    "fence.i", .bare, requires: [.zifencei],
    fixed: [.opcode(0x0F), .funct3(1), .rdField(0), .rs1Field(0), .rs2Field(0), FixedField(31, 25, 0)]
  ) { _, _ in }
}
