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

  /// Uniform in `0..<bound` (bound > 0), by rejection so no value is favoured.
  public mutating func below(_ bound: UInt64) -> UInt64 {
    precondition(bound > 0)
    // A power of two has the same limit and remainder without the two divisions: the limit is
    // 2^64 - bound, the remainder the low bits.
    if bound & (bound &- 1) == 0 {
      while true {
        let value = next()
        if value < 0 &- bound { return value & (bound &- 1) }
      }
    }
    // The limit (2^64 - 1 less its remainder) is at least 2^64 - bound, so a value below that is
    // accepted without working the limit out: one division, not two, and the same draws.
    while true {
      let value = next()
      if value < 0 &- bound || value < UInt64.max - UInt64.max % bound { return value % bound }
    }
  }

  public mutating func int(_ range: ClosedRange<Int>) -> Int {
    range.lowerBound + Int(below(UInt64(range.upperBound - range.lowerBound + 1)))
  }

  public mutating func chance(_ probability: Double) -> Bool {
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
