import Foundation
import SpecModel

/// How often each kind of instruction is generated (relative weights).
public struct GeneratorWeights: Sendable, Equatable {
  public var amocas = 30
  public var alu = 20
  public var load = 10
  public var store = 10
  public var loadReservedPair = 5
  public var amo = 10
  /// Zabha's byte and halfword AMOs (amocas aside), when the ISA has them.
  public var narrowAMO = 10

  public init() {}

  /// The largest weight: proportions, not counts, need no more.
  public static let maximum = 1_000_000

  /// Parses `amocas=30,alu=20,...`; unknown names or bad numbers are errors.
  public init(parsing text: String) throws(GeneratorError) {
    for part in text.split(separator: ",") {
      let pieces = part.split(separator: "=")
      guard pieces.count == 2, let value = Int(pieces[1]), value >= 0 else {
        throw GeneratorError(message: "weight '\(String(part).clipped)' is not NAME=NUMBER")
      }
      // Weights are summed and drawn from; bounded, their sum cannot overflow.
      guard value <= Self.maximum else {
        throw GeneratorError(message: "weight '\(String(part).clipped)' is over \(Self.maximum)")
      }
      switch pieces[0] {
      case "amocas": amocas = value
      case "alu": alu = value
      case "load": load = value
      case "store": store = value
      case "lrsc": loadReservedPair = value
      case "amo": amo = value
      case "amobh": narrowAMO = value
      default:
        throw GeneratorError(message: "unknown weight '\(pieces[0])' (amocas, alu, load, store, lrsc, amo, amobh)")
      }
    }
    guard amocas + alu + load + store + loadReservedPair + amo + narrowAMO > 0 else {
      throw GeneratorError(message: "weights '\(text)': at least one must be positive")
    }
  }
}

public struct GeneratorError: Error, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}

/// A generated program and the registers it uses as memory bases.
public struct GeneratedProgram: Sendable {
  public let instructions: [Instruction]
  /// Registers read as addresses; nothing writes them before their last use as an address.
  public let baseRegisters: [Int]
  /// An amocas whose base register no other instruction uses, so it can be aimed at a trap.
  public let trapCandidate: Int?
}

/// Generates random programs that mix amocas of every width and ordering with the code around it,
/// aiming at the hard cases: x0 and odd register pairs, rd or rd+1 equal to rs1, rd equal to rs2,
/// repeated CAS on one address, overlapping accesses of different widths.
public struct ProgramGenerator {
  public let isa: ISAString
  public var length: Int
  public var weights: GeneratorWeights {
    didSet { kinds = Self.kinds(weights, casForms, aluForms, lrForms, amoForms, narrowAMOForms) }
  }

  /// The ISA's forms by the kind of instruction the generator makes of them (worked out once).
  private let casForms: Forms
  private let aluForms: Forms
  private let loadForms: Forms
  private let storeForms: Forms
  /// Each load-reserved form, and at the same position its store-conditional.
  private let lrForms: Forms
  private let scForms: Forms
  private let amoForms: Forms
  /// Zabha's byte and halfword AMOs, which may also be aimed at a trap.
  private let narrowAMOForms: Forms
  /// Each kind with its weight (none for a kind the ISA has no forms of), and their sum: drawn
  /// from for every instruction of every program.
  private var kinds: (table: [(Kind, Int)], total: Int) = ([], 0) {
    didSet { kindByRoll = Self.byRoll(kinds.table, total: kinds.total) }
  }
  /// The kind each roll below the total picks, when the total is small: a look-up rather than a
  /// walk through the weights at every instruction. Empty for a large total.
  private var kindByRoll: [Kind] = []

  public init(isa: ISAString, length: Int = 32, weights: GeneratorWeights = GeneratorWeights()) {
    self.isa = isa
    self.length = length
    self.weights = weights
    let available = InstructionTable.forms(in: isa)
    casForms = Forms(available.filter { $0.mnemonic.hasPrefix("amocas.") })
    aluForms = Forms(
      available.filter {
        [.register, .immediate, .upper].contains($0.format)
          || { if case .shiftImmediate = $0.format { true } else { false } }($0)
      })
    loadForms = Forms(available.filter { $0.format == .load })
    storeForms = Forms(available.filter { $0.format == .store })
    let loadReserved = available.filter { $0.format == .loadReserved }
    lrForms = Forms(loadReserved)
    scForms = Forms(
      loadReserved.map { InstructionTable.named($0.mnemonic.replacingOccurrences(of: "lr.", with: "sc.")) })
    let atomics = available.filter {
      $0.format == .atomic && !$0.mnemonic.hasPrefix("amocas.") && !$0.mnemonic.hasPrefix("sc.")
    }
    narrowAMOForms = Forms(atomics.filter(Oracle.isNarrowAMO))
    amoForms = Forms(atomics.filter { !Oracle.isNarrowAMO($0) })
    kinds = Self.kinds(weights, casForms, aluForms, lrForms, amoForms, narrowAMOForms)
    // Observers do not run in an initialiser.
    kindByRoll = Self.byRoll(kinds.table, total: kinds.total)
  }

  /// The kind `SeededRandom.weighted` picks for each roll in `0..<total`; empty when the total
  /// is zero or too large to tabulate.
  static func byRoll(_ table: [(Kind, Int)], total: Int) -> [Kind] {
    guard total > 0 && total <= 4096 else { return [] }
    var rolls: [Kind] = []
    rolls.reserveCapacity(total)
    for (kind, weight) in table where weight > 0 { rolls.append(contentsOf: repeatElement(kind, count: weight)) }
    return rolls
  }

  private static func kinds(
    _ weights: GeneratorWeights, _ casForms: Forms, _ aluForms: Forms, _ lrForms: Forms, _ amoForms: Forms,
    _ narrowAMOForms: Forms
  ) -> (table: [(Kind, Int)], total: Int) {
    let table: [(Kind, Int)] = [
      (.amocas, casForms.isEmpty ? 0 : weights.amocas), (.alu, aluForms.isEmpty ? 0 : weights.alu),
      (.load, weights.load), (.store, weights.store),
      (.lrsc, lrForms.isEmpty ? 0 : weights.loadReservedPair), (.amo, amoForms.isEmpty ? 0 : weights.amo),
      (.narrowAMO, narrowAMOForms.isEmpty ? 0 : weights.narrowAMO),
    ]
    return (table, SeededRandom.total(table))
  }

  public func generate(_ random: inout SeededRandom) -> GeneratedProgram {
    // The source is drawn from as a local, and the drawing helpers are inlined into one body: the
    // draws then work on the source in place rather than through the caller's memory at each call.
    var local = random
    defer { random = local }
    return generate(drawingFrom: &local)
  }

  @inline(__always) private func generate(drawingFrom random: inout SeededRandom) -> GeneratedProgram {

    // Two or three registers hold addresses; the oracle picks their values.
    var pool = RegisterSet.all
    // Room for the bases a program usually ends with (fresh ones replace overwritten ones):
    // grown one at a time, the arrays cost an allocation at every few.
    var bases: [Int] = []
    bases.reserveCapacity(8)
    for _ in 0..<random.int(2...3) {
      let chosen = pool.member(at: Int(random.below(UInt64(pool.count))))
      pool.remove(chosen)
      bases.append(chosen)
    }
    var program: [Instruction] = []
    program.reserveCapacity(length + 2)
    // A base register that an instruction overwrote no longer holds an address: retire it. A new
    // base must be a register nothing has written yet, or it would not hold an address either.
    // In the order they became bases: a program draws its base from them by position.
    var clean = BaseList(bases)
    var written = RegisterSet()
    func retire(_ register: Int) {
      written.insert(register)
      guard clean.remove(register) else { return }
      // Only when the last clean base goes is a fresh one drawn.
      guard clean.isEmpty else { return }
      let unwritten = pool.subtracting(written)
      if !unwritten.isEmpty {
        let fresh = unwritten.member(at: Int(random.below(UInt64(unwritten.count))))
        pool.remove(fresh)
        bases.append(fresh)
        clean.append(fresh)
      }
    }
    while program.count < length {
      if clean.isEmpty { break }
      let base = clean[Int(random.below(UInt64(clean.count)))]
      let before = program.count
      let kind = drawKind(&random)
      switch kind {
      case .amocas:
        program.append(casForms.draw(&random) { amocas($0, base: base, bases: bases, &$1) })
      case .alu:
        program.append(aluForms.draw(&random) { alu($0, avoiding: bases, &$1) })
      case .load:
        program.append(
          loadForms.draw(&random) { form, random in
            Instruction(
              form, rd: destination(avoiding: bases, &random), rs1: base, immediate: offset(for: form, &random))
          })
      case .store:
        program.append(
          storeForms.draw(&random) { form, random in
            Instruction(form, rs1: base, rs2: random.int(0...31), immediate: offset(for: form, &random))
          })
      case .lrsc:
        let pair = lrForms.position(&random)
        // The SC reads the base again, so the LR must not overwrite it.
        var loaded = destination(avoiding: bases, &random)
        while loaded == base { loaded = random.int(1...31) }
        program.append(lrForms.at(pair) { Instruction($0, rd: loaded, rs1: base, aq: random.chance(0.3)) })
        if program.count < length {
          program.append(
            scForms.at(pair) {
              Instruction(
                $0, rd: destination(avoiding: bases, &random), rs1: base, rs2: random.int(0...31),
                rl: random.chance(0.3))
            })
        }
      case .amo, .narrowAMO:
        program.append(
          (kind == .narrowAMO ? narrowAMOForms : amoForms).draw(&random) { form, random in
            Instruction(
              form, rd: destination(avoiding: bases, &random), rs1: base, rs2: random.int(0...31),
              aq: random.chance(0.3), rl: random.chance(0.3))
          })
      }
      // By index: a slice of the program would retain its storage at every instruction. A store
      // writes no register; every other kind writes its destination: known by kind, the format
      // need not be switched on again.
      if kind != .store {
        for position in before..<program.count {
          let registers = writtenDestination(program[position])
          if let first = registers.first { retire(first) }
          if let second = registers.second { retire(second) }
        }
      }
    }
    // Sometimes one more amocas (or a byte or halfword AMO) gets a base register of its own, for
    // the oracle to aim at a trap.
    var trapCandidate: Int?
    let trapAMO = !narrowAMOForms.isEmpty && weights.narrowAMO > 0 && random.chance(0.25)
    if (trapAMO || (!casForms.isEmpty && weights.amocas > 0)) && !pool.isEmpty && random.chance(0.85)
      && !program.isEmpty
    {
      let trapBase = pool.member(at: Int(random.below(UInt64(pool.count))))
      pool.remove(trapBase)
      // At the end of the program: nothing runs after a trap, so a late one costs no other outcome.
      let position = random.int(max(program.count - 2, 0)...max(program.count - 1, 0))
      let overwritten = program[..<position].contains { writtenRegisters($0).contains(trapBase) }
      if overwritten { return GeneratedProgram(instructions: program, baseRegisters: bases, trapCandidate: nil) }
      let trapping =
        trapAMO
        ? narrowAMOForms.draw(&random) { form, random in
          Instruction(
            form, rd: destination(avoiding: bases, &random), rs1: trapBase, rs2: random.int(0...31),
            aq: random.chance(0.3), rl: random.chance(0.3))
        }
        : casForms.draw(&random) { amocas($0, base: trapBase, bases: bases, &$1) }
      program.insert(trapping, at: position)
      bases.append(trapBase)
      trapCandidate = position
      // Cut in place: a copy of the prefix cost an allocation a program.
      program.removeLast(max(program.count - length, 0))
      if position >= program.count { trapCandidate = nil }
    }
    program.removeLast(max(program.count - length, 0))
    return GeneratedProgram(instructions: program, baseRegisters: bases, trapCandidate: trapCandidate)
  }

  /// Forms of one kind, held unretained: every form lives as long as the process, and a form
  /// drawn and retained for each generated instruction cost two atomic reference counts.
  private struct Forms {
    private let forms: [Unmanaged<InstructionForm>]

    init(_ forms: [InstructionForm]) { self.forms = forms.map { .passUnretained($0) } }

    var isEmpty: Bool { forms.isEmpty }

    /// A position drawn as `SeededRandom.pick` draws one.
    @inline(__always) func position(_ random: inout SeededRandom) -> Int { Int(random.below(UInt64(forms.count))) }

    /// `body` applied to the form at `position`, which is not retained for it.
    func at<Result>(_ position: Int, _ body: (InstructionForm) -> Result) -> Result {
      forms[position]._withUnsafeGuaranteedRef(body)
    }

    /// `body` applied to a form drawn as `SeededRandom.pick` draws one, with the random source.
    @inline(__always) func draw<Result>(
      _ random: inout SeededRandom, _ body: (InstructionForm, inout SeededRandom) -> Result
    ) -> Result {
      forms[position(&random)]._withUnsafeGuaranteedRef { body($0, &random) }
    }
  }

  /// A kind drawn by weight, as `SeededRandom.weighted` draws from `kinds.table`: through the
  /// table of kinds by roll when there is one.
  @inline(__always) private func drawKind(_ random: inout SeededRandom) -> Kind {
    guard !kindByRoll.isEmpty else { return random.weighted(kinds.table, total: kinds.total) }
    return kindByRoll[Int(random.below(UInt64(kindByRoll.count)))]
  }

  /// The kinds of instruction the generator draws from, by weight.
  enum Kind { case amocas, alu, load, store, lrsc, amo, narrowAMO }

  /// Registers x1 to x31 as bits: the pool of registers not yet used as bases, and those written.
  /// Drawing "the k-th" counts from x1 up, as an ascending list would.
  private struct RegisterSet {
    private var bits: UInt32 = 0

    static var all: RegisterSet { RegisterSet(bits: ~1) }

    private init(bits: UInt32) { self.bits = bits }
    init() {}

    var count: Int { bits.nonzeroBitCount }
    var isEmpty: Bool { bits == 0 }

    // A register number is below 32: a plain shift, where the checked one tested the amount.
    mutating func insert(_ register: Int) { bits |= 1 &<< UInt32(truncatingIfNeeded: register) }
    mutating func remove(_ register: Int) { bits &= ~(1 &<< UInt32(truncatingIfNeeded: register)) }
    func subtracting(_ other: RegisterSet) -> RegisterSet { RegisterSet(bits: bits & ~other.bits) }

    /// The register at `position` (from 0) counting up from x1.
    func member(at position: Int) -> Int {
      precondition(position >= 0 && position < count)
      var rest = bits
      for _ in 0..<position { rest &= rest - 1 }
      return rest.trailingZeroBitCount
    }
  }

  /// The clean bases, at most three, in the order they became bases (held inline).
  private struct BaseList {
    private var registers = SIMD4<Int8>(repeating: 0)
    private(set) var count = 0

    init(_ bases: [Int]) { for base in bases { append(base) } }

    var isEmpty: Bool { count == 0 }
    subscript(position: Int) -> Int { Int(registers[position]) }

    mutating func append(_ register: Int) {
      precondition(count < 4, "more than four clean bases")
      registers[count] = Int8(register)
      count += 1
    }

    /// Removes `register`, keeping the order of the rest; false when it is not in the list.
    mutating func remove(_ register: Int) -> Bool {
      guard let position = (0..<count).first(where: { registers[$0] == Int8(register) }) else { return false }
      for index in position..<(count - 1) { registers[index] = registers[index + 1] }
      count -= 1
      return true
    }
  }

  /// Up to two registers an instruction may write (a pair's are both).
  private struct Written {
    var first: Int?
    var second: Int?

    func contains(_ register: Int) -> Bool { first == register || second == register }
  }

  /// Registers an instruction may write.
  private func writtenRegisters(_ instruction: Instruction) -> Written {
    switch instruction.format {
    case .store, .branch, .fence: return Written()
    default: return writtenDestination(instruction)
    }
  }

  /// The destination an instruction that writes one writes (a pair's two registers).
  @inline(__always) private func writtenDestination(_ instruction: Instruction) -> Written {
    guard instruction.rd != 0 else { return Written() }
    if instruction.usesRegisterPairs(xlen: isa.xlen) {
      return Written(first: instruction.rd, second: (instruction.rd + 1) % 32)
    }
    return Written(first: instruction.rd)
  }

  /// A destination that is usually not a base register, so later addresses stay meaningful.
  @inline(__always) private func destination(avoiding bases: [Int], _ random: inout SeededRandom) -> Int {
    if random.chance(0.05) { return 0 }
    var register = random.int(1...31)
    while bases.contains(register) && !random.chance(0.1) { register = random.int(1...31) }
    return register
  }

  @inline(__always) private func alu(_ form: InstructionForm, avoiding bases: [Int], _ random: inout SeededRandom)
    -> Instruction
  {
    var instruction = Instruction(
      form, rd: destination(avoiding: bases, &random), rs1: random.int(0...31), rs2: random.int(0...31))
    // The format read once: comparing formats (an enum with a payload) is a call each time.
    let format = form.format
    var register = false
    var upper = false
    switch format {
    case .register: register = true
    case .immediate: instruction.immediate = Int64(random.int(-2048...2047))
    case .shiftImmediate(let word): instruction.immediate = Int64(random.int(0...(word ? 31 : isa.xlen - 1)))
    case .upper:
      instruction.immediate = Int64(random.int(0...0xFFFFF))
      upper = true
    default: break
    }
    if !register { instruction.rs2 = 0 }
    if upper { instruction.rs1 = 0 }
    return instruction
  }

  /// Small offsets that are multiples of the access size, so accesses through one base overlap.
  @inline(__always) private func offset(for form: InstructionForm, _ random: inout SeededRandom) -> Int64 {
    let size = Int64(form.accessBytes ?? 1)
    return Int64(random.int(-2...4)) * size
  }

  @inline(__always) private func amocas(_ form: InstructionForm, base: Int, bases: [Int], _ random: inout SeededRandom)
    -> Instruction
  {
    let pairs = form.usesRegisterPairs(xlen: isa.xlen)
    func operand() -> Int {
      if random.chance(pairs ? 0.2 : 0.12) { return 0 }
      if pairs {
        let even = 2 * random.int(1...15)
        return random.chance(0.08) ? even - 1 : even
      }
      return random.int(1...31)
    }
    var rd = operand()
    var rs2 = operand()
    let rs1 = base
    // The overlaps the manual singles out.
    let overlap = random.int(0...9)
    if overlap == 0 { rd = pairs ? rs1 & ~1 : rs1 }  // rd (or rd+1) is rs1
    if overlap == 1 && rd != 0 { rs2 = rd }  // rd == rs2
    let ordering = random.int(0...3)
    return Instruction(form, rd: rd, rs1: rs1, rs2: rs2, aq: ordering & 1 == 1, rl: ordering & 2 == 2)
  }
}
