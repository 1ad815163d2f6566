/// Zalrsc: load-reserved and store-conditional on one hart.
extension InstructionTable {
  static let zalrsc: [InstructionForm] = [(UInt32(2), 4), (UInt32(3), 8)].flatMap {
    (funct3: UInt32, bytes: Int) -> [InstructionForm] in
    [loadReserved(funct3: funct3, bytes: bytes), storeConditional(funct3: funct3, bytes: bytes)]
  }

  private static func loadReserved(funct3: UInt32, bytes: Int) -> InstructionForm {
    InstructionForm(
      bytes == 4 ? "lr.w" : "lr.d", .loadReserved, requires: [.zalrsc], xlens: bytes == 8 ? [64] : [32, 64],
      fixed: [.opcode(0x2F), .funct3(funct3), .funct5(0b00010), .rs2Field(0)], accessBytes: bytes
    ) { step, i in
      let address = step.x(i.rs1)
      step.checkAtomicAccess(
        address, bytes: bytes, load: true, misalignedRule: .lrMisaligned, permissionRule: .loadAccessFault)
      step.write(i.rd, step.load(address, bytes: bytes).signExtend(to: step.xlen), .lrResult)
      step.setReservation(valid: Formula(true), address: address)
    }
  }

  /// SC succeeds only with a valid reservation for its address; a profile may let it fail anyway.
  /// It checks alignment and write permission first, and always ends the reservation.
  private static func storeConditional(funct3: UInt32, bytes: Int) -> InstructionForm {
    InstructionForm(
      bytes == 4 ? "sc.w" : "sc.d", .atomic, requires: [.zalrsc], xlens: bytes == 8 ? [64] : [32, 64],
      fixed: [.opcode(0x2F), .funct3(funct3), .funct5(0b00011)], accessBytes: bytes
    ) { step, i in
      let address = step.x(i.rs1)
      step.checkAtomicAccess(address, bytes: bytes, misalignedRule: .scMisaligned, permissionRule: .scNeedsWrite)
      var succeeds = step.reservation.valid && step.reservation.address == address
      if step.profile.scMayFailSpuriously && succeeds.mayHold {
        succeeds = succeeds && step.choice("sc-not-spurious")
      }
      step.write(i.rd, succeeds.ite(step.xlenConstant(0), step.xlenConstant(1)), .scResultCode)
      step.store(
        address, step.x(i.rs2).truncate(to: bytes * 8), when: succeeds, .scStoresOnSuccess,
        otherwise: .scNeedsReservation)
      step.setReservation(valid: Formula(false), address: step.reservation.address)
    }
  }
}
