/// Every instruction rvcheck models, one row each. Encoder, decoder, printer and parser read it.
public enum InstructionTable {
  public static let forms: [InstructionForm] = baseInteger + multiply + zaamo + zalrsc + zacas + zalasr + [fenceI]

  public static let byMnemonic: [String: InstructionForm] = Dictionary(
    forms.map { ($0.mnemonic, $0) }, uniquingKeysWith: { first, _ in first })

  /// The row for a mnemonic known to be in the table (a programming error otherwise).
  public static func named(_ mnemonic: String) -> InstructionForm {
    guard let form = byMnemonic[mnemonic] else { preconditionFailure("no instruction '\(mnemonic)' in the table") }
    return form
  }

  /// The forms that exist in `isa`.
  public static func forms(in isa: ISAString) -> [InstructionForm] {
    forms.filter(isa.contains)
  }

  /// Problems with the table itself: bad rows, duplicate mnemonics, and encodings two rows share.
  public static func problems() -> [String] {
    var problems = forms.flatMap { $0.encodingProblems() }
    if byMnemonic.count != forms.count { problems.append("duplicate mnemonics in the table") }
    for (index, a) in forms.enumerated() {
      for b in forms[(index + 1)...] where !a.xlens.isDisjoint(with: b.xlens) {
        // Two rows overlap when some word satisfies both match/mask pairs.
        let common = a.mask & b.mask
        if a.match & common == b.match & common {
          problems.append("\(a.mnemonic) and \(b.mnemonic) share encodings")
        }
      }
    }
    return problems
  }
}
