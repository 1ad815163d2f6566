import Foundation
import Testing

@testable import DiffCheck
@testable import SpecModel

@Suite(.enabled(if: SpikeSupport.available, "spike not installed"))
struct SpikeLitmusTests {
  /// No final state Spike reaches, over many runs with varied start delays, is one RVWMO forbids.
  @Test(arguments: SpikeSupport.litmusFiles)
  func spikeStaysWithinTheModel(file: String) throws {
    let test = try SpikeSupport.litmus(file)
    let observed = try SpikeLitmus(test: test, runs: 64, seed: 3).run(spike: SpikeSupport.path!)
    #expect(observed.count == 64)
    let allowed = Set(try LitmusChecker().check(test).states)
    let forbidden = Set(observed).subtracting(allowed)
    #expect(forbidden.isEmpty, "\(file): \(forbidden)")
  }

  /// The comparison can fail: Spike running a test whose stores write 1, judged by the model of
  /// the same test with stores of 2, shows states that model forbids.
  @Test func aStateTheModelForbidsIsReported() throws {
    let test = try SpikeSupport.litmus("SB+amocas.aqrl-failing.litmus")
    let observed = try SpikeLitmus(test: test, runs: 16, seed: 3).run(spike: SpikeSupport.path!)
    var other = test
    other.initial = test.initial.map { initialiser in
      var changed = initialiser
      if case .register(_, 5) = initialiser.location { changed.value = .number(2) }
      return changed
    }
    let allowed = Set(try LitmusChecker().check(other).states)
    #expect(!Set(observed).subtracting(allowed).isEmpty)
  }
}
