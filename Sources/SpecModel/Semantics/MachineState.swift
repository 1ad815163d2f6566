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
  /// The registers as the spec names them: each write is a fresh variable pinned by its rule, so an
  /// observation that contradicts it names that rule.
  public var registers: [BitVec]
  /// What later instructions read: the value a write computes (folded to a numeral when its inputs
  /// are numerals), else the register itself. Equal to `registers` whenever later instructions run,
  /// since they run only if every earlier one executed.
  public var values: [BitVec]
  public var memory: ByteMemory
  public var trap: TrapRecord
  public var reservation: Reservation

  public var xlen: Int { registers[0].width }

  /// Sets register `number` to `value`, both as named and as read.
  public mutating func set(_ number: Int, _ value: BitVec) {
    registers[number] = value
    values[number] = value
  }

  /// A state built from concrete values: numerals, except the registers in `freeRegisters` and the
  /// 8-byte words at `freeWords`, which are variables named `<prefix>x…` and `<prefix>mem.<address>`.
  /// Memory outside `state.memory` reads as zero.
  public static func concrete(
    _ state: ConcreteState, prefix: String, xlen: Int, in z3: Z3Context,
    freeRegisters: Set<Int> = [], freeWords: Set<UInt64> = []
  ) -> MachineState {
    let zero = z3.bv(0, width: xlen)
    var registers = [zero]
    for number in 1..<32 {
      registers.append(
        freeRegisters.contains(number)
          ? z3.bvVariable("\(prefix)x\(number)", width: xlen) : z3.bv(state.registers[number], width: xlen))
    }
    var memory = ByteMemory.constant(0, addressWidth: xlen, in: z3)
    for (address, byte) in state.memory.sorted(by: { $0.key < $1.key }) where !freeWords.contains(address & ~7) {
      // Concrete bytes, not numerals: a read of a byte no write reaches stays concrete, so
      // comparing a large window with its observed bytes needs no term at all.
      memory.writeByte(BitVec(address, width: xlen), BitVec(UInt64(byte), width: 8))
    }
    for word in freeWords.sorted() {
      memory = memory.store(z3.bv(word, width: xlen), z3.bvVariable("\(prefix)mem.\(word)", width: 64))
    }
    return MachineState(
      registers: registers, values: registers, memory: memory,
      trap: TrapRecord(trapped: z3.falseFormula, cause: zero, tval: zero, epc: zero),
      reservation: Reservation(valid: z3.falseFormula, address: zero))
  }

  /// A state with free registers and memory named `<prefix>x1`…, `<prefix>mem`, not trapped,
  /// with no reservation.
  public static func initial(prefix: String, xlen: Int, in z3: Z3Context) -> MachineState {
    let zero = z3.bv(0, width: xlen)
    var registers = [zero]
    for number in 1..<32 { registers.append(z3.bvVariable("\(prefix)x\(number)", width: xlen)) }
    return MachineState(
      registers: registers, values: registers,
      memory: .variable("\(prefix)mem", addressWidth: xlen, in: z3),
      trap: TrapRecord(trapped: z3.falseFormula, cause: zero, tval: zero, epc: zero),
      reservation: Reservation(valid: z3.falseFormula, address: zero))
  }
}
