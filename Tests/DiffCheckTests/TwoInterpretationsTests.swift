import Foundation
import Testing

@testable import DiffCheck
@testable import SpecModel

/// The concrete interpretation of the spec against the Z3 relation: both must judge every
/// (program, initial state, observed state) the same way.
@Suite struct TwoInterpretationsTests {
  /// One chunk of the random audit: programs of seed 11, prepared by the concrete oracle, run on the
  /// built-in emulator with and without injected bugs, judged by both interpretations.
  static func audit(isa: String, chunk: Int, programs: Int) throws -> (agreed: Int, violations: Int, fallbacks: Int) {
    let parsed = try ISAString(parsing: isa)
    let configuration = MachineConfiguration(isa: parsed, profile: .spike)
    let generator = ProgramGenerator(isa: parsed, length: 5)
    let oracle = Oracle(configuration: configuration)
    let executor = ConcreteExecutor(configuration: configuration)
    let relations = RelationPool(configuration: configuration)
    let emulators = [BuiltinEmulator()] + Mutant.allCases.map { BuiltinEmulator(mutant: $0) }
    var (agreed, violations, fallbacks) = (0, 0, 0)
    for index in (chunk * programs)..<((chunk + 1) * programs) {
      let emulator = emulators[index % emulators.count]
      let (prepared, outcome) = try Self.prepareAndRun(seed: 11, index, oracle, generator, emulator, configuration)
      guard let observed = outcome else {
        Issue.record("emulator failed on program \(index)")
        continue
      }
      let concrete = executor.judge(prepared.program, initial: prepared.initial, observed: observed)
      let relation = try relations.shared().check(prepared.program, initial: prepared.initial, observed: observed)
      switch (concrete, relation) {
      case (.allowed, .conforms): agreed += 1
      case (.notAllowed, .violation):
        agreed += 1
        violations += 1
      case (.undecided, _): fallbacks += 1
      default:
        let listing = prepared.program.map(\.assembly).joined(separator: "\n")
        Issue.record("program \(index) on \(emulator.name): concrete \(concrete), relation \(relation)\n\(listing)")
      }
    }
    return (agreed, violations, fallbacks)
  }

  /// Program `index` of campaign seed `seed`, prepared by the oracle and run on `emulator`: the
  /// observed state, or nil when the emulator did not finish it.
  static func prepareAndRun(
    seed: UInt64, _ index: Int, _ oracle: Oracle, _ generator: ProgramGenerator, _ emulator: BuiltinEmulator,
    _ configuration: MachineConfiguration
  ) throws -> (PreparedCase, ConcreteState?) {
    var random = SeededRandom(seed: CampaignOptions.programSeed(seed, index))
    let prepared = oracle.prepare(generator.generate(&random), &random)
    let testCase = EmulatorCase(
      isa: configuration.isa, words: try prepared.program.map { try $0.encoded() }, initial: prepared.initial,
      memoryMap: configuration.memoryMap)
    guard case .finished(let observed) = emulator.run([testCase])[0] else { return (prepared, nil) }
    return (prepared, observed)
  }

  /// 20,000 random pairs in all: 10 chunks of 1,000 per XLEN.
  @Test(arguments: 0..<10)
  func interpretationsAgreeOnRandomPrograms(chunk: Int) throws {
    for isa in ["rv64ima_zacas_zabha", "rv32ima_zacas_zabha"] {
      let (agreed, violations, fallbacks) = try Self.audit(isa: isa, chunk: chunk, programs: 1_000)
      #expect(agreed + fallbacks == 1_000)
      // The audit must see both verdicts, or it shows nothing.
      #expect(violations > 50 && violations < 950, "\(isa): \(violations) violations")
    }
  }

  /// Every corpus case: both interpretations accept what the emulator does (or reject it where the
  /// case expects a violation), and both reject every state the case names as wrong.
  @Test(arguments: CorpusReplayTests.files.map(\.lastPathComponent))
  func interpretationsAgreeOnCorpusCase(name: String) throws {
    let file = try #require(CorpusReplayTests.files.first { $0.lastPathComponent == name })
    let testCase = try CorpusReplayTests.load(file)
    let configuration = MachineConfiguration(
      isa: testCase.isa, profile: testCase.profile, memoryMap: testCase.map.memoryMap(xlen: testCase.isa.xlen))
    let executor = ConcreteExecutor(configuration: configuration)
    let relation = ConformanceChecker(z3: Z3Context(), configuration: configuration)
    let emulatorCase = try testCase.emulatorCase()
    let emulator = BuiltinEmulator(mutant: testCase.mutant)
    guard case .finished(let observed) = emulator.run([emulatorCase])[0] else {
      Issue.record("\(name): the emulator failed")
      return
    }
    let initial = emulatorCase.initial
    var states = [observed]
    for (component, _) in testCase.rejections { states.append(Replayer.apply(component, to: observed)) }
    for state in states {
      let concrete = executor.judge(testCase.program, initial: initial, observed: state)
      let verdict = try relation.check(testCase.program, initial: initial, observed: state)
      switch (concrete, verdict) {
      case (.allowed, .conforms), (.notAllowed, .violation), (.undecided, _): break
      default: Issue.record("\(name): concrete \(concrete), relation \(verdict)")
      }
    }
  }

  /// The concrete judge rejects a changed register, memory byte or trap record.
  @Test func concreteJudgeRejectsEveryWrongPart() throws {
    let isa = try ISAString(parsing: "rv64ima_zacas")
    let configuration = MachineConfiguration(isa: isa, profile: .spike)
    let program = try Assembler.assemble("amocas.d t0, t1, (a0)\naddi a1, t0, 1")
    var initial = ConcreteState.zeroed(configuration.memoryMap)
    initial.registers[10] = 0x8001_0000
    initial.registers[6] = 9
    let executor = ConcreteExecutor(configuration: configuration)
    let outcome = executor.firstRun(program, initial: initial).final
    #expect(executor.judge(program, initial: initial, observed: outcome) == .allowed)
    var wrongRegister = outcome
    wrongRegister.registers[11] ^= 1
    var wrongMemory = outcome
    wrongMemory.memory[0x8001_0000] = 1
    var wrongTrap = outcome
    wrongTrap.trap = ConcreteTrap(cause: 7, tval: 0x8001_0000, index: 0)
    var wrongZero = outcome
    wrongZero.registers[0] = 5
    for wrong in [wrongRegister, wrongMemory, wrongTrap, wrongZero] {
      guard case .notAllowed = executor.judge(program, initial: initial, observed: wrong) else {
        Issue.record("a wrong outcome was allowed")
        continue
      }
    }
    // The success stored the swap value (compare 0 == memory 0).
    #expect(outcome.word(0x8001_0000) == 9)
  }

  /// A reserved encoding that may do anything is left to the relation, never passed by default.
  @Test func reservedOutcomeGoesToTheRelation() throws {
    let isa = try ISAString(parsing: "rv64ima_zacas")
    let configuration = MachineConfiguration(isa: isa, profile: .permissive)
    let program = try Assembler.assemble("amocas.q a1, a2, (a0)")
    var initial = ConcreteState.zeroed(configuration.memoryMap)
    initial.registers[10] = 0x8001_0000
    var observed = initial
    observed.registers[5] = 1234
    let checker = SpecChecker(configuration: configuration)
    let result = try checker.check(
      program, initial: initial, observed: observed,
      relation: { ConformanceChecker(z3: Z3Context(), configuration: configuration) },
      explain: { ConformanceChecker(z3: Z3Context(), configuration: configuration) })
    #expect(result.route != .concrete)
    #expect(result.verdict == .conforms)
  }

  /// When the two interpretations disagree the checker says so: here the relation is built for a
  /// profile that raises access-fault where the concrete side raises address-misaligned.
  @Test func disagreementIsReported() throws {
    let isa = try ISAString(parsing: "rv64ima_zacas")
    let spike = MachineConfiguration(isa: isa, profile: .spike)
    let other = MachineConfiguration(isa: isa, profile: .accessFault)
    let program = try Assembler.assemble("amocas.w t0, t1, (a0)")
    var initial = ConcreteState.zeroed(spike.memoryMap)
    initial.registers[10] = 0x8001_0002
    let observed = try #require(
      {
        if case .finished(let state) = BuiltinEmulator().run([
          EmulatorCase(
            isa: isa, words: try program.map { try $0.encoded() }, initial: initial, memoryMap: spike.memoryMap)
        ])[0] {
          return state
        } else {
          return nil
        }
      }())
    let checker = SpecChecker(configuration: spike)
    let wrong = { ConformanceChecker(z3: Z3Context(), configuration: other) }
    let audited = try checker.check(
      program, initial: initial, observed: observed, crossCheck: true, relation: wrong, explain: wrong)
    #expect(audited.disagreement != nil)
    let plain = try checker.check(program, initial: initial, observed: observed, relation: wrong, explain: wrong)
    #expect(plain.disagreement == nil && plain.route == .concrete)
  }

  /// Checking compares the preparation's own run of the spec when it is the only allowed outcome.
  /// That shortcut must judge every observed state exactly as a fresh run does: the correct
  /// emulator's and every mutant's, so both verdicts and every difference list are compared.
  @Test(arguments: ["rv64ima_zacas_zabha", "rv32ima_zacas_zabha"])
  func preparedRunJudgesAsAFreshRun(isa: String) throws {
    let parsed = try ISAString(parsing: isa)
    let configuration = MachineConfiguration(isa: parsed, profile: .spike)
    let generator = ProgramGenerator(isa: parsed, length: 12)
    let oracle = Oracle(configuration: configuration)
    let executor = ConcreteExecutor(configuration: configuration)
    let emulators = [BuiltinEmulator()] + Mutant.allCases.map { BuiltinEmulator(mutant: $0) }
    var (shortcuts, rejected) = (0, 0)
    for index in 0..<600 {
      let emulator = emulators[index % emulators.count]
      let (prepared, outcome) = try Self.prepareAndRun(seed: 17, index, oracle, generator, emulator, configuration)
      guard let observed = outcome else { continue }
      let fresh = executor.judge(prepared.program, initial: prepared.initial, observed: observed)
      let shortcut = executor.judge(
        prepared.program, initial: prepared.initial, observed: observed, onlyOutcome: prepared.specRun)
      #expect(fresh == shortcut, "program \(index) on \(emulator.name)")
      if prepared.specRun != nil { shortcuts += 1 }
      if case .notAllowed = fresh { rejected += 1 }
    }
    // Both verdicts are exercised, and the shortcut is what most programs take.
    #expect(shortcuts > 500, "\(shortcuts) of 600 programs kept their run")
    #expect(rejected > 30 && rejected < 570, "\(rejected) rejected")
  }

  /// Programs of `seed` prepared for `isa`, with the executor of their configuration.
  static func preparedPrograms(isa: String, length: Int, seed: UInt64, count: Int) throws -> (
    executor: ConcreteExecutor, programs: [PreparedCase]
  ) {
    let parsed = try ISAString(parsing: isa)
    let configuration = MachineConfiguration(isa: parsed, profile: .spike)
    let generator = ProgramGenerator(isa: parsed, length: length)
    let oracle = Oracle(configuration: configuration)
    let programs = (0..<count).map { index in
      var random = SeededRandom(seed: CampaignOptions.programSeed(seed, index))
      return oracle.prepare(generator.generate(&random), &random)
    }
    return (ConcreteExecutor(configuration: configuration), programs)
  }

  /// Whether two runs end in the same state: registers, memory, trap, and who wrote each.
  static func sameState(_ left: ConcreteExecutor.Run, _ right: ConcreteExecutor.Run) -> Bool {
    left.registers == right.registers && left.registerWriter == right.registerWriter && left.trap == right.trap
      && left.memory.bytes == right.memory.bytes
      && left.memory.regions.map(\.writers) == right.memory.regions.map(\.writers)
  }

  /// Preparing patches targets during the run and does again, from memos, the steps that read
  /// what they read before: the run it keeps must be the run made afresh from the state it
  /// prepared, event for event and byte for byte, writers included.
  @Test(arguments: ["rv64ima_zacas_zabha", "rv32ima_zacas_zabha"])
  func preparedRunIsAFreshRun(isa: String) throws {
    let (executor, programs) = try Self.preparedPrograms(isa: isa, length: 32, seed: 29, count: 400)
    var (kept, patched) = (0, 0)
    for (index, prepared) in programs.enumerated() {
      patched += prepared.patches
      guard let run = prepared.specRun else { continue }
      kept += 1
      let fresh = executor.firstRun(prepared.program, initial: prepared.initial)
      #expect(Self.sameState(run, fresh), "program \(index)")
      // The prepared run also has an event for each step it observed.
      #expect(run.events.filter { $0.success != nil || $0.trapCause != nil } == fresh.events, "program \(index)")
    }
    #expect(kept > 250 && patched > 1_000, "\(kept) runs kept, \(patched) patches")
  }

  /// Triage judges every prefix of a violating program against one run's intermediate states:
  /// each must be the run of that prefix made on its own, trap and writers included.
  @Test func prefixOutcomesAreThePrefixesOwnRuns() throws {
    let (executor, programs) = try Self.preparedPrograms(
      isa: "rv64ima_zacas_zabha", length: 16, seed: 31, count: 150)
    var (compared, trapped) = (0, 0)
    for (index, prepared) in programs.enumerated() {
      guard let outcomes = executor.prefixOutcomes(prepared.program, initial: prepared.initial) else { continue }
      #expect(outcomes.count == prepared.program.count + 1)
      for length in 0...prepared.program.count {
        let own = executor.firstRun(Array(prepared.program.prefix(length)), initial: prepared.initial)
        #expect(Self.sameState(own, outcomes[length]), "program \(index), prefix \(length)")
        compared += 1
        if own.trap != nil { trapped += 1 }
      }
    }
    #expect(compared > 1_500 && trapped > 50, "\(compared) prefixes, \(trapped) trapped")
  }

  /// A run that met a choice point is one of several allowed outcomes: it is never taken as the
  /// only one, so an outcome along another path still conforms.
  @Test func runWithChoicesIsNotTheOnlyOutcome() throws {
    let configuration = MachineConfiguration(isa: try ISAString(parsing: "rv64ima_zacas"), profile: .permissive)
    let executor = ConcreteExecutor(configuration: configuration)
    let program = try Assembler.assemble("amocas.w t0, t1, (a0)")
    let data = configuration.memoryMap.regions[0].base
    var registers = [UInt64](repeating: 0, count: 32)
    registers[10] = data + 2
    let initial = ConcreteState(registers: registers, memory: ByteMap(base: data, bytes: Array(repeating: 0, count: 8)))
    let first = executor.firstRun(program, initial: initial)
    #expect(first.openChoices > 0 && !first.isOnlyOutcome)
    // The first path raises one misaligned cause; the other cause is allowed too.
    let firstCause = try #require(first.trap?.cause)
    var other = first.final
    other.trap = ConcreteTrap(cause: firstCause == 6 ? 7 : 6, tval: data + 2, index: 0)
    #expect(executor.judge(program, initial: initial, observed: other, onlyOutcome: first) == .allowed)
    // A wrong cause is still rejected.
    other.trap = ConcreteTrap(cause: 5, tval: data + 2, index: 0)
    #expect(executor.judge(program, initial: initial, observed: other, onlyOutcome: first) != .allowed)
    // The run's own end is allowed without another run, and so is every allowed end.
    #expect(executor.judge(program, initial: initial, observed: first.final, onlyOutcome: first) == .allowed)
  }

  /// A run that broke a profile constraint is no allowed outcome: an observed state equal to its
  /// end is judged as a fresh judgement does, not taken from it.
  @Test func prunedRunIsNeverTakenAsAllowed() throws {
    let onlyZero = Profile.spike.changing("-zero-tval", illegalTval: [.zero])
    // amocas outside the ISA is illegal; its first path puts the instruction in mtval, which the
    // profile forbids.
    let configuration = MachineConfiguration(isa: try ISAString(parsing: "rv64ima"), profile: onlyZero)
    let executor = ConcreteExecutor(configuration: configuration)
    let program = try Assembler.assemble("amocas.w t0, t1, (a0)")
    let initial = ConcreteState(registers: [UInt64](repeating: 0, count: 32), memory: ByteMap())
    let memory = ConcreteMemory(map: configuration.memoryMap, initial: initial.memory)
    let (pruned, _) = executor.run(program, initial: initial, memory: memory, cursor: ChoiceCursor())
    #expect(pruned.prunedBy != nil && pruned.trap?.cause == 2 && pruned.trap?.tval != 0)
    #expect(executor.judge(program, initial: initial, observed: pruned.final, onlyOutcome: pruned) != .allowed)
    #expect(executor.judge(program, initial: initial, observed: pruned.final) != .allowed)
    // The allowed path, mtval zero, is judged allowed either way.
    let allowed = executor.firstRun(program, initial: initial)
    #expect(allowed.prunedBy == nil && allowed.trap?.tval == 0)
    #expect(executor.judge(program, initial: initial, observed: allowed.final, onlyOutcome: allowed) == .allowed)
  }
}
