import Testing

@testable import DiffCheck
@testable import SpecModel

/// Runs assembly on the built-in emulator from registers and 8-byte words.
func emulate(
  _ text: String, isa: String = "rv64ima_zacas_zabha", registers: [Int: UInt64] = [:],
  words: [UInt64: UInt64] = [:], mutant: Mutant? = nil
) throws -> ConcreteState {
  let parsed = try ISAString(parsing: isa)
  let program = try Assembler.assemble(text, xlen: parsed.xlen)
  let map = MemoryMap.standard(xlen: parsed.xlen)
  var initial = ConcreteState.zeroed(map)
  for (number, value) in registers { initial.registers[number] = value }
  for (address, word) in words {
    for byte in 0..<UInt64(8) { initial.memory[address + byte] = UInt8(truncatingIfNeeded: word >> (8 * byte)) }
  }
  let testCase = EmulatorCase(
    isa: parsed, words: try program.map { try $0.encoded() }, initial: initial, memoryMap: map)
  guard case .finished(let state) = BuiltinEmulator(mutant: mutant).run([testCase])[0] else {
    Issue.record("emulator failed")
    return initial
  }
  return state
}

extension ConcreteState {
  func word(_ address: UInt64) -> UInt64 {
    (0..<UInt64(8)).reduce(0) { $0 | UInt64(memory[address + $1] ?? 0) << (8 * $1) }
  }
}

@Suite struct BuiltinEmulatorTests {
  let base: UInt64 = 0x8001_0000

  @Test func amocasSuccessAndSignExtension() throws {
    let state = try emulate(
      "amocas.w t0, t1, (a0)", registers: [10: base, 5: 0x8000_0001, 6: 7], words: [base: 0x8000_0001])
    #expect(state.registers[5] == 0xFFFF_FFFF_8000_0001)
    #expect(state.word(base) == 7)
  }

  @Test func quadPairsAndX0() throws {
    let state = try emulate(
      "amocas.q zero, a2, (a0)", registers: [10: base, 1: 0x55, 12: 1, 13: 2], words: [base: 0, base + 8: 0])
    #expect(state.registers[1] == 0x55)
    #expect(state.word(base) == 1 && state.word(base + 8) == 2)
    let odd = try emulate("amocas.q a1, a2, (a0)", registers: [10: base])
    #expect(odd.trap?.cause == 2)
  }

  @Test func trapsAreRecordedNotFatal() throws {
    let misaligned = try emulate("amocas.d t0, t1, (a0)", registers: [10: base + 4])
    #expect(misaligned.trap == ConcreteTrap(cause: 6, tval: base + 4, index: 0))
    let readOnly = try emulate("addi a1, a1, 1\namocas.w t0, t1, (a0)", registers: [10: 0x8001_1000, 5: 1])
    #expect(readOnly.trap == ConcreteTrap(cause: 7, tval: 0x8001_1000, index: 1))
    #expect(readOnly.registers[11] == 1)
  }

  @Test func rv32ArithmeticWraps() throws {
    let state = try emulate("addi a0, a0, 1\nsrai a1, a0, 4", isa: "rv32ima", registers: [10: 0x7FFF_FFFF])
    #expect(state.registers[10] == 0x8000_0000)
    #expect(state.registers[11] == 0xF800_0000)
  }

  @Test func lrScAndDivision() throws {
    let state = try emulate(
      "lr.d t0, (a0)\nsc.d t1, a2, (a0)\ndiv a3, a2, zero\nrem a4, a2, zero", registers: [10: base, 12: 9],
      words: [base: 4])
    #expect(state.registers[5] == 4 && state.registers[6] == 0 && state.word(base) == 9)
    #expect(state.registers[13] == UInt64.max && state.registers[14] == 9)
  }

  /// Each mutant changes the outcome of a case chosen to expose it.
  @Test(arguments: Mutant.allCases)
  func everyMutantChangesSomeOutcome(mutant: Mutant) throws {
    let exposing: [Mutant: (String, String, [Int: UInt64], [UInt64: UInt64])] = [
      .x0PairWritesX1: ("amocas.q zero, a2, (a0)", "rv64ima_zacas", [10: base, 1: 9, 12: 1], [base: 0, base + 8: 5]),
      .wordNotSignExtended: ("amocas.w t0, t1, (a0)", "rv64ima_zacas", [10: base], [base: 0x8000_0000]),
      .wordComparesAllBits: ("amocas.w t0, t1, (a0)", "rv64ima_zacas", [10: base, 5: 0x1_0000_0003, 6: 4], [base: 3]),
      .swapStoredOnFailure: ("amocas.d t0, t1, (a0)", "rv64ima_zacas", [10: base, 5: 1, 6: 4], [base: 3]),
      .oddPairAccepted: ("amocas.q a1, a2, (a0)", "rv64ima_zacas", [10: base], [:]),
      .misalignedExecutes: ("amocas.w t0, t1, (a0)", "rv64ima_zacas", [10: base + 2], [:]),
      .readOnlyFailureNoFault: ("amocas.w t0, t1, (a0)", "rv64ima_zacas", [10: 0x8001_1000, 5: 1], [:]),
      .pairHalvesSwapped: ("amocas.q a2, a4, (a0)", "rv64ima_zacas", [10: base], [base: 1, base + 8: 2]),
      .rdReceivesNewValue: ("amocas.d t0, t1, (a0)", "rv64ima_zacas", [10: base, 5: 3, 6: 4], [base: 3]),
      .addressRereadAfterRd: ("amocas.w a0, a1, (a0)", "rv64ima_zacas", [10: base, 11: 7], [base: base]),
      .narrowNotSignExtended: ("amocas.h t0, t1, (a0)", "rv64ima_zacas_zabha", [10: base], [base: 0x8000]),
      .aqrlIllegal: ("amocas.w.aqrl t0, t1, (a0)", "rv64ima_zacas", [10: base], [:]),
      .rs2PairX0ReadsX1: ("amocas.q a2, zero, (a0)", "rv64ima_zacas", [10: base, 1: 5], [:]),
      .misalignedAccessFault: ("amocas.w t0, t1, (a0)", "rv64ima_zacas", [10: base + 2], [:]),
      .halfwordComparesLowByte: ("amocas.h t0, t1, (a0)", "rv64ima_zacas_zabha", [10: base, 5: 0x107], [base: 7]),
      .pairComparesLowHalf: ("amocas.q a2, a4, (a0)", "rv64ima_zacas", [10: base, 12: 1, 13: 2], [base: 1]),
      .quadAlignedAt8: ("amocas.q a2, a4, (a0)", "rv64ima_zacas", [10: base + 8], [:]),
      .permissionBeforeAlignment: ("amocas.w t0, t1, (a0)", "rv64ima_zacas", [10: 0x8001_1002], [:]),
      .narrowComparesAllBits: (
        "amocas.b t0, t1, (a0)", "rv64ima_zacas_zabha", [10: base, 5: 0x1_0000_0003], [base: 3]
      ),
      .casX0ClobbersZero: ("amocas.w zero, t1, (a0)\naddi a1, zero, 5", "rv64ima_zacas", [10: base], [base: 7]),
      // rs2's low byte 0x01 is below memory's 0x05; the whole register is not.
      .narrowAMOMinMaxWholeRegister: (
        "amominu.b t0, t1, (a0)", "rv64ima_zabha", [10: base, 6: 0x1_0000_0001], [base: 5]
      ),
      .narrowAMOZeroExtends: ("amoadd.h t0, t1, (a0)", "rv64ima_zabha", [10: base], [base: 0x8000]),
      // The value stored equals memory's, on read-only memory: the store must still fault.
      .narrowAMOSkipsUnchangedStore: ("amoswap.b t0, t1, (a0)", "rv64ima_zabha", [10: 0x8001_1000], [:]),
      .narrowAMOWritesNeighbour: ("amoadd.b t0, t1, (a0)", "rv64ima_zabha", [10: base, 6: 1], [base: 0x0501]),
    ]
    let (text, isa, registers, words) = try #require(exposing[mutant])
    let correct = try emulate(text, isa: isa, registers: registers, words: words)
    let buggy = try emulate(text, isa: isa, registers: registers, words: words, mutant: mutant)
    #expect(correct != buggy, "\(mutant.rawValue) made no difference")
  }
}
