import Foundation
import Synchronization

extension CampaignSummary {
  /// Adds another worker's summary; the result is the same whatever order workers finish in.
  public mutating func merge(_ other: CampaignSummary) {
    programs += other.programs
    findings.mergeInOrder(other.findings) { $0.programIndex < $1.programIndex }
    columns.merge(other.columns)
    knownCounts.merge(other.knownCounts, uniquingKeysWith: +)
    outsideRange.merge(other.outsideRange) { mine, theirs in mine + theirs.filter { !mine.contains($0) } }
    var examples = knownExamples
    for example in other.knownExamples
    where examples.filter({ $0.known == example.known }).count < CampaignSummary.knownExamplesKept {
      examples.append(example)
    }
    knownExamples = examples.sorted { $0.programIndex < $1.programIndex }
    unknowns += other.unknowns
    unknownIndices.mergeInOrder(other.unknownIndices, by: <)
    unprepared += other.unprepared
    unpreparedIndices.mergeInOrder(other.unpreparedIndices, by: <)
    infeasibleTargets += other.infeasibleTargets
    emulatorFailures.mergeInOrder(other.emulatorFailures, by: <)
    unsupportedForms.merge(other.unsupportedForms, uniquingKeysWith: +)
    coverage.merge(other.coverage)
    patches += other.patches
    specRuns += other.specRuns
    endedRuns += other.endedRuns
    guessesMissedAgain += other.guessesMissedAgain
    plans += other.plans
    solverFallbacks += other.solverFallbacks
    crossChecked += other.crossChecked
    disagreements.mergeInOrder(other.disagreements, by: <)
    repeats.mergeInOrder(other.repeats) { ($0.program, $0.emulator) < ($1.program, $1.emulator) }
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
  /// Makes a worker's emulators (one each of the campaign's emulators, in order).
  public let makeEmulators: @Sendable () -> [any Emulator]
  public var shard = Shard.whole
  /// Programs already done, by position in the shard's sequence (program `start + shard.index +
  /// k × shard.count` is position k), as `CampaignState` keeps them: a resumed campaign skips them.
  public var done = IndexSet()
  /// After this instant (a time budget) no program is prepared; those prepared are still checked.
  public var deadline: ContinuousClock.Instant?
  /// Ends the run within about one program: the batch under way is dropped, not half-counted.
  public var stop = StopFlag()
  /// Told of each finding as soon as it exists, from the worker that found it.
  public var onFinding: @Sendable (Finding) -> Void = { _ in }
  /// Hears of each emulator failure no known deviation explains, with the program as a case.
  public var onFailure: @Sendable (EmulatorFailure) -> Void = { _ in }
  /// Told after each take (a few batches) is checked: the program indices done and their summary.
  public var onBatch: @Sendable ([Int], CampaignSummary) -> Void = { _, _ in }

  public init(options: CampaignOptions, jobs: Int, makeEmulator: @escaping @Sendable () -> any Emulator) {
    self.init(options: options, jobs: jobs, makeEmulators: { [makeEmulator()] })
  }

  public init(options: CampaignOptions, jobs: Int, makeEmulators: @escaping @Sendable () -> [any Emulator]) {
    self.options = options
    self.jobs = max(jobs, 1)
    self.makeEmulators = makeEmulators
  }

  /// The programs this run will check, in order. It is a list: for small campaigns and tests; the
  /// run itself makes its batches as it goes.
  public var pending: [Int] {
    stride(from: shard.index, to: options.count, by: shard.count).filter { !done.contains($0 / shard.count) }.map {
      options.start + $0
    }
  }

  /// How many programs this run will check: the shard's part of the range, less those done.
  public var pendingCount: Int {
    let ownIndices = options.count > shard.index ? (options.count - 1 - shard.index) / shard.count + 1 : 0
    return ownIndices - done.count(in: 0..<ownIndices)
  }

  /// Hands out batches, made as they are asked for (a campaign of a billion programs holds no
  /// list of them), and collects their results under a lock.
  private final class Coordinator: @unchecked Sendable {
    private let lock = NSLock()
    private let options: CampaignOptions
    private let shard: Shard
    private let done: IndexSet
    private let size: Int
    /// The next offset into the range to consider: the shard's own offsets only.
    private var offset: Int
    private var batchNumber = 0
    /// Every finished batch merged so far: merging is order-independent, so batches are folded in
    /// as they finish (keeping each batch's summary until the end grew memory with the campaign).
    private var merged: CampaignSummary
    private var errors: [Error] = []
    private var programsDone = 0

    init(options: CampaignOptions, shard: Shard, done: IndexSet, size: Int, emulator: String) {
      self.merged = CampaignSummary(options: options, emulator: emulator)
      self.options = options
      self.shard = shard
      self.done = done
      self.size = size
      self.offset = shard.index
    }

    func take() -> (Int, [Int])? {
      lock.lock()
      defer { lock.unlock() }
      guard errors.isEmpty else { return nil }
      var batch: [Int] = []
      while batch.count < size && offset < options.count {
        let index = options.start + offset
        let position = offset / shard.count
        offset += shard.count
        if !done.contains(position) { batch.append(index) }
      }
      guard !batch.isEmpty else { return nil }
      batchNumber += 1
      return (batchNumber - 1, batch)
    }

    func finish(_ number: Int, _ summary: CampaignSummary, done: Int) {
      lock.lock()
      defer { lock.unlock() }
      merged.merge(summary)
      programsDone += done
    }

    func fail(_ error: Error) {
      lock.lock()
      defer { lock.unlock() }
      errors.append(error)
    }

    func collect(expected: Int) throws -> (summary: CampaignSummary, completed: Bool) {
      lock.lock()
      defer { lock.unlock() }
      if let error = errors.first { throw error }
      return (merged, programsDone == expected)
    }
  }

  /// About how many programs a worker takes at a time, in whole batches.
  static let programsPerTake = 256

  /// The programs a worker takes at a time: several small batches together, so that what a take
  /// costs (its summary, merged, saved and counted into the coverage) is paid once for them; but
  /// few enough that every worker gets four takes or more, so that the work still spreads over the
  /// workers. A take is one batch at least.
  func takeSize(expected: Int) -> Int {
    let batch = max(options.batchSize, 1)
    let batchesPerWorker = expected / (4 * jobs) / batch
    return batch * max(1, min(Self.programsPerTake / batch, batchesPerWorker))
  }

  /// Runs the pending programs; `completed` is false when a stop or the deadline left some undone.
  public func run() throws -> (summary: CampaignSummary, completed: Bool) {
    let expected = pendingCount
    let size = options.stopAfterViolations == nil ? takeSize(expected: expected) : max(expected, 1)
    // Rounded up without `expected + size - 1`, which overflows for a count near Int.max.
    let batches = expected / size + (expected % size == 0 ? 0 : 1)
    let coordinator = Coordinator(
      options: options, shard: shard, done: done, size: size,
      emulator: makeEmulators().map(\.name).joined(separator: ","))
    let (options, makeEmulators, stop, deadline) = (self.options, self.makeEmulators, self.stop, self.deadline)
    let (onFinding, onBatch, onFailure) = (self.onFinding, self.onBatch, self.onFailure)
    let workers = options.stopAfterViolations == nil ? min(jobs, max(batches, 1)) : 1
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      let campaign = Campaign(options: options, emulators: makeEmulators())
      while !stop.requested {
        if let deadline, ContinuousClock.now >= deadline { return }
        guard let (number, indices) = coordinator.take() else { return }
        do {
          let (summary, done) = try campaign.run(
            indices: indices, shouldStop: { stop.requested },
            wrapUp: { deadline.map { ContinuousClock.now >= $0 } ?? false }, found: onFinding,
            failed: onFailure)
          coordinator.finish(number, summary, done: done.count)
          if !done.isEmpty { onBatch(done, summary) }
          if done.count < indices.count { return }
        } catch {
          coordinator.fail(error)
          return
        }
      }
    }
    return try coordinator.collect(expected: expected)
  }
}
