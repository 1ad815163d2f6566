/// The trap record a test program ends with: whether it trapped, and mcause, mtval, mepc.
public struct TrapRecord {
  public var trapped: Formula
  public var cause: BitVec
  public var tval: BitVec
  public var epc: BitVec
}

/// The LR/SC reservation of the one hart.
public struct Reservation {
  public var valid: Formula
  public var address: BitVec
}

/// Symbolic machine state: 32 registers (x0 is the constant zero), memory, trap record, reservation.
public struct MachineState {
  public var registers: [BitVec]
  public var memory: ByteMemory
  public var trap: TrapRecord
  public var reservation: Reservation

  public var xlen: Int { registers[0].width }

  /// A state with free registers and memory named `<prefix>x1`…, `<prefix>mem`, not trapped,
  /// with no reservation.
  public static func initial(prefix: String, xlen: Int, in z3: Z3Context) -> MachineState {
    let zero = z3.bv(0, width: xlen)
    var registers = [zero]
    for number in 1..<32 { registers.append(z3.bvVariable("\(prefix)x\(number)", width: xlen)) }
    return MachineState(
      registers: registers,
      memory: .variable("\(prefix)mem", addressWidth: xlen, in: z3),
      trap: TrapRecord(trapped: z3.falseFormula, cause: zero, tval: zero, epc: zero),
      reservation: Reservation(valid: z3.falseFormula, address: zero))
  }
}
