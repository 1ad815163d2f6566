import Testing

@testable import DiffCheck
@testable import SpecModel

/// How the oracle aims each amocas at its target, and when it gives a target up.
@Suite struct OracleAimingTests {
  /// An amocas.q with an odd rs2 is a reserved encoding, illegal under Spike's profile whatever the
  /// registers and memory hold. Its compare target is out of reach: once a run shows the trap, the
  /// target is dropped rather than patched and run again (two more patches and reruns before).
  @Test func aTargetThatTrapsWhateverItsValuesIsNotPatchedAgain() throws {
    let configuration = MachineConfiguration(isa: try ISAString(parsing: "rv64ima_zacas"), profile: .spike)
    #expect(configuration.profile.oddPair == [.illegalInstruction])
    let oracle = Oracle(configuration: configuration)
    let reserved = Instruction(InstructionTable.named("amocas.q"), rd: 20, rs1: 10, rs2: 11)
    let program = GeneratedProgram(instructions: [reserved], baseRegisters: [10], trapCandidate: nil)
    for seed in UInt64(0)..<20 {
      var random = SeededRandom(seed: seed)
      let prepared = oracle.prepare(program, &random)
      #expect(prepared.infeasibleTargets == 1)
      // At most the one made during the first run, before the step showed its trap.
      #expect(prepared.patches <= 1, "seed \(seed): \(prepared.patches) patches")
    }
  }

  /// An instruction whose form the ISA lacks is illegal in the run that preparing keeps, the
  /// first time its form is met and every time after (the answer is kept per form).
  @Test func aFormOutsideTheISAIsIllegalInThePreparedRun() throws {
    let configuration = MachineConfiguration(isa: try ISAString(parsing: "rv64ima_zacas"), profile: .spike)
    let oracle = Oracle(configuration: configuration)
    let inside = Instruction(InstructionTable.named("amocas.w"), rd: 5, rs1: 10, rs2: 6)
    let outside = Instruction(InstructionTable.named("amocas.b"), rd: 7, rs1: 10, rs2: 6)
    #expect(!configuration.isa.contains(outside.form))
    for (program, illegalAt) in [([inside], nil), ([inside, outside], 1), ([outside, inside], 0), ([inside], nil)] {
      var random = SeededRandom(seed: 3)
      let prepared = oracle.prepare(
        GeneratedProgram(instructions: program, baseRegisters: [10], trapCandidate: nil), &random)
      let run = try #require(prepared.specRun)
      if let illegalAt {
        #expect(run.trap?.cause == 2 && run.trap?.index == illegalAt, "\(program.map(\.assembly))")
      } else {
        #expect(run.trap == nil, "\(program.map(\.assembly))")
      }
    }
  }

  /// A rerun keeps the views of steps that read what they read before and were only noted then,
  /// without looking again: every prepared case (initial state, patches, marks, runs) is the one
  /// an oracle that looks at every step of every run makes.
  @Test func keptViewsPrepareWhatLookingAgainPrepares() throws {
    let isa = try ISAString(parsing: "rv64ima_zacas_zabha")
    let configuration = MachineConfiguration(isa: isa, profile: .spike)
    let keeping = Oracle(configuration: configuration)
    var looking = Oracle(configuration: configuration)
    looking.keepsQuietViews = false
    let generator = ProgramGenerator(isa: isa, length: 32)
    var reruns = 0
    for seed in UInt64(0)..<300 {
      var random = SeededRandom(seed: seed)
      let generated = generator.generate(&random)
      var again = random
      let kept = keeping.prepare(generated, &random)
      let looked = looking.prepare(generated, &again)
      #expect(kept.initial == looked.initial && kept.patches == looked.patches, "seed \(seed)")
      #expect(kept.marks == looked.marks && kept.infeasibleTargets == looked.infeasibleTargets, "seed \(seed)")
      #expect(kept.specRuns == looked.specRuns && kept.plans == looked.plans, "seed \(seed)")
      reruns += kept.specRuns - 1
    }
    #expect(reruns > 300, "the programs were run again often enough to keep views")
  }

  /// An initial register value is drawn without a branch on its random kind, but from the same
  /// draws and with the same result as drawing the kind and then the value for it.
  @Test func registerValuesAreDrawnAsTheirKindSays() throws {
    for xlen in ["rv64ima_zacas", "rv32ima_zacas"] {
      let oracle = Oracle(configuration: MachineConfiguration(isa: try ISAString(parsing: xlen), profile: .spike))
      let mask: UInt64 = oracle.xlen == 64 ? .max : 0xFFFF_FFFF
      var drawn = SeededRandom(seed: 11)
      var expected = drawn
      var kinds = Set<Int>()
      for _ in 0..<4000 {
        let kind = expected.int(0...3)
        kinds.insert(min(kind, 2))
        let value: UInt64
        switch kind {
        case 0: value = expected.below(16)
        case 1: value = (UInt64.max - expected.below(16)) & mask
        default: value = expected.next() & mask
        }
        #expect(oracle.randomRegisterValue(&drawn) == value, "\(xlen), kind \(kind)")
      }
      #expect(kinds == [0, 1, 2] && drawn.next() == expected.next())
    }
  }

  /// Prepares `program` (base register s0) under forty seeds, checking that each met every target
  /// and kept the run made afresh from the state it chose: how many spec runs each seed whose first
  /// run missed its target took (at least ten seeds do).
  static func specRunsWhenPatched(_ program: [Instruction]) throws -> Set<Int> {
    let configuration = MachineConfiguration(isa: try ISAString(parsing: "rv64ima_zacas"), profile: .spike)
    let oracle = Oracle(configuration: configuration)
    let executor = ConcreteExecutor(configuration: configuration)
    let generated = GeneratedProgram(instructions: program, baseRegisters: [8], trapCandidate: nil)
    var runs: [Int] = []
    for seed in UInt64(0)..<40 {
      var random = SeededRandom(seed: seed)
      let prepared = oracle.prepare(generated, &random)
      #expect(prepared.infeasibleTargets == 0, "seed \(seed)")
      let kept = try #require(prepared.specRun, "seed \(seed)")
      let fresh = executor.firstRun(program, initial: prepared.initial)
      #expect(TwoInterpretationsTests.sameState(kept, fresh), "seed \(seed)")
      if prepared.patches > 0 { runs.append(prepared.specRuns) }
    }
    #expect(runs.count >= 10, "\(runs.count) seeds patched")
    return Set(runs)
  }

  /// Prepares `program` (base register s0, RV64 with Zacas, Spike's profile) under forty seeds,
  /// handing each seed's case to `body`.
  static func prepareUnderSeeds(_ program: [Instruction], _ body: (UInt64, PreparedCase) -> Void) throws {
    let oracle = Oracle(
      configuration: MachineConfiguration(isa: try ISAString(parsing: "rv64ima_zacas"), profile: .spike))
    let generated = GeneratedProgram(instructions: program, baseRegisters: [8], trapCandidate: nil)
    for seed in UInt64(0)..<40 {
      var random = SeededRandom(seed: seed)
      body(seed, oracle.prepare(generated, &random))
    }
  }

  static func instruction(_ mnemonic: String, rd: Int = 0, rs1: Int = 0, rs2: Int = 0, offset: Int64 = 0)
    -> Instruction
  {
    Instruction(InstructionTable.named(mnemonic), rd: rd, rs1: rs1, rs2: rs2, immediate: offset)
  }

  /// The amocas's compare register (a2) was read before it, but only by a store that copied it to
  /// memory no step has read since, and its memory was read (so it cannot be set): the register
  /// changes during the run, with the bytes the store wrote, and no second run is needed.
  @Test func aRegisterOnlyCopiedToMemoryIsPatchedDuringTheRun() throws {
    let program = [
      Self.instruction("ld", rd: 14, rs1: 8), Self.instruction("sd", rs1: 8, rs2: 12, offset: 8),
      Self.instruction("amocas.d", rd: 12, rs1: 8, rs2: 13),
    ]
    #expect(try Self.specRunsWhenPatched(program) == [1])
  }

  /// The compared bytes were written by a store from a2, which only that store read, and the
  /// compare register (a3) was read by an add: the bytes change through a2 during the run.
  @Test func bytesCopiedFromARegisterOnlyTheStoreReadArePatchedDuringTheRun() throws {
    let program = [
      Self.instruction("add", rd: 15, rs1: 13, rs2: 13), Self.instruction("sd", rs1: 8, rs2: 12),
      Self.instruction("amocas.d", rd: 13, rs1: 8, rs2: 14),
    ]
    #expect(try Self.specRunsWhenPatched(program) == [1])
  }

  /// The same two programs with a load of the copied bytes before the amocas: the copy has been
  /// read, so changing it during the run would change the past. The patch waits for a second run.
  @Test func copiedBytesThatWereReadSinceWaitForAnotherRun() throws {
    let register = [
      Self.instruction("ld", rd: 14, rs1: 8), Self.instruction("sd", rs1: 8, rs2: 12, offset: 8),
      Self.instruction("ld", rd: 16, rs1: 8, offset: 8), Self.instruction("amocas.d", rd: 12, rs1: 8, rs2: 13),
    ]
    #expect(try Self.specRunsWhenPatched(register) == [2])
    let memory = [
      Self.instruction("add", rd: 15, rs1: 13, rs2: 13), Self.instruction("sd", rs1: 8, rs2: 12),
      Self.instruction("ld", rd: 16, rs1: 8), Self.instruction("amocas.d", rd: 13, rs1: 8, rs2: 14),
    ]
    #expect(try Self.specRunsWhenPatched(memory) == [2])
  }

  /// Two amocas on one doubleword, which a store wrote from a register an addi set, and whose
  /// compare registers an add read first: neither can be patched during the run as it stands, nor
  /// can their bytes be set. The first is patched anyway, as a guess, and the run ends there: the
  /// steps after a guess would run from values no initial state gives. The next run meets the
  /// first target and, where the second misses, guesses for it and ends before it; a third run
  /// checks both.
  static let chained = [
    Self.instruction("addi", rd: 18, offset: 5), Self.instruction("sd", rs1: 8, rs2: 18),
    Self.instruction("add", rd: 15, rs1: 12, rs2: 13), Self.instruction("amocas.d", rd: 12, rs1: 8, rs2: 14),
    Self.instruction("amocas.d", rd: 13, rs1: 8, rs2: 16),
  ]

  @Test func aGuessEndsItsRun() throws {
    let runs = try Self.specRunsWhenPatched(Self.chained)
    #expect(runs == [2, 3], "\(runs)")
  }

  /// The oracle counts the guesses whose target the next run still misses. A guess that changes
  /// only what the target reads is met by the run after it: the compared bytes, copied by a store
  /// from a register nothing else read, after a load read them. A guess through an amocas whose
  /// swap register is also its compare register (`amocas.d a0, a0`) is not: the new value changes
  /// whether that amocas stores at all, and when it made the bytes its success is undone.
  @Test func guessesTheNextRunMissesAgainAreCounted() throws {
    let configuration = MachineConfiguration(isa: try ISAString(parsing: "rv64ima_zacas"), profile: .spike)
    let oracle = Oracle(configuration: configuration)
    func guesses(_ program: [Instruction]) -> (made: Int, missedAgain: Int) {
      let generated = GeneratedProgram(instructions: program, baseRegisters: [8], trapCandidate: nil)
      var total = (made: 0, missedAgain: 0)
      for seed in UInt64(0)..<40 {
        var random = SeededRandom(seed: seed)
        let prepared = oracle.prepare(generated, &random)
        #expect(prepared.guessesMissedAgain <= prepared.endedRuns, "seed \(seed)")
        total.made += prepared.endedRuns
        total.missedAgain += prepared.guessesMissedAgain
      }
      return total
    }
    let met = guesses([
      Self.instruction("add", rd: 15, rs1: 13, rs2: 13), Self.instruction("sd", rs1: 8, rs2: 12),
      Self.instruction("ld", rd: 16, rs1: 8), Self.instruction("amocas.d", rd: 13, rs1: 8, rs2: 14),
    ])
    #expect(met.made >= 10 && met.missedAgain == 0, "\(met)")
    let undone = guesses([
      Self.instruction("add", rd: 15, rs1: 11, rs2: 11), Self.instruction("amocas.d", rd: 10, rs1: 8, rs2: 10),
      Self.instruction("ld", rd: 16, rs1: 8), Self.instruction("amocas.d", rd: 11, rs1: 8, rs2: 12),
    ])
    #expect(undone.made >= 10 && undone.missedAgain > 0, "\(undone)")
  }

  /// The first amocas compares a register an add wrote with bytes a store wrote from another add's
  /// result: no change to the initial state reaches either, so a success or near-miss target there
  /// is out of reach. The second amocas's target needs a guess (its compare register was read by
  /// an add, its bytes by a load), and so a second run. The first target is dropped in the run
  /// that found it out of reach, and not planned for again in the second: at most two plans for
  /// each target, one while the run was under way and one to guess.
  @Test func aTargetNoPatchReachesIsDroppedInTheRunThatFindsIt() throws {
    let program = [
      Self.instruction("add", rd: 12, rs1: 13, rs2: 14), Self.instruction("add", rd: 15, rs1: 13, rs2: 13),
      Self.instruction("sd", rs1: 8, rs2: 15), Self.instruction("amocas.d", rd: 12, rs1: 8, rs2: 16),
      Self.instruction("ld", rd: 5, rs1: 8, offset: 8), Self.instruction("add", rd: 6, rs1: 11, rs2: 11),
      Self.instruction("addi", rd: 9, rs1: 8, offset: 8), Self.instruction("amocas.d", rd: 11, rs1: 9, rs2: 17),
    ]
    var both = 0
    try Self.prepareUnderSeeds(program) { seed, prepared in
      #expect(prepared.plans <= 4, "seed \(seed): \(prepared.plans) plans in \(prepared.specRuns) runs")
      if prepared.infeasibleTargets == 1 && prepared.specRuns >= 2 { both += 1 }
    }
    #expect(both >= 5, "\(both) seeds dropped the first target and guessed for the second")
  }

  /// A target dropped on the way, which a patch made for a later target meets after all, is not
  /// counted out of reach. The first amocas compares bytes loaded from 16(s0) with bytes a store
  /// wrote from a copy of a4: no patch reaches either from its own step. The second amocas
  /// compares a4 with those same bytes at 16(s0), and its guess sets one to the other, so the
  /// first amocas succeeds in the run after. Where both aim at success, nothing is out of reach.
  @Test func aDroppedTargetTheLastRunMeetsIsNotCountedOutOfReach() throws {
    let program = [
      Self.instruction("ld", rd: 12, rs1: 8, offset: 16), Self.instruction("add", rd: 15, rs1: 14),
      Self.instruction("sd", rs1: 8, rs2: 15), Self.instruction("amocas.d", rd: 12, rs1: 8, rs2: 16),
      Self.instruction("addi", rd: 9, rs1: 8, offset: 16), Self.instruction("amocas.d", rd: 14, rs1: 9, rs2: 17),
    ]
    var metAfterAGuess = 0
    try Self.prepareUnderSeeds(program) { _, prepared in
      if prepared.infeasibleTargets == 0 && prepared.specRuns >= 2 { metAfterAGuess += 1 }
    }
    #expect(metAfterAGuess >= 10, "\(metAfterAGuess) seeds met both targets after a guess")
  }

  /// A run that guessed is never the one kept, even when it used the last round: the run after
  /// it makes no guesses, and is the run from the state the oracle hands out.
  @Test func theLastRunAllowedMakesNoGuess() throws {
    let configuration = MachineConfiguration(isa: try ISAString(parsing: "rv64ima_zacas"), profile: .spike)
    var oracle = Oracle(configuration: configuration)
    oracle.maxRounds = 1
    let executor = ConcreteExecutor(configuration: configuration)
    let generated = GeneratedProgram(instructions: Self.chained, baseRegisters: [8], trapCandidate: nil)
    var guessed = 0
    for seed in UInt64(0)..<40 {
      var random = SeededRandom(seed: seed)
      let prepared = oracle.prepare(generated, &random)
      let kept = try #require(prepared.specRun, "seed \(seed)")
      let fresh = executor.firstRun(Self.chained, initial: prepared.initial)
      #expect(TwoInterpretationsTests.sameState(kept, fresh), "seed \(seed)")
      #expect(prepared.specRuns <= 2, "seed \(seed)")
      if prepared.specRuns == 2 { guessed += 1 }
    }
    #expect(guessed >= 10, "\(guessed) seeds guessed")
  }

  /// An oracle keeps its step caches from one program to the next: what it remembered of one
  /// program's steps must not stand for another's. Two programs differ in one instruction that
  /// reads what the other's read; each kept run must be the run made afresh.
  @Test func aKeptCacheForgetsTheLastProgram() throws {
    let configuration = MachineConfiguration(isa: try ISAString(parsing: "rv64ima_zacas"), profile: .spike)
    let oracle = Oracle(configuration: configuration)
    let executor = ConcreteExecutor(configuration: configuration)
    // Lengths 2, 1, 2 and 3: a shorter program after a longer one uses part of the storage.
    for immediate in Int64(1)...4 {
      let program = Array(
        [
          Self.instruction("addi", rd: 11, rs1: 10, offset: immediate), Self.instruction("sd", rs1: 8, rs2: 11),
          Self.instruction("amocas.d", rd: 12, rs1: 8, rs2: 13),
        ].prefix(immediate == 2 ? 1 : immediate == 4 ? 3 : 2))
      let generated = GeneratedProgram(instructions: program, baseRegisters: [8], trapCandidate: nil)
      var random = SeededRandom(seed: 5)
      let prepared = oracle.prepare(generated, &random)
      let kept = try #require(prepared.specRun)
      let fresh = executor.firstRun(program, initial: prepared.initial)
      #expect(TwoInterpretationsTests.sameState(kept, fresh), "addi \(immediate)")
      #expect(kept.registers[11] == (prepared.initial.registers[10] &+ UInt64(immediate)))
    }
  }

  /// The campaign hands back the cases it is done with, and the oracle prepares later programs in
  /// their storage: each must be prepared exactly as a fresh oracle prepares it. A case still held
  /// elsewhere when handed back (here every third) keeps its initial memory and its kept run.
  @Test func recycledCasesChangeNoLaterPreparation() throws {
    let parsed = try ISAString(parsing: "rv64ima_zacas_zabha")
    let configuration = MachineConfiguration(isa: parsed, profile: .spike)
    let used = Oracle(configuration: configuration)
    let executor = ConcreteExecutor(configuration: configuration)
    let generator = ProgramGenerator(isa: parsed, length: 32)
    var held: [PreparedCase] = []
    var copies: [PreparedCase] = []
    for index in 0..<60 {
      var random = SeededRandom(seed: CampaignOptions.programSeed(43, index))
      let mine = Self.preparedAsAFreshOracleDoes(used, generator.generate(&random), &random, index)
      if index % 3 == 0 { copies.append(mine) }
      held.append(mine)
      // The campaign hands a batch back once the next one is prepared: here, two programs later.
      if held.count > 2 {
        var done = held.removeFirst()
        used.recycle(&done)
      }
    }
    #expect(copies.count == 20)
    for (position, copy) in copies.enumerated() {
      let run = try #require(copy.specRun, "copy \(position)")
      #expect(copy.initial.memory != ByteMap(), "copy \(position)")
      #expect(TwoInterpretationsTests.sameState(run, executor.firstRun(copy.program, initial: copy.initial)))
    }
  }

  /// An oracle that prepared other programs before prepares each exactly as a fresh one does:
  /// what it keeps between programs (caches, arrays, the memory image) carries nothing over.
  @Test(arguments: ["rv64ima_zacas_zabha", "rv32ima_zacas_zabha"])
  func aUsedOracleAgreesWithAFreshOne(isa: String) throws {
    let parsed = try ISAString(parsing: isa)
    let configuration = MachineConfiguration(isa: parsed, profile: .spike)
    let used = Oracle(configuration: configuration)
    for index in 0..<60 {
      // Lengths vary, so a program may use part of what a longer one left.
      let generator = ProgramGenerator(isa: parsed, length: 4 + (index * 7) % 29)
      var random = SeededRandom(seed: CampaignOptions.programSeed(41, index))
      _ = Self.preparedAsAFreshOracleDoes(used, generator.generate(&random), &random, index)
    }
  }

  /// `generated` prepared by `used`, after checking that a fresh oracle prepares it alike from the
  /// same generator state: initial state, marks, patches, runs and the kept run.
  static func preparedAsAFreshOracleDoes(
    _ used: Oracle, _ generated: GeneratedProgram, _ random: inout SeededRandom, _ index: Int
  ) -> PreparedCase {
    var again = random
    let mine = used.prepare(generated, &random)
    let theirs = Oracle(configuration: used.configuration).prepare(generated, &again)
    #expect(mine.initial == theirs.initial && mine.marks == theirs.marks, "program \(index)")
    #expect(mine.patches == theirs.patches && mine.specRuns == theirs.specRuns, "program \(index)")
    if let left = mine.specRun, let right = theirs.specRun {
      #expect(TwoInterpretationsTests.sameState(left, right), "program \(index)")
    } else {
      #expect(mine.specRun == nil && theirs.specRun == nil, "program \(index)")
    }
    return mine
  }
}
