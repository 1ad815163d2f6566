import Foundation
import Synchronization
import Testing

@testable import DiffCheck
@testable import SpecModel

/// Shards, resumed runs, parallel workers and the finding store.
@Suite struct NightlyCampaignTests {
  func options(count: Int, start: Int = 0) throws -> CampaignOptions {
    var options = CampaignOptions(
      seed: 9, count: count, length: 10, isa: try ISAString(parsing: "rv64ima_zacas_zabha"), profile: .spike)
    options.start = start
    options.batchSize = 4
    return options
  }

  @Test(arguments: [1, 2, 3, 7])
  func shardsAreDisjointAndCoverTheRange(parts: Int) throws {
    let options = try options(count: 50, start: 13)
    var seen: [Int] = []
    for index in 0..<parts {
      var campaign = ParallelCampaign(options: options, jobs: 1) { BuiltinEmulator() }
      campaign.shard = Shard(index: index, count: parts)
      let pending = campaign.pending
      #expect(campaign.pendingCount == pending.count)
      #expect(Set(pending).isDisjoint(with: seen))
      seen += pending
    }
    #expect(seen.sorted() == Array(13..<63))
  }

  /// The spec runs preparation made, and those a guess ended, are counted per program and added
  /// up whatever the workers: the sums of what preparing each program alone reports.
  @Test func specRunsAreEveryProgramsRuns() throws {
    let options = try options(count: 40)
    let generator = ProgramGenerator(isa: options.isa, length: options.length, weights: options.weights)
    let oracle = Oracle(
      configuration: MachineConfiguration(
        isa: options.isa, profile: options.profile, memoryMap: options.map.memoryMap(xlen: options.isa.xlen)))
    let alone = (0..<40).map { index in
      var random = SeededRandom(seed: CampaignOptions.programSeed(options.seed, index))
      let prepared = oracle.prepare(generator.generate(&random), &random)
      return (
        runs: prepared.specRuns, ended: prepared.endedRuns, missedAgain: prepared.guessesMissedAgain,
        plans: prepared.plans, patches: prepared.patches
      )
    }
    #expect(alone.allSatisfy { $0.runs >= 1 } && alone.contains { $0.runs > 1 })
    // A run a guess ended is followed by another, which the program's kept run is.
    #expect(alone.allSatisfy { $0.ended < $0.runs } && alone.contains { $0.ended > 0 })
    // Each guess ends a run; the run after sees whether it met its target.
    #expect(alone.allSatisfy { $0.missedAgain <= $0.ended } && alone.contains { $0.missedAgain > 0 })
    // Every patch comes from a plan; some plans fail.
    #expect(alone.allSatisfy { $0.patches <= $0.plans } && alone.contains { $0.patches < $0.plans })
    for jobs in [1, 2] {
      let result = try ParallelCampaign(options: options, jobs: jobs) { BuiltinEmulator() }.run()
      #expect(result.summary.specRuns == alone.map(\.runs).reduce(0, +), "\(jobs) jobs")
      #expect(result.summary.endedRuns == alone.map(\.ended).reduce(0, +), "\(jobs) jobs")
      #expect(result.summary.guessesMissedAgain == alone.map(\.missedAgain).reduce(0, +), "\(jobs) jobs")
      #expect(result.summary.plans == alone.map(\.plans).reduce(0, +), "\(jobs) jobs")
    }
  }

  /// With no aiming rounds the oracle runs each program once: no guesses, no rounds, only the
  /// patches made during that run. Fewer targets are met than with the rounds.
  @Test func noAimingRoundsMeansOneRunAProgram() throws {
    var options = try options(count: 40)
    let aimed = try Campaign(options: options, emulator: BuiltinEmulator()).run()
    options.aimingRounds = 0
    let once = try Campaign(options: options, emulator: BuiltinEmulator()).run()
    #expect(once.specRuns == 40 && once.endedRuns == 0 && once.guessesMissedAgain == 0)
    #expect(aimed.specRuns > 40 && once.infeasibleTargets > aimed.infeasibleTargets)
  }

  @Test func shardSyntaxIsChecked() {
    #expect(Shard(parsing: "2/8") == Shard(index: 2, count: 8))
    for bad in ["8/8", "-1/3", "1/0", "1", "a/b", "1/2/3"] { #expect(Shard(parsing: bad) == nil, "\(bad)") }
  }

  /// A run stopped after two batches, then resumed from its state, checks every program exactly
  /// once and ends with the totals of an uninterrupted run.
  @Test func resumeCoversExactlyTheProgramsNotDone() throws {
    var options = try options(count: 20)
    // Triage starts afresh in a resumed run (it explains a few of each kind again): compare with
    // every violation explained, so that the findings are the violating programs.
    options.explainPerSignature = nil
    let mutant = Mutant.wordNotSignExtended
    let whole = try ParallelCampaign(options: options, jobs: 1) { BuiltinEmulator(mutant: mutant) }.run()
    #expect(whole.completed)

    var state = CampaignState(options: options, emulator: "builtin", shard: .whole, weights: "")
    let lock = NSLock()
    nonisolated(unsafe) var shared = state
    var first = ParallelCampaign(options: options, jobs: 1) { BuiltinEmulator(mutant: mutant) }
    let stop = first.stop
    nonisolated(unsafe) var batches = 0
    first.onBatch = { indices, summary in
      lock.lock()
      defer { lock.unlock() }
      shared.add(indices, summary)
      batches += 1
      if batches == 2 { stop.request() }
    }
    let stopped = try first.run()
    #expect(!stopped.completed)
    state = shared
    #expect(state.done.count == 8)

    // Through the file, as --resume does.
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-state-\(UUID().uuidString).json")
    defer { try? FileManager.default.removeItem(at: file) }
    try state.save(file)
    var resumed = try CampaignState.load(file)
    #expect(resumed == state)
    var second = ParallelCampaign(options: options, jobs: 2) { BuiltinEmulator(mutant: mutant) }
    second.done = resumed.done
    #expect(Set(second.pending).isDisjoint(with: Set(resumed.done)))
    #expect(second.pending.count + resumed.done.count == 20)
    #expect(second.pendingCount == second.pending.count)
    let secondLock = NSLock()
    nonisolated(unsafe) var collected = resumed
    second.onBatch = { indices, summary in
      secondLock.lock()
      defer { secondLock.unlock() }
      collected.add(indices, summary)
    }
    #expect(try second.run().completed)
    resumed = collected
    #expect(resumed.done == IndexSet(integersIn: 0..<20))
    let total = try resumed.summary(options: options)
    #expect(total.programs == whole.summary.programs)
    #expect(total.coverage == whole.summary.coverage)
    #expect(total.findings.map(\.programIndex) == whole.summary.findings.map(\.programIndex))
    #expect(total.findings.map(\.rules) == whole.summary.findings.map(\.rules))
  }

  /// Requests a stop on its third single-case run, which only shrinking makes.
  final class StopWhileShrinking: Emulator {
    let inner: BuiltinEmulator
    let stop: StopFlag
    let singles = Atomic<Int>(0)
    init(inner: BuiltinEmulator, stop: StopFlag) {
      self.inner = inner
      self.stop = stop
    }
    var name: String { inner.name }
    func run(_ cases: [EmulatorCase]) -> [EmulatorOutcome] {
      if cases.count == 1, singles.add(1, ordering: .relaxed).newValue == 3 { stop.request() }
      return inner.run(cases)
    }
  }

  /// A stop during shrinking keeps the case as it stands (`unshrunk-*.rvt`) and leaves its program
  /// undone; the resumed run shrinks it whole and the shrunk finding replaces the cut one.
  @Test func aStopWhileShrinkingLeavesTheProgramToTheResumedRun() throws {
    var options = try options(count: 12)
    // One take of all twelve, whose first violation is program 5: the five programs checked
    // before it are saved with the take's summary, which must hold nothing of the cut program.
    options.seed = 1
    options.batchSize = 12
    let mutant = Mutant.wordNotSignExtended
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-cut-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try FindingStore(folder: folder)
    let stop = StopFlag()
    var first = ParallelCampaign(options: options, jobs: 1) {
      StopWhileShrinking(inner: BuiltinEmulator(mutant: mutant), stop: stop)
    }
    first.stop = stop
    let lock = NSLock()
    nonisolated(unsafe) var state = CampaignState(options: options, emulator: "builtin", shard: .whole, weights: "")
    nonisolated(unsafe) var heard: [Finding] = []
    first.onFinding = { finding in
      lock.lock()
      defer { lock.unlock() }
      heard.append(finding)
      _ = try? store.record(finding)
    }
    first.onBatch = { indices, summary in
      lock.lock()
      defer { lock.unlock() }
      state.add(indices, summary)
    }
    #expect(try !first.run().completed)
    let cut = try #require(heard.last)
    #expect(cut.shrinkCutShort)
    #expect(!state.done.contains(cut.programIndex))
    #expect(!state.totals.findings.contains { $0.program == cut.programIndex })
    let files = { try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".rvt") } }
    #expect(try files().filter { $0.hasPrefix("unshrunk-") }.count == 1)
    #expect(store.unshrunkWritten == 1)

    var second = ParallelCampaign(options: options, jobs: 1) { BuiltinEmulator(mutant: mutant) }
    second.done = state.done
    #expect(second.pending.contains(cut.programIndex))
    nonisolated(unsafe) var resumed: [Finding] = []
    second.onFinding = { finding in
      lock.lock()
      defer { lock.unlock() }
      resumed.append(finding)
      _ = try? store.record(finding)
    }
    second.onBatch = { indices, summary in
      lock.lock()
      defer { lock.unlock() }
      state.add(indices, summary)
    }
    #expect(try second.run().completed)
    // The two runs together count what one uninterrupted run counts: nothing of the cut program
    // stayed in the first run's totals.
    nonisolated(unsafe) var whole = CampaignState(options: options, emulator: "builtin", shard: .whole, weights: "")
    var uninterrupted = ParallelCampaign(options: options, jobs: 1) { BuiltinEmulator(mutant: mutant) }
    uninterrupted.onBatch = { indices, summary in
      lock.lock()
      defer { lock.unlock() }
      whole.add(indices, summary)
    }
    #expect(try uninterrupted.run().completed)
    #expect(state.totals.programs == whole.totals.programs && state.totals.programs == 12)
    #expect(state.totals.columns?.map(\.checked) == whole.totals.columns?.map(\.checked))
    #expect(state.totals.columns?.map(\.violations) == whole.totals.columns?.map(\.violations))
    let shrunk = try #require(resumed.first { $0.programIndex == cut.programIndex })
    #expect(!shrunk.shrinkCutShort)
    #expect(shrunk.reproducer.program.count <= cut.reproducer.program.count)
    #expect(try files().filter { $0.hasPrefix("unshrunk-") }.isEmpty)
  }

  @Test func twoWorkersFindWhatOneWorkerFinds() throws {
    let options = try options(count: 16)
    let runs = try [1, 2].map { jobs in
      try ParallelCampaign(options: options, jobs: jobs) { BuiltinEmulator(mutant: .swapStoredOnFailure) }.run()
        .summary
    }
    #expect(!runs[0].findings.isEmpty)
    // Each worker triages on its own, so which violations of one signature are explained (the
    // first few each worker meets) depends on the schedule; that every violating program is
    // reported, as a finding or as a repeat of one, does not.
    let violating = runs.map { Set($0.findings.map(\.programIndex) + $0.repeats.map(\.program)) }
    #expect(violating[0] == violating[1])
    // A program both runs explain is explained the same way.
    let texts = runs.map { Dictionary($0.findings.map { ($0.programIndex, $0.reproducer.text) }) { a, _ in a } }
    for (program, text) in texts[0] {
      if let other = texts[1][program] { #expect(other == text, "program \(program)") }
    }
    #expect(runs[0].coverage == runs[1].coverage)
  }

  @Test func aResumedStateMustDescribeTheSameCampaign() throws {
    let options = try options(count: 20)
    let saved = CampaignState(options: options, emulator: "builtin", shard: .whole, weights: "")
    var other = try self.options(count: 21)
    other.start = 0
    let now = CampaignState(options: other, emulator: "builtin", shard: .whole, weights: "")
    #expect(saved.mismatch(now)?.contains("count") == true)
    #expect(saved.mismatch(saved) == nil)
  }

  @Test func aCorruptStateFileIsAnErrorNamingTheFile() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-bad-\(UUID().uuidString).json")
    defer { try? FileManager.default.removeItem(at: file) }
    try Data("{\"schema\": 3".utf8).write(to: file)
    #expect(throws: CampaignState.StateError.self) { try CampaignState.load(file) }
  }

  /// The store writes each distinct finding once, atomically, and keeps duplicates off disk.
  @Test func theStoreDeduplicatesByRulesAndForms() throws {
    var options = try options(count: 40)
    // Every violation explained and shrunk: duplicates for the store to keep off disk.
    options.explainPerSignature = nil
    let summary = try Campaign(options: options, emulator: BuiltinEmulator(mutant: .wordNotSignExtended)).run()
    #expect(summary.findings.count >= 2)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-store-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try FindingStore(folder: folder)
    for finding in summary.findings { try store.record(finding) }
    let keys = Set(summary.findings.map(FindingStore.key))
    #expect(store.written == keys.count)
    #expect(store.duplicates == summary.findings.count - keys.count)
    #expect(try store.record(summary.findings[0]).isNew == false)
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    #expect(files.filter { $0.hasSuffix(".rvt") }.count == keys.count)
    #expect(!files.contains { $0.hasSuffix(".tmp") })
    // A second store on the same folder (a later run) writes nothing new.
    let again = try FindingStore(folder: folder)
    for finding in summary.findings { try again.record(finding) }
    #expect(again.written == 0)
    for file in files where file.hasSuffix(".rvt") {
      let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
      let testCase = try CorpusCase(parsing: text, file: file)
      #expect(try Replayer(emulator: BuiltinEmulator()).replay(testCase).passed)
    }
  }
}

@Suite struct WrapUpTests {
  /// At a deadline no further program is prepared, but those prepared are checked and counted.
  @Test func wrappingUpChecksWhatIsPrepared() throws {
    var options = CampaignOptions(
      seed: 3, count: 10, length: 8, isa: try ISAString(parsing: "rv64ima_zacas_zabha"), profile: .spike)
    options.batchSize = 10
    var asked = 0
    let (summary, done) = try Campaign(options: options, emulator: BuiltinEmulator()).run(
      indices: Array(0..<10),
      wrapUp: {
        asked += 1
        return asked > 3
      })
    #expect(done == [0, 1, 2])
    #expect(summary.programs + summary.unprepared == 3)
  }
}

/// The report page's trend of programs per second.
@Suite struct NightlyReportRateTests {
  func run(_ programs: Int, _ seconds: Double?) -> NightlyReport.Run {
    NightlyReport.Run(
      file: "s.json", date: "2026-12-01", emulator: "builtin", shard: "0/1", seed: "1", isa: "rv64ima",
      profile: "spike",
      programs: programs, seconds: seconds, violations: 0, known: [:], infeasible: 0, rvcheckVersion: "x",
      emulatorVersions: [:], coverage: [:], findings: [], knownExamples: [])
  }

  /// Four runs at over 1,500 programs/s and one slow run with a mutant: the night reads as fast,
  /// where pooling programs and seconds gave 24/s.
  @Test func oneSlowRunDoesNotSetTheNightsRate() {
    let night = [run(20_000, 12), run(20_000, 13), run(20_000, 11), run(1_000, 3_600), run(20_000, 12.5)]
    let median = NightlyReport.medianRate(night)
    #expect(median > 1_500 && median < 1_700, "\(median)")
    #expect(NightlyReport.medianRate([run(100, 1), run(300, 1)]) == 200)
    #expect(NightlyReport.medianRate([run(100, nil), run(10, 0)]) == 0)
  }
}
