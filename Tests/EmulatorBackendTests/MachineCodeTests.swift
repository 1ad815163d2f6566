import Testing

@testable import DiffCheck
@testable import SpecModel

@Suite struct MachineCodeTests {
  /// Words checked against the encodings printed in the ISA manual's tables and by objdump.
  @Test func encodesKnownInstructions() {
    var code = MachineCode(xlen: 64, base: 0x8000_0000)
    code.addi(.t0, .t0, 4)
    code.csrw(.mtvec, .t0)
    code.storeWord(.t1, 8, .t0)
    code.li(.t0, 0x8002_0000)
    code.mret()
    code.fenceI()
    code.csrr(.t0, .mcause)
    #expect(
      code.words == [
        0x0042_8293, 0x3052_9073, 0x0062_B423, 0x8002_02B7, 0x0202_9293, 0x0202_D293, 0x3020_0073, 0x0000_100F,
        0x3420_22F3,
      ])
  }

  @Test func labelsResolveForwardAndBackward() throws {
    var code = MachineCode(xlen: 32, base: 0x8000_0000)
    code.label("top")
    code.addi(.t0, .t0, 1)
    code.bne(.t0, .t1, "top")
    code.j("end")
    code.addi(.zero, .zero, 0)
    code.label("end")
    code.link()
    // Decoded by SpecModel's independent table-driven decoder.
    let branch = try #require(InstructionTable.decode(code.words[1], xlen: 32))
    #expect(branch.mnemonic == "bne" && branch.immediate == -4)
    let jump = try #require(InstructionTable.decode(code.words[2], xlen: 32))
    #expect(jump.mnemonic == "jal" && jump.immediate == 8 && jump.rd == 0)
  }

  @Test(arguments: [UInt64(0), 1, 0x7FF, 0x800, 0xFFF, 0x1000, 0x7FFF_F800, 0x8000_0000, 0xFFFF_FFFF])
  func loadsConstantsExactly(value: UInt64) throws {
    #expect(try loaded(value) == value)
  }

  /// a0 after `li a0, value`, executed on the built-in emulator (every word is plain RV64I).
  func loaded(_ value: UInt64) throws -> UInt64? {
    var code = MachineCode(xlen: 64, base: 0x8000_0000)
    code.li(.a0, value)
    let run = EmulatorCase(
      isa: try ISAString(parsing: "rv64i"), words: code.words,
      initial: ConcreteState(registers: Array(repeating: 0, count: 32), memory: [:]), memoryMap: .standard(xlen: 64))
    guard case .finished(let state) = BuiltinEmulator().run([run])[0] else { return nil }
    return state.registers[10]
  }

  @Test func loadsSixtyFourBitConstants() throws {
    #expect(try loaded(0x0019_1B00_1D00_1B1D) == 0x0019_1B00_1D00_1B1D)
    #expect(try loaded(0xFFFF_FFFF_FFFF_FFFF) == 0xFFFF_FFFF_FFFF_FFFF)
  }
}
