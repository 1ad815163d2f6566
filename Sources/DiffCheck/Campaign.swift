import SpecModel

#if canImport(Glibc)
  /// glibc's `malloc_trim` (malloc.h, which the Glibc module does not export).
  @_silgen_name("malloc_trim") private func mallocTrim(_ pad: Int) -> Int32
#endif

/// What a fuzz campaign runs.
public struct CampaignOptions: Sendable {
  public var seed: UInt64
  /// Index of the first program; programs `start..<start + count` run.
  public var start = 0
  public var count: Int
  public var length: Int
  public var isa: ISAString
  public var profile: Profile
  public var weights = GeneratorWeights()
  /// Stop after this many violations (nil: run the whole count).
  public var stopAfterViolations: Int?
  public var shrink = true
  /// Programs per emulator batch.
  public var batchSize = 32
  /// The memory map; user-mode emulators need whole pages.
  public var map = CorpusCase.MapName.standard
  /// Every this-many-th program (by index) is also checked by the Z3 relation, auditing the
  /// concrete interpretation (nil: only where the concrete side cannot decide or rejects).
  public var crossCheck: Int?
  /// Reviewed deviations of real emulators: a finding one of them explains is counted as known,
  /// not reported as new.
  public var known: [KnownDeviation] = []
  /// How many violations of one triage signature (per emulator) are explained by the relation and
  /// shrunk; later ones are counted under the finding they repeat. nil explains every one.
  public var explainPerSignature: Int? = 3
  /// Rounds of guesses and patches the oracle may rerun a program for (`Oracle.maxRounds`); 0
  /// leaves only the patches made during the first run. The bench measures the loop without reruns.
  public var aimingRounds = Oracle.defaultRounds

  public init(seed: UInt64, count: Int, length: Int, isa: ISAString, profile: Profile) {
    self.seed = seed
    self.count = count
    self.length = length
    self.isa = isa
    self.profile = profile
  }

  /// Program `index` of a campaign gets its own generator, so any subset of indices can be run
  /// alone (shards, resumed runs) and gives the same programs.
  public static func programSeed(_ seed: UInt64, _ index: Int) -> UInt64 {
    var random = SeededRandom(seed: seed ^ (UInt64(index) &* 0xD134_2543_DE82_EF95))
    return random.next()
  }
}

/// One violation found by a campaign, shrunk to a small reproducer.
public struct Finding: Sendable {
  public let programIndex: Int
  public let rules: [String]
  public let observedParts: [String]
  /// The shrunk, replayable case.
  public var reproducer: CorpusCase
  /// The known deviation that explains it, if any.
  public var known: String?
  /// The emulators that show it, when a campaign runs several.
  public var emulators: [String] = []
  /// Shrinking was cut short by a stop request: the case is as large as it was when the stop came,
  /// and its program is not done, so a resumed run checks and shrinks it again.
  public var shrinkCutShort = false
  public init(programIndex: Int, rules: [String], observedParts: [String], reproducer: CorpusCase) {
    self.programIndex = programIndex
    self.rules = rules
    self.observedParts = observedParts
    self.reproducer = reproducer
  }

  /// The instruction forms of the reproducer's instructions that the violated rules point at
  /// (`rule@index`), or all its forms when no rule names an instruction.
  public var blamedForms: [String] {
    let indices = rules.compactMap { $0.split(separator: "@").last.flatMap { Int($0) } }
    let blamed = indices.filter { reproducer.program.indices.contains($0) }.map { reproducer.program[$0].mnemonic }
    return blamed.isEmpty ? forms : Array(Set(blamed)).sorted()
  }

  /// The instruction forms the reproducer contains.
  public var forms: [String] { Array(Set(reproducer.program.map(\.mnemonic))).sorted() }
}

/// A program an emulator could not run (it crashed, hung, aborted), as a replayable case.
public struct EmulatorFailure: Sendable {
  public let programIndex: Int
  public let emulator: String
  public let reason: String
  /// The program and its initial state, expecting conformance: replaying it shows the failure.
  public let reproducer: CorpusCase
}

/// The outcome of a campaign.
public struct CampaignSummary: Sendable {
  public let options: CampaignOptions
  public let emulator: String
  public var programs = 0
  /// New violations: those no known deviation explains.
  public var findings: [Finding] = []
  /// Violations explained by a known deviation, by its name.
  public var knownCounts: [String: Int] = [:]
  /// Known deviations recognised by their probe on releases outside their listed range, with
  /// those releases: the range needs review.
  public var outsideRange: [String: [String]] = [:]
  /// The first few findings of each known deviation, as examples.
  public var knownExamples: [Finding] = []
  public static let knownExamplesKept = 3
  public var knownTotal: Int { knownCounts.values.reduce(0, +) }
  public var unknowns = 0
  /// Programs whose verdict the solver could not decide, by index.
  public var unknownIndices: [Int] = []
  public var unprepared = 0
  /// Programs the solver could not prepare (it gave up), by index.
  public var unpreparedIndices: [Int] = []
  public var infeasibleTargets = 0
  public var emulatorFailures: [String] = []
  /// Programs not checked because the emulator lacks an instruction form, by form.
  public var unsupportedForms: [String: Int] = [:]
  public var coverage = Coverage()
  /// Patches the oracle applied to initial states to reach their targets.
  public var patches = 0
  /// Runs of the spec the oracle made while preparing (the first of each program, and one after
  /// each round of patches): what preparation costs, beside the patches it made.
  public var specRuns = 0
  /// Those of `specRuns` that a guess ended before the program's end.
  public var endedRuns = 0
  /// Guesses (one per run a guess ended) whose target the next run still missed.
  public var guessesMissedAgain = 0
  /// Plans the oracle worked out for missed targets, made into patches or not.
  public var plans = 0
  /// Programs the relation judged because the concrete interpretation could not, and why.
  public var solverFallbacks = 0
  /// Programs both interpretations judged (`--cross-check`).
  public var crossChecked = 0
  /// Programs on which the two interpretations disagreed: internal errors of the checker.
  public var disagreements: [String] = []
  /// One column per emulator: what each checked, found and missed.
  public var columns: [EmulatorColumn] = []
  /// Programs whose outcome the spec judged (not failed, not unsupported); with several
  /// emulators, the fewest any one of them checked.
  public var checkedPrograms: Int {
    if columns.count > 1 { return columns.map(\.checked).min() ?? 0 }
    return programs - emulatorFailures.count - unsupportedForms.values.reduce(0, +)
  }
  /// Index of the program that gave the first violation.
  public var firstViolationAt: Int?
  /// Where the time went.
  public var timing = Timing()
  /// Violations not explained again: each repeats the triage signature of an explained finding.
  public var repeats: [Repeat] = []

  public struct Repeat: Sendable, Equatable, Codable {
    public let program: Int
    public let emulator: String
    public let signature: String
    /// The program of the finding it repeats.
    public let sameAs: Int
  }

  public struct Timing: Sendable {
    /// Generating each program and choosing its initial state.
    public var preparing: Duration = .zero
    public var emulating: Duration = .zero
    public var checking: Duration = .zero
  }
}

/// What one emulator of a campaign did with the programs they all ran.
public struct EmulatorColumn: Sendable, Codable, Equatable {
  public let name: String
  /// Programs whose outcome on this emulator the spec judged.
  public var checked = 0
  /// Programs that showed a new violation here.
  public var violations = 0
  /// Programs that showed a known deviation here.
  public var known = 0
  public var failures = 0
  /// Programs not run because this emulator lacks an instruction form.
  public var notChecked = 0
  /// Coverage cells of the programs this emulator checked.
  public var coverage: [CoverageCell: Int] = [:]

  public init(name: String) { self.name = name }

  /// The column's coverage as a table-ready `Coverage`.
  public var coverageTable: Coverage {
    var table = Coverage()
    for (cell, count) in coverage { table.add(cell, count: count) }
    return table
  }

  public mutating func merge(_ other: EmulatorColumn) {
    checked += other.checked
    violations += other.violations
    known += other.known
    failures += other.failures
    notChecked += other.notChecked
    coverage.merge(other.coverage, uniquingKeysWith: +)
  }
}

extension [EmulatorColumn] {
  /// Adds columns by emulator name, keeping this order and appending new names.
  public mutating func merge(_ others: [EmulatorColumn]) {
    for other in others {
      if let index = firstIndex(where: { $0.name == other.name }) {
        self[index].merge(other)
      } else {
        append(other)
      }
    }
  }
}

/// Generates, prepares, runs and checks programs.
public struct Campaign {
  public let options: CampaignOptions
  /// The emulators every prepared program runs on; findings are shrunk on the one showing them.
  public let emulators: [any Emulator]
  public var emulator: any Emulator { emulators[0] }
  /// What this worker's violations turned out to be, by emulator column and triage signature: it lasts
  /// across the batches the worker runs.
  let triage = Triage()
  /// Made once per campaign, not per batch: the generator's tables and the executor's context
  /// cost as much to build as a few programs do to check.
  private let configuration: MachineConfiguration
  private let generator: ProgramGenerator
  private let oracle: Oracle
  private let checker: SpecChecker

  final class Triage {
    struct Entry {
      var explained = 0
      /// The program of the first finding, or the known deviation, its violations were.
      var finding: Int?
      var known: KnownDeviation?
    }
    var entries: [String: Entry] = [:]
    /// The culprit signature found for a whole program's differences (by column): a later program
    /// that differs the same way, whose signature needs no more explanations, is counted under it
    /// without running its prefixes.
    var culprits: [String: String] = [:]
  }

  public init(options: CampaignOptions, emulator: any Emulator) {
    self.init(options: options, emulators: [emulator])
  }

  public init(options: CampaignOptions, emulators: [any Emulator]) {
    precondition(!emulators.isEmpty, "a campaign needs an emulator")
    self.options = options
    self.emulators = emulators
    configuration = MachineConfiguration(
      isa: options.isa, profile: options.profile, memoryMap: options.map.memoryMap(xlen: options.isa.xlen))
    generator = ProgramGenerator(isa: options.isa, length: options.length, weights: options.weights)
    var oracle = Oracle(configuration: configuration)
    oracle.maxRounds = options.aimingRounds
    self.oracle = oracle
    checker = SpecChecker(configuration: configuration)
  }

  /// The campaign's emulators as one name: `spike,qemu,builtin`.
  public var emulatorName: String { emulators.map(\.name).joined(separator: ",") }

  /// Runs programs `start..<start + count`.
  public func run() throws -> CampaignSummary {
    try run(indices: Array(options.start..<(options.start + options.count))).summary
  }

  /// One emulator with what it needs to judge and probe its own outcomes.
  /// A class: the check takes each lane for every program, and a value's copy counted its
  /// emulator and arrays once more each time.
  private final class Lane {
    let emulator: any Emulator
    /// The emulator's release, when known deviations need it.
    let version: String?
    /// The known deviations claimed for this emulator's release.
    let known: [KnownDeviation]
    /// Deviations of this emulator claimed for other releases only: recognised by their probe
    /// alone, and reported as confirmed outside their range, so that the range gets reviewed.
    let outsideRange: [KnownDeviation]

    init(emulator: any Emulator, version: String?, known: [KnownDeviation], outsideRange: [KnownDeviation]) {
      self.emulator = emulator
      self.version = version
      self.known = known
      self.outsideRange = outsideRange
    }

    /// Every deviation whose probe may recognise a finding here.
    var probing: [KnownDeviation] { known + outsideRange }

    /// The deviation that explains `finding`: one claimed for this release by its key or probe,
    /// else one claimed for other releases by its probe.
    func deviation(
      explaining finding: Finding, _ verdict: ([Instruction], ConcreteState) throws -> Verdict?
    ) rethrows -> KnownDeviation? {
      if let claimed = try known.first(where: { try $0.explains(finding, verdict: verdict) }) { return claimed }
      let initial = finding.reproducer.initialState(finding.reproducer.configuration.memoryMap)
      return try outsideRange.first {
        try $0.confirmedByProbe(finding.reproducer.program, initial: initial, verdict: verdict)
      }
    }
  }

  /// Runs the programs `indices` and returns the summary with the indices it accounts for.
  /// `found` hears of each finding as soon as it is shrunk. When `shouldStop` turns true the run
  /// ends after the program under way, dropping prepared programs not yet checked; when `wrapUp`
  /// turns true no further program is prepared, but those prepared are run and checked.
  public func run(
    indices: [Int], shouldStop: @escaping () -> Bool = { false }, wrapUp: () -> Bool = { false },
    found: (Finding) -> Void = { _ in }, failed: (EmulatorFailure) -> Void = { _ in }
  ) throws -> (summary: CampaignSummary, done: [Int]) {
    var done: [Int] = []
    var summary = CampaignSummary(options: options, emulator: emulatorName)
    summary.columns = emulators.map { EmulatorColumn(name: $0.name) }
    let (configuration, generator, oracle, checker) = (self.configuration, self.generator, self.oracle, self.checker)
    let relations = RelationPool(configuration: configuration)
    var batch: [(index: Int, prepared: PreparedCase)] = []
    // The last batch's cases, kept until the next flush, when nothing of that batch's emulator
    // cases is left: then their storage goes back to the oracle.
    var retired: [PreparedCase] = []
    let lanes = emulators.map { emulator in
      let version = options.known.isEmpty ? nil : emulator.version(for: options.isa)
      return Lane(
        emulator: emulator, version: version,
        known: options.known.filter { $0.applies(to: emulator.name, version: version) },
        outsideRange: options.known.filter { $0.outsideRange(of: emulator.name, version: version) })
    }
    let several = lanes.count > 1
    // Coverage is counted by number while the programs run, and added to the summary as cells
    // when this call returns.
    var tally = CoverageTally()
    var columnTallies = Array(repeating: CoverageTally(), count: lanes.count)
    func counted() -> CampaignSummary {
      if several {
        for column in columnTallies.indices { columnTallies[column].drain(into: &summary.columns[column].coverage) }
      } else if !columnTallies.isEmpty {
        // Into a copy first: the column and the campaign's coverage are both parts of `summary`.
        var column = summary.columns[0].coverage
        columnTallies[0].drain(into: &column, alsoInto: &summary.coverage)
        summary.columns[0].coverage = column
      }
      tally.drain(into: &summary.coverage)
      return summary
    }
    let triage = self.triage
    // Keyed by the emulator's column: two lanes may run emulators of one name.
    func explains(_ column: Int, _ signature: String) -> Bool {
      guard let limit = options.explainPerSignature, let entry = triage.entries["\(column)\u{0}" + signature]
      else { return true }
      return entry.explained < limit || (entry.finding == nil && entry.known == nil)
    }

    /// Counts a known deviation, keeping the first few as examples.
    func countKnown(_ deviation: KnownDeviation, on lane: Lane, _ example: @autoclosure () throws -> Finding) rethrows {
      summary.knownCounts[deviation.name, default: 0] += 1
      if lane.outsideRange.contains(where: { $0.name == deviation.name }) {
        let release = lane.version ?? "an unknown release"
        if !summary.outsideRange[deviation.name, default: []].contains(release) {
          summary.outsideRange[deviation.name, default: []].append(release)
        }
      }
      guard summary.knownExamples.filter({ $0.known == deviation.name }).count < CampaignSummary.knownExamplesKept
      else { return }
      var finding = try example()
      finding.known = deviation.name
      summary.knownExamples.append(finding)
    }

    /// The batch positions whose rejected outcome or emulator failure a deviation's probe explains:
    /// the probe's changed program conforms by the concrete interpretation, or the outcome is allowed
    /// under the platform behaviour the deviation describes. One emulator run serves every probe.
    func probed(_ lane: Lane, _ outcomes: [EmulatorOutcome]) throws -> [Int: KnownDeviation] {
      guard !lane.probing.isEmpty else { return [:] }
      var trials: [(position: Int, deviation: KnownDeviation, program: [Instruction])] = []
      var explained: [Int: KnownDeviation] = [:]
      for (position, (entry, outcome)) in zip(batch, outcomes).enumerated() {
        switch outcome {
        case .unsupported: continue
        case .failed(let reason):
          let specTrap = checker.executor.firstRun(entry.prepared.program, initial: entry.prepared.initial).trap
          if let deviation = lane.probing.first(where: {
            $0.probe?.explainsFailure(reason, entry.prepared.program, specTrap: specTrap) == true
          }) {
            explained[position] = deviation
            continue
          }
        case .finished(let observed):
          let audit = options.crossCheck.map { entry.index % $0 == 0 } ?? false
          guard !audit,
            case .notAllowed = checker.executor.judge(
              entry.prepared.program, initial: entry.prepared.initial, observed: observed)
          else { continue }
          if let deviation = reinterpreted(
            lane.probing, entry.prepared.program, entry.prepared.initial, observed, checker, configuration)
          {
            explained[position] = deviation
            continue
          }
        }
        for deviation in lane.probing {
          guard let changed = deviation.probe?.neutralised(entry.prepared.program) else { continue }
          trials.append((position, deviation, changed))
          break
        }
      }
      guard !trials.isEmpty else { return explained }
      let cases = try trials.map { trial in
        EmulatorCase(
          isa: options.isa, words: try Instruction.encoded(trial.program),
          initial: batch[trial.position].prepared.initial, memoryMap: configuration.memoryMap)
      }
      for (trial, result) in zip(trials, lane.emulator.run(cases)) {
        guard case .finished(let observed) = result,
          case .allowed = checker.executor.judge(
            trial.program, initial: batch[trial.position].prepared.initial, observed: observed)
        else { continue }
        explained[trial.position] = trial.deviation
      }
      return explained
    }

    func flush() throws {
      for index in retired.indices { oracle.recycle(&retired[index]) }
      retired.removeAll(keepingCapacity: true)
      guard !batch.isEmpty else { return }
      let cases = try batch.map { entry in
        EmulatorCase(
          isa: options.isa, words: try Instruction.encoded(entry.prepared.program),
          initial: entry.prepared.initial, memoryMap: configuration.memoryMap)
      }
      let emulating = ContinuousClock.now
      let outcomes = lanes.map { $0.emulator.run(cases) }
      summary.timing.emulating += ContinuousClock.now - emulating
      let checking = ContinuousClock.now
      defer { summary.timing.checking += ContinuousClock.now - checking }
      // In a loop: a closure around `probed` held a copy of the campaign, counted field by field.
      var explainedByProbe: [[Int: KnownDeviation]] = []
      explainedByProbe.reserveCapacity(lanes.count)
      for column in lanes.indices { explainedByProbe.append(try probed(lanes[column], outcomes[column])) }
      var finished = 0
      // The columns that checked the program under way: one array for the whole batch.
      var checkedColumns: [Int] = []
      checkedColumns.reserveCapacity(lanes.count)
      for (position, entry) in batch.enumerated() {
        // After a stop request no further program is judged: those left are not done, and a
        // resumed run checks them with nothing cut short.
        if shouldStop() { break }
        // Kept to undo this program if its shrinking is cut short. With one emulator the only
        // path to a shrink starts at a violation the check found, and nothing before it changes
        // the summary, so the record is taken there: a copy of the summary for every program
        // cost forty reference counts. Released before the coverage counts grow, so that they
        // are not copied either.
        var before: CampaignSummary? = several ? summary : nil
        checkedColumns.removeAll(keepingCapacity: true)
        var here: [Finding] = []
        var unknown = false
        for (column, lane) in lanes.enumerated() {
          let outcome = outcomes[column][position]
          let tag = several ? "\(lane.emulator.name): " : ""
          if let deviation = explainedByProbe[column][position] {
            // Known without asking the relation for the rules, which costs far more than the
            // probe; the deviation's own file has the explained, minimal reproducer. A crash the
            // probe makes go away counts too. Either way the program was run and judged.
            summary.columns[column].known += 1
            summary.columns[column].checked += 1
            switch outcome {
            case .finished:
              countKnown(
                deviation, on: lane,
                reproducerFinding(lane.emulator, entry.index, entry.prepared.program, entry.prepared.initial, [], []))
            case .failed(let reason):
              countKnown(deviation, on: lane, failureFinding(lane.emulator, entry, reason))
            case .unsupported: break
            }
            continue
          }
          guard case .finished(let observed) = outcome else {
            if case .failed(let reason) = outcome {
              summary.emulatorFailures.append("\(tag)program \(entry.index): \(reason)")
              summary.columns[column].failures += 1
              failed(
                EmulatorFailure(
                  programIndex: entry.index, emulator: lane.emulator.name, reason: reason,
                  reproducer: failureFinding(lane.emulator, entry, reason).reproducer))
            }
            if case .unsupported(let form) = outcome {
              summary.unsupportedForms[tag + form, default: 0] += 1
              summary.columns[column].notChecked += 1
            }
            continue
          }
          // Counted once the program is done: a count changed now would copy the columns, which
          // the undo record shares, at every program.
          checkedColumns.append(column)
          let audit = options.crossCheck.map { entry.index % $0 == 0 } ?? false
          let emulatorName = lane.emulator.name
          var signature: String?
          var culprit: (length: Int, observed: ConcreteState)?
          var result = try checker.check(
            entry.prepared.program, initial: entry.prepared.initial, observed: observed, crossCheck: audit,
            onlyOutcome: entry.prepared.specRun, relation: relations.shared, explain: relations.fresh,
            explains: { differences in
              // --explain-all explains every program whole, as before triage.
              guard options.explainPerSignature != nil else { return true }
              // Asked only for an outcome the concrete interpretation rejects: find where it starts.
              let wholeKey = "\(column)\u{0}" + differences
              if let known = triage.culprits[wholeKey], !explains(column, known) {
                signature = known
                return false
              }
              let found = self.culprit(lane.emulator, entry.prepared, checker, configuration, observed: observed)
              signature = found?.signature ?? differences
              triage.culprits[wholeKey] = signature
              guard explains(column, signature ?? differences) else { return false }
              // Explained on the prefix that ends at the culprit (shorter to explain and to
              // shrink), and after shrinking, below.
              guard let found else { return true }
              culprit = (found.length, found.observed)
              return false
            })
          // The program the violation is explained and shrunk on: the whole, or its culprit prefix.
          var subject = entry.prepared
          var shrunk = false
          if let culprit {
            subject = PreparedCase(
              program: Array(entry.prepared.program.prefix(culprit.length)), initial: entry.prepared.initial,
              marks: entry.prepared.marks, infeasibleTargets: 0, patches: 0)
            // Shrunk before it is explained: the relation costs far less on the few instructions
            // left. The explanation still decides: a reproducer it does not reject is not used.
            if options.shrink,
              let reduced = try concretelyShrunk(lane.emulator, subject, checker, configuration, shouldStop),
              !shouldStop()
            {
              let reducedResult = try checker.check(
                reduced.program, initial: reduced.initial, observed: reduced.observed, relation: relations.shared,
                explain: relations.fresh)
              // A violation is used; so is a disagreement of the two interpretations (an internal
              // error, reported on the shrunk case rather than lost).
              var usable = reducedResult.disagreement != nil
              if case .violation = reducedResult.verdict { usable = true }
              if usable {
                subject = PreparedCase(
                  program: reduced.program, initial: reduced.initial, marks: entry.prepared.marks,
                  infeasibleTargets: 0, patches: 0)
                shrunk = true
                result = reducedResult
              }
            }
            if !shrunk {
              result = try checker.check(
                subject.program, initial: subject.initial, observed: culprit.observed, relation: relations.shared,
                explain: relations.fresh)
            }
          }
          let triageKey = signature.map { "\(column)\u{0}" + $0 }
          if case .repeated = result.route, let signature, let key = triageKey, let seen = triage.entries[key] {
            // Same as findings already explained: counted under them, never explained again.
            if let deviation = seen.known {
              summary.columns[column].known += 1
              countKnown(
                deviation, on: lane,
                reproducerFinding(lane.emulator, entry.index, entry.prepared.program, entry.prepared.initial, [], []))
            } else if let sameAs = seen.finding {
              summary.columns[column].violations += 1
              summary.repeats.append(
                CampaignSummary.Repeat(
                  program: entry.index, emulator: emulatorName, signature: signature, sameAs: sameAs))
            }
            continue
          }
          if before == nil, case .violation = result.verdict { before = summary }
          switch result.route {
          case .solverFallback: summary.solverFallbacks += 1
          case .crossChecked: summary.crossChecked += 1
          default: break
          }
          if let disagreement = result.disagreement {
            summary.disagreements.append(
              "\(tag)program \(entry.index): \(disagreement)\n"
                + subject.program.map { "  " + $0.assembly }.joined(separator: "\n"))
            continue
          }
          switch result.verdict {
          case .conforms: break
          case .unknown: unknown = true
          case .violation(let rules, let parts):
            // A known deviation is recognised before shrinking where it can be: shrinking costs
            // emulator runs, and a common known deviation would otherwise take most of them.
            let onEmulator = verdictOnEmulator(lane.emulator, configuration, checker, relations)
            var finding = reproducerFinding(lane.emulator, entry.index, subject.program, subject.initial, rules, parts)
            var deviation = try lane.deviation(explaining: finding, onEmulator)
            if deviation == nil && !shrunk {
              finding = try self.finding(
                lane.emulator, entry.index, subject, rules, parts, checker, relations, configuration, shouldStop)
              if finding.shrinkCutShort {
                // Kept on disk as it stands, never lost; the program stays undone so that the
                // resumed run shrinks it whole and de-duplicates the result.
                summary = before ?? summary
                for earlier in here { found(earlier) }
                found(finding)
                done += batch.prefix(finished).map(\.index)
                batch.removeAll()
                return
              }
              deviation = try lane.deviation(explaining: finding, onEmulator)
              // Shrunk, a program may show one deviation where the whole showed two at once.
              if deviation == nil {
                let program = finding.reproducer.program
                let initial = finding.reproducer.initialState(configuration.memoryMap)
                let run = EmulatorCase(
                  isa: options.isa, words: try Instruction.encoded(program), initial: initial,
                  memoryMap: configuration.memoryMap)
                if case .finished(let observed) = lane.emulator.run([run])[0] {
                  deviation = reinterpreted(lane.probing, program, initial, observed, checker, configuration)
                }
              }
            }
            if let deviation {
              summary.columns[column].known += 1
              countKnown(deviation, on: lane, finding)
              if let key = triageKey {
                triage.entries[key, default: Triage.Entry()].explained += 1
                if triage.entries[key]?.known == nil { triage.entries[key]?.known = deviation }
              }
              continue
            }
            summary.columns[column].violations += 1
            if let key = triageKey {
              triage.entries[key, default: Triage.Entry()].explained += 1
              if triage.entries[key]?.finding == nil { triage.entries[key]?.finding = entry.index }
            }
            if let same = here.firstIndex(where: { FindingStore.key($0) == FindingStore.key(finding) }) {
              here[same].emulators.append(lane.emulator.name)
              here[same].reproducer.comments.append("also shown by emulator \(lane.emulator.name)")
            } else {
              if several { finding.emulators = [lane.emulator.name] }
              here.append(finding)
            }
          }
        }
        before = nil
        summary.programs += 1
        summary.infeasibleTargets += entry.prepared.infeasibleTargets
        // With one emulator, a program it checked is counted in its column alone: the column's
        // counts go to the campaign's too when they are drained (`counted`).
        if several || checkedColumns.isEmpty { tally.add(entry.prepared.marks) }
        for column in checkedColumns {
          summary.columns[column].checked += 1
          columnTallies[column].add(entry.prepared.marks)
        }
        if unknown {
          summary.unknowns += 1
          summary.unknownIndices.append(entry.index)
        }
        for finding in here {
          if summary.firstViolationAt == nil { summary.firstViolationAt = entry.index }
          found(finding)
          summary.findings.append(finding)
        }
        finished += 1
      }
      done += batch.prefix(finished).map(\.index)
      retired.append(contentsOf: batch.lazy.map(\.prepared))
      batch.removeAll()
      #if canImport(Glibc)
        // Z3 frees a program's contexts in many small blocks; hand the freed memory back so the
        // resident size tracks what is live, not the largest program so far. At most once a
        // second: memory handed back is faulted in again by the next context, and trimming after
        // every batch made explaining a violation a fifth dearer.
        if MemoryTrim.due() { _ = mallocTrim(0) }
      #endif
    }

    // Preparing is timed a batch at a time, from its first program to its flush: two readings of
    // the clock a program cost more than the rest of the bookkeeping.
    // An instant and a flag rather than an optional instant: the clock's type is another
    // library's, and an optional of it was copied through its value witnesses at every program.
    var preparingSince = ContinuousClock.now
    var preparing = false
    func notePreparing() {
      guard preparing else { return }
      summary.timing.preparing += ContinuousClock.now - preparingSince
      preparing = false
    }
    for index in indices {
      if let limit = options.stopAfterViolations, summary.findings.count >= limit { break }
      if shouldStop() {
        notePreparing()
        return (counted(), done)
      }
      if wrapUp() { break }
      if !preparing {
        preparingSince = ContinuousClock.now
        preparing = true
      }
      var random = SeededRandom(seed: CampaignOptions.programSeed(options.seed, index))
      let generated = generator.generate(&random)
      let prepared = oracle.prepare(generated, &random)
      summary.patches += prepared.patches
      summary.specRuns += prepared.specRuns
      summary.endedRuns += prepared.endedRuns
      summary.guessesMissedAgain += prepared.guessesMissedAgain
      summary.plans += prepared.plans
      batch.append((index, prepared))
      if batch.count >= options.batchSize || options.stopAfterViolations != nil {
        notePreparing()
        try flush()
      }
    }
    notePreparing()
    if shouldStop() { return (counted(), done) }
    try flush()
    return (counted(), done)
  }

  /// Runs a candidate on `emulator` and returns the spec's verdict (nil if the emulator failed).
  /// Where a rejected program first goes wrong: every prefix of it runs on the emulator (one
  /// batch), and the first whose outcome the concrete interpretation rejects names the instruction
  /// that ends it and what differs after it (registers, memory, the trap). Programs that meet one
  /// emulator bug share it, wherever the difference spread afterwards. Also gives that prefix's
  /// length and outcome; nil when no prefix shows it.
  func culprit(
    _ emulator: any Emulator, _ prepared: PreparedCase, _ checker: SpecChecker, _ configuration: MachineConfiguration,
    observed whole: ConcreteState? = nil
  ) -> (signature: String, length: Int, observed: ConcreteState)? {
    let program = prepared.program
    guard let words = try? Instruction.encoded(program) else { return nil }
    func cases(_ lengths: ClosedRange<Int>) -> [EmulatorCase] {
      lengths.map { length in
        EmulatorCase(
          isa: options.isa, words: Array(words.prefix(length)), initial: prepared.initial,
          memoryMap: configuration.memoryMap)
      }
    }
    // The spec's outcome of every prefix, from one run where it can be.
    let prefixRuns = checker.executor.prefixOutcomes(program, initial: prepared.initial)
    func departure(_ length: Int, _ observed: ConcreteState) -> (
      signature: String, length: Int, observed: ConcreteState
    )? {
      guard
        case .notAllowed(_, let differences) = checker.executor.judge(
          Array(program.prefix(length)), initial: prepared.initial, observed: observed,
          onlyOutcome: prefixRuns?[length])
      else { return nil }
      if let writer = x0Writer(emulator, words, before: length, reader: program[length - 1], prepared, configuration) {
        return ("after \(program[writer].form.mnemonic): x0 written", length, observed)
      }
      let kinds = Self.signatureKinds(differences)
      return ("after \(program[length - 1].form.mnemonic): \(kinds.sorted().joined(separator: ", "))", length, observed)
    }
    // An emulator that trapped at instruction t ended the whole program as it ends the prefix of
    // t + 1 instructions: when the prefix before the trap conforms, the trapping instruction is
    // the culprit, found with one more run.
    if let whole, let trapped = whole.trap?.index, trapped < program.count {
      let before = trapped == 0 ? [] : emulator.run(cases(trapped...trapped))
      let conformsBefore: Bool
      if case .finished(let state)? = before.first {
        conformsBefore = departure(trapped, state) == nil
      } else {
        conformsBefore = trapped == 0
      }
      if conformsBefore, let found = departure(trapped + 1, whole) { return found }
    }
    // The prefixes in order: all in one batch, or, where small batches are cheap, a few at first
    // and twice as many each time, to stop soon after the culprit.
    var next = 1
    var batch = emulator.smallBatchesAreCheap ? 4 : program.count
    while next <= program.count {
      let lengths = next...min(next + batch - 1, program.count)
      for (length, outcome) in zip(lengths, emulator.run(cases(lengths))) {
        if case .finished(let observed) = outcome, let found = departure(length, observed) { return found }
      }
      next = lengths.upperBound + 1
      batch *= 2
    }
    return nil
  }

  /// The kinds a culprit's signature names. A trap that differs is the departure: the registers
  /// and memory that differ with it are what the trap did or did not let the instruction write,
  /// and they vary with the data.
  static func signatureKinds(_ differences: [String]) -> Set<String> {
    let kinds = departureKinds(differences)
    let traps = kinds.filter { $0.hasPrefix("trap") }
    return traps.isEmpty ? kinds : traps
  }

  /// x0 is never reported, so an emulator that writes it shows nothing until a later instruction
  /// reads it. When the culprit reads x0, each earlier prefix is run again followed by an
  /// instruction that copies x0 where it shows: the first prefix after which it is not zero ends
  /// at the instruction that wrote it (its index), which the signature names instead of the reader.
  func x0Writer(
    _ emulator: any Emulator, _ words: [UInt32], before length: Int, reader: Instruction, _ prepared: PreparedCase,
    _ configuration: MachineConfiguration
  ) -> Int? {
    guard length > 1, reader.rs1 == 0 || reader.rs2 == 0 || (reader.form.isCompareAndSwap && reader.rd == 0),
      let copy = try? Instruction(InstructionTable.named("or"), rd: 31, rs1: 0, rs2: 0).encoded()
    else { return nil }
    let probes = (1..<length).map { count in
      EmulatorCase(
        isa: options.isa, words: Array(words.prefix(count)) + [copy], initial: prepared.initial,
        memoryMap: configuration.memoryMap)
    }
    for (count, outcome) in zip(1..., emulator.run(probes)) {
      if case .finished(let observed) = outcome, observed.registers.count == 32, observed.registers[31] != 0 {
        return count - 1
      }
    }
    return nil
  }

  /// The kinds of place where an outcome departs from the spec (`register`, `memory`, or the trap
  /// difference whole), without the forms that wrote them: those change as a program shrinks.
  static func departureKinds(_ differences: [String]) -> Set<String> {
    Set(differences.map { $0.hasPrefix("trap") ? $0 : String($0.prefix { $0 != " " }) })
  }

  /// The deviation whose probe judges the same outcome again under the platform behaviour the
  /// emulator is known to have (a changed profile), and finds it allowed.
  func reinterpreted(
    _ known: [KnownDeviation], _ program: [Instruction], _ initial: ConcreteState, _ observed: ConcreteState,
    _ checker: SpecChecker, _ configuration: MachineConfiguration
  ) -> KnownDeviation? {
    let specTrap = checker.executor.firstRun(program, initial: initial).trap
    return known.first { deviation in
      guard let profile = deviation.probe?.reinterpretation(program, options.profile, specTrap: specTrap) else {
        return false
      }
      let other = ConcreteExecutor(
        configuration: MachineConfiguration(isa: options.isa, profile: profile, memoryMap: configuration.memoryMap))
      guard case .allowed = other.judge(program, initial: initial, observed: observed) else { return false }
      return true
    }
  }

  private func verdictOnEmulator(
    _ emulator: any Emulator, _ configuration: MachineConfiguration, _ checker: SpecChecker,
    _ relations: RelationPool
  ) -> ([Instruction], ConcreteState) throws -> Verdict? {
    { candidate, state in
      let words = try Instruction.encoded(candidate)
      let run = EmulatorCase(isa: options.isa, words: words, initial: state, memoryMap: configuration.memoryMap)
      guard case .finished(let observed) = emulator.run([run])[0] else { return nil }
      return try checker.check(
        candidate, initial: state, observed: observed, relation: relations.shared, explain: relations.fresh
      ).verdict
    }
  }

  private func finding(
    _ emulator: any Emulator, _ index: Int, _ prepared: PreparedCase, _ rules: [String], _ parts: [String],
    _ checker: SpecChecker, _ relations: RelationPool, _ configuration: MachineConfiguration,
    _ shouldStop: @escaping () -> Bool
  ) throws -> Finding {
    var program = prepared.program
    var initial = prepared.initial
    var found = rules
    if options.shrink {
      let verdict = verdictOnEmulator(emulator, configuration, checker, relations)
      var shrunk = false
      // Shrunk first by the concrete interpretation; should the result name none of the program's
      // rules (shrinking drifted to another failure), shrinking is done again by the rules.
      if let candidate = try concretelyShrunk(emulator, prepared, checker, configuration, shouldStop) {
        if shouldStop() {
          (program, initial) = (candidate.program, candidate.initial)
        } else if case .violation(let rulesAfter, _)? = try verdict(candidate.program, candidate.initial),
          !ruleNames(rulesAfter).isDisjoint(with: ruleNames(rules))
        {
          (program, initial, found) = (candidate.program, candidate.initial, rulesAfter)
          shrunk = true
        }
      }
      if !shrunk && !shouldStop() {
        (program, initial) = try configured(Shrinker(rules: rules, verdict: verdict), checker, shouldStop)
          .shrink(prepared.program, prepared.initial)
        if case .violation(let rulesAfter, _)? = try verdict(program, initial) { found = rulesAfter }
      }
      if shouldStop() {
        var finding = reproducerFinding(emulator, index, program, initial, found, parts)
        finding.shrinkCutShort = true
        finding.reproducer.comments.append("shrinking was cut short by a stop request: --resume shrinks it again")
        return finding
      }
    }
    return reproducerFinding(emulator, index, program, initial, found, parts)
  }

  /// `shrinker`, stopping at a stop request (the finding is kept as it stands), and folding a
  /// program's leading instructions into the initial state by the spec's own run.
  private func configured(_ shrinker: Shrinker, _ checker: SpecChecker, _ shouldStop: @escaping () -> Bool) -> Shrinker
  {
    var shrinker = shrinker
    let executor = checker.executor
    shrinker.shouldStop = shouldStop
    shrinker.afterPrefix = { program, state, count in
      let run = executor.firstRun(program, initial: state, stopBefore: count)
      return run.trap == nil && run.isAllowed ? run.final : nil
    }
    return shrinker
  }

  /// `prepared` shrunk by the concrete interpretation alone, which costs no solver query: a
  /// candidate is kept while its outcome on `emulator` departs from the spec in the same kind of
  /// place as the program's (a register, memory, the same trap). Gives the result and its outcome;
  /// nil when the concrete interpretation does not reject the program's outcome.
  private func concretelyShrunk(
    _ emulator: any Emulator, _ prepared: PreparedCase, _ checker: SpecChecker,
    _ configuration: MachineConfiguration, _ shouldStop: @escaping () -> Bool
  ) throws -> (program: [Instruction], initial: ConcreteState, observed: ConcreteState)? {
    guard let departures = try concreteDifferences(emulator, configuration, checker, prepared.program, prepared.initial)
    else { return nil }
    let wanted = Self.departureKinds(departures.differences)
    let shrinker = Shrinker(keeps: { candidate, state in
      guard let found = try concreteDifferences(emulator, configuration, checker, candidate, state) else {
        return false
      }
      return !wanted.isDisjoint(with: Self.departureKinds(found.differences))
    })
    let (program, initial) = try configured(shrinker, checker, shouldStop).shrink(prepared.program, prepared.initial)
    guard let outcome = try concreteDifferences(emulator, configuration, checker, program, initial) else { return nil }
    return (program, initial, outcome.observed)
  }

  /// Where the concrete interpretation finds a candidate's outcome on `emulator` departing from
  /// the spec; nil when it allows the outcome or cannot decide, or the emulator failed.
  private func concreteDifferences(
    _ emulator: any Emulator, _ configuration: MachineConfiguration, _ checker: SpecChecker,
    _ candidate: [Instruction], _ state: ConcreteState
  ) throws -> (differences: [String], observed: ConcreteState)? {
    let words = try Instruction.encoded(candidate)
    let run = EmulatorCase(isa: options.isa, words: words, initial: state, memoryMap: configuration.memoryMap)
    guard case .finished(let observed) = emulator.run([run])[0],
      case .notAllowed(_, let differences) = checker.executor.judge(candidate, initial: state, observed: observed)
    else { return nil }
    return (differences, observed)
  }

  /// A finding on `emulator` whose reproducer is `program` from `initial`, as it stands.
  /// A program the emulator failed on (a crash, a hang): the spec's side of its reproducer is that
  /// the program runs, so the case reads `expect conforms` and says how the emulator failed. It
  /// names no rule, since the spec was never asked.
  private func failureFinding(
    _ emulator: any Emulator, _ entry: (index: Int, prepared: PreparedCase), _ reason: String
  ) -> Finding {
    var finding = reproducerFinding(emulator, entry.index, entry.prepared.program, entry.prepared.initial, [], [reason])
    finding.reproducer.comments[1] = "the emulator failed: \(reason)"
    finding.reproducer.expectation = .conforms
    return finding
  }

  private func reproducerFinding(
    _ emulator: any Emulator, _ index: Int, _ program: [Instruction], _ initial: ConcreteState, _ found: [String],
    _ parts: [String]
  ) -> Finding {
    var reproducer = CorpusCase(isa: options.isa, profile: options.profile)
    reproducer.map = options.map
    reproducer.comments = [
      "found by rvcheck fuzz --seed \(options.seed), program \(index), emulator \(emulator.name)",
      found.isEmpty ? "violates: the spec (rules not named)" : "violates: \(found.joined(separator: ", "))",
    ]
    if let mutant = (emulator as? BuiltinEmulator)?.mutant { reproducer.mutant = mutant }
    for number in 1..<32 where initial.registers[number] != 0 {
      reproducer.registers[number] = initial.registers[number]
    }
    for address in Set(initial.memory.keys.map { $0 & ~7 }) {
      let word = (0..<UInt64(8)).reduce(UInt64(0)) { $0 | UInt64(initial.memory[address + $1] ?? 0) << (8 * $1) }
      if word != 0 { reproducer.memory[address] = word }
    }
    reproducer.program = program
    reproducer.expectation = .violation(ruleNames(found).sorted())
    return Finding(programIndex: index, rules: found, observedParts: parts, reproducer: reproducer)
  }
}
