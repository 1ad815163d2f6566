/// A named rule of the spec, with the place in the manual (or the profile) that states it.
///
/// Every constraint the spec asserts is tracked under a rule, so an unsat core names the rules an
/// observed state breaks.
public struct Rule: Hashable, Sendable, CustomStringConvertible {
  public let name: String
  public let reference: String

  public init(_ name: String, _ reference: String) {
    self.name = name
    self.reference = reference
  }

  public var description: String { name }
}

extension Rule {
  // Base integer ISA.
  public static let aluResult = Rule("rv.alu-result", "Unpriv: Integer Computational Instructions")
  public static let upperImmediate = Rule("rv.upper-immediate", "Unpriv: LUI and AUIPC")
  public static let loadResult = Rule("rv.load-result", "Unpriv: Load and Store Instructions")
  public static let storeWritesMemory = Rule("rv.store-writes-memory", "Unpriv: Load and Store Instructions")
  public static let jumpLink = Rule("rv.jump-link", "Unpriv: Unconditional Jumps")
  public static let x0IsZero = Rule("rv.x0-is-zero", "Unpriv: x0 is hardwired to zero")
  public static let unwrittenPreserved = Rule(
    "rv.unwritten-state-preserved", "Unpriv: an instruction changes only the state it names")
  public static let misalignedAccess = Rule(
    "rv.misaligned-access", "Unpriv: Load and Store Instructions (misaligned accesses)")
  public static let loadAccessFault = Rule("rv.load-access-fault", "Priv: Physical Memory Attributes")
  public static let storeAccessFault = Rule("rv.store-access-fault", "Priv: Physical Memory Attributes")
  // M.
  public static let multiplyDivideResult = Rule("m.result", "Unpriv: M Extension (division by zero table)")
  // Zaamo.
  public static let amoResult = Rule("zaamo.rd-receives-loaded-value", "Unpriv: Zaamo")
  public static let amoStore = Rule("zaamo.stores-operation-result", "Unpriv: Zaamo")
  public static let amoMisaligned = Rule("zaamo.misaligned-traps", "Unpriv: Zaamo (address alignment)")
  public static let amoNeedsWrite = Rule("zaamo.write-permission-required", "Unpriv: Zaamo")
  // Zalrsc.
  public static let lrResult = Rule("zalrsc.lr-loads-value", "Unpriv: Zalrsc")
  public static let lrMisaligned = Rule("zalrsc.lr-misaligned-traps", "Unpriv: Zalrsc (address alignment)")
  public static let scMisaligned = Rule("zalrsc.sc-misaligned-traps", "Unpriv: Zalrsc (address alignment)")
  public static let scNeedsWrite = Rule("zalrsc.sc-write-permission-required", "Unpriv: Zalrsc")
  public static let scResultCode = Rule("zalrsc.sc-result-code", "Unpriv: Zalrsc (0 on success, 1 on failure)")
  public static let scStoresOnSuccess = Rule("zalrsc.sc-stores-on-success", "Unpriv: Zalrsc")
  public static let scNeedsReservation = Rule(
    "zalrsc.sc-needs-reservation", "Unpriv: Zalrsc (SC fails without a valid reservation)")
  // Zacas and Zabha.
  public static let casLoadsOldValue = Rule(
    "zacas.rd-receives-loaded-value", "Unpriv: Zacas (the loaded value is written to rd)")
  public static let casNarrowSignExtends = Rule(
    "zacas.narrow-result-sign-extends", "Unpriv: Zacas/Zabha (results are sign-extended to XLEN)")
  public static let casCompareOperand = Rule(
    "zacas.compare-value-from-rd", "Unpriv: Zacas (rd holds the compare value)")
  public static let casSwapOperand = Rule(
    "zacas.swap-value-from-rs2", "Unpriv: Zacas (rs2 holds the swap value)")
  public static let casRdPairX0CompareZero = Rule(
    "zacas.rd-pair-x0-compares-zero", "Unpriv: Zacas (rd = x0 pair: compare value is zero)")
  public static let casRs2PairX0ReadsZero = Rule(
    "zacas.rs2-pair-x0-reads-zero", "Unpriv: Zacas (rs2 = x0 pair: swap value is zero)")
  public static let casRdPairX0Discards = Rule(
    "zacas.rd-pair-x0-discards", "Unpriv: Zacas (rd = x0 pair: no register is written)")
  public static let casSuccessIffEqual = Rule(
    "zacas.success-iff-equal", "Unpriv: Zacas (success when all compared bits are equal)")
  public static let casStoresOnSuccess = Rule(
    "zacas.stores-swap-on-success", "Unpriv: Zacas (on success the swap value is stored)")
  public static let casFailureKeepsMemory = Rule(
    "zacas.failure-keeps-memory", "Unpriv: Zacas (on failure memory keeps its value)")
  public static let casMisaligned = Rule(
    "zacas.misaligned-traps", "Unpriv: Zacas (address must be naturally aligned)")
  public static let casNeedsWrite = Rule(
    "zacas.write-permission-required", "Unpriv: Zacas (write permission even when the compare fails)")
  public static let casOddPairReserved = Rule(
    "zacas.odd-register-pair-reserved", "Unpriv: Zacas (odd rd or rs2 pair is reserved)")
  // Traps and program order.
  public static let illegalInstruction = Rule(
    "isa.illegal-instruction", "Priv: an instruction not in the ISA raises illegal-instruction")
  public static let trapHasNoEffect = Rule(
    "trap.no-architectural-effect", "Priv: a trapping instruction does not update rd or memory")
  public static let noTrapWithoutCause = Rule(
    "trap.only-when-required", "Unpriv: an instruction that meets its conditions does not trap")
  public static let haltsAtFirstTrap = Rule(
    "program.halts-at-first-trap", "rvcheck: a test program ends at its first trap")

  /// Every rule the spec asserts (profile rules, named after their profile, come in addition).
  public static let catalog: [Rule] = [
    .aluResult,
    .upperImmediate,
    .loadResult,
    .storeWritesMemory,
    .jumpLink,
    .x0IsZero,
    .unwrittenPreserved,
    .misalignedAccess,
    .loadAccessFault,
    .storeAccessFault,
    .multiplyDivideResult,
    .amoResult,
    .amoStore,
    .amoMisaligned,
    .amoNeedsWrite,
    .lrResult,
    .lrMisaligned,
    .scMisaligned,
    .scNeedsWrite,
    .scResultCode,
    .scStoresOnSuccess,
    .scNeedsReservation,
    .casLoadsOldValue,
    .casNarrowSignExtends,
    .casCompareOperand,
    .casSwapOperand,
    .casRdPairX0CompareZero,
    .casRs2PairX0ReadsZero,
    .casRdPairX0Discards,
    .casSuccessIffEqual,
    .casStoresOnSuccess,
    .casFailureKeepsMemory,
    .casMisaligned,
    .casNeedsWrite,
    .casOddPairReserved,
    .illegalInstruction,
    .trapHasNoEffect,
    .noTrapWithoutCause,
    .haltsAtFirstTrap,
  ]
}
