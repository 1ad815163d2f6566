import ArgumentParser
import DiffCheck
import Foundation
import SpecModel

/// A fuzz campaign: random programs, initial states patched to reach their targets, an emulator, the
/// spec's verdict.
struct Fuzz: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Generate programs, run them on an emulator and check every outcome against the spec.")

  // Numbers are read unconditionally, so that `--count -1` is a negative count (refused as such),
  // not a missing value followed by an unknown option.
  @Option(
    name: .long, parsing: .unconditional,
    help: "Campaign seed (decimal or 0x-hex); the same seed gives the same programs."
  )
  var seed: String = "1"

  @Option(name: .long, parsing: .unconditional, help: "Programs to check.")
  var count = 20_000

  @Option(
    name: .long, parsing: .unconditional,
    help: "Index of the first program (program i of a seed is the same in every run).")
  var start = 0

  @Option(name: .long, parsing: .unconditional, help: "Instructions per program.")
  var length = 32

  @OptionGroup var target: TargetOptions

  @Option(
    name: .long, parsing: .unconditional,
    help: "Worker threads, each with its own solver contexts (results do not depend on it). Default: one per core.")
  var jobs = min(ProcessInfo.processInfo.activeProcessorCount, 64)

  @OptionGroup var emulator: EmulatorOptions

  @Option(name: .long, help: "Inject a bug into the built-in emulator (see 'rvcheck mutants --list').")
  var mutant: String?

  @Option(
    name: .long,
    help:
      "Generator weights, e.g. amocas=30,alu=20,load=10,store=10,lrsc=5,amo=10,amobh=10 (amobh: Zabha's byte and halfword AMOs)."
  )
  var weights: String?

  @Option(
    name: [.customLong("findings")],
    help: "Write each finding's shrunk reproducer into this folder as it is found (atomic, de-duplicated).")
  var findingsFolder: String?

  @Option(name: .long, help: "Stop starting new batches after this long: 90s, 30m, 2h, 1h30m.")
  var timeBudget: String?

  @Option(name: .long, help: "Run part i of n (0 ≤ i < n): program start+k belongs to part k mod n.")
  var shard = "0/1"

  @Option(
    name: .customLong("state"),
    help:
      "Campaign state file, saved after every take of up to 256 programs (default: DIR/campaign-state.json with --findings DIR)."
  )
  var explicitState: String?

  @Flag(name: .long, help: "Continue the campaign in the state file: programs done are not run again.")
  var resume = false

  @Flag(name: .long, help: "No progress output.")
  var quiet = false

  @Option(name: .long, help: "Also write the JSON summary to this file.")
  var reportJSON: String?

  @Option(name: .long, help: "Write a JUnit XML report: one test case per instruction form.")
  var junit: String?

  @Option(name: .long, help: "Write findings as SARIF 2.1.0.")
  var sarif: String?

  /// The state file: `--state`, or one in the findings folder, named per shard so that the shards
  /// of one nightly run can share a folder.
  var stateFile: String? {
    if let explicitState { return explicitState }
    guard let findingsFolder else { return nil }
    let part = Shard(parsing: shard).map { $0.count > 1 ? "-shard-\($0.index)-of-\($0.count)" : "" } ?? ""
    return (findingsFolder as NSString).appendingPathComponent("campaign-state\(part).json")
  }

  @Option(
    name: .long, parsing: .unconditional,
    help:
      "Also check every K-th program with the Z3 relation, auditing the concrete interpretation (a disagreement exits 3)."
  )
  var crossCheck: Int?

  @Flag(name: .long, help: "Do not shrink findings.")
  var noShrink = false

  @Flag(
    name: .long,
    help:
      "Explain and shrink every violation, on the whole program. By default the first 3 of each kind (the first prefix the emulator gets wrong, by its last instruction's form) are, on that prefix, and the rest are counted under the finding they repeat."
  )
  var explainAll = false

  @Option(
    name: .long,
    help:
      "Folder of reviewed known emulator deviations (.rvt with 'known' lines); findings they explain are counted as known (default: corpus/known when present)."
  )
  var known: String?

  @Flag(name: .long, help: "Known deviations fail the run too (exit 1), not only new violations.")
  var strict = false

  @Option(name: .long, help: "Output format: text or json.")
  var format: OutputFormat = .text

  @Flag(name: .long, help: "Add wall-clock times (which differ from run to run) to the report.")
  var timing = false

  func validate() throws {
    _ = try parseSeed(seed)
    try checkOutputPath(reportJSON, option: "--report-json")
    try checkOutputPath(junit, option: "--junit")
    try checkOutputPath(sarif, option: "--sarif")
    guard count > 0 else { throw ValidationError("--count must be positive") }
    if let crossCheck, crossCheck < 1 { throw ValidationError("--cross-check must be at least 1") }
    guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be 1...64") }
    guard start >= 0 else { throw ValidationError("--start must not be negative") }
    guard !start.addingReportingOverflow(count).overflow else {
      throw ValidationError("--start plus --count must stay below \(Int.max)")
    }
    guard (1...4096).contains(length) else { throw ValidationError("--length must be 1...4096") }
    if mutant != nil && !emulator.names.contains("builtin") {
      throw ValidationError("--mutant needs --emulator builtin")
    }
    if let mutant, Mutant(rawValue: mutant) == nil {
      throw ValidationError("unknown mutant '\(mutant.clipped)'; 'rvcheck mutants --list' lists them")
    }
    if let weights { do { _ = try GeneratorWeights(parsing: weights) } catch { throw ValidationError(error.message) } }
    guard Shard(parsing: shard) != nil else { throw ValidationError("--shard must be i/n with 0 <= i < n, e.g. 2/8") }
    if let timeBudget { _ = try parseDuration(timeBudget) }
  }

  func run() throws {
    var options = CampaignOptions(
      seed: try parseSeed(seed), count: count, length: length, isa: try target.parsedISA(),
      profile: try target.parsedProfile())
    if let weights { options.weights = try GeneratorWeights(parsing: weights) }
    options.shrink = !noShrink
    if explainAll { options.explainPerSignature = nil }
    options.start = start
    options.crossCheck = crossCheck
    let knownFolder = known ?? (FileManager.default.fileExists(atPath: "corpus/known") ? "corpus/known" : nil)
    if let knownFolder {
      do { options.known = try KnownDeviation.load(folder: knownFolder) } catch let error as CorpusError {
        report(error.description)
        throw ExitCode(Status.inputError)
      } catch {
        report("rvcheck fuzz: \(knownFolder): \(error.localizedDescription)")
        throw ExitCode(Status.inputError)
      }
    }
    let injected = mutant.flatMap(Mutant.init(rawValue:))
    let makeEmulators = try emulator.factories(mutant: injected)
    if emulator.names != ["builtin"] { options.batchSize = 256 }
    // User-mode emulation protects whole pages: with QEMU, every emulator gets page-sized windows.
    if emulator.kinds.contains("qemu") { options.map = .userMode }
    let shard = Shard(parsing: self.shard)!
    let emulatorName = makeEmulators().map(\.name).joined(separator: ",")

    // The campaign's state: loaded to resume, saved after every take of programs.
    var state = CampaignState(options: options, emulator: emulatorName, shard: shard, weights: weights ?? "")
    let store: FindingStore?
    do {
      store = try findingsFolder.map { try FindingStore(folder: URL(fileURLWithPath: $0)) }
    } catch {
      report("rvcheck fuzz: \(findingsFolder ?? ""): \(error.localizedDescription)")
      throw ExitCode(Status.inputError)
    }
    let stateURL = stateFile.map { URL(fileURLWithPath: $0) }
    // Two runs saving one state would each undo the other's progress: the second is refused.
    let stateLock: StateLock?
    do {
      stateLock = try stateURL.flatMap { try StateLock(state: $0.path) }
    } catch {
      report("rvcheck fuzz: \(error)")
      throw ExitCode(Status.inputError)
    }
    defer { withExtendedLifetime(stateLock) {} }
    if resume {
      guard let stateURL else {
        report("rvcheck fuzz: --resume needs --state FILE or --findings DIR")
        throw ExitCode(Status.inputError)
      }
      do {
        let saved = try CampaignState.load(stateURL)
        if let mismatch = saved.mismatch(state) {
          report("rvcheck fuzz: \(stateURL.path): cannot resume: \(mismatch)")
          throw ExitCode(Status.inputError)
        }
        state = saved
      } catch let error as CampaignState.StateError {
        report("rvcheck fuzz: \(error.description)")
        throw ExitCode(Status.inputError)
      }
    }

    var campaign = ParallelCampaign(options: options, jobs: jobs, makeEmulators: makeEmulators)
    campaign.shard = shard
    campaign.done = state.done
    let begun = ContinuousClock.now
    if let budget = timeBudget { campaign.deadline = begun + .seconds(try parseDuration(budget)) }
    let progress = CampaignProgress(
      total: campaign.pendingCount, mode: quiet ? .quiet : isatty(2) != 0 ? .terminal : .lines)
    let live = LiveState(state: state, url: stateURL)
    live.save()
    // A state that cannot be saved would make --resume impossible: refuse before any work.
    if let problem = live.saveProblem {
      report("rvcheck fuzz: \(problem)")
      throw ExitCode(Status.inputError)
    }
    // A finding carries a standalone ELF for the real emulator that showed it first.
    let first = emulator.names[0]
    let attach: @Sendable (Finding) -> (Finding, [(fileExtension: String, bytes: [UInt8])]) = { finding in
      switch KnownDeviation.kind(of: finding.emulators.first ?? first) {
      case "spike": Self.withSpikeReproducer(finding)
      case "qemu": Self.withQemuReproducer(finding)
      default: (finding, [])
      }
    }
    campaign.onFinding = { finding in
      let (finding, attachments) =
        attach(finding)
      progress.found()
      live.heard()
      guard let store else { return }
      do {
        try store.record(finding, attachments: attachments)
      } catch {
        // Never lose a finding: if it cannot be written, it goes to standard error whole.
        report("rvcheck fuzz: \(error)\n\(finding.reproducer.text)")
        live.failedWrite()
      }
    }
    // An emulator that crashes, hangs or aborts on a program is a bug too: its case is kept.
    campaign.onFailure = { failure in
      guard let store else { return }
      do { try store.record(failure) } catch { report("rvcheck fuzz: \(error)\n\(failure.reproducer.text)") }
    }
    campaign.onBatch = { indices, summary in
      live.add(indices, summary)
      progress.advance(by: indices.count, summary: summary)
    }

    let stopper = SignalStopper(
      campaign.stop,
      onStop: { progress.note("stopping: finishing the finding under way (a second signal stops at once)") },
      onSecond: {
        // Every finding heard is on disk already; the state holds every take checked whole, so
        // --resume reruns the rest.
        live.save()
        report("rvcheck fuzz: stopped at once by a second signal; the state is saved, --resume continues")
        Foundation.exit(live.findingsHeard > 0 || live.lostWrites ? Status.violation : Status.unknown)
      })
    progress.start()
    let result = try campaign.run()
    live.save()
    progress.finish()
    stopper.cancel()
    let seconds = (ContinuousClock.now - begun).inSeconds
    if let problem = live.saveProblem {
      report("rvcheck fuzz: \(problem)")
    }
    if let store, store.unshrunkWritten > 0 {
      report(
        "rvcheck fuzz: \(store.unshrunkWritten) finding(s) cut short while shrinking are kept as unshrunk-*.rvt in \(store.folder.path); --resume checks and shrinks their programs again"
      )
    }

    var summary = try live.snapshot().summary(options: options)
    summary.timing = result.summary.timing
    summary.findings = summary.findings.map { attach($0).0 }
    let stopReason: String? =
      result.completed ? nil : campaign.stop.requested ? "interrupted by a signal" : "time budget reached"
    let context = SummaryReport.Context(
      shard: shard, completed: result.completed, stopReason: stopReason,
      remaining: campaign.pendingCount - (live.snapshot().done.count - state.done.count),
      findingFiles: store == nil ? nil : summary.findings.map { FindingStore.name(forKey: FindingStore.key($0)) },
      findingsFolder: findingsFolder, findingsHeard: live.findingsHeard,
      findingsWritten: store.map { ($0.written, $0.duplicates) },
      emulatorVersions: Dictionary(
        makeEmulators().compactMap { emulator in emulator.version(for: options.isa).map { (emulator.name, $0) } },
        uniquingKeysWith: { first, _ in first }))
    switch format {
    case .text: print(SummaryReport.text(summary, seconds: timing ? seconds : nil, context: context))
    case .json: print(try SummaryReport.json(summary, seconds: timing ? seconds : nil, context: context))
    }
    do {
      if let reportJSON {
        try FindingStore.writeAtomically(
          Array(try SummaryReport.json(summary, seconds: seconds, context: context).utf8),
          to: URL(fileURLWithPath: reportJSON))
      }
      if let junit {
        try FindingStore.writeAtomically(
          Array(FuzzReports.junit(summary, seconds: seconds, context: context).utf8), to: URL(fileURLWithPath: junit))
      }
      if let sarif {
        try FindingStore.writeAtomically(
          Array(try FuzzReports.sarif(summary, context: context).utf8), to: URL(fileURLWithPath: sarif))
      }
    } catch {
      report("rvcheck fuzz: \(error)")
      throw ExitCode(Status.inputError)
    }
    if !summary.disagreements.isEmpty { throw ExitCode(Status.unknown) }
    if !summary.findings.isEmpty || live.findingsHeard > 0 || live.lostWrites || (strict && summary.knownTotal > 0) {
      throw ExitCode(Status.violation)
    }
    if summary.unknowns > 0 || !summary.emulatorFailures.isEmpty || !summary.unsupportedForms.isEmpty
      || campaign.stop.requested
    {
      throw ExitCode(Status.unknown)
    }
  }

  /// A Spike finding with its reproducer naming the standalone ELF and the Spike command that runs
  /// it, and that ELF (built once).
  static func withSpikeReproducer(_ finding: Finding) -> (Finding, [(fileExtension: String, bytes: [UInt8])]) {
    var finding = finding
    let name = FindingStore.name(forKey: FindingStore.key(finding))
    guard let emulatorCase = try? finding.reproducer.emulatorCase(),
      let (elf, command) = try? SpikeEmulator.reproducer(emulatorCase, elfName: name + ".elf")
    else { return (finding, []) }
    finding.reproducer.comments.append("standalone on Spike: \(command)")
    return (finding, [("elf", elf)])
  }

  static func withQemuReproducer(_ finding: Finding) -> (Finding, [(fileExtension: String, bytes: [UInt8])]) {
    var finding = finding
    let name = FindingStore.name(forKey: FindingStore.key(finding))
    guard let emulatorCase = try? finding.reproducer.emulatorCase(),
      let (elf, command) = try? QemuEmulator.reproducer(emulatorCase, elfName: name + ".elf")
    else { return (finding, []) }
    finding.reproducer.comments.append("standalone on QEMU: \(command)")
    return (finding, [("elf", elf)])
  }

}

/// The campaign state shared by the workers' take callbacks, saved after every take.
final class LiveState: @unchecked Sendable {
  private let lock = NSLock()
  private var state: CampaignState
  private let url: URL?
  private(set) var saveProblem: String?
  private(set) var lostWrites = false

  init(state: CampaignState, url: URL?) {
    self.state = state
    self.url = url
  }

  private(set) var findingsHeard = 0

  func add(_ indices: [Int], _ summary: CampaignSummary) {
    lock.lock()
    defer { lock.unlock() }
    state.add(indices, summary)
    saveLocked(force: false)
  }

  func save() {
    lock.lock()
    defer { lock.unlock() }
    saveLocked()
  }

  /// Saves at most about once a second while batches stream in (each save is an fsync); `save()`
  /// and the end of the run always write.
  private var lastSave: ContinuousClock.Instant?

  private func saveLocked(force: Bool = true) {
    guard let url else { return }
    let now = ContinuousClock.now
    if !force, let lastSave, now - lastSave < .seconds(1) { return }
    lastSave = now
    do { try state.save(url) } catch { saveProblem = "cannot save the campaign state: \(error)" }
  }

  func heard() {
    lock.lock()
    defer { lock.unlock() }
    findingsHeard += 1
  }

  func failedWrite() {
    lock.lock()
    defer { lock.unlock() }
    lostWrites = true
  }

  func snapshot() -> CampaignState {
    lock.lock()
    defer { lock.unlock() }
    return state
  }
}
