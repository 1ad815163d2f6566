import Foundation

/// The semantics of one instruction: declares its effects on a step.
public typealias Semantics = @Sendable (inout StepBuilder, Instruction) -> Void

/// One row of the instruction table: mnemonic, extension, XLENs, encoding, syntax and semantics.
// A class that lives as long as the process (`FormRegistry`), so that an instruction, copied at
// every step, holds an unretained reference to its form and copies as plain bytes.
public final class InstructionForm: Sendable, Hashable, CustomStringConvertible {
  public let mnemonic: String
  public let format: Format
  /// Every extension listed must be present (amocas.b needs Zacas and Zabha).
  public let requires: [Extension]
  public let xlens: Set<Int>
  public let fixedFields: [FixedField]
  /// Bytes accessed in memory by loads, stores and AMOs (16 for amocas.q).
  public let accessBytes: Int?
  public let execute: Semantics
  public let match: UInt32
  public let mask: UInt32
  /// Whether this is one of the `amocas` forms (asked per step by the test generator and checker).
  public let isCompareAndSwap: Bool

  public init(
    _ mnemonic: String, _ format: Format, requires: [Extension], xlens: Set<Int> = [32, 64],
    fixed: [FixedField], accessBytes: Int? = nil, execute: @escaping Semantics
  ) {
    self.mnemonic = mnemonic
    self.format = format
    self.requires = requires
    self.xlens = xlens
    self.fixedFields = fixed
    self.accessBytes = accessBytes
    self.execute = execute
    self.match = fixed.reduce(0) { $0 | $1.bits }
    self.mask = fixed.reduce(0) { $0 | $1.mask }
    self.isCompareAndSwap = mnemonic.hasPrefix("amocas.")
    self.mnemonicHash = mnemonic.hashValue
    self.requiredBits = requires.reduce(0) { $0 | $1.bit }
    self.inRV32 = xlens.contains(32)
    self.inRV64 = xlens.contains(64)
    self.serial = FormRegistry.nextSerial()
    FormRegistry.keep(self)
  }

  /// The form's place among all forms made so far (from 0): a dense key for tables per form.
  public let serial: Int

  /// The mnemonic's hash (`mnemonic.hashValue`), worked out once: instructions, and coverage
  /// cells, are hashed by their form.
  public let mnemonicHash: Int
  /// `requires` and `xlens` as bits, for the ISA's test of every instruction of every run.
  let requiredBits: UInt32
  let inRV32: Bool
  let inRV64: Bool

  public var description: String { mnemonic }

  public static func == (l: InstructionForm, r: InstructionForm) -> Bool { l === r || l.mnemonic == r.mnemonic }
  public func hash(into hasher: inout Hasher) { hasher.combine(mnemonicHash) }

  /// Table checks, as riscv-opcodes does: values fit their fields, no bit is fixed twice or is both
  /// fixed and an operand, and every bit is one or the other. Returns the problems found.
  public func encodingProblems() -> [String] {
    var problems: [String] = []
    var seen: UInt32 = 0
    for field in fixedFields {
      if !field.fits {
        problems.append("\(mnemonic): value \(field.value) does not fit bits \(field.high)..\(field.low)")
      }
      if seen & field.mask != 0 { problems.append("\(mnemonic): bits \(field.high)..\(field.low) fixed twice") }
      seen |= field.mask
    }
    if seen & format.operandMask != 0 {
      problems.append("\(mnemonic): fixed bits overlap operand bits")
    }
    if seen | format.operandMask != 0xFFFF_FFFF {
      problems.append(
        "\(mnemonic): bits neither fixed nor operands: \(String(~(seen | format.operandMask), radix: 16))")
    }
    return problems
  }

  /// The form whose `serial` is `serial`, if one was made.
  public static func registered(serial: Int) -> InstructionForm? { FormRegistry.form(serial: serial) }

  /// Whether this is `.d` on RV32 or `.q` on RV64: operands are even-odd register pairs.
  public func usesRegisterPairs(xlen: Int) -> Bool {
    guard let bytes = accessBytes, isCompareAndSwap else { return false }
    return bytes * 8 == 2 * xlen
  }
}

/// Every form ever made, kept for the life of the process: an `Instruction` refers to its form
/// without retaining it.
enum FormRegistry {
  private static let lock = NSLock()
  /// By serial number.
  nonisolated(unsafe) private static var forms: [InstructionForm?] = []

  nonisolated(unsafe) private static var serials = 0

  static func keep(_ form: InstructionForm) {
    lock.lock()
    while forms.count <= form.serial { forms.append(nil) }
    forms[form.serial] = form
    lock.unlock()
  }

  static func form(serial: Int) -> InstructionForm? {
    lock.lock()
    defer { lock.unlock() }
    return forms.indices.contains(serial) ? forms[serial] : nil
  }

  /// A serial number no form has had.
  static func nextSerial() -> Int {
    lock.lock()
    defer { lock.unlock() }
    serials += 1
    return serials - 1
  }
}
