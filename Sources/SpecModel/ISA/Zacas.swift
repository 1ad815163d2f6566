/// Zacas (`amocas.w/.d/.q`) and Zabha's `amocas.b/.h`.
///
/// `rs1` holds the address, `rd` the compare value, `rs2` the swap value. The loaded value always
/// ends in `rd`; on success the swap value is stored. `.d` on RV32 and `.q` on RV64 take even-odd
/// register pairs: an odd first register is reserved; a pair starting at x0 reads as zero, and as a
/// destination it discards the result (x1 is not written).
extension InstructionTable {
  static let zacas: [InstructionForm] = [
    amocas("amocas.b", funct3: 0, bytes: 1, requires: [.zacas, .zabha], xlens: [32, 64]),
    amocas("amocas.h", funct3: 1, bytes: 2, requires: [.zacas, .zabha], xlens: [32, 64]),
    amocas("amocas.w", funct3: 2, bytes: 4, requires: [.zacas], xlens: [32, 64]),
    amocas("amocas.d", funct3: 3, bytes: 8, requires: [.zacas], xlens: [32, 64]),
    amocas("amocas.q", funct3: 4, bytes: 16, requires: [.zacas], xlens: [64]),
  ]

  private static func amocas(
    _ name: String, funct3: UInt32, bytes: Int, requires: [Extension], xlens: Set<Int>
  ) -> InstructionForm {
    InstructionForm(
      name, .atomic, requires: requires, xlens: xlens,
      fixed: [.opcode(0x2F), .funct3(funct3), .funct5(0b00101)], accessBytes: bytes
    ) { step, i in
      let width = bytes * 8
      let pairs = width == 2 * step.xlen
      if pairs && (i.rd % 2 == 1 || i.rs2 % 2 == 1) {
        step.reservedOddPair(address: step.x(i.rs1), bytes: bytes)
        return
      }
      let address = step.x(i.rs1)
      step.checkAtomicAccess(
        address, bytes: bytes, misalignedRule: .casMisaligned, permissionRule: .casNeedsWrite,
        granuleMayExecute: step.zama16bExecutes(address, bytes: bytes))

      let compare = step.readOperand(
        "compare", from: i.rd, width: width, pairs: pairs,
        zeroRule: .casRdPairX0CompareZero, rule: .casCompareOperand)
      let swap = step.readOperand(
        "swap", from: i.rs2, width: width, pairs: pairs,
        zeroRule: .casRs2PairX0ReadsZero, rule: .casSwapOperand)

      let loaded = step.load(address, bytes: bytes)
      let success = step.define("success", loaded == compare, .casSuccessIffEqual)
      step.note("success", success)

      if pairs {
        if i.rd == 0 {
          step.keep(1, .casRdPairX0Discards)
        } else {
          step.write(i.rd, loaded.extract(step.xlen - 1, 0), .casLoadsOldValue)
          step.write(i.rd + 1, loaded.extract(width - 1, step.xlen), .casLoadsOldValue)
        }
      } else if width < step.xlen {
        let extension_ = loaded.signExtend(to: step.xlen).extract(step.xlen - 1, width)
        step.write(i.rd, upper: extension_, .casNarrowSignExtends, lower: loaded, .casLoadsOldValue)
      } else {
        step.write(i.rd, loaded, .casLoadsOldValue)
      }
      // The store goes to the address read before rd is written, even when rd (or rd+1) is rs1.
      // A failed compare may write the old value back or not write: either way memory keeps its value.
      step.store(address, swap, when: success, .casStoresOnSuccess, otherwise: .casFailureKeepsMemory)
    }
  }
}

extension StepBuilder {
  /// Reads a compare or swap operand: the low bits of one register, or a register pair (rd is the low
  /// half), where a pair starting at x0 reads as zero.
  mutating func readOperand(
    _ label: String, from register: Int, width: Int, pairs: Bool, zeroRule: Rule, rule: Rule
  ) -> BitVec {
    guard pairs else { return define(label, x(register).truncate(to: width), rule) }
    if register == 0 { return define(label, BitVec(0, width: width), zeroRule) }
    return define(label, x(register + 1).concat(x(register)), rule)
  }

  /// An odd register pair is reserved: the profile chooses illegal-instruction or no constraint.
  mutating func reservedOddPair(address: BitVec, bytes: Int) {
    let outcomes = pick("odd-pair", among: Profile.OddPair.allCases, allowed: profile.oddPair)
    for (outcome, chosen) in outcomes {
      switch outcome {
      case .illegalInstruction: illegalInstruction(when: chosen, .casOddPairReserved)
      case .unconstrained:
        // Only build the "anything" outcome where the profile allows it: it makes every register unknown.
        if profile.oddPair.contains(.unconstrained) { unconstrained(when: chosen, address: address, bytes: bytes) }
      }
    }
  }

  /// With Zama16b, a misaligned AMO or amocas inside one 16-byte granule may execute, if the
  /// profile says Zama16b covers them.
  @inline(__always) mutating func zama16bExecutes(_ address: BitVec, bytes: Int) -> Formula? {
    guard isa.has(.zama16b), profile.zama16bCoversAMOCAS else { return nil }
    let offset = address & address.constant(15)
    let inside = offset.ule(address.constant(UInt64(16 - bytes)))
    // Only a misaligned access inside a granule meets the choice; an aligned one executes anyway.
    guard inside.mayHold && !isAligned(address, bytes: bytes).isTrue else { return Formula(false) }
    return inside && choice("zama16b-executes")
  }
}
