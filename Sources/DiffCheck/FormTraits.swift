import SpecModel

/// What the generator and the oracle ask of an instruction form, worked out once per form rather
/// than from its mnemonic at every step of every program.
struct FormTraits {
  /// The memory operation of an AMO or store-conditional (from the mnemonic, up to its dot).
  enum Operation {
    case swap, add, xor, and, or, min, max, minu, maxu, storeConditional, other
  }

  let operation: Operation
  /// One of Zabha's byte and halfword AMOs (not amocas).
  let isNarrowAMO: Bool

  var isMinMax: Bool { [.min, .max, .minu, .maxu].contains(operation) }

  /// The traits of no form: a placeholder.
  static let none = FormTraits(operation: .other, isNarrowAMO: false)

  private init(operation: Operation, isNarrowAMO: Bool) {
    self.operation = operation
    self.isNarrowAMO = isNarrowAMO
  }

  init(_ form: InstructionForm) {
    switch form.mnemonic.prefix(while: { $0 != "." }) {
    case "amoswap": operation = .swap
    case "amoadd": operation = .add
    case "amoxor": operation = .xor
    case "amoand": operation = .and
    case "amoor": operation = .or
    case "amomin": operation = .min
    case "amomax": operation = .max
    case "amominu": operation = .minu
    case "amomaxu": operation = .maxu
    case "sc": operation = .storeConditional
    default: operation = .other
    }
    isNarrowAMO = form.format == .atomic && (form.accessBytes ?? 8) <= 2 && !form.isCompareAndSwap
  }

  /// The traits of every form in the instruction table, by serial number.
  private static let table: [FormTraits?] = {
    var table = [FormTraits?](repeating: nil, count: (InstructionTable.forms.map(\.serial).max() ?? 0) + 1)
    for form in InstructionTable.forms { table[form.serial] = FormTraits(form) }
    return table
  }()

  static func of(_ form: InstructionForm) -> FormTraits {
    form.serial < table.count ? table[form.serial] ?? FormTraits(form) : FormTraits(form)
  }
}
