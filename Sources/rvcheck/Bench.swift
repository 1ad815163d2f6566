import ArgumentParser
import DiffCheck
import Foundation
import SpecModel

/// Benchmarks; each section prints its figures and what produced them. BENCHMARKS.md records them.
struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure rvcheck: fuzzing throughput (built-in and Spike), emulator speed, policy prover, memory.")

  @Option(
    name: .long,
    help:
      "Sections to run, comma-separated: fuzz, spike, qemu, emulators, audit, policy, litmus, report, memory, solver.")
  var only = "fuzz,spike,qemu,emulators,audit,policy,litmus,report,memory,solver"

  @Option(name: .long, parsing: .unconditional, help: "Programs per throughput measurement (32 instructions each).")
  var programs = 20_000

  @Option(
    name: .long, parsing: .unconditional,
    help: "Programs of the sampled audit (--cross-check 100); the full audit (--cross-check 1) runs a fiftieth.")
  var auditPrograms = 1_000_000

  @Option(name: .long, parsing: .unconditional, help: "Minutes of the memory-over-time campaign.")
  var memoryMinutes = 10.0

  @Option(name: .long, parsing: .unconditional, help: "Queries for the solver-memory benchmark.")
  var queries = 100_000

  @Option(name: .long, help: "Folder of kernel fixture trees for the policy section.")
  var fixtures = "corpus/kernel"

  @Flag(name: .long, help: "Run only the solver-memory benchmark and print its figures as key=value.")
  var solverMemory = false

  static let sections = [
    "fuzz", "mutants", "spike", "qemu", "emulators", "audit", "policy", "litmus", "report", "memory", "solver",
  ]

  @Option(name: .long, help: "Folder of litmus tests for the litmus section.")
  var litmus = "corpus/litmus"

  func validate() throws {
    guard queries > 0, programs > 0, memoryMinutes > 0, auditPrograms >= 50 else {
      throw ValidationError("--queries, --programs and --memory-minutes must be positive, --audit-programs at least 50")
    }
    // Bounds past any useful measurement, so that a mistyped number is refused, not run for years.
    guard queries <= 10_000_000, programs <= 10_000_000, auditPrograms <= 100_000_000, memoryMinutes <= 1440 else {
      throw ValidationError(
        "--queries and --programs must be at most 10000000, --audit-programs 100000000, --memory-minutes 1440")
    }
    let chosen = only.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    for section in chosen where !Self.sections.contains(section) {
      throw ValidationError("unknown section '\(section)' (\(Self.sections.joined(separator: ", ")))")
    }
    // A section whose input folder is missing would measure nothing: refuse up front.
    for (section, folder, option) in [("policy", fixtures, "--fixtures"), ("litmus", litmus, "--litmus")]
    where chosen.contains(section) {
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
        throw ValidationError("\(option) \(folder): no such folder")
      }
    }
  }

  func run() throws {
    if solverMemory {
      try solver()
      return
    }
    let chosen = Set(only.split(separator: ",").map(String.init))
    line("rvcheck bench --only \(only) --programs \(programs) --memory-minutes \(memoryMinutes) (\(machine()))")
    var spikeCases: [EmulatorCase] = []
    if chosen.contains("fuzz") { try fuzz() }
    if chosen.contains("mutants") { try mutants() }
    if chosen.contains("spike") { spikeCases = try spike() }
    if chosen.contains("qemu") { try qemu() }
    if chosen.contains("report") { try report() }
    if chosen.contains("emulators") { try emulators(spikeCases) }
    if chosen.contains("audit") { try audit() }
    if chosen.contains("policy") { try policy() }
    if chosen.contains("litmus") { try litmusTests() }
    if chosen.contains("memory") { try memory() }
    if chosen.contains("solver") { try solver() }
  }

  private func machine() -> String {
    "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB"
  }

  private func options(count: Int, seed: UInt64 = 1) throws -> CampaignOptions {
    CampaignOptions(
      seed: seed, count: count, length: 32, isa: try ISAString(parsing: "rv64ima_zacas_zabha"), profile: .spike)
  }

  private func line(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
  }

  /// One run of `body`, in seconds, with what it returned.
  private func timed<Result>(_ body: () throws -> Result) rethrows -> (seconds: Double, result: Result) {
    let begun = ContinuousClock.now
    let result = try body()
    return ((ContinuousClock.now - begun).inSeconds, result)
  }

  /// The fastest of `runs` runs of `body`, in seconds, with what that run returned.
  private func fastest<Result>(of runs: Int, _ body: () throws -> Result) rethrows -> (seconds: Double, result: Result)
  {
    var best = try timed(body)
    for _ in 1..<max(runs, 1) {
      let next = try timed(body)
      if next.seconds < best.seconds { best = next }
    }
    return best
  }

  /// `first` and `second` in turns, `runs` times each, with the fastest run of each: a stretch
  /// where the machine is busy then slows both rather than only the one that ran in it.
  private func fastestInTurns<Result>(of runs: Int, _ first: () throws -> Result, _ second: () throws -> Void)
    rethrows -> (first: (seconds: Double, result: Result), second: Double)
  {
    var best = try timed(first)
    var secondBest = try timed(second).seconds
    for _ in 1..<max(runs, 1) {
      let next = try timed(first)
      if next.seconds < best.seconds { best = next }
      secondBest = min(secondBest, try timed(second).seconds)
    }
    return (best, secondBest)
  }

  // MARK: Sections

  /// Checked programs per second with the built-in emulator, where the time goes, and the bare
  /// emulator's rate on the very same programs: the loop's cost as a ratio that travels between
  /// machines.
  private func fuzz() throws {
    line("\n## fuzz: built-in emulator, \(programs) programs of 32 instructions, seed 1, rv64ima_zacas_zabha")
    line("jobs  seconds  programs/s  generate+prepare  emulate  check   (seconds summed over workers)")
    // The cases the loop runs, recorded in an untimed run of their own: a recorder holding every
    // case keeps the loop from reusing a checked case's storage, so it would time another loop.
    let recorder = CaseRecorder(keeping: programs)
    _ = try ParallelCampaign(options: try options(count: programs), jobs: 1) { recorder.wrap(BuiltinEmulator()) }.run()
    let cases = recorder.cases
    let emulator = BuiltinEmulator()
    /// The bare emulator on the same cases, run in batches as the loop runs them.
    func bareRun() {
      var index = 0
      while index < cases.count {
        _ = emulator.run(Array(cases[index..<min(index + 32, cases.count)]))
        index += 32
      }
    }
    // At one job the loop and the bare emulator take turns, three runs each: a run lasts half a
    // second, and the ratio must not depend on which side a busy stretch fell in.
    var oneJob = 0.0
    var runsPerProgram = 0.0
    var endedPerProgram = 0.0
    var missedAgain = 0.0
    var plansPerProgram = 0.0
    var patchesPerProgram = 0.0
    var successes = 0
    var bareSeconds = Double.infinity
    for jobs in [1, 2] {
      let options = try options(count: programs)
      func loop() throws -> CampaignSummary {
        try ParallelCampaign(options: options, jobs: jobs) { BuiltinEmulator() }.run().summary
      }
      let seconds: Double
      let summary: CampaignSummary
      if jobs == 1 {
        let (fastestLoop, fastestBare) = try fastestInTurns(of: 3, loop, bareRun)
        (seconds, summary, bareSeconds) = (fastestLoop.seconds, fastestLoop.result, fastestBare)
        oneJob = Double(programs) / seconds
        runsPerProgram = Double(summary.specRuns) / Double(max(summary.programs, 1))
        endedPerProgram = Double(summary.endedRuns) / Double(max(summary.programs, 1))
        missedAgain = Double(summary.guessesMissedAgain) / Double(max(summary.endedRuns, 1))
        plansPerProgram = Double(summary.plans) / Double(max(summary.programs, 1))
        patchesPerProgram = Double(summary.patches) / Double(max(summary.programs, 1))
        successes = Self.successMarks(summary)
      } else {
        (seconds, summary) = try timed(loop)
      }
      line(
        String(
          format: "%4d  %7.1f  %10.2f  %16.1f  %7.2f  %6.1f", jobs, seconds, Double(programs) / seconds,
          summary.timing.preparing.inSeconds, summary.timing.emulating.inSeconds, summary.timing.checking.inSeconds))
    }
    let bare = Double(cases.count) / max(bareSeconds, 1e-9)
    line(String(format: "bare emulator     %10.0f programs/s on the same %d programs", bare, cases.count))
    line(String(format: "loop / emulator   %10.3f (--jobs 1; target 0.25)", oneJob / bare))
    line(
      String(
        format: "spec runs         %10.2f per program while preparing, %.2f of them ended at a guess", runsPerProgram,
        endedPerProgram))
    line(String(format: "guesses missed    %10.1f %% of their targets again in the run after", 100 * missedAgain))
    line(
      String(
        format: "plans             %10.2f per program for missed targets, %.2f of them made into patches",
        plansPerProgram, patchesPerProgram))
    // The same loop with no reruns (no guesses, no rounds): what the first run, the generator, the
    // emulator and the checks cost together, against the successes the reruns buy. In turns with
    // the bare emulator, as above.
    var firstRunOnly = try options(count: programs)
    firstRunOnly.aimingRounds = 0
    func firstRunLoop() throws -> CampaignSummary {
      try ParallelCampaign(options: firstRunOnly, jobs: 1) { BuiltinEmulator() }.run().summary
    }
    let (lean, leanBare) = try fastestInTurns(of: 3, firstRunLoop, bareRun)
    let leanRatio = (Double(programs) / lean.seconds) / (Double(cases.count) / max(leanBare, 1e-9))
    line(
      String(
        format: "without reruns    %10.3f of the bare emulator (no guesses, no rounds): %d success marks against %d",
        leanRatio, Self.successMarks(lean.result), successes))
  }

  /// The coverage marks of successful amocas, over every form.
  private static func successMarks(_ summary: CampaignSummary) -> Int {
    summary.coverage.counts.reduce(0) { $0 + ($1.key.outcome == .success ? $1.value : 0) }
  }

  /// A campaign against each shipped mutant (one systematic bug), against the correct emulator's
  /// rate: violations are triaged, so a bug costs a few explanations, not one per program.
  private func mutants() throws {
    let count = programs
    line("\n## mutants: \(count) programs of 32 instructions per mutant, seed 1, --jobs 1, shrinking on")
    func campaign(_ mutant: Mutant?) throws -> CampaignSummary {
      try ParallelCampaign(options: try options(count: count), jobs: 1) { BuiltinEmulator(mutant: mutant) }.run()
        .summary
    }
    line("mutant                                 programs/s  correct  ratio  explained  repeats  known")
    var ratios: [Double] = []
    for mutant in Mutant.allCases {
      // Each mutant takes turns with the correct emulator, three runs each, and is compared with
      // the correct emulator's fastest run among them: a busy stretch then slows both, rather than
      // the mutant alone (a single correct figure for all of them let one busy stretch pass for a
      // slow mutant).
      let (fastestMutant, fastestCorrect) = try fastestInTurns(
        of: 3, { try campaign(mutant) }, { _ = try campaign(nil) })
      let rate = Double(count) / fastestMutant.seconds
      let correct = Double(count) / fastestCorrect
      let summary = fastestMutant.result
      ratios.append(rate / correct)
      line(
        String(
          format: "%@  %10.1f  %7.1f  %5.2f  %9d  %7d  %5d",
          mutant.rawValue.padding(toLength: 37, withPad: " ", startingAt: 0),
          rate, correct, rate / correct, summary.findings.count, summary.repeats.count, summary.knownTotal))
    }
    let sorted = ratios.sorted()
    line(
      String(
        format:
          "ratio to the correct emulator (each the fastest of three runs in turns): median %.2f, lowest %.2f (target 0.5)",
        sorted[sorted.count / 2], sorted.first ?? 0))
  }

  /// The fast path audited by the relation: every program, then every hundredth of many more.
  private func audit() throws {
    line("\n## audit: the concrete interpretation against the Z3 relation (built-in emulator, --jobs 2, seed 3)")
    line("programs  cross-check  audited  disagreements  solver fallbacks  violations  seconds")
    for (count, every) in [(auditPrograms / 50, 1), (auditPrograms, 100)] {
      var options = try options(count: count, seed: 3)
      options.crossCheck = every
      let begun = ContinuousClock.now
      let (summary, _) = try ParallelCampaign(options: options, jobs: 2) { BuiltinEmulator() }.run()
      let seconds = (ContinuousClock.now - begun).inSeconds
      line(
        String(
          format: "%8d  %11d  %7d  %13d  %16d  %10d  %7.1f", summary.programs, every, summary.crossChecked,
          summary.disagreements.count, summary.solverFallbacks, summary.findings.count, seconds))
      for disagreement in summary.disagreements.prefix(5) { line("DISAGREEMENT \(disagreement)") }
    }
  }

  /// The same loop with Spike, and Spike's own rate on the same batches.
  private func spike() throws -> [EmulatorCase] {
    line("\n## spike: \(programs) programs of 32 instructions, seed 1, --jobs 2, batches of 256")
    guard let path = try? SpikeLocator.locate() else {
      line("spike not found; \(SpikeLocator.installHint)")
      return []
    }
    var options = try options(count: programs)
    options.batchSize = 256
    let recorder = CaseRecorder()
    let begun = ContinuousClock.now
    let (summary, _) = try ParallelCampaign(options: options, jobs: 2) {
      recorder.wrap(SpikeEmulator(executable: path))
    }.run()
    let seconds = (ContinuousClock.now - begun).inSeconds
    let (spikeTime, spikeCases) = recorder.spikeTime
    let raw = Double(spikeCases) / max(spikeTime.inSeconds, 1e-9)
    let rate = Double(summary.programs) / seconds
    line(String(format: "checker loop      %8.2f programs/s (%d programs in %.1f s)", rate, summary.programs, seconds))
    line(
      String(
        format: "spike alone       %8.0f cases/s (%d cases in %.2f s of Spike processes)", raw, spikeCases,
        spikeTime.inSeconds))
    line(String(format: "checker / spike   %8.4f", rate / raw))
    line(
      String(
        format: "time split        generate+prepare %.1f s, emulate %.2f s, check %.1f s (summed over workers)",
        summary.timing.preparing.inSeconds, summary.timing.emulating.inSeconds, summary.timing.checking.inSeconds))
    return recorder.cases
  }

  /// `path` in the working directory, or in the project the rvcheck binary was built in (a parent
  /// of its folder).
  static func projectFolder(_ path: String) -> String? {
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue { return path }
    guard var directory = Bundle.main.executableURL?.deletingLastPathComponent().standardizedFileURL else { return nil }
    while true {
      let candidate = directory.appendingPathComponent(path).path
      if FileManager.default.fileExists(atPath: candidate, isDirectory: &isFolder), isFolder.boolValue {
        return candidate
      }
      let parent = directory.deletingLastPathComponent()
      if parent.path == directory.path { return nil }
      directory = parent
    }
  }

  /// The loop with QEMU user mode (page-sized windows, the reviewed known deviations), per XLEN.
  private func qemu() throws {
    line("\n## qemu: \(programs) programs of 32 instructions per XLEN, seed 1, --jobs 2, batches of 256")
    guard (try? QemuLocator.locate(xlen: 64)) != nil else {
      line("qemu not found; \(QemuLocator.installHint)")
      return
    }
    // The project's reviewed deviations, wherever the benchmark is run from: without them QEMU's
    // known bug would count as thousands of new violations and crashes.
    let folder = Self.projectFolder("corpus/known")
    let known = folder.flatMap { try? KnownDeviation.load(folder: $0) } ?? []
    line("known deviations from \(folder ?? "nowhere (no corpus/known found)"): \(known.count)")
    for isa in ["rv64ima_zacas_zabha", "rv32ima_zacas_zabha"] {
      var options = try options(count: programs)
      options.isa = try ISAString(parsing: isa)
      options.batchSize = 256
      options.map = .userMode
      options.known = known
      let emulator = QemuEmulator()
      let recorder = CaseRecorder(keeping: programs)
      let begun = ContinuousClock.now
      let (summary, _) = try ParallelCampaign(options: options, jobs: 2) { recorder.wrap(QemuEmulator()) }.run()
      let seconds = (ContinuousClock.now - begun).inSeconds
      line(
        String(
          format: "%@  QEMU %@  %8.1f programs/s (%d programs in %.1f s): %d checked, %d new, %d known, %d failures",
          isa, emulator.version(for: options.isa) ?? "?", Double(summary.programs) / seconds, summary.programs, seconds,
          summary.checkedPrograms, summary.findings.count, summary.knownTotal, summary.emulatorFailures.count))
      // QEMU alone: the same cases in the same batches of 256, two processes at a time as the loop
      // runs them, with no preparation or checking.
      let cases = recorder.cases
      let batches = stride(from: 0, to: cases.count, by: 256).map { Array(cases[$0..<min($0 + 256, cases.count)]) }
      let alone = ContinuousClock.now
      DispatchQueue.concurrentPerform(iterations: 2) { worker in
        let qemu = QemuEmulator()
        for batch in batches.enumerated() where batch.offset % 2 == worker { _ = qemu.run(batch.element) }
      }
      let aloneSeconds = (ContinuousClock.now - alone).inSeconds
      let rate = Double(cases.count) / max(aloneSeconds, 1e-9)
      line(
        String(
          format: "%@  QEMU alone %8.1f cases/s on the same %d cases; loop / QEMU %.2f (target 0.5)", isa, rate,
          cases.count, (Double(summary.programs) / seconds) / rate))
    }
  }

  /// The report page from 30 nights × 4 shards × 3 emulators of fuzz summaries.
  private func report() throws {
    line("\n## report: the page from 30 nights x 4 shards x 3 emulators (360 fuzz summaries)")
    let options = try options(count: 500)
    let summary = try Campaign(options: options, emulator: BuiltinEmulator()).run()
    let text = try SummaryReport.json(summary, seconds: 1, context: SummaryReport.Context())
    guard var template = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    var paths: [String] = []
    for night in 1...30 {
      for shard in 0..<4 {
        for emulator in ["builtin", "spike", "qemu"] {
          template["date"] = String(format: "2026-10-%02dT02:17:00Z", night)
          template["shard"] = "\(shard)/4"
          template["emulator"] = emulator
          let path = folder.appendingPathComponent("report-\(night)-\(emulator)-\(shard).json").path
          try JSONSerialization.data(withJSONObject: template).write(to: URL(fileURLWithPath: path))
          paths.append(path)
        }
      }
    }
    let begun = ContinuousClock.now
    let page = try NightlyReport(paths: paths).html()
    let seconds = (ContinuousClock.now - begun).inSeconds
    line(
      String(
        format: "read and built in %.3f s: %d inputs (%.1f MB of JSON), page %.0f KB", seconds, paths.count,
        Double(text.utf8.count * paths.count) / 1e6, Double(page.utf8.count) / 1e3))
  }

  /// Instructions per second: the built-in emulator against Spike, on the same cases.
  private func emulators(_ recorded: [EmulatorCase]) throws {
    line("\n## emulators: the same cases on the built-in emulator and on Spike")
    guard !recorded.isEmpty else {
      line("no cases recorded (the spike section did not run)")
      return
    }
    let cases = Array(recorded.prefix(256))
    let builtin = BuiltinEmulator()
    let instructions = builtin.executedInstructions(cases)
    var rounds = 0
    let begun = ContinuousClock.now
    while (ContinuousClock.now - begun) < .seconds(2) {
      _ = builtin.run(cases)
      rounds += 1
    }
    let builtinSeconds = (ContinuousClock.now - begun).inSeconds
    line(
      String(
        format: "built-in  %10.0f test instructions/s  %9.0f cases/s  (%d cases, %d instructions, %d rounds)",
        Double(instructions * rounds) / builtinSeconds, Double(cases.count * rounds) / builtinSeconds, cases.count,
        instructions, rounds))
    guard let path = try? SpikeLocator.locate() else { return }
    let spike = SpikeEmulator(executable: path)
    _ = spike.run(Array(cases.prefix(1)))  // the probe
    let before = spike.processTime
    let spikeRounds = 5
    for _ in 0..<spikeRounds { _ = spike.run(cases) }
    let after = spike.processTime
    let spikeSeconds = (after.time - before.time).inSeconds
    line(
      String(
        format:
          "spike     %10.0f test instructions/s  %9.0f cases/s  (one process per batch of %d, start-up included; the harness runs about 1,500 instructions per case besides)",
        Double(instructions * spikeRounds) / spikeSeconds, Double(cases.count * spikeRounds) / spikeSeconds,
        cases.count))
  }

  /// Policy prover time on the fixtures and on synthetic tables of growing size.
  private func policy() throws {
    line("\n## policy: read and prove (in process, wall clock)")
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: fixtures)) ?? []).sorted()
    for name in names where name != "mirrors" && name != "hazard-malformed" {
      let tree = (fixtures as NSString).appendingPathComponent(name)
      let (seconds, obligations, ids) = try timePolicy(tree)
      line(String(format: "%-40@ %6d ids %5d obligations %8.3f s", name as NSString, ids, obligations, seconds))
    }
    let template = (fixtures as NSString).appendingPathComponent("era-2026-isa")
    var previous: (Int, Double)?
    for size in [78, 1_000, 10_000] {
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "rvcheck-synthetic-\(UUID().uuidString)")
      defer { try? FileManager.default.removeItem(at: folder) }
      try SyntheticTree.write(from: template, extensions: size, to: folder.path)
      let (seconds, obligations, ids) = try timePolicy(folder.path)
      var growth = ""
      if let (lastSize, lastSeconds) = previous {
        let ratio = seconds / lastSeconds
        let nlogn = Double(size) * log2(Double(size)) / (Double(lastSize) * log2(Double(lastSize)))
        growth = String(
          format: "  ×%.1f for ×%.1f ids (n log n would be ×%.1f)", ratio, Double(size) / Double(lastSize), nlogn)
      }
      line(String(format: "synthetic %-30d %6d ids %5d obligations %8.3f s%@", size, ids, obligations, seconds, growth))
      previous = (size, seconds)
    }
  }

  private func timePolicy(_ tree: String) throws -> (Double, Int, Int) {
    let begun = ContinuousClock.now
    let policy = try KernelReader.read(tree: tree)
    let read = ContinuousClock.now
    let obligations = PolicyProver(policy: policy).run()
    let seconds = (ContinuousClock.now - begun).inSeconds
    if policy.ids.count > 500 {
      line(
        String(
          format: "  (reading %.3f s, proving %.3f s)", (read - begun).inSeconds, (ContinuousClock.now - read).inSeconds
        ))
    }
    return (seconds, obligations.count, policy.ids.count)
  }

  /// Time to judge each litmus test (parse, build, enumerate every execution): RISC-V tests under
  /// RVWMO, C tests under the LKMM. The folder is searched recursively, as `litmus` does.
  private func litmusTests() throws {
    line("\n## litmus: RVWMO (RISC-V) and LKMM (C) verdicts, wall clock per test (\(litmus))")
    let root = URL(fileURLWithPath: litmus)
    let names = (FileManager.default.enumerator(atPath: litmus)?.allObjects as? [String] ?? []).filter {
      $0.hasSuffix(".litmus")
    }
    .sorted()
    var total = 0.0
    var times: [Double] = []
    for name in names {
      let text = try String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)
      let begun = ContinuousClock.now
      let result: LitmusResult
      let threads: Int
      if KernelLitmusParser.isKernelTest(text) {
        let test = try KernelLitmusParser.parse(text, file: name)
        result = try LitmusChecker(model: .lkmm).check(test)
        threads = test.threads.count
      } else {
        let test = try LitmusParser.parse(text, file: name)
        result = try LitmusChecker().check(test)
        threads = test.threads.count
      }
      let seconds = (ContinuousClock.now - begun).inSeconds
      total += seconds
      times.append(seconds)
      line(
        String(
          format: "%-44@ %d threads  %-9@ %3d executions  %.3f s", (name as NSString).lastPathComponent as NSString,
          threads, result.verdict.rawValue as NSString, result.positive + result.negative, seconds))
    }
    if !times.isEmpty {
      line(
        String(
          format: "%d tests in %.2f s: median %.3f s, slowest %.3f s", times.count, total,
          times.sorted()[times.count / 2], times.max() ?? 0))
    }
  }

  /// Resident memory sampled through a long campaign.
  private func memory() throws {
    line("\n## memory: resident set over a \(memoryMinutes)-minute campaign (built-in emulator, --jobs 2)")
    var options = try options(count: 10_000_000, seed: 2)
    options.batchSize = 32
    var campaign = ParallelCampaign(options: options, jobs: 2) { BuiltinEmulator() }
    let begun = ContinuousClock.now
    campaign.deadline = begun + .milliseconds(Int64(memoryMinutes * 60_000))
    let samples = MemorySamples()
    let timer = DispatchSource.makeTimerSource(queue: .global())
    timer.schedule(deadline: .now() + 10, repeating: 10)
    timer.setEventHandler { samples.add((ContinuousClock.now - begun).inSeconds, residentBytes()) }
    timer.resume()
    let (summary, _) = try campaign.run()
    timer.cancel()
    let series = samples.values
    line("programs checked: \(summary.programs)")
    line("seconds  resident MB")
    for (seconds, bytes) in series where Int(seconds) % 60 < 10 || series.count < 13 {
      line(String(format: "%7.0f  %11.1f", seconds, Double(bytes) / 1e6))
    }
    if let warm = series.first(where: { $0.0 >= 60 }) ?? series.first, let last = series.last {
      let peak = series.map(\.1).max() ?? 0
      line(
        String(
          format: "after warm-up (%.0f s): %.1f MB; peak %.1f MB; at the end %.1f MB; growth after warm-up %.1f MB",
          warm.0,
          Double(warm.1) / 1e6, Double(peak) / 1e6, Double(last.1) / 1e6, Double(last.1 - warm.1) / 1e6))
    }
  }

  private func solver() throws {
    let start = Date()
    let report = try SolverMemoryProbe.run(queries: queries)
    let seconds = Date().timeIntervalSince(start)
    print(
      "solver-memory queries=\(report.queries) warm-rss=\(report.warmBytes) final-rss=\(report.finalBytes) growth=\(report.growthBytes) seconds=\(String(format: "%.2f", seconds))"
    )
  }
}

/// Keeps the cases that pass through an emulator, and Spike's process time.
final class CaseRecorder: @unchecked Sendable {
  private let lock = NSLock()
  private(set) var cases: [EmulatorCase] = []
  private var spikes: [SpikeEmulator] = []
  /// How many cases to keep (the first ones run).
  let keeping: Int

  init(keeping: Int = 256) { self.keeping = keeping }

  func wrap(_ spike: SpikeEmulator) -> any Emulator {
    lock.lock()
    defer { lock.unlock() }
    spikes.append(spike)
    return Recording(inner: spike, recorder: self)
  }

  func wrap(_ emulator: any Emulator) -> any Emulator { Recording(inner: emulator, recorder: self) }

  func add(_ more: [EmulatorCase]) {
    lock.lock()
    defer { lock.unlock() }
    if cases.count < keeping { cases += more.prefix(keeping - cases.count) }
  }

  var spikeTime: (Duration, Int) {
    lock.lock()
    defer { lock.unlock() }
    return spikes.reduce((Duration.zero, 0)) { total, spike in
      let (time, count) = spike.processTime
      return (total.0 + time, total.1 + count)
    }
  }

  struct Recording: Emulator {
    let inner: any Emulator
    let recorder: CaseRecorder
    var name: String { inner.name }
    func run(_ cases: [EmulatorCase]) -> [EmulatorOutcome] {
      recorder.add(cases)
      return inner.run(cases)
    }
    // Known deviations match by release: the wrapper must report the wrapped emulator's.
    func version(for isa: ISAString) -> String? { inner.version(for: isa) }
    var smallBatchesAreCheap: Bool { inner.smallBatchesAreCheap }
  }
}

final class MemorySamples: @unchecked Sendable {
  private let lock = NSLock()
  private(set) var values: [(Double, Int)] = []
  func add(_ seconds: Double, _ bytes: Int) {
    lock.lock()
    defer { lock.unlock() }
    values.append((seconds, bytes))
  }
}

/// A kernel-shaped tree with `extensions` ids: the 2026 fixture plus synthetic extensions, half of
/// which the disable switch refuses.
enum SyntheticTree {
  static func write(from template: String, extensions: Int, to folder: String) throws {
    let header = "arch/riscv/include/uapi/asm/kvm.h"
    let source = "arch/riscv/kvm/isa.c"
    let setter = "arch/riscv/kvm/vcpu_onereg.c"
    var headerText = try String(contentsOfFile: (template as NSString).appendingPathComponent(header), encoding: .utf8)
    var sourceText = try String(contentsOfFile: (template as NSString).appendingPathComponent(source), encoding: .utf8)
    let existing = headerText.components(separatedBy: "KVM_RISCV_ISA_EXT_").count - 2
    let extra = max(extensions - existing, 0)
    let names = (0..<extra).map { String(format: "XSYN%05d", $0) }
    guard let maximum = headerText.range(of: "KVM_RISCV_ISA_EXT_MAX") else {
      throw ValidationError("\(template): no KVM_RISCV_ISA_EXT_MAX in the template header")
    }
    headerText.insert(contentsOf: names.map { "KVM_RISCV_ISA_EXT_\($0),\n\t" }.joined(), at: maximum.lowerBound)
    guard let tableEnd = sourceText.range(of: "KVM_ISA_EXT_ARR(ZACAS, true),") else {
      throw ValidationError("\(template): no ZACAS table entry in the template")
    }
    sourceText.insert(
      contentsOf: names.map { "\n\tKVM_ISA_EXT_ARR(\($0), true)," }.joined(), at: tableEnd.upperBound)
    guard let refused = sourceText.range(of: "\tcase KVM_RISCV_ISA_EXT_ZACAS:\n") else {
      throw ValidationError("\(template): no ZACAS case in the template's disable switch")
    }
    sourceText.insert(
      contentsOf: names.enumerated().filter { $0.offset % 2 == 0 }.map { "\tcase KVM_RISCV_ISA_EXT_\($0.element):\n" }
        .joined(), at: refused.upperBound)
    for (path, text) in [(header, headerText), (source, sourceText)] {
      let target = (folder as NSString).appendingPathComponent(path)
      try FileManager.default.createDirectory(
        atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try text.write(toFile: target, atomically: true, encoding: .utf8)
    }
    let setterText = try String(contentsOfFile: (template as NSString).appendingPathComponent(setter), encoding: .utf8)
    try setterText.write(toFile: (folder as NSString).appendingPathComponent(setter), atomically: true, encoding: .utf8)
  }
}
