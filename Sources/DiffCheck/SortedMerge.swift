extension Array {
  /// Adds `other` to `self`, which is already in `areInIncreasingOrder`, keeping that order: what
  /// `self = (self + other).sorted(by:)` gives, with only `other` sorted and `self` grown in
  /// place. A campaign adds every batch's lists to its totals: sorting or copying the totals each
  /// time made a long campaign quadratic.
  mutating func mergeInOrder(_ other: [Element], by areInIncreasingOrder: (Element, Element) -> Bool) {
    let other = other.sorted(by: areInIncreasingOrder)
    guard let first = other.first, let last = self.last, areInIncreasingOrder(first, last) else {
      append(contentsOf: other)
      return
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
    self = merged
  }
}
