import Foundation
import Testing

@testable import DiffCheck
@testable import SpecModel

/// Replays every case under corpus/ on the built-in emulator (known deviations of other emulators,
/// under corpus/known, have tests of their own).
@Suite struct CorpusReplayTests {
  static let corpus = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("corpus")

  static var files: [URL] {
    let enumerator = FileManager.default.enumerator(at: corpus, includingPropertiesForKeys: nil)
    return (enumerator?.allObjects as? [URL] ?? [])
      .filter { $0.pathExtension == "rvt" && $0.deletingLastPathComponent().lastPathComponent != "known" }
      .sorted { $0.path < $1.path }
  }

  static func load(_ file: URL) throws -> CorpusCase {
    try CorpusCase(parsing: String(contentsOf: file, encoding: .utf8), file: file.lastPathComponent)
  }

  @Test(arguments: files.map(\.lastPathComponent))
  func caseReplays(name: String) throws {
    let file = try #require(Self.files.first { $0.lastPathComponent == name })
    let problems = try Replayer(emulator: BuiltinEmulator()).replay(Self.load(file)).problems
    #expect(problems.isEmpty, "\(name): \(problems)")
  }

  @Test func everyRuleHasACase() throws {
    #expect(Self.files.count >= 30)
    var named: Set<String> = []
    for file in Self.files {
      let testCase = try Self.load(file)
      named.formUnion(testCase.rejections.map(\.rule))
      if case .violation(let rules) = testCase.expectation { named.formUnion(rules) }
    }
    let missing = Rule.catalog.map(\.name).filter { !named.contains($0) }
    #expect(missing.isEmpty, "rules no corpus case exercises: \(missing)")
  }

  /// The Zabha AMO cases are sharp: each byte and halfword AMO bug of the built-in emulator fails
  /// at least one of them.
  @Test(arguments: [
    Mutant.narrowAMOMinMaxWholeRegister, .narrowAMOZeroExtends, .narrowAMOSkipsUnchangedStore,
    .narrowAMOWritesNeighbour,
  ])
  func zabhaCasesCatchEachNarrowAMOBug(mutant: Mutant) throws {
    let cases = Self.files.filter { $0.lastPathComponent.hasPrefix("zabha-amo") }
    #expect(cases.count >= 5)
    let failing = try cases.filter {
      !(try Replayer(emulator: BuiltinEmulator(mutant: mutant)).replay(Self.load($0)).passed)
    }
    #expect(!failing.isEmpty, "no zabha-amo case fails under \(mutant.rawValue)")
  }
}
