import Testing

@testable import DiffCheck

/// Totals merged batch by batch must come out as sorting the whole list would put them.
@Suite struct SortedMergeTests {
  struct Entry: Equatable {
    let key: Int
    let tag: String
  }

  @Test func mergingEqualsSortingTheConcatenation() {
    var random = SeededRandom(seed: 7)
    for _ in 0..<300 {
      let mine = (0..<random.int(0...12)).map { _ in Entry(key: random.int(0...9), tag: "mine\(random.next() % 5)") }
        .sorted { $0.key < $1.key }
      let theirs = (0..<random.int(0...12)).map { _ in Entry(key: random.int(0...9), tag: "theirs\(random.next() % 5)")
      }
      var merged = mine
      merged.mergeInOrder(theirs) { $0.key < $1.key }
      // On equal keys the totals' entries come first and a batch keeps its own order.
      #expect(merged == (mine + theirs).sorted { $0.key < $1.key })
    }
  }

  @Test func aLaterBatchIsAppendedAndAnEarlierOneInterleaved() {
    func merged(_ totals: [Int], _ batch: [Int]) -> [Int] {
      var result = totals
      result.mergeInOrder(batch, by: <)
      return result
    }
    #expect(merged([1, 3, 5], [7, 6]) == [1, 3, 5, 6, 7])
    #expect(merged([1, 3, 5], [4, 0, 2]) == [0, 1, 2, 3, 4, 5])
    #expect(merged([], [2, 1]) == [1, 2])
  }
}
