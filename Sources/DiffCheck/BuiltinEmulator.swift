import SpecModel

/// One test case for an emulator: the program as instruction words, and where it starts.
public struct EmulatorCase: Sendable {
  public let isa: ISAString
  public let words: [UInt32]
  public let initial: ConcreteState
  public let memoryMap: MemoryMap
  public let codeBase: UInt64

  public init(
    isa: ISAString, words: [UInt32], initial: ConcreteState, memoryMap: MemoryMap, codeBase: UInt64 = 0x8000_0000
  ) {
    self.isa = isa
    self.words = words
    self.initial = initial
    self.memoryMap = memoryMap
    self.codeBase = codeBase
  }
}

/// What an emulator reports for one case.
public enum EmulatorOutcome: Sendable, Equatable {
  case finished(ConcreteState)
  /// The emulator failed on this case (crash, hang, garbage): neither a pass nor a violation.
  case failed(String)
  /// The emulator does not implement this instruction form at all: the case is not checked.
  case unsupported(form: String)
}

/// Runs batches of cases.
public protocol Emulator {
  var name: String { get }
  func run(_ cases: [EmulatorCase]) -> [EmulatorOutcome]
  /// The emulator's release for an ISA (its XLEN's binary), when it reports one.
  func version(for isa: ISAString) -> String?
  /// Whether a small batch costs little more than its cases (no process to start for it), so a
  /// search may run a few cases at a time and stop early.
  var smallBatchesAreCheap: Bool { get }
}

extension Emulator {
  public func version(for isa: ISAString) -> String? { nil }
  public var smallBatchesAreCheap: Bool { false }
}

/// An independent RV32/RV64 interpreter: its own decoder and arithmetic, none of SpecModel's
/// semantics. It behaves like Spike where the manual leaves a choice, unless given a mutant.
public struct BuiltinEmulator: Emulator {
  public let mutant: Mutant?
  public var stepLimit = 10_000

  public init(mutant: Mutant? = nil) { self.mutant = mutant }

  public var name: String { mutant.map { "builtin+\($0.rawValue)" } ?? "builtin" }

  /// It runs in this process.
  public var smallBatchesAreCheap: Bool { true }

  /// Runs `cases` and returns how many instructions they executed in all.
  public func executedInstructions(_ cases: [EmulatorCase]) -> Int {
    cases.reduce(0) { total, testCase in
      var hart = Hart(testCase, mutant: mutant)
      _ = hart.run(stepLimit: stepLimit)
      return total + hart.executed
    }
  }

  public func run(_ cases: [EmulatorCase]) -> [EmulatorOutcome] {
    cases.map { testCase in
      var hart = Hart(testCase, mutant: mutant)
      return hart.run(stepLimit: stepLimit)
    }
  }
}

/// A trap raised while executing one instruction.
struct Trap: Error {
  let cause: UInt64
  let tval: UInt64
}

/// The state of one hart running one case.
struct Hart {
  let xlen: Int
  let has: (String) -> Bool
  let words: [UInt32]
  let memoryMap: MemoryMap
  let codeBase: UInt64
  let mutant: Mutant?
  var x: [UInt64]
  var memory: ByteMap
  var reservation: UInt64?
  /// What x0 reads as under `casX0ClobbersZero`: a translator that treats x0 as a shared constant
  /// and lets amocas write into it sees the clobbered value until its block ends at a branch or jump.
  var clobberedZero: UInt64?
  /// Instructions executed so far (benchmarks report instructions per second).
  var executed = 0

  init(_ testCase: EmulatorCase, mutant: Mutant?) {
    xlen = testCase.isa.xlen
    let names = Set(testCase.isa.extensions.map(\.rawValue))
    has = { names.contains($0) }
    words = testCase.words
    memoryMap = testCase.memoryMap
    codeBase = testCase.codeBase
    self.mutant = mutant
    x = testCase.initial.registers.map { $0 & (testCase.isa.xlen == 32 ? 0xFFFF_FFFF : UInt64.max) }
    x[0] = 0
    memory = testCase.initial.memory
  }

  var mask: UInt64 { xlen == 32 ? 0xFFFF_FFFF : .max }

  mutating func run(stepLimit: Int) -> EmulatorOutcome {
    var index = 0
    var steps = 0
    while index >= 0 && index < words.count {
      steps += 1
      executed += 1
      if steps > stepLimit { return .failed("step limit of \(stepLimit) reached") }
      let word = words[index]
      do {
        index = try execute(word, at: index)
      } catch let trap as Trap {
        return .finished(snapshot(trap: ConcreteTrap(cause: trap.cause, tval: trap.tval, index: index)))
      } catch {
        return .failed("\(error)")
      }
      // Branches and jumps end a translation block.
      if [0x63, 0x6F, 0x67].contains(word & 0x7F) { clobberedZero = nil }
      x[0] = clobberedZero ?? 0
    }
    return .finished(snapshot(trap: nil))
  }

  func snapshot(trap: ConcreteTrap?) -> ConcreteState {
    var registers = x
    registers[0] = 0
    return ConcreteState(registers: registers, memory: memory, trap: trap)
  }

  // MARK: Helpers

  func signExtend(_ value: UInt64, bits: Int) -> UInt64 {
    guard bits < 64 else { return value }
    let shift = UInt64(64 - bits)
    return UInt64(bitPattern: Int64(bitPattern: value << shift) >> Int64(shift))
  }

  func truncated(_ value: UInt64, bits: Int) -> UInt64 {
    bits >= 64 ? value : value & ((1 << UInt64(bits)) - 1)
  }

  /// A value written to a register: sign-extended from `bits`, then cut to XLEN.
  func registerValue(_ value: UInt64, bits: Int) -> UInt64 { signExtend(value, bits: bits) & mask }

  mutating func write(_ rd: Int, _ value: UInt64) {
    if rd != 0 { x[rd] = value & mask }
  }

  func readBytes(_ address: UInt64, _ count: Int) -> UInt64 {
    var value: UInt64 = 0
    for offset in 0..<count {
      value |= UInt64(memory[(address &+ UInt64(offset)) & mask] ?? 0) << UInt64(8 * offset)
    }
    return value
  }

  mutating func writeBytes(_ address: UInt64, _ value: UInt64, _ count: Int) {
    for offset in 0..<count {
      memory[(address &+ UInt64(offset)) & mask] = UInt8(truncatingIfNeeded: value >> UInt64(8 * offset))
    }
  }

  func permitted(_ address: UInt64, _ count: Int, write: Bool) -> Bool {
    memoryMap.regions.contains { region in
      (!write || region.access == .readWrite) && address >= region.base
        && address - region.base < region.size && region.size - (address - region.base) >= UInt64(count)
    }
  }

  /// Plain loads and stores: misaligned traps (4/6) unless Zicclsm, then the region check (5/7).
  func checkPlain(_ address: UInt64, _ count: Int, write: Bool) throws {
    if address % UInt64(count) != 0 && !has("zicclsm") {
      throw Trap(cause: write ? 6 : 4, tval: address)
    }
    if !permitted(address, count, write: write) { throw Trap(cause: write ? 7 : 5, tval: address) }
  }

  /// AMOs, LR, SC: misaligned raises 6 (7 with Zicclsm; 4/5 for LR), then the region check.
  func checkAtomic(_ address: UInt64, _ count: Int, load: Bool = false) throws {
    if address % UInt64(count) != 0 {
      let accessFault = has("zicclsm")
      throw Trap(cause: load ? (accessFault ? 5 : 4) : (accessFault ? 7 : 6), tval: address)
    }
    if !permitted(address, count, write: !load) { throw Trap(cause: load ? 5 : 7, tval: address) }
  }

  /// Executes one instruction; returns the next program index.
  mutating func execute(_ word: UInt32, at index: Int) throws -> Int {
    let illegal = Trap(cause: 2, tval: UInt64(word))
    let opcode = word & 0x7F
    let rd = Int(word >> 7 & 31)
    let funct3 = word >> 12 & 7
    let rs1 = Int(word >> 15 & 31)
    let rs2 = Int(word >> 20 & 31)
    let funct7 = word >> 25
    let pc = codeBase &+ UInt64(index) * 4
    let iImmediate = signExtend(UInt64(word >> 20), bits: 12)
    let a = x[rs1]
    let b = x[rs2]
    let rv64 = xlen == 64
    switch opcode {
    case 0x37:  // LUI
      write(rd, registerValue(UInt64(word & 0xFFFF_F000), bits: 32))
    case 0x17:  // AUIPC
      write(rd, pc &+ registerValue(UInt64(word & 0xFFFF_F000), bits: 32))
    case 0x6F:  // JAL
      let raw =
        UInt64(word >> 31) << 20 | UInt64(word >> 12 & 0xFF) << 12 | UInt64(word >> 20 & 1) << 11
        | UInt64(word >> 21 & 0x3FF) << 1
      let offset = Int64(bitPattern: signExtend(raw, bits: 21))
      write(rd, pc &+ 4)
      return try target(index, offset)
    case 0x63:  // branches
      let raw =
        UInt64(word >> 31) << 12 | UInt64(word >> 7 & 1) << 11 | UInt64(word >> 25 & 0x3F) << 5
        | UInt64(word >> 8 & 0xF) << 1
      let offset = Int64(bitPattern: signExtend(raw, bits: 13))
      let sa = Int64(bitPattern: signExtend(a, bits: xlen))
      let sb = Int64(bitPattern: signExtend(b, bits: xlen))
      let taken: Bool
      switch funct3 {
      case 0: taken = a == b
      case 1: taken = a != b
      case 4: taken = sa < sb
      case 5: taken = sa >= sb
      case 6: taken = a < b
      case 7: taken = a >= b
      default: throw illegal
      }
      return taken ? try target(index, offset) : index + 1
    case 0x03:  // loads
      let sizes: [UInt32: (Int, Bool)] = [
        0: (1, true), 1: (2, true), 2: (4, true), 3: (8, true), 4: (1, false), 5: (2, false), 6: (4, false),
      ]
      guard let (count, signed) = sizes[funct3], rv64 || (funct3 != 3 && funct3 != 6) else { throw illegal }
      let address = (a &+ iImmediate) & mask
      try checkPlain(address, count, write: false)
      let loaded = readBytes(address, count)
      write(rd, signed ? registerValue(loaded, bits: count * 8) : loaded)
    case 0x23:  // stores
      guard funct3 <= 3, rv64 || funct3 != 3 else { throw illegal }
      let count = 1 << Int(funct3)
      let offset = signExtend(UInt64(funct7 << 5 | UInt32(rd)), bits: 12)
      let address = (a &+ offset) & mask
      try checkPlain(address, count, write: true)
      writeBytes(address, b, count)
    case 0x13:  // OP-IMM
      let shamtMask: UInt32 = rv64 ? 63 : 31
      let shamt = UInt64(word >> 20 & shamtMask)
      switch funct3 {
      case 0: write(rd, a &+ iImmediate)
      case 2: write(rd, Int64(bitPattern: signExtend(a, bits: xlen)) < Int64(bitPattern: iImmediate) ? 1 : 0)
      case 3: write(rd, a < (iImmediate & mask) ? 1 : 0)
      case 4: write(rd, a ^ iImmediate)
      case 6: write(rd, a | iImmediate)
      case 7: write(rd, a & iImmediate)
      case 1:
        guard word >> 26 == 0, rv64 || word >> 25 & 1 == 0 else { throw illegal }
        write(rd, a << shamt)
      case 5:
        guard word >> 26 == 0 || word >> 26 == 0x10, rv64 || word >> 25 & 1 == 0 else { throw illegal }
        if word >> 26 == 0x10 {
          write(rd, UInt64(bitPattern: Int64(bitPattern: signExtend(a, bits: xlen)) >> Int64(shamt)))
        } else {
          write(rd, a >> shamt)
        }
      default: throw illegal
      }
    case 0x1B:  // OP-IMM-32
      guard rv64 else { throw illegal }
      let shamt = UInt64(word >> 20 & 31)
      let low = a & 0xFFFF_FFFF
      switch (funct3, funct7) {
      case (0, _): write(rd, registerValue(a &+ iImmediate, bits: 32))
      case (1, 0): write(rd, registerValue(low << shamt, bits: 32))
      case (5, 0): write(rd, registerValue(low >> shamt, bits: 32))
      case (5, 0x20): write(rd, UInt64(bitPattern: Int64(Int32(bitPattern: UInt32(low)) >> Int32(shamt))))
      default: throw illegal
      }
    case 0x33:
      if funct7 == 1 {
        guard has("m") else { throw illegal }
        write(rd, multiplyDivide(funct3, a, b, bits: xlen))
      } else {
        write(rd, try integerOperation(funct3, funct7, a, b, illegal))
      }
    case 0x3B:
      guard rv64 else { throw illegal }
      let (la, lb) = (a & 0xFFFF_FFFF, b & 0xFFFF_FFFF)
      if funct7 == 1 {
        guard has("m"), [0, 4, 5, 6, 7].contains(funct3) else { throw illegal }
        write(rd, registerValue(multiplyDivide(funct3, la, lb, bits: 32), bits: 32))
      } else {
        let shift = lb & 31
        switch (funct3, funct7) {
        case (0, 0): write(rd, registerValue(la &+ lb, bits: 32))
        case (0, 0x20): write(rd, registerValue(la &- lb, bits: 32))
        case (1, 0): write(rd, registerValue(la << shift, bits: 32))
        case (5, 0): write(rd, registerValue(la >> shift, bits: 32))
        case (5, 0x20): write(rd, UInt64(bitPattern: Int64(Int32(bitPattern: UInt32(la)) >> Int32(shift))))
        default: throw illegal
        }
      }
    case 0x0F:
      // FENCE (fm 0), FENCE.TSO (fm 1000 with RW,RW) and FENCE.I: one hart in program order needs
      // none of them.
      guard rd == 0, rs1 == 0 else { throw illegal }
      switch funct3 {
      case 0: guard word >> 28 == 0 || word >> 20 == 0x833 else { throw illegal }
      case 1: guard has("zifencei"), word >> 20 == 0 else { throw illegal }
      default: throw illegal
      }
    case 0x2F:
      try atomic(word, rd: rd, rs1: rs1, rs2: rs2, funct3: funct3, illegal: illegal)
    default:
      throw illegal
    }
    return index + 1
  }

  func target(_ index: Int, _ offset: Int64) throws -> Int {
    guard offset % 4 == 0 else {
      throw Trap(cause: 0, tval: codeBase &+ UInt64(bitPattern: Int64(index) * 4 + offset))
    }
    return index + Int(offset / 4)
  }

  func integerOperation(_ funct3: UInt32, _ funct7: UInt32, _ a: UInt64, _ b: UInt64, _ illegal: Trap) throws -> UInt64
  {
    let shift = b & UInt64(xlen - 1)
    let sa = Int64(bitPattern: signExtend(a, bits: xlen))
    let sb = Int64(bitPattern: signExtend(b, bits: xlen))
    switch (funct3, funct7) {
    case (0, 0): return a &+ b
    case (0, 0x20): return a &- b
    case (1, 0): return a << shift
    case (2, 0): return sa < sb ? 1 : 0
    case (3, 0): return a < b ? 1 : 0
    case (4, 0): return a ^ b
    case (5, 0): return a >> shift
    case (5, 0x20): return UInt64(bitPattern: sa >> Int64(shift))
    case (6, 0): return a | b
    case (7, 0): return a & b
    default: throw illegal
    }
  }

  /// M instructions on `bits`-bit operands (already cut to that width).
  func multiplyDivide(_ funct3: UInt32, _ a: UInt64, _ b: UInt64, bits: Int) -> UInt64 {
    let sa = Int64(bitPattern: signExtend(a, bits: bits))
    let sb = Int64(bitPattern: signExtend(b, bits: bits))
    let minimum = Int64(bitPattern: signExtend(1 << UInt64(bits - 1), bits: bits))
    switch funct3 {
    case 0: return a &* b
    case 1:  // mulh
      return truncated(UInt64(truncatingIfNeeded: (Int128(sa) * Int128(sb)) >> bits), bits: bits)
    case 2:  // mulhsu
      return truncated(UInt64(truncatingIfNeeded: (Int128(sa) * Int128(b)) >> bits), bits: bits)
    case 3:  // mulhu
      return truncated(UInt64(truncatingIfNeeded: (UInt128(a) * UInt128(b)) >> bits), bits: bits)
    case 4:  // div
      if sb == 0 { return UInt64.max }
      if sa == minimum && sb == -1 { return UInt64(bitPattern: sa) }
      return UInt64(bitPattern: sa / sb)
    case 5: return b == 0 ? UInt64.max : a / b
    case 6:  // rem
      if sb == 0 { return a }
      if sa == minimum && sb == -1 { return 0 }
      return UInt64(bitPattern: sa % sb)
    default: return b == 0 ? a : a % b
    }
  }
}
