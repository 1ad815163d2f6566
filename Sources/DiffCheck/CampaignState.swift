import Foundation
import SpecModel

/// What a campaign has done so far, saved after every take of programs so that `--resume` continues it
/// without repeating or skipping a program. The identity fields must match on resume.
public struct CampaignState: Codable, Equatable {
  public static let schema = "rvcheck.campaign-state"
  public var schema = Self.schema
  public var schemaVersion = 2

  // Identity: what the campaign is.
  public var seed: UInt64
  public var start: Int
  public var count: Int
  public var length: Int
  public var isa: String
  public var profile: String
  public var emulator: String
  public var shard: String
  public var weights: String

  /// Programs checked so far (whole batches only), by position in the shard's own sequence:
  /// program `start + shard + k × shards` is position k. Positions stay contiguous where indices of
  /// a shard would not, so a state of millions of programs is a few ranges.
  public var done = IndexSet()
  public var totals = Totals()

  /// Counts and findings accumulated over every run of the campaign.
  public struct Totals: Codable, Equatable {
    public var programs = 0
    public var unknowns: [Int] = []
    public var unprepared: [Int] = []
    public var infeasibleTargets = 0
    public var emulatorFailures: [String] = []
    public var unsupportedForms: [String: Int] = [:]
    public var coverage: [CoverageCell: Int] = [:]
    public var findings: [FindingRecord] = []
    public var patches = 0
    public var solverFallbacks = 0
    public var crossChecked = 0
    public var disagreements: [String] = []
    /// Findings explained by known deviations, by name (absent in states saved before it existed).
    public var known: [String: Int]? = nil
    public var knownExamples: [FindingRecord]? = nil
    /// Per-emulator columns (absent in states saved before several emulators could run).
    public var columns: [EmulatorColumn]? = nil
    /// Violations counted under an explained finding (absent in states saved before triage).
    public var repeats: [CampaignSummary.Repeat]? = nil
    /// Known deviations confirmed by their probe on releases outside their range, with those releases.
    public var outsideRange: [String: [String]]? = nil
  }

  /// A finding as saved: enough to rebuild it (the reproducer is the `.rvt` text).
  public struct FindingRecord: Codable, Equatable {
    public var program: Int
    public var rules: [String]
    public var observed: [String]
    public var reproducer: String
    public var known: String? = nil
    public var emulators: [String]? = nil
  }

  public init(options: CampaignOptions, emulator: String, shard: Shard, weights: String) {
    seed = options.seed
    start = options.start
    count = options.count
    length = options.length
    isa = options.isa.description
    profile = options.profile.name
    self.emulator = emulator
    self.shard = shard.description
    self.weights = weights
  }

  /// The first identity field that differs from `other`, as "name: saved vs now".
  public func mismatch(_ other: CampaignState) -> String? {
    let fields: [(String, String, String)] = [
      ("seed", "\(seed)", "\(other.seed)"), ("start", "\(start)", "\(other.start)"),
      ("count", "\(count)", "\(other.count)"), ("length", "\(length)", "\(other.length)"),
      ("isa", isa, other.isa), ("profile", profile, other.profile), ("emulator", emulator, other.emulator),
      ("shard", shard, other.shard), ("weights", weights, other.weights),
    ]
    return fields.first { $0.1 != $0.2 }.map { "\($0.0): the saved campaign has \($0.1), this run \($0.2)" }
  }

  /// The number of shards the campaign is split into.
  var shardCount: Int { Shard(parsing: shard)?.count ?? 1 }

  /// Adds a checked batch.
  public mutating func add(_ indices: [Int], _ summary: CampaignSummary) {
    let shards = shardCount
    for index in indices { done.insert((index - start) / shards) }
    totals.programs += summary.programs
    totals.unknowns.mergeInOrder(summary.unknownIndices, by: <)
    totals.unprepared.mergeInOrder(summary.unpreparedIndices, by: <)
    totals.infeasibleTargets += summary.infeasibleTargets
    totals.emulatorFailures.mergeInOrder(summary.emulatorFailures, by: <)
    totals.unsupportedForms.merge(summary.unsupportedForms, uniquingKeysWith: +)
    totals.coverage.merge(summary.coverage.counts, uniquingKeysWith: +)
    totals.patches += summary.patches
    totals.solverFallbacks += summary.solverFallbacks
    totals.crossChecked += summary.crossChecked
    totals.disagreements += summary.disagreements
    totals.findings += summary.findings.map {
      FindingRecord(
        program: $0.programIndex, rules: $0.rules, observed: $0.observedParts, reproducer: $0.reproducer.text,
        emulators: $0.emulators.isEmpty ? nil : $0.emulators)
    }
    var columns = totals.columns ?? []
    columns.merge(summary.columns)
    totals.columns = columns
    totals.findings.sort { $0.program < $1.program }
    totals.known = (totals.known ?? [:]).merging(summary.knownCounts, uniquingKeysWith: +)
    if !summary.outsideRange.isEmpty {
      totals.outsideRange = (totals.outsideRange ?? [:]).merging(summary.outsideRange) { mine, theirs in
        mine + theirs.filter { !mine.contains($0) }
      }
    }
    var examples = totals.knownExamples ?? []
    for example in summary.knownExamples
    where examples.filter({ $0.known == example.known }).count < CampaignSummary.knownExamplesKept {
      examples.append(
        FindingRecord(
          program: example.programIndex, rules: example.rules, observed: example.observedParts,
          reproducer: example.reproducer.text, known: example.known))
    }
    totals.knownExamples = examples
    if !summary.repeats.isEmpty {
      // Taken out of the totals while it grows, so that it is grown in place, not copied.
      var repeats = totals.repeats ?? []
      totals.repeats = nil
      repeats.mergeInOrder(summary.repeats) { ($0.program, $0.emulator) < ($1.program, $1.emulator) }
      totals.repeats = repeats
    }
  }

  /// The saved totals as a summary (findings rebuilt from their reproducers).
  public func summary(options: CampaignOptions) throws -> CampaignSummary {
    var summary = CampaignSummary(options: options, emulator: emulator)
    summary.programs = totals.programs
    summary.unknowns = totals.unknowns.count
    summary.unknownIndices = totals.unknowns
    summary.unprepared = totals.unprepared.count
    summary.unpreparedIndices = totals.unprepared
    summary.infeasibleTargets = totals.infeasibleTargets
    summary.emulatorFailures = totals.emulatorFailures
    summary.unsupportedForms = totals.unsupportedForms
    summary.patches = totals.patches
    summary.solverFallbacks = totals.solverFallbacks
    summary.crossChecked = totals.crossChecked
    summary.disagreements = totals.disagreements
    for (cell, count) in totals.coverage { summary.coverage.add(cell, count: count) }
    summary.findings = try totals.findings.map { record in
      var finding = Finding(
        programIndex: record.program, rules: record.rules, observedParts: record.observed,
        reproducer: try CorpusCase(parsing: record.reproducer, file: "saved finding of program \(record.program)"))
      finding.emulators = record.emulators ?? []
      return finding
    }
    summary.columns = totals.columns ?? []
    summary.repeats = totals.repeats ?? []
    summary.firstViolationAt = totals.findings.first?.program
    summary.knownCounts = totals.known ?? [:]
    summary.outsideRange = totals.outsideRange ?? [:]
    summary.knownExamples = try (totals.knownExamples ?? []).map { record in
      var finding = Finding(
        programIndex: record.program, rules: record.rules, observedParts: record.observed,
        reproducer: try CorpusCase(parsing: record.reproducer, file: "saved finding of program \(record.program)"))
      finding.known = record.known
      return finding
    }
    return summary
  }

  public static func load(_ url: URL) throws -> CampaignState {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
      throw StateError(path: url.path, reason: "cannot read: \(error.localizedDescription)")
    }
    do {
      let state = try JSONDecoder().decode(CampaignState.self, from: data)
      guard state.schema == schema, state.schemaVersion == 2 else {
        throw StateError(
          path: url.path, reason: "not an rvcheck campaign state (schema \(state.schema) v\(state.schemaVersion))")
      }
      return state
    } catch let error as StateError {
      throw error
    } catch {
      throw StateError(path: url.path, reason: "not a valid campaign state: \(error)")
    }
  }

  public func save(_ url: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    try FindingStore.writeAtomically(Array(try encoder.encode(self)), to: url)
  }

  public struct StateError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
  }
}
