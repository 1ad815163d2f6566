import Foundation
import SpecModel

extension CampaignSummary {
  /// Adds another worker's summary; the result is the same whatever order workers finish in.
  public mutating func merge(_ other: CampaignSummary) {
    programs += other.programs
    findings = (findings + other.findings).sorted { $0.programIndex < $1.programIndex }
    unknowns += other.unknowns
    unprepared += other.unprepared
    unpreparedIndices = (unpreparedIndices + other.unpreparedIndices).sorted()
    infeasibleTargets += other.infeasibleTargets
    emulatorFailures = (emulatorFailures + other.emulatorFailures).sorted()
    unsupportedForms.merge(other.unsupportedForms, uniquingKeysWith: +)
    coverage.merge(other.coverage)
    firstViolationAt = [firstViolationAt, other.firstViolationAt].compactMap { $0 }.min()
    timing.preparing += other.timing.preparing
    timing.emulating += other.timing.emulating
    timing.checking += other.timing.checking
  }
}

/// Runs a campaign on several workers, each with its own Z3 context and emulator. Every program has
/// its own seed, so the merged result equals a single worker's for the same range.
public struct ParallelCampaign {
  public let options: CampaignOptions
  public let jobs: Int
  public let makeEmulator: @Sendable () -> any Emulator

  public init(options: CampaignOptions, jobs: Int, makeEmulator: @escaping @Sendable () -> any Emulator) {
    self.options = options
    self.jobs = max(jobs, 1)
    self.makeEmulator = makeEmulator
  }

  /// Collects worker results under a lock.
  private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var summaries: [Int: CampaignSummary] = [:]
    private var errors: [Error] = []

    func add(_ worker: Int, _ result: Result<CampaignSummary, Error>) {
      lock.lock()
      defer { lock.unlock() }
      switch result {
      case .success(let summary): summaries[worker] = summary
      case .failure(let error): errors.append(error)
      }
    }

    func collect() throws -> [CampaignSummary] {
      if let error = errors.first { throw error }
      return summaries.keys.sorted().compactMap { summaries[$0] }
    }
  }

  public func run() throws -> CampaignSummary {
    let all = options.start..<(options.start + options.count)
    guard jobs > 1 && options.stopAfterViolations == nil else {
      return try Campaign(options: options, emulator: makeEmulator()).run(indices: all)
    }
    // Contiguous slices, one per worker.
    let size = (all.count + jobs - 1) / jobs
    let slices = stride(from: all.lowerBound, to: all.upperBound, by: size).map { $0..<min($0 + size, all.upperBound) }
    let results = Results()
    let options = self.options
    let makeEmulator = self.makeEmulator
    DispatchQueue.concurrentPerform(iterations: slices.count) { worker in
      let campaign = Campaign(options: options, emulator: makeEmulator())
      results.add(worker, Result { try campaign.run(indices: slices[worker]) })
    }
    var merged = CampaignSummary(options: options, emulator: makeEmulator().name)
    for summary in try results.collect() { merged.merge(summary) }
    return merged
  }
}
