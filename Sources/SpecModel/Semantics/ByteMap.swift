/// Bytes by address, held as sorted runs of consecutive addresses. A test's memory is a few
/// windows of hundreds of bytes each, so a state is built, copied and compared as a few arrays,
/// not as a hash table of single bytes. Reads and writes go by address, like a dictionary's.
public struct ByteMap: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
  struct Run: Hashable, Sendable {
    var base: UInt64
    var bytes: [UInt8]
    /// The address after the last byte, nil when the run ends at the top of the address space.
    var end: UInt64? {
      let (sum, overflow) = base.addingReportingOverflow(UInt64(bytes.count))
      return overflow ? nil : sum
    }
  }

  /// Sorted by base; no two overlap or touch (touching runs are one), so equal contents have equal
  /// runs and compare and hash alike.
  private(set) var runs: [Run] = []

  public init() {}

  public init(dictionaryLiteral elements: (UInt64, UInt8)...) {
    for (address, byte) in elements { self[address] = byte }
  }

  public init(_ bytes: [UInt64: UInt8]) {
    for address in bytes.keys.sorted() { self[address] = bytes[address] }
  }

  /// An empty map with room for `windows` runs, for a caller about to append that many.
  init(reservingWindows windows: Int) { runs.reserveCapacity(windows) }

  /// The bytes `bytes` from `base` on.
  public init(base: UInt64, bytes: [UInt8]) {
    if !bytes.isEmpty { runs = [Run(base: base, bytes: bytes)] }
  }

  /// Appends the bytes of a window that starts above everything held so far (or anywhere: the
  /// general path sorts it in).
  public mutating func append(base: UInt64, bytes: [UInt8]) {
    guard !bytes.isEmpty else { return }
    guard let last = runs.last else {
      runs.append(Run(base: base, bytes: bytes))
      return
    }
    if let end = last.end, end < base {
      runs.append(Run(base: base, bytes: bytes))
    } else if last.end == base {
      runs[runs.count - 1].bytes += bytes
    } else {
      for (offset, byte) in bytes.enumerated() { self[base &+ UInt64(offset)] = byte }
    }
  }

  /// The index of the last run whose base is at or below `address`.
  private func runIndex(atOrBelow address: UInt64) -> Int? {
    var low = 0
    var high = runs.count
    while low < high {
      let middle = (low + high) / 2
      if runs[middle].base <= address { low = middle + 1 } else { high = middle }
    }
    return low == 0 ? nil : low - 1
  }

  public subscript(address: UInt64) -> UInt8? {
    get {
      guard let index = runIndex(atOrBelow: address) else { return nil }
      let offset = address &- runs[index].base
      return offset < UInt64(runs[index].bytes.count) ? runs[index].bytes[Int(offset)] : nil
    }
    set {
      let below = runIndex(atOrBelow: address)
      if let below, address &- runs[below].base < UInt64(runs[below].bytes.count) {
        let offset = Int(address &- runs[below].base)
        if let newValue {
          runs[below].bytes[offset] = newValue
        } else {
          // Split the run around the byte.
          let tail = Array(runs[below].bytes[(offset + 1)...])
          runs[below].bytes.removeSubrange(offset...)
          var at = below + 1
          if runs[below].bytes.isEmpty {
            runs.remove(at: below)
            at = below
          }
          if !tail.isEmpty { runs.insert(Run(base: address &+ 1, bytes: tail), at: at) }
        }
        return
      }
      guard let newValue else { return }
      let next = below.map { $0 + 1 } ?? 0
      let joinsNext = next < runs.count && address != .max && runs[next].base == address + 1
      if let below, runs[below].end == address {
        runs[below].bytes.append(newValue)
        if joinsNext {
          runs[below].bytes += runs[next].bytes
          runs.remove(at: next)
        }
      } else if joinsNext {
        runs[next].base = address
        runs[next].bytes.insert(newValue, at: 0)
      } else {
        runs.insert(Run(base: address, bytes: [newValue]), at: next)
      }
    }
  }

  public var count: Int { runs.reduce(0) { $0 + $1.bytes.count } }
  public var isEmpty: Bool { runs.isEmpty }

  /// Every address held, in increasing order.
  public var keys: [UInt64] {
    runs.flatMap { run in (0..<UInt64(run.bytes.count)).map { run.base &+ $0 } }
  }

  /// The windows held: each base with its bytes.
  public var windows: [(base: UInt64, bytes: [UInt8])] { runs.map { ($0.base, $0.bytes) } }

  public struct Iterator: IteratorProtocol {
    let runs: [Run]
    var run = 0
    var offset = 0

    public mutating func next() -> (key: UInt64, value: UInt8)? {
      while run < runs.count {
        if offset < runs[run].bytes.count {
          defer { offset += 1 }
          return (runs[run].base &+ UInt64(offset), runs[run].bytes[offset])
        }
        run += 1
        offset = 0
      }
      return nil
    }
  }

  public func makeIterator() -> Iterator { Iterator(runs: runs) }

  public var description: String {
    "[" + map { "0x\(String($0.key, radix: 16)): \($0.value)" }.joined(separator: ", ") + "]"
  }
}
