import Testing

@testable import SpecModel

/// Concrete cases from the manual, and the wrong outcomes the spec must reject by rule.
@Suite struct ZacasSpecTests {
  let a0 = 10, a1 = 11, a2 = 12, a3 = 13, t0 = 5, t1 = 6
  let base = SpecHarness.data

  @Test func successStoresSwapAndReturnsOldValue() throws {
    let spec = SpecHarness()
    let start = spec.initial(
      [a0: base, t0: 0xDEAD_0000_1122_3344, t1: 0x5566_7788], words: [base: 0x1122_3344])
    let outcome = try #require(try spec.outcome("amocas.w t0, t1, (a0)", start))
    // Only the low 32 bits of rd take part; the result is the loaded word, sign-extended.
    #expect(outcome.registers[t0] == 0x1122_3344)
    #expect(outcome.word(at: base) & 0xFFFF_FFFF == 0x5566_7788)
    #expect(outcome.trap == nil)
    #expect(try spec.check("amocas.w t0, t1, (a0)", start, outcome) == .conforms)
    let unchanged = outcome.with(word: 0x1122_3344, at: base)
    #expect(try spec.check("amocas.w t0, t1, (a0)", start, unchanged).names(.casStoresOnSuccess))
  }

  /// The explaining checker asks only the tracked query: it must give the same verdicts, rules
  /// included, and still say "conforms" of an allowed outcome (a disagreement to report).
  @Test func theExplainingCheckerGivesTheSameVerdicts() throws {
    let spec = SpecHarness()
    var explaining = spec.checker
    explaining.expectsViolation = true
    let program = try spec.program("amocas.w t0, t1, (a0)")
    let start = spec.initial([a0: base, t0: 1, t1: 2], words: [base: 0x8122_3344])
    let outcome = try #require(try spec.outcome("amocas.w t0, t1, (a0)", start))
    #expect(try explaining.check(program, initial: start, observed: outcome) == .conforms)
    for wrong in [
      outcome.with(register: t0, 0x8122_3344), outcome.with(word: 2, at: base), outcome.with(register: t1, 7),
    ] {
      let verdict = try explaining.check(program, initial: start, observed: wrong)
      #expect(verdict == (try spec.checker.check(program, initial: start, observed: wrong)))
      #expect(!verdict.rules.isEmpty, "\(verdict)")
    }
  }

  @Test func wordResultIsSignExtended() throws {
    let spec = SpecHarness()
    let start = spec.initial([a0: base, t0: 1, t1: 2], words: [base: 0x8122_3344])
    let outcome = try #require(try spec.outcome("amocas.w t0, t1, (a0)", start))
    #expect(outcome.registers[t0] == 0xFFFF_FFFF_8122_3344)
    let zeroExtended = outcome.with(register: t0, 0x8122_3344)
    let verdict = try spec.check("amocas.w t0, t1, (a0)", start, zeroExtended)
    #expect(verdict.names(.casNarrowSignExtends), "\(verdict)")
  }

  @Test func failureKeepsMemoryAndStillLoads() throws {
    let spec = SpecHarness()
    let start = spec.initial([a0: base, t0: 0x1111, t1: 0x2222], words: [base: 0x3333])
    let outcome = try #require(try spec.outcome("amocas.d t0, t1, (a0)", start))
    #expect(outcome.registers[t0] == 0x3333)
    #expect(outcome.word(at: base) == 0x3333)
    let written = outcome.with(word: 0x2222, at: base)
    let verdict = try spec.check("amocas.d t0, t1, (a0)", start, written)
    #expect(verdict.names(.casFailureKeepsMemory), "\(verdict)")
  }

  @Test func compareUsesOnlyTheLowBitsOfNarrowForms() throws {
    let spec = SpecHarness()
    let start = spec.initial([a0: base, t0: 0xFFFF_FF80, t1: 0x7F], words: [base: 0x80])
    let outcome = try #require(try spec.outcome("amocas.b t0, t1, (a0)", start))
    #expect(outcome.word(at: base) == 0x7F)
    #expect(outcome.registers[t0] == 0xFFFF_FFFF_FFFF_FF80)
    let noSignExtension = outcome.with(register: t0, 0x80)
    #expect(try spec.check("amocas.b t0, t1, (a0)", start, noSignExtension).names(.casNarrowSignExtends))
  }

  @Test func quadDestinationPairAtX0WritesNoRegister() throws {
    let spec = SpecHarness()
    let start = spec.initial([a0: base, 1: 0xAAAA, a2: 5, a3: 6], words: [base: 0, base + 8: 0])
    let outcome = try #require(try spec.outcome("amocas.q zero, a2, (a0)", start))
    // Compare value zero equals memory: success, and x1 keeps its value.
    #expect(outcome.registers[1] == 0xAAAA)
    #expect(outcome.word(at: base) == 5 && outcome.word(at: base + 8) == 6)
    let x1Written = outcome.with(register: 1, 0)
    let verdict = try spec.check("amocas.q zero, a2, (a0)", start, x1Written)
    #expect(verdict.names(.casRdPairX0Discards), "\(verdict)")
  }

  @Test func rv32DoublePairAtX0() throws {
    let spec = SpecHarness("rv32ima_zacas")
    let start = spec.initial([a0: base, 1: 0x1234, a2: 0xAAAA_0001, a3: 0xBBBB_0002], words: [base: 0])
    let outcome = try #require(try spec.outcome("amocas.d zero, a2, (a0)", start))
    #expect(outcome.registers[1] == 0x1234)
    #expect(outcome.word(at: base) == 0xBBBB_0002_AAAA_0001)
    #expect(try spec.check("amocas.d zero, a2, (a0)", start, outcome.with(register: 1, 0)).names(.casRdPairX0Discards))
  }

  @Test func sourcePairAtX0ReadsZero() throws {
    let spec = SpecHarness()
    let start = spec.initial([a0: base, 1: 0x7777, a2: 9, a3: 0], words: [base: 9, base + 8: 0])
    let outcome = try #require(try spec.outcome("amocas.q a2, zero, (a0)", start))
    #expect(outcome.word(at: base) == 0 && outcome.word(at: base + 8) == 0)
    let x1Stored = outcome.with(word: 0x7777, at: base + 8)
    let verdict = try spec.check("amocas.q a2, zero, (a0)", start, x1Stored)
    #expect(verdict.names(.casRs2PairX0ReadsZero) || verdict.names(.casStoresOnSuccess), "\(verdict)")
    #expect(verdict != .conforms)
  }

  @Test func quadComparesBothHalves() throws {
    let spec = SpecHarness()
    let start = spec.initial([a0: base, a2: 1, a3: 2, 14: 3, 15: 4], words: [base: 1, base + 8: 99])
    let outcome = try #require(try spec.outcome("amocas.q a2, a4, (a0)", start))
    // Low halves equal, high halves differ: failure, and the pair receives both loaded halves.
    #expect(outcome.word(at: base) == 1 && outcome.word(at: base + 8) == 99)
    #expect(outcome.registers[a2] == 1 && outcome.registers[a3] == 99)
    let swappedHalves = outcome.with(register: a2, 99).with(register: a3, 1)
    #expect(try spec.check("amocas.q a2, a4, (a0)", start, swappedHalves).names(.casLoadsOldValue))
  }

  @Test func oddRegisterPairIsIllegalUnderSpike() throws {
    let spec = SpecHarness()
    let start = spec.initial([a0: base, a2: 1], words: [base: 0])
    let text = "amocas.q a1, a2, (a0)"
    let outcome = try #require(try spec.outcome(text, start))
    let bits = try spec.program(text)[0].encoded()
    #expect(outcome.trap == ConcreteTrap(cause: 2, tval: UInt64(bits), index: 0))
    let executed = outcome.with(trap: nil)
    let verdict = try spec.check(text, start, executed)
    #expect(verdict.names(.casOddPairReserved) || verdict.names("profile.spike.odd-pair"), "\(verdict)")
    // Permissive: a reserved encoding may do anything.
    #expect(try SpecHarness(profile: .permissive).check(text, start, executed) == .conforms)
  }

  @Test func rv32OddDoublePairIsIllegal() throws {
    let spec = SpecHarness("rv32ima_zacas")
    let start = spec.initial([a0: base], words: [base: 0])
    let outcome = try #require(try spec.outcome("amocas.d a2, a3, (a0)", start))
    #expect(outcome.trap?.cause == 2)
  }

  @Test func misalignedCauseDependsOnProfile() throws {
    let text = "amocas.w t0, t1, (a0)"
    let spike = SpecHarness()
    let start = spike.initial([a0: base + 2], words: [base: 0])
    let outcome = try #require(try spike.outcome(text, start))
    #expect(outcome.trap == ConcreteTrap(cause: 6, tval: base + 2, index: 0))
    let cause7 = outcome.with(trap: ConcreteTrap(cause: 7, tval: base + 2, index: 0))
    let verdict = try spike.check(text, start, cause7)
    #expect(verdict.names("profile.spike.misaligned-atomic"), "\(verdict)")
    #expect(try SpecHarness(profile: .permissive).check(text, start, cause7) == .conforms)
    #expect(try SpecHarness(profile: .accessFault).check(text, start, outcome) != .conforms)
    // With Zicclsm Spike reports access-fault instead.
    let zicclsm = SpecHarness("rv64ima_zacas_zicclsm")
    #expect(try zicclsm.check(text, start, cause7) == .conforms)
    let executed = outcome.with(trap: nil)
    #expect(try spike.check(text, start, executed).names(.casMisaligned))
  }

  @Test func zama16bIsAProfileChoice() throws {
    let text = "amocas.w t0, t1, (a0)"
    let spec = SpecHarness("rv64ima_zacas_zama16b", profile: .permissive)
    let start = spec.initial([a0: base + 4 + 2, t0: 0, t1: 0x55], words: [base: 0, base + 8: 0])
    // Inside one 16-byte granule: permissive allows executing it.
    let executed = start.with(word: 0x55 << 48, at: base).with(word: 0, at: base + 8)
    #expect(try spec.check(text, start, executed) == .conforms)
    // Spike's profile never applies Zama16b to amocas.
    let spike = SpecHarness("rv64ima_zacas_zama16b")
    #expect(try spike.check(text, start, executed) != .conforms)
  }

  @Test func readOnlyMemoryFaultsEvenWhenTheCompareFails() throws {
    let spec = SpecHarness()
    let ro = SpecHarness.readOnly
    let start = spec.initial([a0: ro, t0: 1, t1: 2], words: [ro: 5])
    let outcome = try #require(try spec.outcome("amocas.w t0, t1, (a0)", start))
    #expect(outcome.trap == ConcreteTrap(cause: 7, tval: ro, index: 0))
    #expect(outcome.registers[t0] == 1)
    let noFault = outcome.with(trap: nil).with(register: t0, 5)
    let verdict = try spec.check("amocas.w t0, t1, (a0)", start, noFault)
    #expect(verdict.names(.casNeedsWrite), "\(verdict)")
  }

  @Test func unmappedAddressFaults() throws {
    let spec = SpecHarness()
    let start = spec.initial([a0: 0x1000])
    let outcome = try #require(try spec.outcome("amocas.d t0, t1, (a0)", start))
    #expect(outcome.trap == ConcreteTrap(cause: 7, tval: 0x1000, index: 0))
  }

  @Test func rdEqualToRs1StoresToTheOriginalAddress() throws {
    let spec = SpecHarness()
    let start = spec.initial([a0: base + 8, a1: 0x77], words: [base + 8: base + 8])
    // Compare value is a0 itself, which equals memory: success, store 0x77 at the original address.
    let outcome = try #require(try spec.outcome("amocas.d a0, a1, (a0)", start))
    #expect(outcome.word(at: base + 8) == 0x77)
    #expect(outcome.registers[a0] == base + 8)
    let reread = start.with(register: a0, base + 8)
    #expect(try spec.check("amocas.d a0, a1, (a0)", start, reread) != .conforms)
  }

  @Test func instructionOutsideTheISAIsIllegal() throws {
    let spec = SpecHarness("rv64ima_zacas")
    let start = spec.initial([a0: base])
    let outcome = try #require(try spec.outcome("amocas.h t0, t1, (a0)", start))
    #expect(outcome.trap?.cause == 2)
    #expect(try spec.check("amocas.h t0, t1, (a0)", start, outcome.with(trap: nil)).names(.illegalInstruction))
  }

  @Test func programHaltsAtTheFirstTrap() throws {
    let spec = SpecHarness()
    let start = spec.initial([a0: base + 1, t1: 4])
    let text = "amocas.w t0, t1, (a0)\naddi t1, t1, 1"
    let outcome = try #require(try spec.outcome(text, start))
    #expect(outcome.registers[t1] == 4)
    #expect(try spec.check(text, start, outcome.with(register: t1, 5)).names(.haltsAtFirstTrap))
  }

  @Test func allOrderingFormsBehaveAlikeOnOneHart() throws {
    let spec = SpecHarness()
    let start = spec.initial([a0: base, t0: 7, t1: 9], words: [base: 7])
    let reference = try #require(try spec.outcome("amocas.w t0, t1, (a0)", start))
    for suffix in [".aq", ".rl", ".aqrl"] {
      #expect(try spec.check("amocas.w\(suffix) t0, t1, (a0)", start, reference) == .conforms)
    }
  }

  @Test func x0MustReadZero() throws {
    let spec = SpecHarness()
    let start = spec.initial([:])
    let outcome = try #require(try spec.outcome("addi zero, zero, 5", start))
    #expect(try spec.check("addi zero, zero, 5", start, outcome.with(register: 0, 5)).names(.x0IsZero))
  }

  @Test func unrelatedRegisterChangeIsCaught() throws {
    let spec = SpecHarness()
    let start = spec.initial([a0: base, t0: 1])
    let outcome = try #require(try spec.outcome("amocas.w t0, t1, (a0)", start))
    let verdict = try spec.check("amocas.w t0, t1, (a0)", start, outcome.with(register: 20, 1))
    #expect(verdict.names(.unwrittenPreserved), "\(verdict)")
  }
}
