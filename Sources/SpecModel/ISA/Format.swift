/// An instruction format: which bits hold operands, and the assembly syntax of those operands.
public enum Format: Sendable, Hashable {
  /// `rd, rs1, rs2`
  case register
  /// `rd, rs1, imm` with a 12-bit signed immediate in bits 31..20.
  case immediate
  /// `rd, rs1, shamt`; the shift amount has log2(XLEN) bits, or 5 for the `*W` forms.
  case shiftImmediate(wordSized: Bool)
  /// `rd, imm(rs1)`
  case load
  /// `rs2, imm(rs1)`
  case store
  /// `rs1, rs2, offset` with a 13-bit even offset.
  case branch
  /// `rd, imm` with the immediate placed in bits 31..12.
  case upper
  /// `rd, offset` with a 21-bit even offset.
  case jump
  /// `rd, rs2, (rs1)` with aq/rl in bits 26/25.
  case atomic
  /// `rd, (rs1)` with aq/rl; rs2 is fixed at zero.
  case loadReserved
  /// `pred, succ` in bits 27..24 and 23..20.
  case fence
  /// No operands: every bit is fixed (`fence.tso`, `fence.i`).
  case bare
  /// `rd, (rs1)`, the ordering fixed by the mnemonic (Zalasr's `lw.aq`).
  case loadAcquire
  /// `rs2, (rs1)`, the ordering fixed by the mnemonic (Zalasr's `sw.rl`).
  case storeRelease

  /// The bits this format's operands occupy (for XLEN 64; RV32 shifts leave bit 25 zero).
  var operandMask: UInt32 {
    let rd: UInt32 = 0x0000_0F80
    let rs1: UInt32 = 0x000F_8000
    let rs2: UInt32 = 0x01F0_0000
    switch self {
    case .register: return rd | rs1 | rs2
    case .immediate, .load: return rd | rs1 | 0xFFF0_0000
    case .shiftImmediate(let word): return rd | rs1 | (word ? 0x01F0_0000 : 0x03F0_0000)
    case .store, .branch: return rs1 | rs2 | 0xFE00_0F80
    case .upper, .jump: return rd | 0xFFFF_F000
    case .atomic: return rd | rs1 | rs2 | 0x0600_0000
    case .loadReserved: return rd | rs1 | 0x0600_0000
    case .fence: return 0x0FF0_0000
    case .bare: return 0
    case .loadAcquire: return rd | rs1
    case .storeRelease: return rs1 | rs2
    }
  }

  var hasOrdering: Bool { self == .atomic || self == .loadReserved }
}

/// A fixed field of an encoding: bits `high...low` hold `value`.
public struct FixedField: Sendable, Hashable {
  public let high: Int
  public let low: Int
  public let value: UInt32

  public init(_ high: Int, _ low: Int, _ value: UInt32) {
    self.high = high
    self.low = low
    self.value = value
  }

  var mask: UInt32 { UInt32(truncatingIfNeeded: ((UInt64(1) << UInt64(high - low + 1)) - 1) << UInt64(low)) }
  var bits: UInt32 { value << UInt32(low) }
  var fits: Bool { high >= low && low >= 0 && high < 32 && UInt64(value) < (UInt64(1) << UInt64(high - low + 1)) }
}

/// The standard field positions, named as in the manual.
extension FixedField {
  public static func opcode(_ value: UInt32) -> FixedField { FixedField(6, 0, value) }
  public static func funct3(_ value: UInt32) -> FixedField { FixedField(14, 12, value) }
  public static func funct7(_ value: UInt32) -> FixedField { FixedField(31, 25, value) }
  public static func funct6(_ value: UInt32) -> FixedField { FixedField(31, 26, value) }
  public static func funct5(_ value: UInt32) -> FixedField { FixedField(31, 27, value) }
  public static func rs2Field(_ value: UInt32) -> FixedField { FixedField(24, 20, value) }
  public static func rs1Field(_ value: UInt32) -> FixedField { FixedField(19, 15, value) }
  public static func rdField(_ value: UInt32) -> FixedField { FixedField(11, 7, value) }
  public static func fenceMode(_ value: UInt32) -> FixedField { FixedField(31, 28, value) }
  public static func fenceSets(_ value: UInt32) -> FixedField { FixedField(27, 20, value) }
  public static func aqField(_ value: UInt32) -> FixedField { FixedField(26, 26, value) }
  public static func rlField(_ value: UInt32) -> FixedField { FixedField(25, 25, value) }
}
