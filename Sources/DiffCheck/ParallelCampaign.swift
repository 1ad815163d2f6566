import Foundation
import Synchronization

extension CampaignSummary {
  /// Adds another worker's summary; the result is the same whatever order workers finish in.
  public mutating func merge(_ other: CampaignSummary) {
    programs += other.programs
    findings = (findings + other.findings).sorted { $0.programIndex < $1.programIndex }
    unknowns += other.unknowns
    unknownIndices = (unknownIndices + other.unknownIndices).sorted()
    unprepared += other.unprepared
    unpreparedIndices = (unpreparedIndices + other.unpreparedIndices).sorted()
    infeasibleTargets += other.infeasibleTargets
    emulatorFailures = (emulatorFailures + other.emulatorFailures).sorted()
    unsupportedForms.merge(other.unsupportedForms, uniquingKeysWith: +)
    coverage.merge(other.coverage)
    patches += other.patches
    solverFallbacks += other.solverFallbacks
    crossChecked += other.crossChecked
    disagreements += other.disagreements
    firstViolationAt = [firstViolationAt, other.firstViolationAt].compactMap { $0 }.min()
    timing.preparing += other.timing.preparing
    timing.emulating += other.timing.emulating
    timing.checking += other.timing.checking
  }
}

/// Part `index` of `count` of a campaign's programs: program `start + k` belongs to shard
/// `k mod count`, so the shards are disjoint and together cover the range.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
  public let index: Int
  public let count: Int

  public static let whole = Shard(index: 0, count: 1)

  public init(index: Int, count: Int) {
    precondition(count >= 1 && (0..<count).contains(index))
    self.index = index
    self.count = count
  }

  /// Parses `i/n` with 0 ≤ i < n.
  public init?(parsing text: String) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, count <= 1_000_000,
      (0..<count).contains(index)
    else { return nil }
    self.init(index: index, count: count)
  }

  public var description: String { "\(index)/\(count)" }

  public func contains(_ program: Int, start: Int) -> Bool { (program - start) % count == index }
}

/// A request to stop, set from a signal handler or a test; campaigns poll it between programs.
public final class StopFlag: Sendable {
  private let flag = Atomic<Bool>(false)
  public init() {}
  public func request() { flag.store(true, ordering: .relaxed) }
  public var requested: Bool { flag.load(ordering: .relaxed) }
}

/// Runs a campaign on several workers, each with its own Z3 contexts and emulator, pulling batches
/// of program indices from a shared queue. Every program has its own seed and fresh contexts, so the
/// merged result equals a single worker's for the same programs.
public struct ParallelCampaign {
  public let options: CampaignOptions
  public let jobs: Int
  public let makeEmulator: @Sendable () -> any Emulator
  public var shard = Shard.whole
  /// Programs already done (a resumed campaign skips them).
  public var done = IndexSet()
  /// After this instant (a time budget) no program is prepared; those prepared are still checked.
  public var deadline: ContinuousClock.Instant?
  /// Ends the run within about one program: the batch under way is dropped, not half-counted.
  public var stop = StopFlag()
  /// Told of each finding as soon as it exists, from the worker that found it.
  public var onFinding: @Sendable (Finding) -> Void = { _ in }
  /// Told after each batch is checked: the program indices done and their summary.
  public var onBatch: @Sendable ([Int], CampaignSummary) -> Void = { _, _ in }

  public init(options: CampaignOptions, jobs: Int, makeEmulator: @escaping @Sendable () -> any Emulator) {
    self.options = options
    self.jobs = max(jobs, 1)
    self.makeEmulator = makeEmulator
  }

  /// The programs this run will check, in order.
  public var pending: [Int] {
    (options.start..<(options.start + options.count)).filter {
      shard.contains($0, start: options.start) && !done.contains($0)
    }
  }

  /// Hands out batches and collects their results under a lock.
  private final class Coordinator: @unchecked Sendable {
    private let lock = NSLock()
    private let batches: [[Int]]
    private var next = 0
    private var results: [Int: CampaignSummary] = [:]
    private var errors: [Error] = []
    private var programsDone = 0

    init(_ batches: [[Int]]) { self.batches = batches }

    func take() -> (Int, [Int])? {
      lock.lock()
      defer { lock.unlock() }
      guard next < batches.count, errors.isEmpty else { return nil }
      next += 1
      return (next - 1, batches[next - 1])
    }

    func finish(_ number: Int, _ summary: CampaignSummary, done: Int) {
      lock.lock()
      defer { lock.unlock() }
      results[number] = summary
      programsDone += done
    }

    func fail(_ error: Error) {
      lock.lock()
      defer { lock.unlock() }
      errors.append(error)
    }

    func collect() throws -> (summaries: [CampaignSummary], completed: Bool) {
      lock.lock()
      defer { lock.unlock() }
      if let error = errors.first { throw error }
      return (results.keys.sorted().compactMap { results[$0] }, programsDone == batches.reduce(0) { $0 + $1.count })
    }
  }

  /// Runs the pending programs; `completed` is false when a stop or the deadline left some undone.
  public func run() throws -> (summary: CampaignSummary, completed: Bool) {
    let pending = self.pending
    let size = options.stopAfterViolations == nil ? max(options.batchSize, 1) : max(pending.count, 1)
    let batches = stride(from: 0, to: pending.count, by: size).map {
      Array(pending[$0..<min($0 + size, pending.count)])
    }
    let coordinator = Coordinator(batches)
    let (options, makeEmulator, stop, deadline) = (self.options, self.makeEmulator, self.stop, self.deadline)
    let (onFinding, onBatch) = (self.onFinding, self.onBatch)
    let workers = options.stopAfterViolations == nil ? min(jobs, max(batches.count, 1)) : 1
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      let campaign = Campaign(options: options, emulator: makeEmulator())
      while !stop.requested {
        if let deadline, ContinuousClock.now >= deadline { return }
        guard let (number, indices) = coordinator.take() else { return }
        do {
          let (summary, done) = try campaign.run(
            indices: indices, shouldStop: { stop.requested },
            wrapUp: { deadline.map { ContinuousClock.now >= $0 } ?? false }, found: onFinding)
          coordinator.finish(number, summary, done: done.count)
          if !done.isEmpty { onBatch(done, summary) }
          if done.count < indices.count { return }
        } catch {
          coordinator.fail(error)
          return
        }
      }
    }
    var merged = CampaignSummary(options: options, emulator: makeEmulator().name)
    let (summaries, completed) = try coordinator.collect()
    for summary in summaries { merged.merge(summary) }
    return (merged, completed)
  }
}
