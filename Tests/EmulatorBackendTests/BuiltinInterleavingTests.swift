import Foundation
import Testing

@testable import DiffCheck
@testable import SpecModel

@Suite struct BuiltinInterleavingTests {
  /// The built-in emulator interleaves instructions one at a time (sequential consistency): its
  /// outcomes are a subset of both SC's and RVWMO's, and random schedules reach every SC state
  /// of these small tests.
  @Test(arguments: SpikeSupport.litmusFiles)
  func interleavingsStayWithinTheModels(file: String) throws {
    let test = try SpikeSupport.litmus(file)
    let observed = Set(try BuiltinInterleaving(test: test, runs: 300, seed: 7).run())
    let rvwmo = Set(try LitmusChecker().check(test).states)
    let sc = Set(try LitmusChecker(model: .sc).check(test).states)
    #expect(observed.isSubset(of: rvwmo), "\(file): \(observed.subtracting(rvwmo))")
    #expect(observed == sc, "\(file): SC states never reached: \(sc.subtracting(observed))")
  }

  @Test func aStateTheModelForbidsIsReported() throws {
    let test = try SpikeSupport.litmus("MP+fence.w.w+amocas-relaxed.litmus")
    let observed = Set(try BuiltinInterleaving(test: test, runs: 50, seed: 7).run())
    var other = test
    other.initial = test.initial.map { initialiser in
      var changed = initialiser
      if case .register(0, 5) = initialiser.location { changed.value = .number(9) }
      return changed
    }
    #expect(!observed.subtracting(Set(try LitmusChecker().check(other).states)).isEmpty)
  }
}
