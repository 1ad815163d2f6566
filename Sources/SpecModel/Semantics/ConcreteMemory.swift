/// Memory as bytes: one array per region of the memory map, and a small table for bytes a test
/// states outside every region (readable in principle, never reachable without a trap).
public struct ConcreteMemory: Sendable {
  struct Region: Sendable {
    let base: UInt64
    var bytes: [UInt8]
    /// The program index of the instruction that last wrote each byte (-1: the initial state).
    var writers: [Int32]
  }

  var regions: [Region]
  var outside: [UInt64: UInt8] = [:]

  /// Memory over `map` holding `initial` (bytes not given read as zero).
  public init(map: MemoryMap, initial: ByteMap) {
    regions = map.regions.map {
      Region(
        base: $0.base, bytes: Array(repeating: 0, count: Int($0.size)),
        writers: Array(repeating: -1, count: Int($0.size)))
    }
    for window in initial.windows {
      // A window that is exactly a region (as prepared states are) is one copy.
      if let index = regions.firstIndex(where: { $0.base == window.base && $0.bytes.count == window.bytes.count }) {
        regions[index].bytes = window.bytes
        continue
      }
      for (offset, byte) in window.bytes.enumerated() {
        let address = window.base &+ UInt64(offset)
        if let (region, offset) = locate(address) {
          regions[region].bytes[offset] = byte
        } else {
          outside[address] = byte
        }
      }
    }
  }

  @inline(__always) func locate(_ address: UInt64) -> (Int, Int)? {
    for index in regions.indices {
      let offset = address &- regions[index].base
      if offset < UInt64(regions[index].bytes.count) { return (index, Int(offset)) }
    }
    return nil
  }

  public func byte(at address: UInt64) -> UInt8 {
    if let (region, offset) = locate(address) { return regions[region].bytes[offset] }
    return outside[address] ?? 0
  }

  /// The instruction that last wrote the byte at `address` (-1: none did).
  public func writer(at address: UInt64) -> Int {
    if let (region, offset) = locate(address) { return Int(regions[region].writers[offset]) }
    return -1
  }

  mutating func write(_ address: UInt64, value: UInt128, bytes: Int, by index: Int, mask: UInt64) {
    for byte in 0..<bytes {
      let at = (address &+ UInt64(byte)) & mask
      let piece = UInt8(truncatingIfNeeded: value >> UInt128(8 * byte))
      if let (region, offset) = locate(at) {
        regions[region].bytes[offset] = piece
        regions[region].writers[offset] = Int32(index)
      } else {
        outside[at] = piece
      }
    }
  }

  /// Sets a byte of the initial state (for preparing a test).
  public mutating func set(_ address: UInt64, _ byte: UInt8) {
    if let (region, offset) = locate(address) {
      regions[region].bytes[offset] = byte
    } else {
      outside[address] = byte
    }
  }

  /// Every byte, by address.
  public var bytes: ByteMap {
    var all = ByteMap()
    for region in regions.sorted(by: { $0.base < $1.base }) { all.append(base: region.base, bytes: region.bytes) }
    for (address, byte) in outside { all[address] = byte }
    return all
  }

  /// Whether `observed` holds, at every address it names, the byte this memory holds.
  public func agrees(with observed: ByteMap) -> Bool {
    for window in observed.windows {
      // A window that is exactly a region (as emulators report them) is one comparison.
      if let region = regions.first(where: { $0.base == window.base && $0.bytes.count == window.bytes.count }) {
        if region.bytes != window.bytes { return false }
        continue
      }
      for (offset, byte) in window.bytes.enumerated() where self.byte(at: window.base &+ UInt64(offset)) != byte {
        return false
      }
    }
    return true
  }
}
