import Foundation
import Testing

@testable import DiffCheck
@testable import SpecModel

/// Coverage cells are hashed by a stored hash of the form and the outcome's case number, not by
/// their strings: the cheap key must still agree with equality, and survive a campaign's JSON.
@Suite struct CoverageCellTests {
  @Test func anOutcomesOrdinalIsItsPlaceInTheDeclaration() {
    for (index, outcome) in CASOutcome.allCases.enumerated() {
      #expect(Int(outcome.ordinal) == index, "\(outcome)")
      #expect(CASOutcome.inOrder[index] == outcome)
    }
    #expect(CASOutcome.success < CASOutcome.failure)
    #expect(!(CASOutcome.unchanged < CASOutcome.success))
  }

  /// A tally keeps its storage from batch to batch and zeroes only what it counted: each batch's
  /// counts must reach the summary once, and a drained tally must hold nothing.
  @Test func aTallyDrainedAfterEachBatchCountsEachMarkOnce() {
    let cas = InstructionTable.named("amocas.w")
    let amo = InstructionTable.named("amoadd.b")
    var tally = CoverageTally()
    var coverage = Coverage()
    tally.add([CoverageMark(cas, .success), CoverageMark(amo, .executed), CoverageMark(cas, .success)])
    tally.drain(into: &coverage)
    tally.add([CoverageMark(cas, .failure), CoverageMark(cas, .success)])
    tally.drain(into: &coverage)
    tally.drain(into: &coverage)
    #expect(coverage.count("amocas.w", .success) == 3)
    #expect(coverage.count("amocas.w", .failure) == 1)
    #expect(coverage.count("amoadd.b", .executed) == 1)
    #expect(coverage.counts.count == 3)
    var cells: [CoverageCell: Int] = [:]
    tally.add([CoverageMark(amo, .executed)])
    tally.drain(into: &cells)
    tally.drain(into: &cells)
    #expect(cells == [CoverageCell(amo, .executed): 1])
  }

  @Test func aCellMadeFromItsFormEqualsOneMadeFromItsMnemonic() throws {
    let forms = InstructionTable.forms.filter { $0.format == .atomic }
    #expect(forms.count > 10)
    for form in forms {
      for outcome in CASOutcome.allCases {
        let fromForm = CoverageCell(form, outcome)
        let fromName = CoverageCell(form: form.mnemonic, outcome: outcome)
        #expect(fromForm == fromName)
        #expect(fromForm.hashValue == fromName.hashValue)
        let decoded = try JSONDecoder().decode(CoverageCell.self, from: JSONEncoder().encode(fromForm))
        #expect(decoded == fromForm && decoded.hashValue == fromForm.hashValue)
      }
    }
  }

  @Test func cellsOfOtherFormsOrOutcomesAreCountedApart() {
    let forms = InstructionTable.forms.filter { $0.isCompareAndSwap }
    var coverage = Coverage()
    for form in forms {
      for outcome in CASOutcome.allCases {
        coverage.add([CoverageCell(form, outcome)])
      }
    }
    coverage.add(CoverageCell(form: "amocas.w", outcome: .success), count: 4)
    #expect(coverage.counts.count == forms.count * CASOutcome.allCases.count)
    #expect(coverage.count("amocas.w", .success) == 5)
    #expect(coverage.count("amocas.w", .failure) == 1)
    #expect(coverage.count("amocas.d", .success) == 1)
    // The JSON key names stay those of the saved campaigns.
    let text = String(
      decoding: try! JSONEncoder().encode(CoverageCell(form: "amocas.w", outcome: .x0Pair)), as: UTF8.self)
    #expect(text.contains("\"form\":\"amocas.w\"") && text.contains("\"outcome\":\"x0-pair\""))
    #expect(!text.contains("Hash"))
  }
}
