import Foundation
import Testing

@testable import DiffCheck
@testable import SpecModel

/// A worker takes several batches at a time, but never so many that a worker is left idle.
@Suite struct TakeSizeTests {
  func campaign(count: Int, batchSize: Int, jobs: Int) throws -> ParallelCampaign {
    var options = CampaignOptions(
      seed: 4, count: count, length: 6, isa: try ISAString(parsing: "rv64ima_zacas_zabha"), profile: .spike)
    options.batchSize = batchSize
    return ParallelCampaign(options: options, jobs: jobs) { BuiltinEmulator() }
  }

  @Test func aLargeCampaignTakesAboutTwoHundredFiftySixProgramsAtATime() throws {
    #expect(try campaign(count: 20000, batchSize: 32, jobs: 1).takeSize(expected: 20000) == 256)
    #expect(try campaign(count: 20000, batchSize: 32, jobs: 2).takeSize(expected: 20000) == 256)
    // A batch as large as a take is taken alone; a take is whole batches.
    #expect(try campaign(count: 20000, batchSize: 256, jobs: 2).takeSize(expected: 20000) == 256)
    #expect(try campaign(count: 20000, batchSize: 100, jobs: 1).takeSize(expected: 20000) == 200)
  }

  @Test func aSmallCampaignKeepsFourTakesAWorker() throws {
    // 1,000 programs on two workers: 125 a take at most, so three batches of 32.
    #expect(try campaign(count: 1000, batchSize: 32, jobs: 2).takeSize(expected: 1000) == 96)
    #expect(try campaign(count: 20, batchSize: 4, jobs: 1).takeSize(expected: 20) == 4)
    #expect(try campaign(count: 3, batchSize: 32, jobs: 2).takeSize(expected: 3) == 32)
    #expect(try campaign(count: 0, batchSize: 0, jobs: 1).takeSize(expected: 0) == 1)
  }

  /// The takes a run reports are those sizes, and together they are the whole run.
  @Test func theReportedTakesAddUpToTheRun() throws {
    var run = try campaign(count: 600, batchSize: 32, jobs: 1)
    let lock = NSLock()
    nonisolated(unsafe) var sizes: [Int] = []
    nonisolated(unsafe) var programs = 0
    run.onBatch = { indices, summary in
      lock.lock()
      defer { lock.unlock() }
      sizes.append(indices.count)
      programs += summary.programs
    }
    let (summary, completed) = try run.run()
    #expect(completed)
    #expect(sizes == [128, 128, 128, 128, 88])
    #expect(programs == 600 && summary.programs == 600)
  }
}
