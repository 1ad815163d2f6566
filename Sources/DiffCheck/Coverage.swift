import SpecModel

/// One cell of the coverage tables: an amocas form, or a byte or halfword AMO form, and an outcome.
public struct CoverageCell: Hashable, Sendable, Codable {
  public let form: String
  public let outcome: CASOutcome
  /// The form's hash, worked out once: cells are counted several times for every program, and
  /// hashing the mnemonic each time cost more than the rest of the count.
  private let formHash: Int

  public init(form: String, outcome: CASOutcome) {
    self.init(form: form, formHash: form.hashValue, outcome: outcome)
  }

  /// A cell of `form`, whose mnemonic's hash is already known.
  public init(_ form: InstructionForm, _ outcome: CASOutcome) {
    self.init(form: form.mnemonic, formHash: form.mnemonicHash, outcome: outcome)
  }

  private init(form: String, formHash: Int, outcome: CASOutcome) {
    self.form = form
    self.outcome = outcome
    self.formHash = formHash
  }

  public static func == (l: CoverageCell, r: CoverageCell) -> Bool { l.outcome == r.outcome && l.form == r.form }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(formHash)
    hasher.combine(outcome.ordinal)
  }

  // A dictionary asks this of a cell several times per program. The form's hash is already a
  // SipHash of the mnemonic under the process's seed, so mixing in the outcome and the
  // dictionary's seed is enough; another SipHash round per look-up was most of the count's cost.
  public func _rawHashValue(seed: Int) -> Int {
    (formHash ^ seed) &+ Int(outcome.ordinal) &* -0x61c8_8646_80b5_83eb
  }

  enum CodingKeys: String, CodingKey { case form, outcome }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      form: try container.decode(String.self, forKey: .form),
      outcome: try container.decode(CASOutcome.self, forKey: .outcome))
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(form, forKey: .form)
    try container.encode(outcome, forKey: .outcome)
  }
}

/// A coverage cell as the loop counts it: the form's serial number and the outcome's case number.
/// A program marks a dozen cells and every campaign counts them; a cell names its form by
/// mnemonic, and strings cost a hash and a reference count at every count.
public struct CoverageMark: Hashable, Sendable {
  let serial: Int32
  let outcome: UInt8

  public init(_ form: InstructionForm, _ outcome: CASOutcome) {
    serial = Int32(form.serial)
    self.outcome = outcome.ordinal
  }

  /// The mark of a cell whose form is in the instruction table (nil for any other name).
  public init?(_ cell: CoverageCell) {
    guard let form = InstructionTable.byMnemonic[cell.form] else { return nil }
    self.init(form, cell.outcome)
  }

  init(serial: Int32, outcome: UInt8) {
    self.serial = serial
    self.outcome = outcome
  }

  public var cell: CoverageCell {
    guard let form = InstructionForm.registered(serial: Int(serial)) else {
      preconditionFailure("coverage mark of an unregistered form \(serial)")
    }
    return CoverageCell(form, CASOutcome.inOrder[Int(outcome)])
  }
}

/// Counts of marks, kept as numbers while a campaign runs and turned into cells when it reports:
/// one slot per form serial and outcome, so a count is an index, not a hash.
struct CoverageTally {
  private var counts: [Int] = []
  /// The slots counted since the last drain, each once: a drain visits these rather than every
  /// slot of every form (a campaign drains after each batch of programs).
  private var touched: [Int] = []
  private static let outcomes = 32

  mutating func add(_ marks: [CoverageMark]) {
    for mark in marks {
      let slot = Int(mark.serial) * Self.outcomes + Int(mark.outcome)
      if slot >= counts.count { counts += Array(repeating: 0, count: slot + Self.outcomes - counts.count) }
      if counts[slot] == 0 { touched.append(slot) }
      counts[slot] += 1
    }
  }

  /// Every count as cells, added to `coverage`; the tally is left empty.
  mutating func drain(into coverage: inout Coverage) {
    coverage.reserveCapacity(touched.count)
    drain { coverage.add($0, count: $1) }
  }

  /// Every count as cells, added to both `cells` and `coverage`; the tally is left empty.
  mutating func drain(into cells: inout [CoverageCell: Int], alsoInto coverage: inout Coverage) {
    cells.reserveCapacity(cells.count + touched.count)
    coverage.reserveCapacity(touched.count)
    drain { cell, count in
      cells[cell, default: 0] += count
      coverage.add(cell, count: count)
    }
  }

  mutating func drain(into cells: inout [CoverageCell: Int]) {
    cells.reserveCapacity(cells.count + touched.count)
    drain { cells[$0, default: 0] += $1 }
  }

  /// Each counted cell with its count, in slot order, each slot turned into a cell once; the
  /// tally is left empty. Room is made in the tables first by the callers: a summary's tables
  /// start empty at every take and grew a step at a time.
  private mutating func drain(_ add: (CoverageCell, Int) -> Void) {
    for slot in touched.sorted() { add(Self.cell(slot), counts[slot]) }
    clear()
  }

  /// Zeroes the touched slots, keeping the storage for the next batch.
  private mutating func clear() {
    for slot in touched { counts[slot] = 0 }
    touched.removeAll(keepingCapacity: true)
  }

  private static func cell(_ slot: Int) -> CoverageCell {
    CoverageMark(serial: Int32(slot / outcomes), outcome: UInt8(slot % outcomes)).cell
  }
}

extension CASOutcome: Codable {
  /// The case's place in the declaration: a no-payload enum is stored as its case number, one byte
  /// for fewer than 256 cases. Hashed instead of the raw string.
  var ordinal: UInt8 { unsafeBitCast(self, to: UInt8.self) }

  /// Every case, by ordinal (`allCases` makes a new array at each use).
  static let inOrder = allCases

  public func hash(into hasher: inout Hasher) { hasher.combine(ordinal) }
}

/// How often each (form, outcome) cell was reached.
public struct Coverage: Sendable, Equatable {
  public private(set) var counts: [CoverageCell: Int] = [:]

  public init() {}

  public mutating func add(_ cells: [CoverageCell]) {
    for cell in cells { counts[cell, default: 0] += 1 }
  }

  /// Counts `cell` `count` more times.
  public mutating func add(_ cell: CoverageCell, count: Int) { counts[cell, default: 0] += count }

  /// Room for `more` cells besides those counted.
  mutating func reserveCapacity(_ more: Int) { counts.reserveCapacity(counts.count + more) }

  public mutating func merge(_ other: Coverage) {
    for (cell, count) in other.counts { counts[cell, default: 0] += count }
  }

  public func count(_ form: String, _ outcome: CASOutcome) -> Int {
    counts[CoverageCell(form: form, outcome: outcome)] ?? 0
  }

  /// The outcomes of the byte and halfword AMOs' table.
  static let amoOutcomes: [CASOutcome] = [
    .executed, .misalignedTrap, .accessFault, .misalignedReadOnly, .misalignedUnmapped, .overlap, .upperBitsDiffer,
    .signSplit, .unchanged,
  ]

  /// Whether a cell can occur for `form` in `isa`: pair cells only for register-pair forms, and
  /// no misalignment for a one-byte access; the AMOs have their own outcomes.
  public static func applies(_ outcome: CASOutcome, to form: InstructionForm, xlen: Int) -> Bool {
    if !form.mnemonic.hasPrefix("amocas.") {
      guard amoOutcomes.contains(outcome) else { return false }
      switch outcome {
      case .misalignedTrap, .misalignedReadOnly, .misalignedUnmapped: return (form.accessBytes ?? 1) > 1
      case .upperBitsDiffer: return 8 * (form.accessBytes ?? 8) < xlen
      case .signSplit: return form.mnemonic.hasPrefix("amomin") || form.mnemonic.hasPrefix("amomax")
      default: return true
      }
    }
    return switch outcome {
    case .executed, .signSplit, .unchanged: false
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

  /// Zabha's byte and halfword AMO forms of `isa` (not amocas), in table order.
  public static func amoForms(in isa: ISAString) -> [InstructionForm] {
    InstructionTable.forms(in: isa).filter { Oracle.isNarrowAMO($0) }
  }

  /// Every form with a row: the amocas forms, then the byte and halfword AMOs.
  public static func allForms(in isa: ISAString) -> [InstructionForm] { forms(in: isa) + amoForms(in: isa) }

  /// Applicable cells never reached.
  public func missing(in isa: ISAString) -> [CoverageCell] {
    Self.allForms(in: isa).flatMap { form in
      CASOutcome.allCases.filter { Self.applies($0, to: form, xlen: isa.xlen) && count(form.mnemonic, $0) == 0 }
        .map { CoverageCell(form: form.mnemonic, outcome: $0) }
    }
  }

  /// The outcomes of the amocas table.
  static let casOutcomes = CASOutcome.allCases.filter { ![.executed, .signSplit, .unchanged].contains($0) }

  /// The tables as text: a row per form, a column per outcome, `-` where a cell cannot occur. The
  /// byte and halfword AMOs (Zabha, when the ISA has it) get a table of their own below.
  public func table(for isa: ISAString) -> String {
    var lines = Self.rows(Self.forms(in: isa), Self.casOutcomes, isa: isa, counts: self)
    let amos = Self.amoForms(in: isa)
    if !amos.isEmpty { lines += [""] + Self.rows(amos, Self.amoOutcomes, isa: isa, counts: self) }
    return lines.joined(separator: "\n")
  }

  private static func rows(
    _ forms: [InstructionForm], _ columns: [CASOutcome], isa: ISAString, counts: Coverage
  ) -> [String] {
    var lines = ["form".padding(12) + columns.map { $0.rawValue.leftPadding(11) }.joined()]
    for form in forms {
      let cells = columns.map { outcome -> String in
        applies(outcome, to: form, xlen: isa.xlen) ? String(counts.count(form.mnemonic, outcome)) : "-"
      }
      lines.append(form.mnemonic.padding(12) + cells.map { $0.leftPadding(11) }.joined())
    }
    return lines
  }
}

extension String {
  func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
  func leftPadding(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
