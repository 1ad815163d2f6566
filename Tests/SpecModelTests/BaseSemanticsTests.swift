import Testing

@testable import SpecModel

/// Hand-computed results of the instructions around amocas.
@Suite struct BaseSemanticsTests {
  let base = SpecHarness.data

  @Test func integerComputation() throws {
    let spec = SpecHarness()
    let start = spec.initial([11: 0xFFFF_FFFF_FFFF_FFF0, 12: 3])
    let cases: [(String, UInt64)] = [
      ("add a0, a1, a2", 0xFFFF_FFFF_FFFF_FFF3),
      ("sub a0, a2, a1", 0x13),
      ("sra a0, a1, a2", 0xFFFF_FFFF_FFFF_FFFE),
      ("srl a0, a1, a2", 0x1FFF_FFFF_FFFF_FFFE),
      ("slt a0, a1, a2", 1),
      ("sltu a0, a1, a2", 0),
      ("addiw a0, a2, -4", 0xFFFF_FFFF_FFFF_FFFF),
      ("slliw a0, a2, 31", 0xFFFF_FFFF_8000_0000),
      ("lui a0, 0x80000", 0xFFFF_FFFF_8000_0000),
      ("auipc a0, 0x1", 0x8000_1000),
      ("div a0, a1, zero", 0xFFFF_FFFF_FFFF_FFFF),
      ("rem a0, a1, zero", 0xFFFF_FFFF_FFFF_FFF0),
      ("divu a0, a1, a2", 0x5555_5555_5555_5550),
      ("mulh a0, a1, a1", 0),
      ("mulhu a0, a1, a2", 2),
      ("divw a0, a1, zero", 0xFFFF_FFFF_FFFF_FFFF),
    ]
    for (text, expected) in cases {
      let outcome = try #require(try spec.outcome(text, start))
      #expect(outcome.registers[10] == expected, "\(text)")
      #expect(try spec.check(text, start, outcome.with(register: 10, expected &+ 1)) != .conforms, "\(text)")
    }
  }

  @Test func loadsExtendAndStoresWrite() throws {
    let spec = SpecHarness()
    let start = spec.initial([11: base, 12: 0x1234_5678_9ABC_DEF0], words: [base: 0x0000_0000_8000_80FF])
    #expect(try spec.outcome("lb a0, 0(a1)", start)?.registers[10] == 0xFFFF_FFFF_FFFF_FFFF)
    #expect(try spec.outcome("lbu a0, 0(a1)", start)?.registers[10] == 0xFF)
    #expect(try spec.outcome("lh a0, 0(a1)", start)?.registers[10] == 0xFFFF_FFFF_FFFF_80FF)
    #expect(try spec.outcome("lw a0, 0(a1)", start)?.registers[10] == 0xFFFF_FFFF_8000_80FF)
    #expect(try spec.outcome("lwu a0, 0(a1)", start)?.registers[10] == 0x8000_80FF)
    let stored = try #require(try spec.outcome("sh a2, 2(a1)", start))
    #expect(stored.word(at: base) == 0x0000_0000_DEF0_80FF)
    #expect(try spec.check("sh a2, 2(a1)", start, stored.with(word: 0x8000_80FF, at: base)).names(.storeWritesMemory))
    let misaligned = try #require(try spec.outcome("lw a0, 2(a1)", start))
    #expect(misaligned.trap == ConcreteTrap(cause: 4, tval: base + 2, index: 0))
    let readOnlyStore = try #require(try spec.outcome("sw a2, 0(a1)", start.with(register: 11, SpecHarness.readOnly)))
    #expect(readOnlyStore.trap?.cause == 7)
  }

  @Test func loadReservedStoreConditional() throws {
    let spec = SpecHarness()
    let start = spec.initial([10: base, 12: 0x99], words: [base: 5])
    let pair = "lr.d t0, (a0)\nsc.d t1, a2, (a0)"
    let success = try #require(try spec.outcome(pair, start))
    #expect(success.registers[5] == 5 && success.registers[6] == 0 && success.word(at: base) == 0x99)
    #expect(try spec.check(pair, start, success.with(register: 6, 1)) != .conforms)
    // Under the permissive profile an SC may fail although the reservation holds.
    let spurious = success.with(register: 6, 1).with(word: 5, at: base)
    #expect(try SpecHarness(profile: .permissive).check(pair, start, spurious) == .conforms)
    let alone = try #require(try spec.outcome("sc.d t1, a2, (a0)", start))
    #expect(alone.registers[6] == 1 && alone.word(at: base) == 5)
    let storedAnyway = alone.with(register: 6, 0).with(word: 0x99, at: base)
    #expect(try spec.check("sc.d t1, a2, (a0)", start, storedAnyway).names(.scResultCode))
  }

  @Test func amoOperations() throws {
    let spec = SpecHarness()
    let start = spec.initial([10: base, 12: 0xFFFF_FFFF_FFFF_FFFE], words: [base: 3])
    let cases: [(String, UInt64)] = [
      ("amoadd.d t0, a2, (a0)", 1), ("amomin.d t0, a2, (a0)", 0xFFFF_FFFF_FFFF_FFFE),
      ("amominu.d t0, a2, (a0)", 3), ("amoswap.d t0, a2, (a0)", 0xFFFF_FFFF_FFFF_FFFE),
      ("amoxor.d t0, a2, (a0)", 0xFFFF_FFFF_FFFF_FFFD),
    ]
    for (text, stored) in cases {
      let outcome = try #require(try spec.outcome(text, start))
      #expect(outcome.registers[5] == 3 && outcome.word(at: base) == stored, "\(text)")
      let wrong = outcome.with(word: stored &+ 1, at: base)
      #expect(try spec.check(text, start, wrong).names(.amoStore), "\(text)")
    }
  }

  @Test func branchesForkPaths() throws {
    let spec = SpecHarness()
    let text = "beq a0, a1, 8\naddi a2, a2, 1\naddi a3, a3, 1"
    let equal = try #require(try spec.outcome(text, spec.initial([10: 4, 11: 4])))
    #expect(equal.registers[12] == 0 && equal.registers[13] == 1)
    let different = try #require(try spec.outcome(text, spec.initial([10: 4, 11: 5])))
    #expect(different.registers[12] == 1 && different.registers[13] == 1)
  }
}
