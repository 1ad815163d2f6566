/// A realistic emulator bug the built-in emulator can be told to have, to measure how fast the
/// checker catches it.
public enum Mutant: String, CaseIterable, Sendable {
  case x0PairWritesX1 = "x0-pair-writes-x1"
  case wordNotSignExtended = "w-not-sign-extended"
  case wordComparesAllBits = "w-compares-all-64-bits"
  case swapStoredOnFailure = "swap-stored-on-failure"
  case oddPairAccepted = "odd-pair-accepted"
  case misalignedExecutes = "misaligned-executes"
  case readOnlyFailureNoFault = "read-only-failure-no-fault"
  case pairHalvesSwapped = "pair-halves-swapped"
  case rdReceivesNewValue = "rd-receives-new-value"
  case addressRereadAfterRd = "address-reread-after-rd"
  case narrowNotSignExtended = "b-h-not-sign-extended"
  case aqrlIllegal = "aqrl-decoded-illegal"
  case rs2PairX0ReadsX1 = "rs2-x0-pair-reads-x1"
  case misalignedAccessFault = "misaligned-raises-access-fault"
  case halfwordComparesLowByte = "h-compares-low-byte-only"
  case pairComparesLowHalf = "pair-compares-low-half-only"
  case quadAlignedAt8 = "q-aligned-at-8"
  case permissionBeforeAlignment = "permission-checked-before-alignment"
  case narrowComparesAllBits = "b-h-compare-all-register-bits"
  case casX0ClobbersZero = "amocas-x0-clobbers-zero"
  case narrowAMOMinMaxWholeRegister = "amo-b-h-minmax-whole-register"
  case narrowAMOZeroExtends = "amo-b-h-zero-extended"
  case narrowAMOSkipsUnchangedStore = "amo-b-h-skips-unchanged-store"
  case narrowAMOWritesNeighbour = "amo-b-h-writes-neighbour-byte"

  /// One line on what the bug is.
  public var summary: String {
    switch self {
    case .x0PairWritesX1: "amocas.d (RV32) / amocas.q with rd = x0 writes the high half into x1"
    case .wordNotSignExtended: "amocas.w on RV64 zero-extends its result"
    case .wordComparesAllBits: "amocas.w compares all 64 bits of rd with the sign-extended word"
    case .swapStoredOnFailure: "a failed compare still stores the swap value"
    case .oddPairAccepted: "an odd rd/rs2 register pair executes instead of raising illegal-instruction"
    case .misalignedExecutes: "a misaligned amocas executes instead of trapping"
    case .readOnlyFailureNoFault: "a failed compare on read-only memory does not fault"
    case .pairHalvesSwapped: "register-pair halves are swapped (rd holds the high half)"
    case .rdReceivesNewValue: "on success rd receives the swap value instead of the loaded value"
    case .addressRereadAfterRd: "with rd = rs1 the store address is read again after rd is written"
    case .narrowNotSignExtended: "amocas.b/.h zero-extend their results"
    case .aqrlIllegal: "amocas.*.aqrl is decoded as an illegal instruction"
    case .rs2PairX0ReadsX1: "a swap pair starting at x0 reads x1 as its high half"
    case .misalignedAccessFault: "a misaligned amocas raises access-fault (7) where the profile says 6"
    case .halfwordComparesLowByte: "amocas.h compares only the low byte of the halfword"
    case .pairComparesLowHalf: "a register-pair compare ignores the high half"
    case .quadAlignedAt8: "amocas.q checks alignment to 8 bytes instead of 16"
    case .permissionBeforeAlignment:
      "a misaligned amocas to read-only or unmapped memory raises access-fault before misaligned"
    case .narrowComparesAllBits: "amocas.b/.h compare the whole rd register with the sign-extended loaded value"
    case .casX0ClobbersZero:
      "an amocas with rd = x0 leaves its result in x0 (a pair's high half) until the next branch or jump"
    case .narrowAMOMinMaxWholeRegister:
      "amomin/amomax(u).b/.h compare the loaded value with the whole rs2 register, not its low byte or halfword"
    case .narrowAMOZeroExtends: "the byte and halfword AMOs zero-extend their results"
    case .narrowAMOSkipsUnchangedStore:
      "a byte or halfword AMO whose result equals memory stores nothing, so read-only memory does not fault"
    case .narrowAMOWritesNeighbour: "a byte or halfword AMO also writes its result's low byte into the next byte"
    }
  }
}
