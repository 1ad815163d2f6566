import Testing

@testable import SpecModel

@Suite struct ISATableTests {
  @Test func tableHasNoEncodingProblems() {
    #expect(InstructionTable.problems() == [])
  }

  @Test func tableCheckRejectsABadRow() {
    let overlapping = InstructionForm(
      "bad", .register, requires: [.i], fixed: [.opcode(0x33), .funct3(0), FixedField(31, 20, 0)]
    ) { _, _ in }
    #expect(!overlapping.encodingProblems().isEmpty)
    let tooBig = InstructionForm("big", .upper, requires: [.i], fixed: [FixedField(6, 0, 0x1FF)]) { _, _ in }
    #expect(tooBig.encodingProblems().contains { $0.contains("does not fit") })
    let gap = InstructionForm("gap", .register, requires: [.i], fixed: [.opcode(0x33), .funct3(0)]) { _, _ in }
    #expect(gap.encodingProblems().contains { $0.contains("neither fixed nor operands") })
  }

  @Test func amocasEncodingsMatchTheManual() throws {
    let w = InstructionTable.named("amocas.w")
    #expect(w.match == 0x2800_202F)
    #expect(w.mask == 0xF800_707F)
    let d = try Assembler.instruction("amocas.d.aqrl a0, a2, (s0)")
    #expect(try d.encoded() == 0x2EC4_352F)
    #expect(InstructionTable.named("amocas.q").xlens == [64])
  }

  /// The litmus suite's extra forms, against encodings from the manual and the Zalasr text.
  @Test func fencesAndZalasrEncodings() throws {
    #expect(try Assembler.instruction("fence.tso").encoded() == 0x8330_000F)
    #expect(try Assembler.instruction("fence.i").encoded() == 0x0000_100F)
    #expect(try Assembler.instruction("ld.aq t1, (a0)").encoded() == 0x3405_332F)
    #expect(try Assembler.instruction("lw.aq s1, 0(t0)").encoded() == 0x3402_A4AF)
    #expect(try Assembler.instruction("sw.rl ra, (sp)").encoded() == 0x3A11_202F)
    #expect(throws: AssemblyError.self) { try Assembler.instruction("lw.aq s1, 4(t0)") }
    #expect(throws: AssemblyError.self) { try Assembler.instruction("fence.tso rw, rw") }
    // Forms the fuzzer never generates: they need extensions its ISA strings lack.
    let isa = try ISAString(parsing: "rv64ima_zacas_zabha")
    #expect(!InstructionTable.forms(in: isa).contains { $0.mnemonic == "lw.aq" || $0.mnemonic == "fence.i" })
  }

  /// A program's words are its instructions' encodings in order; an instruction that cannot be
  /// encoded fails the whole program with its own error.
  @Test func aProgramEncodesAsItsInstructionsDo() throws {
    let program = try Assembler.assemble(
      """
      amocas.q.aqrl a2, a4, (a0)
      addi a1, zero, -5
      sd a1, 8(a0)
      lr.d t0, (a0)
      """)
    #expect(try Instruction.encoded(program) == program.map { try $0.encoded() })
    #expect(try Instruction.encoded([]) == [])
    var broken = program
    broken[2].rs2 = 32
    #expect(throws: EncodingError.self) { try Instruction.encoded(broken) }
    do {
      _ = try Instruction.encoded(broken)
    } catch {
      #expect(error.message.contains("rs2 = 32"), "\(error)")
    }
  }

  @Test func encodeDecodeAndPrintParseRoundTripForEveryForm() throws {
    var random = TestRandom(state: 3)
    for xlen in [32, 64] {
      for form in InstructionTable.forms where form.xlens.contains(xlen) {
        for _ in 0..<20 {
          var instruction = Instruction(form)
          let r = { Int(random.next() % 32) }
          switch form.format {
          case .register: (instruction.rd, instruction.rs1, instruction.rs2) = (r(), r(), r())
          case .immediate, .load:
            (instruction.rd, instruction.rs1) = (r(), r())
            instruction.immediate = Int64(random.next() % 4096) - 2048
          case .shiftImmediate(let word):
            (instruction.rd, instruction.rs1) = (r(), r())
            instruction.immediate = Int64(random.next() % UInt64(word ? 32 : xlen))
          case .store:
            (instruction.rs1, instruction.rs2) = (r(), r())
            instruction.immediate = Int64(random.next() % 4096) - 2048
          case .branch:
            (instruction.rs1, instruction.rs2) = (r(), r())
            instruction.immediate = (Int64(random.next() % 4096) - 2048) * 2
          case .upper:
            instruction.rd = r()
            instruction.immediate = Int64(random.next() % 0x100000)
          case .jump:
            instruction.rd = r()
            instruction.immediate = (Int64(random.next() % (1 << 20)) - (1 << 19)) * 2
          case .atomic, .loadReserved:
            (instruction.rd, instruction.rs1) = (r(), r())
            if form.format == .atomic { instruction.rs2 = r() }
            instruction.aq = random.next() % 2 == 0
            instruction.rl = random.next() % 2 == 0
          case .fence:
            instruction.pred = UInt8(random.next() % 16)
            instruction.succ = UInt8(random.next() % 16)
          case .bare: break
          case .loadAcquire: (instruction.rd, instruction.rs1) = (r(), r())
          case .storeRelease: (instruction.rs1, instruction.rs2) = (r(), r())
          }
          let word = try instruction.encoded()
          #expect(InstructionTable.decode(word, xlen: xlen) == instruction, "\(instruction) decodes back")
          #expect(try Assembler.instruction(instruction.assembly, xlen: xlen) == instruction, "\(instruction.assembly)")
        }
      }
    }
  }

  @Test func decoderRejectsWhatTheTableLacks() {
    #expect(InstructionTable.decode(0xFFFF_FFFF, xlen: 64) == nil)
    let q = 0x2800_402F as UInt32  // amocas.q
    #expect(InstructionTable.decode(q, xlen: 32) == nil)
    #expect(InstructionTable.decode(q, xlen: 64)?.mnemonic == "amocas.q")
    // slli with shamt[5] set is reserved on RV32.
    #expect(InstructionTable.decode(0x0200_1013, xlen: 32) == nil)
  }

  @Test func isaStringsParseAndDecideWhatExists() throws {
    let isa = try ISAString(parsing: "rv64ima_zacas_zabha")
    #expect(isa.xlen == 64)
    #expect(isa.description == "rv64ima_zacas_zabha")
    #expect(isa.contains(InstructionTable.named("amocas.b")))
    let noZabha = try ISAString(parsing: "rv32ia_zacas")
    #expect(!noZabha.contains(InstructionTable.named("amocas.b")))
    #expect(noZabha.contains(InstructionTable.named("amocas.d")))
    #expect(!noZabha.contains(InstructionTable.named("amocas.q")))
    #expect(try ISAString(parsing: "rv64i_zaamo_zacas").has(.zacas))
  }

  @Test func badISAStringsGiveClearErrors() {
    let cases: [(String, String)] = [
      ("rv64ima_zfoo", "unknown extension 'zfoo'"),
      ("rv64im_zacas", "zacas requires zaamo"),
      ("rv64im_zabha", "zabha requires zaamo"),
      ("rv128i", "must start with rv32 or rv64"),
      ("rv64imafd", "not modelled"),
      ("rv64ima__zacas", "empty extension name"),
      ("rv64xa", "the base must be 'i'"),
    ]
    for (text, fragment) in cases {
      do {
        _ = try ISAString(parsing: text)
        Issue.record("\(text) was accepted")
      } catch {
        #expect(error.description.contains(fragment), "\(text): \(error)")
      }
    }
  }

  @Test func assemblerErrorsCarryLineAndColumn() {
    let cases: [(String, Int, Int, String)] = [
      ("addi a0, a1, 5\nadd a0, a1", 2, 1, "takes 3 operands"),
      ("amocas.w a0, a1, (q9)", 1, 19, "expected a register"),
      ("  lw a0, 4096(a1)", 1, 10, "outside -2048...2047"),
      ("frob a0", 1, 1, "unknown instruction"),
      ("bne a0, a1, nowhere", 1, 13, "undefined label"),
      ("amocas.w a0, a1, 8(a2)", 1, 18, "takes no offset"),
    ]
    for (text, line, column, fragment) in cases {
      do {
        _ = try Assembler.assemble(text)
        Issue.record("'\(text)' assembled")
      } catch {
        #expect(error.line == line && error.column == column, "\(text): \(error)")
        #expect(error.message.contains(fragment), "\(text): \(error)")
      }
    }
    #expect(throws: AssemblyError.self) { try Assembler.assemble("amocas.q a0, a2, (a1)", xlen: 32) }
  }

  @Test func labelsAndPseudoInstructions() throws {
    let program = try Assembler.assemble(
      """
      retry: lr.w t0, (a0)
        bne t0, a1, done   # compare
        sc.w t1, a2, (a0)
        bnez t1, retry
      done:
        nop
      """)
    #expect(program.count == 5)
    #expect(program[1].immediate == 12)
    #expect(program[3].immediate == -12)
    #expect(program[4].assembly == "addi zero, zero, 0")
  }
}
