import Foundation
import Testing

@testable import SpecModel

@Suite struct LitmusModelTests {
  static var expected: [(file: String, verdict: String, positive: Int, negative: Int)] {
    guard
      let text = try? String(
        contentsOf: LitmusParserTests.shared.appendingPathComponent("EXPECTED.tsv"), encoding: .utf8)
    else { return [] }
    return text.split(separator: "\n").dropFirst().map { line in
      let fields = line.split(separator: "\t").map(String.init)
      return (fields[0], fields[2], Int(fields[3]) ?? -1, Int(fields[4]) ?? -1)
    }
  }

  /// Every shared test gets the reference model's verdict and counts of allowed final states.
  @Test func sharedSampleMatchesTheReferenceModel() throws {
    let rows = Self.expected
    guard !rows.isEmpty else {
      print("note: \(LitmusParserTests.shared.path) not found; the shared litmus sample was not checked")
      return
    }
    var mismatches: [String] = []
    for row in rows {
      let text = try String(contentsOf: LitmusParserTests.shared.appendingPathComponent(row.file), encoding: .utf8)
      do {
        let result = try LitmusChecker().check(try LitmusParser.parse(text, file: row.file))
        if result.verdict.rawValue != row.verdict || result.positive != row.positive || result.negative != row.negative
        {
          mismatches.append(
            "\(row.file): \(result.verdict.rawValue) \(result.positive)/\(result.negative), expected \(row.verdict) \(row.positive)/\(row.negative)"
          )
        }
      } catch {
        mismatches.append("\(row.file): \(error)")
      }
    }
    #expect(mismatches.isEmpty, "\(mismatches.count) of \(rows.count):\n\(mismatches.joined(separator: "\n"))")
  }
}
