import Testing

@testable import DiffCheck
@testable import SpecModel

@Suite struct SeededRandomTests {
  @Test func aSeedGivesTheSameSequenceEverywhere() {
    // Golden values: xoshiro256** seeded by SplitMix64 from 1. A change here changes every campaign.
    var random = SeededRandom(seed: 1)
    let first = (0..<3).map { _ in random.next() }
    var again = SeededRandom(seed: 1)
    #expect((0..<3).map { _ in again.next() } == first)
    #expect(first == SeededRandomTests.golden)
    var other = SeededRandom(seed: 2)
    #expect(other.next() != first[0])
  }

  // Checked against an independent implementation of the published algorithm.
  static let golden: [UInt64] = [0xB3F2_AF6D_0FC7_10C5, 0x853B_5596_4736_4CEA, 0x92F8_9756_082A_4514]

  /// The draw of the division formula: the first value below 2^64 - 1 less its remainder, modulo
  /// `bound`.
  static func divisionDraw(_ reference: inout SeededRandom, below bound: UInt64) -> UInt64 {
    while true {
      let value = reference.next()
      if value < UInt64.max - UInt64.max % bound { return value % bound }
    }
  }

  /// Powers of two skip the divisions; the draws must stay those of the division formula, or every
  /// seed's programs would change.
  @Test func aPowerOfTwoBoundDrawsWhatTheDivisionWould() {
    for shift in UInt64(0)..<64 {
      let bound: UInt64 = 1 << shift
      #expect(0 &- bound == UInt64.max - UInt64.max % bound, "limit for 2^\(shift)")
      var random = SeededRandom(seed: 40 + shift)
      var reference = random
      for _ in 0..<100 {
        #expect(random.below(bound) == Self.divisionDraw(&reference, below: bound))
      }
    }
  }

  /// Other bounds skip working out the limit for a value below 2^64 - bound; the draws must stay
  /// those of the division formula. Among the bounds are large ones whose limit lies far above
  /// 2^64 - bound (a third and a half of 2^64), where a draw that stopped at 2^64 - bound would
  /// differ a third or half of the time.
  @Test func anyBoundDrawsWhatTheDivisionWould() {
    let bounds: [UInt64] = [
      3, 7, 100, (1 << 32) + 5, UInt64.max / 3, UInt64.max / 3 + 1, UInt64.max / 2, (1 << 63) + 1,
    ]
    for (number, bound) in bounds.enumerated() {
      var random = SeededRandom(seed: 90 + UInt64(number))
      var reference = random
      for _ in 0..<200 {
        #expect(random.below(bound) == Self.divisionDraw(&reference, below: bound), "bound \(bound)")
      }
    }
  }

  /// `below` is inlined, so a bound written where it is called is folded into the draw; such a
  /// draw must still be the division formula's, rejections included.
  @Test func aBoundKnownWhereItIsCalledDrawsWhatTheDivisionWould() {
    var random = SeededRandom(seed: 77)
    var reference = random
    for _ in 0..<300 {
      #expect(random.below(31) == Self.divisionDraw(&reference, below: 31))
      #expect(random.int(-2...4) == -2 + Int(Self.divisionDraw(&reference, below: 7)))
      #expect(random.below(UInt64.max / 3 + 1) == Self.divisionDraw(&reference, below: UInt64.max / 3 + 1))
      #expect(random.below(1 << 63) == Self.divisionDraw(&reference, below: 1 << 63))
    }
  }

  @Test func boundedDrawsStayInRange() {
    var random = SeededRandom(seed: 9)
    for bound in [1, 2, 3, 7, 100] as [UInt64] {
      for _ in 0..<200 { #expect(random.below(bound) < bound) }
    }
  }
}

@Suite struct GeneratorTests {
  /// The table of kinds by roll draws what a walk through the weights draws, from the same draws;
  /// a total too large to tabulate has no table.
  @Test func kindsByRollDrawWhatTheWeightsDraw() {
    typealias Kind = ProgramGenerator.Kind
    let tables: [[(Kind, Int)]] = [
      [(.amocas, 30), (.alu, 20), (.load, 10), (.store, 10), (.lrsc, 5), (.amo, 10), (.narrowAMO, 10)],
      [(.amocas, 0), (.alu, 1), (.load, 0), (.store, 3), (.lrsc, 0), (.amo, 0), (.narrowAMO, 2)],
      [(.amocas, 1), (.alu, 0), (.load, 0), (.store, 0), (.lrsc, 0), (.amo, 0), (.narrowAMO, 0)],
    ]
    for (number, table) in tables.enumerated() {
      let total = SeededRandom.total(table)
      let rolls = ProgramGenerator.byRoll(table, total: total)
      #expect(rolls.count == total)
      var random = SeededRandom(seed: 60 + UInt64(number))
      var reference = random
      for _ in 0..<500 {
        #expect(rolls[Int(random.below(UInt64(total)))] == reference.weighted(table, total: total), "table \(number)")
      }
    }
    #expect(ProgramGenerator.byRoll([(.amocas, 5000)], total: 5000).isEmpty)
    #expect(ProgramGenerator.byRoll([(.amocas, 0)], total: 0).isEmpty)
  }

  @Test(arguments: ["rv64ima_zacas_zabha", "rv32ima_zacas", "rv64ia_zacas", "rv32ima_zacas_zabha"])
  func neverEmitsWhatTheISALacks(isaText: String) throws {
    let isa = try ISAString(parsing: isaText)
    let generator = ProgramGenerator(isa: isa, length: 64)
    var random = SeededRandom(seed: 5)
    var seen: Set<String> = []
    for _ in 0..<50 {
      let program = generator.generate(&random)
      for instruction in program.instructions {
        #expect(isa.contains(instruction.form), "\(instruction) is not in \(isa)")
        seen.insert(instruction.mnemonic)
      }
      #expect(program.instructions.count <= 64)
    }
    // Every amocas form the ISA has shows up.
    for form in InstructionTable.forms(in: isa) where form.mnemonic.hasPrefix("amocas.") {
      #expect(seen.contains(form.mnemonic), "\(form.mnemonic) never generated for \(isa)")
    }
  }

  @Test func producesTheHardRegisterShapes() throws {
    let isa = try ISAString(parsing: "rv64ima_zacas")
    let generator = ProgramGenerator(isa: isa)
    var random = SeededRandom(seed: 11)
    var x0Pair = false
    var oddPair = false
    var rdIsRs1 = false
    var rdIsRs2 = false
    for _ in 0..<100 {
      for i in generator.generate(&random).instructions where i.mnemonic == "amocas.q" {
        x0Pair = x0Pair || i.rd == 0 || i.rs2 == 0
        oddPair = oddPair || i.rd % 2 == 1 || i.rs2 % 2 == 1
        rdIsRs1 = rdIsRs1 || i.rd == i.rs1 || i.rd + 1 == i.rs1
        rdIsRs2 = rdIsRs2 || (i.rd == i.rs2 && i.rd != 0)
      }
    }
    #expect(x0Pair && oddPair && rdIsRs1 && rdIsRs2)
  }

  @Test func weightsParseOrFailClearly() throws {
    let weights = try GeneratorWeights(parsing: "amocas=50,alu=0")
    #expect(weights.amocas == 50 && weights.alu == 0)
    #expect(throws: GeneratorError.self) { try GeneratorWeights(parsing: "frob=3") }
    #expect(throws: GeneratorError.self) { try GeneratorWeights(parsing: "amocas=-1") }
    #expect(throws: GeneratorError.self) {
      try GeneratorWeights(parsing: "amocas=0,alu=0,load=0,store=0,lrsc=0,amo=0,amobh=0")
    }
  }

  /// A zero weight means none of that kind, the trap-target amocas included: a trap target is then
  /// a byte or halfword AMO, and with no AMOs either there is none.
  @Test func aZeroAmocasWeightMeansNoAmocas() throws {
    let isa = try ISAString(parsing: "rv64ima_zacas_zabha")
    let generator = ProgramGenerator(isa: isa, weights: try GeneratorWeights(parsing: "amocas=0"))
    let neither = ProgramGenerator(isa: isa, weights: try GeneratorWeights(parsing: "amocas=0,amobh=0"))
    var trapAMOs = 0
    for index in 0..<300 {
      var random = SeededRandom(seed: CampaignOptions.programSeed(4, index))
      let program = generator.generate(&random)
      #expect(!program.instructions.contains { $0.mnemonic.hasPrefix("amocas.") })
      if let candidate = program.trapCandidate {
        #expect(Oracle.isNarrowAMO(program.instructions[candidate].form))
        trapAMOs += 1
      }
      var again = SeededRandom(seed: CampaignOptions.programSeed(4, index))
      #expect(neither.generate(&again).trapCandidate == nil)
    }
    #expect(trapAMOs > 0)
  }
}

@Suite struct CampaignTests {
  func options(_ isa: String, seed: UInt64 = 1, count: Int, length: Int = 16) throws -> CampaignOptions {
    CampaignOptions(seed: seed, count: count, length: length, isa: try ISAString(parsing: isa), profile: .spike)
  }

  @Test(arguments: ["rv64ima_zacas_zabha", "rv32ima_zacas_zabha"])
  func theBuiltInEmulatorConforms(isa: String) throws {
    let summary = try Campaign(options: options(isa, count: 12), emulator: BuiltinEmulator()).run()
    #expect(summary.findings.isEmpty, "\(summary.findings.map(\.rules))")
    #expect(summary.unknowns == 0)
    #expect(summary.programs + summary.unprepared == 12)
    #expect(summary.programs >= 10)
    let reached = summary.coverage.counts.keys.map(\.outcome)
    #expect(reached.contains(.success) && reached.contains(.failure))
    // Preparing is timed a batch at a time, the last batch included.
    #expect(summary.timing.preparing > .zero && summary.timing.emulating > .zero)
  }

  @Test func theSameSeedGivesTheSameCampaign() throws {
    let first = try Campaign(options: options("rv64ima_zacas_zabha", seed: 7, count: 6), emulator: BuiltinEmulator())
      .run()
    let second = try Campaign(options: options("rv64ima_zacas_zabha", seed: 7, count: 6), emulator: BuiltinEmulator())
      .run()
    #expect(first.coverage == second.coverage)
    #expect(first.infeasibleTargets == second.infeasibleTargets)
    var random = SeededRandom(seed: CampaignOptions.programSeed(7, 3))
    var again = SeededRandom(seed: CampaignOptions.programSeed(7, 3))
    let generator = ProgramGenerator(isa: try ISAString(parsing: "rv64ima_zacas_zabha"))
    #expect(generator.generate(&random).instructions == generator.generate(&again).instructions)
  }

  /// The campaign's coverage counts every program; an emulator's column counts only the programs
  /// that emulator ran to the end and had checked. With one emulator the two are kept in one
  /// tally while they agree: a program the emulator failed on still counts for the campaign.
  @Test func aProgramTheEmulatorFailsOnCountsForTheCampaignAlone() throws {
    /// The built-in emulator, failing on every third program of each batch.
    struct FailingSometimes: Emulator {
      let name = "builtin"
      func run(_ cases: [EmulatorCase]) -> [EmulatorOutcome] {
        zip(cases.indices, BuiltinEmulator().run(cases)).map { $0 % 3 == 1 ? .failed("gave up") : $1 }
      }
    }
    let options = try options("rv64ima_zacas_zabha", seed: 3, count: 30)
    let whole = try Campaign(options: options, emulator: BuiltinEmulator()).run()
    let failing = try Campaign(options: options, emulator: FailingSometimes()).run()
    #expect(failing.coverage == whole.coverage, "coverage comes from preparation, not from the emulator")
    #expect(whole.columns[0].coverage == whole.coverage.counts)
    let failed = failing.columns[0].failures
    #expect(failed >= 9 && failing.columns[0].checked == 30 - failed)
    let checkedMarks = failing.columns[0].coverage.values.reduce(0, +)
    let allMarks = failing.coverage.counts.values.reduce(0, +)
    #expect(checkedMarks > 0 && checkedMarks < allMarks, "the column counts the checked programs alone")
  }

  /// Every injected bug is caught within a bounded number of programs, and shrinks to a few
  /// instructions: the first fourteen within 80 programs of seed 1 (as they always were), the ones
  /// aimed at by near misses, upper bits and misaligned offset classes within 100.
  @Test(arguments: Mutant.allCases)
  func everyMutantIsCaught(mutant: Mutant) throws {
    let budget = Mutant.allCases.firstIndex(of: mutant).map { $0 < 14 ? 80 : 100 } ?? 80
    var campaign = try options("rv64ima_zacas_zabha", seed: 1, count: budget)
    campaign.stopAfterViolations = 1
    let summary = try Campaign(options: campaign, emulator: BuiltinEmulator(mutant: mutant)).run()
    let finding = try #require(summary.findings.first, "\(mutant.rawValue) not caught in \(summary.programs) programs")
    #expect(finding.reproducer.program.count <= 3, "\(finding.reproducer.text)")
    // The reproducer replays: on the mutant it violates the same rules.
    let problems = try Replayer(emulator: BuiltinEmulator()).replay(finding.reproducer).problems
    #expect(problems.isEmpty, "\(problems)")
  }
}

@Suite struct ShrinkerTests {
  @Test func dropsEverythingTheViolationDoesNotNeed() throws {
    let isa = try ISAString(parsing: "rv64ima_zacas")
    let configuration = MachineConfiguration(isa: isa, profile: .spike)
    let program = try Assembler.assemble(
      """
      addi a3, a3, 5
      add a4, a3, a3
      amocas.q zero, a2, (a0)
      xori a5, a4, 3
      """)
    var initial = ConcreteState.zeroed(configuration.memoryMap)
    initial.registers[10] = 0x8001_0000
    initial.registers[1] = 0x77
    initial.registers[12] = 3
    initial.registers[20] = 99
    let z3 = Z3Context()
    let checker = ConformanceChecker(z3: z3, configuration: configuration)
    let emulator = BuiltinEmulator(mutant: .x0PairWritesX1)
    let verdict = { (candidate: [Instruction], state: ConcreteState) throws -> Verdict? in
      let run = EmulatorCase(
        isa: isa, words: try candidate.map { try $0.encoded() }, initial: state, memoryMap: configuration.memoryMap)
      guard case .finished(let observed) = emulator.run([run])[0] else { return nil }
      return try checker.check(candidate, initial: state, observed: observed)
    }
    let shrinker = Shrinker(rules: ["zacas.rd-pair-x0-discards@2"], verdict: verdict)
    let shrunk = try shrinker.shrink(program, initial)
    #expect(shrunk.program.map(\.mnemonic) == ["amocas.q"])
    #expect(shrunk.initial.registers[20] == 0 && shrunk.initial.registers[12] == 0)
    #expect(shrunk.initial.registers[10] == 0x8001_0000)
    guard case .violation(let rules, _)? = try verdict(shrunk.program, shrunk.initial) else {
      Issue.record("the shrunk case no longer violates")
      return
    }
    #expect(rules.contains { $0.hasPrefix("zacas.rd-pair-x0-discards") })
  }

  /// A shrinker keeps only candidates its test accepts: here, those whose outcome the concrete
  /// interpretation rejects in a register, as the campaign shrinks before it asks the solver.
  @Test func keepsOnlyWhatItsTestAccepts() throws {
    let isa = try ISAString(parsing: "rv64ima_zacas")
    let configuration = MachineConfiguration(isa: isa, profile: .spike)
    let program = try Assembler.assemble(
      """
      addi a3, a3, 5
      amocas.q zero, a2, (a0)
      add a4, a3, a3
      """)
    var initial = ConcreteState.zeroed(configuration.memoryMap)
    initial.registers[10] = 0x8001_0000
    initial.registers[1] = 0x77
    initial.registers[12] = 3
    let executor = ConcreteExecutor(configuration: configuration)
    let emulator = BuiltinEmulator(mutant: .x0PairWritesX1)
    var asked = 0
    let rejectedInARegister = { (candidate: [Instruction], state: ConcreteState) throws -> Bool in
      asked += 1
      let run = EmulatorCase(
        isa: isa, words: try candidate.map { try $0.encoded() }, initial: state, memoryMap: configuration.memoryMap)
      guard case .finished(let observed) = emulator.run([run])[0],
        case .notAllowed(_, let differences) = executor.judge(candidate, initial: state, observed: observed)
      else { return false }
      return differences.contains { $0.hasPrefix("register") }
    }
    let shrunk = try Shrinker(keeps: rejectedInARegister).shrink(program, initial)
    #expect(shrunk.program.map(\.mnemonic) == ["amocas.q"])
    #expect(asked > 0)
    // A test that accepts nothing leaves the case as it was.
    let kept = try Shrinker(keeps: { _, _ in false }).shrink(program, initial)
    #expect(kept.program == program && kept.initial == initial)
  }

  /// A store that sets up a later compare cannot simply be dropped (the compare would fail and the
  /// bug would hide); folded into the initial state, it can.
  @Test func foldsLeadingInstructionsIntoTheInitialState() throws {
    let isa = try ISAString(parsing: "rv64ima_zacas")
    let configuration = MachineConfiguration(isa: isa, profile: .spike)
    let program = try Assembler.assemble(
      """
      sd t1, 8(a0)
      amocas.q a2, zero, (a0)
      """)
    var initial = ConcreteState.zeroed(configuration.memoryMap)
    initial.registers[10] = 0x8001_0000
    initial.registers[1] = 0x55
    initial.registers[6] = 0x1234
    initial.registers[13] = 0x1234
    let checker = ConformanceChecker(z3: Z3Context(), configuration: configuration)
    let emulator = BuiltinEmulator(mutant: .rs2PairX0ReadsX1)
    let rules = ["zacas.rs2-pair-x0-reads-zero@1"]
    var shrinker = Shrinker(rules: rules) { candidate, state in
      let run = EmulatorCase(
        isa: isa, words: try candidate.map { try $0.encoded() }, initial: state, memoryMap: configuration.memoryMap)
      guard case .finished(let observed) = emulator.run([run])[0] else { return nil }
      return try checker.check(candidate, initial: state, observed: observed)
    }
    let unfolded = try shrinker.shrink(program, initial)
    #expect(unfolded.program.count == 2)
    let executor = ConcreteExecutor(configuration: configuration)
    shrinker.afterPrefix = { program, state, count in
      let run = executor.firstRun(program, initial: state, stopBefore: count)
      return run.trap == nil ? run.final : nil
    }
    let folded = try shrinker.shrink(program, initial)
    #expect(folded.program.map(\.mnemonic) == ["amocas.q"])
    #expect(folded.initial.word(0x8001_0008) == 0x1234)
    let observed = try #require(
      {
        let run = EmulatorCase(
          isa: isa, words: try folded.program.map { try $0.encoded() }, initial: folded.initial,
          memoryMap: configuration.memoryMap)
        guard case .finished(let observed) = emulator.run([run])[0] else { return nil }
        return observed
      }() as ConcreteState?)
    guard case .violation(let found, _) = try checker.check(folded.program, initial: folded.initial, observed: observed)
    else {
      Issue.record("the folded case no longer violates")
      return
    }
    #expect(found.contains { $0.hasPrefix("zacas.rs2-pair-x0-reads-zero") })
  }
}

/// Violations are triaged before they are explained: the first few of each kind are explained and
/// shrunk, the rest are counted under the finding they repeat, and none is lost.
@Suite struct TriageTests {
  func campaign(_ mutant: Mutant, explainPerSignature: Int?) throws -> CampaignSummary {
    var options = CampaignOptions(
      seed: 1, count: 160, length: 16, isa: try ISAString(parsing: "rv64ima_zacas_zabha"), profile: .spike)
    options.shrink = false
    options.explainPerSignature = explainPerSignature
    return try Campaign(options: options, emulator: BuiltinEmulator(mutant: mutant)).run()
  }

  /// One systematic bug: a handful of explanations, every violating program still listed, and the
  /// same programs violating as when every one is explained.
  @Test(arguments: [Mutant.wordNotSignExtended, .x0PairWritesX1])
  func repeatsAreCountedNotExplained(mutant: Mutant) throws {
    let triaged = try campaign(mutant, explainPerSignature: 3)
    let everyOne = try campaign(mutant, explainPerSignature: nil)
    #expect(everyOne.repeats.isEmpty)
    #expect(triaged.findings.count <= 6, "\(triaged.findings.count) explained")
    #expect(!triaged.repeats.isEmpty)
    let violating = Set(triaged.findings.map(\.programIndex) + triaged.repeats.map(\.program))
    #expect(violating == Set(everyOne.findings.map(\.programIndex)))
    // Each repeat names an explained finding, and the signature says where the program went wrong.
    let explained = Set(triaged.findings.map(\.programIndex))
    for repeated in triaged.repeats {
      #expect(explained.contains(repeated.sameAs))
      #expect(repeated.signature.hasPrefix("after amocas."), "\(repeated.signature)")
    }
    #expect(triaged.columns[0].violations == everyOne.columns[0].violations)
  }

  /// The signature is where the program first goes wrong: the prefix that ends at the culprit.
  @Test func theCulpritIsTheFirstInstructionAfterWhichTheStateDiffers() throws {
    let isa = try ISAString(parsing: "rv64ima_zacas")
    let configuration = MachineConfiguration(isa: isa, profile: .spike)
    let program = try Assembler.assemble(
      """
      addi a3, a3, 5
      amocas.q zero, a2, (a0)
      add a4, ra, a3
      """)
    var initial = ConcreteState.zeroed(configuration.memoryMap)
    initial.registers[10] = 0x8001_0000
    // The pair's high half, which the mutant writes into x1.
    initial.memory[0x8001_0008] = 0x5A
    let prepared = PreparedCase(program: program, initial: initial, coverage: [], infeasibleTargets: 0, patches: 0)
    let campaign = Campaign(
      options: CampaignOptions(seed: 1, count: 1, length: 3, isa: isa, profile: .spike),
      emulator: BuiltinEmulator(mutant: .x0PairWritesX1))
    let checker = SpecChecker(configuration: configuration)
    #expect(
      campaign.culprit(BuiltinEmulator(mutant: .x0PairWritesX1), prepared, checker, configuration)?.signature
        == "after amocas.q: register")
    #expect(campaign.culprit(BuiltinEmulator(mutant: .x0PairWritesX1), prepared, checker, configuration)?.length == 2)
    // A conforming emulator shows no prefix going wrong.
    #expect(campaign.culprit(BuiltinEmulator(), prepared, checker, configuration) == nil)
  }

  func culpritSignature(
    _ mutant: Mutant?, _ source: String, registers: [Int: UInt64] = [:], memory: [UInt64: UInt8] = [:]
  ) throws -> String? {
    let isa = try ISAString(parsing: "rv64ima_zacas_zabha")
    let configuration = MachineConfiguration(isa: isa, profile: .spike)
    var initial = ConcreteState.zeroed(configuration.memoryMap)
    initial.registers[10] = 0x8001_0000
    for (number, value) in registers { initial.registers[number] = value }
    initial.memory[0x8001_0000] = 0x81
    for (address, byte) in memory { initial.memory[address] = byte }
    let program = try Assembler.assemble(source)
    let prepared = PreparedCase(program: program, initial: initial, coverage: [], infeasibleTargets: 0, patches: 0)
    let emulator = mutant.map { BuiltinEmulator(mutant: $0) } ?? BuiltinEmulator()
    let campaign = Campaign(
      options: CampaignOptions(seed: 1, count: 1, length: program.count, isa: isa, profile: .spike), emulator: emulator)
    let checker = SpecChecker(configuration: configuration)
    let scanned = campaign.culprit(emulator, prepared, checker, configuration)
    // Given the whole program's outcome (as the campaign gives it), a trap there may shorten the
    // search; the culprit must be the same.
    let words = try program.map { try $0.encoded() }
    let run = EmulatorCase(isa: isa, words: words, initial: initial, memoryMap: configuration.memoryMap)
    if case .finished(let whole) = emulator.run([run])[0] {
      let shortened = campaign.culprit(emulator, prepared, checker, configuration, observed: whole)
      #expect(shortened?.signature == scanned?.signature && shortened?.length == scanned?.length)
    }
    return scanned?.signature
  }

  /// x0 is never reported: damage to it shows at a later reader, whatever that reader is. The
  /// signature names the instruction that left x0 non-zero, so readers of every form count as one.
  @Test func x0DamageIsNamedByItsWriter() throws {
    for reader in ["add a6, zero, a3", "sb zero, 8(a0)", "amoswap.d a5, zero, (a0)"] {
      let source = "amocas.w zero, a2, (a0)\naddi a4, a4, 1\n" + reader
      let signature = try culpritSignature(.casX0ClobbersZero, source, registers: [12: 7, 13: 3])
      #expect(signature == "after amocas.w: x0 written", "\(reader)")
      #expect(try culpritSignature(nil, source, registers: [12: 7, 13: 3]) == nil)
    }
    // The failing input for the probe: an instruction that reads x0 and is itself wrong keeps
    // its own name, as no earlier instruction left x0 non-zero.
    #expect(
      try culpritSignature(
        .wordNotSignExtended, "addi a4, a4, 1\namocas.w a1, zero, (a0)", registers: [11: 0xFFFF_FFFF_8000_0081],
        memory: [0x8001_0003: 0x80]) == "after amocas.w: register")
  }

  /// A trap that differs names the departure alone: whether registers or memory differ with it
  /// depends on the data (what the instruction would have written), not on the bug.
  @Test func aDifferingTrapIsTheSignature() throws {
    let signature = try culpritSignature(.aqrlIllegal, "amocas.w.aqrl a1, a2, (a0)", registers: [11: 0x81, 12: 5])
    #expect(signature == "after amocas.w: trap none, observed cause 2 at amocas.w")
    // A trap that follows an earlier departure: the earlier instruction stays the culprit (the
    // zero-extended result the mutant leaves in a1 is then used as an address and faults).
    #expect(
      try culpritSignature(
        .wordNotSignExtended, "amocas.w a1, zero, (a0)\nld a3, 0(a1)", registers: [11: 0xFFFF_FFFF_8000_0081],
        memory: [0x8001_0003: 0x80]) == "after amocas.w: register")
    #expect(
      Campaign.signatureKinds(["register from amocas.w", "trap none, observed cause 2 at amocas.w"])
        == ["trap none, observed cause 2 at amocas.w"])
    #expect(Campaign.signatureKinds(["register from amocas.w", "memory from sd"]) == ["register", "memory"])
  }

  /// A finding is shrunk by the concrete interpretation before the relation explains it; what it
  /// reports must still be what the relation finds: every reproducer, replayed on the emulator,
  /// violates a rule it names, and is a few instructions long.
  @Test(arguments: [Mutant.swapStoredOnFailure, .casX0ClobbersZero])
  func shrunkBeforeExplainedStillViolatesWhatItNames(mutant: Mutant) throws {
    var options = CampaignOptions(
      seed: 1, count: 120, length: 16, isa: try ISAString(parsing: "rv64ima_zacas_zabha"), profile: .spike)
    options.shrink = true
    let summary = try Campaign(options: options, emulator: BuiltinEmulator(mutant: mutant)).run()
    #expect(!summary.findings.isEmpty)
    let configuration = MachineConfiguration(isa: options.isa, profile: .spike)
    let checker = ConformanceChecker(z3: Z3Context(), configuration: configuration)
    for finding in summary.findings {
      let program = finding.reproducer.program
      let initial = finding.reproducer.initialState(configuration.memoryMap)
      #expect(program.count <= 3, "\(program.map(\.assembly))")
      let run = EmulatorCase(
        isa: options.isa, words: try program.map { try $0.encoded() }, initial: initial,
        memoryMap: configuration.memoryMap)
      guard case .finished(let observed) = BuiltinEmulator(mutant: mutant).run([run])[0],
        case .violation(let rules, _) = try checker.check(program, initial: initial, observed: observed)
      else {
        Issue.record("program \(finding.programIndex)'s reproducer no longer violates")
        continue
      }
      // Unsat cores are not minimal, so two explanations may name different supersets of the cause.
      #expect(!ruleNames(finding.rules).isDisjoint(with: ruleNames(rules)), "program \(finding.programIndex)")
      #expect(!finding.rules.isEmpty)
    }
  }
}
