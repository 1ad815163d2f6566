import SpecModel

/// One cell of the coverage table: an amocas form and an outcome.
public struct CoverageCell: Hashable, Sendable, Codable {
  public let form: String
  public let outcome: CASOutcome
}

extension CASOutcome: Codable {}

/// How often each (form, outcome) cell was reached.
public struct Coverage: Sendable, Equatable {
  public private(set) var counts: [CoverageCell: Int] = [:]

  public init() {}

  public mutating func add(_ cells: [CoverageCell]) {
    for cell in cells { counts[cell, default: 0] += 1 }
  }

  public mutating func merge(_ other: Coverage) {
    for (cell, count) in other.counts { counts[cell, default: 0] += count }
  }

  public func count(_ form: String, _ outcome: CASOutcome) -> Int {
    counts[CoverageCell(form: form, outcome: outcome)] ?? 0
  }

  /// Whether a cell can occur for `form` in `isa`: pair cells only for register-pair forms, and
  /// no misalignment for a one-byte access.
  public static func applies(_ outcome: CASOutcome, to form: InstructionForm, xlen: Int) -> Bool {
    switch outcome {
    case .x0Pair, .oddPair, .illegal, .nearMissHighHalf: form.usesRegisterPairs(xlen: xlen)
    case .misalignedTrap, .misalignedReadOnly, .misalignedUnmapped: (form.accessBytes ?? 1) > 1
    case .misalignedHalf: (form.accessBytes ?? 1) > 2
    case .upperBitsDiffer: 8 * (form.accessBytes ?? 8) < xlen
    default: true
    }
  }

  /// The amocas forms of `isa`, in table order.
  public static func forms(in isa: ISAString) -> [InstructionForm] {
    InstructionTable.forms(in: isa).filter { $0.mnemonic.hasPrefix("amocas.") }
  }

  /// Applicable cells never reached.
  public func missing(in isa: ISAString) -> [CoverageCell] {
    Self.forms(in: isa).flatMap { form in
      CASOutcome.allCases.filter { Self.applies($0, to: form, xlen: isa.xlen) && count(form.mnemonic, $0) == 0 }
        .map { CoverageCell(form: form.mnemonic, outcome: $0) }
    }
  }

  /// The table as text: a row per form, a column per outcome, `-` where a cell cannot occur.
  public func table(for isa: ISAString) -> String {
    let columns = CASOutcome.allCases
    var lines = ["form".padding(10) + columns.map { $0.rawValue.leftPadding(11) }.joined()]
    for form in Self.forms(in: isa) {
      let cells = columns.map { outcome -> String in
        Self.applies(outcome, to: form, xlen: isa.xlen) ? String(count(form.mnemonic, outcome)) : "-"
      }
      lines.append(form.mnemonic.padding(10) + cells.map { $0.leftPadding(11) }.joined())
    }
    return lines.joined(separator: "\n")
  }
}

extension String {
  func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
  func leftPadding(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
