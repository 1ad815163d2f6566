/// What a run held as it entered each step: the value of the step's `rs1` and which registers no
/// step had written yet. Kept at every step for the price of two stores, so a caller can ask after
/// the run where a store wrote and whether the registers it copied still held their initial
/// values, rather than watching every store as the run goes.
public final class StepEntries {
  public let count: Int
  private let bases: UnsafeMutablePointer<UInt64>
  private let unwritten: UnsafeMutablePointer<UInt32>

  /// Entries for a program of `count` instructions.
  public init(count: Int) {
    self.count = count
    bases = .allocate(capacity: max(count, 1))
    bases.initialize(repeating: 0, count: max(count, 1))
    unwritten = .allocate(capacity: max(count, 1))
    unwritten.initialize(repeating: 0, count: max(count, 1))
  }

  deinit {
    bases.deallocate()
    unwritten.deallocate()
  }

  /// Clears the entries for another program of at most `count` instructions, keeping the storage.
  public func forget() {
    bases.update(repeating: 0, count: max(count, 1))
    unwritten.update(repeating: 0, count: max(count, 1))
  }

  @inline(__always) func record(_ index: Int, base: UInt64, unwritten mask: UInt32) {
    bases[index] = base
    unwritten[index] = mask
  }

  /// The value of instruction `index`'s `rs1` as the last run that reached it entered it.
  public func base(at index: Int) -> UInt64 { bases[index] }

  /// Whether register `number` (not x0) still held its initial value as the last run that reached
  /// instruction `index` entered it.
  public func isInitial(register number: Int, at index: Int) -> Bool {
    number != 0 && unwritten[index] & ConcreteMachine.bit(number) != 0
  }
}
