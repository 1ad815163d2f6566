extension Array {
  /// `self`, already in `areInIncreasingOrder`, and `other`, as one list in that order: what
  /// `(self + other).sorted(by:)` gives, with only `other` sorted. A campaign adds every batch's
  /// lists to its totals: sorting the totals again each time made a long campaign quadratic.
  func mergedInOrder(with other: [Element], by areInIncreasingOrder: (Element, Element) -> Bool) -> [Element] {
    let other = other.sorted(by: areInIncreasingOrder)
    guard let first = other.first, let last = self.last, areInIncreasingOrder(first, last) else {
      return self + other
    }
    var merged: [Element] = []
    merged.reserveCapacity(count + other.count)
    var mine = startIndex
    var theirs = other.startIndex
    while mine < endIndex && theirs < other.endIndex {
      if areInIncreasingOrder(other[theirs], self[mine]) {
        merged.append(other[theirs])
        theirs += 1
      } else {
        merged.append(self[mine])
        mine += 1
      }
    }
    merged += self[mine...]
    merged += other[theirs...]
    return merged
  }
}
