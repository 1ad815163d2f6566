/// xoshiro256** seeded through SplitMix64: a fixed algorithm, so one seed gives the same programs
/// on every machine and every run.
public struct SeededRandom: RandomNumberGenerator, Sendable {
  private var state: (UInt64, UInt64, UInt64, UInt64)

  public init(seed: UInt64) {
    var mix = seed
    func splitMix() -> UInt64 {
      mix &+= 0x9E37_79B9_7F4A_7C15
      var z = mix
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (splitMix(), splitMix(), splitMix(), splitMix())
  }

  @inline(__always) public mutating func next() -> UInt64 {
    let result = rotate(state.1 &* 5, 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = rotate(state.3, 45)
    return result
  }

  @inline(__always) private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  /// Uniform in `0..<bound` (bound > 0), by rejection so no value is favoured. Inlined, so that a
  /// bound known where it is called (most are) costs a mask or a multiplication rather than a
  /// division; the rare draw near the top of the range goes to `belowRejecting`.
  @inline(__always) public mutating func below(_ bound: UInt64) -> UInt64 {
    precondition(bound > 0)
    let value = next()
    // Below 2^64 - bound a draw is always accepted: the limit is at least that.
    if value < 0 &- bound { return bound & (bound &- 1) == 0 ? value & (bound &- 1) : value % bound }
    return belowRejecting(bound, first: value)
  }

  /// `below` from a first draw at or above 2^64 - bound: that draw is accepted when it is under
  /// the limit (2^64 - 1 less its remainder), and later ones as `below` accepts them.
  @inline(never) private mutating func belowRejecting(_ bound: UInt64, first: UInt64) -> UInt64 {
    // A power of two has the limit 2^64 - bound and the remainder in the low bits.
    if bound & (bound &- 1) == 0 {
      var value = first
      while true {
        if value < 0 &- bound { return value & (bound &- 1) }
        value = next()
      }
    }
    var value = first
    while true {
      if value < 0 &- bound || value < UInt64.max - UInt64.max % bound { return value % bound }
      value = next()
    }
  }

  @inline(__always) public mutating func int(_ range: ClosedRange<Int>) -> Int {
    range.lowerBound + Int(below(UInt64(range.upperBound - range.lowerBound + 1)))
  }

  /// Inlined: a probability known where it is called leaves a multiplication and a comparison.
  @inline(__always) public mutating func chance(_ probability: Double) -> Bool {
    Double(next() >> 11) / Double(1 << 53) < probability
  }

  public mutating func pick<T>(_ items: [T]) -> T { items[Int(below(UInt64(items.count)))] }

  /// The sum of the weights `weighted` draws from: a caller drawing many times from one table
  /// works it out once.
  public static func total<T>(_ items: [(T, Int)]) -> Int { items.reduce(0) { $0 + max($1.1, 0) } }

  /// Picks a key with probability proportional to its weight; `total` is `Self.total(items)`.
  public mutating func weighted<T>(_ items: [(T, Int)], total: Int? = nil) -> T {
    let total = total ?? Self.total(items)
    var roll = Int(below(UInt64(max(total, 1))))
    for (item, weight) in items where weight > 0 {
      if roll < weight { return item }
      roll -= weight
    }
    return items[0].0
  }
}
